import Glibc
import IPCModels
import IPCSyscalls
import Testing

/// A forked child and a System V semaphore set (measured first with a C probe; LTP's `semop` and `semctl` tests fork
/// their sleepers and undo users): the sysv-sem model's `fork` (``SystemVSemaphoreModel+Fork``).
@Suite struct SystemVSemaphoreForkFactsTests {
    typealias Model = SystemVSemaphoreModel

    /// A process (1, forked from the test process) takes one unit with `SEM_UNDO` and forks a child (2) that takes two
    /// without it and exits: the child inherited no adjustment, so its exit leaves the parent's unit taken (2) and the
    /// child is `GETPID`. A second child (4) takes one with `SEM_UNDO` and exits: its own is undone (2 again, `GETPID`
    /// the child). Then the parent exits and its adjustment is undone (3, `GETPID` the parent). The test process (3)
    /// looks between the steps; the history is judged by the model call by call.
    @Test func aChildInheritsNoUndoAdjustmentButItsOwnAreUndoneAtItsExit() throws {
        let set = try Syscall.semget(IPC_PRIVATE, count: 1, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.semRemove(set) }
        try Syscall.semSetValue(set, number: 0, value: 5)
        var toTest: [CInt] = [0, 0]
        var fromTest: [CInt] = [0, 0]
        try #require(pipe(&toTest) == 0 && pipe(&fromTest) == 0)
        defer { close(toTest[0]); close(fromTest[1]) }
        var takeOneUndone = sembuf(sem_num: 0, sem_op: -1, sem_flg: Int16(SEM_UNDO))
        var takeTwo = sembuf(sem_num: 0, sem_op: -2, sem_flg: 0)
        var children: [pid_t] = [0, 0]
        var parent: pid_t = 0
        try Syscall.withoutConcurrentSpawns { () throws in
            parent = fork()
            if parent == 0 {
                // Only C calls here (a child forked from a threaded process must not enter the Swift runtime).
                close(toTest[0])
                close(fromTest[1])
                var byte: UInt8 = 0
                var status: CInt = 0
                if semop(set.id, &takeOneUndone, 1) != 0 { _exit(10) }
                let first = fork()
                if first == 0 { _exit(semop(set.id, &takeTwo, 1) == 0 ? 0 : 1) }
                if waitpid(first, &status, 0) != first || status != 0 { _exit(11) }
                var pid = first
                if write(toTest[1], &pid, MemoryLayout<pid_t>.size) != MemoryLayout<pid_t>.size || read(fromTest[0], &byte, 1) != 1 { _exit(12) }
                let second = fork()
                if second == 0 { _exit(semop(set.id, &takeOneUndone, 1) == 0 ? 0 : 1) }
                if waitpid(second, &status, 0) != second || status != 0 { _exit(13) }
                pid = second
                if write(toTest[1], &pid, MemoryLayout<pid_t>.size) != MemoryLayout<pid_t>.size || read(fromTest[0], &byte, 1) != 1 { _exit(14) }
                _exit(0)
            }
            close(toTest[1])
            close(fromTest[0])
        }
        try #require(parent > 0)
        func number(_ pid: pid_t) -> Int {
            pid == parent ? 1 : pid == children[0] ? 2 : pid == children[1] ? 4 : pid == getpid() ? 3 : -1
        }
        var observed: [(value: Int, last: Int)] = []
        func look() throws { observed.append((try Syscall.semValue(set, number: 0), number(try Syscall.semLastProcess(set, number: 0)))) }
        for index in 0..<2 {
            var pid: pid_t = 0
            try #require(read(toTest[0], &pid, MemoryLayout<pid_t>.size) == MemoryLayout<pid_t>.size)
            children[index] = pid
            try look()
            var byte: UInt8 = 1
            try #require(write(fromTest[1], &byte, 1) == 1)
        }
        var status: CInt = 0
        #expect(waitpid(parent, &status, 0) == parent && status == 0)
        try look()
        #expect(observed.map(\.value) == [2, 2, 3])
        #expect(observed.map(\.last) == [2, 4, 1])

        let model = Model(sets: [("s", [5])])
        let history: [(input: Model.Input, output: Model.Output)] = [
            (.semop(process: 1, operations: [.init(number: 0, change: -1, undo: true)], nonblocking: false), .done),
            (.fork(process: 1, child: 2), .done),
            (.semop(process: 2, operations: [.init(number: 0, change: -2, undo: false)], nonblocking: false), .done),
            (.exit(process: 2), .done),
            (.value(process: 3, number: 0), .value(observed[0].value)),
            (.lastProcess(process: 3, number: 0), .process(observed[0].last)),
            (.fork(process: 1, child: 4), .done),
            (.semop(process: 4, operations: [.init(number: 0, change: -1, undo: true)], nonblocking: false), .done),
            (.exit(process: 4), .done),
            (.value(process: 3, number: 0), .value(observed[1].value)),
            (.lastProcess(process: 3, number: 0), .process(observed[1].last)),
            (.exit(process: 1), .done),
            (.value(process: 3, number: 0), .value(observed[2].value)),
            (.lastProcess(process: 3, number: 0), .process(observed[2].last)),
        ]
        #expect(DirectedHistory(model: model, object: "s").firstRefusal(history) == nil)
        // The wrong belief that the child inherits the parent's adjustment (its exit undoing the parent's unit) is
        // refused at the first look.
        var wrong = history
        wrong[4].output = .value(3)
        #expect(DirectedHistory(model: model, object: "s").firstRefusal(wrong)?.hasPrefix("call 4") == true)
    }
}
