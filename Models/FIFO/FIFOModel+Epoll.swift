/// `epoll_ctl` and `epoll_wait` on a FIFO's opens, measured in `KernelFIFOEpollFactsTests`: a FIFO is a pipe reached
/// by a path, so `pipe_poll`, `pipe_read`, `pipe_write` and `pipe_release` are the pipe's own, and the pipe model's
/// epoll rules (``PipeModel+Epoll``: the errors in the kernel's order, level and edge triggering, `EPOLLONESHOT`, a
/// registration going with its description's last close) are reused whole on the FIFO's pipe state. What is the FIFO's:
/// - A read end opened `O_RDONLY | O_NONBLOCK` while no writer has the FIFO open reports no `EPOLLHUP` until a writer
///   opens (`fifo_open` notes the writers' open count), as `poll` reports no `POLLHUP`; after that writer's last close
///   it reports `EPOLLHUP`, and no longer once a new writer opens. Each open is its own: a later nonblocking open with
///   no writer is quiet while an earlier one reports `EPOLLHUP`.
/// - The first writer's open (the writers' count leaving 0, an `O_RDWR` open's too) wakes the readers' queue with no
///   key: news for every edge-triggered registration of a read end (measured: `EPOLLIN` reported again for bytes left
///   in the FIFO). A later writer's open, and any reader's open (the first too, measured on a write end's `EPOLLET`
///   registration), is no news.
/// - An `O_RDWR` open is one description reached through both ends' names: registered through either, it is one
///   registration (ADD through the other end `EEXIST`, MOD and DEL through either), reported under the end it was
///   added through, with both ends' bits — `EPOLLOUT`, `EPOLLIN` with bytes — and never `EPOLLHUP` or `EPOLLERR`
///   (it is its own reader and writer).
/// - A registration is the kernel's `(file, fd)`: the open's description and the number it was added through
///   (`KernelFIFOEpollDuplicateFactsTests`). The model follows which of the open's descriptors that was
///   (``State/epollPlaces``: the open's own, or its k-th `dup` or `F_DUPFD` copy), as long as the process has one open of
///   the end: `epoll_ctl` through the end names its newest descriptor (the binding's rule), so MOD or DEL through a
///   copy made after the ADD fails `ENOENT`, and ADD through it succeeds — a second registration of one description,
///   after which the model judges nothing more of the process's epoll calls. Closing the registered descriptor while
///   the open keeps another leaves the registration in place under the closed number (epoll(7)'s "closed descriptor
///   still reported"): waits go on reporting it, MOD and DEL through the end fail `ENOENT`, until the open's last
///   descriptor closes and takes it. Closing another of the open's descriptors changes nothing of it.
/// - Two opens of one end by one process are two descriptions, so two registrations (`KernelFIFOEpollTwoOpensFactsTests`):
///   `{"end": E}` names the latest open, so a process that opens a registered end again (or opens `O_RDWR` while
///   registered) hides the older open's registration from `epoll_ctl` — ADD through the end succeeds, MOD and DEL fail
///   `ENOENT` until it does — while waits still report it under the end's name, with that open's own poll mask (its
///   hang-up suppression), so a report may hold two entries of one end. The hidden registration and its place are
///   the older open's (``Epoll/Registration/hidden``: its rank among the process's opens of the end) and hear every
///   wake the pipe's queues get; once the later open's last close (or an interrupted open's undoing) makes it the
///   latest again, `epoll_ctl` through the end reaches it. A release of one of a process's opens is one description's
///   last close: news for edge-triggered registrations when it leaves one side empty and the other not.
/// - What the model leaves unjudged (``PipeModel/State/epollUnjudged``): a process that opens the FIFO again while it
///   has a registration of an `O_RDWR` open (one description under both ends' names, which the new open would split);
///   `dup2` and `dup3` by a registered process (which number they close or
///   reuse the trace does not say); a `dup` or `F_DUPFD` while a registration outlives its descriptor (the copy may
///   take the closed number, and the registration is then reached through it again, measured), and an `open` then
///   (its descriptor may take the number, and the old registration's reports, which carry the number, could not be
///   told from the new one's by end); ADD of a second registration of one description.
extension FIFOModel {
    /// Which descriptor of `process`'s open of `end` its registration of that end was added through: 0 the open's own,
    /// k its k-th copy (``Open/copies``), nil once that descriptor has closed while the open kept another.
    public struct EpollPlace: Hashable, Sendable {
        public var process: Int
        public var end: PipeModel.End
        public var descriptor: Int?
        /// The registration's ``Epoll/Registration/hidden``: the rank of an older open a later one hides, nil: the latest's.
        public var hidden: Int? = nil
    }

    /// The state after an epoll call the model does not judge (any output goes), or nil when it judges it.
    func epollUnjudged(_ state: State, process: Int, call: PipeModel.EpollCall) -> State? {
        if case .create = call { return nil }  // a new instance of its own
        // However many opens and copies of the end: which open and which descriptor a registration is on is followed.
        return state.pipe.epollUnjudged.contains(process) ? state : nil
    }

    func epollTransitions(_ state: State, process: Int, call: PipeModel.EpollCall) -> [(output: Output?, step: Step<State>)] {
        let target = state.epollTarget(of: call, process: process)
        if case .control(_, let end?, _) = target, let newest = state.newestDescriptorPosition(of: process, end),
            let place = state.epollPlaces.first(where: { $0.process == process && $0.end == end && $0.hidden == nil }), place.descriptor != newest,
            state.pipe.epoll.contains(where: { $0.process == process && $0.end == end && $0.hidden == nil })
        {
            // The descriptor named is not the one registered: to the kernel, (file, fd) is not registered.
            var unregistered = state.pipe
            unregistered.epoll.removeAll { $0.process == process && $0.end == end && $0.hidden == nil }
            return pipes.epollTransitions(unregistered, process: process, call: target).map { candidate in
                var next = state
                // ADD succeeded: a second registration of the description, which the model does not follow.
                if candidate.output == .epollControlled { next.leaveEpollUnjudged(process) }
                return (candidate.output.map(Self.output(from:)), .completed(next))
            }
        }
        if let nested = implicitNestedWait(state, process: process, call: call) { return nested }
        return pipes.epollTransitions(state.pipe, process: process, call: target, mask: epollMask(state, of: process))
            .map { candidate in
                var next = state
                next.pipe = candidate.step.state
                if case .control(.add, let end?, _) = target, candidate.output == .epollControlled {
                    next.epollPlaces.removeAll { $0.process == process && $0.end == end && $0.hidden == nil }
                    next.epollPlaces.append(EpollPlace(process: process, end: end, descriptor: state.newestDescriptorPosition(of: process, end)))
                    next.sortEpollPlaces()
                }
                return (candidate.output.map(Self.output(from:)), .completed(next))
            }
    }

    /// After `dup` or `F_DUPFD`: while a registration of `process` outlives its descriptor, the copy may take that
    /// number (the lowest free, measured), reaching the registration again — which the model cannot tell: no more judging.
    func epollAfterDuplicate(_ step: Step<State>, process: Int) -> Step<State> {
        guard step.state.epollPlaces.contains(where: { $0.process == process && $0.descriptor == nil }) else { return step }
        var next = step.state
        next.leaveEpollUnjudged(process)
        switch step {
        case .completed: return .completed(next)
        case .partial: return .partial(next)
        }
    }

    /// `pipe_poll`'s mask for each of `process`'s registrations: its read end's without `EPOLLHUP` while suppressed; an
    /// `O_RDWR` open's, both ends' together (neither hang-up nor error can come: it is a reader and a writer). A hidden
    /// registration's is its own open's (a plain open of the end: one of an `O_RDWR` open is not followed).
    func epollMask(_ state: State, of process: Int) -> (PipeModel.EpollRegistration) -> PipeModel.PollEvents? {
        { registration in
            if let rank = registration.hidden {
                let own = state.opens.filter { $0.process == process && $0.end == registration.end }
                guard rank < own.count, !own[rank].readWrite else { return nil }
                let suppressed = registration.end == .read && own[rank].hangUpSuppressed
                return pipes.readiness(of: process, registration.end, in: state.pipe, hangUpSuppressed: suppressed)
            }
            guard state.readWriteHalves(ofLatest: registration.end, of: process) == nil else {
                return (pipes.readiness(of: process, .read, in: state.pipe) ?? []).union(pipes.readiness(of: process, .write, in: state.pipe) ?? [])
            }
            let suppressed = registration.end == .read && state.readHangUpSuppressed(of: process)
            return pipes.readiness(of: process, registration.end, in: state.pipe, hangUpSuppressed: suppressed)
        }
    }

    /// A wait a signal interrupted: it found nothing to report (the state after that empty wait).
    func epollInterrupted(_ state: State, process: Int) -> [Step<State>] {
        if state.implicitHoldsInstances(process: process) {
            return nestedEpollEmptyWait(state, process: process, instance: implicitEpoll).map { [.completed($0.placesTrimmed())] } ?? []
        }
        guard let pipe = pipes.epollEmptyWait(state.pipe, process: process, mask: epollMask(state, of: process))
        else { return [] }
        var next = state
        next.pipe = pipe
        return [.completed(next)]
    }

    /// The registrations after an open by `process` of `ends` took `before` to `after`: the first writer's open is news
    /// for the read ends' edge-triggered registrations (hidden ones too: they are on the same queue); the registration
    /// of the older open of an end opened again is hidden already (``State/hideEpollRegistration(of:_:)``); a process
    /// with a registration of an `O_RDWR` open that opens the FIFO again is no longer judged.
    func epollAfterOpen(_ step: Step<State>, before: State, process: Int, ends: [PipeModel.End]) -> Step<State> {
        guard !before.pipe.epoll.isEmpty || !before.pipe.epollUnjudged.isEmpty || before.hasNesting else { return step }
        var next = step.state
        if before.pipe.writers.isEmpty && !next.pipe.writers.isEmpty {
            for index in next.pipe.epoll.indices where next.pipe.epoll[index].edgeTriggered && next.pipe.epoll[index].end == .read {
                next.pipe.epoll[index].news = .certain
            }
            next = next.nestedKeylessWake(both: false)  // and the kept instances', waking those that hold them
        }
        // An O_RDWR open's registration is one description's under both ends' names: a new open of either end would
        // split the names between two descriptions, which the model does not follow.
        let readWriteRegistered = before.pipe.epoll.contains {
            $0.process == process && $0.hidden == nil && before.readWriteHalves(ofLatest: $0.end, of: process) != nil
        }
        if readWriteRegistered && next.opens.count > before.opens.count { next.leaveEpollUnjudged(process) }
        // A registration living on under a closed number: the new descriptor may take that number, and a report of the
        // old registration (its data, the number) could no longer be told from the new one's by the trace's end names.
        if next.opens.count > before.opens.count && before.epollPlaces.contains(where: { $0.process == process && $0.descriptor == nil }) {
            next.leaveEpollUnjudged(process)
        }
        switch step {
        case .completed: return .completed(next)
        case .partial: return .partial(next)
        }
    }

    /// After `dup2` or `dup3`, which may close or reuse a descriptor the model does not name: no more judging.
    func epollAfterDuplicateOnto(_ step: Step<State>, process: Int) -> Step<State> {
        guard step.state.pipe.epoll.contains(where: { $0.process == process }) else { return step }
        var next = step.state
        next.leaveEpollUnjudged(process)
        switch step {
        case .completed: return .completed(next)
        case .partial: return .partial(next)
        }
    }
}

extension FIFOModel.State {
    /// Whether `process`'s latest read open reports no hang-up (opened nonblocking before any writer; none since).
    public func readHangUpSuppressed(of process: Int) -> Bool {
        opens.last { $0.process == process && $0.end == .read }?.hangUpSuppressed == true
    }

    /// `call` with the end an `O_RDWR` open was registered through: `epoll_ctl` through its other end names the same
    /// description, so the same registration.
    func epollTarget(of call: PipeModel.EpollCall, process: Int) -> PipeModel.EpollCall {
        guard case .control(let operation, let end?, let events) = call, readWriteHalves(ofLatest: end, of: process) != nil else { return call }
        let other: PipeModel.End = end == .read ? .write : .read
        guard readWriteHalves(ofLatest: other, of: process) != nil,
            pipe.epoll.contains(where: { $0.process == process && $0.end == other && $0.hidden == nil })
        else { return call }
        return .control(operation: operation, end: other, events: events)
    }

    /// The position of `process`'s newest descriptor of `end` in its latest open of it (0: the open's own), which the
    /// calls on the end reach; nil without one.
    func newestDescriptorPosition(of process: Int, _ end: PipeModel.End) -> Int? {
        latestOpen(of: process, end).map { opens[$0].copies.count }
    }

    /// After the close of the descriptor at `position` of `process`'s open of each of `ends`, the open staying: a
    /// registration added through it stays under the closed number; one added through another is as it was.
    mutating func closedEpollDescriptor(of process: Int, ends: Set<PipeModel.End>, position: Int) {
        for index in epollPlaces.indices where epollPlaces[index].process == process && ends.contains(epollPlaces[index].end) && epollPlaces[index].hidden == nil {
            if epollPlaces[index].descriptor == position { epollPlaces[index].descriptor = nil }
        }
    }

    /// The places of registrations still there (a DEL, a release, an exit or unjudging took the others).
    func placesTrimmed() -> Self {
        func gone(_ place: FIFOModel.EpollPlace) -> Bool {
            !pipe.epoll.contains { $0.process == place.process && $0.end == place.end && $0.hidden == place.hidden }
        }
        guard epollPlaces.contains(where: gone) else { return self }
        var next = self
        next.epollPlaces.removeAll(where: gone)
        return next
    }

    /// Before the release of `process`'s latest open of each of `ends` (`halves`: only where it is one of these, an
    /// `O_RDWR` open's) while the process keeps another open of that end: the registration of the open released is
    /// taken out first — it goes with its description, and the pipe, which counts holders, would take the other open
    /// for a copy keeping it and stop judging. `self` when there is nothing to take out.
    func releasingEpollRegistrations(of process: Int, ends: [PipeModel.End], halves: [Int]? = nil) -> Self {
        var next = self
        for end in ends {
            guard let latest = latestOpen(of: process, end), halves?.contains(latest) ?? true,
                opens.count(where: { $0.process == process && $0.end == end }) > 1
            else { continue }
            next.pipe.epoll.removeAll { $0.process == process && $0.end == end && $0.hidden == nil }
        }
        return next
    }

    /// After one of a process's opens was released while it keeps another open of that end (the pipe allowed its wake
    /// or not, as for a copy's close): `pipe_release` wakes both queues with no key when one side is left empty and the
    /// other not — news for every edge-triggered registration (measured, `KernelFIFOEpollTwoOpensFactsTests`).
    mutating func releasedWhileOtherOpensStay() {
        guard pipe.readers.isEmpty != pipe.writers.isEmpty else { return }
        for index in pipe.epoll.indices where pipe.epoll[index].edgeTriggered { pipe.epoll[index].news = .certain }
        self = nestedKeylessWake(both: true)
    }

    mutating func sortEpollPlaces() {
        epollPlaces.sort { ($0.process, $0.end, $0.hidden ?? -1) < ($1.process, $1.end, $1.hidden ?? -1) }
    }

    /// Before `process` opens `end` again: its latest open of the end becomes an older one, so that open's registration
    /// (and its place) is hidden under the open's rank among the process's opens of the end.
    mutating func hideEpollRegistration(of process: Int, _ end: PipeModel.End) {
        let rank = opens.count { $0.process == process && $0.end == end } - 1
        guard rank >= 0, pipe.epoll.contains(where: { $0.process == process && $0.end == end && $0.hidden == nil }) else { return }
        for index in pipe.epoll.indices where pipe.epoll[index].process == process && pipe.epoll[index].end == end && pipe.epoll[index].hidden == nil {
            pipe.epoll[index].hidden = rank
        }
        for index in epollPlaces.indices where epollPlaces[index].process == process && epollPlaces[index].end == end && epollPlaces[index].hidden == nil {
            epollPlaces[index].hidden = rank
        }
        pipe.epoll.sort()
        sortEpollPlaces()
    }

    /// After `process`'s open of `end` of rank `rank` went (`latest`: it was the latest): a registration of that open is
    /// gone with it, those of later opens move down a rank, and the open now latest, if its registration was hidden, is
    /// the end's again.
    mutating func epollAfterRemovingOpen(of process: Int, _ end: PipeModel.End, rank: Int, latest: Bool) {
        guard pipe.epoll.contains(where: { $0.process == process && $0.end == end && $0.hidden != nil }) else { return }
        func mine(_ hidden: Int?, _ registrationProcess: Int, _ registrationEnd: PipeModel.End) -> Bool {
            registrationProcess == process && registrationEnd == end && hidden != nil
        }
        pipe.epoll.removeAll { mine($0.hidden, $0.process, $0.end) && $0.hidden == rank && !latest }
        epollPlaces.removeAll { mine($0.hidden, $0.process, $0.end) && $0.hidden == rank && !latest }
        for index in pipe.epoll.indices where mine(pipe.epoll[index].hidden, pipe.epoll[index].process, pipe.epoll[index].end) {
            if pipe.epoll[index].hidden! > rank { pipe.epoll[index].hidden! -= 1 }
        }
        for index in epollPlaces.indices where mine(epollPlaces[index].hidden, epollPlaces[index].process, epollPlaces[index].end) {
            if epollPlaces[index].hidden! > rank { epollPlaces[index].hidden! -= 1 }
        }
        let newest = opens.count { $0.process == process && $0.end == end } - 1
        if latest && !pipe.epoll.contains(where: { $0.process == process && $0.end == end && $0.hidden == nil }) {
            for index in pipe.epoll.indices where pipe.epoll[index].process == process && pipe.epoll[index].end == end && pipe.epoll[index].hidden == newest {
                pipe.epoll[index].hidden = nil
            }
            for index in epollPlaces.indices where epollPlaces[index].process == process && epollPlaces[index].end == end && epollPlaces[index].hidden == newest {
                epollPlaces[index].hidden = nil
            }
        }
        pipe.epoll.sort()
        sortEpollPlaces()
    }

    /// Forgets `process`'s registrations and judges none of its epoll calls from now on.
    mutating func leaveEpollUnjudged(_ process: Int) {
        pipe.epoll.removeAll { $0.process == process }
        if !pipe.epollUnjudged.contains(process) {
            pipe.epollUnjudged.append(process)
            pipe.epollUnjudged.sort()
        }
    }
}
