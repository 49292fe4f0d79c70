import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import Synchronization
import SystemPackage
import Testing

/// How many times the interrupting signal's handler has run: a test waits for it to know the signal has landed.
private let interruptionsHandled = Atomic<Int>(0)

/// What a handled signal does to a thread asleep in each blocking IPC call of the message queue and semaphore
/// models, without and with `SA_RESTART` (issue 15), measured on this kernel and glibc 2.36:
///
/// | call                                 | no `SA_RESTART` | `SA_RESTART` |
/// |--------------------------------------|-----------------|--------------|
/// | `mq_receive`, `mq_send`, their timed forms | `EINTR`   | restarted    |
/// | `msgrcv`, `msgsnd`                   | `EINTR`         | `EINTR`      |
/// | `semop`, `semtimedop`                | `EINTR`         | `EINTR`      |
/// | `sem_wait`                           | `EINTR`         | restarted    |
/// | `sem_timedwait`                      | `EINTR`         | `EINTR`      |
///
/// (signal(7) lists the System V calls as never restarted; `sem_timedwait`'s futex wait with a timeout is not
/// restarted either.) Each interrupted call had no effect, as the models say: they allow `EINTR` for any of these
/// calls asleep, because a trace does not record how handlers were installed.
///
/// A call runs on its own thread; the test waits until that thread is asleep in a system call (read from
/// `/proc`), signals the thread, waits for the handler to run, then for the call either to return or to be
/// asleep again (restarted) — no sleeps, no timing.
@Suite(.serialized) struct InterruptionFactsTests {
    /// The interrupting signal: a real-time one (glibc's SIGRTMIN+8) nothing else in the test process uses.
    static let signal: CInt = 42

    enum Ending: Equatable, CustomStringConvertible {
        case interrupted
        case restarted
        case other(String)

        var description: String {
            switch self {
            case .interrupted: "EINTR"
            case .restarted: "restarted"
            case .other(let text): text
            }
        }
    }

    /// How `call`, asleep on its own thread, ends when a handled signal (with `SA_RESTART` when `restart`) lands:
    /// `EINTR`, or restarted — asleep again, after which `release` lets it complete.
    func ending(restart: Bool, of call: @escaping @Sendable () throws(Errno) -> Void, release: () throws -> Void) throws -> Ending {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in interruptionsHandled.add(1, ordering: .sequentiallyConsistent) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = restart ? CInt(SA_RESTART) : 0
        guard sigaction(Self.signal, &action, nil) == 0 else { throw Errno(rawValue: errno) }

        // 0 while the call runs; then -1 for success or the errno it failed with.
        let result = Atomic<Int32>(0)
        let threadID = Atomic<Int32>(0)
        let thread = OSThread {
            // A thread starts with its creator's mask, and the test runner's threads block most signals.
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, Self.signal)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
            threadID.store(OSThread.currentID, ordering: .sequentiallyConsistent)
            do throws(Errno) {
                try call()
                result.store(-1, ordering: .sequentiallyConsistent)
            } catch {
                result.store(error.rawValue, ordering: .sequentiallyConsistent)
            }
        }
        defer { thread.join() }
        // The system call the thread first sleeps in: after the signal, only a sleep in that same call is the call
        // restarted. (Between the handler and the wrapper's return the thread may sleep briefly elsewhere — a futex
        // of the runtime under load — which was taken for the restart: the release then came while the call was
        // already returning EINTR.)
        var sleepingCall: Int?
        func asleep() -> Bool {
            let id = threadID.load(ordering: .sequentiallyConsistent)
            guard id != 0, let snapshot = ProcessInspector.snapshot(of: id), snapshot.isAsleepInSyscall else { return false }
            if sleepingCall == nil { sleepingCall = snapshot.syscall }
            return snapshot.syscall == sleepingCall
        }
        // A bound far past any wait these steps need, so that a machine where /proc does not show the sleep (or the
        // signal never comes) fails the test instead of hanging the suite; not a timing assertion.
        let giveUp = ContinuousClock.now + .seconds(120)
        func stuck(_ what: String) -> Ending? {
            guard ContinuousClock.now > giveUp else { return nil }
            try? release()  // lets the call end, so that joining its thread returns
            return .other("gave up waiting: \(what)")
        }
        while !asleep() {
            if result.load(ordering: .sequentiallyConsistent) != 0 { return .other("returned before sleeping") }
            if let failed = stuck("the call never showed asleep in /proc") { return failed }
            OSThread.yield()
        }
        let before = interruptionsHandled.load(ordering: .sequentiallyConsistent)
        thread.send(Self.signal)
        while interruptionsHandled.load(ordering: .sequentiallyConsistent) == before {
            if let failed = stuck("the signal's handler never ran") { return failed }
            OSThread.yield()
        }
        while result.load(ordering: .sequentiallyConsistent) == 0 && !asleep() {
            if let failed = stuck("the call neither returned nor slept again") { return failed }
            OSThread.yield()
        }
        switch result.load(ordering: .sequentiallyConsistent) {
        case Errno.interrupted.rawValue: return .interrupted
        case 0:
            try release()
            thread.join()
            let after = result.load(ordering: .sequentiallyConsistent)
            return after == -1 ? .restarted : .other("after the release: \(after == 0 ? "still running" : "\(Errno(rawValue: after))")")
        case let other: return .other(other == -1 ? "completed" : "\(Errno(rawValue: other))")
        }
    }

    // MARK: POSIX message queues

    /// A queue of 2 messages of 8 bytes with two descriptors: one for the call, one for the release.
    func withQueue(_ body: (FileDescriptor, FileDescriptor) throws -> Void) throws {
        let name = "/ipch-test-\(getpid())-eintr-\(UInt32.random(in: 0...UInt32.max))"
        let queue = try PosixMessageQueue.create(name, maximumMessages: 2, messageSize: 8)
        defer { try? Syscall.close(queue); try? Syscall.mqUnlink(name) }
        let other = try PosixMessageQueue.open(name)
        defer { try? Syscall.close(other) }
        try body(queue, other)
    }

    @Test(arguments: [(false, false, Ending.interrupted), (true, false, .restarted), (false, true, .interrupted), (true, true, .restarted)])
    func anMQReceiveAsleepOnAnEmptyQueue(restart: Bool, timed: Bool, expected: Ending) throws {
        try withQueue { queue, other in
            let deadline = timed ? Syscall.realtimeDeadline(milliseconds: 600_000) : nil
            let ending = try ending(restart: restart, of: { () throws(Errno) in
                _ = try PosixMessageQueue.receive(queue, maximum: 8, nonblocking: false, deadline: deadline, retryOnInterrupt: false)
            }, release: { _ = try PosixMessageQueue.send(other, [1], priority: 0, nonblocking: true) })
            #expect(ending == expected)
            // Nothing was taken: the released message (when restarted) went to the restarted call, else none came.
            #expect(try Syscall.mqAttributes(other).currentMessages == 0)
        }
        let model = PosixMessageQueueModel(queues: [("q", .init(maxMessages: 2, messageSize: 8, holders: [1]))])
        let empty = model.initialState(of: "q")
        let timeout: Timeout? = timed ? .milliseconds(600_000) : nil
        // (Besides ending EINTR, the receive may go to sleep: the model's record of who sleeps, for mq_notify.)
        #expect(model.step(empty, .receive(process: 1, max: 8, nonblocking: false, timeout: timeout), .failed(.EINTR)).contains(.completed(empty)))
    }

    @Test(arguments: [(false, Ending.interrupted), (true, .restarted)])
    func anMQSendAsleepOnAFullQueue(restart: Bool, expected: Ending) throws {
        try withQueue { queue, other in
            for byte: UInt8 in [1, 2] { _ = try PosixMessageQueue.send(other, [byte], priority: 0, nonblocking: true) }
            let ending = try ending(restart: restart, of: { () throws(Errno) in
                _ = try PosixMessageQueue.send(queue, [3], priority: 0, nonblocking: false, retryOnInterrupt: false)
            }, release: { _ = try PosixMessageQueue.receive(other, maximum: 8, nonblocking: true) })
            #expect(ending == expected)
            // Interrupted, it queued nothing; restarted, it queued its message in the room the release made.
            #expect(try Syscall.mqAttributes(other).currentMessages == 2)
        }
    }

    // MARK: Signals

    /// `sigwait` asleep, with no handler of `SA_RESTART` or with one, is never interrupted: glibc's `sigwait` retries
    /// its `sigtimedwait` on `EINTR`, so the call sleeps again and then takes the released signal — while
    /// `sigwaitinfo` in the same place fails `EINTR` either way (signal(7): never restarted). So the signal model
    /// rejects `EINTR` from `sigwait` and allows it from an untimed `wait`.
    @Test(arguments: [(false, false, Ending.restarted), (true, false, .restarted), (false, true, .interrupted), (true, true, .interrupted)])
    func sigwaitAsleepIsRetriedByGlibcWhereSigwaitinfoFailsEINTR(restart: Bool, sigwaitinfo: Bool, expected: Ending) throws {
        let waited: CInt = 40  // SIGRTMIN+6: blocked by the waiting thread, sent only to it
        let waiter = Atomic<UInt>(0)
        let taken = Atomic<Int32>(0)
        let ending = try ending(restart: restart, of: { () throws(Errno) in
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, waited)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            waiter.store(UInt(pthread_self()), ordering: .sequentiallyConsistent)
            let signal =
                sigwaitinfo
                ? try Syscall.waitForSignal([waited], timeoutNanoseconds: nil, retryOnInterrupt: false).signal
                : try Syscall.waitForSignalNumber([waited])
            taken.store(signal, ordering: .sequentiallyConsistent)
        }, release: { pthread_kill(pthread_t(waiter.load(ordering: .sequentiallyConsistent)), waited) })
        #expect(ending == expected)
        if expected == .restarted { #expect(taken.load(ordering: .sequentiallyConsistent) == waited) }
        let model = SignalModel(receivers: [("sig", .init(receiver: 1))])
        let empty = model.initialState(of: "sig")
        #expect(model.step(empty, .sigwait(process: 1, signals: [Int(waited)]), .failed(.EINTR)).isEmpty)
        #expect(model.step(empty, .wait(process: 1, signals: [Int(waited)], timeout: nil), .failed(.EINTR)) == [.completed(empty)])
    }

    // MARK: System V message queues

    @Test(arguments: [false, true])
    func msgrcvAndMsgsndAsleepFailEINTREvenWithSA_RESTART(restart: Bool) throws {
        let queue = try SystemVMessageQueues.create(key: IPC_PRIVATE, capacity: 4)
        defer { try? SystemVMessageQueues.remove(queue) }
        let receive = try ending(restart: restart, of: { () throws(Errno) in
            _ = try SystemVMessageQueues.receive(queue, maximum: 8, selector: .type(0), truncate: false, nonblocking: false, retryOnInterrupt: false)
        }, release: { _ = try SystemVMessageQueues.send(queue, type: 1, [1], nonblocking: true) })
        #expect(receive == .interrupted)
        _ = try SystemVMessageQueues.send(queue, type: 1, [1, 2, 3, 4], nonblocking: true)
        let send = try ending(restart: restart, of: { () throws(Errno) in
            _ = try SystemVMessageQueues.send(queue, type: 1, [5], nonblocking: false, retryOnInterrupt: false)
        }, release: { _ = try SystemVMessageQueues.receive(queue, maximum: 8, selector: .type(0), truncate: false, nonblocking: true) })
        #expect(send == .interrupted)
        let status = try Syscall.msgStatus(queue)
        #expect(status.msg_qnum == 1 && status.__msg_cbytes == 4)
    }

    // MARK: robust mutex

    /// glibc's `pthread_mutex_lock` and `pthread_mutex_timedlock` wait on the futex again after a handler runs,
    /// with or without `SA_RESTART`: a lock never fails `EINTR` (POSIX: "shall not return an error code of
    /// [EINTR]"), and the `robust-mutex` model has no `EINTR` for them.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func aMutexLockAsleepIsNeverInterrupted(restart: Bool, timed: Bool) throws {
        let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(memory, 4096) }
        let mutex = try RobustMutex.initialize(at: memory)
        #expect(try mutex.lock(tryOnly: false) == .acquired)
        let ending = try ending(restart: restart, of: { () throws(Errno) in
            if timed {
                _ = try mutex.timedLock(deadline: Syscall.realtimeDeadline(milliseconds: 600_000))
            } else {
                _ = try mutex.lock(tryOnly: false)
            }
            try mutex.unlock()
        }, release: { try mutex.unlock() })
        #expect(ending == .restarted)
    }

    // MARK: eventfd

    @Test(arguments: [(false, Ending.interrupted), (true, .restarted)])
    func anEventfdReadAsleepAtZero(restart: Bool, expected: Ending) throws {
        let counter = try KernelEventCounter.create(semaphore: false, nonblocking: false)
        defer { try? Syscall.close(counter) }
        let ending = try ending(restart: restart, of: { () throws(Errno) in
            _ = try KernelEventCounter.read(counter, retryOnInterrupt: false)
        }, release: { _ = try KernelEventCounter.write(counter, 3) })
        #expect(ending == expected)
        let model = EventCounterModel(counters: [("e", .init(holders: [1]))])
        let zero = model.initialState(of: "e")
        #expect(model.step(zero, .read(process: 1, size: 8), .failed(.EINTR)) == [.completed(zero)])
    }

    // MARK: Unix sockets

    @Test(arguments: [(false, Ending.interrupted), (true, .restarted)])
    func aUnixStreamReceiveAsleepOnAnEmptySocket(restart: Bool, expected: Ending) throws {
        var ends: [CInt] = [-1, -1]
        #expect(socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0, &ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let (reader, writer) = (ends[0], ends[1])
        let ending = try ending(restart: restart, of: { () throws(Errno) in
            var byte: UInt8 = 0
            guard recv(reader, &byte, 1, 0) == 1 else { throw Errno(rawValue: errno) }
        }, release: { var byte: UInt8 = 7; _ = send(writer, &byte, 1, 0) })
        #expect(ending == expected)
    }

    // MARK: FIFOs

    /// A blocking open of a FIFO for reading, asleep until a writer opens: without `SA_RESTART` it fails `EINTR`
    /// and its registration as a reader is undone (a nonblocking writer then finds no reader: `ENXIO`); with
    /// `SA_RESTART` it sleeps again, still registered (that writer's open succeeds and releases it).
    @Test(arguments: [(false, Ending.interrupted), (true, .restarted)])
    func aFIFOOpenAsleepWaitingForAWriter(restart: Bool, expected: Ending) throws {
        let path = "/tmp/ipch-test-\(getpid())-eintr-\(UInt32.random(in: 0...UInt32.max))-fifo"
        try KernelFIFO.create(at: path)
        defer { unlink(path) }
        let opened = Mutex<FileDescriptor?>(nil)
        defer { if let descriptor = opened.withLock({ $0 }) { try? Syscall.close(descriptor) } }
        let ending = try ending(restart: restart, of: { () throws(Errno) in
            let descriptor = try KernelFIFO.open(path, for: .read, nonblocking: false, retryOnInterrupt: false)
            opened.withLock { $0 = descriptor }
        }, release: {
            let writer = try KernelFIFO.open(path, for: .write, nonblocking: true)
            try Syscall.close(writer)
        })
        #expect(ending == expected)
        if ending == .interrupted {
            #expect(throws: Errno.noSuchAddressOrDevice) { _ = try KernelFIFO.open(path, for: .write, nonblocking: true) }
        }
        // The process's descriptor table is described (so EMFILE is not among the outcomes); the undone open gives its
        // number back.
        let model = FIFOModel(fifos: [("f", .init(descriptorLimits: [PipeModel.DescriptorLimit(process: 1, free: 10, limit: 64)]))])
        let start = model.initialState(of: "f")
        let asleep = model.step(start, .open(process: 1, end: .read, nonblocking: false), nil)
        #expect(asleep.count == 1)
        if case .partial(let sleeping)? = asleep.first {
            #expect(model.step(sleeping, .open(process: 1, end: .read, nonblocking: false), .failed(.EINTR)) == [.completed(start)])
        }
    }

    // MARK: Semaphores

    @Test(arguments: [false, true], [false, true])
    func semopAndSemtimedopAsleepFailEINTREvenWithSA_RESTART(restart: Bool, timed: Bool) throws {
        let set = try SystemVSemaphores.create(key: IPC_PRIVATE, values: [0])
        defer { try? SystemVSemaphores.remove(set) }
        let timeout = timed ? timespec(tv_sec: 600, tv_nsec: 0) : nil
        let ending = try ending(restart: restart, of: { () throws(Errno) in
            _ = try SystemVSemaphores.perform(
                set, [SemaphoreOperation(number: 0, change: -1, undo: false)], nonblocking: false, timeout: timeout, retryOnInterrupt: false)
        }, release: { _ = try SystemVSemaphores.perform(set, [SemaphoreOperation(number: 0, change: 1, undo: false)], nonblocking: true) })
        #expect(ending == .interrupted)
        #expect(try SystemVSemaphores.values(set, count: 1) == [0])
    }

    @Test(arguments: [(false, false, Ending.interrupted), (true, false, .restarted), (false, true, .interrupted), (true, true, .interrupted)])
    func semWaitIsRestartedWithSA_RESTARTButSemTimedwaitIsNot(restart: Bool, timed: Bool, expected: Ending) throws {
        let page = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(page, 4096) }
        let semaphore = try PosixSemaphore.initialize(at: page, value: 0)
        let deadline = timed ? Syscall.realtimeDeadline(milliseconds: 600_000) : nil
        nonisolated(unsafe) let shared = semaphore
        let ending = try ending(restart: restart, of: { () throws(Errno) in
            _ = try shared.wait(nonblocking: false, deadline: deadline, retryOnInterrupt: false)
        }, release: { try semaphore.post() })
        #expect(ending == expected)
        #expect(try semaphore.value() == 0)
    }
}

/// Timed waits on this kernel and glibc 2.36 (issue 15), each call made so that it need not sleep: a deadline
/// already past, or an invalid one. What the models encode: a timed call that would sleep ends with `ETIMEDOUT`
/// (`EAGAIN` for `semtimedop`); one that can proceed proceeds whatever its deadline; an invalid timeout (`tv_nsec`
/// of a whole second) fails `EINVAL` even when the call could proceed, and changes nothing.
@Suite struct TimedWaitFactsTests {
    static let past = timespec(tv_sec: 0, tv_nsec: 0)

    @Test func mqTimedReceiveAndSendTimeOutOnlyWhenTheyWouldSleep() throws {
        let name = "/ipch-test-\(getpid())-timed-\(UInt32.random(in: 0...UInt32.max))"
        let queue = try PosixMessageQueue.create(name, maximumMessages: 1, messageSize: 8)
        defer { try? Syscall.close(queue); try? Syscall.mqUnlink(name) }
        #expect(throws: Errno.timedOut) { _ = try PosixMessageQueue.receive(queue, maximum: 8, nonblocking: false, deadline: Self.past) }
        #expect(try PosixMessageQueue.send(queue, [1], priority: 0, nonblocking: false, deadline: Self.past) == .completed(1))
        #expect(throws: Errno.timedOut) { _ = try PosixMessageQueue.send(queue, [2], priority: 0, nonblocking: false, deadline: Self.past) }
        #expect(throws: Errno.invalidArgument) {
            _ = try PosixMessageQueue.receive(queue, maximum: 8, nonblocking: false, deadline: Syscall.invalidDeadline)
        }
        #expect(try Syscall.mqAttributes(queue).currentMessages == 1)
        #expect(try PosixMessageQueue.receive(queue, maximum: 8, nonblocking: false, deadline: Self.past) == .completed(.init(data: [1], priority: 0)))
    }

    @Test func semTimedwaitTimesOutAtZeroAndRefusesAnInvalidDeadlineEvenAtOne() throws {
        let page = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(page, 4096) }
        let semaphore = try PosixSemaphore.initialize(at: page, value: 0)
        #expect(throws: Errno.timedOut) { _ = try semaphore.wait(nonblocking: false, deadline: Self.past) }
        try semaphore.post()
        #expect(throws: Errno.invalidArgument) { _ = try semaphore.wait(nonblocking: false, deadline: Syscall.invalidDeadline) }
        #expect(try semaphore.value() == 1)
        #expect(try semaphore.wait(nonblocking: false, deadline: Self.past))
    }

    @Test func semtimedopTimesOutWithEAGAINAndRefusesAnInvalidTimeoutEvenWhenItCouldProceed() throws {
        let set = try SystemVSemaphores.create(key: IPC_PRIVATE, values: [0])
        defer { try? SystemVSemaphores.remove(set) }
        let down = [SemaphoreOperation(number: 0, change: -1, undo: false)]
        let up = [SemaphoreOperation(number: 0, change: 1, undo: false)]
        #expect(try SystemVSemaphores.perform(set, down, nonblocking: false, timeout: Self.past) == false)  // EAGAIN
        #expect(throws: Errno.invalidArgument) {
            _ = try SystemVSemaphores.perform(set, up, nonblocking: false, timeout: Syscall.invalidDeadline)
        }
        #expect(try SystemVSemaphores.values(set, count: 1) == [0])
    }
}
