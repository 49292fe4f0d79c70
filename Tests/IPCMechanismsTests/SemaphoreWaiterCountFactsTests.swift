import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import Synchronization
import SystemPackage
import Testing

/// `semctl(GETNCNT)` and `semctl(GETZCNT)` on this kernel: threads asleep in `semop` are counted once each, on the
/// semaphore of their *blocking* operation (the first that cannot proceed), which the kernel works out again when the
/// values change. Each sleeper is a thread of this process, waited for until `/proc` shows it asleep.
@Suite struct SemaphoreWaiterCountFactsTests {
    /// Starts `operations` on a thread of its own and returns once the thread sleeps in the call (bounded, so a
    /// machine whose /proc does not show the sleep fails the test rather than hanging it).
    func asleep(in set: SystemVSemaphoreSet, _ operations: [SemaphoreOperation]) -> OSThread {
        let threadID = Atomic<Int32>(0)
        let thread = OSThread {
            threadID.store(OSThread.currentID, ordering: .sequentiallyConsistent)
            _ = try? SystemVSemaphores.perform(set, operations, nonblocking: false)
        }
        let giveUp = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < giveUp {
            let id = threadID.load(ordering: .sequentiallyConsistent)
            if id != 0 && ProcessInspector.snapshot(of: id)?.isAsleepInSyscall == true { break }
            OSThread.yield()
        }
        return thread
    }

    func counts(_ set: SystemVSemaphoreSet) throws -> [[Int]] {
        try (0..<2).map { number in
            [try Syscall.semWaiters(set, number: number, zero: false), try Syscall.semWaiters(set, number: number, zero: true)]
        }
    }

    @Test func eachSleeperIsCountedOnceOnItsBlockingOperation() throws {
        let set = try SystemVSemaphores.create(key: IPC_PRIVATE, values: [0, 1])
        defer { try? SystemVSemaphores.remove(set) }
        #expect(try counts(set) == [[0, 0], [0, 0]])
        let taker = asleep(in: set, [SemaphoreOperation(number: 0, change: -1)])
        #expect(try counts(set) == [[1, 0], [0, 0]])
        let zeroWaiter = asleep(in: set, [SemaphoreOperation(number: 1, change: 0)])
        #expect(try counts(set) == [[1, 0], [0, 1]])
        // Two operations: sem 1 could pay its -1, sem 0 cannot: counted on sem 0 only (not on both, as Linux did
        // before 4.1).
        let both = asleep(in: set, [SemaphoreOperation(number: 1, change: -1), SemaphoreOperation(number: 0, change: -1)])
        #expect(try counts(set) == [[2, 0], [0, 1]])
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semWaiters(set, number: 2, zero: false) }
        // Release them all: two units on sem 0 wake the taker and the pair, whose -1 on sem 1 wakes the zero waiter.
        _ = try SystemVSemaphores.perform(set, [SemaphoreOperation(number: 0, change: 2)], nonblocking: true)
        taker.join()
        both.join()
        zeroWaiter.join()
        #expect(try counts(set) == [[0, 0], [0, 0]])
        #expect(try SystemVSemaphores.values(set, count: 2) == [0, 0])
    }

    @Test func theBlockingOperationIsWorkedOutAgainWhenTheValuesChange() throws {
        let set = try SystemVSemaphores.create(key: IPC_PRIVATE, values: [0, 0])
        defer { try? SystemVSemaphores.remove(set) }
        let sleeper = asleep(in: set, [SemaphoreOperation(number: 0, change: -1), SemaphoreOperation(number: 1, change: -1)])
        #expect(try counts(set) == [[1, 0], [0, 0]])
        // Sem 0 can now pay, sem 1 still cannot: the sleeper now waits on sem 1.
        try SystemVSemaphores.setValue(set, number: 0, value: 1)
        #expect(try counts(set) == [[0, 0], [1, 0]])
        try SystemVSemaphores.setValue(set, number: 1, value: 1)
        sleeper.join()
        #expect(try counts(set) == [[0, 0], [0, 0]])
        #expect(try SystemVSemaphores.values(set, count: 2) == [0, 0])
        // The model says the same of a sleeper at each of these values.
        let model = SystemVSemaphoreModel(sets: [("v", [0, 0])])
        var state = model.initialState(of: "v")
        let operations = [SystemVSemaphoreModel.Operation(number: 0, change: -1, undo: false), .init(number: 1, change: -1, undo: false)]
        state = try #require(model.step(state, .semop(process: 2, operations: operations, nonblocking: false), .done).first {
            if case .partial = $0 { true } else { false }
        }).state
        #expect(model.step(state, .waiters(process: 1, number: 0, zero: false), .value(1)).count == 1)
        state = try #require(model.step(state, .setValue(process: 1, number: 0, value: 1), .done).first).state
        #expect(model.step(state, .waiters(process: 1, number: 0, zero: false), .value(0)).count == 1)
        #expect(model.step(state, .waiters(process: 1, number: 1, zero: false), .value(1)).count == 1)
    }

    @Test func ipcStatReportsTheSetsSizeUntilItIsRemoved() throws {
        let set = try SystemVSemaphores.create(key: IPC_PRIVATE, values: [0, 1, 2])
        var removed = false
        defer { if !removed { try? SystemVSemaphores.remove(set) } }
        #expect(try Syscall.semStatus(set).count == 3)
        try SystemVSemaphores.remove(set)
        removed = true
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semStatus(set) }
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.semWaiters(set, number: 0, zero: true) }
    }
}
