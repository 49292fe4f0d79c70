extension UnixSocketModel {
    /// `select` on one socket, as this kernel folds the socket's `poll` mask into its sets (`fs/select.c`,
    /// `POLLIN_SET` and `POLLOUT_SET`; measured in `UnixSocketSelectFactsTests`): readable when ``readiness(of:in:)``
    /// has `POLLIN`, `POLLHUP` or `POLLERR`, writable when it has `POLLOUT` or `POLLERR`, each only for a set the
    /// socket is in. The exceptional set (`POLLPRI`: a stream's out-of-band byte, which `poll` reports) is not in
    /// the trace form. The timing is `poll`'s: with a zero timeout the one instant is the call, a negative one
    /// sleeps while nothing asked for is ready (a handled signal ends it with `EINTR`), a positive one may also run
    /// out at any point asleep and return nothing. A process holding no such socket: `EBADF`.
    func select(_ state: State, process: Int, end: String, read: Bool, write: Bool, timeout: Int) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return [(.failed(.EBADF), .completed(state))]
        }
        let mask = readiness(of: state.sockets[index], in: state)
        let readable = read && !mask.intersection([.input, .hangUp, .error]).isEmpty
        let writable = write && !mask.intersection([.output, .error]).isEmpty
        if readable || writable || timeout == 0 {
            return [(.selected(readable: readable, writable: writable), .completed(state))]
        }
        if timeout < 0 { return [] }
        return [(.selected(readable: false, writable: false), .completed(state)), (.failed(.EINTR), .completed(state))]
    }

    /// `select` with the socket in the exceptional set (`POLLEX_SET`: `POLLPRI`), measured: exceptional while a
    /// stream's out-of-band byte waits, never on a datagram or seqpacket socket; the read and write sets and the
    /// timing as ``select(_:process:end:read:write:timeout:)``.
    func selectWithExceptions(_ state: State, process: Int, end: String, read: Bool, write: Bool, timeout: Int) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return [(.failed(.EBADF), .completed(state))]
        }
        let mask = readiness(of: state.sockets[index], in: state)
        let readable = read && !mask.intersection([.input, .hangUp, .error]).isEmpty
        let writable = write && !mask.intersection([.output, .error]).isEmpty
        let exceptional = mask.contains(.priority)
        if readable || writable || exceptional || timeout == 0 {
            return [(.selectedWithExceptions(readable: readable, writable: writable, exceptional: exceptional), .completed(state))]
        }
        if timeout < 0 { return [] }
        return [
            (.selectedWithExceptions(readable: false, writable: false, exceptional: false), .completed(state)),
            (.failed(.EINTR), .completed(state)),
        ]
    }
}
