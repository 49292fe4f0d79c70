import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `connect` with `AF_UNSPEC` on a bound datagram socket (`unix_dgram_connect`'s "breaking connected state"),
/// measured on this kernel: the peer goes, as when it connects elsewhere, but to nobody.
@Suite struct UnixSocketDisconnectFactsTests {
    /// Three datagram sockets bound to fresh abstract names, closed at the end (each once).
    final class Sockets {
        var open: [FileDescriptor] = []
        let addresses: [UnixAddress]
        let sockets: [FileDescriptor]

        init() throws {
            addresses = (1...3).map { uniqueAbstractAddress("p\($0)") }
            var made: [FileDescriptor] = []
            for address in addresses { made.append(try KernelUnixSocket.bound(.dgram, to: address)) }
            sockets = made
            open = made
        }

        func close(_ index: Int) throws {
            open.removeAll { $0 == sockets[index] }
            try Syscall.close(sockets[index])
        }

        deinit { for socket in open { try? Syscall.close(socket) } }
    }

    func send(_ from: FileDescriptor, to: UnixAddress?) -> String {
        errorName { _ = try KernelUnixSocket.send(from, [1], to: to, nonblocking: true) }
    }

    func receive(_ socket: FileDescriptor) -> String {
        errorName {
            if case .wouldBlock = try KernelUnixSocket.receive(socket, maximum: 16, nonblocking: true) { throw Errno.wouldBlock }
        }
    }

    /// Connected to p2 with a datagram from p2 queued: `AF_UNSPEC` succeeds, discards the queue, and leaves no peer —
    /// a send without an address `ENOTCONN`, others' datagrams taken again (no `EPERM`), sends with an address go.
    @Test func dissolvesThePeerAndDiscardsTheQueue() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let s = try Sockets()
            let (p1, p2, p3) = (s.sockets[0], s.sockets[1], s.sockets[2])
            try Syscall.connect(p1, to: s.addresses[1])
            #expect(send(p2, to: s.addresses[0]) == "ok")
            #expect(send(p3, to: s.addresses[0]) == "EPERM")
            #expect(errorName { try Syscall.disconnect(p1) } == "ok")
            #expect(receive(p1) == "EAGAIN")
            #expect(send(p1, to: nil) == "ENOTCONN")
            #expect(send(p3, to: s.addresses[0]) == "ok")
            #expect(receive(p1) == "ok")
            #expect(send(p1, to: s.addresses[1]) == "ok")
            #expect(receive(p2) == "ok")
            // Again, with no peer: nothing happens, the queue stays.
            #expect(send(p3, to: s.addresses[0]) == "ok")
            #expect(errorName { try Syscall.disconnect(p1) } == "ok")
            #expect(receive(p1) == "ok")
        }
    }

    /// An old peer connected back, when something was discarded, gets `ECONNRESET` (`SO_ERROR`), as when the socket
    /// connects elsewhere; with nothing discarded, nothing.
    @Test func resetsAnOldPeerConnectedBack() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let s = try Sockets()
            let (p1, p2) = (s.sockets[0], s.sockets[1])
            try Syscall.connect(p1, to: s.addresses[1])
            try Syscall.connect(p2, to: s.addresses[0])
            #expect(errorName { try Syscall.disconnect(p1) } == "ok")
            #expect(try Syscall.socketOption(p2, SO_ERROR) == 0)
            try Syscall.connect(p1, to: s.addresses[1])
            #expect(send(p2, to: nil) == "ok")
            #expect(errorName { try Syscall.disconnect(p1) } == "ok")
            #expect(try Syscall.socketOption(p2, SO_ERROR) == ECONNRESET)
            #expect(receive(p1) == "EAGAIN")
        }
    }

    /// After the peer closed (no send has noticed yet), `AF_UNSPEC` drops it: others' datagrams are taken again and
    /// the queue goes.
    @Test func dropsAClosedPeer() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let s = try Sockets()
            let (p1, p2, p3) = (s.sockets[0], s.sockets[1], s.sockets[2])
            try Syscall.connect(p1, to: s.addresses[1])
            #expect(send(p2, to: s.addresses[0]) == "ok")
            try s.close(1)
            #expect(send(p3, to: s.addresses[0]) == "EPERM")
            #expect(errorName { try Syscall.disconnect(p1) } == "ok")
            #expect(receive(p1) == "EAGAIN")
            #expect(send(p3, to: s.addresses[0]) == "ok")
            #expect(send(p1, to: nil) == "ENOTCONN")
        }
    }

    /// A datagram socketpair's end dissolves its peer too (a send without an address then `ENOTCONN`, the other end
    /// still sends to it, and is reset if the end's queue was discarded); a stream or seqpacket socket refuses the
    /// family (`EINVAL`), connected or not.
    @Test(arguments: UnixSocketType.allCases)
    func onPairs(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(type)
            defer { for socket in [a, b] { try? Syscall.close(socket) } }
            guard type == .dgram else {
                #expect(errorName { try Syscall.disconnect(a) } == "EINVAL")
                let fresh = try Syscall.unixSocket(type)
                defer { try? Syscall.close(fresh) }
                #expect(errorName { try Syscall.disconnect(fresh) } == "EINVAL")
                return
            }
            #expect(send(b, to: nil) == "ok")
            #expect(errorName { try Syscall.disconnect(a) } == "ok")
            #expect(try Syscall.socketOption(b, SO_ERROR) == ECONNRESET)
            #expect(receive(a) == "EAGAIN")
            #expect(send(a, to: nil) == "ENOTCONN")
            #expect(send(b, to: nil) == "ok")
            #expect(receive(a) == "ok")
        }
    }
}
