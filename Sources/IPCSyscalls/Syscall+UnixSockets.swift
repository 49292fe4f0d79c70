import CIPCShims
import Glibc
import SystemPackage

/// The three kinds of Unix-domain socket.
public enum UnixSocketType: String, Sendable, Hashable, CaseIterable {
    case stream, dgram, seqpacket

    /// The kernel's constant (`SOCK_STREAM`, ...).
    public var rawType: CInt {
        switch self {
        case .stream: ipc_sock_stream()
        case .dgram: ipc_sock_dgram()
        case .seqpacket: ipc_sock_seqpacket()
        }
    }
}

/// A Unix-domain socket address: a file-system path, or a name in Linux's abstract namespace (no file; it vanishes
/// with the last socket bound to it).
public enum UnixAddress: Sendable, Hashable, CustomStringConvertible {
    case path(String)
    case abstract(String)

    public var description: String {
        switch self {
        case .path(let path): path
        case .abstract(let name): "@" + name
        }
    }

    /// Calls `body` with a `sockaddr_un` holding this address and its length.
    func withSocketAddress<Result>(
        _ body: (UnsafeRawPointer, CInt) throws(Errno) -> Result
    ) throws(Errno) -> Result {
        let (name, abstract): (String, Bool) =
            switch self {
            case .path(let path): (path, false)
            case .abstract(let name): (name, true)
            }
        var storage = [UInt8](repeating: 0, count: ipc_unix_address_capacity())
        let length = storage.withUnsafeMutableBytes { raw in
            Array(name.utf8).withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    ipc_unix_address(raw.baseAddress, raw.count, chars.baseAddress, chars.count, abstract ? 1 : 0)
                }
            }
        }
        guard length > 0 else { throw Errno.fileNameTooLong }
        return try storage.withUnsafeBufferPointer { (raw) throws(Errno) -> Result in
            try body(UnsafeRawPointer(raw.baseAddress!), length)
        }
    }

    /// The address in a `sockaddr_un` of `length` bytes, or nil for an unnamed socket.
    static func decode(_ storage: UnsafeRawPointer, length: CInt) -> UnixAddress? {
        var name = [CChar](repeating: 0, count: 128)
        var abstract: CInt = 0
        let count = ipc_unix_address_name(storage, length, &name, name.count, &abstract)
        guard count > 0 else { return nil }
        let text = String(decoding: name[..<Int(count)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return abstract != 0 ? .abstract(text) : .path(text)
    }
}

/// What one `recvmsg` delivered.
public struct ReceivedMessage: Sendable, Hashable {
    /// The bytes copied into the buffer (at most its size).
    public var data: [UInt8]
    /// `MSG_TRUNC`: a datagram or record was longer than the buffer; the rest is gone.
    public var truncated: Bool
    /// Descriptors installed by `SCM_RIGHTS` (close-on-exec).
    public var descriptors: [FileDescriptor]
    /// `MSG_CTRUNC`: descriptors did not fit in the control buffer; the kernel closed those.
    public var descriptorsTruncated: Bool
    /// The sender's address, when the sender was bound and one was asked for.
    public var sender: UnixAddress?
    /// What the call returned: the bytes copied, or with `MSG_TRUNC` in its flags a datagram's or record's whole
    /// length (measured: longer than the buffer then).
    public var length: Int

    public init(
        data: [UInt8], truncated: Bool = false, descriptors: [FileDescriptor] = [], descriptorsTruncated: Bool = false,
        sender: UnixAddress? = nil, length: Int? = nil
    ) {
        self.length = length ?? data.count
        self.data = data
        self.truncated = truncated
        self.descriptors = descriptors
        self.descriptorsTruncated = descriptorsTruncated
        self.sender = sender
    }
}

extension Syscall {
    /// A connected pair of Unix sockets of `type`, both close-on-exec.
    ///
    /// The corresponding C function is `socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0)`.
    public static func socketPair(_ type: UnixSocketType) throws(Errno) -> (FileDescriptor, FileDescriptor) {
        var fds: [CInt] = [-1, -1]
        _ = try perform(.socketpair, retryOnInterrupt: false) { _ in ipc_unix_socketpair(type.rawType, &fds) }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }

    /// A new, unconnected Unix socket of `type`, close-on-exec.
    ///
    /// The corresponding C function is `socket(AF_UNIX, type | SOCK_CLOEXEC, 0)`.
    public static func unixSocket(_ type: UnixSocketType) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.socket, retryOnInterrupt: false) { _ in ipc_unix_socket(type.rawType) })
    }

    /// Binds a socket to `address`. A path is created as a socket file and fails `EADDRINUSE` when anything exists
    /// there already (so binding is exclusive creation); it stays after the socket closes, until unlinked.
    ///
    /// The corresponding C function is `bind`.
    public static func bind(_ descriptor: FileDescriptor, to address: UnixAddress) throws(Errno) {
        _ = try address.withSocketAddress { (raw, length) throws(Errno) -> CInt in
            try perform(.bind, descriptor: descriptor, retryOnInterrupt: false) { _ in
                Glibc.bind(descriptor.rawValue, raw.assumingMemoryBound(to: sockaddr.self), socklen_t(length))
            }
        }
    }

    /// Marks a bound stream or seqpacket socket as accepting connections; `backlog` + 1 may wait unaccepted.
    ///
    /// The corresponding C function is `listen`.
    public static func listen(_ descriptor: FileDescriptor, backlog: Int) throws(Errno) {
        _ = try perform(.listen, descriptor: descriptor, retryOnInterrupt: false) { _ in
            Glibc.listen(descriptor.rawValue, CInt(backlog))
        }
    }

    /// Connects a socket to `address` (for a datagram socket: sets its default destination).
    ///
    /// The corresponding C function is `connect`.
    public static func connect(
        _ descriptor: FileDescriptor, to address: UnixAddress, retryOnInterrupt: Bool = true
    ) throws(Errno) {
        _ = try address.withSocketAddress { (raw, length) throws(Errno) -> CInt in
            try perform(.connect, descriptor: descriptor, retryOnInterrupt: retryOnInterrupt) { _ in
                Glibc.connect(descriptor.rawValue, raw.assumingMemoryBound(to: sockaddr.self), socklen_t(length))
            }
        }
    }

    /// Dissolves a datagram socket's peer: `connect` to an address of family `AF_UNSPEC` (POSIX's way to break a
    /// connected state).
    ///
    /// The corresponding C function is `connect(fd, &(struct sockaddr){ .sa_family = AF_UNSPEC }, sizeof(struct sockaddr))`.
    public static func disconnect(_ descriptor: FileDescriptor) throws(Errno) {
        var address = sockaddr()
        address.sa_family = sa_family_t(AF_UNSPEC)
        _ = try perform(.connect, descriptor: descriptor, retryOnInterrupt: false) { _ in
            Glibc.connect(descriptor.rawValue, &address, socklen_t(MemoryLayout<sockaddr>.size))
        }
    }

    /// Accepts the oldest pending connection; the new socket is close-on-exec.
    ///
    /// The corresponding C function is `accept4(fd, NULL, NULL, SOCK_CLOEXEC)`.
    public static func accept(_ descriptor: FileDescriptor, retryOnInterrupt: Bool = true) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.accept, descriptor: descriptor, retryOnInterrupt: retryOnInterrupt) { _ in
            ipc_accept(descriptor.rawValue)
        })
    }

    /// Accepts the oldest pending connection with `accept4`'s `flags` as given (`SOCK_NONBLOCK`, `SOCK_CLOEXEC`;
    /// any other bit fails `EINVAL`).
    ///
    /// The corresponding C function is `accept4(fd, NULL, NULL, flags)`.
    public static func accept(_ descriptor: FileDescriptor, flags: CInt, retryOnInterrupt: Bool = true) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.accept, descriptor: descriptor, retryOnInterrupt: retryOnInterrupt) { _ in
            ipc_accept_flags(descriptor.rawValue, flags)
        })
    }

    /// Sends one message: `bytes`, to `address` when given (a datagram socket's `sendto`), with `descriptors`
    /// passed as `SCM_RIGHTS` when any. `MSG_NOSIGNAL` is always added.
    ///
    /// The corresponding C function is `sendmsg`.
    public static func sendMessage(
        _ descriptor: FileDescriptor, _ bytes: [UInt8], to address: UnixAddress? = nil,
        descriptors: [FileDescriptor] = [], flags: CInt = 0, retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        var control = [UInt8](repeating: 0, count: descriptors.isEmpty ? 0 : ipc_cmsg_space_for_descriptors(CInt(descriptors.count)))
        let controlLength = control.withUnsafeMutableBytes { raw in
            descriptors.map(\.rawValue).withUnsafeBufferPointer { fds in
                ipc_scm_rights_pack(raw.baseAddress, raw.count, fds.baseAddress, CInt(fds.count))
            }
        }
        let send = { (address: UnsafeRawPointer?, addressLength: CInt) throws(Errno) -> Int in
            try perform(.sendmsg, descriptor: descriptor, count: bytes.count, mayBlock: mayBlock(flags), retryOnInterrupt: retryOnInterrupt) { count in
                control.withUnsafeBytes { controlBytes in
                    bytes.withUnsafeBytes { data in
                        ipc_send_message(
                            descriptor.rawValue, data.baseAddress, count ?? data.count, address, addressLength,
                            controlLength > 0 ? controlBytes.baseAddress : nil, controlLength, flags | ipc_msg_nosignal())
                    }
                }
            }
        }
        if let address {
            return try address.withSocketAddress { (raw, length) throws(Errno) -> Int in try send(raw, length) }
        }
        return try send(nil, 0)
    }

    /// Receives one message into a buffer of `maximum` bytes, with room for `descriptorRoom` descriptors
    /// (`CMSG_SPACE` rounds the room up: asking for 1 makes room for 2). Received descriptors are close-on-exec
    /// (`MSG_CMSG_CLOEXEC`) unless `closeOnExec` is false.
    ///
    /// The corresponding C function is `recvmsg`.
    public static func receiveMessage(
        _ descriptor: FileDescriptor, maximum: Int, descriptorRoom: Int = 0, wantSender: Bool = false,
        flags: CInt = 0, closeOnExec: Bool = true, retryOnInterrupt: Bool = true
    ) throws(Errno) -> ReceivedMessage {
        var data = [UInt8](repeating: 0, count: maximum)
        var control = [UInt8](repeating: 0, count: descriptorRoom > 0 ? ipc_cmsg_space_for_descriptors(CInt(descriptorRoom)) : 0)
        var address = [UInt8](repeating: 0, count: wantSender ? ipc_unix_address_capacity() : 0)
        var addressLength = CInt(address.count)
        var controlLength = control.count
        var messageFlags: CInt = 0
        let count = try perform(.recvmsg, descriptor: descriptor, count: maximum, mayBlock: mayBlock(flags), retryOnInterrupt: retryOnInterrupt) { limit in
            data.withUnsafeMutableBytes { buffer in
                control.withUnsafeMutableBytes { controlBytes in
                    address.withUnsafeMutableBytes { addressBytes in
                        ipc_receive_message(
                            descriptor.rawValue, buffer.baseAddress, limit ?? buffer.count,
                            wantSender ? addressBytes.baseAddress : nil, &addressLength,
                            descriptorRoom > 0 ? controlBytes.baseAddress : nil, &controlLength, &messageFlags,
                            flags | (closeOnExec ? ipc_msg_cmsg_cloexec() : 0))
                    }
                }
            }
        }
        var received = [CInt](repeating: -1, count: 64)
        let found = control.withUnsafeMutableBytes { raw in
            ipc_scm_rights_unpack(raw.baseAddress, controlLength, &received, CInt(received.count))
        }
        let sender = wantSender ? address.withUnsafeBytes { UnixAddress.decode($0.baseAddress!, length: addressLength) } : nil
        return ReceivedMessage(
            data: Array(data[..<min(Int(count), maximum)]), truncated: messageFlags & Syscall.MessageFlags.truncate != 0,
            descriptors: received.prefix(Int(found)).map { FileDescriptor(rawValue: $0) },
            descriptorsTruncated: messageFlags & ipc_msg_ctrunc() != 0, sender: sender, length: Int(count))
    }

    /// The process id of the peer of a connected Unix socket, as it was when the connection was made.
    ///
    /// The corresponding C function is `getsockopt(SO_PEERCRED)`.
    public static func peerProcessID(_ descriptor: FileDescriptor) throws(Errno) -> pid_t {
        try perform(.getsockopt, descriptor: descriptor, retryOnInterrupt: false) { _ in ipc_peer_pid(descriptor.rawValue) }
    }

    /// What `getsockopt(SO_PEERCRED)` reports: the process, effective user and group ids recorded when the
    /// connection (or pair, or listener) was made; pid 0 and ids 4294967295 (`(uid_t)-1`) when none were.
    public struct PeerCredentials: Hashable, Sendable {
        public var pid: pid_t
        public var uid: UInt32
        public var gid: UInt32

        public init(pid: pid_t, uid: UInt32, gid: UInt32) {
            self.pid = pid
            self.uid = uid
            self.gid = gid
        }
    }

    /// The credentials of a Unix socket's peer, as they were when the connection was made.
    ///
    /// The corresponding C function is `getsockopt(SO_PEERCRED)`.
    public static func peerCredentials(_ descriptor: FileDescriptor) throws(Errno) -> PeerCredentials {
        var credentials = PeerCredentials(pid: 0, uid: 0, gid: 0)
        _ = try perform(.getsockopt, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_peer_credentials(descriptor.rawValue, &credentials.pid, &credentials.uid, &credentials.gid)
        }
        return credentials
    }

    /// For measurements: a forked child, as user `uid` and group `gid` when given, calls `listen(descriptor,
    /// backlog)` on the inherited socket, or (with `connectTo`) connects a new socket of `type` to the address and
    /// exits, leaving the connection waiting at the listener. Returns the child's pid and the errno its call
    /// failed with (nil: it succeeded); the child has been reaped.
    public static func listenOrConnectInChild(
        _ descriptor: FileDescriptor = FileDescriptor(rawValue: -1), backlog: CInt = 0,
        connectTo address: UnixAddress? = nil, type: CInt = 0, uid: CInt = -1, gid: CInt = -1
    ) throws(Errno) -> (pid: pid_t, error: Errno?) {
        // The forked child holds a copy of every descriptor of this process until it exits, like a spawn's child
        // until its exec: held off from code whose closes must be the last (`withoutConcurrentSpawns`).
        try withoutConcurrentSpawns { () throws(Errno) in try listenOrConnectInChildNow(descriptor, backlog: backlog, connectTo: address, type: type, uid: uid, gid: gid) }
    }

    private static func listenOrConnectInChildNow(
        _ descriptor: FileDescriptor, backlog: CInt, connectTo address: UnixAddress?, type: CInt, uid: CInt, gid: CInt
    ) throws(Errno) -> (pid: pid_t, error: Errno?) {
        var status: CInt = 0
        let child: CInt
        if let address {
            child = try address.withSocketAddress { (raw, length) throws(Errno) in
                try perform(.connect, retryOnInterrupt: false) { _ in
                    ipc_child_listen_or_connect(descriptor.rawValue, backlog, type, raw, length, uid, gid, &status)
                }
            }
        } else {
            child = try perform(.listen, retryOnInterrupt: false) { _ in
                ipc_child_listen_or_connect(descriptor.rawValue, backlog, type, nil, 0, uid, gid, &status)
            }
        }
        return (child, status == 0 ? nil : Errno(rawValue: status))
    }

    /// The address of a connected socket's peer; nil when the peer is not bound.
    ///
    /// The corresponding C function is `getpeername`.
    public static func peerAddress(_ descriptor: FileDescriptor) throws(Errno) -> UnixAddress? {
        var storage = [UInt8](repeating: 0, count: ipc_unix_address_capacity())
        var length = CInt(storage.count)
        _ = try perform(.getsockopt, descriptor: descriptor, retryOnInterrupt: false) { _ in
            storage.withUnsafeMutableBytes { ipc_peer_address(descriptor.rawValue, $0.baseAddress, &length) }
        }
        return storage.withUnsafeBytes { UnixAddress.decode($0.baseAddress!, length: length) }
    }

    /// The socket's own address; nil when it is not bound (the kernel's `sizeof(sa_family_t)` address).
    ///
    /// The corresponding C function is `getsockname`.
    public static func socketAddress(_ descriptor: FileDescriptor) throws(Errno) -> UnixAddress? {
        var storage = [UInt8](repeating: 0, count: ipc_unix_address_capacity())
        var length = CInt(storage.count)
        _ = try perform(.getsockopt, descriptor: descriptor, retryOnInterrupt: false) { _ in
            storage.withUnsafeMutableBytes { ipc_socket_address(descriptor.rawValue, $0.baseAddress, &length) }
        }
        return storage.withUnsafeBytes { UnixAddress.decode($0.baseAddress!, length: length) }
    }

    /// The socket's send buffer limit in bytes (`SO_SNDBUF`).
    ///
    /// The corresponding C function is `getsockopt(SO_SNDBUF)`.
    public static func sendBufferSize(_ descriptor: FileDescriptor) throws(Errno) -> Int {
        Int(try perform(.getsockopt, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_send_buffer_size(descriptor.rawValue)
        })
    }

    /// The kernel memory charged to the socket for sent data its peer has not consumed: each queued buffer's
    /// true size (data rounded up to allocation sizes, plus bookkeeping), not its byte count.
    ///
    /// The corresponding C function is `ioctl(SIOCOUTQ)`.
    public static func socketOutputQueue(_ descriptor: FileDescriptor) throws(Errno) -> Int {
        Int(try perform(.getsockopt, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_socket_output_queue(descriptor.rawValue)
        })
    }

    /// A new socket of any domain, type (with `SOCK_NONBLOCK`/`SOCK_CLOEXEC`) and protocol, as asked.
    ///
    /// The corresponding C function is `socket`.
    public static func socket(domain: CInt, type: CInt, protocol: CInt) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.socket, retryOnInterrupt: false) { _ in
            Glibc.socket(domain, type, `protocol`)
        })
    }

    /// A connected pair of any family, type (with `SOCK_NONBLOCK`, `SOCK_CLOEXEC`) and protocol, as given: for the
    /// checks of `socketpair`'s arguments (only `AF_UNIX` makes pairs).
    ///
    /// The corresponding C function is `socketpair`.
    public static func socketPair(domain: CInt, type: CInt, protocol: CInt) throws(Errno) -> (FileDescriptor, FileDescriptor) {
        var fds: [CInt] = [-1, -1]
        _ = try perform(.socketpair, retryOnInterrupt: false) { _ in Glibc.socketpair(domain, type, `protocol`, &fds) }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }

    /// The bytes waiting to be read: a stream or seqpacket socket's whole queue, a datagram socket's first
    /// datagram. `EINVAL` on a listener.
    ///
    /// The corresponding C function is `ioctl(SIOCINQ)`.
    public static func socketInputQueue(_ descriptor: FileDescriptor) throws(Errno) -> Int {
        Int(try perform(.ioctl, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_socket_input_queue(descriptor.rawValue)
        })
    }

    /// Whether the next byte a receive would read is at the out-of-band mark (1) or not (0).
    ///
    /// The corresponding C function is `ioctl(SIOCATMARK)`.
    public static func socketAtMark(_ descriptor: FileDescriptor) throws(Errno) -> Int {
        Int(try perform(.ioctl, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_socket_at_mark(descriptor.rawValue)
        })
    }

    /// An `int` socket option at `SOL_SOCKET` (`SO_ERROR`, which reading clears; `SO_TYPE`; `SO_SNDBUF`; …).
    ///
    /// The corresponding C function is `getsockopt`.
    public static func socketOption(_ descriptor: FileDescriptor, _ option: CInt) throws(Errno) -> Int {
        try socketOption(descriptor, level: SOL_SOCKET, option)
    }

    /// Sets an `int` socket option at `SOL_SOCKET` (`SO_SNDBUF`: the kernel doubles and clamps it).
    ///
    /// The corresponding C function is `setsockopt`.
    public static func setSocketOption(_ descriptor: FileDescriptor, _ option: CInt, _ value: CInt) throws(Errno) {
        try setSocketOption(descriptor, level: SOL_SOCKET, option, value)
    }

    /// An `int` socket option at any `level` (a level or option the socket does not know: the kernel's error).
    ///
    /// The corresponding C function is `getsockopt`.
    public static func socketOption(_ descriptor: FileDescriptor, level: CInt, _ option: CInt) throws(Errno) -> Int {
        var value: CInt = 0
        _ = try perform(.getsockopt, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_socket_int_option_at(descriptor.rawValue, level, option, &value)
        }
        return Int(value)
    }

    /// Sets an `int` socket option at any `level`.
    ///
    /// The corresponding C function is `setsockopt`.
    public static func setSocketOption(_ descriptor: FileDescriptor, level: CInt, _ option: CInt, _ value: CInt) throws(Errno) {
        _ = try perform(.getsockopt, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_set_socket_int_option_at(descriptor.rawValue, level, option, value)
        }
    }

    /// Sets a `struct timeval` socket option at `SOL_SOCKET` (`SO_RCVTIMEO`, `SO_SNDTIMEO`): `EDOM` for microseconds
    /// outside 0..<1000000.
    ///
    /// The corresponding C function is `setsockopt`.
    public static func setSocketTimeout(_ descriptor: FileDescriptor, _ option: CInt, seconds: Int, microseconds: Int) throws(Errno) {
        _ = try perform(.getsockopt, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_set_socket_timeval_option(descriptor.rawValue, option, seconds, microseconds)
        }
    }

    /// Reads a `struct timeval` socket option at `SOL_SOCKET`, as the kernel rounded it to its tick.
    ///
    /// The corresponding C function is `getsockopt`.
    public static func socketTimeout(_ descriptor: FileDescriptor, _ option: CInt) throws(Errno) -> (seconds: Int, microseconds: Int) {
        var seconds = 0
        var microseconds = 0
        _ = try perform(.getsockopt, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_socket_timeval_option(descriptor.rawValue, option, &seconds, &microseconds)
        }
        return (seconds, microseconds)
    }

    /// Changes the permission bits of the file behind `descriptor`. On a socket not yet bound this sets the mode
    /// `bind` creates its path with (less the umask), so the path never exists with wider permissions.
    ///
    /// The corresponding C function is `fchmod`.
    public static func changeMode(_ descriptor: FileDescriptor, _ mode: mode_t) throws(Errno) {
        _ = try perform(.fchmod, retryOnInterrupt: false) { _ in Glibc.fchmod(descriptor.rawValue, mode) }
    }
}

extension Syscall.MessageFlags {
    public static var controlTruncated: CInt { ipc_msg_ctrunc() }
}
