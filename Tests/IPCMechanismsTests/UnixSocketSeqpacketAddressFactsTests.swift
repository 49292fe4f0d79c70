import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// A seqpacket send ignores the address it is given (`unix_seqpacket_sendmsg` zeroes `msg_namelen` before the
/// datagram path sees it): the record goes to the connected peer, not to the socket at the address. The model once
/// sent it to the socket at the address, and would have judged a true trace wrong.
@Suite struct UnixSocketSeqpacketAddressFactsTests {
    @Test func aSeqpacketSendToAnotherAddressGoesToThePeer() throws {
        let (a, b) = try KernelUnixSocket.pair(.seqpacket)
        let address = uniqueAbstractAddress("seqpacket-elsewhere")
        let other = try KernelUnixSocket.listener(.seqpacket, at: address, backlog: 4)
        defer { for socket in [a, b, other] { try? Syscall.close(socket) } }
        #expect(try KernelUnixSocket.send(a, Array("hi".utf8), to: address, nonblocking: true) == .completed(2))
        guard case .completed(let received) = try KernelUnixSocket.receive(b, maximum: 16, nonblocking: true) else {
            Issue.record("the peer received nothing")
            return
        }
        #expect(received.data == Array("hi".utf8))
        // Nothing reached the listener: no connection waits on it.
        #expect(errorName { try Syscall.setNonblocking(other, true); _ = try Syscall.accept(other) } == "EAGAIN")

        // The model: a client connected to a listener, sending with a "to" naming the listener itself, sends to its
        // accepted peer all the same (the listener takes no records).
        let model = UnixSocketModel(objects: [("s0", .init(type: .seqpacket, shape: .listener(holders: [9], backlog: 4), address: .abstract))])
        var state = model.initialState(of: "s0")
        func step(_ input: UnixSocketModel.Input, _ output: UnixSocketModel.Output) {
            let matching = model.outcomes(of: input, in: state).filter { $0.output == output }
            #expect(matching.count == 1, "\(input): \(model.outcomes(of: input, in: state).map(\.output))")
            if case .completed(let next)? = matching.first?.step { state = next }
        }
        step(.connect(process: 1, nonblocking: true), .connected("client-1"))
        step(.accept(process: 9, end: "listen", nonblocking: true), .connected("server-1"))
        step(.send(process: 1, end: "client-1", data: Array("hi".utf8), nonblocking: true, to: "listen", files: []), .sent(2))
        step(.receive(process: 9, end: "server-1", max: 16, nonblocking: true, maxFiles: 0), .received(.init(data: Array("hi".utf8))))
    }
}
