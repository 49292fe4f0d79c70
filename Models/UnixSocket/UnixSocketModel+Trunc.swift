extension UnixSocketModel {
    /// A receive or peek with `MSG_TRUNC` in its flags (measured, `UnixSocketTruncFactsTests`): as without it, but a
    /// datagram or record longer than the buffer reports its whole length — the first queued one's, which is the
    /// one a datagram or seqpacket receive takes (or peeks at). A stream ignores the flag.
    func receiveTruncating(
        _ state: State, process: Int, end: String, max: Int, nonblocking: Bool, peek: Bool
    ) -> Transitions {
        let plain: Input =
            peek
            ? .peek(process: process, end: end, max: max, nonblocking: nonblocking, maxFiles: 0)
            : .receive(process: process, end: end, max: max, nonblocking: nonblocking, maxFiles: 0)
        let outcomes = transitions(state, plain)
        // A peek at an offset (SO_PEEK_OFF) reports the length of the record from the offset on.
        var seen = state
        if peek, let index = state.socketIndex(end), state.sockets[index].peekOffset >= 0 {
            seen = Self.viewPastPeekOffset(state, index).view
        }
        guard state.type != .stream, let whole = seen.socketIndex(end).flatMap({ seen.sockets[$0].queue.first?.bytes.count })
        else { return outcomes }
        return outcomes.map { outcome in
            guard case .received(var received) = outcome.output, received.truncated else { return outcome }
            received.length = whole
            return (.received(received), outcome.step)
        }
    }
}
