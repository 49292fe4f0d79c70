import IPCModels

/// A receiver that bounds each blocking wait with a timer: it arms a short one-shot timer whose signal is in the set it
/// waits on (`setitimer(ITIMER_REAL)`'s `SIGALRM`, or a POSIX timer's `SIGRTMIN+1` by `timer_settime`), waits without
/// a timeout, and disarms the timer after (`alarm(0)`, `setitimer` of zero, `timer_settime` of zero), reading what was
/// left. The timer's signal is its timeout, never a sender's signal and never the end of the data: it keeps going.
extension SignalScenarios {
    /// The receiver's signals: the senders' three, `SIGALRM` (the interval timer's) and `SIGRTMIN+1` (its POSIX timer's).
    static let timerSignals = ["SIGUSR2", "SIGALRM", "SIGWINCH", "SIGRTMIN+1", "SIGRTMIN+2"]
    /// What the senders send (drawn from this list): `SIGUSR2` is taken before either timer's signal, `SIGWINCH` after
    /// `SIGALRM`, and `SIGRTMIN+2` (queued, drawn twice as often) after both: pending behind a timeout.
    static let timerSentSignals = ["SIGUSR2", "SIGWINCH", "SIGRTMIN+2", "SIGRTMIN+2"]

    /// A receiver that takes its timer's signal as the end of the data: once a bounded wait ends with it, the senders
    /// are done, it believes, and what is still pending is left over — it discards it (a drain the trace does not
    /// show). The senders' signals pending then are lost: a later wait finds nothing, or the timer's signal, where
    /// the model knows one of them is pending.
    public static let timeoutEndsData = Scenario.real(
        name: "signal-fragile-timeout-ends-data", kind: SignalKind.self, implementation: "client.signal-timeout-ends-data",
        summary: "BROKEN: a receiver that bounds its waits with a timer and takes the timer's signal as the end of the data, discarding the senders' signals still pending",
        isBroken: true,
        makeWorkload: { generator in timerBoundedWorkload(generator: &generator) })

    /// Its robust twin: the kernel's calls, the timer's signal taken as a timeout and the next round waited for.
    public static let timerBoundedWait = Scenario.real(
        name: "signal-robust-timer-bounded-wait", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "robust twin of signal-fragile-timeout-ends-data: kill and sigqueue at a receiver bounding untimed waits with a 2 ms setitimer or timer_settime one-shot, disarming with alarm(0) or a zero setting after, reading alarm, getitimer and timer_gettime",
        makeWorkload: { generator in timerBoundedWorkload(generator: &generator) })

    /// 1-3 senders (`kill`, `sigqueue`) of `SIGUSR2`, `SIGWINCH` and `SIGRTMIN+2`; a receiver that creates a POSIX
    /// timer (`CLOCK_MONOTONIC`, `SIGRTMIN+1`, value 7), sets a long `alarm` and reads it back, then in rounds arms a
    /// 2 ms one-shot — `setitimer(ITIMER_REAL)` or `timer_settime` — waits untimed on its whole set, sometimes reads
    /// the timer (`getitimer`, `timer_gettime`, `timer_getoverrun`), and disarms it (`alarm(0)`, a zero `setitimer`
    /// or `timer_settime`); it ends polling its set (timeout 0) and deleting the timer (and again: `EINVAL`).
    /// The timers are short so that no wait sleeps long enough for the driver to call the run stalled.
    static func timerBoundedWorkload(generator: inout SeededGenerator) -> Workload {
        let all: JSONValue = .array(timerSignals.map { .string($0) })
        var processes: [Workload.Process] = []
        var sent = 0
        for process in 2...generator.next(in: 2...4) {
            var program: [Call] = []
            for sequence in 0..<generator.next(in: 2...5) {
                let signal = generator.pick(timerSentSignals)
                program.append(generator.chance(0.5)
                    ? Call(process: process, object: "sig1", f: "kill", value: ["signal": .string(signal)])
                    : Call(process: process, object: "sig1", f: "sigqueue", value: ["signal": .string(signal), "value": .int(process * 100 + sequence)]))
                sent += 1
            }
            processes.append(Workload.Process(id: process, holds: ["sig1": ["send"]], program: program))
        }
        func call(_ f: String, _ value: JSONValue? = nil) -> Call { Call(process: 1, object: "sig1", f: f, value: value) }
        let twoMilliseconds: JSONValue = ["sec": 0, "usec": 2000]
        let zero: JSONValue = ["sec": 0, "usec": 0]
        var receiver = [
            call("timer_create", ["clock": "CLOCK_MONOTONIC", "notify": "SIGEV_SIGNAL", "signal": "SIGRTMIN+1", "value": 7]),
            // A long alarm (never due in a run), read back by the next alarm and cancelled.
            call("alarm", ["seconds": .int(generator.next(in: 100...1000))]),
        ]
        // Read back by getitimer or by the alarm that cancels it.
        if generator.chance(0.5) { receiver.append(call("getitimer", ["which": "ITIMER_REAL"])) }
        receiver.append(call("alarm", ["seconds": 0]))
        // The ids the kernel gives a process's first POSIX timer: 0 (the worker makes no other).
        let timer: JSONValue = 0
        for _ in 0..<(sent / 2 + generator.next(in: 1...3)) {
            let posix = generator.chance(0.4)
            receiver.append(posix
                ? call("timer_settime", ["timer": timer, "value": ["sec": 0, "nsec": 2_000_000]])
                : call("setitimer", ["which": "ITIMER_REAL", "value": twoMilliseconds]))
            receiver.append(call("wait", ["signals": all]))
            if generator.chance(0.3) {
                receiver.append(posix ? call(generator.chance(0.5) ? "timer_gettime" : "timer_getoverrun", ["timer": timer]) : call("getitimer", ["which": "ITIMER_REAL"]))
            }
            if posix {
                receiver.append(call("timer_settime", ["timer": timer, "value": ["sec": 0, "nsec": 0]]))
            } else {
                receiver.append(generator.chance(0.5) ? call("alarm", ["seconds": 0]) : call("setitimer", ["which": "ITIMER_REAL", "value": zero]))
            }
            // No `sigpending` here: a wait that sleeps drops a POSIX timer's stale entry (one its disarm left pending)
            // as it starts, which the model does not follow — it keeps the entry, shown pending, until a dequeue
            // that meets it first (so sigpending would be judged wrong; see the `timer_settime` row).
        }
        for _ in 0..<generator.next(in: 2...4) { receiver.append(call("wait", ["signals": all, "timeout": 0])) }
        receiver.append(call("timer_delete", ["timer": timer]))
        receiver.append(call("timer_delete", ["timer": timer]))
        processes.insert(Workload.Process(id: 1, holds: ["sig1": ["receive"]], program: receiver), at: 0)
        return Workload(objects: [Workload.Object(name: "sig1", kind: "signal", parameters: ["signals": all])], processes: processes)
    }
}
