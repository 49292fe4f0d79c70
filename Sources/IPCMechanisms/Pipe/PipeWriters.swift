import IPCSyscalls
import SystemPackage

/// Client code that writes to a pipe: the implementations under test. Each is a small, common pattern; the
/// broken ones carry a bug found in real code, and their correct twins show the harness does not cry wolf.
public protocol PipeWriter {
    /// Writes `bytes`, returning how many the client reports written.
    mutating func write(_ bytes: [UInt8], to descriptor: FileDescriptor) throws(Errno) -> Int
    /// Called before the process exits: anything the client still holds must go out now.
    mutating func flush(to descriptor: FileDescriptor) throws(Errno)
}

extension PipeWriter {
    public mutating func flush(to descriptor: FileDescriptor) throws(Errno) {}
}

/// The poll-and-retry loop: nonblocking writes of whatever remains, waiting for room after a short write or
/// `EAGAIN`, until every byte is in the pipe (or the readers are gone: `EPIPE`, or the count so far).
public struct WriteAllWriter: PipeWriter {
    public init() {}

    public mutating func write(_ bytes: [UInt8], to descriptor: FileDescriptor) throws(Errno) -> Int {
        var written = 0
        while written < bytes.count {
            let result: TransferResult<Int>
            do throws(Errno) {
                result = try KernelPipe.write(descriptor, bytes[written...], nonblocking: true)
            } catch .brokenPipe where written > 0 {
                return written
            }
            switch result {
            case .completed(let count):
                written += count
                if written < bytes.count { try KernelPipe.waitWritable(descriptor) }
            case .wouldBlock:
                try KernelPipe.waitWritable(descriptor)
            }
        }
        return written
    }
}

/// Broken: the same loop, except that after a short write it reports success and forgets the unwritten tail
/// (the bug of treating `write`'s return value as all-or-nothing).
public struct TailDroppingWriter: PipeWriter {
    public init() {}

    public mutating func write(_ bytes: [UInt8], to descriptor: FileDescriptor) throws(Errno) -> Int {
        while true {
            switch try KernelPipe.write(descriptor, bytes, nonblocking: true) {
            case .completed: return bytes.count
            case .wouldBlock: try KernelPipe.waitWritable(descriptor)
            }
        }
    }
}

/// Broken: a coalescing writer that holds each write back until the next one arrives, then sends the batch
/// newest first (a LIFO buffer where a FIFO was meant). It acknowledges every write at once.
public struct ReorderingWriter: PipeWriter {
    private var held: [UInt8]?

    public init() {}

    public mutating func write(_ bytes: [UInt8], to descriptor: FileDescriptor) throws(Errno) -> Int {
        guard let earlier = held else {
            held = bytes
            return bytes.count
        }
        held = nil
        var inner = WriteAllWriter()
        _ = try inner.write(bytes + earlier, to: descriptor)
        return bytes.count
    }

    public mutating func flush(to descriptor: FileDescriptor) throws(Errno) {
        guard let earlier = held else { return }
        held = nil
        var inner = WriteAllWriter()
        _ = try inner.write(earlier, to: descriptor)
    }
}

/// A blocking writer that finishes what a short write left: each `write` is blocking, and after a short count
/// (a signal interrupted it, or the fault plan cut it) it writes the rest. What a correct client of `write` does.
public struct BlockingWriteAllWriter: PipeWriter {
    public init() {}

    public mutating func write(_ bytes: [UInt8], to descriptor: FileDescriptor) throws(Errno) -> Int {
        var written = 0
        while written < bytes.count {
            do throws(Errno) {
                switch try KernelPipe.write(descriptor, bytes[written...], nonblocking: false) {
                case .completed(let count): written += count
                case .wouldBlock: try KernelPipe.waitWritable(descriptor)  // a sibling made the description nonblocking
                }
            } catch .brokenPipe where written > 0 {
                return written
            }
        }
        return written
    }
}

/// Fragile: one blocking `write`, reporting the whole message written whatever count it returned — the bug that
/// shows only when a write is cut short (a signal, a full pipe with a nonblocking descriptor, the fault plan).
public struct ShortWriteIgnoringWriter: PipeWriter {
    public init() {}

    public mutating func write(_ bytes: [UInt8], to descriptor: FileDescriptor) throws(Errno) -> Int {
        _ = try KernelPipe.write(descriptor, bytes, nonblocking: false)
        return bytes.count
    }
}
