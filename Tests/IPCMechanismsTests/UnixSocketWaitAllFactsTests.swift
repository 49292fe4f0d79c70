import Glibc
import IPCMechanisms
import IPCSyscalls
import Synchronization
import SystemPackage
import Testing

/// How many times the interrupting signal's handler ran.
private let waitAllInterruptions = Atomic<Int>(0)

/// `MSG_WAITALL` in a receive's flags, measured on this kernel (6.18). On a stream socket a blocking receive sleeps
/// until the whole length has come — across sends made while it sleeps — and returns short only at end of file (the
/// peer's `SHUT_WR`) or a pending error (taken: with 4 bytes copied it returns 4, and the `ECONNRESET` is gone — the
/// next receive reads end of file); with `MSG_DONTWAIT` it returns what is queued (`EAGAIN` when nothing is). A datagram or seqpacket receive ignores the
/// flag: one datagram or record per call, however short. (A handled signal without `SA_RESTART` interrupting a wait
/// with bytes copied is not measured here: a probe of it through `WatchedThread` did not end within its bound, so
/// the interrupted case stays unmeasured.)
@Suite(.serialized) struct UnixSocketWaitAllFactsTests {
    /// Handled, without `SA_RESTART`: the interrupting signal.
    static let interrupting: CInt = 45  // SIGRTMIN+11

    static func receive(_ socket: FileDescriptor, _ maximum: Int, nonblocking: Bool) throws -> [UInt8]? {
        guard case .completed(let message) = try KernelUnixSocket.receive(
            socket, maximum: maximum, nonblocking: nonblocking, waitingForAll: true, retryOnInterrupt: false)
        else { return nil }
        return message.data
    }

    /// A thread of the test receiving 10 bytes with `MSG_WAITALL` on `socket`, blocking; `whileAsleep` runs once it
    /// sleeps, and again each time it returns true (the thread must still be asleep after each). The result: the
    /// bytes' count or the errno's name, and whether it slept through every round.
    func blockingWaitAll(_ socket: FileDescriptor, rounds: Int, _ whileAsleep: (WatchedThread, Int) throws -> Void) throws -> (String, Bool) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in waitAllInterruptions.add(1, ordering: .sequentiallyConsistent) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        guard sigaction(Self.interrupting, &action, nil) == 0 else { throw Errno(rawValue: errno) }
        let watched = WatchedThread()
        let thread = OSThread {
            watched.register()
            do {
                let data = try Self.receive(socket, 10, nonblocking: false)
                watched.finish("\(data?.count ?? -1)")
            } catch { watched.finish("\(error)") }
        }
        defer { thread.join() }
        var sleptThrough = true
        for round in 0..<rounds {
            if let failure = watched.waitUntilAsleep(release: Self.interrupting) { return (failure, false) }
            try whileAsleep(watched, round)
            // A send wakes the thread to copy; it sleeps again unless the call ended.
            if round < rounds - 1, watched.finished { sleptThrough = false }
        }
        guard watched.waitUntilFinished() else { return ("no ending", false) }
        return (watched.result, sleptThrough)
    }

    @Test func aStreamWaitsForTheWholeLengthAcrossSends() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(.stream)
            defer { for socket in [a, b] { try? Syscall.close(socket) } }
            _ = try KernelUnixSocket.send(a, Array("abcd".utf8), nonblocking: true)
            let (result, slept) = try blockingWaitAll(b, rounds: 3) { _, round in
                _ = try KernelUnixSocket.send(a, round == 0 ? Array("ef".utf8) : round == 1 ? Array("gh".utf8) : Array("ijKL".utf8), nonblocking: true)
            }
            #expect(result == "10" && slept)
            #expect(try Self.receive(b, 10, nonblocking: true) == Array("KL".utf8))
        }
    }

    @Test func aStreamReturnsShortAtEndOfFile() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(.stream)
            defer { for socket in [a, b] { try? Syscall.close(socket) } }
            _ = try KernelUnixSocket.send(a, Array("abcd".utf8), nonblocking: true)
            let (result, _) = try blockingWaitAll(b, rounds: 1) { _, _ in try Syscall.shutdown(a, how: CInt(SHUT_WR)) }
            #expect(result == "4")
        }
    }

    @Test func aPendingResetEndsTheWaitAndIsTaken() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(.stream)
            defer { try? Syscall.close(b) }
            _ = try KernelUnixSocket.send(a, Array("abcd".utf8), nonblocking: true)
            _ = try KernelUnixSocket.send(b, Array("unread".utf8), nonblocking: true)
            try Syscall.close(a)  // unread bytes at its close: b's ECONNRESET is pending
            #expect(try Self.receive(b, 10, nonblocking: false) == Array("abcd".utf8))
            #expect(try Self.receive(b, 10, nonblocking: false) == [])
            // Without the flag, the same order gives the data, then the reset.
            let (c, d) = try KernelUnixSocket.pair(.stream)
            defer { try? Syscall.close(d) }
            _ = try KernelUnixSocket.send(c, Array("abcd".utf8), nonblocking: true)
            _ = try KernelUnixSocket.send(d, Array("unread".utf8), nonblocking: true)
            try Syscall.close(c)
            guard case .completed(let plain) = try KernelUnixSocket.receive(d, maximum: 10, nonblocking: false) else {
                Issue.record("plain receive would block")
                return
            }
            #expect(plain.data == Array("abcd".utf8))
            #expect(throws: Errno.connectionReset) { try KernelUnixSocket.receive(d, maximum: 10, nonblocking: false) }
        }
    }

    @Test func aNonblockingStreamWaitReturnsWhatIsQueued() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(.stream)
            defer { for socket in [a, b] { try? Syscall.close(socket) } }
            #expect(try Self.receive(b, 10, nonblocking: true) == nil)
            _ = try KernelUnixSocket.send(a, Array("abcd".utf8), nonblocking: true)
            _ = try KernelUnixSocket.send(a, Array("ef".utf8), nonblocking: true)
            #expect(try Self.receive(b, 10, nonblocking: true) == Array("abcdef".utf8))
        }
    }

    @Test(arguments: [UnixSocketType.dgram, .seqpacket])
    func aRecordReceiveIgnoresTheFlag(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(type)
            defer { for socket in [a, b] { try? Syscall.close(socket) } }
            #expect(try Self.receive(b, 10, nonblocking: true) == nil)
            for bytes in [Array("abc".utf8), [], Array("defgh".utf8)] { _ = try KernelUnixSocket.send(a, bytes, nonblocking: true) }
            #expect(try Self.receive(b, 10, nonblocking: false) == Array("abc".utf8))
            #expect(try Self.receive(b, 10, nonblocking: false) == [])
            #expect(try Self.receive(b, 2, nonblocking: false) == Array("de".utf8))
            #expect(try Self.receive(b, 10, nonblocking: true) == nil)
        }
    }
}
