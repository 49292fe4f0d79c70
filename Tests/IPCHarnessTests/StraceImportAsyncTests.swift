import Foundation
import IPCModels
import Testing

@testable import IPCHarness

/// `O_ASYNC` and the calls beside it (`F_SETOWN`, `F_SETSIG`), and the epoll waits, in logs strace wrote here
/// (`strace -f -ttt -T -yy -xx -X raw -s 1048576`) of small C programs: the lines are copied as strace printed them.
@Suite struct StraceImportAsyncTests {
    /// A process blocks `SIGIO` and `SIGRTMIN+1`, makes a pipe, makes itself the read end's owner with `F_SETSIG`
    /// `SIGRTMIN+1` and `O_ASYNC|O_NONBLOCK`, writes "hi", takes the signal (`POLL_IN`), reads "hi" and `EAGAIN`;
    /// registers the read end with an epoll instance, writes "x", waits with `epoll_pwait` (a mask), `epoll_pwait2`
    /// (a zero timespec) and `epoll_wait`, each reporting `EPOLLIN` (StraceImportEpollTests has the epoll calls); turns
    /// `O_ASYNC` off and reads "x".
    static let asyncPipe = #"""
        32126 1796586044.115326 rt_sigprocmask(0, [29 35], NULL, 8) = 0 <0.000008>
        32126 1796586044.115362 pipe2([3<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>, 4<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>], 0) = 0 <0.000013>
        32126 1796586044.115413 getpid()        = 32126 <0.000008>
        32126 1796586044.115440 fcntl(3<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>, 0x8, 32126) = 0 <0.000009>
        32126 1796586044.115471 fcntl(3<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>, 0xa, 35) = 0 <0.000008>
        32126 1796586044.115500 fcntl(3<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>, 0x4, 0x2800) = 0 <0.000009>
        32126 1796586044.115531 write(4<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>, "\x68\x69", 2) = 2 <0.000011>
        32126 1796586044.115568 rt_sigtimedwait([29 35], {si_signo=35, si_code=0x1, si_pid=65, si_uid=0, si_int=3, si_ptr=0x3}, {tv_sec=0, tv_nsec=0}, 8) = 35 (SIGRT_3) <0.000009>
        32126 1796586044.115604 read(3<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>, "\x68\x69", 8) = 2 <0.000009>
        32126 1796586044.115636 read(3<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>, 0x7ffce01bfb88, 8) = -1 EAGAIN (Resource temporarily unavailable) <0.000008>
        32126 1796586044.115669 epoll_create1(0x80000) = 5<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d> <0.000010>
        32126 1796586044.115705 epoll_ctl(5<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, 0x1, 3<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>, {events=0x1, data={u32=7, u64=7}}) = 0 <0.000011>
        32126 1796586044.115743 write(4<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>, "\x78", 1) = 1 <0.000009>
        32126 1796586044.115776 epoll_pwait(5<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, [{events=0x1, data={u32=7, u64=7}}], 4, 0, [29 35], 8) = 1 <0.000009>
        32126 1796586044.115811 epoll_pwait2(5<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, [{events=0x1, data={u32=7, u64=7}}], 4, {tv_sec=0, tv_nsec=0}, NULL, 8) = 1 <0.000008>
        32126 1796586044.115844 epoll_wait(5<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>, [{events=0x1, data={u32=7, u64=7}}], 4, 0) = 1 <0.000008>
        32126 1796586044.115876 fcntl(3<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>, 0x4, 0x800) = 0 <0.000008>
        32126 1796586044.115909 read(3<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>, "\x78", 8) = 1 <0.000008>
        32126 1796586044.115941 close(5<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x70\x6f\x6c\x6c\x5d>) = 0 <0.000010>
        32126 1796586044.115972 close(3<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>) = 0 <0.000009>
        32126 1796586044.116002 close(4<\x70\x69\x70\x65\x3a\x5b\x33\x37\x39\x35\x30\x32\x35\x5d>) = 0 <0.000011>
        32126 1796586044.116039 exit_group(0)   = ?
        32126 1796586044.116133 +++ exited with 0 +++
        """#

    /// A process blocks `SIGIO`, makes a stream socket pair, makes itself end b's owner, sets `O_ASYNC` on it and
    /// sends "ab" from a to b; makes an eventfd with `O_ASYNC` (which an eventfd drops) and writes and reads 1; makes a
    /// pipe, sets `O_ASYNC|O_NONBLOCK` on its read end, clears `O_NONBLOCK` with `FIONBIO`, writes "z" and reads it.
    static let asyncSocketEventfdAndPipe = #"""
        4154  1796586281.334427 rt_sigprocmask(0, [29], NULL, 8) = 0 <0.000007>
        4154  1796586281.334461 socketpair(0x1, 0x1, 0, [3<UNIX-STREAM:[3829768->3829769]>, 4<UNIX-STREAM:[3829769->3829768]>]) = 0 <0.000021>
        4154  1796586281.334587 getpid()        = 4154 <0.000007>
        4154  1796586281.334615 fcntl(4<UNIX-STREAM:[3829769->3829768]>, 0x8, 4154) = 0 <0.000008>
        4154  1796586281.334646 fcntl(4<UNIX-STREAM:[3829769->3829768]>, 0x4, 0x2000) = 0 <0.000009>
        4154  1796586281.334676 write(3<UNIX-STREAM:[3829768->3829769]>, "\x61\x62", 2) = 2 <0.000012>
        4154  1796586281.334714 read(4<UNIX-STREAM:[3829769->3829768]>, "\x61\x62", 8) = 2 <0.000011>
        4154  1796586281.334748 eventfd2(0, 0)  = 5<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x66\x64\x5d> <0.000010>
        4154  1796586281.334785 fcntl(5<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x66\x64\x5d>, 0x4, 0x2000) = 0 <0.000008>
        4154  1796586281.334814 write(5<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x66\x64\x5d>, "\x01\x00\x00\x00\x00\x00\x00\x00", 8) = 8 <0.000008>
        4154  1796586281.334844 read(5<\x61\x6e\x6f\x6e\x5f\x69\x6e\x6f\x64\x65\x3a\x5b\x65\x76\x65\x6e\x74\x66\x64\x5d>, "\x01\x00\x00\x00\x00\x00\x00\x00", 8) = 8 <0.000008>
        4154  1796586281.334875 pipe2([6<\x70\x69\x70\x65\x3a\x5b\x33\x38\x32\x39\x37\x37\x34\x5d>, 7<\x70\x69\x70\x65\x3a\x5b\x33\x38\x32\x39\x37\x37\x34\x5d>], 0) = 0 <0.000011>
        4154  1796586281.334916 fcntl(6<\x70\x69\x70\x65\x3a\x5b\x33\x38\x32\x39\x37\x37\x34\x5d>, 0x4, 0x2800) = 0 <0.000008>
        4154  1796586281.334946 ioctl(6<\x70\x69\x70\x65\x3a\x5b\x33\x38\x32\x39\x37\x37\x34\x5d>, 0x5421, [0]) = 0 <0.000008>
        4154  1796586281.334978 write(7<\x70\x69\x70\x65\x3a\x5b\x33\x38\x32\x39\x37\x37\x34\x5d>, "\x7a", 1) = 1 <0.000008>
        4154  1796586281.335009 read(6<\x70\x69\x70\x65\x3a\x5b\x33\x38\x32\x39\x37\x37\x34\x5d>, "\x7a", 8) = 1 <0.000008>
        4154  1796586281.335041 exit_group(0)   = ?
        4154  1796586281.335140 +++ exited with 0 +++
        """#

    /// `FIONREAD` through both ends of a pipe (5 bytes written, then read): the read end's is the pipe model's
    /// `available`, the write end's its `ioctl` `FIONREAD` — the bytes in the pipe either way (KernelPipeIoctlFactsTests).
    static let fionreadBothEnds = #"""
        5534  1796588617.018773 pipe2([3<\x70\x69\x70\x65\x3a\x5b\x34\x39\x39\x31\x32\x38\x35\x5d>, 4<\x70\x69\x70\x65\x3a\x5b\x34\x39\x39\x31\x32\x38\x35\x5d>], 0) = 0 <0.000049>
        5534  1796588617.018860 write(4<\x70\x69\x70\x65\x3a\x5b\x34\x39\x39\x31\x32\x38\x35\x5d>, "\x61\x62\x63\x64\x65", 5) = 5 <0.000010>
        5534  1796588617.018897 ioctl(4<\x70\x69\x70\x65\x3a\x5b\x34\x39\x39\x31\x32\x38\x35\x5d>, 0x541b, [5]) = 0 <0.000009>
        5534  1796588617.018931 ioctl(3<\x70\x69\x70\x65\x3a\x5b\x34\x39\x39\x31\x32\x38\x35\x5d>, 0x541b, [5]) = 0 <0.000008>
        5534  1796588617.018963 read(3<\x70\x69\x70\x65\x3a\x5b\x34\x39\x39\x31\x32\x38\x35\x5d>, "\x61\x62\x63\x64\x65", 8) = 5 <0.000009>
        5534  1796588617.018995 ioctl(4<\x70\x69\x70\x65\x3a\x5b\x34\x39\x39\x31\x32\x38\x35\x5d>, 0x541b, [0]) = 0 <0.000008>
        5534  1796588617.019026 close(3<\x70\x69\x70\x65\x3a\x5b\x34\x39\x39\x31\x32\x38\x35\x5d>) = 0 <0.000009>
        5534  1796588617.019056 close(4<\x70\x69\x70\x65\x3a\x5b\x34\x39\x39\x31\x32\x38\x35\x5d>) = 0 <0.000014>
        5534  1796588617.019098 exit_group(0)   = ?
        5534  1796588617.019195 +++ exited with 0 +++
        """#

    @Test func fionreadThroughTheWriteEndIsThePipeModelsIoctl() throws {
        let trace = try StraceImportTests.convert(Self.fionreadBothEnds)
        #expect(StraceImportTests.notChecked(trace).isEmpty, "\(StraceImportTests.notChecked(trace))")
        let calls = trace.events.filter { $0.type == .invoke }.map(\.f)
        #expect(calls == ["write", "ioctl", "available", "read", "ioctl"])
        #expect(try TraceChecker.check(trace, name: "test.log").result == .ok)
        // The write end's first count edited to 4: no pipe holding 5 bytes reports that.
        let edited = Self.fionreadBothEnds.replacingOccurrences(of: "0x541b, [5]) = 0 <0.000009>", with: "0x541b, [4]) = 0 <0.000009>")
        #expect(edited != Self.fionreadBothEnds)
        #expect(try TraceChecker.check(try StraceImportTests.convert(edited), name: "test.log").result == .violation)
    }

    static func fcntlValues(_ trace: Trace, object: String) -> [JSONValue?] {
        trace.events.filter { $0.type == .invoke && $0.f == "fcntl" && $0.object == object }.map(\.value)
    }

    @Test func anAsyncPipesFcntlAndEpollCallsAreThePipeModels() throws {
        let trace = try StraceImportTests.convert(Self.asyncPipe)
        #expect(trace.header.model == "pipe")
        #expect(!StraceImportTests.notChecked(trace).contains { $0.contains("pipe 3795025") }, "\(StraceImportTests.notChecked(trace))")
        #expect(Self.fcntlValues(trace, object: "pipe-3795025") == [
            ["end": "read", "cmd": "F_SETOWN", "owner": "process", "process": 1],
            ["end": "read", "cmd": "F_SETSIG", "signal": 35],
            ["end": "read", "cmd": "F_SETFL", "nonblocking": true, "async": true],
            ["end": "read", "cmd": "F_SETFL", "nonblocking": true, "async": false],
        ])
        let operations = trace.events.filter { $0.type == .invoke && $0.object == "pipe-3795025" }.map(\.f)
        #expect(operations == [
            "fcntl", "fcntl", "fcntl", "write", "read", "read", "epoll_ctl", "write", "epoll_pwait", "epoll_pwait2", "epoll_wait",
            "fcntl", "read",
        ])
        let report = try TraceChecker.check(trace, name: "test.log")
        #expect(report.result == .ok, "\(report.explanation)")
    }

    /// The same log with `O_NONBLOCK` taken out of the `F_SETFL` (0x2000): the read that failed `EAGAIN` was then a
    /// blocking read of an empty pipe whose writer is open, which never fails so — rejected.
    @Test func anAsyncPipeLogEditedToDropONonblockIsAViolation() throws {
        let edited = Self.asyncPipe.replacingOccurrences(of: "0x4, 0x2800)", with: "0x4, 0x2000)")
        #expect(edited != Self.asyncPipe)
        let trace = try StraceImportTests.convert(edited)
        #expect(Self.fcntlValues(trace, object: "pipe-3795025")[2] == ["end": "read", "cmd": "F_SETFL", "nonblocking": false, "async": true])
        let report = try TraceChecker.check(trace, name: "test.log")
        #expect(report.result == .violation, "\(report.explanation)")
        #expect(report.explanation.contains("EAGAIN"))
    }

    /// A process makes a pipe, sets its read end nonblocking with `FIONBIO` 1 and reads `EAGAIN`, sets `FIOCLEX` on the
    /// write end, writes "a" and reads it, clears `O_NONBLOCK` with `FIONBIO` 0 and `FD_CLOEXEC` with `FIONCLEX`, writes
    /// "bc" and reads it with a blocking read (libuv sets descriptors so).
    static let pipeIoctls = #"""
        7168  1796596178.821113 pipe2([3<\x70\x69\x70\x65\x3a\x5b\x36\x39\x35\x30\x30\x33\x35\x5d>, 4<\x70\x69\x70\x65\x3a\x5b\x36\x39\x35\x30\x30\x33\x35\x5d>], 0) = 0 <0.000031>
        7168  1796596178.821229 ioctl(3<\x70\x69\x70\x65\x3a\x5b\x36\x39\x35\x30\x30\x33\x35\x5d>, 0x5421, [1]) = 0 <0.000009>
        7168  1796596178.821275 read(3<\x70\x69\x70\x65\x3a\x5b\x36\x39\x35\x30\x30\x33\x35\x5d>, 0x7ffc312d61ef, 1) = -1 EAGAIN (Resource temporarily unavailable) <0.000008>
        7168  1796596178.821310 ioctl(4<\x70\x69\x70\x65\x3a\x5b\x36\x39\x35\x30\x30\x33\x35\x5d>, 0x5451) = 0 <0.000007>
        7168  1796596178.821339 write(4<\x70\x69\x70\x65\x3a\x5b\x36\x39\x35\x30\x30\x33\x35\x5d>, "\x61", 1) = 1 <0.000009>
        7168  1796596178.821374 read(3<\x70\x69\x70\x65\x3a\x5b\x36\x39\x35\x30\x30\x33\x35\x5d>, "\x61", 1) = 1 <0.000008>
        7168  1796596178.821404 ioctl(3<\x70\x69\x70\x65\x3a\x5b\x36\x39\x35\x30\x30\x33\x35\x5d>, 0x5421, [0]) = 0 <0.000007>
        7168  1796596178.821434 ioctl(4<\x70\x69\x70\x65\x3a\x5b\x36\x39\x35\x30\x30\x33\x35\x5d>, 0x5450) = 0 <0.000007>
        7168  1796596178.821461 write(4<\x70\x69\x70\x65\x3a\x5b\x36\x39\x35\x30\x30\x33\x35\x5d>, "\x62\x63", 2) = 2 <0.000008>
        7168  1796596178.821491 read(3<\x70\x69\x70\x65\x3a\x5b\x36\x39\x35\x30\x30\x33\x35\x5d>, "\x62\x63", 2) = 2 <0.000007>
        7168  1796596178.821522 close(3<\x70\x69\x70\x65\x3a\x5b\x36\x39\x35\x30\x30\x33\x35\x5d>) = 0 <0.000009>
        7168  1796596178.821551 close(4<\x70\x69\x70\x65\x3a\x5b\x36\x39\x35\x30\x30\x33\x35\x5d>) = 0 <0.000013>
        7168  1796596178.821590 exit_group(0)   = ?
        7168  1796596178.821755 +++ exited with 0 +++
        """#

    /// `FIONBIO`, `FIOCLEX` and `FIONCLEX` on a pipe's ends are the pipe model's `ioctl` operations (``PipeModel/IORequest``),
    /// with their outcomes, and still followed as descriptor state (`O_NONBLOCK` for the reads after them).
    @Test func aPipesFionbioFioclexAndFionclexAreThePipeModelsIoctls() throws {
        let trace = try StraceImportTests.convert(Self.pipeIoctls)
        #expect(StraceImportTests.notChecked(trace).isEmpty, "\(StraceImportTests.notChecked(trace))")
        let calls = trace.events.filter { $0.type == .invoke }.map(\.f)
        #expect(calls == ["ioctl", "read", "ioctl", "write", "read", "ioctl", "ioctl", "write", "read"])
        let ioctls = trace.events.filter { $0.type == .invoke && $0.f == "ioctl" }.map(\.value)
        #expect(ioctls == [
            ["end": "read", "request": "FIONBIO", "on": true], ["end": "write", "request": "FIOCLEX"],
            ["end": "read", "request": "FIONBIO", "on": false], ["end": "write", "request": "FIONCLEX"],
        ])
        let report = try TraceChecker.check(trace, name: "test.log")
        #expect(report.result == .ok, "\(report.explanation)")
        // FIONCLEX edited to fail EINVAL: on an end the process holds it never fails (KernelPipeIoctlFactsTests).
        let failed = Self.pipeIoctls.replacingOccurrences(of: "0x5450) = 0", with: "0x5450) = -1 EINVAL (Invalid argument)")
        #expect(failed != Self.pipeIoctls)
        #expect(try TraceChecker.check(try StraceImportTests.convert(failed), name: "test.log").result == .violation)
        // FIONBIO 0 edited into an F_SETFL clearing O_NONBLOCK (not recorded): the model keeps the read end
        // nonblocking, so the blocking read after it cannot be judged — the pipe is listed, not misjudged.
        let cleared = Self.pipeIoctls.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.contains("0x5421, [0]")
                ? line.replacingOccurrences(of: "ioctl(", with: "fcntl(").replacingOccurrences(of: "0x5421, [0]", with: "0x4, 0") : String(line)
        }.joined(separator: "\n")
        #expect(cleared != Self.pipeIoctls)
        let lines = StraceImportTests.notChecked(try StraceImportTests.convert(cleared))
        #expect(lines.contains { $0.contains("pipe 6950035") && $0.contains("the read at line 10 is blocking") }, "\(lines)")
    }

    @Test func anAsyncSocketPairIsTheUnixSocketModelsAnEventfdDropsItAndAPipesFionbioIsFollowed() throws {
        let trace = try StraceImportTests.convert(Self.asyncSocketEventfdAndPipe)
        #expect(Self.fcntlValues(trace, object: "socketpair-3829768") == [
            ["end": "b", "cmd": "F_SETOWN", "owner": "process", "process": 1],
            ["end": "b", "cmd": "F_SETFL", "async": true],
        ])
        #expect(Self.fcntlValues(trace, object: "eventfd-1").isEmpty)
        #expect(trace.events.contains { $0.object == "eventfd-1" && $0.f == "read" })
        // The pipe's FIONBIO 0 after its F_SETFL(O_ASYNC|O_NONBLOCK) is the model's ioctl, so its blocking read is judged.
        let lines = StraceImportTests.notChecked(trace)
        #expect(lines.isEmpty, "\(lines)")
        #expect(trace.events.contains { $0.object == "pipe-3829774" && $0.f == "ioctl" && $0.value == ["end": "read", "request": "FIONBIO", "on": false] })
        let report = try TraceChecker.check(trace, name: "test.log")
        #expect(report.result == .ok, "\(report.explanation)")
        // Edited so that b reads what a never sent: rejected by the unix-socket model, O_ASYNC and all.
        let edited = Self.asyncSocketEventfdAndPipe.replacingOccurrences(
            of: #"read(4<UNIX-STREAM:[3829769->3829768]>, "\x61\x62", 8)"#, with: #"read(4<UNIX-STREAM:[3829769->3829768]>, "\x62\x61", 8)"#)
        #expect(try TraceChecker.check(try StraceImportTests.convert(edited), name: "test.log").result == .violation)
    }

    /// Owners by the trace's numbers: a child of the log that never held the pipe (and exits while it owns it), a pid
    /// outside the log (`"other"`); a process group cannot be named (its members are not in the log).
    @Test func ownersAreTheTracesProcessesOrOthersAndAGroupExcludesThePipe() throws {
        let log = """
            100 1000.000200 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 101 <0.000050>
            100 1000.000300 pipe2([3<pipe:[11]>, 4<pipe:[11]>], 0) = 0 <0.000010>
            100 1000.000310 fcntl(3<pipe:[11]>, F_SETOWN, 101) = 0 <0.000005>
            100 1000.000320 fcntl(3<pipe:[11]>, F_SETFL, O_ASYNC) = 0 <0.000005>
            100 1000.000400 write(4<pipe:[11]>, "hello ", 6) = 6 <0.000005>
            101 1000.000500 exit_group(0) = ?
            101 1000.000600 +++ exited with 0 +++
            100 1000.000700 read(3<pipe:[11]>, "hello ", 6) = 6 <0.000005>
            100 1000.000710 fcntl(3<pipe:[11]>, F_SETOWN, 1) = 0 <0.000005>
            100 1000.000720 write(4<pipe:[11]>, "x", 1) = 1 <0.000005>
            100 1000.000800 close(4<pipe:[11]>) = 0 <0.000005>
            100 1000.000900 close(3<pipe:[11]>) = 0 <0.000005>
            100 1000.001300 exit_group(0) = ?
            100 1000.001400 +++ exited with 0 +++
            """
        let trace = try StraceImportTests.convert(log)
        let child = try #require(trace.header.extra["source"]?.objectValue?["processes"]?.objectValue?.first {
            $0.value.objectValue?["pid"] == .int(101)
        }?.key)
        #expect(Self.fcntlValues(trace, object: "pipe-11") == [
            ["end": "read", "cmd": "F_SETOWN", "owner": "process", "process": .int(Int(child)!)],
            ["end": "read", "cmd": "F_SETFL", "nonblocking": false, "async": true],
            ["end": "read", "cmd": "F_SETOWN", "owner": "other"],
        ])
        #expect(try TraceChecker.check(trace, name: "test.log").result == .ok)
        let group = log.replacingOccurrences(of: "F_SETOWN, 1)", with: "F_SETOWN, -100)")
        let lines = StraceImportTests.notChecked(try StraceImportTests.convert(group))
        #expect(lines.contains { $0.contains("pipe 11") && $0.contains("process group") }, "\(lines)")
    }

    /// `O_ASYNC` on a POSIX queue's descriptor is not imported: the queue leaves the check with the reason.
    @Test func asyncOnAnObjectWithoutItInItsModelExcludesIt() throws {
        let log = """
            100 1.000100 mq_open("q", O_RDWR|O_CREAT|O_EXCL, 0600, NULL) = 3<q> <0.000010>
            100 1.000200 fcntl(3<q>, F_SETFL, O_ASYNC) = 0 <0.000005>
            100 1.000300 mq_timedsend(3<q>, "a", 1, 0, NULL) = 0 <0.000005>
            """
        let lines = StraceImportTests.notChecked(try StraceImportTests.convert(log))
        #expect(lines.contains { $0.contains("fcntl(F_SETFL, O_ASYNC) at line 2") && $0.contains("posix-mq") }, "\(lines)")
    }

    /// Packet mode, from a real log: `pipe2(O_DIRECT)`, two writes "ab" and "cd" read back one packet each (before,
    /// imported as a byte stream, this kernel's history was judged a violation); a second pipe whose read end gets
    /// `O_DIRECT` by `F_SETFL` (its writes still merge: "efgh") leaves the check.
    static let packetPipes = #"""
        31861 1796587367.751135 pipe2([3<\x70\x69\x70\x65\x3a\x5b\x34\x32\x35\x36\x30\x37\x30\x5d>, 4<\x70\x69\x70\x65\x3a\x5b\x34\x32\x35\x36\x30\x37\x30\x5d>], 0x4000) = 0 <0.000012>
        31861 1796587367.751181 write(4<\x70\x69\x70\x65\x3a\x5b\x34\x32\x35\x36\x30\x37\x30\x5d>, "\x61\x62", 2) = 2 <0.000009>
        31861 1796587367.751214 write(4<\x70\x69\x70\x65\x3a\x5b\x34\x32\x35\x36\x30\x37\x30\x5d>, "\x63\x64", 2) = 2 <0.000008>
        31861 1796587367.751246 read(3<\x70\x69\x70\x65\x3a\x5b\x34\x32\x35\x36\x30\x37\x30\x5d>, "\x61\x62", 8) = 2 <0.000008>
        31861 1796587367.751277 read(3<\x70\x69\x70\x65\x3a\x5b\x34\x32\x35\x36\x30\x37\x30\x5d>, "\x63\x64", 8) = 2 <0.000007>
        31861 1796587367.751307 pipe2([5<\x70\x69\x70\x65\x3a\x5b\x34\x32\x35\x36\x30\x37\x32\x5d>, 6<\x70\x69\x70\x65\x3a\x5b\x34\x32\x35\x36\x30\x37\x32\x5d>], 0) = 0 <0.000010>
        31861 1796587367.751350 fcntl(5<\x70\x69\x70\x65\x3a\x5b\x34\x32\x35\x36\x30\x37\x32\x5d>, 0x4, 0x4000) = 0 <0.000008>
        31861 1796587367.751379 write(6<\x70\x69\x70\x65\x3a\x5b\x34\x32\x35\x36\x30\x37\x32\x5d>, "\x65\x66", 2) = 2 <0.000009>
        31861 1796587367.751410 write(6<\x70\x69\x70\x65\x3a\x5b\x34\x32\x35\x36\x30\x37\x32\x5d>, "\x67\x68", 2) = 2 <0.000007>
        31861 1796587367.751440 read(5<\x70\x69\x70\x65\x3a\x5b\x34\x32\x35\x36\x30\x37\x32\x5d>, "\x65\x66\x67\x68", 8) = 4 <0.000007>
        31861 1796587367.751474 exit_group(0)   = ?
        31861 1796587367.751568 +++ exited with 0 +++
        """#

    @Test func aPipeMadeWithODirectIsAPacketPipeAndFSetflODirectLeavesTheCheck() throws {
        let trace = try StraceImportTests.convert(Self.packetPipes)
        #expect(trace.header.parameters?.objectValue?["objects"]?.objectValue?["pipe-4256070"]?.objectValue?["packet"] == .bool(true))
        let lines = StraceImportTests.notChecked(trace)
        #expect(lines.count == 1 && lines[0].contains("pipe 4256072") && lines[0].contains("O_DIRECT on"), "\(lines)")
        let report = try TraceChecker.check(trace, name: "test.log")
        #expect(report.result == .ok, "\(report.explanation)")
        // Edited so that the first read takes both packets: a packet pipe never merges them.
        let edited = Self.packetPipes
            .replacingOccurrences(of: #""\x61\x62", 8) = 2"#, with: #""\x61\x62\x63\x64", 8) = 4"#)
            .replacingOccurrences(of: #""\x63\x64", 8) = 2"#, with: #"0x7ffc00000000, 8) = -1 EAGAIN (Resource temporarily unavailable)"#)
        #expect(edited != Self.packetPipes)
        #expect(try StraceImportTests.check(edited).result == .violation)
    }
}
