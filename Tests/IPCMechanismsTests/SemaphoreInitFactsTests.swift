import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import Synchronization
import SystemPackage
import Testing

/// An unnamed semaphore's `sem_init` and `sem_destroy` during its life (glibc 2.36, x86-64), measured with a thread
/// asleep in `sem_wait` and our own futex wakes, whose count says whether a sleeper was still in the futex — so no
/// test waits for something not to happen. glibc keeps the value and the number of sleepers in one word:
/// - `sem_init` above `SEM_VALUE_MAX` fails `EINVAL` and writes nothing; otherwise it sets the value and forgets the
///   sleepers, so a post no longer wakes one (a wait that never returns), while the count stays right.
/// - `sem_destroy` returns 0 with a sleeper too (not `EBUSY`), writes nothing, and the semaphore goes on working.
/// - `pshared` 0 makes the futex private: a thread's sleep there is found only by a private wake, keyed by its
///   process's memory, so another process's post cannot wake it (`PrivateSemaphoreRealModeTests` shows it).
@Suite struct SemaphoreInitFactsTests {
    /// A page of anonymous shared memory for one semaphore, unmapped by `release()`.
    struct Page {
        let address = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        var semaphore: PosixSemaphore { PosixSemaphore.existing(at: address) }
        func release() { munmap(address, 4096) }
    }

    /// A thread asleep in `sem_wait` (not retried on `EINTR`), and how its wait ended.
    final class Sleeper: Sendable {
        /// What the thread reports: its kernel id, and how its wait ended.
        final class Report: Sendable {
            let id = Atomic<Int32>(0)
            let outcome = Mutex<String?>(nil)
        }
        let thread: OSThread
        private let report = Report()
        /// The futex word `sem_wait` sleeps on: glibc's value word, at the semaphore's own address (x86-64).
        private let word: UInt64

        init(_ semaphore: PosixSemaphore) {
            let report = self.report
            word = UInt64(UInt(bitPattern: semaphore.pointer))
            thread = OSThread {
                report.id.store(OSThread.currentID, ordering: .releasing)
                do throws(Errno) {
                    try Syscall.semWait(semaphore.pointer, retryOnInterrupt: false)
                    report.outcome.withLock { $0 = "ok" }
                } catch {
                    report.outcome.withLock { $0 = error.name }
                }
            }
        }

        /// Returns once the thread sleeps in the semaphore's futex: a condition the kernel reports, polled, never a
        /// timed sleep. The futex's address is checked too: under load the thread may first sleep briefly in another
        /// futex on its way to `sem_wait` (a runtime or loader lock another thread holds), where no wake of ours finds it.
        func asleep() -> Self {
            while true {
                let tid = report.id.load(ordering: .acquiring)
                if tid != 0, let snapshot = ProcessInspector.snapshot(of: tid), snapshot.isAsleepInSyscall,
                    snapshot.syscall == SyscallNumber.futex, snapshot.firstArgument == word
                {
                    return self
                }
                OSThread.yield()
            }
        }

        /// How the wait ended, after joining the thread.
        func ended() -> String? {
            thread.join()
            return report.outcome.withLock { $0 }
        }
    }

    /// `sem_init` above `SEM_VALUE_MAX` (2^31 and 2^32 − 1) fails `EINVAL` and leaves the value; a valid one sets it,
    /// with or without `pshared`; the model agrees call for call.
    @Test func reinitialisingSetsTheValueAndEINVALAboveTheMaximumChangesNothing() throws {
        let page = Page()
        defer { page.release() }
        let semaphore = try PosixSemaphore.initialize(at: page.address, value: 3)
        let model = PosixSemaphoreModel(semaphores: [("s", .init(value: 3, named: false))])
        var state = model.initialState(of: "s")
        func initialize(_ value: UInt32, shared: Bool) -> PosixSemaphoreModel.Output {
            do { try Syscall.semInit(semaphore.pointer, shared: shared, value: value); return .done } catch { return .failed(errorCode(error)) }
        }
        let steps: [(PosixSemaphoreModel.Input, () throws -> PosixSemaphoreModel.Output)] = [
            (.initialize(process: 1, value: 1 << 31, shared: true), { initialize(1 << 31, shared: true) }),
            (.initialize(process: 1, value: Int(UInt32.max), shared: false), { initialize(.max, shared: false) }),
            (.getValue(process: 1), { .value(try semaphore.value()) }),
            (.wait(process: 1, nonblocking: true), { try semaphore.wait(nonblocking: true) ? .done : .failed(.EAGAIN) }),
            (.initialize(process: 1, value: 5, shared: true), { initialize(5, shared: true) }),
            (.getValue(process: 1), { .value(try semaphore.value()) }),
            (.initialize(process: 1, value: 0, shared: false), { initialize(0, shared: false) }),
            (.wait(process: 1, nonblocking: true), { try semaphore.wait(nonblocking: true) ? .done : .failed(.EAGAIN) }),
            (.post(process: 1), { try semaphore.post(); return .done }),
            (.initialize(process: 1, value: Int(Int32.max), shared: true), { initialize(UInt32(Int32.max), shared: true) }),
            (.post(process: 1), { do { try semaphore.post(); return .done } catch { return .failed(errorCode(error)) } }),
            (.getValue(process: 1), { .value(try semaphore.value()) }),
        ]
        var seen: [PosixSemaphoreModel.Output] = []
        for (input, perform) in steps {
            let output = try perform()
            seen.append(output)
            let transitions = model.transitions(state, input).filter { $0.output == output }
            #expect(transitions.count == 1, "\(model.describe(input, output)) from \(model.describe(state))")
            state = transitions.first?.state ?? state
        }
        #expect(seen == [
            .failed(.EINVAL), .failed(.EINVAL), .value(3), .done, .done, .value(5), .done, .failed(.EAGAIN), .done, .done,
            .failed(.EOVERFLOW), .value(Int(Int32.max)),
        ])
    }

    /// A post wakes the sleeper (our wake then finds nobody). After a re-initialisation the sleeper is forgotten:
    /// the post adds its unit and wakes nobody, so our own wake finds the thread still asleep — and, woken, it takes
    /// the unit of the new count.
    @Test func aSleeperAcrossAReinitialisationIsNotWokenByPosts() throws {
        let page = Page()
        defer { page.release() }
        let semaphore = try PosixSemaphore.initialize(at: page.address, value: 0)

        let woken = Sleeper(semaphore).asleep()
        try semaphore.post()
        #expect(try Syscall.futexWake(page.address, count: 1, shared: true) == 0)
        #expect(woken.ended() == "ok")
        #expect(try semaphore.value() == 0)

        let forgotten = Sleeper(semaphore).asleep()
        try Syscall.semInit(semaphore.pointer, shared: true, value: 0)
        try semaphore.post()
        #expect(try semaphore.value() == 1)
        #expect(try Syscall.futexWake(page.address, count: 1, shared: true) == 1)
        #expect(forgotten.ended() == "ok")
        #expect(try semaphore.value() == 0)
    }

    /// `sem_destroy` with a thread asleep returns 0 (other systems: `EBUSY`) and changes nothing: the value stays, a
    /// post still wakes the sleeper, and afterwards — destroyed twice — trywait, post and getvalue work as before.
    @Test func semDestroyWithASleeperReturnsZeroAndTheSemaphoreGoesOnWorking() throws {
        let page = Page()
        defer { page.release() }
        let semaphore = try PosixSemaphore.initialize(at: page.address, value: 0)
        let sleeper = Sleeper(semaphore).asleep()
        try Syscall.semDestroy(semaphore.pointer)
        #expect(try semaphore.value() == 0)
        try semaphore.post()
        #expect(try Syscall.futexWake(page.address, count: 1, shared: true) == 0)
        #expect(sleeper.ended() == "ok")
        try Syscall.semDestroy(semaphore.pointer)
        #expect(try !semaphore.wait(nonblocking: true))
        try semaphore.post()
        try semaphore.post()
        #expect(try semaphore.wait(nonblocking: true))
        #expect(try semaphore.value() == 1)

        let model = PosixSemaphoreModel(semaphores: [("s", .init(value: 0, named: false))])
        let state = model.initialState(of: "s")
        #expect(model.transitions(state, .destroy(process: 1)).map(\.output) == [.done])
        #expect(model.transitions(state, .destroy(process: 1)).map(\.state) == [state])
    }

    /// With `pshared` 0 the sleeper waits on a private futex: a shared wake (what another process could address)
    /// finds nobody, a private one of this process finds it; a post of its own process wakes it.
    @Test func pshared0SleepsOnAPrivateFutex() throws {
        let page = Page()
        defer { page.release() }
        let semaphore = try PosixSemaphore.initialize(at: page.address, value: 0, shared: false)
        let sleeper = Sleeper(semaphore).asleep()
        #expect(try Syscall.futexWake(page.address, count: 1, shared: true) == 0)
        // A private wake finds it; it sees no unit and sleeps again (glibc retries), until its process's post.
        #expect(try Syscall.futexWake(page.address, count: 1, shared: false) == 1)
        try semaphore.post()
        #expect(sleeper.ended() == "ok")
        #expect(try semaphore.value() == 0)
    }
}
