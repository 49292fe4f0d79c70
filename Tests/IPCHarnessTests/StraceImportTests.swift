import Foundation
import IPCModels
import Testing

@testable import IPCHarness

/// strace logs written by hand: each rule of the importer on a log small enough to read, with the verdict it must
/// lead to. (StraceFidelityTests records real programs.)
@Suite struct StraceImportTests {
    static func convert(_ log: String) throws -> Trace {
        try StraceImporter.convert(log, path: "test.log", defaults: StraceDefaults())
    }

    static func check(_ log: String) throws -> CheckReport {
        try TraceChecker.check(try convert(log), name: "test.log")
    }

    static func notChecked(_ trace: Trace) -> [String] {
        guard case .array(let lines)? = trace.header.extra["notChecked"] else { return [] }
        return lines.compactMap { if case .string(let line) = $0 { line } else { nil } }
    }

    /// A parent writes two messages into a pipe its child reads, then closes: the child reads them and end of file.
    static let pipeline = """
        100 1000.000100 pipe2([3<pipe:[11]>, 4<pipe:[11]>], 0) = 0 <0.000010>
        100 1000.000200 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 101 <0.000050>
        101 1000.000300 close(4<pipe:[11]>) = 0 <0.000005>
        100 1000.000310 close(3<pipe:[11]>) = 0 <0.000005>
        100 1000.000400 write(4<pipe:[11]>, "hello ", 6) = 6 <0.000005>
        100 1000.000500 write(4<pipe:[11]>, "world", 5) = 5 <0.000005>
        101 1000.000600 read(3<pipe:[11]>, "hello ", 6) = 6 <0.000005>
        100 1000.000700 close(4<pipe:[11]>) = 0 <0.000005>
        101 1000.000800 read(3<pipe:[11]>, "world", 100) = 5 <0.000005>
        101 1000.000900 read(3<pipe:[11]>, "", 100) = 0 <0.000005>
        101 1000.001000 exit_group(0) = ?
        101 1000.001100 +++ exited with 0 +++
        100 1000.001200 wait4(101, NULL, 0, NULL) = 101 <0.000005>
        100 1000.001300 exit_group(0) = ?
        100 1000.001400 +++ exited with 0 +++
        """

    @Test func aPipelineIsAPipeHistoryAndPasses() throws {
        let trace = try Self.convert(Self.pipeline)
        #expect(trace.header.model == "pipe")
        #expect(trace.header.strategy == "imported")
        #expect(Self.notChecked(trace).isEmpty)
        let operations = trace.events.filter { $0.type == .invoke }
        #expect(operations.map(\.f) == ["write", "write", "read", "read", "read"])
        let report = try TraceChecker.check(trace)
        #expect(report.result == .ok, "\(report.explanation)")
    }

    @Test func readsInTheWrongOrderAreAViolation() throws {
        let swapped = Self.pipeline
            .replacingOccurrences(of: "read(3<pipe:[11]>, \"hello \", 6) = 6", with: "read(3<pipe:[11]>, \"world\", 6) = 5")
            .replacingOccurrences(of: "read(3<pipe:[11]>, \"world\", 100) = 5", with: "read(3<pipe:[11]>, \"hello \", 100) = 6")
        let report = try Self.check(swapped)
        #expect(report.result == .violation)
        #expect(report.explanation.contains("pipe-11"))
    }

    @Test func endOfFileWhileAWriterStillHoldsTheEndIsAViolation() throws {
        // The child reads end of file before the parent has let go of the write end: the kernel never does that.
        let early = Self.pipeline.replacingOccurrences(
            of: "101 1000.000600 read(3<pipe:[11]>, \"hello \", 6) = 6 <0.000005>",
            with: "101 1000.000600 read(3<pipe:[11]>, \"\", 6) = 0 <0.000005>")
        #expect(try Self.check(early).result == .violation)
    }

    @Test func aForkedChildHoldingTheWriteEndKeepsEndOfFileAway() throws {
        // The child never closes its copy of the write end until it exits, so the parent's read of end of file
        // after its own close would be wrong, but one after the child's exit is right.
        let log = """
            100 1.000100 pipe([3<pipe:[7]>, 4<pipe:[7]>]) = 0 <0.000010>
            100 1.000200 fork() = 101 <0.000050>
            100 1.000300 close(4<pipe:[7]>) = 0 <0.000005>
            101 1.000400 write(4<pipe:[7]>, "x", 1) = 1 <0.000005>
            100 1.000500 read(3<pipe:[7]>, "x", 10) = 1 <0.000005>
            101 1.000600 exit_group(0) = ?
            101 1.000700 +++ exited with 0 +++
            100 1.000800 read(3<pipe:[7]>, "", 10) = 0 <0.000005>
            100 1.000900 exit_group(0) = ?
            100 1.001000 +++ exited with 0 +++
            """
        #expect(try Self.check(log).result == .ok)
        let tooEarly = log.replacingOccurrences(of: "100 1.000500 read(3<pipe:[7]>, \"x\", 10) = 1", with: "100 1.000500 read(3<pipe:[7]>, \"\", 10) = 0")
        #expect(try Self.check(tooEarly).result == .violation)
    }

    @Test func unfinishedAndResumedHalvesAreOneOperation() throws {
        let log = """
            100 1.000100 pipe([3<pipe:[7]>, 4<pipe:[7]>]) = 0 <0.000010>
            100 1.000200 fork() = 101 <0.000050>
            101 1.000300 read(3<pipe:[7]>,  <unfinished ...>
            100 1.000400 write(4<pipe:[7]>, "ab", 2 <unfinished ...>
            101 1.000500 <... read resumed>"ab", 10) = 2 <0.000200>
            100 1.000600 <... write resumed>) = 2 <0.000200>
            """
        let trace = try Self.convert(log)
        let read = try #require(trace.events.first { $0.f == "read" && $0.type == .invoke })
        let readDone = try #require(trace.events.first { $0.f == "read" && $0.type == .ok })
        let write = try #require(trace.events.first { $0.f == "write" && $0.type == .invoke })
        // The read began before the write and ended after it began: they overlap.
        #expect(read.index < write.index && write.index < readDone.index)
        #expect(try TraceChecker.check(trace).result == .ok)
    }

    @Test func interruptedCallsDidNothing() throws {
        let log = """
            100 1.000100 pipe([3<pipe:[7]>, 4<pipe:[7]>]) = 0 <0.000010>
            100 1.000200 read(3<pipe:[7]>, 0x7ffc, 10) = ? ERESTARTSYS (To be restarted if SA_RESTART is set) <0.000100>
            100 1.000300 --- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---
            100 1.000400 read(3<pipe:[7]>, 0x7ffc, 10) = -1 EINTR (Interrupted system call) <0.000100>
            100 1.000500 write(4<pipe:[7]>, "z", 1) = 1 <0.000005>
            100 1.000600 read(3<pipe:[7]>, "z", 10) = 1 <0.000005>
            """
        let trace = try Self.convert(log)
        #expect(trace.events.filter { $0.type == .invoke }.map(\.f) == ["write", "read"])
        #expect(try TraceChecker.check(trace).result == .ok)
    }

    @Test func aProcessKilledInAWriteLeavesItIndeterminate() throws {
        let log = """
            100 1.000100 pipe([3<pipe:[7]>, 4<pipe:[7]>]) = 0 <0.000010>
            100 1.000200 fork() = 101 <0.000050>
            101 1.000300 write(4<pipe:[7]>, "late", 4 <unfinished ...>
            100 1.000400 kill(101, SIGKILL) = 0 <0.000005>
            101 1.000500 <... write resumed>) = ?
            101 1.000600 +++ killed by SIGKILL +++
            100 1.000700 close(4<pipe:[7]>) = 0 <0.000005>
            100 1.000800 read(3<pipe:[7]>, "late", 10) = 4 <0.000005>
            """
        let trace = try Self.convert(log)
        #expect(!trace.events.contains { $0.f == "write" && $0.type == .ok })
        #expect(trace.events.contains { $0.type == .kill && $0.signal == "SIGKILL" })
        #expect(try TraceChecker.check(trace).result == .ok)
        // The write may also have done nothing: then end of file is right too.
        let nothing = log.replacingOccurrences(of: "read(3<pipe:[7]>, \"late\", 10) = 4", with: "read(3<pipe:[7]>, \"\", 10) = 0")
        #expect(try Self.check(nothing).result == .ok)
        // But not something it never wrote.
        let other = log.replacingOccurrences(of: "read(3<pipe:[7]>, \"late\", 10) = 4", with: "read(3<pipe:[7]>, \"soon\", 10) = 4")
        #expect(try Self.check(other).result == .violation)
    }

    @Test func aDescriptorPassedOverASocketPairIsFollowed() throws {
        // The parent passes a pipe's write end to the child over a socket pair and closes its own; the child
        // writes through it, and the parent then reads the data and end of file when the child has exited.
        let log = """
            100 1.000100 socketpair(AF_UNIX, SOCK_STREAM, 0, [3<UNIX-STREAM:[20->21]>, 4<UNIX-STREAM:[21->20]>]) = 0 <0.000010>
            100 1.000200 fork() = 101 <0.000050>
            101 1.000300 close(3<UNIX-STREAM:[20->21]>) = 0 <0.000005>
            100 1.000400 close(4<UNIX-STREAM:[21->20]>) = 0 <0.000005>
            100 1.000500 pipe([5<pipe:[30]>, 6<pipe:[30]>]) = 0 <0.000010>
            100 1.000600 sendmsg(3<UNIX-STREAM:[20->21]>, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="F", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[6<pipe:[30]>]}], msg_controllen=24, msg_flags=0}, 0) = 1 <0.000010>
            100 1.000700 close(6<pipe:[30]>) = 0 <0.000005>
            101 1.000800 recvmsg(4<UNIX-STREAM:[21->20]>, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="F", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[3<pipe:[30]>]}], msg_controllen=24, msg_flags=0}, 0) = 1 <0.000010>
            101 1.000900 write(3<pipe:[30]>, "passed", 6) = 6 <0.000005>
            101 1.001000 exit_group(0) = ?
            101 1.001100 +++ exited with 0 +++
            100 1.001200 read(5<pipe:[30]>, "passed", 100) = 6 <0.000005>
            100 1.001300 read(5<pipe:[30]>, "", 100) = 0 <0.000005>
            """
        let trace = try Self.convert(log)
        #expect(trace.header.model == "mixed")
        #expect(Self.notChecked(trace).isEmpty, "\(Self.notChecked(trace))")
        let receive = try #require(trace.events.first { $0.f == "receive" && $0.type == .ok })
        #expect(receive.value?.objectValue?["files"] == .array(["f0"]))
        #expect(try TraceChecker.check(trace).result == .ok)
        // Had the descriptor not been followed to the child, its write would be a pipe nobody could write to.
        let early = log.replacingOccurrences(
            of: "101 1.000900 write(3<pipe:[30]>, \"passed\", 6) = 6 <0.000005>",
            with: "101 1.000900 write(3<pipe:[30]>, \"passed\", 6) = 6 <0.000005>\n100 1.000950 read(5<pipe:[30]>, \"\", 100) = 0 <0.000005>")
        #expect(try Self.check(early).result == .violation)
    }

    @Test func callsOutsideTheModelsExcludeTheirObjectAndSayWhy() throws {
        let log = """
            100 1.000100 pipe([3<pipe:[7]>, 4<pipe:[7]>]) = 0 <0.000010>
            100 1.000200 write(4<pipe:[7]>, "abc", 3) = 3 <0.000005>
            100 1.000300 splice(3<pipe:[7]>, NULL, 5</tmp/out>, NULL, 3, 0) = 3 <0.000005>
            100 1.000400 pipe([6<pipe:[8]>, 7<pipe:[8]>]) = 0 <0.000010>
            100 1.000500 write(7<pipe:[8]>, "ok", 2) = 2 <0.000005>
            100 1.000600 read(6<pipe:[8]>, "ok", 2) = 2 <0.000005>
            100 1.000700 semop(5, [{sem_num=0, sem_op=-1, sem_flg=0}], 1) = 0 <0.000005>
            """
        let trace = try Self.convert(log)
        let lines = Self.notChecked(trace)
        #expect(lines.contains { $0.contains("pipe 7") && $0.contains("splice at line 3") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("System V semaphore sets the log did not make: 1 call") }, "\(lines)")
        #expect(!trace.events.contains { $0.object == "pipe-7" })
        let report = try TraceChecker.check(trace)
        #expect(report.result == .ok)
        #expect(report.explanation.contains("NOT CHECKED"))
    }

    @Test func aDescriptorTheTablesDidNotFollowExcludesItsObject() throws {
        // Descriptor 9 of pid 100 shows the pipe, but nothing in the log put it there.
        let log = """
            100 1.000100 pipe([3<pipe:[7]>, 4<pipe:[7]>]) = 0 <0.000010>
            100 1.000200 write(9<pipe:[7]>, "abc", 3) = 3 <0.000005>
            100 1.000300 read(3<pipe:[7]>, "abc", 3) = 3 <0.000005>
            """
        let trace = try Self.convert(log)
        #expect(Self.notChecked(trace).contains { $0.contains("did not follow") })
    }

    @Test func queuesEventfdsAndSystemVQueuesBecomeTheirModels() throws {
        let log = """
            100 1.000100 mq_open("q", O_RDWR|O_CREAT|O_EXCL, 0600, {mq_flags=0, mq_maxmsg=2, mq_msgsize=16, mq_curmsgs=0}) = 3</q> <0.000010>
            100 1.000200 mq_timedsend(3</q>, "low", 3, 1, NULL) = 0 <0.000005>
            100 1.000300 mq_timedsend(3</q>, "high", 4, 9, NULL) = 0 <0.000005>
            100 1.000400 mq_timedsend(3</q>, "full", 4, 1, {tv_sec=0, tv_nsec=1000}) = -1 ETIMEDOUT (Connection timed out) <0.000005>
            100 1.000500 mq_timedreceive(3</q>, "high", 16, [9], NULL) = 4 <0.000005>
            100 1.000550 mq_getsetattr(3</q>, NULL, {mq_flags=0, mq_maxmsg=2, mq_msgsize=16, mq_curmsgs=1}) = 0 <0.000005>
            100 1.000600 eventfd2(0, EFD_SEMAPHORE) = 4<anon_inode:[eventfd]> <0.000005>
            100 1.000700 write(4<anon_inode:[eventfd]>, "\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00", 8) = 8 <0.000005>
            100 1.000800 read(4<anon_inode:[eventfd]>, "\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00", 8) = 8 <0.000005>
            100 1.000900 msgget(IPC_PRIVATE, 0600) = 42 <0.000005>
            100 1.001000 msgsnd(42, {mtype=3, mtext="three"}, 5, 0) = 0 <0.000005>
            100 1.001100 msgsnd(42, {mtype=1, mtext="one"}, 3, 0) = 0 <0.000005>
            100 1.001200 msgrcv(42, {mtype=1, mtext="one"}, 64, -2, 0) = 3 <0.000005>
            100 1.001300 msgctl(42, IPC_RMID, NULL) = 0 <0.000005>
            100 1.001400 msgsnd(42, {mtype=1, mtext="x"}, 1, IPC_NOWAIT) = -1 EINVAL (Invalid argument) <0.000005>
            """
        let trace = try Self.convert(log)
        guard case .object(let parameters)? = trace.header.parameters, case .object(let parts)? = parameters["parts"] else {
            Issue.record("expected a mixed trace, got \(trace.header.model)")
            return
        }
        #expect(Set(parts.keys) == ["posix-mq", "eventfd", "sysv-msg"])
        #expect(try TraceChecker.check(trace).result == .ok)
        // The lower priority first is not what a POSIX queue does.
        let wrong = log.replacingOccurrences(of: "mq_timedreceive(3</q>, \"high\", 16, [9], NULL) = 4", with: "mq_timedreceive(3</q>, \"low\", 16, [1], NULL) = 3")
        #expect(try Self.check(wrong).result == .violation)
        // mq_getsetattr's attributes are checked: one message was left, not two.
        #expect(trace.events.contains { $0.f == "getattr" })
        let wrongCount = log.replacingOccurrences(of: "mq_curmsgs=1}) = 0", with: "mq_curmsgs=2}) = 0")
        #expect(try Self.check(wrongCount).result == .violation)
        // msgrcv of type -2 takes the lowest type at most 2: "one", not "three".
        let wrongType = log.replacingOccurrences(of: "msgrcv(42, {mtype=1, mtext=\"one\"}, 64, -2, 0) = 3", with: "msgrcv(42, {mtype=3, mtext=\"three\"}, 64, -2, 0) = 5")
        #expect(try Self.check(wrongType).result == .violation)
    }

    @Test func systemVSemaphoresAreTheSysvSemModelsOperationsAndAKilledHoldersUndoCounts() throws {
        let log = """
            100 1.000100 semget(IPC_PRIVATE, 2, 0600) = 7 <0.000005>
            100 1.000200 semctl(7, 0, SETVAL, 0x1) = 0 <0.000005>
            100 1.000300 clone(child_stack=NULL, flags=SIGCHLD) = 101 <0.000010>
            101 1.000400 semop(7, [{sem_num=0, sem_op=-1, sem_flg=SEM_UNDO}], 1) = 0 <0.000005>
            101 1.000500 pause( <unfinished ...>
            100 1.000600 semop(7, [{sem_num=0, sem_op=-1, sem_flg=IPC_NOWAIT}], 1) = -1 EAGAIN (Resource temporarily unavailable) <0.000005>
            100 1.000700 kill(101, SIGKILL) = 0 <0.000005>
            101 1.000800 +++ killed by SIGKILL +++
            100 1.000900 semop(7, [{sem_num=0, sem_op=-1, sem_flg=0}], 1) = 0 <0.000005>
            100 1.001000 semtimedop(7, [{sem_num=1, sem_op=-1, sem_flg=0}, {sem_num=0, sem_op=1, sem_flg=0}], 2, {tv_sec=0, tv_nsec=1000}) = -1 EAGAIN (Resource temporarily unavailable) <0.000005>
            100 1.001100 semctl(7, 0, GETALL, 0x7ffd0000) = 0 <0.000005>
            100 1.001200 semctl(7, 0, IPC_RMID, NULL) = 0 <0.000005>
            100 1.001300 semop(7, [{sem_num=0, sem_op=1, sem_flg=0}], 1) = -1 EINVAL (Invalid argument) <0.000005>
            100 1.001400 +++ exited with 0 +++
            """
        let trace = try Self.convert(log)
        #expect(trace.header.model == "sysv-sem")
        #expect(Self.notChecked(trace).isEmpty, "\(Self.notChecked(trace))")
        let report = try TraceChecker.check(trace)
        #expect(report.result == .ok, "\(report.explanation)")
        #expect(report.objects.first?.operationCount == 7)
        // Without the holder's death giving its unit back, the last take could not succeed.
        let noUndo = log.replacingOccurrences(of: "sem_flg=SEM_UNDO", with: "sem_flg=0")
        #expect(try Self.check(noUndo).result == .violation)
        // IPC_NOWAIT on one operation of two is not something the model can say: the set is not checked.
        let mixed = log.replacingOccurrences(of: "{sem_num=0, sem_op=1, sem_flg=0}], 2", with: "{sem_num=0, sem_op=1, sem_flg=IPC_NOWAIT}], 2")
        #expect(Self.notChecked(try Self.convert(mixed)).contains { $0.contains("IPC_NOWAIT on some of its operations only") })
    }

    @Test func aProcessUsingSemUndoThatRenewsLeavesTheSetUnchecked() throws {
        let log = """
            100 1.000100 semget(IPC_PRIVATE, 1, 0600) = 7 <0.000005>
            100 1.000200 semctl(7, 0, SETVAL, 0x1) = 0 <0.000005>
            100 1.000300 pipe2([3<pipe:[9]>, 4<pipe:[9]>], 0) = 0 <0.000005>
            100 1.000400 semop(7, [{sem_num=0, sem_op=-1, sem_flg=SEM_UNDO}], 1) = 0 <0.000005>
            100 1.000500 close(4<pipe:[9]>) = 0 <0.000005>
            100 1.000600 read(3<pipe:[9]>, "", 16) = 0 <0.000005>
            100 1.000700 semop(7, [{sem_num=0, sem_op=1, sem_flg=0}], 1) = 0 <0.000005>
            100 1.000800 +++ exited with 0 +++
            """
        let trace = try Self.convert(log)
        #expect(Self.notChecked(trace).contains { $0.contains("used SEM_UNDO") }, "\(Self.notChecked(trace))")
    }

    static let signalLog = """
        100 1.000100 rt_sigprocmask(SIG_BLOCK, [USR1 USR2 RT_3], NULL, 8) = 0 <0.000005>
        100 1.000200 clone(child_stack=NULL, flags=SIGCHLD) = 101 <0.000010>
        101 1.000300 kill(100, SIGUSR2) = 0 <0.000005>
        101 1.000400 kill(100, SIGUSR2) = 0 <0.000005>
        101 1.000500 rt_sigqueueinfo(100, SIGRT_3, {si_signo=SIGRT_3, si_code=SI_QUEUE, si_pid=101, si_uid=0, si_int=7, si_ptr=0x7}) = 0 <0.000005>
        101 1.000600 rt_sigqueueinfo(100, SIGRT_3, {si_signo=SIGRT_3, si_code=SI_QUEUE, si_pid=101, si_uid=0, si_int=8, si_ptr=0x8}) = 0 <0.000005>
        101 1.000700 exit_group(0) = ?
        101 1.000800 +++ exited with 0 +++
        100 1.000900 rt_sigtimedwait([USR1 USR2 RT_3], {si_signo=SIGUSR2, si_code=SI_USER, si_pid=101, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 12 (SIGUSR2) <0.000005>
        100 1.001000 rt_sigtimedwait([USR1 USR2 RT_3], {si_signo=SIGRT_3, si_code=SI_QUEUE, si_pid=101, si_uid=0, si_int=7, si_ptr=0x7}, {tv_sec=0, tv_nsec=0}, 8) = 35 (SIGRT_3) <0.000005>
        100 1.001100 rt_sigtimedwait([USR1 USR2 RT_3], {si_signo=SIGRT_3, si_code=SI_QUEUE, si_pid=101, si_uid=0, si_int=8, si_ptr=0x8}, {tv_sec=0, tv_nsec=0}, 8) = 35 (SIGRT_3) <0.000005>
        100 1.001200 rt_sigtimedwait([USR1 USR2 RT_3], 0x7ffd0000, {tv_sec=0, tv_nsec=0}, 8) = -1 EAGAIN (Resource temporarily unavailable) <0.000005>
        100 1.001300 +++ exited with 0 +++
        """

    @Test func blockedSignalsTakenWithSigtimedwaitAreTheSignalModels() throws {
        let trace = try Self.convert(Self.signalLog)
        #expect(trace.header.model == "signal")
        #expect(Self.notChecked(trace).isEmpty, "\(Self.notChecked(trace))")
        let report = try TraceChecker.check(trace)
        #expect(report.result == .ok, "\(report.explanation)")
        #expect(report.objects.first?.operationCount == 8)
        // The queued signals taken out of the order they were sent in.
        let reordered = Self.signalLog
            .replacingOccurrences(of: "si_int=7, si_ptr=0x7}, {tv_sec", with: "si_int=X, si_ptr=0xX}, {tv_sec")
            .replacingOccurrences(of: "si_int=8, si_ptr=0x8}, {tv_sec", with: "si_int=7, si_ptr=0x7}, {tv_sec")
            .replacingOccurrences(of: "si_int=X, si_ptr=0xX}, {tv_sec", with: "si_int=8, si_ptr=0x8}, {tv_sec")
        let reorderedReport = try Self.check(reordered)
        #expect(reorderedReport.result == .violation)
        // The explanation points at the log's lines and pids, which the user has, not at the trace's.
        #expect(reorderedReport.explanation.contains("(pid 100): sigtimedwait"), "\(reorderedReport.explanation)")
        #expect(reorderedReport.explanation.contains("[test.log line 10]"), "\(reorderedReport.explanation)")
        // Two SIGUSR2 taken for two kills while it was pending: a standard signal does not queue.
        let twice = Self.signalLog.replacingOccurrences(
            of: "100 1.001200 rt_sigtimedwait([USR1 USR2 RT_3], 0x7ffd0000, {tv_sec=0, tv_nsec=0}, 8) = -1 EAGAIN (Resource temporarily unavailable) <0.000005>",
            with: "100 1.001200 rt_sigtimedwait([USR1 USR2 RT_3], {si_signo=SIGUSR2, si_code=SI_USER, si_pid=101, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 12 (SIGUSR2) <0.000005>")
        #expect(try Self.check(twice).result == .violation)
    }

    /// `tgkill` to the receiver's main thread is the model's `tgkill`: its signal is taken before the process's, and
    /// the raw `rt_sigtimedwait` shows it `SI_TKILL` (glibc would fold that into `SI_USER`).
    @Test func aTgkillToTheReceiversMainThreadIsTheSignalModels() throws {
        let log = """
            100 1.000100 rt_sigprocmask(SIG_BLOCK, [USR1 USR2 WINCH], NULL, 8) = 0 <0.000005>
            100 1.000200 clone(child_stack=NULL, flags=SIGCHLD) = 101 <0.000010>
            101 1.000300 kill(100, SIGUSR2) = 0 <0.000005>
            101 1.000400 tgkill(100, 100, SIGWINCH) = 0 <0.000005>
            101 1.000700 exit_group(0) = ?
            101 1.000800 +++ exited with 0 +++
            100 1.000900 rt_sigtimedwait([USR2 WINCH], {si_signo=SIGWINCH, si_code=SI_TKILL, si_pid=101, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 28 (SIGWINCH) <0.000005>
            100 1.001000 rt_sigtimedwait([USR2 WINCH], {si_signo=SIGUSR2, si_code=SI_USER, si_pid=101, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 12 (SIGUSR2) <0.000005>
            100 1.001300 +++ exited with 0 +++
            """
        let trace = try Self.convert(log)
        #expect(Self.notChecked(trace).isEmpty, "\(Self.notChecked(trace))")
        #expect(trace.events.contains { $0.f == "tgkill" })
        #expect(try TraceChecker.check(trace).result == .ok)
        // Taken lowest first, as if the tgkill were process-wide: the model rejects it.
        let lowestFirst = log
            .replacingOccurrences(of: "{si_signo=SIGWINCH, si_code=SI_TKILL, si_pid=101, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 28 (SIGWINCH)", with: "X")
            .replacingOccurrences(of: "{si_signo=SIGUSR2, si_code=SI_USER, si_pid=101, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 12 (SIGUSR2)", with: "{si_signo=SIGWINCH, si_code=SI_TKILL, si_pid=101, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 28 (SIGWINCH)")
            .replacingOccurrences(of: "X", with: "{si_signo=SIGUSR2, si_code=SI_USER, si_pid=101, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 12 (SIGUSR2)")
        #expect(try Self.check(lowestFirst).result == .violation)
        // To another thread of the process: the model does not have it, and says so.
        let otherThread = log.replacingOccurrences(of: "tgkill(100, 100, SIGWINCH)", with: "tgkill(100, 102, SIGWINCH)")
        #expect(try Self.convert(otherThread).events.contains { $0.f == "tgkill" } == false)
    }

    @Test(arguments: [
        ("100 1.000100 rt_sigprocmask(SIG_BLOCK, [USR1 RT_3], NULL, 8) = 0 <0.000005>", "SIGUSR2 was sent at line 3 while pid 100 did not block it"),
        ("100 1.000100 rt_sigprocmask(SIG_BLOCK, [USR1 USR2 RT_3], NULL, 8) = 0 <0.000005>\n100 1.000150 --- SIGUSR2 {si_signo=SIGUSR2, si_code=SI_USER, si_pid=101, si_uid=0} ---",
         "SIGUSR2 was delivered to pid 100 at line 2"),
        ("100 1.000100 rt_sigprocmask(SIG_BLOCK, [USR1 USR2 RT_3], NULL, 8) = 0 <0.000005>\n100 1.000150 kill(0, SIGUSR1) = 0 <0.000005>",
         "a signal was sent to a process group at line 2"),
        ("100 1.000100 rt_sigprocmask(SIG_BLOCK, [USR1 USR2 RT_3], NULL, 8) = 0 <0.000005>\n101 1.000150 kill(100, SIGSTOP) = 0 <0.000005>",
         "SIGSTOP was sent at line 2: it cannot be blocked"),
    ])
    func whatTheSignalModelCannotSayLeavesTheReceiverUnchecked(replacement: String, reason: String) throws {
        let log = Self.signalLog.replacingOccurrences(of: "100 1.000100 rt_sigprocmask(SIG_BLOCK, [USR1 USR2 RT_3], NULL, 8) = 0 <0.000005>", with: replacement)
        #expect(log != Self.signalLog)
        let trace = try Self.convert(log)
        #expect(Self.notChecked(trace).contains { $0.contains(reason) }, "\(Self.notChecked(trace))")
        #expect(try TraceChecker.check(trace).result == .unknown)
    }

    @Test func aQueueFromBeforeTheLogIsNotChecked() throws {
        let log = """
            100 1.000100 mq_open("old", O_RDWR|O_CREAT, 0600, NULL) = 3</old> <0.000010>
            100 1.000200 mq_timedreceive(3</old>, "stale", 8192, [0], NULL) = 5 <0.000005>
            """
        let trace = try Self.convert(log)
        #expect(Self.notChecked(trace).contains { $0.hasPrefix("POSIX queues that existed before the log began") })
        #expect(!trace.events.contains { $0.type == .invoke })
    }

    @Test func stampsOfEveryFormRead() throws {
        for stamp in ["1000.000100", "1000.000100123", "16:44:22.000100"] {
            let log = "100 \(stamp) pipe([3<pipe:[7]>, 4<pipe:[7]>]) = 0 <0.000010>\n100 \(stamp) write(4<pipe:[7]>, \"a\", 1) = 1"
            #expect(try Self.convert(log).events.count == 2, "\(stamp)")
        }
        // Without -f the lines have no pid; with strace's own -f output to a terminal they start with [pid N].
        let noPid = "1000.000100 pipe([3, 4]) = 0\n1000.000200 write(4, \"a\", 1) = 1\n1000.000300 read(3, \"a\", 1) = 1"
        #expect(try Self.check(noPid).result == .ok)
        let bracketed = "[pid   100] 1000.000100 pipe([3, 4]) = 0\n[pid   100] 1000.000200 write(4, \"a\", 1) = 1"
        #expect(try Self.convert(bracketed).events.count == 2)
    }

    @Test(arguments: [
        ("100 1.0001 pipe([3, 4]) = 0\nnonsense here\n", 2, "is not a time stamp"),
        ("100 1.0001 pipe([3, 4]) = 0\n100 1.0002 read(3, \"a\", 1\n", 2, "')' is missing"),
        ("100 1.0001 <... read resumed>) = 1\n", 1, "no unfinished call"),
        ("100 1.0001 pipe([3, 4]) = 0\n100 1.0002 write(4, \"a, 1) = 1\n", 2, ""),
        ("hello world\n", 1, ""),
    ])
    func malformedLogsNameTheLine(log: String, line: Int, message: String) {
        do {
            _ = try Self.convert(log)
            Issue.record("accepted \(log)")
        } catch let error as TraceError {
            #expect(error.line == line, "\(error)")
            #expect(error.path == "test.log")
            if !message.isEmpty { #expect(error.message.contains(message), "\(error)") }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aLogWithoutIPCChecksNothingAndSaysSo() throws {
        let log = "100 1.000100 getpid() = 100 <0.000001>\n100 1.000200 exit_group(0) = ?\n100 1.000300 +++ exited with 0 +++"
        let report = try Self.check(log)
        #expect(report.result != .ok)
    }
}
