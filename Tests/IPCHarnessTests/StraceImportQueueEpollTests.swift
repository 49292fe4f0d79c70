import Foundation
import IPCModels
import Testing

@testable import IPCHarness

/// epoll on a POSIX message queue in a log strace wrote here (`strace -f -ttt -T -yy -xx -X raw -s 1048576`) of a small
/// C program, the lines copied as strace printed them (the dynamic loader's left out): the posix-mq model's epoll
/// operations (`{"op", "events"}`, reports naming nothing: the queue is the object), as the eventfd's.
@Suite struct StraceImportQueueEpollTests {
    /// A process makes a queue of 2 messages (nonblocking), registers it edge-triggered for `EPOLLIN|EPOLLOUT` and
    /// waits: `EPOLLOUT` (the ADD's news), then nothing; sends "a": `EPOLLIN|EPOLLOUT`; sends "b": `EPOLLIN` (full);
    /// receives "a": `EPOLLIN|EPOLLOUT`; receives "b", makes it level-triggered `EPOLLIN` (MOD): nothing. A child opens
    /// the queue by name and sends "c" while the parent waits without a timeout: `EPOLLIN`, again at the next wait
    /// (level-triggered); the parent receives "c", reaps the child, unlinks the queue.
    static let queueEpoll = #"""
        454   1796616104.400893 getpid()        = 454 <0.000008>
        454   1796616104.400959 mq_open("\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34", 0x8c2, 0600, {mq_flags=0, mq_maxmsg=2, mq_msgsize=16, mq_curmsgs=0}) = 3<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34> <0.000017>
        454   1796616104.401016 epoll_create1(0x80000) = 4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d> <0.000010>
        454   1796616104.401053 epoll_ctl(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, 0x1, 3<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34>, {events=0x80000005, data={u32=5, u64=5}}) = 0 <0.000010>
        454   1796616104.401093 epoll_wait(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, [{events=0x4, data={u32=5, u64=5}}], 4, 0) = 1 <0.000008>
        454   1796616104.401125 epoll_wait(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, [], 4, 0) = 0 <0.000007>
        454   1796616104.401153 mq_timedsend(3<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34>, "\x61", 1, 0, NULL) = 0 <0.000010>
        454   1796616104.401188 epoll_wait(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, [{events=0x5, data={u32=5, u64=5}}], 4, 0) = 1 <0.000008>
        454   1796616104.401219 mq_timedsend(3<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34>, "\x62", 1, 0, NULL) = 0 <0.000008>
        454   1796616104.401251 epoll_wait(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, [{events=0x1, data={u32=5, u64=5}}], 4, 0) = 1 <0.000008>
        454   1796616104.401283 mq_timedreceive(3<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34>, "\x61", 16, [0], NULL) = 1 <0.000008>
        454   1796616104.401316 epoll_wait(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, [{events=0x5, data={u32=5, u64=5}}], 4, 0) = 1 <0.000007>
        454   1796616104.401346 mq_timedreceive(3<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34>, "\x62", 16, [0], NULL) = 1 <0.000009>
        454   1796616104.401379 epoll_ctl(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, 0x3, 3<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34>, {events=0x1, data={u32=5, u64=5}}) = 0 <0.000008>
        454   1796616104.401418 epoll_wait(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, [], 4, 0) = 0 <0.000008>
        454   1796616104.401447 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f0168732a10) = 457 <0.000068>
        454   1796616104.401542 epoll_wait(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>,  <unfinished ...>
        457   1796616104.402739 mq_open("\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34", 0x1) = 5<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34> <0.000012>
        457   1796616104.402792 mq_timedsend(5<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34>, "\x63", 1, 0, NULL) = 0 <0.000023>
        454   1796616104.402859 <... epoll_wait resumed>[{events=0x1, data={u32=5, u64=5}}], 4, -1) = 1 <0.001303>
        457   1796616104.402881 exit_group(0 <unfinished ...>
        454   1796616104.402907 epoll_wait(4<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, [{events=0x1, data={u32=5, u64=5}}], 4, 0) = 1 <0.000009>
        457   1796616104.402941 <... exit_group resumed>) = ?
        454   1796616104.402957 mq_timedreceive(3<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34>, "\x63", 16, [0], NULL) = 1 <0.000009>
        457   1796616104.403010 +++ exited with 0 +++
        454   1796616104.403024 --- SIGCHLD {si_signo=17, si_code=0x1, si_pid=457, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
        454   1796616104.403046 wait4(457, NULL, 0, NULL) = 457 <0.000017>
        454   1796616104.403083 mq_unlink("\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34") = 0 <0.000010>
        454   1796616104.403121 exit_group(0)   = ?
        454   1796616104.403218 +++ exited with 0 +++
        """#

    static let queue = "mq-ipch-strace-454"

    @Test func epollOnAQueueIsThePosixQueueModels() throws {
        let trace = try StraceImportTests.convert(Self.queueEpoll)
        #expect(StraceImportTests.notChecked(trace).isEmpty, "\(StraceImportTests.notChecked(trace))")
        let calls = trace.events.filter { $0.type == .invoke && $0.object == Self.queue }.map(\.f)
        #expect(calls.filter { $0?.hasPrefix("epoll") == true }.count == 10)
        let controls = trace.events.filter { $0.type == .invoke && $0.f == "epoll_ctl" }.map(\.value)
        #expect(controls == [
            ["op": "EPOLL_CTL_ADD", "events": ["EPOLLIN", "EPOLLOUT", "EPOLLET"]], ["op": "EPOLL_CTL_MOD", "events": ["EPOLLIN"]],
        ])
        let reports = trace.events.filter { $0.type == .ok && $0.f == "epoll_wait" }.map(\.value)
        #expect(reports.first == ["events": [["events": ["EPOLLOUT"]]]])
        let report = try TraceChecker.check(trace, name: "test.log")
        #expect(report.result == .ok, "\(report.explanation)")
    }

    /// Edited into what the kernel does not do, each is rejected: the edge-triggered wait after the receive finding
    /// nothing (every receive is news); the wait after the ADD's news reporting `EPOLLOUT` again (no news since); the
    /// full queue reported writable.
    @Test(arguments: [
        ("[{events=0x5, data={u32=5, u64=5}}], 4, 0) = 1 <0.000007>", "[], 4, 0) = 0 <0.000007>"),
        ("[], 4, 0) = 0 <0.000007>", "[{events=0x4, data={u32=5, u64=5}}], 4, 0) = 1 <0.000007>"),
        ("[{events=0x1, data={u32=5, u64=5}}], 4, 0) = 1 <0.000008>", "[{events=0x5, data={u32=5, u64=5}}], 4, 0) = 1 <0.000008>"),
    ])
    func aQueueEpollLogEditedIntoWhatTheKernelDoesNotDoIsRejected(original: String, edit: String) throws {
        #expect(Self.queueEpoll.components(separatedBy: original).count == 2, "\(original) is not on one line")
        let edited = Self.queueEpoll.replacingOccurrences(of: original, with: edit)
        let trace = try StraceImportTests.convert(edited)
        #expect(StraceImportTests.notChecked(trace).isEmpty, "\(StraceImportTests.notChecked(trace))")
        let report = try TraceChecker.check(trace, name: "test.log")
        #expect(report.result == .violation, "\(report.explanation)")
    }

    /// The registered descriptor's number given another open of the queue (`dup2` over it, which closes the
    /// registered description): the kernel drops the registration with the description, the model at a close the
    /// importer does not record — the instance's calls are left out and listed, and the queue is checked without them.
    @Test func anInstanceWhoseQueueDescriptorWasReplacedIsLeftOut() throws {
        let replaced = #"""
            454   1796616104.401400 mq_open("\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34", 0x802) = 5<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34> <0.000005>
            454   1796616104.401410 dup2(5<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34>, 3<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34>) = 3<\x2f\x69\x70\x63\x68\x2d\x73\x74\x72\x61\x63\x65\x2d\x34\x35\x34> <0.000005>
            """#
        let anchor = "454   1796616104.401418 epoll_wait("
        var lines = Self.queueEpoll.components(separatedBy: "\n")
        let index = try #require(lines.firstIndex { $0.hasPrefix(anchor) })
        lines.insert(contentsOf: replaced.components(separatedBy: "\n"), at: index)
        let trace = try StraceImportTests.convert(lines.joined(separator: "\n"))
        let notChecked = StraceImportTests.notChecked(trace)
        #expect(notChecked.contains { $0.hasPrefix("epoll calls on an instance that is not one process's for one object alone") }, "\(notChecked)")
        #expect(!trace.events.contains { $0.f?.hasPrefix("epoll") == true })
        #expect(try TraceChecker.check(trace, name: "test.log").result == .ok)
    }
}
