import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `MSG_ERRQUEUE` on a Unix socket, measured on this kernel (6.18; a C probe first; LTP's `recvmsg` tests ask it of
/// other families): a Unix socket has no error queue and `unix_*_recvmsg` never looks at the flag, so a receive with
/// it is a plain receive — it takes the queued datagram, record or stream bytes (not `EAGAIN`, which an error
/// queue's emptiness would give), and `EAGAIN` only when nothing is queued. The trace form's `"errqueue": true` is
/// judged as the receive without it.
@Suite struct UnixSocketErrorQueueFactsTests {
    @Test(arguments: UnixSocketType.allCases)
    func aReceiveWithMsgErrqueueTakesTheQueuedData(_ type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        let flags = Syscall.messageErrorQueue | Syscall.MessageFlags.dontWait
        #expect(errorName { _ = try Syscall.receiveMessage(b, maximum: 16, flags: flags) } == "EAGAIN")
        _ = try Syscall.sendMessage(a, Array("xyz".utf8))
        #expect(try Syscall.receiveMessage(b, maximum: 16, flags: flags).data == Array("xyz".utf8))
        #expect(errorName { _ = try Syscall.receiveMessage(b, maximum: 16, flags: Syscall.MessageFlags.dontWait) } == "EAGAIN")

        // The model reads the trace form's flag and judges the receive as a plain one.
        let model = UnixSocketModel(objects: [("s0", .init(type: UnixSocketModel.SocketType(rawValue: type.rawValue)!, shape: .pair(a: [1], b: [2])))])
        let input = try model.input(from: Call(process: 2, object: "s0", f: "receive", value: ["end": "b", "max": 16, "nonblocking": true, "errqueue": true]))
        #expect(input == .receive(process: 2, end: "b", max: 16, nonblocking: true, maxFiles: 0))
        #expect(throws: ModelError.self) {
            try model.input(from: Call(process: 2, object: "s0", f: "receive", value: ["end": "b", "max": 16, "errqueue": 1]))
        }
    }
}
