import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The times `IPC_STAT` reports for System V objects, which the sysv-msg, sysv-shm and sysv-sem models judge through
/// `StatTimes`: which calls set which time, and that nothing else does.
///
/// The times are seconds of the wall clock, so a call that sets one is made only after the clock has passed the
/// second a time already read (`nextSecond`): a time that then reads the same was not set. That wait is on the clock,
/// the quantity measured, never on another process; the forked children are ordered by pipes. Each test runs in a
/// process of its own (an exit test): a fork copies every System V segment its process has attached, which would
/// change the attachment counts and times other tests of this process measure.
@Suite struct SystemVTimesFactsTests {
    /// Forks a child that makes `call` (calls of C functions only, on values captured before the fork: the child of a
    /// threaded process must not enter the Swift runtime) and then lives until `whileAlive`, run
    /// in this process with `call`'s success, has returned; the child then exits and is reaped. Pipes order the two.
    /// Held off from the agreement tests (`withoutConcurrentSpawns`): the child holds a copy of every descriptor of
    /// this process while it lives, so a test's close meanwhile would not be the last.
    static func inChild(_ call: @escaping () -> Bool, whileAlive: (Bool) throws -> Void) throws {
        try Syscall.withoutConcurrentSpawns { () throws in try inChildAlone(call, whileAlive: whileAlive) }
    }

    static func inChildAlone(_ call: @escaping () -> Bool, whileAlive: (Bool) throws -> Void) throws {
        var ready: [CInt] = [0, 0]
        var go: [CInt] = [0, 0]
        #expect(pipe(&ready) == 0 && pipe(&go) == 0)
        defer { for descriptor in ready + go { close(descriptor) } }
        let (readyEnd, goEnd) = (ready[1], go[0])
        let child = fork()
        if child == 0 {
            var byte: UInt8 = call() ? 1 : 0
            _ = write(readyEnd, &byte, 1)
            _ = read(goEnd, &byte, 1)
            _exit(0)
        }
        var byte: UInt8 = 0
        #expect(read(ready[0], &byte, 1) == 1)
        defer {
            _ = write(go[1], &byte, 1)
            var exitStatus: CInt = 0
            #expect(waitpid(child, &exitStatus, 0) == child)
        }
        try whileAlive(byte == 1)
    }

    /// Returns once the wall clock's second is past `second` (by default the current one).
    static func nextSecond(after second: Int = time(nil)) {
        while time(nil) <= second { usleep(10_000) }
    }

    /// `msg_stime` and `msg_rtime` read 0 on a new queue, `msg_ctime` its creation; a send that fails (`EAGAIN`,
    /// `EINVAL`) sets nothing, nor does a receive that fails (`ENOMSG`, `E2BIG`) or copies (`MSG_COPY`); a successful
    /// send sets `msg_stime`, a successful receive `msg_rtime`, an `IPC_SET` `msg_ctime` (a refused one nothing), and
    /// neither a send nor a receive touches `msg_ctime`. (A send handed to a receiver asleep sets `msg_stime` and
    /// `msg_rtime` together: measured with a C probe that forks the receiver.)
    @Test func messageQueueTimes() async {
        await #expect(processExitsWith: .success) {
            do { try Self.messageQueueTimesMeasured() } catch { Issue.record(error) }
        }
    }

    static func messageQueueTimesMeasured() throws {
        let queue = try Syscall.msgget(IPC_PRIVATE, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.msgRemove(queue) }
        let created = time(nil)
        var status = try Syscall.msgStatus(queue)
        #expect(status.msg_stime == 0 && status.msg_rtime == 0)
        #expect(status.msg_ctime >= created - 1 && status.msg_ctime <= created)
        let change = status.msg_ctime
        #expect(throws: Errno.noMessage) { _ = try Syscall.msgrcv(queue, maximum: 64, type: 0, flags: IPC_NOWAIT) }
        #expect(throws: Errno.invalidArgument) { try Syscall.msgsnd(queue, type: 0, Array("x".utf8), flags: IPC_NOWAIT) }
        status = try Syscall.msgStatus(queue)
        #expect(status.msg_stime == 0 && status.msg_rtime == 0)

        nextSecond(after: change)
        try Syscall.msgsnd(queue, type: 1, Array("hello".utf8), flags: IPC_NOWAIT)
        status = try Syscall.msgStatus(queue)
        let sent = status.msg_stime
        #expect(sent > change && status.msg_rtime == 0 && status.msg_ctime == change)

        nextSecond(after: sent)
        #expect(throws: Errno(rawValue: E2BIG)) { _ = try Syscall.msgrcv(queue, maximum: 2, type: 0, flags: IPC_NOWAIT) }
        _ = try Syscall.msgrcv(queue, maximum: 64, type: 0, flags: IPC_NOWAIT | Syscall.messageCopy)
        try Syscall.msgSetCapacity(queue, bytes: 5)
        #expect(throws: Errno.resourceTemporarilyUnavailable) {
            try Syscall.msgsnd(queue, type: 1, Array("more".utf8), flags: IPC_NOWAIT)
        }
        status = try Syscall.msgStatus(queue)
        let changed = status.msg_ctime
        #expect(status.msg_stime == sent && status.msg_rtime == 0 && changed > sent)

        nextSecond(after: changed)
        _ = try Syscall.msgrcv(queue, maximum: 64, type: 0, flags: IPC_NOWAIT)
        #expect(throws: Errno.notPermitted) { try Syscall.msgSetCapacity(queue, bytes: 1 << 20) }
        status = try Syscall.msgStatus(queue)
        #expect(status.msg_stime == sent && status.msg_rtime > changed && status.msg_ctime == changed)
    }

    /// `shm_atime` and `shm_dtime` read 0 on a new segment, `shm_ctime` its creation; `shmat` sets `shm_atime`,
    /// `shmdt` `shm_dtime` — and so does a process's exit with the segment attached; `IPC_SET` sets `shm_ctime`,
    /// `IPC_RMID` does not, and neither an attach nor a detach touches it.
    @Test func sharedMemoryTimes() async {
        await #expect(processExitsWith: .success) {
            do { try Self.sharedMemoryTimesMeasured() } catch { Issue.record(error) }
        }
    }

    static func sharedMemoryTimesMeasured() throws {
        let segment = try Syscall.shmget(IPC_PRIVATE, size: 4096, flags: IPC_CREAT | 0o600)
        var removed = false
        defer { if !removed { try? Syscall.shmRemove(segment) } }
        var status = try Syscall.shmStatus(segment)
        #expect(status.attachTime == 0 && status.detachTime == 0 && status.changeTime > 0)
        let created = status.changeTime

        nextSecond(after: created)
        let address = try Syscall.shmat(segment)
        status = try Syscall.shmStatus(segment)
        let attached = status.attachTime
        #expect(attached > created && status.detachTime == 0 && status.changeTime == created)

        nextSecond(after: attached)
        try Syscall.shmdt(address)
        status = try Syscall.shmStatus(segment)
        let detached = status.detachTime
        #expect(status.attachTime == attached && detached > attached && status.changeTime == created)

        nextSecond(after: detached)
        try Syscall.shmSet(segment, mode: 0o640, owner: nil)
        status = try Syscall.shmStatus(segment)
        let changed = status.changeTime
        #expect(status.attachTime == attached && status.detachTime == detached && changed > detached)

        // A child attaches, then exits attached once the clock has passed the second of its attach.
        nextSecond(after: changed)
        var childAttached = 0
        let id = segment.id
        try inChild({ Glibc.shmat(id, nil, 0) != UnsafeMutableRawPointer(bitPattern: -1) }) { attached in
            status = try Syscall.shmStatus(segment)
            childAttached = status.attachTime
            #expect(attached && childAttached > changed && status.detachTime == detached)
            nextSecond(after: childAttached)
        }
        status = try Syscall.shmStatus(segment)
        #expect(status.attachments == 0 && status.detachTime > childAttached && status.changeTime == changed)

        // IPC_RMID of an attached segment (which IPC_STAT can still see) leaves shm_ctime.
        let again = try Syscall.shmat(segment)
        let reattached = try Syscall.shmStatus(segment).attachTime
        nextSecond(after: reattached)
        try Syscall.shmRemove(segment)
        removed = true
        status = try Syscall.shmStatus(segment)
        #expect(status.markedForRemoval && status.changeTime == changed)
        try Syscall.shmdt(again)
    }

    /// `sem_otime` reads 0 on a new set, `sem_ctime` its creation; a `semop` that fails (`EAGAIN`) sets nothing, nor
    /// do `GETVAL` and `GETALL`; a successful `semop` sets `sem_otime` (a wait for zero too, whichever semaphore it is
    /// on), as does a sleeping one when it completes, and so does the exit of a process that used `SEM_UNDO` on the
    /// set, even with nothing left to undo; `SETVAL`, `SETALL` and `IPC_SET` set `sem_ctime`, `semop` does not.
    @Test func semaphoreSetTimes() async {
        await #expect(processExitsWith: .success) {
            do { try Self.semaphoreSetTimesMeasured() } catch { Issue.record(error) }
        }
    }

    static func semaphoreSetTimesMeasured() throws {
        let set = try Syscall.semget(IPC_PRIVATE, count: 2, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.semRemove(set) }
        var times = try Syscall.semTimes(set)
        #expect(times.operation == 0 && times.change > 0)
        let created = times.change
        #expect(throws: Errno.resourceTemporarilyUnavailable) {
            try Syscall.semop(set, [SemaphoreOperation(number: 0, change: -1, undo: true)], nonblocking: true)
        }
        nextSecond(after: created)
        _ = try Syscall.semValue(set, number: 0)
        _ = try Syscall.semValues(set, count: 2)
        times = try Syscall.semTimes(set)
        #expect(times.operation == 0 && times.change == created)

        try Syscall.semSetValue(set, number: 0, value: 1)
        times = try Syscall.semTimes(set)
        let valueSet = times.change
        #expect(times.operation == 0 && valueSet > created)
        nextSecond(after: valueSet)
        try Syscall.semSetValues(set, [1, 0])
        times = try Syscall.semTimes(set)
        let allSet = times.change
        #expect(times.operation == 0 && allSet > valueSet)

        nextSecond(after: allSet)
        try Syscall.semop(set, [SemaphoreOperation(number: 1, change: 0, undo: false)], nonblocking: true)
        times = try Syscall.semTimes(set)
        let waited = times.operation
        #expect(waited > allSet && times.change == allSet)

        nextSecond(after: waited)
        try Syscall.semSet(set, mode: 0o640, owner: nil)
        times = try Syscall.semTimes(set)
        let changed = times.change
        #expect(times.operation == waited && changed > waited)

        // A child takes and gives back a unit with SEM_UNDO (nothing left to undo), then exits once the clock has
        // passed the second of its semop.
        let operations = UnsafeMutablePointer<sembuf>.allocate(capacity: 2)
        defer { operations.deallocate() }
        operations[0] = sembuf(sem_num: 0, sem_op: -1, sem_flg: Int16(SEM_UNDO))
        operations[1] = sembuf(sem_num: 0, sem_op: 1, sem_flg: Int16(SEM_UNDO))
        let id = set.id
        var childOperated = 0
        try inChild({ Glibc.semop(id, operations, 2) == 0 }) { operated in
            childOperated = try Syscall.semTimes(set).operation
            #expect(operated && childOperated >= changed)
            nextSecond(after: childOperated)
        }
        times = try Syscall.semTimes(set)
        #expect(times.operation > childOperated && times.change == changed)
        #expect(try Syscall.semValues(set, count: 2) == [1, 0])
    }
}
