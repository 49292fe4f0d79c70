import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `MSG_TRUNC` in a receive's flags, measured on this kernel (6.18): on a datagram or seqpacket socket the call
/// returns the datagram's or record's whole length — 10 for 10 bytes read into 4, peeking too — with `MSG_TRUNC` in
/// `msg_flags` when it was longer, and takes it whole (a 0-byte buffer takes a 5-byte datagram: the next receive
/// fails `EAGAIN`); an empty one returns 0. A stream socket ignores the flag: it returns the bytes copied.
@Suite struct UnixSocketTruncFactsTests {
    static func receive(_ socket: FileDescriptor, _ maximum: Int, peek: Bool = false) throws -> ReceivedMessage? {
        guard case .completed(let message) = try KernelUnixSocket.receive(
            socket, maximum: maximum, nonblocking: true, peek: peek, truncating: true, retryOnInterrupt: false)
        else { return nil }
        return message
    }

    @Test(arguments: [UnixSocketType.dgram, .seqpacket])
    func aRecordReceiveReturnsTheWholeLength(type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        for bytes in [Array("abcdefghij".utf8), Array("XY".utf8), [], Array("12345".utf8)] {
            _ = try KernelUnixSocket.send(a, bytes, nonblocking: true)
        }
        let peeked = try #require(try Self.receive(b, 4, peek: true))
        #expect(peeked.length == 10 && peeked.data == Array("abcd".utf8) && peeked.truncated)
        let first = try #require(try Self.receive(b, 4))
        #expect(first.length == 10 && first.data == Array("abcd".utf8) && first.truncated)
        let second = try #require(try Self.receive(b, 4))
        #expect(second.length == 2 && second.data == Array("XY".utf8) && !second.truncated)
        let empty = try #require(try Self.receive(b, 4))
        #expect(empty.length == 0 && empty.data.isEmpty)
        let unread = try #require(try Self.receive(b, 0))
        #expect(unread.length == 5 && unread.data.isEmpty && unread.truncated)
        #expect(try Self.receive(b, 4) == nil)
    }

    @Test func aStreamIgnoresTheFlag() throws {
        let (a, b) = try KernelUnixSocket.pair(.stream)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        _ = try KernelUnixSocket.send(a, Array("abcdefghij".utf8), nonblocking: true)
        let first = try #require(try Self.receive(b, 4))
        #expect(first.length == 4 && first.data == Array("abcd".utf8) && !first.truncated)
        let zero = try #require(try Self.receive(b, 0))
        #expect(zero.length == 0)
        let rest = try #require(try Self.receive(b, 64))
        #expect(rest.length == 6 && rest.data == Array("efghij".utf8))
    }
}
