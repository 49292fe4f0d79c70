import Glibc
import SystemPackage

/// A message protocol over a stream socket, as much IPC code has one: each message goes as a 4-byte little-endian
/// length and its bytes. This is the code under test — it knows nothing of the harness and calls libc directly.
///
/// A stream keeps no message boundaries: a `write` may take fewer bytes than asked, a `read` may return fewer than
/// are on their way, and a signal may interrupt either (`EINTR`, or a short count) when the process has a handler.
/// So both directions loop until the whole frame has gone or come.
public struct FramedChannel: Sendable {
    public let socket: CInt

    public init(socket: CInt) {
        self.socket = socket
    }

    /// Sends `message` whole.
    public func send(_ message: [UInt8]) throws(Errno) {
        let count = UInt32(message.count)
        let frame = (0..<4).map { UInt8(truncatingIfNeeded: count >> (8 * UInt32($0))) } + message
        var sent = 0
        while sent < frame.count {
            let written = frame.withUnsafeBytes { Glibc.write(socket, $0.baseAddress! + sent, frame.count - sent) }
            if written >= 0 {
                sent += written
                continue
            }
            let error = Errno(rawValue: errno)
            if error != .interrupted { throw error }
        }
    }

    /// Receives one whole message; the stream ending inside a frame is `ECONNRESET` (the sender died sending it).
    public func receive() throws(Errno) -> [UInt8] {
        let header = try receive(exactly: 4)
        let length = header.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return try receive(exactly: length)
    }

    func receive(exactly count: Int) throws(Errno) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            let read = bytes.withUnsafeMutableBytes { Glibc.read(socket, $0.baseAddress! + received, count - received) }
            if read > 0 {
                received += read
            } else if read == 0 {
                throw .connectionReset
            } else {
                let error = Errno(rawValue: errno)
                if error != .interrupted { throw error }
            }
        }
        return bytes
    }
}

/// The same protocol with the classic bug of a read loop: any failed `read`, `EINTR` included, is taken for the
/// end of the stream, and the receiver reports the peer gone (an empty message) while the message is still on its
/// way. Ordinary tests never see it: it takes a signal arriving while the receiver waits.
public struct FragileFramedChannel: Sendable {
    let channel: FramedChannel

    public init(socket: CInt) {
        channel = FramedChannel(socket: socket)
    }

    public func send(_ message: [UInt8]) throws(Errno) { try channel.send(message) }

    public func receive() -> [UInt8] {
        guard let header = receive(exactly: 4) else { return [] }
        let length = header.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return receive(exactly: length) ?? []
    }

    private func receive(exactly count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            let read = bytes.withUnsafeMutableBytes { Glibc.read(channel.socket, $0.baseAddress! + received, count - received) }
            guard read > 0 else { return nil }  // BUG: EINTR is not the end of the stream
            received += read
        }
        return bytes
    }
}
