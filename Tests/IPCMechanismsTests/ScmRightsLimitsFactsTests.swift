import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `SCM_RIGHTS` at its limits, measured on this kernel: how many descriptors one message may carry, and where a
/// descriptor that is not open stands among a send's other errors. The `unix-socket` model's `send` encodes each
/// fact; `UnixSocketModelAgreementTests` sends 253 and 254 descriptors and closed files at random.
@Suite struct ScmRightsLimitsFactsTests {
    final class Pair {
        let a: FileDescriptor
        let b: FileDescriptor
        let file: FileDescriptor
        init(_ type: UnixSocketType) throws {
            Syscall.ignoreBrokenPipeSignal()
            (a, b) = try KernelUnixSocket.pair(type)
            file = try Syscall.memfdCreate("f")
        }
        deinit { try? Syscall.close(a); try? Syscall.close(b); try? Syscall.close(file) }
    }

    func send(_ socket: FileDescriptor, _ count: Int, _ descriptors: [FileDescriptor]) -> String {
        do throws(Errno) {
            switch try KernelUnixSocket.send(socket, [UInt8](repeating: 1, count: count), descriptors: descriptors, nonblocking: true) {
            case .completed(let sent): return "\(sent)"
            case .wouldBlock: return "EAGAIN"
            }
        } catch { return error.name }
    }

    static let closed = FileDescriptor(rawValue: -1)

    /// `SCM_MAX_FD` is 253: 254 fail `EINVAL`, before a descriptor that is not open and before `EMSGSIZE`.
    @Test(arguments: UnixSocketType.allCases)
    func atMost253DescriptorsAMessage(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let pair = try Pair(type)
            #expect(send(pair.a, 1, Array(repeating: pair.file, count: 253)) == "1")
            #expect(send(pair.a, 1, Array(repeating: pair.file, count: 254)) == "EINVAL")
            #expect(send(pair.a, 1, Array(repeating: Self.closed, count: 254)) == "EINVAL")
            if type != .stream { #expect(send(pair.a, 212_961, Array(repeating: pair.file, count: 254)) == "EINVAL") }
        }
    }

    /// A descriptor that is not open fails `EBADF` before everything else a send checks — a 0-byte stream send,
    /// `SHUT_WR`, `EMSGSIZE`, a full send buffer, a closed peer — except a seqpacket socket's pending reset, which
    /// `unix_seqpacket_sendmsg` reports (and takes) first.
    @Test(arguments: UnixSocketType.allCases)
    func aClosedDescriptorIsEBADFFirst(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let pair = try Pair(type)
            #expect(send(pair.a, 1, [Self.closed]) == "EBADF")
            #expect(send(pair.a, 0, [Self.closed]) == "EBADF")
            if type != .stream { #expect(send(pair.a, 212_961, [Self.closed]) == "EBADF") }
            while send(pair.a, 60_000, []) != "EAGAIN" {}
            #expect(send(pair.a, 1, [Self.closed]) == "EBADF")
            try Syscall.shutdown(pair.a, how: CInt(SHUT_WR))
            #expect(send(pair.a, 1, [Self.closed]) == "EBADF")

            let (closing, survivor) = try KernelUnixSocket.pair(type)
            defer { try? Syscall.close(survivor) }
            #expect(send(survivor, 2, []) == "2")
            try Syscall.close(closing)
            #expect(send(survivor, 1, [Self.closed]) == (type == .seqpacket ? "ECONNRESET" : "EBADF"))
            #expect(send(survivor, 1, [Self.closed]) == "EBADF")
        }
    }
}
