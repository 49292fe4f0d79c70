import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `sendmmsg` and `recvmmsg` on Unix sockets, measured on this kernel (6.18; C probes first; LTP `sendmmsg01`,
/// `sendmmsg02`, `recvmmsg01`), each fact also judged by the model (`UnixSocketModel+Batches`):
/// - `sendmmsg` sends in order and fills each message's `msg_len`; `vlen` 0 returns 0; `vlen` above `UIO_MAXIOV`
///   (1024) is cut to 1024 silently, while `recvmmsg` takes a larger `vlen` as it is (1100 returned 1100).
/// - A datagram queue that fills mid-batch (`MSG_DONTWAIT`): the count sent so far; `EAGAIN` only when the first
///   message finds no room.
/// - `recvmmsg` fills one entry per receive: datagrams and records one each; a stream's queued sends merge into the
///   first entry (boundaries not kept); at end of file every entry takes 0 bytes (a stream's data first).
/// - `MSG_WAITFORONE` returns what is queued; a zero timeout ends the batch after the first message even with
///   more queued (the timeout is checked after each message); an invalid timeout `EINVAL` before anything.
/// - The pending error comes first, before the queue and even with `vlen` 0 (a stream whose peer closed with
///   unread bytes: `ECONNRESET`, then its data) — unlike `recv`, which reads the data first.
/// - A batch is not atomic: a datagram another socket sends while a batch sleeps for room lands between its
///   messages.
/// - A `NULL` vector `EFAULT` (no trace form says it: not modelled).
@Suite struct UnixSocketBatchFactsTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    static let three = ["a", "bc", "def"].map(bytes)

    /// Whether the model, stepping these calls one after another (pieces too) from a fresh object, allows them.
    static func modelAllows(
        _ type: UnixSocketModel.SocketType, _ steps: [(UnixSocketModel.Input, UnixSocketModel.Output)],
        sendBufferMaximum: Int = 4_194_304
    ) -> Bool {
        let model = UnixSocketModel(
            sendBufferMaximum: sendBufferMaximum, objects: [("s0", .init(type: type, shape: .pair(a: [1], b: [2])))])
        return DirectedHistory(model: model, object: "s0").allows(steps.map { (input: $0.0, output: $0.1) }, piecesPerCall: 5000)
    }

    /// Waits (10 s at most) until the peer's close has taken effect: `POLLHUP`, reported unasked.
    static func waitForHangUp(_ socket: FileDescriptor) {
        var pollDescriptor = pollfd(fd: socket.rawValue, events: 0, revents: 0)
        _ = Glibc.poll(&pollDescriptor, 1, 10_000)
    }

    static func send(_ end: String, _ messages: [[UInt8]], nonblocking: Bool = true, process: Int = 1) -> UnixSocketModel.Input {
        .sendBatch(process: process, end: end, messages: messages, nonblocking: nonblocking, to: nil)
    }

    static func receive(
        _ end: String, _ count: Int, max: Int = 64, nonblocking: Bool = true, waitForOne: Bool = false,
        timeout: UnixSocketModel.BatchTimeout? = nil, process: Int = 2
    ) -> UnixSocketModel.Input {
        .receiveBatch(process: process, end: end, max: max, count: count, nonblocking: nonblocking, waitForOne: waitForOne, timeout: timeout)
    }

    static func entries(_ texts: [String]) -> UnixSocketModel.Output {
        .receivedBatch(texts.map { .init(data: bytes($0)) })
    }

    @Test(arguments: UnixSocketType.allCases)
    func sendmmsgSendsInOrderAndFillsEachLength(_ type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        #expect(try Syscall.sendMessages(a, Self.three, flags: Syscall.MessageFlags.dontWait) == [1, 2, 3])
        #expect(try Syscall.sendMessages(a, [], flags: Syscall.MessageFlags.dontWait) == [])
        let entries = try Syscall.receiveMessages(b, maximum: 64, vlen: 5, flags: Syscall.MessageFlags.dontWait)
        if type == .stream {
            // One receive per entry: the first takes every queued byte.
            #expect(entries.map(\.data) == [Self.bytes("abcdef")])
        } else {
            #expect(entries.map(\.data) == Self.three)
        }
        #expect(errorName { _ = try Syscall.receiveMessages(b, maximum: 64, vlen: 5, flags: Syscall.MessageFlags.dontWait) } == "EAGAIN")
        #expect(try Syscall.receiveMessages(b, maximum: 64, vlen: 0, flags: Syscall.MessageFlags.dontWait).isEmpty)

        let modelType = UnixSocketModel.SocketType(rawValue: type.rawValue)!
        let taken = type == .stream ? ["abcdef"] : ["a", "bc", "def"]
        #expect(Self.modelAllows(modelType, [
            (Self.send("a", Self.three), .sentBatch([1, 2, 3])), (Self.send("a", []), .sentBatch([])),
            (Self.receive("b", 5), Self.entries(taken)), (Self.receive("b", 5), .failed(.EAGAIN)),
            (Self.receive("b", 0), .receivedBatch([])),
        ]))
        // Wrong beliefs: a datagram batch merged, or a stream's boundaries kept.
        let wrong = type == .stream ? ["a", "bc", "def"] : ["abcdef"]
        #expect(!Self.modelAllows(modelType, [(Self.send("a", Self.three), .sentBatch([1, 2, 3])), (Self.receive("b", 5), Self.entries(wrong))]))
    }

    @Test(arguments: [UnixSocketType.dgram, .seqpacket])
    func aQueueFullMidBatchReturnsTheCountSent(_ type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        try Syscall.setSocketOption(a, SO_SNDBUF, 2048)
        let message = Self.bytes("0123456789")
        var filled = 0
        while errorName({ _ = try Syscall.sendMessage(a, message, flags: Syscall.MessageFlags.dontWait) }) == "ok" { filled += 1 }
        #expect(filled > 2)
        for _ in 0..<2 { _ = try Syscall.receiveMessage(b, maximum: 16, flags: Syscall.MessageFlags.dontWait) }
        let batch = [[UInt8]](repeating: message, count: 5)
        #expect(try Syscall.sendMessages(a, batch, flags: Syscall.MessageFlags.dontWait) == [10, 10])
        #expect(errorName { _ = try Syscall.sendMessages(a, batch, flags: Syscall.MessageFlags.dontWait) } == "EAGAIN")
        let drained = try Syscall.receiveMessages(b, maximum: 16, vlen: 64, flags: Syscall.MessageFlags.dontWait)
        #expect(drained.count == filled)

        // The model, with a send buffer of 4096 (SO_SNDBUF 2048 doubled) and 10-byte messages: the same shape.
        let modelType = UnixSocketModel.SocketType(rawValue: type.rawValue)!
        var steps: [(UnixSocketModel.Input, UnixSocketModel.Output)] = [
            (.setSendBuffer(process: 1, end: "a", value: 2048), .closed)
        ]
        for _ in 0..<filled { steps.append((.send(process: 1, end: "a", data: message, nonblocking: true, to: nil, files: []), .sent(10))) }
        steps.append((.send(process: 1, end: "a", data: message, nonblocking: true, to: nil, files: []), .failed(.EAGAIN)))
        for _ in 0..<2 { steps.append((.receive(process: 2, end: "b", max: 16, nonblocking: true, maxFiles: 0), .received(.init(data: message)))) }
        #expect(Self.modelAllows(modelType, steps + [(Self.send("a", batch), .sentBatch([10, 10])), (Self.send("a", batch), .failed(.EAGAIN))]))
        // Wrong beliefs: the batch fails whole once a message finds no room, or reports the lost EAGAIN.
        #expect(!Self.modelAllows(modelType, steps + [(Self.send("a", batch), .failed(.EAGAIN))]))
        #expect(!Self.modelAllows(modelType, steps + [(Self.send("a", batch), .sentBatch([10, 10, 10]))]))
    }

    @Test func vlenAboveUioMaxiovIsCutForSendmmsgOnly() throws {
        let (a, b) = try KernelUnixSocket.pair(.dgram)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        try Syscall.setSocketOption(a, SO_SNDBUF, 4 << 20)
        let ones = [[UInt8]](repeating: [0x78], count: 1100)
        #expect(try Syscall.sendMessages(a, ones, flags: Syscall.MessageFlags.dontWait).count == 1024)
        #expect(try Syscall.sendMessages(a, Array(ones.prefix(76)), flags: Syscall.MessageFlags.dontWait).count == 76)
        #expect(try Syscall.receiveMessages(b, maximum: 1, vlen: 1100, flags: Syscall.MessageFlags.dontWait).count == 1100)

        // The model: 1030 messages, 1024 sent (a smaller batch than the kernel's, to keep the check quick).
        let many = [[UInt8]](repeating: [0x78], count: 1030)
        let setup = (UnixSocketModel.Input.setSendBuffer(process: 1, end: "a", value: 4 << 20), UnixSocketModel.Output.closed)
        #expect(Self.modelAllows(.dgram, [setup, (Self.send("a", many), .sentBatch(Array(repeating: 1, count: 1024)))], sendBufferMaximum: 8 << 20))
        #expect(!Self.modelAllows(.dgram, [setup, (Self.send("a", many), .sentBatch(Array(repeating: 1, count: 1030)))], sendBufferMaximum: 8 << 20))
    }

    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func atEndOfFileEveryEntryTakesZeroBytes(_ type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(type)
            defer { try? Syscall.close(b) }
            _ = try Syscall.sendMessage(a, Self.bytes("abc"))
            try Syscall.close(a)
            Self.waitForHangUp(b)
            let entries = try Syscall.receiveMessages(b, maximum: 64, vlen: 3, flags: Syscall.MessageFlags.dontWait)
            #expect(entries.map(\.data) == [Self.bytes("abc"), [], []])
            let modelType = UnixSocketModel.SocketType(rawValue: type.rawValue)!
            let steps: [(UnixSocketModel.Input, UnixSocketModel.Output)] = [
                (.send(process: 1, end: "a", data: Self.bytes("abc"), nonblocking: true, to: nil, files: []), .sent(3)),
                (.close(process: 1, end: "a"), .closed),
            ]
            #expect(Self.modelAllows(modelType, steps + [(Self.receive("b", 3), Self.entries(["abc", "", ""]))]))
            // A wrong belief: the batch stops at end of file.
            #expect(!Self.modelAllows(modelType, steps + [(Self.receive("b", 3), Self.entries(["abc"]))]))
        }
    }

    @Test func thePendingErrorComesBeforeTheQueueEvenForVlenZero() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(.stream)
            defer { try? Syscall.close(a) }
            _ = try Syscall.sendMessage(b, Self.bytes("abc"))
            _ = try Syscall.sendMessage(a, Self.bytes("unread"))
            try Syscall.close(b)
            Self.waitForHangUp(a)
            #expect(errorName { _ = try Syscall.receiveMessages(a, maximum: 64, vlen: 0, flags: Syscall.MessageFlags.dontWait) } == "ECONNRESET")
            let entries = try Syscall.receiveMessages(a, maximum: 64, vlen: 3, flags: Syscall.MessageFlags.dontWait)
            #expect(entries.map(\.data) == [Self.bytes("abc"), [], []])
            let steps: [(UnixSocketModel.Input, UnixSocketModel.Output)] = [
                (.send(process: 2, end: "b", data: Self.bytes("abc"), nonblocking: true, to: nil, files: []), .sent(3)),
                (.send(process: 1, end: "a", data: Self.bytes("unread"), nonblocking: true, to: nil, files: []), .sent(6)),
                (.close(process: 2, end: "b"), .closed),
            ]
            #expect(Self.modelAllows(.stream, steps + [
                (Self.receive("a", 0, process: 1), .failed(.ECONNRESET)), (Self.receive("a", 3, process: 1), Self.entries(["abc", "", ""])),
            ]))
            // A wrong belief: the data first, as a recv reads it.
            #expect(!Self.modelAllows(.stream, steps + [(Self.receive("a", 3, process: 1), Self.entries(["abc", "", ""]))]))
        }
    }

    @Test(arguments: [UnixSocketType.dgram, .seqpacket])
    func waitForOneAndAZeroTimeout(_ type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        _ = try Syscall.sendMessages(a, Self.three)
        // Blocking, but with MSG_WAITFORONE: what is queued, without sleeping for the other two entries.
        #expect(try Syscall.receiveMessages(b, maximum: 64, vlen: 5, flags: Syscall.messageWaitForOne).map(\.data) == Self.three)
        _ = try Syscall.sendMessages(a, Self.three)
        // A zero timeout, blocking: only the first, though two more are queued.
        let zero = Syscall.BatchTimeout(seconds: 0, nanoseconds: 0)
        #expect(try Syscall.receiveMessages(b, maximum: 64, vlen: 5, timeout: zero).map(\.data) == [Self.bytes("a")])
        // Invalid timeouts: EINVAL with datagrams queued, which stay.
        for invalid in [Syscall.BatchTimeout(seconds: 0, nanoseconds: 1_000_000_000), .init(seconds: -1, nanoseconds: 0)] {
            #expect(errorName { _ = try Syscall.receiveMessages(b, maximum: 64, vlen: 5, timeout: invalid, flags: Syscall.MessageFlags.dontWait) } == "EINVAL")
        }
        #expect(try Syscall.receiveMessages(b, maximum: 64, vlen: 5, flags: Syscall.MessageFlags.dontWait).map(\.data) == Array(Self.three.dropFirst()))

        let modelType = UnixSocketModel.SocketType(rawValue: type.rawValue)!
        let sent = (Self.send("a", Self.three), UnixSocketModel.Output.sentBatch([1, 2, 3]))
        #expect(Self.modelAllows(modelType, [
            sent, (Self.receive("b", 5, nonblocking: false, waitForOne: true), Self.entries(["a", "bc", "def"])),
            sent, (Self.receive("b", 5, nonblocking: false, timeout: .zero), Self.entries(["a"])),
            (Self.receive("b", 5, timeout: .invalid), .failed(.EINVAL)), (Self.receive("b", 5), Self.entries(["bc", "def"])),
        ]))
        // Wrong beliefs: a zero timeout taking all that is queued; an invalid one taking any.
        #expect(!Self.modelAllows(modelType, [sent, (Self.receive("b", 5, nonblocking: false, timeout: .zero), Self.entries(["a", "bc", "def"]))]))
        #expect(!Self.modelAllows(modelType, [sent, (Self.receive("b", 5, timeout: .invalid), Self.entries(["a", "bc", "def"]))]))
        // A positive timeout may end it after any message, or not: both allowed.
        #expect(Self.modelAllows(modelType, [sent, (Self.receive("b", 5, timeout: .positive), Self.entries(["a"]))]))
        #expect(Self.modelAllows(modelType, [sent, (Self.receive("b", 5, timeout: .positive), Self.entries(["a", "bc", "def"]))]))
    }

    @Test func aBatchIsNotAtomicAgainstAnotherSender() throws {
        let address = uniqueAbstractAddress("batch-receiver")
        let receiver = try KernelUnixSocket.bound(.dgram, to: address)
        let batcher = try Syscall.unixSocket(.dgram)
        let other = try Syscall.unixSocket(.dgram)
        defer { for socket in [receiver, batcher, other] { try? Syscall.close(socket) } }
        try Syscall.setSocketOption(batcher, SO_SNDBUF, 2048)
        // The first message fills the batcher's send buffer: the second sleeps until the receiver takes the first.
        let big = [UInt8](repeating: 0x62, count: 4000)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        guard sigaction(SIGUSR2, &action, nil) == 0 else { throw Errno(rawValue: errno) }
        let watched = WatchedThread()
        let thread = OSThread {
            watched.register()
            do {
                let sent = try Syscall.sendMessages(batcher, [big, Self.bytes("second")], to: address)
                watched.finish("\(sent)")
            } catch { watched.finish("\(error)") }
        }
        defer { thread.join() }
        if let failure = watched.waitUntilAsleep(release: SIGUSR2) {
            Issue.record("the batch did not sleep for room: \(failure)")
            return
        }
        _ = try Syscall.sendMessage(other, Self.bytes("other"), to: address)
        var order: [Int] = []
        for _ in 0..<3 {
            var pollDescriptor = pollfd(fd: receiver.rawValue, events: Int16(POLLIN), revents: 0)
            _ = Glibc.poll(&pollDescriptor, 1, 10_000)
            order.append(try Syscall.receiveMessage(receiver, maximum: 8192, flags: Syscall.MessageFlags.dontWait).data.count)
        }
        #expect(watched.waitUntilFinished())
        #expect(watched.result == "[4000, 6]")
        // The other sender's datagram landed between the batch's two.
        #expect(order == [4000, 5, 6])
    }

    @Test func aNullVectorFaults() throws {
        let (a, b) = try KernelUnixSocket.pair(.dgram)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        #expect(errorName { _ = try Syscall.sendMessages(a, nullVectorOf: 2) } == "EFAULT")
        _ = try Syscall.sendMessage(a, Self.bytes("x"))
        #expect(errorName { _ = try Syscall.receiveMessages(b, nullVectorOf: 2, flags: Syscall.MessageFlags.dontWait) } == "EFAULT")
    }
}
