/// `open(path, O_RDWR)` on a FIFO — undefined in POSIX, defined by Linux's `fifo_open` and measured here
/// (`KernelFIFOReadWriteFactsTests`): the classic way to keep a FIFO open so that its readers never see end of file.
///
/// - It never sleeps, blocking or not: the opener is its own partner. It counts as a reader and as a writer at once,
///   so it releases every process asleep in `open` for either end, and lifts a nonblocking reader's `POLLHUP`
///   suppression as a writer's open does.
/// - Its permission check asks for both read and write (`EACCES` if either is refused), after the name's lookup.
/// - The process's reads and writes go through it as through any latest open of that end: an empty FIFO it alone
///   writes to never reads end of file (it blocks, or `EAGAIN` when nonblocking); its writes never fail `EPIPE`.
/// - It is one description: `F_SETFL` through either end changes both, `poll` reports both ends' bits together, and a
///   `close` of either end closes both — the last close, if it was the last opener, discards the FIFO's bytes.
extension FIFOModel {
    func openReadWriteTransitions(_ state: State, process: Int, nonblocking: Bool) -> [(output: Output?, step: Step<State>)] {
        guard state.linked else { return [(.failed(.ENOENT), .completed(state))] }
        guard state.mayOpen(process, for: .read), state.mayOpen(process, for: .write) else {
            return [(.failed(.EACCES), .completed(state))]
        }
        var next = state
        next.pipe.readers.append(process)
        next.pipe.readers.sort()
        next.pipe.writers.append(process)
        next.pipe.writers.sort()
        for index in next.openers.indices { next.openers[index].released = true }
        for index in next.opens.indices { next.opens[index].hangUpSuppressed = false }
        for end in [PipeModel.End.read, .write] {
            next.hideLatestOpen(of: process, end)
            next.opens.append(Open(
                process: process, end: end, nonblocking: nonblocking, hangUpSuppressed: false, readWrite: true,
                closeOnExec: state.setup.openCloseOnExec))
            next.pipe.setFlag(\.nonblocking, of: process, end, nonblocking)
        }
        return [(.opened, .completed(next))]
    }

    /// A `close` of the end whose latest open is half of an `O_RDWR` open: the description goes, with both ends — one
    /// release of a reader and a writer at once, whose signals (``FIFOModel+Async``) are the pipe's for the two closes
    /// taken together, not one after the other. (Were the process to hold another open of either end, the pipe state's
    /// holders would not change for that end, but then that end's count stays above 0 in the kernel as well.)
    func closeReadWrite(_ state: State, process: Int, end: PipeModel.End) -> [(output: Output?, step: Step<State>)] {
        guard let halves = state.readWriteHalves(ofLatest: end, of: process) else { return [] }
        var next = state.releasingEpollRegistrations(of: process, ends: [.read, .write], halves: [halves.this, halves.other])
        let othersStay = [PipeModel.End.read, .write].contains { end in state.opens.count(where: { $0.process == process && $0.end == end }) > 1 }
        let async = next.pipe.async
        next.pipe.async = []
        for end in [PipeModel.End.read, .write] {
            guard case .completed(let pipe)? = pipes.transitions(next.pipe, .close(process: process, end: end)).first?.step else { return [] }
            next.pipe = pipe
        }
        next.pipe.async = async
        next.removeOpen(at: max(halves.this, halves.other))
        next.removeOpen(at: min(halves.this, halves.other))
        next.pipe = pipes.signalsAfter(.close(process: process, end: end), before: state.pipe, after: next.pipe)
        if othersStay { next.releasedWhileOtherOpensStay() }
        // Each end's close gave a number back, but the two ends were one descriptor.
        next.pipe.changeFreeDescriptors(of: process, by: -1)
        return [(.closed, .completed(emptiedIfUnopened(next)))]
    }
}

extension FIFOModel.State {
    /// When `process`'s latest open of `end` is half of an `O_RDWR` open: its index in `opens` and its other half's.
    /// Both ends' halves were appended together and go together, so the last such half of one end pairs with the
    /// last of the other.
    func readWriteHalves(ofLatest end: PipeModel.End, of process: Int) -> (this: Int, other: Int)? {
        guard let this = opens.lastIndex(where: { $0.process == process && $0.end == end }), opens[this].readWrite,
            let other = opens.lastIndex(where: { $0.process == process && $0.end != end && $0.readWrite })
        else { return nil }
        return (this, other)
    }

    /// After `F_SETFL` through `end`: when that description is an `O_RDWR` open, its other half has the same flags,
    /// and where that half is the process's latest open of its end, the pipe's flags for that end follow.
    mutating func setFlagsOfOtherHalf(of process: Int, _ end: PipeModel.End, nonblocking: Bool, direct: Bool?) {
        guard let halves = readWriteHalves(ofLatest: end, of: process) else { return }
        opens[halves.other].nonblocking = nonblocking
        let otherEnd = opens[halves.other].end
        guard opens.lastIndex(where: { $0.process == process && $0.end == otherEnd }) == halves.other else { return }
        pipe.setFlag(\.nonblocking, of: process, otherEnd, nonblocking)
        if let direct { pipe.setFlag(\.direct, of: process, otherEnd, direct) }
    }
}
