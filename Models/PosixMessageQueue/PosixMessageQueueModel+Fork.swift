/// `fork` and a POSIX message queue, as measured (`MessageQueueForkFactsTests`, a C probe first; LTP's `mq_notify`
/// and Open POSIX's `mq_open`/`mq_send` tests fork their senders and receivers):
/// - The child starts with a copy of each of its parent's descriptors of the queue, of the same access, sharing its
///   open description: an `mq_setattr` of `O_NONBLOCK` through the child's copy is what the parent's `mq_getattr`
///   reads, and the other way round.
/// - An `mq_notify` registration is not inherited: it belongs to the registering process (the kernel keeps its
///   `tgid`), so the child's own `mq_notify` fails `EBUSY` while the parent is registered, its `mq_notify(NULL)`
///   succeeds and removes nothing, and neither its `mq_close` of its copy nor its exit removes the parent's
///   registration — the parent is still notified. A registration the child makes is the child's, gone at its exit.
/// - The queue outlives both; the child has its parent's credentials.
///
/// A parent's epoll instances are inherited too, with their registrations keyed by the descriptions both now hold;
/// the model does not follow shared instances here, so from the fork on it judges neither process's epoll calls.
extension PosixMessageQueueModel {
    /// `fork` by `process`: `child` starts with copies of its descriptors (open descriptions shared), no registration.
    func forkTransitions(_ state: State, process: Int, child: Int) -> [Transition<State, Output>] {
        // A child is a new process: whatever the trace said of that number before is gone.
        var next = transitions(state, .exit(process: child)).first?.state ?? state
        var list = next.listed(process)
        if !list.isEmpty {
            // Each of the parent's descriptions is shared from now on: name the ones not yet shared.
            var fresh = (next.descriptors.values.flatMap { $0.compactMap(\.description) }.max() ?? 0) + 1
            for index in list.indices where list[index].description == nil {
                list[index].description = fresh
                fresh += 1
            }
            next.store(process, list)
            next.store(child, list)
            for _ in list { next.name.holders.insertSorted(child) }
        }
        next.permissions.users[child] = state.permissions.users[process]
        next.umask.fork(process, child: child)  // its parent's umask too
        let followsEpoll = next.epoll.contains { $0.process == process } || next.epollUnjudged.contains(process)
            || next.epollInstances.contains { $0.process == process } || next.nestedEpoll.contains { $0.process == process }
        if followsEpoll { next = next.unjudgingNested(process).unjudgingNested(child) }
        return [Transition(.done, next)]
    }
}
