extension UnixSocketModel {
    /// `SO_PEEK_OFF`, as measured in `UnixSocketPeekOffsetFactsTests` (`sk_peek_offset_fwd`/`_bwd`, and
    /// `__skb_try_recv_from_queue` for records): -1 (disabled) until `setsockopt` sets it; any value is taken, and a
    /// negative one disables it (`getsockopt` reports it as set). While it is n ≥ 0:
    /// - a peek starts n bytes in: on a stream n bytes into the queue, across buffers; on a datagram or seqpacket
    ///   socket into the first record, or — n at or past its length — into the next ones (each skipped record
    ///   counting its length), an empty record being skipped at offset 0 only once a peek has returned it
    ///   (`peeked`); nothing past the offset is read as an empty queue (`EAGAIN`, a sleep, end of file, a pending
    ///   error). The peek moves the offset on by the bytes it copied. A blocking peek asleep past the offset reads,
    ///   once data comes, from the offset as it then is (measured on every type: woken by "xy" after 10 bytes at
    ///   offset 10 it returns "xy" — so the model looks again from the offset at each step, keeping nothing).
    /// - a receive reads from the start as ever and moves the offset back, never below 0: by the bytes it took on a
    ///   stream, by the record's whole length (its discarded tail too) on a datagram or seqpacket socket.
    func peekingAtOffset(_ state: State, end: String, _ peek: (State) -> Transitions) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].peekOffset >= 0 else {
            return markingPeeked(state, end: end, peek(state))
        }
        let (view, first) = Self.viewPastPeekOffset(state, index)
        let offset = state.sockets[index].peekOffset
        return peek(view).map { outcome in
            (
                outcome.output,
                Self.mapState(outcome.step) { after in
                    var next = after
                    next.sockets[index].queue = state.sockets[index].queue
                    if case .received(let received)? = outcome.output {
                        next.sockets[index].peekOffset = offset + received.data.count
                        if let first, state.type != .stream, state.sockets[index].queue[first].bytes.isEmpty {
                            next.sockets[index].queue[first].peeked = true
                        }
                    }
                    return next
                }
            )
        }
    }

    /// A peek without an offset: an empty record it returns is marked `peeked`.
    private func markingPeeked(_ state: State, end: String, _ outcomes: Transitions) -> Transitions {
        guard state.type != .stream, let index = state.socketIndex(end),
            state.sockets[index].queue.first?.bytes.isEmpty == true
        else { return outcomes }
        return outcomes.map { outcome in
            guard case .received? = outcome.output else { return outcome }
            return (
                outcome.output,
                Self.mapState(outcome.step) { after in
                    var next = after
                    if !next.sockets[index].queue.isEmpty { next.sockets[index].queue[0].peeked = true }
                    return next
                }
            )
        }
    }

    /// The socket's queue as a peek at its offset sees it — the records or bytes before the offset gone, the first
    /// one left cut at it — and the index in the real queue of the first message it sees (nil: none).
    static func viewPastPeekOffset(_ state: State, _ index: Int) -> (view: State, first: Int?) {
        var view = state
        var skip = state.sockets[index].peekOffset
        let queue = state.sockets[index].queue
        for (position, message) in queue.enumerated() {
            let length = message.bytes.count
            let skipped = state.type == .stream ? skip >= length : skip >= length && (skip > 0 || message.peeked)
            if skipped {
                skip -= length
                continue
            }
            var rest = Array(queue[position...])
            rest[0].bytes = message.bytes.dropFirst(skip)
            view.sockets[index].queue = rest
            return (view, position)
        }
        view.sockets[index].queue = []
        return (view, nil)
    }

    /// A receive's outcomes with the offset moved back by what each step took from the queue (the queue's bytes
    /// before less after: a stream's piece, or a whole record with its discarded tail).
    func receivingBehindPeekOffset(_ state: State, end: String, _ outcomes: Transitions) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].peekOffset >= 0 else { return outcomes }
        // An out-of-band byte a read drops (`manage_oob`) does not move the offset; read inline it does.
        func readable(_ socket: Socket) -> Int {
            socket.queue.reduce(0) { $0 + ($1.urgent && !socket.outOfBandInline ? 0 : $1.bytes.count) }
        }
        let before = readable(state.sockets[index])
        return outcomes.map { outcome in
            (
                outcome.output,
                Self.mapState(outcome.step) { after in
                    var next = after
                    let taken = before - readable(after.sockets[index])
                    next.sockets[index].peekOffset = Swift.max(state.sockets[index].peekOffset - taken, 0)
                    return next
                }
            )
        }
    }

    /// `setsockopt(SO_PEEK_OFF, value)`: any value is taken (measured: -2 and 2147483647 too).
    func setPeekOffset(_ state: State, process: Int, end: String, value: Int) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return [(.failed(.EBADF), .completed(state))]
        }
        var next = state
        next.sockets[index].peekOffset = value
        return [(.closed, .completed(next))]
    }

    static func mapState(_ step: Step<State>, _ change: (State) -> State) -> Step<State> {
        switch step {
        case .completed(let state): .completed(change(state))
        case .partial(let state): .partial(change(state))
        }
    }
}
