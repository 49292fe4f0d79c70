import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// A datagram socket's `connect` (fixing its peer) and `SO_PEERCRED`, measured on this kernel.
@Suite struct UnixSocketDatagramConnectFactsTests {
    static func address(_ name: String) -> UnixAddress {
        .abstract("ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-\(name)")
    }

    func errorName(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "ok"
        } catch let error as Errno {
            return error.name
        } catch {
            return "\(error)"
        }
    }

    /// Unconnected, a send without an address is `ENOTCONN`. Connected to `b`: a send without an address goes to
    /// `b`; a send with an address still goes there; datagrams from `b` arrive, from a third socket the sender gets
    /// `EPERM` (`a` takes datagrams only from its peer, unless that peer is `a` itself). `connect` again moves the
    /// peer; `AF_UNSPEC` is not expressible through `UnixAddress`. After `b` closes: the first send
    /// `ECONNREFUSED`, then `ENOTCONN` (the peer is dropped), `SO_ERROR` stays 0, and a new socket bound to `b`'s
    /// address is not reached until `a` connects again.
    @Test func connectFixesThePeer() throws {
        let addressA = Self.address("a"), addressB = Self.address("b"), addressC = Self.address("c")
        let a = try KernelUnixSocket.bound(.dgram, to: addressA)
        var b = try KernelUnixSocket.bound(.dgram, to: addressB)
        let c = try KernelUnixSocket.bound(.dgram, to: addressC)
        var open = [a, b, c]
        defer { for socket in open { try? Syscall.close(socket) } }
        let dontWait = Syscall.MessageFlags.dontWait
        func receive(_ socket: FileDescriptor) -> String {
            do {
                let message = try Syscall.receiveMessage(socket, maximum: 16, wantSender: true, flags: dontWait)
                return String(decoding: message.data, as: UTF8.self) + " from " + (message.sender?.description ?? "-")
            } catch {
                return error.name
            }
        }
        #expect(errorName { _ = try Syscall.sendMessage(a, [0x31], flags: dontWait) } == "ENOTCONN")
        try Syscall.connect(a, to: addressB)
        #expect(errorName { _ = try Syscall.sendMessage(a, Array("1".utf8), flags: dontWait) } == "ok")
        #expect(receive(b) == "1 from \(addressA)")
        #expect(errorName { _ = try Syscall.sendMessage(a, Array("2".utf8), to: addressC, flags: dontWait) } == "ok")
        #expect(receive(c) == "2 from \(addressA)")
        #expect(errorName { _ = try Syscall.sendMessage(c, Array("3".utf8), to: addressA, flags: dontWait) } == "EPERM")
        #expect(errorName { _ = try Syscall.sendMessage(b, Array("4".utf8), to: addressA, flags: dontWait) } == "ok")
        #expect(receive(a) == "4 from \(addressB)")
        try Syscall.connect(a, to: addressC)
        #expect(errorName { _ = try Syscall.sendMessage(a, Array("5".utf8), flags: dontWait) } == "ok")
        #expect(receive(c) == "5 from \(addressA)")
        #expect(errorName { _ = try Syscall.sendMessage(b, Array("6".utf8), to: addressA, flags: dontWait) } == "EPERM")
        try Syscall.connect(a, to: addressB)
        open.removeAll { $0 == b }
        try Syscall.close(b)
        #expect(errorName { _ = try Syscall.sendMessage(a, Array("7".utf8), flags: dontWait) } == "ECONNREFUSED")
        #expect(errorName { _ = try Syscall.sendMessage(a, Array("8".utf8), flags: dontWait) } == "ENOTCONN")
        #expect(try Syscall.socketOption(a, SO_ERROR) == 0)
        #expect(receive(a) == "EAGAIN")
        b = try KernelUnixSocket.bound(.dgram, to: addressB)
        open.append(b)
        #expect(errorName { _ = try Syscall.sendMessage(a, Array("9".utf8), flags: dontWait) } == "ENOTCONN")
        try Syscall.connect(a, to: addressB)
        #expect(errorName { _ = try Syscall.sendMessage(a, Array("9".utf8), flags: dontWait) } == "ok")
        #expect(receive(b) == "9 from \(addressA)")
    }

    /// `SO_PEERCRED`'s process id: a pair's ends report their creator; a listener reports its own creator (set at
    /// `listen`); a stream client and the accepted socket report each other's side's process at connect time (here
    /// both this process); an unconnected socket and a connected datagram socket report 0 (a datagram `connect` sets
    /// no credentials). Measured with a C probe in a forked child (not repeated here: no forking in this suite): an
    /// accepted socket still reports its connector's pid after that process exited, and a pair's end the creator's
    /// after the other end's holder forked and died — the value is fixed when the connection is made.
    @Test(arguments: [UnixSocketType.stream, .seqpacket, .dgram])
    func peerCredentials(type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        let lone = try Syscall.unixSocket(type)
        var open = [a, b, lone]
        defer { for socket in open { try? Syscall.close(socket) } }
        #expect(try Syscall.peerProcessID(a) == getpid())
        #expect(try Syscall.peerProcessID(lone) == 0)
        if type == .dgram {
            let addressB = Self.address("peer-b")
            let bound = try KernelUnixSocket.bound(.dgram, to: addressB)
            open.append(bound)
            try Syscall.connect(lone, to: addressB)
            #expect(try Syscall.peerProcessID(lone) == 0)
            return
        }
        let address = Self.address("listener")
        let listener = try KernelUnixSocket.listener(type, at: address, backlog: 2)
        open.append(listener)
        #expect(try Syscall.peerProcessID(listener) == getpid())
        guard case .completed(let client) = try KernelUnixSocket.connect(type, to: address, nonblocking: true) else {
            Issue.record("no connection")
            return
        }
        open.append(client)
        guard case .completed(let accepted) = try KernelUnixSocket.accept(listener, nonblocking: true) else {
            Issue.record("nothing to accept")
            return
        }
        open.append(accepted)
        #expect(try Syscall.peerProcessID(client) == getpid())
        #expect(try Syscall.peerProcessID(accepted) == getpid())
    }
}
