import IPCModels
import Testing

/// Directed sequences for the times `IPC_STAT` reports (`StatTimes`) — and sysv-msg's namespace-wide `IPC_INFO`,
/// `MSG_INFO`, `MSG_STAT`, `MSG_STAT_ANY` — run on the real objects and on their models
/// by the agreement properties' own steps: every call that sets a time, every failed call that must not, and a stat
/// between each. (The random sequences of `ObjectModelAgreementTests` record the times too.)
@Suite struct SystemVTimesAgreementTests {
    typealias Message = ObjectModelAgreementTests.MessageOperation

    /// Sends, receives that fail (`ENOMSG`, `E2BIG`, a bad size), a copy, a receive that takes, an `IPC_SET` that is
    /// refused (`EPERM`) and one that succeeds, a removal: a stat after each.
    static let messageSequences: [[Message]] = [
        [.stat, .receive(type: 0, max: 30, except: false, truncate: false), .stat, .send(type: 0, size: 3), .stat,
         .send(type: 1, size: 10), .stat, .stat, .receive(type: 0, max: 4, except: false, truncate: false), .stat,
         .copy(index: 0, max: 30, except: false, truncate: false, nonblocking: true), .stat,
         .receive(type: 0, max: 30, except: false, truncate: false), .stat, .set(capacity: 16385), .stat, .set(capacity: 30), .stat,
         .send(type: 2, size: 4), .stat, .remove, .stat],
        [.set(capacity: 60), .stat, .send(type: 3, size: 5), .receive(type: 3, max: 2, except: false, truncate: true), .stat,
         .receive(type: -1, max: -1, except: false, truncate: false), .stat],
        // The namespace-wide commands: IPC_INFO's limits, MSG_INFO's use, MSG_STAT(_ANY) of the queue's own index
        // (the times judged as IPC_STAT's), before and after the removal.
        [.info(counts: false), .info(counts: true), .statAtIndex(any: false), .send(type: 1, size: 7), .send(type: 2, size: 9),
         .info(counts: true), .statAtIndex(any: true), .stat, .statAtIndex(any: false), .receive(type: 0, max: 30, except: false, truncate: false),
         .info(counts: true), .statAtIndex(any: true), .remove, .info(counts: false), .info(counts: true), .statAtIndex(any: false),
         .statAtIndex(any: true)],
    ]

    /// As `ObjectModelAgreementTests.sharedMemoryDisagreement` reads them: (8, _, _) a stat, (5, _, 0) an attach, (7, _, _)
    /// a detach (`EINVAL` with none), (9, _, 0) an `IPC_SET`, (9, _, -1) an `IPC_RMID` (the segment lives on while
    /// attached), (0, 1, 0) a load.
    static let sharedMemorySequences: [[(Int, Int, Int)]] = [
        [(8, 0, 0), (0, 1, 0), (8, 0, 0), (7, 0, 0), (8, 0, 0), (7, 0, 0), (8, 0, 0), (5, 0, 0), (8, 0, 0), (9, 0, 0), (8, 0, 0),
         (9, 0, -1), (8, 0, 0), (5, 0, 0), (8, 0, 0), (7, 0, 0), (8, 0, 0), (7, 0, 0), (8, 0, 0)],
        [(5, 0, 0), (5, 0, -3), (8, 0, 0), (7, 0, 0), (7, 0, 0), (8, 0, 0), (9, 0, 0), (9, 0, 0), (8, 0, 0)],
        // SHM_LOCK (9, _, -1) and SHM_UNLOCK (9, _, -2), each twice, after IPC_RMID while attached, and once destroyed.
        [(9, 0, -1), (8, 0, 0), (9, 0, -1), (8, 0, 0), (9, 0, -2), (8, 0, 0), (9, 0, -2), (8, 0, 0), (9, 0, -1), (9, 0, -3), (8, 0, 0),
         (9, 0, -2), (8, 0, 0), (9, 0, -1), (7, 0, 0), (9, 0, -1), (9, 0, -2), (8, 0, 0)],
    ]

    @Test(arguments: sharedMemorySequences.indices) func sharedMemoryTimes(_ index: Int) throws {
        if let problem = try ObjectModelAgreementTests.sharedMemoryDisagreement(Self.sharedMemorySequences[index]) {
            Issue.record("\(problem)")
        }
    }

    typealias SetOperation = ObjectModelAgreementTests.SetOperation
    typealias Operation = SystemVSemaphoreModel.Operation

    /// On a set [1, 0]: `semop`s that fail (`EAGAIN` with and without `SEM_UNDO`, `EFBIG`, `ERANGE`, no operations),
    /// reads (`GETVAL`'s twin `GETALL`, `GETNCNT`, `GETPID`), a wait for zero, a take, `SETVAL` (one refused `ERANGE`),
    /// a removal: a stat after each.
    static let semaphoreSequences: [[SetOperation]] = [
        [.status, .semop([Operation(number: 0, change: -2, undo: true)]), .status, .semop([Operation(number: 5, change: 1, undo: false)]),
         .semop([]), .status, .getAll, .waiters(number: 0, zero: false), .lastProcess(number: 0), .status,
         .semop([Operation(number: 1, change: 0, undo: false)]), .status, .status, .setValue(number: 1, value: 32768), .status,
         .setValue(number: 1, value: 2), .status, .semop([Operation(number: 0, change: -1, undo: true)]), .status, .remove, .status],
        [.semop([Operation(number: 0, change: 32767, undo: false)]), .status, .setValue(number: 0, value: 0), .status,
         .semop([Operation(number: 0, change: 1, undo: true), Operation(number: 1, change: 1, undo: false)]), .status],
        // IPC_INFO's limits, SEM_INFO's use, SEM_STAT(_ANY) of the set's own index, before and after the removal.
        [.info(counts: false), .info(counts: true), .statusAtIndex(any: false), .semop([Operation(number: 0, change: -1, undo: false)]),
         .statusAtIndex(any: true), .status, .info(counts: true), .remove, .info(counts: false), .info(counts: true),
         .statusAtIndex(any: false), .statusAtIndex(any: true)],
    ]

    @Test(arguments: semaphoreSequences.indices) func semaphoreSetTimes(_ index: Int) throws {
        if let problem = try ObjectModelAgreementTests.semaphoreSetDisagreement(Self.semaphoreSequences[index]) {
            Issue.record("\(problem)")
        }
    }

    @Test(arguments: messageSequences.indices) func messageQueueTimes(_ index: Int) throws {
        if let problem = try ObjectModelAgreementTests.messageQueueDisagreement(Self.messageSequences[index]) {
            Issue.record("\(problem)")
        }
    }
}
