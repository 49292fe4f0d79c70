/// `dup` of a FIFO descriptor (LTP's `dup05` duplicates one), as measured (`KernelFIFODescriptorFactsTests`): the copy
/// is one more descriptor of the same open file description, so the FIFO stays open for that end — no end of file for
/// readers, no `EPIPE` for writers — until the open's last descriptor closes, and the description's `O_NONBLOCK` is
/// both's. The model keeps the copies on the open (``Open/copies``): `dup` copies the process's latest open of the end
/// (both halves of an `O_RDWR` one), and a call on the end reaches its newest descriptor, as everywhere in this model
/// (the binding's rule): a `close` closes it, `F_GETFD`/`F_SETFD` read and set its own `FD_CLOEXEC` — clear for a
/// `dup` — and the open itself closes only with its last descriptor.
extension FIFOModel {
    /// `dup` of `process`'s latest open of `end`: `EBADF` without one, then a number (`EMFILE` of a full table).
    func duplicateTransitions(_ state: State, process: Int, end: PipeModel.End) -> [(output: Output?, step: Step<State>)] {
        guard let index = state.latestOpen(of: process, end) else { return [(.failed(.EBADF), .completed(state))] }
        return takingADescriptor(state, process: process) { state in
            var next = state
            let indexes = state.readWriteHalves(ofLatest: end, of: process).map { [$0.this, $0.other] } ?? [index]
            for index in indexes {
                next.opens[index].copies.append(.clear)
                switch next.opens[index].end {
                case .read: next.pipe.readers.append(process)
                case .write: next.pipe.writers.append(process)
                }
            }
            return [(.duplicated, .completed(next))]
        }
    }

    /// `close` of one of several descriptors of the process's latest open of `end` (both halves of an `O_RDWR` one):
    /// the pipe counts one holder fewer, the open stays; nil when that open has one descriptor.
    func closeCopyTransitions(_ state: State, process: Int, end: PipeModel.End) -> [(output: Output?, step: Step<State>)]? {
        guard let index = state.latestOpen(of: process, end), !state.opens[index].copies.isEmpty else { return nil }
        let halves = state.readWriteHalves(ofLatest: end, of: process)
        var next = state
        for half in halves.map({ [$0.this, $0.other] }) ?? [index] {
            guard case .completed(let pipe)? = pipes.transitions(next.pipe, .close(process: process, end: next.opens[half].end)).first?.step else {
                return []
            }
            next.pipe = pipe
            next.opens[half].copies.removeLast()
        }
        // An O_RDWR copy is one descriptor for both ends: one number back, not two.
        if halves != nil { next.pipe.changeFreeDescriptors(of: process, by: -1) }
        return [(.closed, .completed(next))]
    }
}
