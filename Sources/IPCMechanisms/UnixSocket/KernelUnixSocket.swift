import Glibc
import IPCSyscalls
import SystemPackage

/// Unix-domain sockets (stream, datagram, seqpacket): pairs, bound addresses (a path or an abstract name),
/// listeners and connections, and descriptor passing (`SCM_RIGHTS`).
///
/// Nonblocking sends and receives use `MSG_DONTWAIT` per call, never `O_NONBLOCK`: processes that share a socket
/// share its open file description, so a flag set by one would change every other's calls.
public enum KernelUnixSocket {
    /// A connected pair, both close-on-exec.
    public static func pair(_ type: UnixSocketType) throws(Errno) -> (FileDescriptor, FileDescriptor) {
        try Syscall.socketPair(type)
    }

    /// A socket bound to `address`. A path is created by `bind` with mode 0600: the socket's own mode, set before
    /// binding, is what `bind` gives the path (less the umask), so it never exists with the umask's wider mode.
    /// `bind` never reuses an existing path, nor follows a symbolic link there (`EADDRINUSE`): creation is
    /// exclusive.
    public static func bound(_ type: UnixSocketType, to address: UnixAddress) throws(Errno) -> FileDescriptor {
        let socket = try Syscall.unixSocket(type)
        do {
            if case .path = address { try Syscall.changeMode(socket, 0o600) }
            try Syscall.bind(socket, to: address)
        } catch {
            try? Syscall.close(socket)
            throw error
        }
        return socket
    }

    /// A stream or seqpacket socket bound to `address` and listening: `backlog` + 1 connections may wait.
    public static func listener(_ type: UnixSocketType, at address: UnixAddress, backlog: Int) throws(Errno) -> FileDescriptor {
        let socket = try bound(type, to: address)
        do {
            try Syscall.listen(socket, backlog: backlog)
        } catch {
            try? Syscall.close(socket)
            throw error
        }
        return socket
    }

    /// A new socket connected to the listener at `address`. Nonblocking, a full backlog is
    /// ``TransferResult/wouldBlock``; blocking, it sleeps until an accept makes room. The socket comes back in
    /// blocking mode either way. (The socket is new and this call's alone, so its `O_NONBLOCK` is nobody else's.)
    public static func connect(
        _ type: UnixSocketType, to address: UnixAddress, nonblocking: Bool, retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<FileDescriptor> {
        let socket = try Syscall.unixSocket(type)
        do throws(Errno) {
            if nonblocking { try Syscall.setNonblocking(socket, true) }
            try Syscall.connect(socket, to: address, retryOnInterrupt: retryOnInterrupt)
            if nonblocking { try Syscall.setNonblocking(socket, false) }
            return .completed(socket)
        } catch .wouldBlock {
            try? Syscall.close(socket)
            return .wouldBlock
        } catch {
            try? Syscall.close(socket)
            throw error
        }
    }

    /// Connects `socket`, which the caller holds and other processes may share, to `address`; `EAGAIN` (`.wouldBlock`)
    /// when a nonblocking one finds the listener's backlog full. A socket has no per-call nonblocking `connect`, so a
    /// nonblocking stream or seqpacket connect turns `O_NONBLOCK` on for its one call in a marked window
    /// (``withNonblockingWindow(_:_:)``); a datagram connect never sleeps, so nothing is turned on; a blocking one waits
    /// out a sibling's window (``blocking(_:waitingFor:retryOnInterrupt:_:)``).
    public static func connect(_ socket: FileDescriptor, to address: UnixAddress, nonblocking: Bool, datagram: Bool) throws(Errno) {
        let attempt = { () throws(Errno) -> TransferResult<Bool> in
            do throws(Errno) {
                try Syscall.connect(socket, to: address)
                return .completed(true)
            } catch .wouldBlock {
                return .wouldBlock
            }
        }
        let result: TransferResult<Bool>
        if !nonblocking {
            result = try blocking(socket, waitingFor: Int16(POLLOUT), retryOnInterrupt: true, attempt)
        } else if datagram {
            result = try attempt()
        } else {
            result = try withNonblockingWindow(socket, attempt)
        }
        if case .wouldBlock = result { throw .wouldBlock }
    }

    /// Accepts the oldest waiting connection. A socket has no per-call nonblocking accept (`accept4`'s
    /// `SOCK_NONBLOCK` is the new socket's), and a listener's description is shared by every process that holds it,
    /// so: a nonblocking accept on a blocking listener turns `O_NONBLOCK` on for its one call and puts it back as it
    /// was, marking that window with `O_APPEND` (which a socket ignores; `F_SETFL` keeps it, measured in
    /// `UnixSocketNonblockFactsTests`). A blocking accept that finds `O_NONBLOCK` on answers `EAGAIN` as the kernel
    /// did when it is a user's (`F_SETFL`, `FIONBIO`: no mark), and waits for a connection with `poll` and accepts
    /// again when it is a sibling's window — so a blocking accept reports `EAGAIN` only where its description, not
    /// the harness, is nonblocking, and the listener's flags are left as found. `flags` are `accept4`'s (`SOCK_NONBLOCK`: the new socket's description is nonblocking; any bit but it and
    /// `SOCK_CLOEXEC` fails `EINVAL`); the new socket is close-on-exec either way.
    public static func accept(
        _ listener: FileDescriptor, nonblocking: Bool, flags acceptFlags: CInt = 0, retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<FileDescriptor> {
        if nonblocking {
            return try withNonblockingWindow(listener) { () throws(Errno) in
                try acceptOnce(listener, flags: acceptFlags, retryOnInterrupt: retryOnInterrupt)
            }
        }
        return try blocking(listener, waitingFor: Int16(POLLIN), retryOnInterrupt: retryOnInterrupt) { () throws(Errno) in
            try acceptOnce(listener, flags: acceptFlags, retryOnInterrupt: retryOnInterrupt)
        }
    }

    /// `body` with `socket`'s description nonblocking for its one call, marked with `O_APPEND` (which a socket
    /// ignores; `F_SETFL` keeps it, measured in `UnixSocketNonblockFactsTests`), and its flags put back as they were
    /// after; when the description is nonblocking already, `body` alone. The mark tells a sibling's blocking call
    /// that finds `O_NONBLOCK` on (``blocking(_:waitingFor:retryOnInterrupt:_:)``) that it is this window, not its
    /// description's own state — a socket has no per-call nonblocking `connect` or `accept`.
    public static func withNonblockingWindow<T>(_ socket: FileDescriptor, _ body: () throws(Errno) -> T) throws(Errno) -> T {
        let flags = try Syscall.statusFlags(socket)
        guard flags & O_NONBLOCK == 0 else { return try body() }
        try Syscall.setStatusFlags(socket, flags | O_NONBLOCK | O_APPEND)
        defer { try? Syscall.setStatusFlags(socket, flags) }
        return try body()
    }

    /// A blocking call on a description a sibling may have made nonblocking for one call of its own
    /// (``withNonblockingWindow(_:_:)``): when `attempt` answers `EAGAIN` and the description's `O_NONBLOCK` is not
    /// the user's own (`F_SETFL`, `FIONBIO`: no mark), it waits in `poll` for `events` while the window is open and
    /// tries again — so a blocking call answers `EAGAIN` only where its description, not the harness, is
    /// nonblocking. When the flag is off by the time it looks (the window closed), it tries once more at once; an
    /// `EAGAIN` then is the kernel's own answer to a blocking call, and is returned.
    public static func blocking<T>(
        _ socket: FileDescriptor, waitingFor events: Int16, retryOnInterrupt: Bool, _ attempt: () throws(Errno) -> TransferResult<T>
    ) throws(Errno) -> TransferResult<T> {
        var triedWithFlagOff = false
        while true {
            let result = try attempt()
            guard case .wouldBlock = result else { return result }
            let now = try Syscall.statusFlags(socket)
            if now & O_NONBLOCK == 0 {
                if triedWithFlagOff { return result }
                triedWithFlagOff = true
                continue
            }
            if now & O_APPEND == 0 { return result }  // the user's own O_NONBLOCK
            triedWithFlagOff = false
            var descriptors = [pollfd(fd: socket.rawValue, events: events, revents: 0)]
            _ = try Syscall.poll(&descriptors, timeoutMilliseconds: -1, retryOnInterrupt: retryOnInterrupt)
        }
    }

    private static func acceptOnce(_ listener: FileDescriptor, flags: CInt, retryOnInterrupt: Bool) throws(Errno) -> TransferResult<FileDescriptor> {
        do throws(Errno) {
            if flags != 0 {
                return .completed(try Syscall.accept(listener, flags: flags | CInt(SOCK_CLOEXEC.rawValue), retryOnInterrupt: retryOnInterrupt))
            }
            return .completed(try Syscall.accept(listener, retryOnInterrupt: retryOnInterrupt))
        } catch .wouldBlock {
            return .wouldBlock
        }
    }

    /// Sends `bytes` (to `address`, for an unconnected datagram socket) with `descriptors` attached. The count
    /// may be short (a stream whose send buffer filled part-way); ``TransferResult/wouldBlock`` when nothing went.
    /// A blocking send waits out a sibling's nonblocking window (``blocking(_:waitingFor:retryOnInterrupt:_:)``).
    public static func send(
        _ socket: FileDescriptor, _ bytes: [UInt8], to address: UnixAddress? = nil, descriptors: [FileDescriptor] = [],
        nonblocking: Bool, outOfBand: Bool = false, retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<Int> {
        let attempt = { () throws(Errno) -> TransferResult<Int> in
            do throws(Errno) {
                return .completed(try Syscall.sendMessage(
                    socket, bytes, to: address, descriptors: descriptors,
                    flags: (nonblocking ? Syscall.MessageFlags.dontWait : 0)
                        | (outOfBand ? Syscall.MessageFlags.outOfBand : 0),
                    retryOnInterrupt: retryOnInterrupt))
            } catch .wouldBlock {
                return .wouldBlock
            }
        }
        if nonblocking { return try attempt() }
        return try blocking(socket, waitingFor: Int16(POLLOUT), retryOnInterrupt: retryOnInterrupt, attempt)
    }

    /// Receives into a buffer of `maximum` bytes with room for `descriptorRoom` descriptors: a stream's bytes (up
    /// to and including a buffer that carried descriptors), or one whole datagram or record, truncated to the buffer
    /// (the rest is discarded). Empty data is end of file on a stream or seqpacket socket, or an empty message.
    /// A blocking receive waits out a sibling's nonblocking window (``blocking(_:waitingFor:retryOnInterrupt:_:)``).
    public static func receive(
        _ socket: FileDescriptor, maximum: Int, descriptorRoom: Int = 0, wantSender: Bool = false, nonblocking: Bool,
        peek: Bool = false, truncating: Bool = false, waitingForAll: Bool = false, outOfBand: Bool = false,
        retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<ReceivedMessage> {
        let attempt = { () throws(Errno) -> TransferResult<ReceivedMessage> in
            do throws(Errno) {
                return .completed(try Syscall.receiveMessage(
                    socket, maximum: maximum, descriptorRoom: descriptorRoom, wantSender: wantSender,
                    flags: (nonblocking ? Syscall.MessageFlags.dontWait : 0) | (peek ? Syscall.MessageFlags.peek : 0)
                        | (truncating ? Syscall.MessageFlags.truncate : 0)
                        | (waitingForAll ? Syscall.MessageFlags.waitAll : 0)
                        | (outOfBand ? Syscall.MessageFlags.outOfBand : 0),
                    retryOnInterrupt: retryOnInterrupt))
            } catch .wouldBlock {
                return .wouldBlock
            }
        }
        if nonblocking { return try attempt() }
        return try blocking(socket, waitingFor: Int16(POLLIN), retryOnInterrupt: retryOnInterrupt, attempt)
    }

    /// `poll` events of a socket, as the kernel's bits.
    public struct PollEvents: OptionSet, Hashable, Sendable {
        public let rawValue: CShort
        public init(rawValue: CShort) { self.rawValue = rawValue }
        public static let input = PollEvents(rawValue: CShort(POLLIN))
        public static let output = PollEvents(rawValue: CShort(POLLOUT))
        /// `POLLRDHUP` (0x2000), which Swift's Glibc module leaves out (it needs `_GNU_SOURCE`).
        public static let readHangUp = PollEvents(rawValue: 0x2000)
        public static let hangUp = PollEvents(rawValue: CShort(POLLHUP))
        public static let error = PollEvents(rawValue: CShort(POLLERR))
        /// `POLLPRI`: out-of-band data is waiting.
        public static let priority = PollEvents(rawValue: CShort(POLLPRI))
    }

    /// `poll` of one socket for `events`, waiting at most `timeout` milliseconds (forever if negative); the
    /// events reported (empty if it timed out). A signal ends a wait with `EINTR`: `poll` is never restarted.
    public static func poll(_ socket: FileDescriptor, events: PollEvents, timeout: Int) throws(Errno) -> PollEvents {
        var descriptors = [pollfd(fd: socket.rawValue, events: events.rawValue, revents: 0)]
        _ = try Syscall.poll(&descriptors, timeoutMilliseconds: CInt(clamping: timeout), retryOnInterrupt: false)
        return PollEvents(rawValue: descriptors[0].revents)
    }
}
