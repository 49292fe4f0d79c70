import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `accept4`'s flags on Unix sockets, measured on this kernel (6.18): every bit but `SOCK_NONBLOCK` (0x800) and
/// `SOCK_CLOEXEC` (0x80000) fails `EINVAL` — after `EBADF` (the descriptor is looked up first) and before everything
/// else (`EAGAIN` of an empty listener, `EINVAL` of a socket that does not listen, `EOPNOTSUPP` of a datagram
/// socket); `SOCK_NONBLOCK` makes the accepted socket nonblocking (`O_NONBLOCK` on its description: a `recv` without
/// `MSG_DONTWAIT` fails `EAGAIN` on an empty queue), which it does not inherit from a nonblocking listener.
@Suite struct UnixSocketAcceptFlagsFactsTests {
    static let nonblock: CInt = 0x800
    static let closeOnExec: CInt = 0x80000

    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func everyOtherBitFailsEINVALFirst(type: UnixSocketType) throws {
        let listener = try KernelUnixSocket.listener(type, at: uniqueAbstractAddress("accept4"), backlog: 4)
        let (a, b) = try KernelUnixSocket.pair(type)
        let datagram = try Syscall.unixSocket(.dgram)
        defer { for socket in [listener, a, b, datagram] { try? Syscall.close(socket) } }
        try Syscall.setNonblocking(listener, true)
        var others: [String] = []
        for bit in 0..<32 {
            let flag = CInt(bitPattern: UInt32(1) << UInt32(bit))
            if flag == Self.nonblock || flag == Self.closeOnExec { continue }
            others.append(errorName { _ = try Syscall.accept(listener, flags: flag, retryOnInterrupt: false) })
        }
        #expect(others == Array(repeating: "EINVAL", count: 30))
        #expect(errorName { _ = try Syscall.accept(listener, flags: 0, retryOnInterrupt: false) } == "EAGAIN")
        #expect(errorName { _ = try Syscall.accept(a, flags: 1, retryOnInterrupt: false) } == "EINVAL")
        #expect(errorName { _ = try Syscall.accept(datagram, flags: 1, retryOnInterrupt: false) } == "EINVAL")
        #expect(errorName { _ = try Syscall.accept(datagram, flags: 0, retryOnInterrupt: false) } == "EOPNOTSUPP")
        #expect(errorName { _ = try Syscall.accept(FileDescriptor(rawValue: -1), flags: 1, retryOnInterrupt: false) } == "EBADF")
    }

    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func socketNonblockMakesTheAcceptedSocketNonblocking(type: UnixSocketType) throws {
        let address = uniqueAbstractAddress("accept4-nonblock")
        let listener = try KernelUnixSocket.listener(type, at: address, backlog: 4)
        var open = [listener]
        defer { for socket in open { try? Syscall.close(socket) } }
        try Syscall.setNonblocking(listener, true)
        for _ in 0..<2 {
            guard case .completed(let client) = try KernelUnixSocket.connect(type, to: address, nonblocking: true) else {
                Issue.record("no connection")
                return
            }
            open.append(client)
        }
        let flagged = try Syscall.accept(listener, flags: Self.nonblock | Self.closeOnExec, retryOnInterrupt: false)
        open.append(flagged)
        #expect(try Syscall.statusFlags(flagged) & O_NONBLOCK != 0)
        // A receive without MSG_DONTWAIT on the empty queue: EAGAIN (wouldBlock), not a sleep.
        let empty = try KernelUnixSocket.receive(flagged, maximum: 8, nonblocking: false, retryOnInterrupt: false)
        #expect({ if case .wouldBlock = empty { true } else { false } }())
        _ = try KernelUnixSocket.send(open[1], [1, 2], nonblocking: true)
        guard case .completed(let message) = try KernelUnixSocket.receive(flagged, maximum: 8, nonblocking: false) else {
            Issue.record("nothing received")
            return
        }
        #expect(message.data == [1, 2])
        // Without the flag the accepted socket blocks, though the listener is nonblocking.
        let plain = try Syscall.accept(listener, flags: 0, retryOnInterrupt: false)
        open.append(plain)
        #expect(try Syscall.statusFlags(plain) & O_NONBLOCK == 0)
    }
}
