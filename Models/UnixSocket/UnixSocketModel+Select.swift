extension UnixSocketModel {
    /// `select` on one socket, as this kernel folds the socket's `poll` mask into its sets (`fs/select.c`,
    /// `POLLIN_SET` and `POLLOUT_SET`; measured in `UnixSocketSelectFactsTests`): readable when ``readiness(of:in:)``
    /// has `POLLIN`, `POLLHUP` or `POLLERR`, writable when it has `POLLOUT` or `POLLERR`, each only for a set the
    /// socket is in (the exceptional set: ``selectWithExceptions(_:process:end:read:write:timeout:)``). The timing is
    /// `poll`'s: with a zero timeout the one instant is the call, a negative one sleeps while nothing asked for is
    /// ready (a handled signal ends it with `EINTR`), a positive one may also run out at any point asleep and return
    /// nothing. A process holding no such socket: `EBADF`.
    func select(_ state: State, process: Int, end: String, read: Bool, write: Bool, timeout: Int) -> Transitions {
        selecting(state, process: process, end: end, read: read, write: write, exceptions: false, timeout: timeout) {
            readable, writable, _ in .selected(readable: readable, writable: writable)
        }
    }

    /// `select` with the socket in the exceptional set (`POLLEX_SET`: `POLLPRI`), measured: exceptional while a
    /// stream's out-of-band byte waits, never on a datagram or seqpacket socket; the read and write sets and the
    /// timing as ``select(_:process:end:read:write:timeout:)``.
    func selectWithExceptions(
        _ state: State, process: Int, end: String, read: Bool, write: Bool, timeout: Int
    ) -> Transitions {
        selecting(state, process: process, end: end, read: read, write: write, exceptions: true, timeout: timeout) {
            .selectedWithExceptions(readable: $0, writable: $1, exceptional: $2)
        }
    }

    /// One `select` of one socket in the sets asked; `verdict` makes the output of readable, writable, exceptional.
    private func selecting(
        _ state: State, process: Int, end: String, read: Bool, write: Bool, exceptions: Bool, timeout: Int,
        _ verdict: (Bool, Bool, Bool) -> Output
    ) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return [(.failed(.EBADF), .completed(state))]
        }
        let mask = readiness(of: state.sockets[index], in: state)
        let readable = read && !mask.intersection([.input, .hangUp, .error]).isEmpty
        let writable = write && !mask.intersection([.output, .error]).isEmpty
        let exceptional = exceptions && mask.contains(.priority)
        if readable || writable || exceptional || timeout == 0 {
            return [(verdict(readable, writable, exceptional), .completed(state))]
        }
        if timeout < 0 { return [] }
        return [(verdict(false, false, false), .completed(state)), (.failed(.EINTR), .completed(state))]
    }
}
