import CIPCShims
import Glibc
import SystemPackage

/// One entry of a `recvmmsg` batch.
public struct BatchEntry: Sendable, Hashable {
    /// The bytes copied into the entry's buffer (at most its size).
    public var data: [UInt8]
    /// The entry's `msg_flags`: `MSG_TRUNC`, `MSG_CTRUNC`.
    public var truncated: Bool
    public var controlTruncated: Bool
    /// The sender's address, when one was asked for and the sender was bound.
    public var sender: UnixAddress?
    /// The pidfd an `SCM_PIDFD` message carried (the receiver's `SO_PASSPIDFD`), owned by the caller.
    public var pidfd: FileDescriptor?
}

extension Syscall {
    /// The `recvmmsg` flag that turns on `MSG_DONTWAIT` once one message has been received.
    public static var messageWaitForOne: CInt { ipc_msg_waitforone() }
    /// `MSG_ERRQUEUE`: a socket's error queue (on a Unix socket: no such queue; see the Unix socket facts).
    public static var messageErrorQueue: CInt { ipc_msg_errqueue() }
    /// `SO_PASSPIDFD` and `SO_PEERPIDFD`.
    public static var optionPassPidfd: CInt { ipc_so_passpidfd() }
    public static var optionPeerPidfd: CInt { ipc_so_peerpidfd() }

    /// Sends `messages` as one batch, each to `address` when given; `vlen` is the count passed (the messages' count
    /// if nil; a larger one needs as many messages). Returns each sent message's `msg_len`, as many as the call said
    /// it sent. `MSG_NOSIGNAL` is always added.
    ///
    /// The corresponding C function is `sendmmsg`.
    public static func sendMessages(
        _ descriptor: FileDescriptor, _ messages: [[UInt8]], to address: UnixAddress? = nil, flags: CInt = 0,
        retryOnInterrupt: Bool = false
    ) throws(Errno) -> [Int] {
        let bytes = messages.flatMap { $0 }
        let lengths = messages.map { $0.count }
        var sent = [CUnsignedInt](repeating: 0, count: max(messages.count, 1))
        let send = { (address: UnsafeRawPointer?, addressLength: CInt) throws(Errno) -> CInt in
            try perform(.sendmmsg, descriptor: descriptor, mayBlock: mayBlock(flags), retryOnInterrupt: retryOnInterrupt) { _ in
                bytes.withUnsafeBytes { data in
                    ipc_send_messages(
                        descriptor.rawValue, data.baseAddress ?? UnsafeRawPointer(bitPattern: 1), lengths, CUnsignedInt(messages.count),
                        CUnsignedInt(messages.count), address, addressLength, &sent, flags | ipc_msg_nosignal())
                }
            }
        }
        let count =
            if let address {
                try address.withSocketAddress { (raw, length) throws(Errno) -> CInt in try send(raw, length) }
            } else {
                try send(nil, 0)
            }
        return sent.prefix(Int(count)).map { Int($0) }
    }

    /// `sendmmsg(descriptor, NULL, vlen, flags)`: a vector the kernel cannot read.
    public static func sendMessages(_ descriptor: FileDescriptor, nullVectorOf vlen: Int, flags: CInt = 0) throws(Errno) -> Int {
        Int(try perform(.sendmmsg, descriptor: descriptor, mayBlock: mayBlock(flags), retryOnInterrupt: false) { _ in
            ipc_send_messages(descriptor.rawValue, nil, nil, 0, CUnsignedInt(vlen), nil, 0, nil, flags)
        })
    }

    /// How a `recvmmsg` call is bounded in time: no timeout, or a timespec (which the kernel checks only after each
    /// message, and rejects `EINVAL` when invalid).
    public struct BatchTimeout: Sendable, Hashable {
        public var seconds: Int
        public var nanoseconds: Int
        public init(seconds: Int, nanoseconds: Int) {
            self.seconds = seconds
            self.nanoseconds = nanoseconds
        }
    }

    /// Receives up to `vlen` messages into buffers of `maximum` bytes each (`entries` buffers, `vlen` if nil), the
    /// sender's address of each when `wantSender`, with `controlRoom` bytes of control room per entry (for
    /// `SCM_PIDFD`). Returns the entries the call filled, as many as it returned.
    ///
    /// The corresponding C function is `recvmmsg`.
    public static func receiveMessages(
        _ descriptor: FileDescriptor, maximum: Int, vlen: Int, entries: Int? = nil, wantSender: Bool = false,
        controlRoom: Int = 0, timeout: BatchTimeout? = nil, flags: CInt = 0, retryOnInterrupt: Bool = false
    ) throws(Errno) -> [BatchEntry] {
        let slots = entries ?? vlen
        var buffers = [UInt8](repeating: 0, count: max(slots * maximum, 1))
        var lengths = [CUnsignedInt](repeating: 0, count: max(slots, 1))
        var messageFlags = [CInt](repeating: 0, count: max(slots, 1))
        let addressSize = ipc_unix_address_capacity()
        var addresses = [UInt8](repeating: 0, count: wantSender ? max(slots, 1) * addressSize : 0)
        var addressLengths = [CInt](repeating: 0, count: max(slots, 1))
        var control = [UInt8](repeating: 0, count: max(slots, 1) * controlRoom)
        var controlLengths = [Int](repeating: 0, count: max(slots, 1))
        let limit = timeout.map { [$0.seconds, $0.nanoseconds] }
        let count = try perform(.recvmmsg, descriptor: descriptor, mayBlock: mayBlock(flags), retryOnInterrupt: retryOnInterrupt) { _ in
            buffers.withUnsafeMutableBytes { raw in
                addresses.withUnsafeMutableBytes { addressBytes in
                    control.withUnsafeMutableBytes { controlBytes in
                        ipc_receive_messages(
                            descriptor.rawValue, raw.baseAddress, maximum, CUnsignedInt(slots), CUnsignedInt(vlen), &lengths,
                            &messageFlags, wantSender ? addressBytes.baseAddress : nil, &addressLengths,
                            controlRoom > 0 ? controlBytes.baseAddress : nil, controlRoom, &controlLengths, limit, flags)
                    }
                }
            }
        }
        return (0..<min(Int(count), slots)).map { index in
            let start = index * maximum
            let length = min(Int(lengths[index]), maximum)
            let sender =
                wantSender
                ? addresses.withUnsafeBytes { UnixAddress.decode($0.baseAddress! + index * addressSize, length: addressLengths[index]) }
                : nil
            var pidfd: FileDescriptor?
            if controlRoom > 0 {
                let found = control.withUnsafeMutableBytes { raw in
                    ipc_scm_pidfd_unpack(raw.baseAddress! + index * controlRoom, controlLengths[index])
                }
                if found >= 0 { pidfd = FileDescriptor(rawValue: found) }
            }
            return BatchEntry(
                data: Array(buffers[start..<start + length]), truncated: messageFlags[index] & Syscall.MessageFlags.truncate != 0,
                controlTruncated: messageFlags[index] & ipc_msg_ctrunc() != 0, sender: sender, pidfd: pidfd)
        }
    }

    /// `recvmmsg(descriptor, NULL, vlen, flags, timeout)`: a vector the kernel cannot write.
    public static func receiveMessages(_ descriptor: FileDescriptor, nullVectorOf vlen: Int, flags: CInt = 0) throws(Errno) -> Int {
        Int(try perform(.recvmmsg, descriptor: descriptor, mayBlock: mayBlock(flags), retryOnInterrupt: false) { _ in
            ipc_receive_messages(descriptor.rawValue, nil, 0, 0, CUnsignedInt(vlen), nil, nil, nil, nil, nil, 0, nil, nil, flags)
        })
    }

    /// The process a pidfd refers to (its `Pid:` in `/proc/self/fdinfo`): -1 once it was reaped, nil for a
    /// descriptor that is no pidfd.
    public static func pidfdProcess(_ pidfd: FileDescriptor) -> pid_t? {
        let pid = ipc_pidfd_pid(pidfd.rawValue)
        return pid == -2 ? nil : pid
    }

    /// A pidfd of a connected Unix socket's peer, as it was when the connection was made.
    ///
    /// The corresponding C function is `getsockopt(SO_PEERPIDFD)`.
    public static func peerPidfd(_ descriptor: FileDescriptor) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.getsockopt, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_peer_pidfd(descriptor.rawValue)
        })
    }

    /// Forks a child that sends `bytes` on `descriptor` and exits (`MSG_NOSIGNAL`); returns its pid, not reaped
    /// (``reap(_:)``). Only for fact tests of what a receiver learns of its sender: the child runs no Swift code.
    public static func sendFromChild(_ descriptor: FileDescriptor, _ bytes: [UInt8]) throws(Errno) -> pid_t {
        let pid = bytes.withUnsafeBytes { ipc_child_send(descriptor.rawValue, $0.baseAddress, $0.count) }
        guard pid > 0 else { throw Errno(rawValue: errno) }
        return pid
    }

    /// Forks a child that makes a stream pair and passes its first end over `descriptor` (`SCM_RIGHTS`), then exits;
    /// returns its pid, not reaped. Only for fact tests of what a socket keeps of its maker.
    public static func pairFromChild(_ descriptor: FileDescriptor) throws(Errno) -> pid_t {
        let pid = ipc_child_pass_new_pair(descriptor.rawValue)
        guard pid > 0 else { throw Errno(rawValue: errno) }
        return pid
    }

    /// Waits for the child `pid`: its exit status (128 if it did not exit).
    public static func reap(_ pid: pid_t) throws(Errno) -> Int {
        let status = ipc_reap(pid)
        guard status >= 0 else { throw Errno(rawValue: errno) }
        return Int(status)
    }

    /// Receives one message into `maximum` bytes with `controlRoom` bytes of control room, and the pidfd of its
    /// `SCM_PIDFD` message if there is one (owned by the caller).
    ///
    /// The corresponding C function is `recvmsg`.
    public static func receiveMessageWithPidfd(
        _ descriptor: FileDescriptor, maximum: Int, controlRoom: Int, flags: CInt = 0
    ) throws(Errno) -> (data: [UInt8], controlTruncated: Bool, pidfd: FileDescriptor?) {
        let entries = try receiveMessages(descriptor, maximum: maximum, vlen: 1, controlRoom: controlRoom, flags: flags)
        guard let entry = entries.first else { throw Errno.wouldBlock }
        return (entry.data, entry.controlTruncated, entry.pidfd)
    }
}
