import Foundation
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `getsockopt` (`SO_ERROR`, `SO_TYPE`, `SO_SNDBUF`), `setsockopt(SO_SNDBUF)` and `ioctl(SIOCINQ/SIOCOUTQ)` on Unix
/// sockets, measured on this kernel; the `unix-socket` model's `option` encodes each fact, and
/// `UnixSocketModelAgreementTests` makes these calls at random points of random sequences on both.
@Suite struct UnixSocketOptionFactsTests {
    typealias Pair = OwnedSocketPair

    func send(_ socket: FileDescriptor, _ count: Int) throws -> TransferResult<Int> {
        try KernelUnixSocket.send(socket, [UInt8](repeating: 7, count: count), nonblocking: true)
    }

    /// `SO_ERROR` reports the reset a peer left by closing with unread bytes, and takes it: asked again it is 0,
    /// and the next read sees end of file, not `ECONNRESET`.
    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func soErrorReportsThePendingResetAndTakesIt(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let pair = try Pair(type)
            #expect(try Syscall.socketOption(pair.b, SO_ERROR) == 0)
            #expect(try send(pair.b, 2) == .completed(2))
            try pair.closeA()
            #expect(try Syscall.socketOption(pair.b, SO_ERROR) == Int(ECONNRESET))
            #expect(try Syscall.socketOption(pair.b, SO_ERROR) == 0)
            guard case .completed(let message) = try KernelUnixSocket.receive(pair.b, maximum: 10, nonblocking: true) else {
                Issue.record("the read after SO_ERROR would block")
                return
            }
            #expect(message.data.isEmpty)
        }
    }

    /// A datagram socket has no error to report, even refused by a closed peer.
    @Test func aDatagramSocketsErrorStaysZero() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let pair = try Pair(.dgram)
            #expect(try send(pair.b, 2) == .completed(2))
            try pair.closeA()
            #expect(try Syscall.socketOption(pair.b, SO_ERROR) == 0)
            #expect(throws: Errno.connectionRefused) { try send(pair.b, 1) }
            #expect(try Syscall.socketOption(pair.b, SO_ERROR) == 0)
        }
    }

    @Test(arguments: [(UnixSocketType.stream, 1), (.dgram, 2), (.seqpacket, 5)])
    func soTypeAndTheDefaultSendBuffer(type: UnixSocketType, number: Int) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let pair = try Pair(type)
            #expect(try Syscall.socketOption(pair.a, SO_TYPE) == number)
            #expect(try Syscall.socketOption(pair.a, SO_SNDBUF) == 212_992)
        }
    }

    /// `setsockopt(SO_SNDBUF, v)`: min(v as unsigned, net.core.wmem_max) × 2, at least 4608 — for root too.
    @Test(arguments: [(0, 4608), (1, 4608), (2304, 4608), (2305, 4610), (100_000, 200_000), (2_097_153, 4_194_306),
        (3_000_000, 6_000_000), (5_000_000, 8_388_608), (-1, 8_388_608)])
    func setSendBufferDoublesCapsAndHasAFloor(value: Int, result: Int) throws {
        let wmemMax = try String(contentsOfFile: "/proc/sys/net/core/wmem_max", encoding: .utf8)
        #expect(Int(wmemMax.split(separator: "\n")[0]) == UnixSocketModel(objects: []).sendBufferMaximum)
        let pair = try Pair(.stream)
        try Syscall.setSocketOption(pair.a, SO_SNDBUF, CInt(value))
        #expect(try Syscall.socketOption(pair.a, SO_SNDBUF) == result)
        #expect(try Syscall.socketOption(pair.b, SO_SNDBUF) == 212_992)  // the peer's is its own
    }

    /// The new size rules at once: 1-byte datagrams (768 each) queue while the charge is below 8000, and a
    /// datagram longer than 8000 − 32 fails `EMSGSIZE`.
    @Test func capacityAndTheLargestDatagramFollowTheNewSize() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let pair = try Pair(.dgram)
            try Syscall.setSocketOption(pair.a, SO_SNDBUF, 4000)
            #expect(throws: Errno.messageTooLong) { try send(pair.a, 8000 - 31) }
            var sent = 0
            while try send(pair.a, 1) == .completed(1) { sent += 1 }
            #expect(sent == 11)
            #expect(try Syscall.socketOutputQueue(pair.a) == 11 * 768)
            try Syscall.setSocketOption(pair.a, SO_SNDBUF, 100_000)
            #expect(try send(pair.a, 8000) == .completed(8000))
        }
    }

    /// `SIOCINQ`: a stream's or seqpacket socket's unread bytes (all its buffers, less what was read of the
    /// first), a datagram socket's first datagram; `EINVAL` on a listener, where `SIOCOUTQ` is 0.
    @Test(arguments: [(UnixSocketType.stream, 7, 4), (.seqpacket, 7, 2), (.dgram, 5, 2)])
    func siocinqCountsTheQueueOrTheFirstDatagram(type: UnixSocketType, before: Int, after: Int) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let pair = try Pair(type)
            #expect(try Syscall.socketInputQueue(pair.b) == 0)
            _ = try send(pair.a, 5)
            _ = try send(pair.a, 2)
            _ = try send(pair.a, 0)
            #expect(try Syscall.socketInputQueue(pair.b) == before)
            _ = try KernelUnixSocket.receive(pair.b, maximum: 3, nonblocking: true)
            #expect(try Syscall.socketInputQueue(pair.b) == after)
            #expect(try Syscall.socketInputQueue(pair.a) == 0)
        }
    }

    @Test(arguments: [UnixSocketType.stream, .seqpacket])
    func siocinqOnAListenerIsEINVAL(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let address = UnixAddress.abstract("ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-inq")
            let listener = try KernelUnixSocket.listener(type, at: address, backlog: 1)
            defer { try? Syscall.close(listener) }
            #expect(throws: Errno.invalidArgument) { try Syscall.socketInputQueue(listener) }
            #expect(try Syscall.socketOutputQueue(listener) == 0)
        }
    }
}
