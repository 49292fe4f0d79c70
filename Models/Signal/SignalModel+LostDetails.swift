// Details dropped past `RLIMIT_SIGPENDING` by the user's *other* processes. The kernel counts every queued signal of
// the receiver's user (all its processes: on this machine root already holds one, `grep SigQ /proc/self/status`)
// against the limit, so a send may meet a full count while this receiver alone has few queued, or while the set-up
// says no limit at all. Then (`__send_signal_locked`) a standard signal sent by anything but `kill` (`sigqueue`,
// `tgkill`, `raise`: a negative `si_code`) and a real-time one sent by `kill` (`SI_USER`) are still made pending, but
// without details: taken, they read `SI_USER` with `si_pid` 0 (a `sigqueue`'d one loses its `SI_QUEUE` and value).
// Measured, `SignalLostDetailsFactsTests`: a child holding the user's last slot, the parent's `kill`'d `SIGRTMIN+1`
// and `sigqueue`'d `SIGUSR1` to itself came without details, its `kill`'d `SIGUSR2` with them.
//
// A dropped real-time signal is only the pending bit: taken while no entry of its signal is queued it is one delivery
// without details; while one is, it is gone — the collection of the last entry clears the bit.
//
// The model cannot see the other processes, so each such send's entry is marked ``SignalModel/Details/mayLose``, and
// read as kept — the usual case — until a step allows nothing so. Then ``SignalModel/step(_:_:_:)`` tries every way
// the marked entries could have gone (``SignalModel/lostDetailsVariants(_:)``). That finds each state the kernel may be
// in: a marked entry's fate shows only when it is taken or looked at (sends append and coalesce alike either way),
// and what a collection does to the marked entries left behind it is kept in ``SignalModel/Details/vanishIfLost``.
extension SignalModel {
    /// At most this many marked entries are resolved at once (2^12 variants; a trace holds one or two).
    static let lostDetailsResolutionLimit = 12

    /// The kernel's `collect_signal` took one queued entry of `entry` and left others queued: the bit stays for them
    /// if any was kept, so each marked one left would, if dropped, vanish with the bit at the last one's collection.
    static func collected(_ entry: inout Pending) {
        for index in entry.queue.indices where entry.queue[index].mayLose { entry.queue[index].vanishIfLost = true }
    }

    /// `entry` once each of its marked entries is kept or dropped (`lost` of the marked entry's rank in `entry`: true
    /// dropped, false kept, nil left marked): the kept entries; with none kept, the bit alone (a delivery without
    /// details) if a dropped one set it, else nothing.
    static func resolved(_ entry: Pending, lost: (Int) -> Bool?) -> Pending? {
        var kept: [Details] = []
        var bitOnly = entry.queue.isEmpty
        var rank = 0
        for details in entry.queue {
            guard details.mayLose else {
                kept.append(details)
                continue
            }
            defer { rank += 1 }
            switch lost(rank) {
            case nil:
                kept.append(details)
            case true?:
                if !details.vanishIfLost { bitOnly = true }
            case false?:
                var plain = details
                plain.mayLose = false
                plain.vanishIfLost = false
                kept.append(plain)
            }
        }
        if !kept.isEmpty { return Pending(signal: entry.signal, queue: kept) }
        return bitOnly ? Pending(signal: entry.signal, queue: []) : nil
    }

    /// Every state `state` may stand for, its marked entries each kept or dropped.
    static func lostDetailsVariants(_ state: State) -> [State] {
        let sets = state.pending + state.threadPending + state.threads.values.flatMap(\.pending)
        let marked = sets.reduce(0) { $0 + $1.queue.filter(\.mayLose).count }
        let count = min(marked, lostDetailsResolutionLimit)
        var variants: [State] = []
        for choice in 0..<(1 << count) {
            var rank = 0
            func resolve(_ set: [Pending]) -> [Pending] {
                set.compactMap { entry in
                    let first = rank
                    rank += entry.queue.filter(\.mayLose).count
                    return resolved(entry) { first + $0 < count ? choice & (1 << (first + $0)) != 0 : nil }
                }
            }
            var next = state
            next.threadPending = resolve(state.threadPending)
            next.pending = resolve(state.pending)
            // The other threads' sets, in a fixed order of their names.
            for name in state.threads.keys.sorted() { next.threads[name]?.pending = resolve(state.threads[name]?.pending ?? []) }
            if !variants.contains(next) { variants.append(next) }
        }
        return variants
    }
}

extension SignalModel.State {
    /// Whether an entry queued here may have lost its details (see `SignalModel+LostDetails.swift`).
    var mayHaveLostDetails: Bool {
        (pending + threadPending + threads.values.flatMap(\.pending)).contains { $0.queue.contains(where: \.mayLose) }
    }
}
