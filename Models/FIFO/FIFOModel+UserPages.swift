/// A FIFO's pipe pages under `pipe-user-pages-soft`, as this kernel counts them (`FIFOUserPagesFactsTests`, a forked
/// child of a user of its own, a C probe first): the pipe's rule (``PipeUserPages``), with the FIFO's buffer made by
/// its *first opener* — `fifo_open` allocates it when nobody has the FIFO open (a sleeper in `open` counts as open),
/// accounted to that opener's real uid, whoever owns the name:
/// - a user at the soft limit (16384 pages) opening a FIFO nobody has open gets 2 pages (8192 bytes), every later
///   opener sees the same buffer, and its `F_SETPIPE_SZ` to more fails `EPERM`;
/// - after the last close the buffer goes; the next first open makes a new one by the same rule (8192 again);
/// - an opener with effective uid 0 (a privileged process) gets 16 pages whatever its user's count;
/// - a buffer root made (accounted to root) may be grown by a user past its own limit (measured: 131072).
///
/// The trace says it as a pipe's: `"userPages": {"others": N, "unprivileged": [P…]}` on the FIFO's setup, every
/// process of the trace being of the one user whose other pipes account `others` pages (a privileged process: that
/// user with effective uid 0, as in the pipe's facts). The FIFO's `capacity` is then the kernel's (65536).
extension FIFOModel {
    /// `state` before `process`'s open: when nobody has the FIFO open, the buffer the open makes gets its slots from
    /// the user's pages (unchanged without `"userPages"`, or when the FIFO is open).
    func allocatingBuffer(_ state: State, openedBy process: Int) -> State {
        guard let userPages = state.pipe.userPages, state.pipe.readers.isEmpty, state.pipe.writers.isEmpty else { return state }
        var next = state
        next.pipe.slots = userPages.newPipeSlots(madeBy: process)
        return next
    }
}
