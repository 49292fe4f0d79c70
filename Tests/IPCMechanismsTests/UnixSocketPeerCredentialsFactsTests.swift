import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `SO_PEERCRED` whole (process, effective user and group ids), measured on this kernel with forked children that
/// take other ids: who a socket reports is fixed when its pair, listener or connection is made, never by who holds
/// or accepts it later — which is what the unix-socket model's `getsockopt(SO_PEERCRED)` follows.
@Suite struct UnixSocketPeerCredentialsFactsTests {
    /// No credentials: pid 0 and `(uid_t)-1` for both ids (`cred_to_ucred` with no peer).
    static let none = Syscall.PeerCredentials(pid: 0, uid: UInt32.max, gid: UInt32.max)
    /// This process's credentials.
    static var own: Syscall.PeerCredentials { .init(pid: getpid(), uid: geteuid(), gid: getegid()) }
    /// A user and group no one else here runs as.
    static let otherUser: CInt = 4321, otherGroup: CInt = 1234

    /// A pair's ends both report their creator, on every type; still after the other end closed, and for a datagram
    /// end after `connect(AF_UNSPEC)` dissolved its peer (a datagram `connect` never touches credentials).
    @Test(arguments: [UnixSocketType.stream, .seqpacket, .dgram])
    func aPairReportsItsCreator(type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        defer { try? Syscall.close(a) }
        #expect(try Syscall.peerCredentials(a) == Self.own)
        #expect(try Syscall.peerCredentials(b) == Self.own)
        if type == .dgram {
            try Syscall.disconnect(a)
            #expect(try Syscall.peerCredentials(a) == Self.own)
        }
        try Syscall.close(b)
        #expect(try Syscall.peerCredentials(a) == Self.own)
    }

    /// A socket never connected, and a bound datagram socket connected to another, report none.
    @Test(arguments: [UnixSocketType.stream, .seqpacket, .dgram])
    func anUnconnectedOrDatagramConnectedSocketReportsNone(type: UnixSocketType) throws {
        let lone = try Syscall.unixSocket(type)
        defer { try? Syscall.close(lone) }
        #expect(try Syscall.peerCredentials(lone) == Self.none)
        guard type == .dgram else { return }
        let address = uniqueAbstractAddress("peer")
        let bound = try KernelUnixSocket.bound(.dgram, to: address)
        defer { try? Syscall.close(bound) }
        try Syscall.connect(lone, to: address)
        #expect(try Syscall.peerCredentials(lone) == Self.none)
        #expect(try Syscall.peerCredentials(bound) == Self.none)
    }

    /// The connector's side: a listener reports whoever last called `listen` on it (here, then a child as user 4321,
    /// group 1234, which has exited since); a client that connects afterwards reports that child (its credentials
    /// copied from the listener at connect time), and the accepted socket this process (the connector). A client
    /// connected before the child's `listen` keeps reporting this process; closing the accepted socket changes
    /// nothing.
    @Test(
        .enabled(if: geteuid() == 0, "taking another user's ids needs root"),
        arguments: [UnixSocketType.stream, .seqpacket])
    func aClientReportsWhoeverListenedLast(type: UnixSocketType) throws {
        let address = uniqueAbstractAddress("listener")
        let listener = try KernelUnixSocket.listener(type, at: address, backlog: 4)
        var open = [listener]
        defer { for socket in open { try? Syscall.close(socket) } }
        #expect(try Syscall.peerCredentials(listener) == Self.own)
        guard let (early, earlyAccepted) = try acceptedConnection(type, to: address, on: listener) else { return }
        open += [early, earlyAccepted]

        let child = try Syscall.listenOrConnectInChild(listener, backlog: 4, uid: Self.otherUser, gid: Self.otherGroup)
        #expect(child.error == nil)
        let childCredentials = Syscall.PeerCredentials(
            pid: child.pid, uid: UInt32(Self.otherUser), gid: UInt32(Self.otherGroup))
        #expect(try Syscall.peerCredentials(listener) == childCredentials)
        #expect(try Syscall.peerCredentials(early) == Self.own)

        guard let (client, accepted) = try acceptedConnection(type, to: address, on: listener) else { return }
        open += [client, accepted]
        #expect(try Syscall.peerCredentials(client) == childCredentials)
        #expect(try Syscall.peerCredentials(accepted) == Self.own)
        try Syscall.close(accepted)
        open.removeLast()
        #expect(try Syscall.peerCredentials(client) == childCredentials)

        // This process listening again takes the listener back: the next client reports it.
        try Syscall.listen(listener, backlog: 4)
        #expect(try Syscall.peerCredentials(listener) == Self.own)
        guard let (later, laterAccepted) = try acceptedConnection(type, to: address, on: listener) else { return }
        open += [later, laterAccepted]
        #expect(try Syscall.peerCredentials(later) == Self.own)
    }

    /// The acceptor's side: a connection a child made (as user 4321, group 1234) and left waiting as it exited is
    /// accepted here and reports that child — its pid though it is gone, its ids — not the acceptor.
    @Test(
        .enabled(if: geteuid() == 0, "taking another user's ids needs root"),
        arguments: [UnixSocketType.stream, .seqpacket])
    func anAcceptedSocketReportsItsConnector(type: UnixSocketType) throws {
        let address = uniqueAbstractAddress("listener")
        let listener = try KernelUnixSocket.listener(type, at: address, backlog: 4)
        defer { try? Syscall.close(listener) }
        let child = try Syscall.listenOrConnectInChild(
            connectTo: address, type: type.rawType | CInt(SOCK_CLOEXEC.rawValue), uid: Self.otherUser,
            gid: Self.otherGroup)
        #expect(child.error == nil)
        guard case .completed(let accepted) = try KernelUnixSocket.accept(listener, nonblocking: true) else {
            Issue.record("the child's connection is not waiting")
            return
        }
        defer { try? Syscall.close(accepted) }
        #expect(
            try Syscall.peerCredentials(accepted)
                == Syscall.PeerCredentials(pid: child.pid, uid: UInt32(Self.otherUser), gid: UInt32(Self.otherGroup)))
    }
}
