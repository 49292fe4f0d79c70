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
/// - A registration follows the open it was made on; the model names a process's latest open of an end. When the
///   process opens a registered end again (or opens `O_RDWR` while registered), or moves descriptors with `dup2`,
///   `dup3` or `F_DUPFD` onto others, the model stops judging its epoll calls (``PipeModel/State/epollUnjudged``). A
///   `dup` keeps the registration (measured), as the pipe model's rules already do.
extension FIFOModel {
    /// The state after an epoll call the model does not judge (any output goes), or nil when it judges it.
    func epollUnjudged(_ state: State, process: Int, call: PipeModel.EpollCall) -> State? {
        guard let pipe = pipes.epollUnjudged(state.pipe, process: process, call: call) else { return nil }
        var next = state
        next.pipe = pipe
        return next
    }

    func epollTransitions(_ state: State, process: Int, call: PipeModel.EpollCall) -> [(output: Output?, step: Step<State>)] {
        pipes.epollTransitions(state.pipe, process: process, call: state.epollTarget(of: call, process: process), mask: epollMask(state, of: process))
            .map { candidate in
                var next = state
                next.pipe = candidate.step.state
                return (candidate.output.map(Self.output(from:)), .completed(next))
            }
    }

    /// `pipe_poll`'s mask for each of `process`'s registrations: its read end's without `EPOLLHUP` while suppressed; an
    /// `O_RDWR` open's, both ends' together (neither hang-up nor error can come: it is a reader and a writer).
    func epollMask(_ state: State, of process: Int) -> (PipeModel.EpollRegistration) -> PipeModel.PollEvents? {
        { registration in
            guard state.readWriteHalves(ofLatest: registration.end, of: process) == nil else {
                return (pipes.readiness(of: process, .read, in: state.pipe) ?? []).union(pipes.readiness(of: process, .write, in: state.pipe) ?? [])
            }
            let suppressed = registration.end == .read && state.readHangUpSuppressed(of: process)
            return pipes.readiness(of: process, registration.end, in: state.pipe, hangUpSuppressed: suppressed)
        }
    }

    /// A wait a signal interrupted: it found nothing to report (the state after that empty wait).
    func epollInterrupted(_ state: State, process: Int) -> [Step<State>] {
        guard let pipe = pipes.epollEmptyWait(state.pipe, process: process, mask: epollMask(state, of: process))
        else { return [] }
        var next = state
        next.pipe = pipe
        return [.completed(next)]
    }

    /// The registrations after an open by `process` of `ends` took `before` to `after`: the first writer's open is news
    /// for the read ends' edge-triggered registrations; a registered process that opens the end again, or opens
    /// `O_RDWR`, is no longer judged.
    func epollAfterOpen(_ step: Step<State>, before: State, process: Int, ends: [PipeModel.End]) -> Step<State> {
        guard !before.pipe.epoll.isEmpty || !before.pipe.epollUnjudged.isEmpty else { return step }
        var next = step.state
        if before.pipe.writers.isEmpty && !next.pipe.writers.isEmpty {
            for index in next.pipe.epoll.indices where next.pipe.epoll[index].edgeTriggered && next.pipe.epoll[index].end == .read {
                next.pipe.epoll[index].news = .certain
            }
        }
        let registered = next.pipe.epoll.contains { $0.process == process && (ends.count > 1 || ends.contains($0.end)) }
        if registered && next.opens.count > before.opens.count { next.leaveEpollUnjudged(process) }
        switch step {
        case .completed: return .completed(next)
        case .partial: return .partial(next)
        }
    }

    /// After `dup2`, `dup3` or `F_DUPFD`, which may close or add a descriptor the model does not name: no more judging.
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
        guard readWriteHalves(ofLatest: other, of: process) != nil, pipe.epoll.contains(where: { $0.process == process && $0.end == other })
        else { return call }
        return .control(operation: operation, end: other, events: events)
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
