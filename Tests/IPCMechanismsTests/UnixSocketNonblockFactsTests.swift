import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `O_NONBLOCK` set on a Unix socket after it was made — `fcntl(F_SETFL)` or `ioctl(FIONBIO)` — measured on this
/// kernel (6.18), each type: the flag is the open file description's (a `dup` and a descriptor received by
/// `SCM_RIGHTS` see it, the pair's other end does not); `F_GETFL` reports `O_RDWR | O_NONBLOCK` (0x802), and an
/// `F_SETFL` that names `O_WRONLY`, `O_CREAT` or `O_TRUNC` leaves the access mode alone (`O_APPEND` it keeps, 0x402);
/// `FIONBIO` of any value but 0 sets it. Then every call without `MSG_DONTWAIT` answers as a nonblocking one: a receive (plain, `MSG_PEEK`,
/// `MSG_TRUNC`) on an empty queue `EAGAIN`; a stream send a short count, then `EAGAIN` (236544 of 300000 bytes with
/// the default send buffer); a datagram or record send `EAGAIN` once the buffer is full; a `MSG_OOB` send `EAGAIN`; an
/// `accept` with nobody waiting `EAGAIN`; a `connect` to a full backlog `EAGAIN` — a new socket's, and a connected
/// socket's (the backlog is looked at before `EISCONN`). An accepted socket does not inherit its listener's flag.
/// Cleared, the flag is gone from `F_GETFL` while `MSG_DONTWAIT` alone still makes a call nonblocking. (That a call
/// then sleeps is not asserted here: no test may wait on time; `UnixSocketNonblockAgreementTests` checks the model's
/// sleep only where the kernel cannot sleep.)
@Suite struct UnixSocketNonblockFactsTests {
    static let fionbio = UInt(FIONBIO)

    static func wouldBlock<T>(_ result: TransferResult<T>) -> Bool {
        if case .wouldBlock = result { return true }
        return false
    }

    @Test(arguments: [UnixSocketType.stream, .dgram, .seqpacket])
    func theFlagIsTheDescriptionsAndFGetflReportsIt(type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        let copy = try Syscall.duplicate(a)
        defer { for socket in [a, b, copy] { try? Syscall.close(socket) } }
        #expect(try Syscall.statusFlags(a) == O_RDWR)
        try Syscall.setStatusFlags(a, O_NONBLOCK)
        #expect(try Syscall.statusFlags(a) == O_RDWR | O_NONBLOCK)
        #expect(try Syscall.statusFlags(copy) == O_RDWR | O_NONBLOCK)
        #expect(try Syscall.statusFlags(b) == O_RDWR)
        // A receive without MSG_DONTWAIT through the duplicate: the shared flag makes it nonblocking.
        #expect(Self.wouldBlock(try KernelUnixSocket.receive(copy, maximum: 8, nonblocking: false, retryOnInterrupt: false)))
        // The access mode and O_CREAT/O_TRUNC are not F_SETFL's: named or not, O_RDWR stays.
        try Syscall.setStatusFlags(a, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK)
        #expect(try Syscall.statusFlags(a) == O_RDWR | O_NONBLOCK)
        // O_APPEND is F_SETFL's and kept (0x402), though a socket ignores it (the harness marks its own brief
        // O_NONBLOCK with it: KernelUnixSocket.accept).
        try Syscall.setStatusFlags(a, O_APPEND)
        #expect(try Syscall.statusFlags(copy) == O_RDWR | O_APPEND)
        try Syscall.setStatusFlags(a, O_NONBLOCK)
        // FIONBIO is F_SETFL of O_NONBLOCK: 0 clears it, any other value sets it.
        try Syscall.control(copy, request: Self.fionbio, argument: 0)
        #expect(try Syscall.statusFlags(a) == O_RDWR)
        try Syscall.control(copy, request: Self.fionbio, argument: 5)
        #expect(try Syscall.statusFlags(a) == O_RDWR | O_NONBLOCK)
        // Cleared: F_GETFL shows it gone; MSG_DONTWAIT alone still answers EAGAIN.
        try Syscall.setNonblocking(a, false)
        #expect(try Syscall.statusFlags(copy) == O_RDWR)
        #expect(Self.wouldBlock(try KernelUnixSocket.receive(a, maximum: 8, nonblocking: true)))
    }

    @Test(arguments: [UnixSocketType.stream, .dgram, .seqpacket])
    func aDescriptorReceivedBySCMRightsSharesTheFlag(type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        let (carrierIn, carrierOut) = try KernelUnixSocket.pair(.dgram)
        var open = [a, b, carrierIn, carrierOut]
        defer { for socket in open { try? Syscall.close(socket) } }
        _ = try KernelUnixSocket.send(carrierIn, [1], descriptors: [a], nonblocking: true)
        guard case .completed(let message) = try KernelUnixSocket.receive(carrierOut, maximum: 1, descriptorRoom: 1, nonblocking: true),
            let received = message.descriptors.first
        else {
            Issue.record("no descriptor received")
            return
        }
        open.append(received)
        try Syscall.setNonblocking(received, true)
        #expect(try Syscall.statusFlags(a) & O_NONBLOCK != 0)
        #expect(try Syscall.statusFlags(b) & O_NONBLOCK == 0)
        #expect(Self.wouldBlock(try KernelUnixSocket.receive(a, maximum: 8, nonblocking: false, retryOnInterrupt: false)))
    }

    @Test(arguments: [UnixSocketType.stream, .dgram, .seqpacket])
    func everyCallAnswersAsANonblockingOne(type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        try Syscall.setNonblocking(a, true)
        #expect(Self.wouldBlock(try KernelUnixSocket.receive(a, maximum: 8, nonblocking: false, retryOnInterrupt: false)))
        #expect(Self.wouldBlock(try KernelUnixSocket.receive(a, maximum: 8, nonblocking: false, peek: true, retryOnInterrupt: false)))
        #expect(Self.wouldBlock(try KernelUnixSocket.receive(a, maximum: 8, nonblocking: false, truncating: true, retryOnInterrupt: false)))
        var counts: [Int] = []
        var last: TransferResult<Int> = .completed(0)
        for _ in 0..<1000 {
            last = try KernelUnixSocket.send(a, Array(repeating: 7, count: type == .stream ? 100_000 : 1000), nonblocking: false, retryOnInterrupt: false)
            guard case .completed(let count) = last else { break }
            counts.append(count)
        }
        #expect(Self.wouldBlock(last))
        if type == .stream {
            // Two whole sends, then a short one (what fit), then EAGAIN.
            #expect(counts == [100_000, 100_000, 36_544])
            #expect(Self.wouldBlock(try KernelUnixSocket.send(a, [1, 2], nonblocking: false, outOfBand: true, retryOnInterrupt: false)))
        }
    }

    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func acceptAndConnectFollowTheFlagAndAcceptedSocketsDoNotInheritIt(type: UnixSocketType) throws {
        let address = uniqueAbstractAddress("nonblock-listener")
        let listener = try KernelUnixSocket.listener(type, at: address, backlog: 0)
        let (a, b) = try KernelUnixSocket.pair(type)
        var open = [listener, a, b]
        defer { for socket in open { try? Syscall.close(socket) } }
        try Syscall.setNonblocking(listener, true)
        #expect(errorName { _ = try Syscall.accept(listener, retryOnInterrupt: false) } == "EAGAIN")
        // Backlog 0: one connection may wait; the next connect finds it full.
        let first = try Syscall.unixSocket(type)
        open.append(first)
        try Syscall.connect(first, to: address, retryOnInterrupt: false)
        let second = try Syscall.unixSocket(type)
        open.append(second)
        try Syscall.setNonblocking(second, true)
        #expect(errorName { try Syscall.connect(second, to: address, retryOnInterrupt: false) } == "EAGAIN")
        // A connected socket too: the full backlog answers before EISCONN.
        try Syscall.setNonblocking(a, true)
        #expect(errorName { try Syscall.connect(a, to: address, retryOnInterrupt: false) } == "EAGAIN")
        let accepted = try Syscall.accept(listener, retryOnInterrupt: false)
        open.append(accepted)
        #expect(try Syscall.statusFlags(accepted) & O_NONBLOCK == 0)
        // With room in the backlog the connected socket's connect reaches EISCONN.
        #expect(errorName { try Syscall.connect(a, to: address, retryOnInterrupt: false) } == "EISCONN")
    }
}
