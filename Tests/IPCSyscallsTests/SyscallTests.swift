import Glibc
import IPCSyscalls
import SystemPackage
import Testing

@Suite struct SyscallTests {
    @Test(arguments: [("EAGAIN", EAGAIN), ("EPIPE", EPIPE), ("EINTR", EINTR), ("EBADF", EBADF), ("EWOULDBLOCK", EAGAIN)])
    func errnoNamesMapBothWays(name: String, code: Int32) {
        #expect(Errno(name: name)?.rawValue == code)
        if name != "EWOULDBLOCK" { #expect(Errno(rawValue: code).name == name) }
    }

    @Test func unknownErrnoNamesAreNil() {
        #expect(Errno(name: "ENOTANERROR") == nil)
    }

    @Test func descriptorsAreCreatedCloseOnExec() throws {
        let (read, write) = try Syscall.pipe()
        defer {
            try? Syscall.close(read)
            try? Syscall.close(write)
        }
        #expect(fcntl(read.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        let (a, b) = try Syscall.seqpacketPair()
        defer {
            try? Syscall.close(a)
            try? Syscall.close(b)
        }
        #expect(fcntl(a.rawValue, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test func aReopenedPipeEndHasItsOwnNonblockingFlag() throws {
        let (read, write) = try Syscall.pipe()
        let reopened = try Syscall.reopen(write, flags: O_WRONLY | O_CLOEXEC)
        defer { [read, write, reopened].forEach { try? Syscall.close($0) } }
        try Syscall.setNonblocking(reopened, true)
        #expect(try Syscall.statusFlags(reopened) & O_NONBLOCK != 0)
        #expect(try Syscall.statusFlags(write) & O_NONBLOCK == 0)
    }

    @Test func spawnedChildrenGetExactlyTheDescriptorsAskedFor() throws {
        // The child writes its descriptor table size... rather: `sh -c` exits 0 only if fd 5 is open and fd 6 is not.
        let (read, write) = try Syscall.pipe()
        defer {
            try? Syscall.close(read)
            try? Syscall.close(write)
        }
        let pid = try Syscall.spawn(SpawnRequest(
            path: "/bin/sh", arguments: ["-c", "{ true >&5; } 2>/dev/null && ! { true >&6; } 2>/dev/null"],
            descriptors: [(write, 5)]))
        #expect(try Syscall.wait(pid) == .exited(code: 0))
    }

    @Test func spawnedChildrenDoNotInheritDescriptorsThatAreNotCloseOnExec() throws {
        // Foundation's pipes in a test process, or a user's code, can hold descriptors without FD_CLOEXEC.
        let (read, write) = try Syscall.pipe()
        let leaky = fcntl(write.rawValue, F_DUPFD, 40)
        try #require(leaky >= 40)
        try #require(fcntl(leaky, F_GETFD) & FD_CLOEXEC == 0)
        defer {
            [read, write].forEach { try? Syscall.close($0) }
            Glibc.close(leaky)
        }
        let pid = try Syscall.spawn(SpawnRequest(
            path: "/bin/sh", arguments: ["-c", "[ -L /proc/self/fd/5 ] && [ ! -L /proc/self/fd/\(leaky) ]"],
            descriptors: [(write, 5)]))
        #expect(try Syscall.wait(pid) == .exited(code: 0))
    }

    @Test func spawnFailureIsAnErrno() {
        #expect(throws: Errno.noSuchFileOrDirectory) {
            _ = try Syscall.spawn(SpawnRequest(path: "/nonexistent/program"))
        }
    }

    @Test func killedChildrenReportTheirSignal() throws {
        let (read, write) = try Syscall.pipe()
        defer { try? Syscall.close(write) }
        // cat blocks reading the pipe until it is killed.
        let pid = try Syscall.spawn(SpawnRequest(path: "/bin/cat", descriptors: [(read, 0)]))
        try Syscall.close(read)
        try Syscall.kill(pid, signal: SIGKILL)
        #expect(try Syscall.wait(pid) == .signaled(signal: SIGKILL))
        #expect(ExitStatus.signaled(signal: SIGKILL).description == "killed by SIGKILL")
    }

    @Test func signalNamesMapBothWays() {
        #expect(SignalName.name(of: SIGUSR1) == "SIGUSR1")
        #expect(SignalName.number(of: "SIGPIPE") == SIGPIPE)
        let realtime = SignalName.number(of: "SIGRTMIN+2")
        #expect(realtime.map { SignalName.name(of: $0) } == "SIGRTMIN+2")
    }
}

@Suite struct SpawnDescriptorTests {
    /// A source numbered like another mapping's target must still arrive as itself: file actions run in order.
    @Test func aSourceNumberedLikeAnEarlierTargetIsNotClobbered() throws {
        let (readA, writeA) = try Syscall.pipe()
        let (readB, writeB) = try Syscall.pipe()
        // Pipe B's write end moves to a free number N (never dup2 onto a number another test may be using); the
        // child must get A's write end as N and B's as N + 1: B's source is numbered like A's target.
        let moved = fcntl(writeB.rawValue, F_DUPFD_CLOEXEC, CInt(300))
        try #require(moved >= 300)
        let high = FileDescriptor(rawValue: moved)
        try Syscall.close(writeB)
        let pid = try Syscall.spawn(SpawnRequest(
            path: "/bin/bash", arguments: ["-c", "printf A >&\(moved); printf B >&\(moved + 1)"],
            descriptors: [(writeA, moved), (high, moved + 1)]))
        #expect(try Syscall.wait(pid) == .exited(code: 0))
        try Syscall.close(high)
        try Syscall.close(writeA)
        defer {
            try? Syscall.close(readA)
            try? Syscall.close(readB)
        }
        var buffer = [UInt8](repeating: 0, count: 4)
        let a = try buffer.withUnsafeMutableBytes { try Syscall.read(readA, into: $0) }
        #expect(String(decoding: buffer[..<a], as: UTF8.self) == "A")
        let b = try buffer.withUnsafeMutableBytes { try Syscall.read(readB, into: $0) }
        #expect(String(decoding: buffer[..<b], as: UTF8.self) == "B")
    }
}
