/// `dup`, `F_DUPFD`/`F_DUPFD_CLOEXEC`, `dup2` and `dup3` of a FIFO descriptor (LTP's `dup05` duplicates one), as
/// measured (`KernelFIFODescriptorFactsTests`): the copy is one more descriptor of the same open file description, so
/// the FIFO stays open for that end — no end of file for readers, no `EPIPE` for writers — until the open's last
/// descriptor closes, and the description's `O_NONBLOCK` is both's. The model keeps the copies on the open (``Open/copies``): `dup` copies the process's latest open of the end
/// (both halves of an `O_RDWR` one), and a call on the end reaches its newest descriptor, as everywhere in this model
/// (the binding's rule): a `close` closes it, `F_GETFD`/`F_SETFD` read and set its own `FD_CLOEXEC` — clear for a
/// `dup` and `F_DUPFD`, set for `F_DUPFD_CLOEXEC` and `dup3(O_CLOEXEC)` — and the open itself closes only with its
/// last descriptor. `dup2` and `dup3` are in ``FIFOModel+DuplicateOnto``.
extension FIFOModel {
    /// `dup` (`minimum` nil) or `F_DUPFD`/`F_DUPFD_CLOEXEC` (`closeOnExec`) of `process`'s latest open of `end`: `EBADF`
    /// without one, then the pipe's rules for the number (``PipeModel/duplicateOutcomes(known:minimum:)``: `EINVAL`
    /// for a minimum below 0 or at least the limit, `EMFILE`), then a copy whose `FD_CLOEXEC` is the call's.
    func duplicateTransitions(
        _ state: State, process: Int, end: PipeModel.End, minimum: Int? = nil, closeOnExec: Bool = false
    ) -> [(output: Output?, step: Step<State>)] {
        guard state.latestOpen(of: process, end) != nil else { return [(.failed(.EBADF), .completed(state))] }
        let known = state.pipe.descriptorLimits.first { $0.process == process }
        return PipeModel.duplicateOutcomes(known: known, minimum: minimum).map { error in
            guard let error else {
                var next = state.copying(process, end, closeOnExec ? .set : .clear)
                next.pipe.changeFreeDescriptors(of: process, by: -1)
                return (.duplicated, .completed(next))
            }
            return (.failed(error), .completed(state))
        }
    }

    /// `close` of one of several descriptors of the process's latest open of `end` (both halves of an `O_RDWR` one):
    /// the pipe counts one holder fewer, the open stays; nil when that open has one descriptor.
    func closeCopyTransitions(_ state: State, process: Int, end: PipeModel.End) -> [(output: Output?, step: Step<State>)]? {
        guard let index = state.latestOpen(of: process, end), !state.opens[index].copies.isEmpty else { return nil }
        let halves = state.readWriteHalves(ofLatest: end, of: process)
        var next = state
        // The process's registrations of the ends closed are the FIFO's to follow (the pipe would stop judging them).
        let closedEnds = Set((halves.map { [$0.this, $0.other] } ?? [index]).map { state.opens[$0].end })
        let kept = next.pipe.epoll.filter { $0.process == process && closedEnds.contains($0.end) }
        next.pipe.epoll.removeAll { $0.process == process && closedEnds.contains($0.end) }
        for half in halves.map({ [$0.this, $0.other] }) ?? [index] {
            guard case .completed(let pipe)? = pipes.transitions(next.pipe, .close(process: process, end: next.opens[half].end)).first?.step else {
                return []
            }
            next.pipe = pipe
            next.opens[half].copies.removeLast()
        }
        // An O_RDWR copy is one descriptor for both ends: one number back, not two.
        if halves != nil { next.pipe.changeFreeDescriptors(of: process, by: -1) }
        next.pipe.epoll = (next.pipe.epoll + kept).sorted()
        next.closedEpollDescriptor(of: process, ends: closedEnds, position: state.opens[index].copies.count)
        return [(.closed, .completed(next))]
    }
}

extension FIFOModel.State {
    /// `process`'s latest open of `end` (both halves of an `O_RDWR` one) has one descriptor more, the newest, with
    /// `FD_CLOEXEC` `kind`: one more holder of the pipe's end (the free numbers are the caller's to count).
    func copying(_ process: Int, _ end: PipeModel.End, _ kind: PipeModel.CloseOnExec) -> Self {
        guard let index = latestOpen(of: process, end) else { return self }
        var next = self
        let indexes = readWriteHalves(ofLatest: end, of: process).map { [$0.this, $0.other] } ?? [index]
        for index in indexes {
            next.opens[index].copies.append(kind)
            switch next.opens[index].end {
            case .read: next.pipe.readers = (next.pipe.readers + [process]).sorted()
            case .write: next.pipe.writers = (next.pipe.writers + [process]).sorted()
            }
        }
        return next
    }
}
