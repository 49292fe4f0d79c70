import Glibc
import IPCSyscalls
import SystemPackage

/// Message passing where the kernel copies at send: what the receiver gets is a snapshot of the sender's bytes
/// at the moment of the call, whatever the sender does to its buffer afterwards.
///
/// One adapter per kernel mechanism; each is a few lines over its syscall wrappers. Calls never block: a full
/// channel is `false`, an empty one `nil` (`EAGAIN` as a value). Any other error is kept in ``failure`` and
/// looks like full or empty, so the operation that met it can report it; ``clearFailure()`` starts the next
/// operation afresh (a failure is one operation's outcome, not the channel's fate).
public protocol CopyChannel: AnyObject {
    func send(_ message: [UInt8]) -> Bool
    func receive() -> [UInt8]?
    var failure: Errno? { get }
    func clearFailure()
}

/// A copy channel over a kernel pipe. A pipe is a byte stream, so each message goes as one `write` of a 4-byte
/// length and the bytes: at most `PIPE_BUF` (4096) bytes in all, which this kernel writes atomically (whole or,
/// nonblocking and full, not at all), so with one reader messages never interleave or split.
public final class PipeCopyChannel: CopyChannel {
    /// The largest message: `PIPE_BUF` less the length prefix.
    public static let maximumMessage = 4092

    private let readEnd: FileDescriptor?
    private let writeEnd: FileDescriptor?
    public private(set) var failure: Errno?

    /// Either end may be missing: a process that only sends holds the write end only.
    public init(readEnd: FileDescriptor?, writeEnd: FileDescriptor?) {
        self.readEnd = readEnd
        self.writeEnd = writeEnd
        for end in [readEnd, writeEnd].compactMap({ $0 }) { try? Syscall.setNonblocking(end, true) }
    }

    public func send(_ message: [UInt8]) -> Bool {
        precondition(message.count <= Self.maximumMessage, "a pipe message is at most \(Self.maximumMessage) bytes")
        guard let writeEnd else { return record(.badFileDescriptor) }
        let count = UInt32(message.count)
        let framed = (0..<4).map { UInt8(truncatingIfNeeded: count >> (8 * UInt32($0))) } + message
        do {
            switch try KernelPipe.write(writeEnd, framed, nonblocking: true) {
            case .completed(let written):
                precondition(written == framed.count, "a write of at most PIPE_BUF bytes was split")
                return true
            case .wouldBlock:
                return false
            }
        } catch {
            return record(error)
        }
    }

    public func receive() -> [UInt8]? {
        guard let readEnd else {
            _ = record(.badFileDescriptor)
            return nil
        }
        do {
            // The first read decides: nothing there (EAGAIN), or end of file, is no message.
            guard case .completed(var header) = try KernelPipe.read(readEnd, max: 4, nonblocking: true), !header.isEmpty
            else { return nil }
            // A message went in whole with its header (one write of at most PIPE_BUF bytes), so once any of it has
            // come the rest is in the pipe; but any read may return fewer bytes than asked, so read on.
            guard let rest = try readPresent(readEnd, 4 - header.count) else { return nil }
            header += rest
            let count = header.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            return try readPresent(readEnd, count)
        } catch {
            _ = record(error)
            return nil
        }
    }

    public func clearFailure() { failure = nil }

    /// Exactly `count` bytes that are already in the pipe; nil (and the failure EPROTO) if they are not there,
    /// which only a second reader on the channel or a writer breaking the framing could cause.
    private func readPresent(_ readEnd: FileDescriptor, _ count: Int) throws(Errno) -> [UInt8]? {
        var bytes: [UInt8] = []
        while bytes.count < count {
            guard case .completed(let piece) = try KernelPipe.read(readEnd, max: count - bytes.count, nonblocking: true),
                !piece.isEmpty
            else {
                _ = record(.protocolError)
                return nil
            }
            bytes += piece
        }
        return bytes
    }

    private func record(_ error: Errno) -> Bool {
        if failure == nil { failure = error }
        return false
    }
}
