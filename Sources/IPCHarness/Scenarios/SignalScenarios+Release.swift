import IPCModels

/// A receiver that blocks one of its handled signals with `sigset(SIG_HOLD)` for a while and then lets it go with
/// `sigrelse` or `sigset(sig, handler)`, while other processes keep sending: what was pending runs its handler as it
/// lets go, and what comes while it is unblocked runs the handler as it comes — never pending, never taken by a wait.
extension SignalScenarios {
    /// The receiver's signals in these scenarios: one standard, one ignored by default, one real-time.
    static let releaseSignals = ["SIGUSR2", "SIGWINCH", "SIGRTMIN+1"]

    /// A receiver that holds a signal with `sigset(SIG_HOLD)` and forgets to let it go: its `sigrelse` does nothing,
    /// so the pending signal's handler never runs, and one sent afterwards stays pending (`sigpending` shows it, the
    /// next `sigset(SIG_HOLD)` reports `SIG_HOLD`).
    public static let releaseForgotten = Scenario.real(
        name: "signal-fragile-sigrelse-forgotten", kind: SignalKind.self, implementation: "client.signal-sigrelse-forgotten",
        summary: "BROKEN: a receiver that holds a handled signal with sigset(SIG_HOLD) and forgets to let it go (its sigrelse does nothing), so its handler never runs",
        isBroken: true,
        makeWorkload: { generator in releaseWorkload(generator: &generator) })

    /// Its robust twin: the same senders and receiver, whose `sigrelse` is glibc's.
    public static let release = Scenario.real(
        name: "signal-robust-sigrelse", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "robust twin of signal-fragile-sigrelse-forgotten: kill and sigqueue at a receiver that holds a handled signal with sigset(SIG_HOLD), then lets it go with sigrelse or sigset of the handler, and BSD-sigpauses",
        makeWorkload: { generator in releaseWorkload(generator: &generator) })

    /// 1-3 senders (`kill`, `sigqueue`) of the three signals; a receiver that gives each a handler, then in rounds
    /// holds one (`sigset(SIG_HOLD)`), looks (`sigpending`, a `wait` with timeout 0), lets it go (`sigrelse` or, every
    /// third round, `sigset` of the handler), looks again, and now and then BSD-`sigpause`s holding the standard ones;
    /// it asks for its alternate stack, sets one first and disables it last.
    static func releaseWorkload(generator: inout SeededGenerator) -> Workload {
        let signals = releaseSignals
        var processes: [Workload.Process] = []
        for process in 2...generator.next(in: 2...4) {
            let program = (0..<generator.next(in: 2...6)).map { sequence -> Call in
                let signal = generator.pick(signals)
                return generator.chance(0.5)
                    ? Call(process: process, object: "sig1", f: "kill", value: ["signal": .string(signal)])
                    : Call(process: process, object: "sig1", f: "sigqueue", value: ["signal": .string(signal), "value": .int(process * 100 + sequence)])
            }
            processes.append(Workload.Process(id: process, holds: ["sig1": ["send"]], program: program))
        }
        func call(_ f: String, _ value: JSONValue?) -> Call { Call(process: 1, object: "sig1", f: f, value: value) }
        var receiver = signals.map { call("sigaction", ["signal": .string($0), "action": "handler"]) }
        // An alternate stack asked for and set (a size under 2048 bytes fails ENOMEM); its handlers do not use it.
        receiver.append(call("sigaltstack", nil))
        receiver.append(call("sigaltstack", ["flags": generator.chance(0.5) ? [] : ["SS_AUTODISARM"], "size": .int(generator.pick([2047, 2048, 8192]))]))
        /// The signals it has let go (all blocked at set-up).
        var released: Set<String> = []
        for round in 0..<generator.next(in: 2...5) {
            let signal = generator.pick(signals)
            released.remove(signal)
            receiver.append(call("sigset", ["signal": .string(signal), "disposition": "hold"]))
            receiver.append(call("pending", nil))
            receiver.append(call("wait", ["signals": .array(signals.filter { $0 != signal }.map { .string($0) }), "timeout": 0]))
            receiver.append(round % 3 == 2
                ? call("sigset", ["signal": .string(signal), "disposition": "handler"]) : call("sigrelse", ["signal": .string(signal)]))
            released.insert(signal)
            receiver.append(call("pending", nil))
            if generator.chance(0.3) && !released.contains("SIGRTMIN+1") {
                // Every real-time signal is unblocked for it: the raised SIGRTMIN+1, held till then, ends it.
                receiver.append(call("raise", ["signal": "SIGRTMIN+1"]))
                receiver.append(call("sigpause", ["mask": ["SIGUSR2", "SIGWINCH"]]))
            }
        }
        receiver.append(call("sigaltstack", ["flags": ["SS_DISABLE"], "size": 0]))
        processes.insert(Workload.Process(id: 1, holds: ["sig1": ["receive"]], program: receiver), at: 0)
        return Workload(objects: [Workload.Object(name: "sig1", kind: "signal", parameters: ["signals": .array(signals.map { .string($0) })])], processes: processes)
    }
}
