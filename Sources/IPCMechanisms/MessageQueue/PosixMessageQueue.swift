import Glibc
import IPCSyscalls
import SystemPackage

/// A POSIX message queue (`mq_open`), through the syscall layer.
///
/// Messages come out highest priority first, oldest first among equals. A receive buffer smaller than the
/// queue's message size fails `EMSGSIZE` (checked before anything else, so even on an empty queue) and leaves
/// the message queued. Descriptors are close-on-exec (Linux makes every message queue descriptor so).
public enum PosixMessageQueue {
    /// A received message.
    public struct Message: Hashable, Sendable {
        public var data: [UInt8]
        public var priority: Int

        public init(data: [UInt8], priority: Int) {
            self.data = data
            self.priority = priority
        }
    }

    /// Creates a queue exclusively, mode 0600, and returns a read-write descriptor to it.
    public static func create(_ name: String, maximumMessages: Int, messageSize: Int) throws(Errno) -> FileDescriptor {
        try Syscall.mqCreate(
            name, flags: O_RDWR | O_EXCL | O_CLOEXEC, mode: 0o600, maximumMessages: maximumMessages,
            messageSize: messageSize)
    }

    /// Opens an existing queue for reading and writing (or as `access` says: `O_RDONLY`, `O_WRONLY`): a new open
    /// description, with its own `O_NONBLOCK`.
    public static func open(_ name: String, access: CInt = O_RDWR) throws(Errno) -> FileDescriptor {
        try Syscall.mqOpen(name, flags: access | O_CLOEXEC)
    }

    /// Sends `data` with `priority`. With `nonblocking`, a full queue gives ``TransferResult/wouldBlock``; with a
    /// `deadline` (`mq_timedsend`), a full queue fails `ETIMEDOUT` when it passes.
    public static func send(
        _ queue: FileDescriptor, _ data: [UInt8], priority: Int, nonblocking: Bool, deadline: timespec? = nil,
        retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<Int> {
        try Syscall.mqSetNonblocking(queue, nonblocking)
        // A priority that does not fit mq_send's unsigned int is out of range all the same.
        let priority = UInt32(clamping: priority < 0 ? Int(UInt32.max) : priority)
        do throws(Errno) {
            try data.withUnsafeBufferPointer { (raw) throws(Errno) in
                try Syscall.mqSend(
                    queue, UnsafeRawBufferPointer(raw), priority: priority, deadline: deadline, retryOnInterrupt: retryOnInterrupt)
            }
            return .completed(data.count)
        } catch .wouldBlock {
            return .wouldBlock
        }
    }

    /// Receives into a buffer of `maximum` bytes. With `nonblocking`, an empty queue gives
    /// ``TransferResult/wouldBlock``; with a `deadline` (`mq_timedreceive`), it fails `ETIMEDOUT` when it passes.
    public static func receive(
        _ queue: FileDescriptor, maximum: Int, nonblocking: Bool, deadline: timespec? = nil, retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<Message> {
        try Syscall.mqSetNonblocking(queue, nonblocking)
        var buffer = [UInt8](repeating: 0, count: maximum)
        do throws(Errno) {
            let (length, priority) = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) in
                try Syscall.mqReceive(
                    queue, into: UnsafeMutableRawBufferPointer(raw), deadline: deadline, retryOnInterrupt: retryOnInterrupt)
            }
            return .completed(Message(data: Array(buffer.prefix(length)), priority: Int(priority)))
        } catch .wouldBlock {
            return .wouldBlock
        }
    }

    /// Removes the name; open descriptors keep working, new opens fail `ENOENT`.
    public static func unlink(_ name: String) throws(Errno) {
        try Syscall.mqUnlink(name)
    }

    /// Closes a descriptor (never retried).
    public static func close(_ queue: FileDescriptor) throws(Errno) {
        try Syscall.close(queue)
    }
}
