import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `listen` and `accept` on sockets that are not (or are already) listening, measured on this kernel; the
/// `unix-socket` model's `listen` and `accept` encode each fact.
@Suite struct UnixSocketListenFactsTests {
    /// A pair's end: a datagram socket cannot listen or accept (`EOPNOTSUPP`, so named); a stream or seqpacket
    /// one is not bound, and not listening (`EINVAL`).
    @Test(arguments: [(UnixSocketType.stream, "EINVAL"), (.seqpacket, "EINVAL"), (.dgram, "EOPNOTSUPP")])
    func listenAndAcceptOnAPairsEnd(type: UnixSocketType, error: String) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        defer { try? Syscall.close(a); try? Syscall.close(b) }
        #expect(errorName { try Syscall.listen(a, backlog: 1) } == error)
        #expect(errorName { _ = try Syscall.accept(a, retryOnInterrupt: false) } == error)
        // A bound datagram socket cannot listen either.
        if type == .dgram {
            let bound = try KernelUnixSocket.bound(.dgram, to: uniqueAbstractAddress("dgram"))
            defer { try? Syscall.close(bound) }
            #expect(errorName { try Syscall.listen(bound, backlog: 1) } == "EOPNOTSUPP")
        }
    }

    /// `listen` again changes the backlog at once (`backlog` + 1 may wait), connections already waiting stay when
    /// it shrinks; a negative backlog is `somaxconn`. A client or an accepted socket cannot listen (`EINVAL`).
    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func listenAgainChangesTheBacklog(type: UnixSocketType) throws {
        let address = uniqueAbstractAddress("relisten")
        let listener = try KernelUnixSocket.listener(type, at: address, backlog: 0)
        var clients: [FileDescriptor] = []
        defer { for socket in clients + [listener] { try? Syscall.close(socket) } }
        func connect() throws -> Bool {
            guard case .completed(let client) = try KernelUnixSocket.connect(type, to: address, nonblocking: true) else {
                return false
            }
            clients.append(client)
            return true
        }
        #expect(try connect())
        #expect(try !connect())
        try Syscall.listen(listener, backlog: 2)
        #expect(try connect())
        #expect(try connect())
        #expect(try !connect())  // 3 wait
        try Syscall.listen(listener, backlog: 0)
        #expect(try !connect())  // the 3 stay; no new one
        guard case .completed(let accepted) = try KernelUnixSocket.accept(listener, nonblocking: true) else {
            Issue.record("nothing to accept")
            return
        }
        clients.append(accepted)
        #expect(errorName { try Syscall.listen(accepted, backlog: 1) } == "EINVAL")
        #expect(errorName { try Syscall.listen(clients[0], backlog: 1) } == "EINVAL")
        #expect(errorName { _ = try Syscall.accept(accepted, retryOnInterrupt: false) } == "EINVAL")
        try Syscall.listen(listener, backlog: -5)
        #expect(try connect())
        #expect(try connect())
    }
}
