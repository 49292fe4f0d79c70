// Plain `epoll_wait` (and `epoll_pwait`, `epoll_pwait2` without a mask) in a thread of the receiver other than its main
// one, and what a wait in one thread does to another's (issue 15; measured, `ThreadConcurrentWaitFactsTests`, C probes
// first):
// - a signalfd is polled as the waiting thread sees it (`signalfd_poll` looks at `current`): t2's wait reports it for a
//   signal of its set pending for t2 or for the process, never for one pending for the main thread alone;
// - the surprise: a level-triggered registration is on the instance's ready list after a wake — any signal made
//   pending for the receiver, to any thread, in its set or not (`signalfd_notify`), and an ADD or MOD that found it
//   ready — and a wait that polls it and finds it not ready *for the waiting thread* takes it off (`ep_send_events`).
//   Off the list it reports nothing, to any thread, until the next wake: after t2's wait found nothing, the main
//   thread's wait reports nothing though its own `SIGWINCH` is pending. In one thread this never shows (a registration
//   becomes ready only by a send, which wakes); with two it does, so the model keeps which registrations are off
//   (``State/epollOffList``) and which perhaps are (a wait that filled its buffer may not have polled them all; one
//   that failed `EINTR` or was not judged; a wake that perhaps came).
extension SignalModel {
    /// The instance's ready list after `call` ended with `output`, `before` the state the call polled in (the calling
    /// thread's sets in place), `next` the state after it.
    static func readyListAfter(_ call: EpollCall, _ before: State, _ output: Output?, _ next: State) -> State {
        var off = Set(next.epollOffList)
        var perhaps = Set(next.epollPerhapsOffList)
        func ready(_ registration: EpollRegistration) -> Bool {
            !epollMask(before, registration).intersection(registration.events).isEmpty
        }
        switch call {
        case .control(let operation, let target?, _):
            guard output == .epollControlled else { return next }
            off.remove(target)
            perhaps.remove(target)
            // ADD and MOD poll it as the calling thread (the main one) sees it: on the list only when ready.
            if operation != .delete, let registration = next.epoll.first(where: { $0.target == target }), levelTriggered(registration),
                !ready(registration)
            {
                off.insert(target)
            }
        case .wait(let maxEvents, _, _):
            let reports: [EpollReport]
            let scannedAll: Bool
            switch output {
            case .epollEvents(let reported)?:
                reports = reported
                scannedAll = reported.count < maxEvents
            case .failed(.EINTR)?, nil:
                reports = []
                scannedAll = false
            default:
                return next
            }
            for registration in before.epoll where levelTriggered(registration) {
                let target = registration.target
                if reports.contains(where: { $0.target == target }) {
                    // Reported level-triggered: put back on the list.
                    off.remove(target)
                    perhaps.remove(target)
                } else if !ready(registration) {
                    // Polled not ready for this thread (or perhaps polled): off the list.
                    if scannedAll {
                        off.insert(target)
                        perhaps.remove(target)
                    } else if !off.contains(target) {
                        perhaps.insert(target)
                    }
                }
            }
        default:
            return next
        }
        var after = next
        after.epollOffList = off.sorted()
        after.epollPerhapsOffList = perhaps.sorted()
        return after
    }

    /// Whether a registration stays on the ready list after it reports (neither `EPOLLET` nor `EPOLLONESHOT`).
    private static func levelTriggered(_ registration: EpollRegistration) -> Bool {
        !registration.edgeTriggered && !registration.events.contains(.oneShot)
    }
}
