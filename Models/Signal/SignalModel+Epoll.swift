/// `epoll_ctl` and `epoll_wait` on signalfds, as measured in `KernelSignalFactsTests+Epoll` and `SignalDescriptorEpollFactsTests` (`fs/eventpoll.c` over
/// `signalfd_poll`; `kernel/signal.c`'s `signalfd_notify`): what every object shares is ``Epoll``'s; this is what is the
/// signalfd's.
///
/// - The receiver has one epoll instance for the object (made at its first epoll call); a registration names the set a
///   signalfd was made for, that signalfd made at the first `epoll_ctl` naming the set and kept open until a `DEL` of
///   it succeeds. So the receiver holds exactly one descriptor of each set it names (`EBADF` never comes), and `ADD`
///   of a registered set fails `EEXIST`, `MOD` or `DEL` of one not registered `ENOENT`, the instance itself `EINVAL`.
/// - A wait reports `EPOLLIN` alone for a registration while one of its set is pending for the receiving thread or its
///   process (the waiting thread's, as `poll` — `signalfd_poll` looks at `current`); never `EPOLLOUT`, even asked.
///   Level-triggered it reports at every wait while one stays pending; a wait takes nothing.
/// - `EPOLLET` news is `signalfd_notify`'s wake of the process's signalfd queue, with no key: every signal that
///   becomes pending — of the registration's set or not (a `SIGWINCH` outside it gives news, so the next wait reports
///   a signal of the set still pending) — from any send, to the process or to its thread. A standard signal already
///   pending in its set (coalesced), a send that fails, `kill` of 0, and an ignored signal the receiver has left
///   unblocked (dropped as sent) wake nothing. A read of the signalfd (taking one of two queued), `sigtimedwait`,
///   `sigprocmask` and `sigaction` (discarding or not) wake nothing: no news (measured, each).
/// - The harness's `SIGUSR1` to the receiver (a `"fault": "signal"` event) wakes the queue as any other: news at that
///   moment (``signalFaultInput(process:object:)``). A call of the receiver that fails `EINTR` was interrupted by a
///   signal, which the trace may not show (a user's own): perhaps news. A signal the trace shows in neither way (one
///   the user's code sends itself outside the trace, restarting its call) is not known.
/// - `epoll_pwait` and `epoll_pwait2` with a mask swap it in for the call and deliver only when the call fails
///   `EINTR`: `SignalModel+MaskedEpoll`.
extension SignalModel {
    /// What a registration names: the signals a signalfd was made for, ascending, `SIGKILL` and `SIGSTOP` left out.
    public struct SignalSet: Hashable, Sendable, Comparable, CustomStringConvertible {
        public let signals: [Int]

        public init(_ signals: [Int]) { self.signals = Set(signals).subtracting(SignalModel.unblockable).sorted() }

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.signals.lexicographicallyPrecedes(rhs.signals) }
        public var description: String { "signalfd {\(signals.map(SignalModel.name(of:)).joined(separator: ", "))}" }
    }

    public typealias EpollRegistration = Epoll.Registration<SignalSet>
    public typealias EpollReport = Epoll.Report<SignalSet>
    /// A call on the receiver's epoll instance of signalfds (target nil: the instance itself).
    public typealias EpollCall = Epoll.Call<SignalSet>

    /// `signalfd_poll`'s mask for a registration: `EPOLLIN` while a signal of its set is pending for the receiver.
    static func epollMask(_ state: State, _ registration: EpollRegistration) -> Epoll.Events {
        state.pendingSignals.contains(where: registration.target.signals.contains) ? .input : []
    }

    /// Every way an epoll call may end: its output (nil: not judged) and the state after it. A wait that reports
    /// nothing may also end `EINTR`; with a negative timeout it can end no other way.
    /// A registration off the ready list (``State/epollOffList``; or perhaps, `perhapsListed` false) reports nothing.
    func epollOutcomes(_ state: State, process: Int, call: EpollCall) -> [(output: Output?, next: State)] {
        func outcomes(perhapsListed: Bool) -> [(output: Output?, next: State)] {
            Epoll.outcomes(
                of: call, process: process, in: state, registrations: \.epoll, unjudged: \.epollUnjudged,
                held: { _ in 1 },
                mask: { registration in
                    let off = state.epollOffList.contains(registration.target)
                        || (!perhapsListed && state.epollPerhapsOffList.contains(registration.target))
                    return off ? [] : Self.epollMask(state, registration)
                },
                controlled: Output.epollControlled, reported: { .epollEvents($0) }, failed: { .failed($0) },
                created: { .epollCreated(closeOnExec: $0) })
        }
        var all = outcomes(perhapsListed: true)
        if !state.epollPerhapsOffList.isEmpty {
            for outcome in outcomes(perhapsListed: false) where !all.contains(where: { $0.output == outcome.output && $0.next == outcome.next }) {
                all.append(outcome)
            }
        }
        return all.map { ($0.output, Self.readyListAfter(call, state, $0.output, $0.next)) }
    }

    /// `signalfd_notify`: a signal made pending wakes the process's signalfd queue with no key, news to every
    /// `EPOLLET` registration whatever it asks (`news` `.perhaps` when the signal may not have come).
    static func signalfdNotify(_ state: inout State, _ news: Epoll.News = .certain) {
        for index in state.epoll.indices { state.epoll[index].hear(Epoll.Events.readinessBits, news) }
        // The wake puts every registration back on the ready list (`ep_poll_callback`), or perhaps does.
        guard news != .none else { return }
        state.epollPerhapsOffList = news == .certain ? [] : Array(Set(state.epollPerhapsOffList + state.epollOffList)).sorted()
        state.epollOffList = []
    }
}
