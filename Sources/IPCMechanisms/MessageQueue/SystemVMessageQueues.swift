import Glibc
import IPCSyscalls
import SystemPackage

/// System V message queues (`msgget`, `msgsnd`, `msgrcv`), through the syscall layer.
///
/// A queue holds at most `msg_qbytes` bytes *and* at most `msg_qbytes` messages. `msgrcv` selects by type:
/// 0 the first message; n > 0 the first of type n (with `MSG_EXCEPT`, the first of any other type); n < 0 the
/// first of the lowest type at most |n|. A selected message longer than the buffer fails `E2BIG` and stays,
/// unless `MSG_NOERROR`, which truncates it and removes it whole.
public enum SystemVMessageQueues {
    /// Which message `msgrcv` takes.
    public enum Selector: Hashable, Sendable {
        /// `msgtyp` as given: 0, positive or negative.
        case type(Int)
        /// `msgtyp` > 0 with `MSG_EXCEPT`.
        case except(Int)
    }

    /// A received message.
    public struct Message: Hashable, Sendable {
        public var type: Int
        public var data: [UInt8]

        public init(type: Int, data: [UInt8]) {
            self.type = type
            self.data = data
        }
    }

    /// Creates a queue for `key` exclusively, mode 0600, and lowers its capacity to `capacity` bytes if given.
    public static func create(key: key_t, capacity: Int?) throws(Errno) -> SystemVMessageQueue {
        let queue = try Syscall.msgget(key, flags: IPC_CREAT | IPC_EXCL | 0o600)
        if let capacity {
            do {
                try Syscall.msgSetCapacity(queue, bytes: capacity)
            } catch {
                try? Syscall.msgRemove(queue)
                throw error
            }
        }
        return queue
    }

    /// Sends a message. With `nonblocking`, a full queue gives ``TransferResult/wouldBlock``.
    public static func send(
        _ queue: SystemVMessageQueue, type: Int, _ data: [UInt8], nonblocking: Bool, retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<Int> {
        do throws(Errno) {
            try Syscall.msgsnd(queue, type: type, data, flags: nonblocking ? IPC_NOWAIT : 0, retryOnInterrupt: retryOnInterrupt)
            return .completed(data.count)
        } catch .wouldBlock {
            return .wouldBlock
        }
    }

    /// Receives the message `selector` picks, into `maximum` bytes. With `nonblocking`, no matching message gives
    /// ``TransferResult/wouldBlock`` (the kernel's `ENOMSG`).
    public static func receive(
        _ queue: SystemVMessageQueue, maximum: Int, selector: Selector, truncate: Bool, nonblocking: Bool,
        retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<Message> {
        var flags: CInt = 0
        if truncate { flags |= MSG_NOERROR }
        if nonblocking { flags |= IPC_NOWAIT }
        let type: Int
        switch selector {
        case .type(let value): type = value
        case .except(let value):
            type = value
            flags |= Syscall.messageExcept
        }
        do throws(Errno) {
            let (receivedType, data) = try Syscall.msgrcv(
                queue, maximum: maximum, type: type, flags: flags, retryOnInterrupt: retryOnInterrupt)
            return .completed(Message(type: receivedType, data: data))
        } catch .noMessage {
            return .wouldBlock
        }
    }

    /// Removes the queue at once: its messages go, blocked callers fail `EIDRM`, later calls `EINVAL`.
    public static func remove(_ queue: SystemVMessageQueue) throws(Errno) {
        try Syscall.msgRemove(queue)
    }
}
