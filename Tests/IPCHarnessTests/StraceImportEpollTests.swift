import Foundation
import IPCModels
import Testing

@testable import IPCHarness

/// `epoll_ctl`, `epoll_wait`, `epoll_pwait` and `epoll_pwait2` on a pipe, in a log strace wrote here
/// (`strace -f -ttt -T -yy -xx -X raw -s 1048576`) of a small C program: the lines are copied as strace printed them.
@Suite struct StraceImportEpollTests {
    /// A parent makes a pipe and forks a writer that writes "a" and exits; the parent closes its write end, registers
    /// the read end `EPOLLIN|EPOLLET` (data 5) on a new instance, waits with `epoll_pwait2` (no timeout: `EPOLLIN`),
    /// reads "a", waits with `epoll_wait` (-1: `EPOLLHUP` once the writer has gone), with `epoll_pwait` (timeout 0,
    /// mask `SIGUSR1`: nothing new, edge-triggered) and with `maxevents` 0 (`EINVAL`).
    static let log = #"""
        13533 1796586761.451257 pipe2([3<\x70\x69\x70\x65\x3a\x5b\x34\x30\x32\x31\x36\x36\x30\x5d>, 4<\x70\x69\x70\x65\x3a\x5b\x34\x30\x32\x31\x36\x36\x30\x5d>], 0) = 0 <0.000012>
        13533 1796586761.451306 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f79ac5c8a10) = 13534 <0.000096>
        13533 1796586761.451445 close(4<\x70\x69\x70\x65\x3a\x5b\x34\x30\x32\x31\x36\x36\x30\x5d> <unfinished ...>
        13534 1796586761.451458 set_robust_list(0x7f79ac5c8a20, 24) = 0 <0.000008>
        13533 1796586761.451483 <... close resumed>) = 0 <0.000026>
        13533 1796586761.451525 epoll_create1(0x80000 <unfinished ...>
        13534 1796586761.451533 close(3<\x70\x69\x70\x65\x3a\x5b\x34\x30\x32\x31\x36\x36\x30\x5d> <unfinished ...>
        13533 1796586761.451559 <... epoll_create1 resumed>) = 4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d> <0.000028>
        13533 1796586761.451581 epoll_ctl(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, 0x1, 3<\x70\x69\x70\x65\x3a\x5b\x34\x30\x32\x31\x36\x36\x30\x5d>, {events=0x80000001, data={u32=5, u64=5}} <unfinished ...>
        13534 1796586761.451607 <... close resumed>) = 0 <0.000058>
        13533 1796586761.451622 <... epoll_ctl resumed>) = 0 <0.000023>
        13534 1796586761.451635 write(4<\x70\x69\x70\x65\x3a\x5b\x34\x30\x32\x31\x36\x36\x30\x5d>, "\x61", 1 <unfinished ...>
        13533 1796586761.451660 epoll_pwait2(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>,  <unfinished ...>
        13534 1796586761.451676 <... write resumed>) = 1 <0.000025>
        13533 1796586761.451685 <... epoll_pwait2 resumed>[{events=0x1, data={u32=5, u64=5}}], 4, NULL, NULL, 8) = 1 <0.000016>
        13533 1796586761.451710 read(3<\x70\x69\x70\x65\x3a\x5b\x34\x30\x32\x31\x36\x36\x30\x5d>,  <unfinished ...>
        13534 1796586761.451726 exit_group(0 <unfinished ...>
        13533 1796586761.451739 <... read resumed>"\x61", 8) = 1 <0.000019>
        13534 1796586761.451749 <... exit_group resumed>) = ?
        13533 1796586761.451814 epoll_wait(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>,  <unfinished ...>
        13534 1796586761.451830 +++ exited with 0 +++
        13533 1796586761.451837 <... epoll_wait resumed>[{events=0x10, data={u32=5, u64=5}}], 4, -1) = 1 <0.000013>
        13533 1796586761.451855 --- SIGCHLD {si_signo=17, si_code=0x1, si_pid=13534, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
        13533 1796586761.451876 epoll_pwait(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, [], 4, 0, [10], 8) = 0 <0.000007>
        13533 1796586761.451917 epoll_wait(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, 0x7fff2a2b93d0, 0, 0) = -1 EINVAL (Invalid argument) <0.000007>
        13533 1796586761.451949 wait4(13534, NULL, 0, NULL) = 13534 <0.000018>
        13533 1796586761.451985 close(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>) = 0 <0.000010>
        13533 1796586761.452016 close(3<\x70\x69\x70\x65\x3a\x5b\x34\x30\x32\x31\x36\x36\x30\x5d>) = 0 <0.000010>
        13533 1796586761.452056 exit_group(0)   = ?
        13533 1796586761.452140 +++ exited with 0 +++
        """#

    static func operations(_ trace: Trace) -> [(f: String, value: JSONValue?)] {
        trace.events.filter { $0.type == .invoke && $0.f?.hasPrefix("epoll") == true }.map { ($0.f ?? "", $0.value) }
    }

    @Test func theEpollCallsOnAPipeAreThePipeModelsAndPass() throws {
        let trace = try StraceImportTests.convert(Self.log)
        #expect(StraceImportTests.notChecked(trace).isEmpty, "\(StraceImportTests.notChecked(trace))")
        let epoll = Self.operations(trace)
        #expect(epoll.map(\.f) == ["epoll_ctl", "epoll_pwait2", "epoll_wait", "epoll_pwait", "epoll_wait"])
        #expect(epoll.map(\.value) == [
            ["op": "EPOLL_CTL_ADD", "end": "read", "events": ["EPOLLIN", "EPOLLET"]],
            ["maxevents": 4, "timeout": .null],
            ["maxevents": 4, "timeout": -1],
            ["maxevents": 4, "timeout": 0, "sigmask": [10]],
            ["maxevents": 0, "timeout": 0],
        ])
        let reports = trace.events.filter { $0.type == .ok && $0.f?.hasPrefix("epoll_") == true && $0.f != "epoll_ctl" }.map(\.value)
        #expect(reports == [
            ["events": [["end": "read", "events": ["EPOLLIN"]]]], ["events": [["end": "read", "events": ["EPOLLHUP"]]]], ["events": []],
        ])
        #expect(trace.events.contains { $0.type == .fail && $0.f == "epoll_wait" && $0.error == "EINVAL" })
        let report = try TraceChecker.check(trace, name: "test.log")
        #expect(report.result == .ok, "\(report.explanation)")
    }

    /// Edited: the `epoll_pwait` after the read reports `EPOLLIN` — an edge-triggered registration with nothing new
    /// and an empty pipe: rejected.
    @Test func anEdgeTriggeredReportWithNothingNewIsAViolation() throws {
        let edited = Self.log.replacingOccurrences(
            of: "[], 4, 0, [10], 8) = 0", with: "[{events=0x1, data={u32=5, u64=5}}], 4, 0, [10], 8) = 1")
        #expect(edited != Self.log)
        let report = try StraceImportTests.check(edited)
        #expect(report.result == .violation, "\(report.explanation)")
        #expect(report.explanation.contains("epoll_pwait"))
    }

    /// Hand-made, with strace's flag names (no `-X raw`): one process's instance holding both ends of one pipe, told
    /// apart by their data — imported; the same with one data for both ends, or with a second pipe on the instance —
    /// its calls left out and listed, the pipe checked without them.
    static let twoEnds = """
        100 1.000100 pipe2([3<pipe:[7]>, 4<pipe:[7]>], 0) = 0 <0.000001>
        100 1.000200 epoll_create1(0) = 5<anon_inode:[eventpoll]> <0.000001>
        100 1.000300 epoll_ctl(5<anon_inode:[eventpoll]>, EPOLL_CTL_ADD, 3<pipe:[7]>, {events=EPOLLIN, data={u32=1, u64=1}}) = 0 <0.000001>
        100 1.000400 epoll_ctl(5<anon_inode:[eventpoll]>, EPOLL_CTL_ADD, 4<pipe:[7]>, {events=EPOLLOUT, data={u32=2, u64=2}}) = 0 <0.000001>
        100 1.000500 write(4<pipe:[7]>, "a", 1) = 1 <0.000001>
        100 1.000600 epoll_wait(5<anon_inode:[eventpoll]>, [{events=EPOLLIN, data={u32=1, u64=1}}, {events=EPOLLOUT, data={u32=2, u64=2}}], 4, 0) = 2 <0.000001>
        100 1.000700 epoll_ctl(5<anon_inode:[eventpoll]>, EPOLL_CTL_DEL, 4<pipe:[7]>, NULL) = 0 <0.000001>
        100 1.000800 epoll_wait(5<anon_inode:[eventpoll]>, [{events=EPOLLIN, data={u32=1, u64=1}}], 4, 0) = 1 <0.000001>
        """

    @Test func bothEndsOfOnePipeOnOneInstanceAreImported() throws {
        let trace = try StraceImportTests.convert(Self.twoEnds)
        #expect(StraceImportTests.notChecked(trace).isEmpty, "\(StraceImportTests.notChecked(trace))")
        #expect(Self.operations(trace).map(\.f) == ["epoll_ctl", "epoll_ctl", "epoll_wait", "epoll_ctl", "epoll_wait"])
        #expect(Self.operations(trace)[3].value == ["op": "EPOLL_CTL_DEL", "end": "write"])
        #expect(try TraceChecker.check(trace, name: "test.log").result == .ok)
        // The write end's report after its DEL: rejected.
        let edited = Self.twoEnds.replacingOccurrences(
            of: "[{events=EPOLLIN, data={u32=1, u64=1}}], 4, 0) = 1",
            with: "[{events=EPOLLIN, data={u32=1, u64=1}}, {events=EPOLLOUT, data={u32=2, u64=2}}], 4, 0) = 2")
        #expect(try StraceImportTests.check(edited).result == .violation)
    }

    @Test(arguments: [
        ("{events=EPOLLOUT, data={u32=2, u64=2}}", "{events=EPOLLOUT, data={u32=1, u64=1}}"),
        // EPOLLEXCLUSIVE (whether a wake reached it depends on registrations the log may not show).
        ("{events=EPOLLOUT, data={u32=2, u64=2}}", "{events=EPOLLOUT|EPOLLEXCLUSIVE, data={u32=2, u64=2}}"),
        // DEL through a dup of the write end (the kernel's ENOENT: its registration is under number 4).
        ("100 1.000700 epoll_ctl(5<anon_inode:[eventpoll]>, EPOLL_CTL_DEL, 4<pipe:[7]>, NULL) = 0 <0.000001>",
         "100 1.000650 dup(4<pipe:[7]>) = 6<pipe:[7]> <0.000001>\n100 1.000700 epoll_ctl(5<anon_inode:[eventpoll]>, EPOLL_CTL_DEL, 6<pipe:[7]>, NULL) = -1 ENOENT (No such file or directory) <0.000001>"),
        ("100 1.000500 write", "100 1.000410 pipe2([6<pipe:[8]>, 7<pipe:[8]>], 0) = 0 <0.000001>\n100 1.000420 epoll_ctl(5<anon_inode:[eventpoll]>, EPOLL_CTL_ADD, 6<pipe:[8]>, {events=EPOLLIN, data={u32=3, u64=3}}) = 0 <0.000001>\n100 1.000500 write"),
    ])
    func anInstanceThatIsNotOneProcesssForOnePipeIsLeftOut(from: String, to: String) throws {
        let edited = Self.twoEnds.replacingOccurrences(of: from, with: to)
        #expect(edited != Self.twoEnds)
        let trace = try StraceImportTests.convert(edited)
        #expect(Self.operations(trace).isEmpty)
        let lines = StraceImportTests.notChecked(trace)
        #expect(lines.contains { $0.hasPrefix("epoll calls on an instance that is not one process's for one object alone") }, "\(lines)")
        #expect(try TraceChecker.check(trace, name: "test.log").result == .ok)
    }
}
