/// A FIFO descriptor's own flag, `FD_CLOEXEC`, as measured (`KernelFIFODescriptorFactsTests.eachOpenHasItsOwnCloseOnExecFlag`):
/// `open` sets it only with `O_CLOEXEC`, and each open is its own descriptor, so `F_SETFD` on one leaves the process's
/// other opens of that end as they were. An `O_RDWR` open is one descriptor: its read and write halves share the flag.
///
/// Unlike the pipe model, which keeps a process's descriptors of an end as a count (``PipeModel+DescriptorFlags``),
/// the FIFO model keeps each open, and `F_GETFD`/`F_SETFD` reach the process's latest open of the end, as its other
/// calls do — so the flag is followed per open, exactly. What an open sets is `params`' `closeOnExec` (the trace's
/// `open` does not give its `O_CLOEXEC`); without it the flag is not known until `F_GETFD` reports it or `F_SETFD` sets it.
extension FIFOModel {
    /// `F_GETFD` on the latest open of `end`: its flag (one not known may be either, and is known afterwards); `EBADF`
    /// when the process has no such open.
    func getDescriptorFlagTransitions(_ state: State, process: Int, end: PipeModel.End) -> [(output: Output?, step: Step<State>)] {
        guard let index = state.latestOpen(of: process, end) else { return [(.failed(.EBADF), .completed(state))] }
        switch state.opens[index].copies.last ?? state.opens[index].closeOnExec {
        case .set: return [(.descriptorFlags(closeOnExec: true), .completed(state))]
        case .clear: return [(.descriptorFlags(closeOnExec: false), .completed(state))]
        case .unknown:
            return [true, false].map { value in
                var next = state
                next.setCloseOnExec(of: process, end, value)
                return (.descriptorFlags(closeOnExec: value), .completed(next))
            }
        }
    }

    /// `F_SETFD` on the latest open of `end` (both halves of an `O_RDWR` open); `EBADF` when the process has none.
    func setDescriptorFlagTransitions(
        _ state: State, process: Int, end: PipeModel.End, closeOnExec: Bool
    ) -> [(output: Output?, step: Step<State>)] {
        guard state.latestOpen(of: process, end) != nil else { return [(.failed(.EBADF), .completed(state))] }
        var next = state
        next.setCloseOnExec(of: process, end, closeOnExec)
        return [(.flagsSet, .completed(next))]
    }
}

extension FIFOModel.Setup {
    /// The `FD_CLOEXEC` a new open's descriptor has.
    var openCloseOnExec: PipeModel.CloseOnExec {
        closeOnExec.map { $0 ? .set : .clear } ?? .unknown
    }
}

extension FIFOModel.State {
    /// The index of `process`'s latest open of `end` (one asleep in `open` makes no other call meanwhile).
    func latestOpen(of process: Int, _ end: PipeModel.End) -> Int? {
        opens.lastIndex { $0.process == process && $0.end == end }
    }

    /// The latest open of `end`'s newest descriptor (its newest `dup`, else the open's own), and its other half's
    /// when it is an `O_RDWR` open, now has `FD_CLOEXEC` `value`.
    mutating func setCloseOnExec(of process: Int, _ end: PipeModel.End, _ value: Bool) {
        let kind: PipeModel.CloseOnExec = value ? .set : .clear
        var indexes: [Int] = []
        if let halves = readWriteHalves(ofLatest: end, of: process) { indexes.append(halves.other) }
        if let index = latestOpen(of: process, end) { indexes.append(index) }
        for index in indexes {
            if opens[index].copies.isEmpty { opens[index].closeOnExec = kind } else { opens[index].copies[opens[index].copies.count - 1] = kind }
        }
    }
}
