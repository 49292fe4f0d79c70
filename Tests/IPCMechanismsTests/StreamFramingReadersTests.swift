import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The framing readers on a real stream socketpair: the one-read client next to the loop, where a message is not
/// all there yet or its receive is cut short, and the loop at end of file, after a reset, past descriptors.
@Suite struct StreamFramingReadersTests {
    let writer: FileDescriptor
    let reader: FileDescriptor

    init() throws {
        (writer, reader) = try KernelUnixSocket.pair(.stream)
    }

    func send(_ text: String, descriptors: [FileDescriptor] = []) throws {
        _ = try KernelUnixSocket.send(writer, Array(text.utf8), descriptors: descriptors, nonblocking: false)
    }

    func text(_ message: ReceivedMessage) -> String { String(decoding: message.data, as: UTF8.self) }

    func closeAll() {
        try? Syscall.close(writer)
        try? Syscall.close(reader)
    }

    @Test func aMessageNotAllSentYetIsShortOnlyToTheOneReadClient() throws {
        defer { closeAll() }
        try send("hello")
        var fragile = OneReadFramingReader()
        #expect(try text(fragile.receive(exactly: 11, from: reader)) == "hello")

        try send("hello")
        // The rest comes from another thread, whenever it runs: the loop waits for it.
        let rest = TestThread { _ = try? KernelUnixSocket.send(writer, Array(" world".utf8), nonblocking: false) }
        var robust = FramingReader()
        #expect(try text(robust.receive(exactly: 11, from: reader)) == "hello world")
        rest.join()
    }

    @Test func aReceiveCutShortIsTheMessageOnlyToTheOneReadClient() throws {
        defer { closeAll() }
        func cutOnce() -> FaultPlan {
            FaultPlan(rules: [FaultPlan.Rule(call: .recvmsg, action: .shorten(to: 3), count: 1)])
        }
        try send("hello world")
        var fragile = OneReadFramingReader()
        let fragileGot = try FaultInjection.$taskInjector.withValue(cutOnce()) {
            try fragile.receive(exactly: 11, from: reader)
        }
        #expect(text(fragileGot) == "hel")
        // Its next "message" starts in the middle of this one.
        #expect(try text(fragile.receive(exactly: 11, from: reader)) == "lo world")

        try send("hello world")
        var robust = FramingReader()
        let robustGot = try FaultInjection.$taskInjector.withValue(cutOnce()) {
            try robust.receive(exactly: 11, from: reader)
        }
        #expect(text(robustGot) == "hello world")
    }

    @Test func anInterruptedReceiveIsRetriedByTheLoop() throws {
        defer { closeAll() }
        try send("hello")
        let plan = FaultPlan(rules: [.counted(.recvmsg, errno: .interrupted, count: 2)])
        var robust = FramingReader()
        let got = try FaultInjection.$taskInjector.withValue(plan) { try robust.receive(exactly: 5, from: reader) }
        #expect(text(got) == "hello")
        #expect(plan.records.map(\.action) == [.fail(.interrupted), .fail(.interrupted), .proceed])
    }

    @Test(arguments: [false, true])
    func atEndOfFileOrAResetTheLoopReturnsWhatItHasAndTheResetIsGone(reset: Bool) throws {
        defer { try? Syscall.close(reader) }
        // The reader's own bytes left unread at the writer make the writer's close a reset.
        if reset { _ = try KernelUnixSocket.send(reader, Array("unread".utf8), nonblocking: false) }
        try send("hi")
        try Syscall.close(writer)
        var robust = FramingReader()
        #expect(try text(robust.receive(exactly: 5, from: reader)) == "hi")
        #expect(try robust.receive(exactly: 5, from: reader).data.isEmpty)
    }

    @Test func aResetWithNothingReceivedFailsTheLoop() throws {
        defer { try? Syscall.close(reader) }
        _ = try KernelUnixSocket.send(reader, Array("unread".utf8), nonblocking: false)
        try Syscall.close(writer)
        var robust = FramingReader()
        #expect(throws: Errno.connectionReset) { try robust.receive(exactly: 5, from: reader) }
        #expect(try robust.receive(exactly: 5, from: reader).data.isEmpty)
    }

    @Test func descriptorsTheLoopMeetsAreClosed() throws {
        defer { closeAll() }
        let pipe = try KernelPipe.create()
        defer { try? Syscall.close(pipe.read) }
        try send("xy", descriptors: [pipe.write])
        try Syscall.close(pipe.write)
        try send("z")
        var robust = FramingReader()
        let got = try robust.receive(exactly: 3, from: reader)
        #expect(text(got) == "xyz" && got.descriptorsTruncated && got.descriptors.isEmpty)
        // The only write end was the one in flight: closed by the kernel, so the pipe reads end of file.
        #expect(try KernelPipe.read(pipe.read, max: 1, nonblocking: true) == .completed([]))
    }
}
