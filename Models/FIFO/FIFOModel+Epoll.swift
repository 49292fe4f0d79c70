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
/// - A registration follows the open it was made on; the model names a process's latest open of an end. When the
///   process opens that end again while registered, or registers through an `O_RDWR` open (one description reached
///   through both ends, whose `EPOLLIN | EPOLLOUT` is measured but not followed), or moves descriptors with `dup2`,
///   `dup3` or `F_DUPFD` onto others, the model stops judging its epoll calls (``PipeModel/State/epollUnjudged``). A
///   `dup` keeps the registration (measured), as the pipe model's rules already do.
extension FIFOModel {
    /// The state after an epoll call the model does not judge (any output goes), or nil when it judges it.
    func epollUnjudged(_ state: State, process: Int, call: PipeModel.EpollCall) -> State? {
        if let pipe = pipes.epollUnjudged(state.pipe, process: process, call: call) {
            var next = state
            next.pipe = pipe
            return next
        }
        guard case .control(_, let end?, _) = call, state.readWriteHalves(ofLatest: end, of: process) != nil else { return nil }
        var next = state
        next.leaveEpollUnjudged(process)
        return next
    }

    func epollTransitions(_ state: State, process: Int, call: PipeModel.EpollCall) -> [(output: Output?, step: Step<State>)] {
        pipes.epollTransitions(state.pipe, process: process, call: call, hangUpSuppressed: state.readHangUpSuppressed(of: process))
            .map { candidate in
                var next = state
                next.pipe = candidate.step.state
                return (candidate.output.map(Self.output(from:)), .completed(next))
            }
    }

    /// A wait a signal interrupted: it found nothing to report (the state after that empty wait).
    func epollInterrupted(_ state: State, process: Int) -> [Step<State>] {
        guard let pipe = pipes.epollEmptyWait(state.pipe, process: process, hangUpSuppressed: state.readHangUpSuppressed(of: process))
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

    /// Forgets `process`'s registrations and judges none of its epoll calls from now on.
    mutating func leaveEpollUnjudged(_ process: Int) {
        pipe.epoll.removeAll { $0.process == process }
        if !pipe.epollUnjudged.contains(process) {
            pipe.epollUnjudged.append(process)
            pipe.epollUnjudged.sort()
        }
    }
}
