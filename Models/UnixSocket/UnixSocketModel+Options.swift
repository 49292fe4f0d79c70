extension UnixSocketModel {
    /// The socket options `getsockopt` reads (`SOL_SOCKET`).
    public enum SocketOption: String, Hashable, Sendable, CaseIterable {
        /// The pending socket error, which reading takes (`sock_error`): 0 or `ECONNRESET`.
        case error = "SO_ERROR"
        /// `SOCK_STREAM` (1), `SOCK_DGRAM` (2) or `SOCK_SEQPACKET` (5).
        case type = "SO_TYPE"
        /// The send buffer.
        case sendBuffer = "SO_SNDBUF"
        /// The peer's credentials (``UnixSocketModel/Credentials``).
        case peerCredentials = "SO_PEERCRED"
        /// A pidfd of the process whose credentials `SO_PEERCRED` reports; `ENODATA` where it reports none.
        case peerPidfd = "SO_PEERPIDFD"
        /// Where a peek starts, -1 while disabled (``UnixSocketModel/peekingAtOffset(_:end:_:)``).
        case peekOffset = "SO_PEEK_OFF"
        /// 1 while out-of-band bytes are read inline, else 0.
        case outOfBandInline = "SO_OOBINLINE"
        /// The receive and send timeouts (`UnixSocketModel+Timeouts`).
        case receiveTimeout = "SO_RCVTIMEO", sendTimeout = "SO_SNDTIMEO"
        /// 1 while `SO_PASSSEC` is set, else 0 (see `UnixSocketModel+Security`).
        case passSecurity = "SO_PASSSEC"
    }

    /// `setsockopt` of an on-off option of `end` (`SO_OOBINLINE`, `SO_PASSCRED`, `SO_PASSPIDFD`, `SO_PASSSEC`): any
    /// nonzero value sets `flag`, 0 clears it, on any socket; `EBADF` for one the process does not hold.
    func settingFlag(_ state: State, process: Int, end: String, _ flag: WritableKeyPath<Socket, Bool>, value: Int) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        var next = state
        next.sockets[index][keyPath: flag] = value != 0
        return [(.closed, .completed(next))]
    }

    /// `SOCK_MIN_SNDBUF` on this kernel: the smallest `SO_SNDBUF` `setsockopt` leaves (measured).
    public static let smallestSendBuffer = 4608

    /// `getsockopt`, `setsockopt(SO_SNDBUF)` and `ioctl(SIOCINQ/SIOCOUTQ)` (measured in
    /// `UnixSocketOptionFactsTests`):
    /// - `SO_ERROR` reports the pending error and takes it, so a later read or send no longer sees it;
    /// - `SO_PEERCRED` reports whose credentials the socket was given when made or connected (``Credentials``);
    /// - `SO_SNDBUF` is the socket's own send buffer; `setsockopt` sets it to the value (as an unsigned 32-bit
    ///   number) capped at `sendBufferMaximum` (net.core.wmem_max), doubled, and at least 4608; sends, `POLLOUT`
    ///   and the largest datagram follow the new size at once;
    /// - `SIOCOUTQ` is the true sizes the socket has queued and nobody consumed (``UnixSocketMemory``), on any
    ///   socket;
    /// - `SIOCINQ` is the unread bytes of its whole queue on a stream or seqpacket socket (on a stream, with every
    ///   out-of-band byte an ordinary read dropped: measured, `UnixSocketOutOfBandFactsTests`), of its first
    ///   datagram on a datagram socket (0 for an empty one), and `EINVAL` on a listener.
    func option(_ state: State, _ input: Input) -> Transitions {
        let process = input.process
        let end: String
        switch input {
        case .getOption(_, let name, _), .setSendBuffer(_, let name, _), .queued(_, let name, _): end = name
        default: return []
        }
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return [(.failed(.EBADF), .completed(state))]
        }
        let socket = state.sockets[index]
        switch input {
        case .getOption(_, _, .error):
            var next = state
            next.sockets[index].error = nil
            return [(.socketError(socket.error), .completed(next))]
        case .getOption(_, _, .type):
            let number = switch state.type {
            case .stream: 1
            case .dgram: 2
            case .seqpacket: 5
            }
            return [(.value(number), .completed(state))]
        case .getOption(_, _, .peerCredentials):
            return [(.peerCredentials(Self.peerCredentials(of: socket, users: state.users)), .completed(state))]
        case .getOption(_, _, .peerPidfd):
            // Measured (`UnixSocketPidfdFactsTests`): the pid `SO_PEERCRED` reports, as a pidfd — still valid once
            // that process exited and was reaped; none is `ENODATA`.
            if socket.credentials == .none { return [(.failed(ErrorCode("ENODATA")), .completed(state))] }
            return [(.peerCredentials(PeerCredentials(who: socket.credentials)), .completed(state))]
        case .getOption(_, _, .peekOffset):
            return [(.value(socket.peekOffset), .completed(state))]
        case .getOption(_, _, .outOfBandInline):
            return [(.value(socket.outOfBandInline ? 1 : 0), .completed(state))]
        case .getOption(_, _, .passSecurity):
            return [(.value(socket.passSecurity ? 1 : 0), .completed(state))]
        case .getOption(_, _, .sendBuffer):
            return [(.value(state.sendBuffer(of: socket)), .completed(state))]
        case .setSendBuffer(_, _, let value):
            var next = state
            let asked = Int(UInt32(truncatingIfNeeded: value))
            next.sockets[index].ownSendBuffer =
                Swift.max(Swift.min(asked, sendBufferMaximum) * 2, Self.smallestSendBuffer)
            return [(.closed, .completed(next))]
        case .queued(_, _, outgoing: true):
            return [(.value(socket.memory), .completed(state))]
        case .queued(_, _, outgoing: false):
            if socket.isListener { return [(.failed(.EINVAL), .completed(state))] }
            let bytes =
                state.type == .dgram
                ? socket.queue.first.map(\.bytes.count) ?? 0
                : socket.queue.reduce(socket.droppedButCounted) { $0 + $1.bytes.count }
            return [(.value(bytes), .completed(state))]
        default:
            return []
        }
    }
}

extension UnixSocketModel {
    /// `EOPNOTSUPP` (95, the same number as `ENOTSUP`; glibc names it so).
    static let operationNotSupported = ErrorCode("EOPNOTSUPP")

    /// `SCM_MAX_FD`: the most descriptors one message may carry (more fail `EINVAL`).
    public static let mostDescriptorsPerMessage = 253
}

extension UnixSocketModel {
    /// `socket(domain, type, protocol)` as this kernel answers it for `AF_UNIX` and for families out of range
    /// (measured in `UnixSocketCreationFactsTests`), in its order: `type` bits other than the type (low 4 bits),
    /// `SOCK_NONBLOCK` and `SOCK_CLOEXEC` fail `EINVAL`; a family outside 0..<46 `EAFNOSUPPORT`; a type of 11 or
    /// more `EINVAL`; then `AF_UNIX`: a protocol other than 0 or 1 (`PF_UNIX`) `EPROTONOSUPPORT`; a type other than
    /// `SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_SEQPACKET` or `SOCK_RAW` (which makes a datagram socket)
    /// `ESOCKTNOSUPPORT`. `AF_UNSPEC` (in range, registered by no family) `EAFNOSUPPORT`; `AF_INET`, for the stream,
    /// datagram and raw types (LTP's `socket01`; ``judgesSocket``): a protocol outside 0..<`IPPROTO_MAX` `EINVAL`,
    /// then TCP (0, 6) and UDP (0, 17) sockets made, a raw socket of protocol 0 and a protocol its type lacks
    /// `EPROTONOSUPPORT`. The new socket is not part of the object: the caller closes it at once.
    public static func createdSocket(domain: Int, type: Int, protocol number: Int) -> Output {
        if hasUnknownFlags(type) { return .failed(.EINVAL) }
        if domain < 0 || domain >= 46 { return .failed(ErrorCode("EAFNOSUPPORT")) }
        let kind = type & 0xf
        if kind >= 11 { return .failed(.EINVAL) }
        if domain == 0 { return .failed(ErrorCode("EAFNOSUPPORT")) }
        if domain == internet {
            if !(0..<internetProtocolLimit).contains(number) { return .failed(.EINVAL) }
            switch kind {
            case 1: return number == 0 || number == 6 ? .created(.stream) : .failed(ErrorCode("EPROTONOSUPPORT"))
            case 2: return number == 0 || number == 17 ? .created(.dgram) : .failed(ErrorCode("EPROTONOSUPPORT"))
            default: return .failed(ErrorCode("EPROTONOSUPPORT"))  // raw, protocol 0: no entry wants it
            }
        }
        if number != 0 && number != 1 { return .failed(ErrorCode("EPROTONOSUPPORT")) }
        switch kind {
        case 1: return .created(.stream)
        case 2, 3: return .created(.dgram)
        case 5: return .created(.seqpacket)
        default: return .failed(ErrorCode("ESOCKTNOSUPPORT"))
        }
    }
}
