/// The I/O signals a socket's owner is sent, as this kernel (6.18) sends them (measured in `UnixSocketAsyncFactsTests`
/// and `UnixSocketUrgentSignalFactsTests`; `sk_wake_async`, `sock_wake_async`, `kill_fasync` over `af_unix.c`). With
/// `O_ASYNC` on the socket's description its owner gets its `F_SETSIG` signal (a plain `SIGIO` for 0) for:
/// - `POLL_IN`: each buffer queued to it (`sock_def_readable`: a stream send's every buffer of up to 36544 bytes, each
///   datagram or record, an empty one too, not a stream send of nothing), each connection queued to a listener; a
///   stream or seqpacket peer's `SHUT_WR` (even again); never its own calls;
/// - `POLL_HUP` (band `POLLHUP|POLLERR`): a stream or seqpacket peer's `SHUT_RDWR`, and its release (even after
///   `SHUT_RDWR`); nothing for a peer's `SHUT_RD`, nor for a datagram peer's shutdown or close;
/// - `POLL_OUT`: once after a send of its own found no room (`EAGAIN`, or a stream send cut short) while it had
///   `O_ASYNC` (`SOCKWQ_ASYNC_NOSPACE`, ``Socket/noSpace``): at the first buffer of its freed (received, or discarded
///   by the peer's close, after that close's `POLL_HUP`) that leaves it writable — at most a quarter of its send buffer
///   charged; with `O_ASYNC` off then the mark waits for it to be on again; a datagram `EAGAIN` of the receiver's full
///   queue (after the buffer was allocated) marks nothing;
/// - `SIGURG` for a `MSG_OOB` byte queued to it, whatever `O_ASYNC` and `F_SETSIG` say, while it has an owner; with
///   `O_ASYNC` and an `F_SETSIG` signal also that signal with `POLL_PRI` (band `POLLPRI|POLLRDBAND`); the byte's buffer
///   then its `POLL_IN`.
///
/// What the model cannot see it leaves unjudged (any take of that signal allowed from then on, never a guess): a
/// stream reader asleep in a receive (`SOCKWQ_ASYNC_WAITDATA`, measured) suppresses the `POLL_IN` and `POLL_HUP`
/// above, so they are unjudged while the socket has a holder that could be asleep — one other than the caller and the
/// owner — and from a blocking stream receive of the owner's on (it may have slept through some); so too a blocking
/// send's sleeps (`POLL_OUT`s), an `exit` that releases several sockets (in an order not said), a datagram `connect`
/// or disconnect (the old peer's `ECONNRESET` report, `POLL_ERR`, not measured), `SO_SNDBUF` (`sk_write_space`) and a
/// bound datagram socket's `EAGAIN` (the queue limit or the send buffer, not told apart).
extension UnixSocketModel {
    /// The state after `input` took `before` to `after` with `output` (nil: a piece), with the I/O signals it sent.
    func signalsAfter(_ input: Input, output: Output?, before: State, after: State) -> State {
        var next = after
        if case .exit(let process) = input { next.ioSignals.ownerExited(process) }
        guard !before.ioSignals.owners.isEmpty || !before.ioSignals.async.isEmpty else { return next }
        let caller = input.process
        var failed = false
        if case .failed? = output { failed = true }
        let released = after.sockets.filter { socket in
            socket.released && before.socketIndex(socket.name).map { !before.sockets[$0].released } == true
        }
        var unfollowed = false
        switch input {
        case .connectPeer, .disconnectPeer: unfollowed = true
        case .exit: unfollowed = released.count > 1
        default: break
        }
        if unfollowed {
            for name in next.ioSignals.async { next.ioSignals.leaveUnjudged(name) }
            return next
        }
        // What the send did to its own socket's no-room mark.
        markNoSpace(input, output: output, before: before, into: &next)
        let shutdownPeer: (name: String, how: Int)? = {
            guard !failed, before.type != .dgram, case .shutdown(_, let end, let how) = input,
                let index = before.socketIndex(end), let peer = before.sockets[index].peer
            else { return nil }
            return (peer, how)
        }()
        for index in next.sockets.indices {
            let socket = next.sockets[index]
            guard !socket.released, !socket.holders.isEmpty, let old = before.socketIndex(socket.name).map({ before.sockets[$0] }) else {
                continue
            }
            let name = socket.name
            /// A wake the stream reader's sleep suppresses (`SOCK_WAKE_WAITD`).
            func wake(_ event: IOSignals<String>.Event) {
                if before.type == .stream && mayHaveSleeper(socket, caller: caller, in: next) {
                    next.ioSignals.leaveUnjudged(name)
                } else {
                    next.ioSignals.send(event, for: name)
                }
            }
            let appended = socket.queue.count - old.queue.count
            if appended > 0 {
                var urgent = false
                if case .sendOutOfBand(_, let end, _, _) = input, case .sent? = output, before.socketIndex(end).map({ before.sockets[$0].peer }) == name {
                    urgent = true
                }
                for _ in 0..<(urgent ? appended - 1 : appended) { wake(.input) }
                if urgent {
                    next.ioSignals.sendUrgent(for: name)
                    wake(.input)
                }
            }
            for _ in 0..<max(0, socket.pending.count - old.pending.count) { next.ioSignals.send(.input, for: name) }
            if shutdownPeer?.name == name {
                if shutdownPeer?.how == 1 { wake(.input) }
                if shutdownPeer?.how == 2 { wake(.hangUp) }
            }
            if before.type != .dgram && socket.peerClosed && !old.peerClosed { wake(.hangUp) }
            // unix_write_space: a buffer it sent freed (or its own failed datagram's), and it is writable after.
            let freed = socket.memory < old.memory || (failed && name == sendingSocket(input) && allocatesDatagramBuffer(input, in: before))
            if socket.noSpace && freed && (socket.memory + 1) * 4 <= next.sendBuffer(of: socket) && next.ioSignals.async.contains(name) {
                next.ioSignals.send(.output, for: name)
                next.sockets[index].noSpace = false
            }
        }
        // A blocking stream receive may have slept through wakes it suppressed (SOCKWQ_ASYNC_WAITDATA).
        if before.type == .stream, let end = receivingSocket(input), isBlockingReceive(input, in: before) {
            next.ioSignals.leaveUnjudged(end)
        }
        if case .setSendBuffer(_, let end, _) = input { next.ioSignals.leaveUnjudged(end) }
        return next
    }

    /// Sets the sending socket's no-room mark (`SOCKWQ_ASYNC_NOSPACE`, only with `O_ASYNC`) when a send found no room:
    /// a stream send's `EAGAIN` or short count, a datagram or record's `EAGAIN` before its buffer was allocated; a
    /// blocking send's piece (it may sleep for room, perhaps again and again) leaves its signals unjudged.
    private func markNoSpace(_ input: Input, output: Output?, before: State, into next: inout State) {
        guard let end = sendingSocket(input), before.ioSignals.async.contains(end), let index = next.socketIndex(end) else { return }
        let effective = Self.nonblockingByDescriptor(input, in: before) ?? input
        guard output != nil else {
            // A piece that moved nothing: asleep for room.
            if next.sockets == before.sockets {
                next.sockets[index].noSpace = true
                next.ioSignals.leaveUnjudged(end)
            }
            return
        }
        let size: Int
        switch effective {
        case .send(_, _, let data, _, _, _), .sendOutOfBand(_, _, let data, _), .sendCredentials(_, _, let data, _, _): size = data.count
        default: return
        }
        switch output {
        case .failed(.EAGAIN)?:
            if before.type == .stream || !allocatesDatagramBuffer(input, in: before) {
                if before.reportsSender {
                    next.ioSignals.leaveUnjudged(end)  // the queue limit or the send buffer: not told apart
                } else {
                    next.sockets[index].noSpace = true
                }
            }
        case .sent(let count)? where before.type == .stream && count < size:
            next.sockets[index].noSpace = true
        default: break
        }
    }

    /// Whether a process other than `caller` and the socket's owner holds `socket` (and so may be asleep in a receive
    /// on it, which a stream's wakes then skip); the owner's own sleep is accounted when its receive returns.
    private func mayHaveSleeper(_ socket: Socket, caller: Int, in state: State) -> Bool {
        let owner = state.ioSignals.recipient(of: socket.name).process
        return socket.holders.contains { $0 != caller && $0 != owner }
    }

    private func sendingSocket(_ input: Input) -> String? {
        switch input {
        case .send(_, let end, _, _, _, _), .sendOutOfBand(_, let end, _, _), .sendCredentials(_, let end, _, _, _): end
        default: nil
        }
    }

    /// A receive that may sleep: a client's `receive-exactly` loop, or one without `MSG_DONTWAIT` on a blocking
    /// description.
    private func isBlockingReceive(_ input: Input, in state: State) -> Bool {
        if case .receiveExactly = input { return true }
        return Self.maySleep(input) && Self.nonblockingByDescriptor(input, in: state) == nil
    }

    private func receivingSocket(_ input: Input) -> String? {
        switch input {
        case .receive(_, let end, _, _, _), .receiveTruncating(_, let end, _, _, _), .receiveWaitingAll(_, let end, _, _),
            .receiveExactly(_, let end, _), .peek(_, let end, _, _, _):
            end
        default: nil
        }
    }
}
