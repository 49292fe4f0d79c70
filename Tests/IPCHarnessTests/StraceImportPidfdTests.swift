import Foundation
import IPCModels
import Testing

@testable import IPCHarness

/// `pidfd_open` and `pidfd_send_signal` in logs strace wrote here (`strace -f -ttt -T -yy -xx -X raw -s 1048576`) of
/// small C programs: the lines are copied as strace printed them (the dynamic loader's left out). They are the signal
/// model's operations of the same names, on the receiver the pidfd was opened for (`StraceSimulation+Pidfd.swift`).
@Suite struct StraceImportPidfdTests {
    /// A process blocks `SIGUSR1`, `SIGUSR2`, `SIGWINCH` and `SIGRTMIN+1` and forks; the child opens a pidfd of its
    /// parent and sends through it `SIGUSR2`, `SIGRTMIN+1` with a queued `siginfo` (value 7), `SIGUSR1` with an unknown
    /// flag (`EINVAL`), `SIGUSR1` with a forged `SI_USER` `siginfo` (`EPERM`: only a process signalling itself may
    /// forge one), `SIGUSR1` with `PIDFD_SIGNAL_THREAD`; opens a second pidfd with `PIDFD_THREAD` and sends `SIGWINCH`
    /// through it. The parent reaps it and takes the signals: the thread's first (`SIGUSR1`, `SIGWINCH`, `SI_TKILL`),
    /// then the process's (`SIGUSR2`, then the queued one with its value), then `EAGAIN`.
    static let pidfdSends = #"""
        15758 1796614248.671268 rt_sigprocmask(0, [10 12 28 35], NULL, 8) = 0 <0.000008>
        15758 1796614248.671307 getpid()        = 15758 <0.000008>
        15758 1796614248.671333 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f9f41634a10) = 15759 <0.000101>
        15758 1796614248.671472 wait4(15759,  <unfinished ...>
        15759 1796614248.671555 pidfd_open(15758, 0) = 3<pid:15758> <0.000018>
        15759 1796614248.671654 pidfd_send_signal(3<pid:15758>, 12, NULL, 0) = 0 <0.000011>
        15759 1796614248.671709 getpid()        = 15759 <0.000007>
        15759 1796614248.671737 getuid()        = 0 <0.000007>
        15759 1796614248.671762 pidfd_send_signal(3<pid:15758>, 35, {si_signo=35, si_code=0xffffffff, si_pid=15759, si_uid=0, si_int=7, si_ptr=0x7}, 0) = 0 <0.000009>
        15759 1796614248.671807 pidfd_send_signal(3<pid:15758>, 10, NULL, 0x8) = -1 EINVAL (Invalid argument) <0.000007>
        15759 1796614248.671844 getpid()        = 15759 <0.000007>
        15759 1796614248.671869 getuid()        = 0 <0.000007>
        15759 1796614248.671893 pidfd_send_signal(3<pid:15758>, 10, {si_signo=10, si_code=0, si_pid=15759, si_uid=0}, 0) = -1 EPERM (Operation not permitted) <0.000008>
        15759 1796614248.671931 pidfd_send_signal(3<pid:15758>, 10, NULL, 0x1) = 0 <0.000008>
        15759 1796614248.671967 pidfd_open(15758, 0x80) = 4<pid:15758> <0.000009>
        15759 1796614248.672009 pidfd_send_signal(4<pid:15758>, 28, NULL, 0) = 0 <0.000008>
        15759 1796614248.672050 close(4<pid:15758>) = 0 <0.000009>
        15759 1796614248.672088 close(3<pid:15758>) = 0 <0.000012>
        15759 1796614248.672129 exit_group(0)   = ?
        15759 1796614248.672221 +++ exited with 0 +++
        15758 1796614248.672249 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 15759 <0.000770>
        15758 1796614248.672270 --- SIGCHLD {si_signo=17, si_code=0x1, si_pid=15759, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
        15758 1796614248.672311 rt_sigtimedwait([10 12 28 35], {si_signo=10, si_code=0xfffffffa, si_pid=15759, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 10 (SIGUSR1) <0.000009>
        15758 1796614248.672523 rt_sigtimedwait([10 12 28 35], {si_signo=28, si_code=0xfffffffa, si_pid=15759, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 28 (SIGWINCH) <0.000008>
        15758 1796614248.672555 rt_sigtimedwait([10 12 28 35], {si_signo=12, si_code=0, si_pid=15759, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 12 (SIGUSR2) <0.000008>
        15758 1796614248.672587 rt_sigtimedwait([10 12 28 35], {si_signo=35, si_code=0xffffffff, si_pid=15759, si_uid=0, si_int=7, si_ptr=0x7}, {tv_sec=0, tv_nsec=0}, 8) = 35 (SIGRT_3) <0.000008>
        15758 1796614248.672618 rt_sigtimedwait([10 12 28 35], 0x7ffdb8bd65e0, {tv_sec=0, tv_nsec=0}, 8) = -1 EAGAIN (Resource temporarily unavailable) <0.000008>
        15758 1796614248.672695 exit_group(0)   = ?
        15758 1796614248.672799 +++ exited with 0 +++
        """#

    /// A process blocks `SIGUSR1` and `SIGUSR2`, opens a pidfd of itself and forks; it closes its pidfd, the child
    /// sends `SIGUSR1` through the one it inherited and `SIGUSR2` through a `dup` of it; the parent takes both.
    static let inheritedPidfd = #"""
        25357 1796614432.773620 rt_sigprocmask(0, [10 12], NULL, 8) = 0 <0.000008>
        25357 1796614432.773660 getpid()        = 25357 <0.000008>
        25357 1796614432.773686 pidfd_open(25357, 0) = 3<pid:25357> <0.000015>
        25357 1796614432.773749 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7fc1c0152a10) = 25358 <0.000108>
        25357 1796614432.773893 close(3<pid:25357>) = 0 <0.000008>
        25357 1796614432.773935 wait4(25358,  <unfinished ...>
        25358 1796614432.773993 pidfd_send_signal(3<pid:25357>, 10, NULL, 0) = 0 <0.000011>
        25358 1796614432.774069 dup(3<pid:25357>) = 4<pid:25357> <0.000008>
        25358 1796614432.774123 pidfd_send_signal(4<pid:25357>, 12, NULL, 0) = 0 <0.000009>
        25358 1796614432.774161 exit_group(0)   = ?
        25358 1796614432.774260 +++ exited with 0 +++
        25357 1796614432.774267 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 25358 <0.000325>
        25357 1796614432.774286 --- SIGCHLD {si_signo=17, si_code=0x1, si_pid=25358, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
        25357 1796614432.774304 rt_sigtimedwait([10 12], {si_signo=10, si_code=0, si_pid=25358, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 10 (SIGUSR1) <0.000007>
        25357 1796614432.774482 rt_sigtimedwait([10 12], {si_signo=12, si_code=0, si_pid=25358, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 12 (SIGUSR2) <0.000007>
        25357 1796614432.774511 rt_sigtimedwait([10 12], 0x7ffc9666f950, {tv_sec=0, tv_nsec=0}, 8) = -1 EAGAIN (Resource temporarily unavailable) <0.000006>
        25357 1796614432.774594 exit_group(0)   = ?
        25357 1796614432.774691 +++ exited with 0 +++
        """#

    static func invocations(_ trace: Trace) -> [String] {
        trace.events.filter { $0.type == .invoke }.map(\.f!)
    }

    @Test func pidfdOpenAndPidfdSendSignalAreTheSignalModels() throws {
        let trace = try StraceImportTests.convert(Self.pidfdSends)
        #expect(trace.header.model == "signal")
        #expect(StraceImportTests.notChecked(trace).isEmpty, "\(StraceImportTests.notChecked(trace))")
        #expect(Self.invocations(trace) == [
            "pidfd_open", "pidfd_send_signal", "pidfd_send_signal", "pidfd_send_signal", "pidfd_send_signal",
            "pidfd_send_signal", "pidfd_open", "pidfd_send_signal", "wait", "wait", "wait", "wait", "wait",
        ])
        let values = trace.events.filter { $0.type == .invoke && $0.f?.hasPrefix("pidfd") == true }.map(\.value)
        #expect(values == [
            nil, ["signal": "SIGUSR2"], ["signal": "SIGRTMIN+1", "info": ["code": "SI_QUEUE", "value": 7]],
            ["signal": "SIGUSR1", "flags": [8]], ["signal": "SIGUSR1", "info": ["code": "SI_USER", "value": 0]],
            ["signal": "SIGUSR1", "flags": ["PIDFD_SIGNAL_THREAD"]], ["flags": ["PIDFD_THREAD"]],
            ["signal": "SIGWINCH", "pidfd": "thread"],
        ])
        let report = try TraceChecker.check(trace, name: "test.log")
        #expect(report.result == .ok, "\(report.explanation)")
    }

    /// Edited into what the kernel does not do, each is rejected: the forged `SI_USER` let through to another process
    /// (its `SIGUSR1` would then be pending for the process, left over after the waits); the thread's signals taken
    /// after the process's, as if `PIDFD_SIGNAL_THREAD` and a `PIDFD_THREAD` pidfd sent process-wide; an unknown
    /// `pidfd_open` flag taken.
    @Test(arguments: [
        ("pidfd_send_signal(3<pid:15758>, 10, {si_signo=10, si_code=0, si_pid=15759, si_uid=0}, 0) = -1 EPERM (Operation not permitted)",
         "pidfd_send_signal(3<pid:15758>, 10, {si_signo=10, si_code=0, si_pid=15759, si_uid=0}, 0) = 0"),
        ("{si_signo=28, si_code=0xfffffffa, si_pid=15759, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 28 (SIGWINCH)",
         "{si_signo=12, si_code=0, si_pid=15759, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 12 (SIGUSR2)"),
        ("pidfd_open(15758, 0x80) = 4<pid:15758>", "pidfd_open(15758, 0x88) = 4<pid:15758>"),
    ])
    func aPidfdLogEditedIntoWhatTheKernelDoesNotDoIsRejected(original: String, edit: String) throws {
        var edited = Self.pidfdSends.replacingOccurrences(of: original, with: edit)
        if original.contains("si_signo=28") {
            // The third take becomes the thread's SIGWINCH, so that only the order differs.
            edited = edited.replacingOccurrences(
                of: "15758 1796614248.672555 rt_sigtimedwait([10 12 28 35], {si_signo=12, si_code=0, si_pid=15759, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 12 (SIGUSR2)",
                with: "15758 1796614248.672555 rt_sigtimedwait([10 12 28 35], {si_signo=28, si_code=0xfffffffa, si_pid=15759, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 28 (SIGWINCH)")
        }
        #expect(edited != Self.pidfdSends)
        let trace = try StraceImportTests.convert(edited)
        #expect(StraceImportTests.notChecked(trace).isEmpty, "\(StraceImportTests.notChecked(trace))")
        let report = try TraceChecker.check(trace, name: "test.log")
        #expect(report.result == .violation, "\(report.explanation)")
    }

    /// A pidfd is followed as any descriptor: inherited across `fork` and copied by `dup`, it still names the pid it was
    /// opened for.
    @Test func anInheritedAndDuplicatedPidfdStillNamesItsProcess() throws {
        let trace = try StraceImportTests.convert(Self.inheritedPidfd)
        #expect(StraceImportTests.notChecked(trace).isEmpty, "\(StraceImportTests.notChecked(trace))")
        #expect(Self.invocations(trace) == ["pidfd_open", "pidfd_send_signal", "pidfd_send_signal", "wait", "wait", "wait"])
        let report = try TraceChecker.check(trace, name: "test.log")
        #expect(report.result == .ok, "\(report.explanation)")
        // SIGUSR2 taken before SIGUSR1: standard signals pending together are taken lowest first.
        let swapped = Self.inheritedPidfd
            .replacingOccurrences(of: "{si_signo=10, si_code=0, si_pid=25358, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 10 (SIGUSR1)", with: "@@")
            .replacingOccurrences(of: "{si_signo=12, si_code=0, si_pid=25358, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 12 (SIGUSR2)",
                                  with: "{si_signo=10, si_code=0, si_pid=25358, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 10 (SIGUSR1)")
            .replacingOccurrences(of: "@@", with: "{si_signo=12, si_code=0, si_pid=25358, si_uid=0}, {tv_sec=0, tv_nsec=0}, 8) = 12 (SIGUSR2)")
        #expect(swapped != Self.inheritedPidfd)
        #expect(try TraceChecker.check(try StraceImportTests.convert(swapped), name: "test.log").result == .violation)
    }

    /// A pidfd only polled for a child's exit (no signal sent or waited for) makes no receiver: nothing to check.
    @Test func aPidfdOnlyWaitedOnMakesNoReceiver() throws {
        let log = """
            100 1.000100 clone(child_stack=NULL, flags=SIGCHLD) = 101 <0.000010>
            100 1.000200 pidfd_open(101, 0) = 3<pid:101> <0.000005>
            101 1.000300 exit_group(0) = ?
            101 1.000400 +++ exited with 0 +++
            100 1.000500 waitid(P_PIDFD, 3<pid:101>, {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101, si_uid=0, si_status=0, si_utime=0, si_stime=0}, WEXITED, NULL) = 0 <0.000005>
            100 1.000600 close(3<pid:101>) = 0 <0.000005>
            """
        let trace = try StraceImportTests.convert(log)
        #expect(!trace.events.contains { $0.type == .invoke })
        #expect(StraceImportTests.notChecked(trace).contains { $0.contains("no IPC object") }, "\(StraceImportTests.notChecked(trace))")
    }

    /// What the importer cannot tie to a receiver, or the model cannot say, leaves the receiver out with the reason —
    /// never a guess: a pidfd the log does not show opened (the annotation names the pid, the log not how it came), a
    /// send to the process group, a forged `si_pid`, an `EPERM` that is not the forged-code refusal.
    @Test(arguments: [
        ("25357 1796614432.773686 pidfd_open(25357, 0) = 3<pid:25357> <0.000015>\n", "",
         "goes through a pidfd of pid 25357 the log does not show opened by pidfd_open"),
        ("pidfd_send_signal(4<pid:25357>, 12, NULL, 0) = 0", "pidfd_send_signal(4<pid:25357>, 12, NULL, 0x4) = 0",
         "a signal was sent to a process group at line 9"),
        ("pidfd_send_signal(4<pid:25357>, 12, NULL, 0) = 0",
         "pidfd_send_signal(4<pid:25357>, 12, {si_signo=12, si_code=0xffffffff, si_pid=1, si_uid=0, si_int=0, si_ptr=NULL}, 0) = 0",
         "passes si_pid 1, not the sender's"),
        ("pidfd_send_signal(4<pid:25357>, 12, NULL, 0) = 0", "pidfd_send_signal(4<pid:25357>, 12, NULL, 0) = -1 EPERM (Operation not permitted)",
         "failed EPERM: the user's pending-signal limit and credentials are not in the log"),
    ])
    func whatCannotBeTiedOrSaidLeavesTheReceiverOut(original: String, edit: String, reason: String) throws {
        let edited = Self.inheritedPidfd.replacingOccurrences(of: original, with: edit)
        #expect(edited != Self.inheritedPidfd)
        let trace = try StraceImportTests.convert(edited)
        #expect(StraceImportTests.notChecked(trace).contains { $0.contains(reason) }, "\(StraceImportTests.notChecked(trace))")
        #expect(try TraceChecker.check(trace, name: "test.log").result == .unknown)
    }
}
