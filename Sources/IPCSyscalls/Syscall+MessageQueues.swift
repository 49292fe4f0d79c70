import CIPCShims
import Glibc
import SystemPackage

/// The attributes of a POSIX message queue.
public struct MessageQueueAttributes: Sendable, Hashable {
    public var nonblocking: Bool
    public var maximumMessages: Int
    public var messageSize: Int
    public var currentMessages: Int
}

/// A System V message queue's identifier (not a descriptor: ids are system-wide, and nothing closes them).
public struct SystemVMessageQueue: Sendable, Hashable {
    public var id: CInt
    public init(id: CInt) { self.id = id }
}

extension Syscall {
    // MARK: POSIX message queues

    /// Creates a message queue with room for `maximumMessages` of `messageSize` bytes. Pass `O_EXCL` and the
    /// access mode in `flags`. Message queue descriptors are always close-on-exec on Linux.
    ///
    /// The corresponding C function is `mq_open`.
    public static func mqCreate(
        _ name: String, flags: CInt, mode: mode_t, maximumMessages: Int, messageSize: Int
    ) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.mqOpen, retryOnInterrupt: false) { _ in
            ipc_mq_create(name, flags, UInt32(mode), maximumMessages, messageSize)
        })
    }

    /// Creates a message queue with the kernel's default attributes (`attr` `NULL`: `/proc/sys/fs/mqueue`'s
    /// `msg_default` × `msgsize_default`), or opens the existing one. Pass `O_EXCL` and the access mode in `flags`.
    ///
    /// The corresponding C function is `mq_open`.
    public static func mqCreate(_ name: String, flags: CInt, mode: mode_t) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.mqOpen, retryOnInterrupt: false) { _ in ipc_mq_create_default(name, flags, UInt32(mode)) })
    }

    /// Opens an existing message queue (`O_RDONLY`, `O_WRONLY` or `O_RDWR`, maybe `O_NONBLOCK`).
    ///
    /// The corresponding C function is `mq_open`.
    public static func mqOpen(_ name: String, flags: CInt) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.mqOpen, retryOnInterrupt: false) { _ in ipc_mq_open(name, flags) })
    }

    /// Queues one message with `priority` (0 to 32767). With a `deadline` (absolute, `CLOCK_REALTIME`), a full
    /// queue fails `ETIMEDOUT` once it passes; an invalid one (`tv_nsec` out of range) fails `EINVAL` at once.
    ///
    /// The corresponding C functions are `mq_send` and `mq_timedsend`.
    public static func mqSend(
        _ queue: FileDescriptor, _ message: UnsafeRawBufferPointer, priority: UInt32, deadline: timespec? = nil,
        retryOnInterrupt: Bool = true
    ) throws(Errno) {
        _ = try perform(.mqSend, descriptor: queue, count: message.count, retryOnInterrupt: retryOnInterrupt) { _ in
            let bytes = message.baseAddress?.assumingMemoryBound(to: CChar.self)
            guard var deadline else { return ipc_mq_send(queue.rawValue, bytes, message.count, priority) }
            return ipc_mq_timedsend(queue.rawValue, bytes, message.count, priority, &deadline)
        }
    }

    /// The `CLOCK_REALTIME` time `milliseconds` from now, as `mq_timedsend` and `sem_timedwait` take deadlines.
    public static func realtimeDeadline(milliseconds: Int) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanoseconds = now.tv_nsec + (milliseconds % 1000) * 1_000_000
        return timespec(tv_sec: now.tv_sec + milliseconds / 1000 + nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
    }

    /// A deadline the kernel refuses with `EINVAL` (`tv_nsec` of one whole second).
    public static let invalidDeadline = timespec(tv_sec: 0, tv_nsec: 1_000_000_000)

    /// Takes the oldest message of the highest priority into `buffer`; returns its length and priority. With a
    /// `deadline`, as ``mqSend(_:_:priority:deadline:retryOnInterrupt:)``.
    ///
    /// The corresponding C functions are `mq_receive` and `mq_timedreceive`.
    public static func mqReceive(
        _ queue: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer, deadline: timespec? = nil, retryOnInterrupt: Bool = true
    ) throws(Errno) -> (length: Int, priority: UInt32) {
        var priority: UInt32 = 0
        let length = try perform(.mqReceive, descriptor: queue, count: buffer.count, retryOnInterrupt: retryOnInterrupt) { _ in
            let bytes = buffer.baseAddress?.assumingMemoryBound(to: CChar.self)
            guard var deadline else { return ipc_mq_receive(queue.rawValue, bytes, buffer.count, &priority) }
            return ipc_mq_timedreceive(queue.rawValue, bytes, buffer.count, &priority, &deadline)
        }
        return (Int(length), priority)
    }

    /// Removes a message queue's name; the queue lives on while a descriptor is open.
    ///
    /// The corresponding C function is `mq_unlink`.
    public static func mqUnlink(_ name: String) throws(Errno) {
        _ = try perform(.mqUnlink, retryOnInterrupt: false) { _ in ipc_mq_unlink(name) }
    }

    /// The queue's attributes.
    ///
    /// The corresponding C function is `mq_getattr`.
    public static func mqAttributes(_ queue: FileDescriptor) throws(Errno) -> MessageQueueAttributes {
        var flags = 0, maximum = 0, size = 0, current = 0
        _ = try perform(.mqGetAttributes, descriptor: queue, retryOnInterrupt: false) { _ in
            ipc_mq_getattr(queue.rawValue, &flags, &maximum, &size, &current)
        }
        return MessageQueueAttributes(
            nonblocking: flags & Int(O_NONBLOCK) != 0, maximumMessages: maximum, messageSize: size,
            currentMessages: current)
    }

    /// Turns `O_NONBLOCK` on or off for this open queue description; returns whether it was on.
    ///
    /// The corresponding C function is `mq_setattr`.
    @discardableResult
    public static func mqSetNonblocking(_ queue: FileDescriptor, _ nonblocking: Bool) throws(Errno) -> Bool {
        try mqSetFlags(queue, nonblocking ? Int(O_NONBLOCK) : 0) & Int(O_NONBLOCK) != 0
    }

    /// `mq_setattr` with `mq_flags` set to `flags` as given (any bit but `O_NONBLOCK` fails `EINVAL`, before the descriptor
    /// is looked up); returns the old `mq_flags`.
    ///
    /// The corresponding C function is `mq_setattr`.
    @discardableResult
    public static func mqSetFlags(_ queue: FileDescriptor, _ flags: Int) throws(Errno) -> Int {
        var old = 0
        _ = try perform(.mqSetAttributes, descriptor: queue, retryOnInterrupt: false) { _ in ipc_mq_setflags(queue.rawValue, flags, &old) }
        return old
    }

    /// The inode of what `descriptor` refers to: two descriptors of one message queue share it, a queue created
    /// again under the same name has another.
    ///
    /// The corresponding C function is `fstat`.
    public static func inode(of descriptor: FileDescriptor) throws(Errno) -> UInt64 {
        var info = stat()
        _ = try perform(.fstat, descriptor: descriptor, retryOnInterrupt: false) { _ in Glibc.fstat(descriptor.rawValue, &info) }
        return UInt64(info.st_ino)
    }

    /// How `mq_notify` is to notify.
    public enum MessageQueueNotification: Sendable, Hashable {
        /// `SIGEV_SIGNAL` with this signal.
        case signal(Int32)
        /// `SIGEV_SIGNAL` with this signal and `sigev_value.sival_int`, which the signal's `si_value` carries.
        case signalWithValue(Int32, Int32)
        /// `SIGEV_NONE`: nothing is sent, but the registration is used up as if it were.
        case withoutSignal
        /// A raw `sigev_notify` (with `SIGUSR1` as its signal): the kernel refuses any but `SIGEV_SIGNAL`, `SIGEV_NONE`
        /// and `SIGEV_THREAD` with `EINVAL`, before it looks at the descriptor.
        case how(Int32)
        /// `SIGEV_SIGNAL` with signal 0: the kernel takes it (`valid_signal(0)`), and its notification sends nothing.
        case signalZero
    }

    /// Registers this process for one notification when a message arrives in the empty queue (no receiver asleep
    /// in it); with nil, removes this process's registration. `EBUSY` while any process (this one too) is
    /// registered.
    ///
    /// The corresponding C function is `mq_notify`.
    public static func mqNotify(_ queue: FileDescriptor, _ notification: MessageQueueNotification?) throws(Errno) {
        let code: CInt
        var value: CInt = 0
        switch notification {
        case .signal(let signal): code = signal
        case .signalWithValue(let signal, let sigval): (code, value) = (signal, sigval)
        case .withoutSignal?: code = -1
        case .how(let how)?:
            _ = try perform(.mqNotify, descriptor: queue, retryOnInterrupt: false) { _ in ipc_mq_notify_raw(queue.rawValue, how, SIGUSR1) }
            return
        case .signalZero?:
            _ = try perform(.mqNotify, descriptor: queue, retryOnInterrupt: false) { _ in ipc_mq_notify_raw(queue.rawValue, CInt(SIGEV_SIGNAL), 0) }
            return
        case nil: code = 0
        }
        _ = try perform(.mqNotify, descriptor: queue, retryOnInterrupt: false) { _ in ipc_mq_notify(queue.rawValue, code, value) }
    }

    /// Registers this process for one notification by `SIGEV_THREAD`: when a message arrives in the empty queue,
    /// glibc runs, in a new thread and some time after, a function that adds 1 to `counter`
    /// (``mqThreadNotifications(_:)`` reads it).
    ///
    /// The corresponding C function is `mq_notify`.
    public static func mqNotifyThread(_ queue: FileDescriptor, counter: UnsafeMutablePointer<Int>) throws(Errno) {
        _ = try perform(.mqNotify, descriptor: queue, retryOnInterrupt: false) { _ in ipc_mq_notify_thread(queue.rawValue, counter) }
    }

    /// Registers this process for one notification by `SIGEV_THREAD` with `sigev_value.sival_int` `value`: glibc runs,
    /// in a new thread and some time after, a function that logs the value it was given (one log per process:
    /// ``mqThreadValues()``).
    ///
    /// The corresponding C function is `mq_notify`.
    public static func mqNotifyThread(_ queue: FileDescriptor, value: Int32) throws(Errno) {
        _ = try perform(.mqNotify, descriptor: queue, retryOnInterrupt: false) { _ in ipc_mq_notify_thread_value(queue.rawValue, value) }
    }

    /// The `sigev_value.sival_int` each function ``mqNotifyThread(_:value:)`` registered has received, in the order
    /// they ran (the first 256).
    public static func mqThreadValues() -> [Int32] {
        var values = [Int32](repeating: 0, count: 256)
        let count = ipc_mq_thread_values(&values, 256)
        return Array(values.prefix(Int(min(count, 256))))
    }

    /// A log of the values `SIGEV_THREAD` functions registered with ``mqNotifyThread(_:log:value:)`` are given (never
    /// freed: a helper thread may run a function for it at any time); nil when memory ran out.
    public static func mqThreadLog() -> OpaquePointer? { ipc_mq_thread_log_new() }

    /// Registers this process for one notification by `SIGEV_THREAD`: glibc runs, in a new thread and some time after,
    /// a function given (as `sigev_value.sival_ptr`) a record of `log` and `value`, which appends `value` to `log`.
    ///
    /// The corresponding C function is `mq_notify`.
    public static func mqNotifyThread(_ queue: FileDescriptor, log: OpaquePointer, value: Int32) throws(Errno) {
        _ = try perform(.mqNotify, descriptor: queue, retryOnInterrupt: false) { _ in ipc_mq_notify_thread_logged(queue.rawValue, log, value) }
    }

    /// The values in `log`, in the order the functions ran (the first 256; the count goes on).
    public static func mqThreadLogValues(_ log: OpaquePointer) -> (count: Int, values: [Int32]) {
        var values = [Int32](repeating: 0, count: 256)
        let count = ipc_mq_thread_log_read(log, &values, 256)
        return (Int(count), Array(values.prefix(Int(min(count, 256)))))
    }

    /// How many `SIGEV_THREAD` notifications have run their function for `counter`.
    public static func mqThreadNotifications(_ counter: UnsafeMutablePointer<Int>) -> Int {
        ipc_mq_thread_notifications(counter)
    }

    // MARK: System V message queues

    /// Creates (with `IPC_CREAT`, and `IPC_EXCL` in `flags`) or finds the message queue of `key`.
    ///
    /// The corresponding C function is `msgget`.
    public static func msgget(_ key: key_t, flags: CInt) throws(Errno) -> SystemVMessageQueue {
        SystemVMessageQueue(id: try perform(.msgget, retryOnInterrupt: false) { _ in Glibc.msgget(key, flags) })
    }

    /// Queues a message of `type` (at least 1). `flags`: `IPC_NOWAIT`.
    ///
    /// The corresponding C function is `msgsnd`.
    ///
    /// `declaredSize` is the `msgsz` passed when it is not the text's length: only a size the kernel refuses before it
    /// reads the text (negative, or above `msgmax`) may exceed it — the caller must know which.
    public static func msgsnd(
        _ queue: SystemVMessageQueue, type: Int, _ text: [UInt8], flags: CInt, retryOnInterrupt: Bool = true,
        declaredSize: Int? = nil
    ) throws(Errno) {
        // struct msgbuf: a long, then the text.
        var buffer = [UInt8](repeating: 0, count: MemoryLayout<Int>.size + text.count)
        withUnsafeBytes(of: type) { buffer.replaceSubrange(0..<MemoryLayout<Int>.size, with: $0) }
        buffer.replaceSubrange(MemoryLayout<Int>.size..., with: text)
        _ = try buffer.withUnsafeBufferPointer { (raw) throws(Errno) -> CInt in
            try perform(
                .msgsnd, count: text.count, mayBlock: flags & IPC_NOWAIT == 0,
                sleeps: { FaultFeasibility.messageQueueSleeps(id: queue.id, sending: text.count) }, retryOnInterrupt: retryOnInterrupt
            ) { _ in
                Glibc.msgsnd(queue.id, raw.baseAddress, declaredSize.map { Int(bitPattern: UInt(bitPattern: $0)) } ?? text.count, flags)
            }
        }
    }

    /// Takes a message selected by `type` (0: the first; > 0: the first of that type, or of another type with
    /// `MSG_EXCEPT`; < 0: the first of the lowest type at most |type|) of at most `maximum` bytes.
    /// `flags`: `IPC_NOWAIT`, `MSG_NOERROR`, `MSG_EXCEPT`.
    ///
    /// The corresponding C function is `msgrcv`.
    public static func msgrcv(
        _ queue: SystemVMessageQueue, maximum: Int, type: Int, flags: CInt, retryOnInterrupt: Bool = true
    ) throws(Errno) -> (type: Int, text: [UInt8]) {
        var buffer = [UInt8](repeating: 0, count: MemoryLayout<Int>.size + Swift.max(0, maximum))
        let length = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
            try perform(
                .msgrcv, count: maximum, mayBlock: flags & IPC_NOWAIT == 0,
                sleeps: { FaultFeasibility.messageQueueSleeps(id: queue.id, sending: nil) }, retryOnInterrupt: retryOnInterrupt
            ) { _ in
                Glibc.msgrcv(queue.id, raw.baseAddress, maximum, type, flags)
            }
        }
        let receivedType = buffer.withUnsafeBytes { $0.loadUnaligned(as: Int.self) }
        return (receivedType, Array(buffer[MemoryLayout<Int>.size..<(MemoryLayout<Int>.size + length)]))
    }

    /// Sets the queue's capacity in bytes (`msg_qbytes`); lowering needs no privilege.
    ///
    /// The corresponding C function is `msgctl(IPC_SET)`.
    public static func msgSetCapacity(_ queue: SystemVMessageQueue, bytes: Int) throws(Errno) {
        var info = msqid_ds()
        _ = try perform(.msgctl, retryOnInterrupt: false) { _ in ipc_msgctl_stat_index(queue.id, 1, &info) }
        info.msg_qbytes = msglen_t(bytes)
        _ = try perform(.msgctl, retryOnInterrupt: false) { _ in Glibc.msgctl(queue.id, IPC_SET, &info) }
    }

    /// Sets what is given of the capacity (`msg_qbytes`), the permission bits, the owner (`msg_perm.uid`) and the group (`msg_perm.gid`),
    /// keeping the rest as they are; only the owner, the creator or a privileged process may.
    ///
    /// The rest is read with `MSG_STAT_ANY` (by the queue's id, which the kernel takes as its index), not `IPC_STAT`:
    /// `IPC_STAT` needs read permission, so a caller without it would fail `EACCES` before the `IPC_SET` whose own
    /// answer (`EPERM` for a stranger, success for an owner) is the one to report. A gone queue fails `EINVAL` either
    /// way, and a queue that took over the index makes `IPC_SET` fail `EINVAL` on the id's sequence number.
    ///
    /// The corresponding C function is `msgctl(IPC_SET)`.
    public static func msgSet(_ queue: SystemVMessageQueue, capacity: Int?, mode: mode_t?, owner: uid_t?, group: gid_t? = nil) throws(Errno) {
        var info = msqid_ds()
        _ = try perform(.msgctl, retryOnInterrupt: false) { _ in ipc_msgctl_stat_index(queue.id, 1, &info) }
        if let capacity { info.msg_qbytes = msglen_t(capacity) }
        if let mode { info.msg_perm.mode = (info.msg_perm.mode & ~0o777) | UInt32(mode & 0o777) }
        if let owner { info.msg_perm.uid = owner }
        if let group { info.msg_perm.gid = group }
        _ = try perform(.msgctl, retryOnInterrupt: false) { _ in Glibc.msgctl(queue.id, IPC_SET, &info) }
    }

    /// The queue's status: owner, mode, capacity and contents.
    ///
    /// The corresponding C function is `msgctl(IPC_STAT)`.
    public static func msgStatus(_ queue: SystemVMessageQueue) throws(Errno) -> msqid_ds {
        var info = msqid_ds()
        _ = try perform(.msgctl, retryOnInterrupt: false) { _ in Glibc.msgctl(queue.id, IPC_STAT, &info) }
        return info
    }

    /// Removes the queue at once; blocked senders and receivers fail `EIDRM`.
    ///
    /// The corresponding C function is `msgctl(IPC_RMID)`.
    public static func msgRemove(_ queue: SystemVMessageQueue) throws(Errno) {
        _ = try perform(.msgctl, retryOnInterrupt: false) { _ in Glibc.msgctl(queue.id, IPC_RMID, nil) }
    }

    /// `msgctl` of the raw `command` on the raw `id`, with a buffer as large as any command's: for a command the
    /// kernel does not have or a negative id, which it refuses (`EINVAL`) before looking at anything.
    ///
    /// The corresponding C function is `msgctl`.
    public static func msgControl(id: CInt, command: CInt) throws(Errno) {
        var buffer = msqid_ds()
        _ = try perform(.msgctl, retryOnInterrupt: false) { _ in Glibc.msgctl(id, command, &buffer) }
    }

    /// The namespace's message queue limits (`IPC_INFO`) or, with `counts`, its use (`MSG_INFO`: `msgpool` the queues,
    /// `msgmap` the messages, `msgtql` the bytes), by `struct msginfo`'s field names; and the call's result, the
    /// highest queue index in use.
    ///
    /// The corresponding C function is `msgctl(IPC_INFO)` or `msgctl(MSG_INFO)`.
    public static func msgInfo(counts: Bool) throws(Errno) -> (index: Int, fields: [String: Int]) {
        var values = [CInt](repeating: 0, count: 8)
        let index = try perform(.msgctl, retryOnInterrupt: false) { _ in ipc_msgctl_info(counts ? 1 : 0, &values) }
        let names = ["msgpool", "msgmap", "msgmax", "msgmnb", "msgmni", "msgssz", "msgtql", "msgseg"]
        return (Int(index), Dictionary(uniqueKeysWithValues: zip(names, values.map(Int.init))))
    }

    /// The queue at `index` in the namespace's table (`MSG_STAT`, which needs read permission, or `MSG_STAT_ANY`,
    /// which does not): its id, and what `IPC_STAT` would report.
    ///
    /// The corresponding C function is `msgctl(MSG_STAT)` or `msgctl(MSG_STAT_ANY)`.
    public static func msgStatus(index: Int, any: Bool) throws(Errno) -> (id: CInt, status: msqid_ds) {
        var status = msqid_ds()
        let id = try perform(.msgctl, retryOnInterrupt: false) { _ in ipc_msgctl_stat_index(CInt(truncatingIfNeeded: index), any ? 1 : 0, &status) }
        return (id, status)
    }

    /// `msgrcv`'s `MSG_EXCEPT` (a GNU flag Swift's Glibc module lacks).
    public static var messageExcept: CInt { ipc_msg_except() }

    /// `msgrcv`'s `MSG_COPY` (a GNU flag Swift's Glibc module lacks): with `IPC_NOWAIT`, a copy of the message at
    /// position `type`, which stays queued.
    public static var messageCopy: CInt { ipc_msg_copy() }
}
