import IPCSyscalls
import SystemPackage

/// Client code that reads one message of a known size (its length taken from a header, say) from a stream
/// socket: a correct reading loop and the classic bug, for the harness to tell apart. A stream keeps no message
/// boundaries: one `recv` returns whatever is queued up to its size, so a message larger than one of the kernel's
/// buffers (36544 bytes), or one not yet fully sent, or a receive the kernel or a signal cuts short, arrives in
/// pieces.
public protocol StreamFramingReader {
    /// Receives `size` bytes; fewer only when the stream ended (or failed) first. Descriptors that came with them
    /// are closed, as no control buffer is passed (``ReceivedMessage/descriptorsTruncated``).
    mutating func receive(exactly size: Int, from socket: FileDescriptor) throws(Errno) -> ReceivedMessage
}

/// Receives until `size` bytes have come: a blocking receive of what is still missing, again after `EINTR`
/// (which means nothing was received), until the count is reached or the stream ends. At end of file it returns
/// what it has; on another error it throws it if it has nothing, and otherwise returns what it has (the error is
/// gone then, as the kernel reports a connection reset once).
public struct FramingReader: StreamFramingReader {
    public init() {}

    public mutating func receive(exactly size: Int, from socket: FileDescriptor) throws(Errno) -> ReceivedMessage {
        var message = ReceivedMessage(data: [])
        message.data.reserveCapacity(size)
        while message.data.count < size {
            let piece: ReceivedMessage
            do throws(Errno) {
                switch try KernelUnixSocket.receive(
                    socket, maximum: size - message.data.count, nonblocking: false, retryOnInterrupt: false)
                {
                case .completed(let received): piece = received
                case .wouldBlock: throw Errno.wouldBlock
                }
            } catch .interrupted {
                continue
            } catch {
                if message.data.isEmpty { throw error }
                return message
            }
            if piece.descriptorsTruncated { message.descriptorsTruncated = true }
            if piece.data.isEmpty { return message }
            message.data += piece.data
        }
        return message
    }
}

/// Fragile: one blocking receive of `size` bytes taken for the whole message — the classic bug of assuming one
/// read per message. It holds while every message fits one kernel buffer and has been fully sent before the
/// reader asks; a larger or later one, or a receive cut short, is reported as a short message, and the next
/// message is read from the middle of this one. (It retries `EINTR`, so that this is its only bug.)
public struct OneReadFramingReader: StreamFramingReader {
    public init() {}

    public mutating func receive(exactly size: Int, from socket: FileDescriptor) throws(Errno) -> ReceivedMessage {
        guard size > 0 else { return ReceivedMessage(data: []) }
        switch try KernelUnixSocket.receive(socket, maximum: size, nonblocking: false, retryOnInterrupt: true) {
        case .completed(let message): return message
        case .wouldBlock: throw .wouldBlock
        }
    }
}

/// Fragile: one blocking receive of `size` bytes with `MSG_WAITALL`, taken for the whole message — trusting the flag
/// to fill the buffer. It does while the stream only carries ordinary data, but a receive that has copied bytes stops
/// at the out-of-band mark (`MSG_OOB`, measured in `UnixSocketOutOfBandFactsTests`) whatever its flags, so a
/// message with a mark inside is reported short and the next one is read from the middle of it. (It retries
/// `EINTR`, so that this is its only bug.)
public struct WaitAllFramingReader: StreamFramingReader {
    public init() {}

    public mutating func receive(exactly size: Int, from socket: FileDescriptor) throws(Errno) -> ReceivedMessage {
        guard size > 0 else { return ReceivedMessage(data: []) }
        switch try KernelUnixSocket.receive(
            socket, maximum: size, nonblocking: false, waitingForAll: true, retryOnInterrupt: true)
        {
        case .completed(let message): return message
        case .wouldBlock: throw .wouldBlock
        }
    }
}
