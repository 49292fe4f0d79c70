/// `dup2` and `dup3` of a FIFO descriptor, as this kernel does them (`KernelFIFODescriptorFactsTests`): the pipe's
/// rules (``PipeModel/duplicateOntoTransitions(_:process:end:call:)``, `ksys_dup3`'s order of errors) on the FIFO's
/// opens. The copy is a newest descriptor of the process's latest open of the end, as `dup`'s; what the target number
/// held is closed after the copy is installed (`do_dup2`). The target is named as the pipe's trace names it: the old
/// descriptor's own number, a free number, one of something else, or another of the process's descriptors of this FIFO
/// (`"onto": "read"` or `"write"`) — the newest of that end other than the old one, as the binding picks it. Closing
/// it is closing that descriptor: one of an open's copies, or the open's own descriptor (the open goes with its last
/// one: a release, with the end of file, `EPIPE` and I/O signals that follow, ``FIFOModel+Async``).
extension FIFOModel {
    /// One descriptor of the process's: its open (an index into ``State/opens``) and which of its copies (nil: the
    /// open's own descriptor).
    struct DescriptorPlace: Equatable {
        var open: Int
        var copy: Int?
    }

    func duplicateOntoTransitions(
        _ state: State, process: Int, end: PipeModel.End, call: PipeModel.DuplicateCall
    ) -> [(output: Output?, step: Step<State>)] {
        let known = state.pipe.descriptorLimits.first { $0.process == process }
        let checks = PipeModel.duplicateOntoChecks(call, held: state.latestOpen(of: process, end) != nil, known: known)
        if let ended = checks.ended { return [(Self.output(from: ended), .completed(state))] }
        var outcomes: [(output: Output?, step: Step<State>)] = checks.badDescriptorToo ? [(.failed(.EBADF), .completed(state))] : []
        var installed = state.copying(process, end, call.closeOnExec == true ? .set : .clear)
        switch call.target {
        case .itself, .same:
            return []
        case .other:
            outcomes.append((.duplicated, .completed(installed)))
        case .free:
            if let known, known.free <= 0 { return outcomes }  // no free number below the limit: the trace is wrong
            installed.pipe.changeFreeDescriptors(of: process, by: -1)
            outcomes.append((.duplicated, .completed(installed)))
        case .end(let replaced):
            // No other descriptor of that end: the binding cannot make the call, and no trace records it.
            guard let target = state.newestDescriptor(of: process, replaced, besides: end) else { return outcomes }
            outcomes.append((.duplicated, .completed(closing(installed, target, process: process))))
        }
        return outcomes
    }

    /// `installed` once the descriptor at `place` (found before the copy was installed: the copy is newer than any) is
    /// closed — both halves' of an `O_RDWR` one. A copy, or an open's own descriptor with copies left, is one holder
    /// fewer; an open's last descriptor is its release, signalled as a `close` of it is.
    private func closing(_ installed: State, _ place: DescriptorPlace, process: Int) -> State {
        var next = installed
        let open = installed.opens[place.open]
        let halves = [place.open] + (open.readWrite ? installed.readWriteHalf(pairedWith: place.open).map { [$0] } ?? [] : [])
        for index in halves {
            switch next.opens[index].end {
            case .read: _ = next.pipe.readers.firstIndex(of: process).map { next.pipe.readers.remove(at: $0) }
            case .write: _ = next.pipe.writers.firstIndex(of: process).map { next.pipe.writers.remove(at: $0) }
            }
        }
        if let copy = place.copy {
            for index in halves { next.opens[index].copies.remove(at: copy) }
            return next
        }
        if !open.copies.isEmpty {
            for index in halves { next.opens[index].closeOnExec = next.opens[index].copies.removeFirst() }
            return next
        }
        for index in halves.sorted(by: >) { next.removeOpen(at: index) }
        next.pipe = pipes.signalsAfter(.close(process: process, end: open.end), before: installed.pipe, after: next.pipe)
        // An O_RDWR open's release changes the holders of both ends, which the pipe's signalling sees (closeReadWrite).
        if !open.readWrite { next = releaseSignals(next, process: process, end: open.end) }
        return emptiedIfUnopened(next)
    }
}

extension FIFOModel.State {
    /// The newest of `process`'s descriptors of `end` other than the newest of `source` (the call's old descriptor,
    /// which is also one of `end`'s when it belongs to an `O_RDWR` open): nil when it has none.
    func newestDescriptor(of process: Int, _ end: PipeModel.End, besides source: PipeModel.End) -> FIFOModel.DescriptorPlace? {
        var places: [FIFOModel.DescriptorPlace] = []
        for index in opens.indices where opens[index].process == process && opens[index].end == end {
            places.append(FIFOModel.DescriptorPlace(open: index, copy: nil))
            places += opens[index].copies.indices.map { FIFOModel.DescriptorPlace(open: index, copy: $0) }
        }
        guard let latest = latestOpen(of: process, source) else { return places.last }
        let newest = opens[latest].copies.indices.last
        var excluded = FIFOModel.DescriptorPlace(open: latest, copy: newest)
        if source != end {
            guard let halves = readWriteHalves(ofLatest: source, of: process) else { return places.last }
            excluded.open = halves.other
        }
        return places.last { $0 != excluded }
    }

    /// The other half of the `O_RDWR` open whose half is at `index`: the k-th such half of one end pairs with the k-th
    /// of the other.
    func readWriteHalf(pairedWith index: Int) -> Int? {
        let open = opens[index]
        let mine = opens.indices.filter { opens[$0].process == open.process && opens[$0].end == open.end && opens[$0].readWrite }
        let theirs = opens.indices.filter { opens[$0].process == open.process && opens[$0].end != open.end && opens[$0].readWrite }
        guard let position = mine.firstIndex(of: index), position < theirs.count else { return nil }
        return theirs[position]
    }
}
