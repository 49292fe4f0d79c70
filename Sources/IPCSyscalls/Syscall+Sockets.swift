import CIPCShims
import Glibc
import SystemPackage

extension Syscall {
    /// A connected pair of Unix `SOCK_SEQPACKET` sockets, close-on-exec: message boundaries are kept and a
    /// closed peer reads as end of file.
    ///
    /// The corresponding C function is `socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)`.
    public static func seqpacketPair() throws(Errno) -> (FileDescriptor, FileDescriptor) {
        var fds: [CInt] = [-1, -1]
        _ = try perform(.socketpair, retryOnInterrupt: false) { _ in ipc_seqpacket_pair(&fds) }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }

    /// Sends one message. `MSG_NOSIGNAL` is always added: a closed peer gives `EPIPE`, never `SIGPIPE`.
    ///
    /// The corresponding C function is `send`.
    public static func send(
        _ descriptor: FileDescriptor, _ buffer: UnsafeRawBufferPointer, flags: CInt = 0, retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        try perform(.send, descriptor: descriptor, count: buffer.count, mayBlock: mayBlock(flags), retryOnInterrupt: retryOnInterrupt) {
            Glibc.send(descriptor.rawValue, buffer.baseAddress, $0 ?? buffer.count, flags | ipc_msg_nosignal())
        }
    }

    /// Receives one message into `buffer`. With `MSG_TRUNC` the result is the message's full length even when
    /// the buffer was shorter.
    ///
    /// The corresponding C function is `recv`.
    public static func receive(
        _ descriptor: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer, flags: CInt = 0,
        retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        try perform(.receive, descriptor: descriptor, count: buffer.count, mayBlock: mayBlock(flags), retryOnInterrupt: retryOnInterrupt) {
            Glibc.recv(descriptor.rawValue, buffer.baseAddress, $0 ?? buffer.count, flags)
        }
    }

    /// False when `flags` hold `MSG_DONTWAIT` (the call cannot sleep); nil otherwise (the descriptor decides).
    static func mayBlock(_ flags: CInt) -> Bool? { flags & ipc_msg_dontwait() != 0 ? false : nil }

    /// Flags for ``receive(_:into:flags:retryOnInterrupt:)``.
    public enum MessageFlags {
        public static var peek: CInt { ipc_msg_peek() }
        /// `MSG_OOB`: a stream send's last byte becomes out-of-band data; a receive takes that byte.
        public static var outOfBand: CInt { ipc_msg_oob() }
        public static var truncate: CInt { ipc_msg_trunc() }
        public static var waitAll: CInt { ipc_msg_waitall() }
        public static var dontWait: CInt { ipc_msg_dontwait() }
    }
}

extension Syscall {
    /// Shuts down part of a full-duplex connection: `how` 0 (`SHUT_RD`), 1 (`SHUT_WR`) or 2 (`SHUT_RDWR`).
    ///
    /// The corresponding C function is `shutdown`.
    public static func shutdown(_ socket: FileDescriptor, how: CInt) throws(Errno) {
        _ = try perform(.shutdown, descriptor: socket, retryOnInterrupt: false) { _ in Glibc.shutdown(socket.rawValue, how) }
    }
}
