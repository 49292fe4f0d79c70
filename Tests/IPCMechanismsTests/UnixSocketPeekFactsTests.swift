import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `MSG_PEEK` on Unix sockets, measured on this kernel, and the `unix-socket` model's `receive` with `"peek": true`
/// giving the same answers: a peek returns what a receive would and leaves it queued; descriptors it reaches are
/// installed as new descriptors and stay in the message; a stream peek reads on past its size to the next buffer
/// carrying descriptors (a kernel surprise: `unix_stream_read_generic` keeps walking the queue under `MSG_PEEK`).
@Suite struct UnixSocketPeekFactsTests {
    typealias Pair = OwnedSocketPair

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A received message's parts, its descriptors counted (and closed).
    func peek(_ socket: FileDescriptor, _ max: Int, room: Int = 0, peek: Bool = true) throws -> (String, truncated: Bool, files: Int, filesTruncated: Bool)? {
        guard case .completed(let message) = try KernelUnixSocket.receive(
            socket, maximum: max, descriptorRoom: room, nonblocking: true, peek: peek)
        else { return nil }
        for descriptor in message.descriptors { try? Syscall.close(descriptor) }
        return (String(decoding: message.data, as: UTF8.self), message.truncated, message.descriptors.count, message.descriptorsTruncated)
    }

    @Test func aStreamPeekReadsAcrossSendsAndLeavesThemQueued() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let pair = try Pair(.stream)
            #expect(try peek(pair.b, 10) == nil)  // EAGAIN
            _ = try KernelUnixSocket.send(pair.a, bytes("abc"), nonblocking: true)
            _ = try KernelUnixSocket.send(pair.a, bytes("def"), nonblocking: true)
            #expect(try peek(pair.b, 100)! == ("abcdef", false, 0, false))
            #expect(try peek(pair.b, 2, peek: false)! == ("ab", false, 0, false))
            #expect(try peek(pair.b, 100)! == ("cdef", false, 0, false))
            #expect(try peek(pair.b, 100, peek: false)! == ("cdef", false, 0, false))
        }
    }

    @Test func aStreamPeekTakesTheDescriptorsOfTheNextBufferCarryingThemEvenPastItsSize() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let pair = try Pair(.stream)
            let pipe = try KernelPipe.create()
            defer { try? Syscall.close(pipe.read); try? Syscall.close(pipe.write) }
            _ = try KernelUnixSocket.send(pair.a, bytes("ab"), nonblocking: true)
            _ = try KernelUnixSocket.send(pair.a, bytes("cd"), nonblocking: true)
            _ = try KernelUnixSocket.send(pair.a, bytes("ef"), descriptors: [pipe.write], nonblocking: true)
            #expect(try peek(pair.b, 2, room: 1)! == ("ab", false, 1, false))
            #expect(try peek(pair.b, 0, room: 1)! == ("", false, 1, false))
            #expect(try peek(pair.b, 3)! == ("abc", false, 0, true))
            // The real receive still gets the descriptor, with its buffer.
            #expect(try peek(pair.b, 100, room: 1, peek: false)! == ("abcdef", false, 1, false))
        }
    }

    @Test(arguments: [UnixSocketType.dgram, .seqpacket])
    func aRecordPeekIsTheFirstMessageTruncatedAndLeftQueuedWithItsDescriptors(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let pair = try Pair(type)
            let pipe = try KernelPipe.create()
            defer { try? Syscall.close(pipe.read); try? Syscall.close(pipe.write) }
            #expect(try peek(pair.b, 10) == nil)
            _ = try KernelUnixSocket.send(pair.a, bytes("hello"), descriptors: [pipe.write], nonblocking: true)
            #expect(try peek(pair.b, 2, room: 1)! == ("he", true, 1, false))
            #expect(try peek(pair.b, 2)! == ("he", true, 0, true))
            #expect(try peek(pair.b, 100, room: 1, peek: false)! == ("hello", false, 1, false))
            #expect(try peek(pair.b, 10) == nil)
        }
    }

    @Test func aSeqpacketPeekReportsAndClearsAPendingResetFirst() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (closing, survivor) = try KernelUnixSocket.pair(.seqpacket)
            defer { try? Syscall.close(survivor) }
            _ = try KernelUnixSocket.send(closing, bytes("x"), nonblocking: true)
            _ = try KernelUnixSocket.send(survivor, bytes("y"), nonblocking: true)
            try Syscall.close(closing)  // with "y" unread: the survivor is reset
            #expect(throws: Errno.connectionReset) { _ = try KernelUnixSocket.receive(survivor, maximum: 10, nonblocking: true, peek: true) }
            #expect(try peek(survivor, 10)! == ("x", false, 0, false))
            #expect(try peek(survivor, 10, peek: false)! == ("x", false, 0, false))
            #expect(try peek(survivor, 10)! == ("", false, 0, false))  // end of file
        }
    }

    /// The model says the same for the stream surprise.
    @Test func theModelTakesTheDescriptorsPastTheSizeToo() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let model = try UnixSocketModel(parameters: [
                "objects": ["s0": ["type": "stream", "pair": ["a": [1], "b": [2]], "files": ["w0": ["pipe": true, "holders": [1], "readers": [2]]]]],
                "tablesNeverFull": true,  // the test process's table, as the kernel's answer: no EMFILE cut
            ])
            var state = model.initialState(of: "s0")
            for (data, files) in [("ab", [String]()), ("cd", []), ("ef", ["w0"])] {
                let step = model.outcomes(of: .send(process: 1, end: "a", data: bytes(data), nonblocking: true, to: nil, files: files), in: state)
                guard case .completed(let next)? = step.first?.step else { Issue.record("send refused"); return }
                state = next
            }
            let peeked = model.outcomes(of: .peek(process: 2, end: "b", max: 2, nonblocking: true, maxFiles: 1), in: state)
            #expect(peeked.map(\.output) == [.received(.init(data: bytes("ab"), files: ["w0"]))])
        }
    }
}
