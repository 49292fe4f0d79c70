import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `SO_PEEK_OFF` on this kernel: where a `MSG_PEEK` receive starts once the option is set, and how peeks and
/// receives move it, on every type (a transcript of each step's result, compared with what was measured).
@Suite(.serialized) struct UnixSocketPeekOffsetFactsTests {
    /// `SO_PEEK_OFF`'s number (asm-generic/socket.h).
    static let peekOffset: CInt = 42

    /// Runs `steps` on a fresh pair's `a` (sends from `b`; `back D` sends D from `a` to `b`, `closepeer` closes `b`), each
    /// giving one line: `send N`, `set N → ok|ERR`,
    /// `get → N`, `peek N → "data"[ trunc][ size N]|EAGAIN`, `recv N → …`.
    static func transcript(_ type: UnixSocketType, _ steps: [String]) throws -> [String] {
        let (a, b) = try KernelUnixSocket.pair(type)
        var peerOpen = true
        defer {
            try? Syscall.close(a)
            if peerOpen { try? Syscall.close(b) }
        }
        return steps.map { step in
            let words = step.split(separator: " ").map(String.init)
            let number = words.count > 1 ? Int(words[1]) ?? 0 : 0
            do {
                switch words[0] {
                case "send":
                    let data = Array((words.count > 1 && words[1] != "-" ? words[1] : "").utf8)
                    _ = try Syscall.sendMessage(b, data, flags: Syscall.MessageFlags.dontWait)
                    return step
                case "back":
                    _ = try Syscall.sendMessage(a, Array(words[1].utf8), flags: Syscall.MessageFlags.dontWait)
                    return step
                case "closepeer":
                    peerOpen = false
                    try Syscall.close(b)
                    return step
                case "set":
                    try Syscall.setSocketOption(a, peekOffset, CInt(number))
                    return "\(step) → ok"
                case "get":
                    return "get → \(try Syscall.socketOption(a, peekOffset))"
                case "peek", "recv", "peektrunc":
                    switch try KernelUnixSocket.receive(
                        a, maximum: number, nonblocking: true, peek: words[0] != "recv",
                        truncating: words[0] == "peektrunc")
                    {
                    case .wouldBlock: return "\(step) → EAGAIN"
                    case .completed(let message):
                        return "\(step) → \"\(String(decoding: message.data, as: UTF8.self))\""
                            + (message.truncated ? " trunc" : "")
                            + (message.length != message.data.count ? " size \(message.length)" : "")
                    }
                default:
                    return "?"
                }
            } catch let error as Errno {
                return "\(step) → \(error.name)"
            } catch {
                return "\(step) → \(error)"
            }
        }
    }

    /// Default -1 (disabled) on every type; any value is taken and reported back, -2 and 2147483647 too (a negative
    /// one disables it: the kernel moves and uses only an offset ≥ 0).
    @Test(arguments: UnixSocketType.allCases)
    func setAndGet(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let lines = try Self.transcript(
                type, ["get", "set 0", "get", "set 7", "get", "set -1", "get", "set -2", "get", "set 2147483647", "get"])
            #expect(
                lines == [
                    "get → -1", "set 0 → ok", "get → 0", "set 7 → ok", "get → 7", "set -1 → ok", "get → -1", "set -2 → ok",
                    "get → -2",
                    "set 2147483647 → ok", "get → 2147483647",
                ])
        }
    }

    /// A stream: a peek starts at the offset, across buffers, and moves it on by what it copied (nothing past the
    /// offset: `EAGAIN`, though 6 bytes wait); a receive takes from the start and moves it back by what it took,
    /// never below 0 (5 − 1 − 1 = 3 with nothing queued; 1 − 3 = 0); disabled again (-1), a peek reads from the start.
    @Test func onAStream() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let lines = try Self.transcript(
                .stream,
                [
                    "send abcdef", "send ghij", "set 0", "peek 3", "get", "peek 3", "get", "peek 10", "get", "peek 10",
                    "get",
                    "recv 4", "get", "peek 10", "get", "recv 10", "get", "set 5", "send xy", "peek 10", "get", "recv 1",
                    "get",
                    "recv 1", "get", "set 1", "send klm", "recv 3", "get", "set -1", "send no", "peek 10", "get",
                ])
            #expect(
                lines == [
                    "send abcdef", "send ghij", "set 0 → ok", "peek 3 → \"abc\"", "get → 3", "peek 3 → \"def\"", "get → 6",
                    "peek 10 → \"ghij\"", "get → 10", "peek 10 → EAGAIN", "get → 10", "recv 4 → \"abcd\"", "get → 6",
                    "peek 10 → EAGAIN",
                    "get → 6", "recv 10 → \"efghij\"", "get → 0", "set 5 → ok", "send xy", "peek 10 → EAGAIN", "get → 5",
                    "recv 1 → \"x\"",
                    "get → 4", "recv 1 → \"y\"", "get → 3", "set 1 → ok", "send klm", "recv 3 → \"klm\"", "get → 0",
                    "set -1 → ok",
                    "send no", "peek 10 → \"no\"", "get → -1",
                ])
        }
    }

    /// A datagram or record socket (the same on both): the offset reaches into the first record (a peek of 4 at 0
    /// is cut, `MSG_TRUNC`; the next gets its last 2 bytes), or at or past its length into later ones (each counted
    /// whole); with `MSG_TRUNC` a peek at 1 reports the 3 bytes from the offset on. A receive takes the first record
    /// whole and moves the offset back by its whole length — its discarded tail too (4 − 4 after taking 2 of "ghij";
    /// 9 − 2 after taking 1 of "xy"). An empty record is returned by a peek at 0 once, then passed over at 0 (the
    /// kernel marks it peeked): "xy" comes instead, even after the offset is set to 0 again; a receive still takes it.
    @Test(arguments: [UnixSocketType.dgram, .seqpacket])
    func onRecords(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let lines = try Self.transcript(
                type,
                [
                    "send abcdef", "send ghij", "set 0", "peek 4", "get", "peek 10", "get", "peek 10", "get", "peek 10",
                    "get",
                    "recv 10", "get", "peek 10", "get", "set 1", "peektrunc 1", "get", "peek 10", "get", "recv 2", "get",
                    "send - ", "send xy", "set 0", "peek 10", "get", "peek 10", "get", "peek 10", "get", "set 0", "peek 10",
                    "get",
                    "recv 10", "get", "set 9", "send pq", "recv 1", "get",
                ])
            #expect(
                lines == [
                    "send abcdef", "send ghij", "set 0 → ok", "peek 4 → \"abcd\" trunc", "get → 4", "peek 10 → \"ef\"",
                    "get → 6",
                    "peek 10 → \"ghij\"", "get → 10", "peek 10 → EAGAIN", "get → 10", "recv 10 → \"abcdef\"", "get → 4",
                    "peek 10 → EAGAIN",
                    "get → 4", "set 1 → ok", "peektrunc 1 → \"h\" trunc size 3", "get → 2", "peek 10 → \"ij\"", "get → 4",
                    "recv 2 → \"gh\" trunc", "get → 0", "send - ", "send xy", "set 0 → ok", "peek 10 → \"\"", "get → 0",
                    "peek 10 → \"xy\"",
                    "get → 2", "peek 10 → EAGAIN", "get → 2", "set 0 → ok", "peek 10 → \"xy\"", "get → 2", "recv 10 → \"\"",
                    "get → 2",
                    "set 9 → ok", "send pq", "recv 1 → \"x\" trunc", "get → 7",
                ])
        }
    }

    /// A blocking peek whose offset is past every queued byte (10 of "abcdef" + "ghij"), asleep, then woken by a send
    /// of "xy": what it returns, and the offset after it. `SIGUSR2` (handled, no `SA_RESTART`) ends it only if it is
    /// never seen asleep.
    static func blockingPeekPastTheOffset(_ type: UnixSocketType) throws -> (String, Int) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        guard sigaction(SIGUSR2, &action, nil) == 0 else { throw Errno(rawValue: errno) }
        let (a, b) = try KernelUnixSocket.pair(type)
        defer {
            try? Syscall.close(a)
            try? Syscall.close(b)
        }
        for data in ["abcdef", "ghij"] {
            _ = try Syscall.sendMessage(b, Array(data.utf8), flags: Syscall.MessageFlags.dontWait)
        }
        try Syscall.setSocketOption(a, peekOffset, 10)
        let watched = WatchedThread()
        let thread = OSThread {
            watched.register()
            do {
                switch try KernelUnixSocket.receive(
                    a, maximum: 64, nonblocking: false, peek: true, retryOnInterrupt: false)
                {
                case .completed(let message):
                    watched.finish("\"" + String(decoding: message.data, as: UTF8.self) + "\"")
                case .wouldBlock: watched.finish("EAGAIN")
                }
            } catch { watched.finish("\(error)") }
        }
        defer { thread.join() }
        if let failure = watched.waitUntilAsleep(release: SIGUSR2) { return (failure, 0) }
        _ = try Syscall.sendMessage(b, Array("xy".utf8), flags: Syscall.MessageFlags.dontWait)
        guard watched.waitUntilFinished() else { return ("no ending", 0) }
        return (watched.result, try Syscall.socketOption(a, peekOffset))
    }

    /// On every type a peek asleep past its offset, woken by new data, reads from the offset: "xy", the offset 12.
    /// (Not the head again, as a reading of older kernels' `unix_stream_read_generic`, whose skip was counted down
    /// over the buffers passed before the wait, would suggest.)
    @Test(arguments: UnixSocketType.allCases)
    func aBlockingPeekPastTheOffset(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (result, offset) = try Self.blockingPeekPastTheOffset(type)
            #expect(result == "\"xy\"" && offset == 12)
        }
    }

    /// Past the offset with the peer gone (it closed with "x" unread): as with an empty queue — a stream or seqpacket
    /// peek takes the pending `ECONNRESET`, then reads end of file; a datagram one `EAGAIN` — the offset unmoved, and
    /// a receive still takes the bytes before it.
    @Test(arguments: UnixSocketType.allCases)
    func pastTheOffsetWithThePeerClosed(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let lines = try Self.transcript(
                type, ["send abc", "back x", "set 3", "closepeer", "peek 10", "peek 10", "get", "recv 10", "peek 10"])
            let (first, then) = type == .dgram ? ("EAGAIN", "EAGAIN") : ("ECONNRESET", "\"\"")
            #expect(
                lines == [
                    "send abc", "back x", "set 3 → ok", "closepeer", "peek 10 → \(first)", "peek 10 → \(then)", "get → 3",
                    "recv 10 → \"abc\"", "peek 10 → \(then)",
                ])
        }
    }
}
