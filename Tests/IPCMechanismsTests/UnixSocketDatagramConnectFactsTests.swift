import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// A datagram socket's `connect` (fixing its peer) and `SO_PEERCRED`, measured on this kernel.
@Suite struct UnixSocketDatagramConnectFactsTests {
    /// Unconnected, a send without an address is `ENOTCONN`. Connected to `b`: a send without an address goes to
    /// `b`; a send with an address goes to that address; datagrams from `b` arrive, from a third socket the sender gets
    /// `EPERM` (`a` takes datagrams only from its peer, unless that peer is `a` itself). `connect` again moves the
    /// peer; `AF_UNSPEC` is not expressible through `UnixAddress`. After `b` closes: the first send
    /// `ECONNREFUSED`, then `ENOTCONN` (the peer is dropped), `SO_ERROR` stays 0, and a new socket bound to `b`'s
    /// address is not reached until `a` connects again.
    @Test func connectFixesThePeer() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let addressA = uniqueAbstractAddress("a"), addressB = uniqueAbstractAddress("b"), addressC = uniqueAbstractAddress("c")
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
    }

    /// What the model's `connect` of bound datagram sockets relies on beyond ``connectFixesThePeer()``: `connect`
    /// checks like a send (`unix_may_send`): to a socket connected to another (itself too) `EPERM`, to a closed one
    /// `ECONNREFUSED` with the old peer kept; a socket whose peer closed still refuses others (`EPERM`, `connect`
    /// too) until its own send found the peer gone (`ECONNREFUSED` discards its queue, a third socket's datagrams
    /// included). Moving to another peer discards the queue (the same peer again keeps it, a closed old peer
    /// discards it too, and a socket that was its own peer gets no error); a live old peer connected back gets `ECONNRESET` if something was discarded (none if the
    /// queue was empty or it was not connected back), reported once: by `SO_ERROR`, by a receive before its queued
    /// datagram, or by a send (after `EMSGSIZE`, before `EPERM`; also by a send with an address), not by `connect`.
    @Test func connectRules() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let names = ["a", "b", "c"].map { ($0, uniqueAbstractAddress($0)) }
            let address = Dictionary(uniqueKeysWithValues: names)
            var open: [FileDescriptor] = []
            defer { for socket in open { try? Syscall.close(socket) } }
            func bound(_ name: String) throws -> FileDescriptor {
                let socket = try KernelUnixSocket.bound(.dgram, to: address[name]!)
                open.append(socket)
                return socket
            }
            func close(_ socket: FileDescriptor) throws {
                open.removeAll { $0 == socket }
                try Syscall.close(socket)
            }
            func fresh() throws -> (FileDescriptor, FileDescriptor, FileDescriptor) {
                for socket in open { try Syscall.close(socket) }
                open = []
                return (try bound("a"), try bound("b"), try bound("c"))
            }
            let dontWait = Syscall.MessageFlags.dontWait
            func send(_ socket: FileDescriptor, to name: String? = nil, size: Int = 1) -> String {
                errorName { _ = try Syscall.sendMessage(socket, [UInt8](repeating: 0x31, count: size), to: name.map { address[$0]! }, flags: dontWait) }
            }
            func connect(_ socket: FileDescriptor, _ name: String) -> String { errorName { try Syscall.connect(socket, to: address[name]!) } }
            func receive(_ socket: FileDescriptor) -> String {
                errorName { _ = try Syscall.receiveMessage(socket, maximum: 16, flags: dontWait) }
            }
            func pendingError(_ socket: FileDescriptor) throws -> Int { try Syscall.socketOption(socket, SO_ERROR) }

            var (a, b, c) = try fresh()
            #expect(connect(b, "c") == "ok")
            #expect(connect(a, "b") == "EPERM")
            #expect(connect(b, "b") == "EPERM")
            #expect(send(b, to: "b") == "EPERM")
            #expect(connect(a, "a") == "ok")
            #expect(send(a) == "ok")
            #expect(send(a) == "ok")
            #expect(receive(a) == "ok")
            #expect(connect(a, "c") == "ok")
            #expect(try pendingError(a) == 0)
            #expect(receive(a) == "EAGAIN")
            try close(b)
            #expect(connect(a, "b") == "ECONNREFUSED")
            #expect(send(a) == "ok")
            #expect(receive(c) == "ok")

            // A peer that closed still keeps others out until a send finds it gone, which discards the queue.
            (a, b, c) = try fresh()
            #expect(send(c, to: "a") == "ok")
            #expect(connect(a, "b") == "ok")
            try close(b)
            #expect(send(c, to: "a") == "EPERM")
            #expect(connect(c, "a") == "EPERM")
            #expect(send(a) == "ECONNREFUSED")
            #expect(receive(a) == "EAGAIN")
            #expect(send(c, to: "a") == "ok")
            #expect(send(a) == "ENOTCONN")

            // Moving to another peer discards the queue; the same peer again keeps it; a closed old peer too discards.
            (a, b, c) = try fresh()
            #expect(connect(a, "b") == "ok")
            #expect(send(b, to: "a") == "ok")
            #expect(connect(a, "b") == "ok")
            #expect(connect(a, "c") == "ok")
            #expect(try pendingError(b) == 0)
            #expect(receive(a) == "EAGAIN")
            #expect(send(c, to: "a") == "ok")
            try close(c)
            #expect(connect(a, "b") == "ok")
            #expect(receive(a) == "EAGAIN")

            // A live old peer connected back gets ECONNRESET for what was discarded, reported once.
            (a, b, c) = try fresh()
            #expect(connect(a, "b") == "ok")
            #expect(connect(b, "a") == "ok")
            #expect(connect(a, "c") == "ok")
            #expect(try pendingError(b) == 0)
            #expect(connect(a, "b") == "ok")
            #expect(send(b) == "ok")
            #expect(send(a) == "ok")
            #expect(connect(a, "c") == "ok")
            #expect(try pendingError(b) == Int(ECONNRESET))
            #expect(try pendingError(b) == 0)
            #expect(receive(b) == "ok")
            #expect(connect(a, "b") == "ok")
            #expect(send(b) == "ok")
            #expect(send(a) == "ok")
            #expect(connect(a, "c") == "ok")
            var descriptors = [pollfd(fd: b.rawValue, events: Int16(POLLIN | POLLOUT), revents: 0)]
            _ = try Syscall.poll(&descriptors, timeoutMilliseconds: 0)
            #expect(Int32(descriptors[0].revents) & POLLERR != 0)
            #expect(receive(b) == "ECONNRESET")
            #expect(receive(b) == "ok")
            #expect(receive(b) == "EAGAIN")
            #expect(connect(a, "b") == "ok")
            #expect(send(b) == "ok")
            #expect(connect(a, "c") == "ok")
            #expect(connect(b, "c") == "ok")
            #expect(send(b, size: 1 << 20) == "EMSGSIZE")
            #expect(send(b, to: "c") == "ECONNRESET")
            #expect(send(b, to: "c") == "ok")
            #expect(connect(b, "a") == "EPERM")
            #expect(connect(a, "b") == "EPERM")
            try close(c)
            #expect(connect(a, "b") == "EPERM")
            #expect(connect(b, "a") == "EPERM")
            #expect(send(b) == "ECONNREFUSED")
            #expect(connect(a, "b") == "ok")
            #expect(connect(b, "c") == "ECONNREFUSED")

            // Not connected back: no error when the queue is discarded.
            (a, b, c) = try fresh()
            #expect(connect(a, "b") == "ok")
            #expect(send(b, to: "a") == "ok")
            #expect(connect(a, "c") == "ok")
            #expect(try pendingError(b) == 0)
        }
    }

    /// The queue-length limit (`net.unix.max_dgram_qlen`, 10 here) holds for a connected send to a peer that is not
    /// connected back, and `POLLOUT` is withheld while that peer's queue is full; connected back, neither.
    @Test func connectedSendsAndTheQueueLimit() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let addressA = uniqueAbstractAddress("qa"), addressB = uniqueAbstractAddress("qb")
            let a = try KernelUnixSocket.bound(.dgram, to: addressA)
            let b = try KernelUnixSocket.bound(.dgram, to: addressB)
            defer {
                try? Syscall.close(a)
                try? Syscall.close(b)
            }
            func writable() throws -> Bool {
                var descriptors = [pollfd(fd: a.rawValue, events: Int16(POLLOUT), revents: 0)]
                _ = try Syscall.poll(&descriptors, timeoutMilliseconds: 0)
                return Int32(descriptors[0].revents) & POLLOUT != 0
            }
            try Syscall.connect(a, to: addressB)
            var sent = 0
            while errorName({ _ = try Syscall.sendMessage(a, [0x31], flags: Syscall.MessageFlags.dontWait) }) == "ok" && sent < 100 { sent += 1 }
            #expect(sent == 11)
            #expect(try writable() == false)
            try Syscall.connect(b, to: addressA)
            #expect(try writable())
            #expect(errorName { _ = try Syscall.sendMessage(a, [0x31], flags: Syscall.MessageFlags.dontWait) } == "ok")
        }
    }

    /// `SO_PEERCRED`'s process id: a pair's ends report their creator; a listener reports its own creator (set at
    /// `listen`); a stream client and the accepted socket report each other's side's process at connect time (here
    /// both this process); an unconnected socket and a connected datagram socket report 0 (a datagram `connect` sets
    /// no credentials). Measured with a C probe in a forked child (not repeated here: no forking in this suite): an
    /// accepted socket still reports its connector's pid after that process exited, and a pair's end the creator's
    /// after the other end's holder forked and died — the value is fixed when the connection is made.
    @Test(arguments: [UnixSocketType.stream, .seqpacket, .dgram])
    func peerCredentials(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(type)
            let lone = try Syscall.unixSocket(type)
            var open = [a, b, lone]
            defer { for socket in open { try? Syscall.close(socket) } }
            #expect(try Syscall.peerProcessID(a) == getpid())
            #expect(try Syscall.peerProcessID(lone) == 0)
            if type == .dgram {
                let addressB = uniqueAbstractAddress("peer-b")
                let bound = try KernelUnixSocket.bound(.dgram, to: addressB)
                open.append(bound)
                try Syscall.connect(lone, to: addressB)
                #expect(try Syscall.peerProcessID(lone) == 0)
                return
            }
            let address = uniqueAbstractAddress("listener")
            let listener = try KernelUnixSocket.listener(type, at: address, backlog: 2)
            open.append(listener)
            #expect(try Syscall.peerProcessID(listener) == getpid())
            guard let (client, accepted) = try acceptedConnection(type, to: address, on: listener) else { return }
            open += [client, accepted]
            #expect(try Syscall.peerProcessID(client) == getpid())
            #expect(try Syscall.peerProcessID(accepted) == getpid())
        }
    }
}
