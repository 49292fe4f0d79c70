import IPCModels

/// Scenarios on standard and real-time signals sent with `kill` and `sigqueue` to a process that blocks them and
/// takes them with `sigtimedwait` (or, for an untimed wait, sometimes `sigwait`).
public enum SignalScenarios {
    public static let all: [Scenario] = [
        coalescing, realtimeQueue, lowestPendingFirst, threadDirected, pidfdThreadScope, pidfdSends, sigwaitInSetOrder, sigwaitLowestFirst, resetBeforeWait, actions,
        pauseTakesSignal, pause, resetHandRearmed, handlerFlags, setmaskBlocksOnly, releaseForgotten, release,
        onStackEverywhere, alternateStack, epollReadOne, epollDrain, handlerStackKept, handlerAltStack, pwaitEmulated, maskedEpoll,
        timeoutEndsData, timerBoundedWait,
    ]

    /// An event loop that waits in epoll with some of its signals unblocked for the wait, emulating `epoll_pwait` as
    /// code written before it existed did: it unblocks them, runs their handlers, then calls `epoll_wait` — so a
    /// pending signal's handler runs (and, it believes, interrupts the wait) even when registrations are ready or the
    /// timeout is 0, where the kernel's `epoll_pwait` reports the ready ones and leaves the signal pending (and with
    /// timeout 0 and nothing ready returns nothing). The trace shows deliveries where the model allows none.
    public static let pwaitEmulated = Scenario.real(
        name: "signal-fragile-epoll-pwait-emulated", kind: SignalKind.self, implementation: "client.signal-epoll-pwait-emulated",
        summary: "BROKEN: an epoll event loop whose epoll_pwait is sigprocmask, the handlers, then epoll_wait: it runs a pending signal's handler though registrations are ready or the timeout is 0",
        isBroken: true,
        makeWorkload: { generator in maskedEpollWorkload(generator: &generator) })

    /// Its robust twin: the kernel's `epoll_pwait` and `epoll_pwait2` with the mask swapped in for the call.
    public static let maskedEpoll = Scenario.real(
        name: "signal-robust-epoll-pwait-mask", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "robust twin of signal-fragile-epoll-pwait-emulated: an epoll event loop on signalfds waiting with epoll_pwait and epoll_pwait2 whose masks unblock handled signals for the call",
        makeWorkload: { generator in maskedEpollWorkload(generator: &generator) })

    /// Process 1 is the event loop: it gives every signal of its set a handler, registers a signalfd for `SIGUSR2` and
    /// `SIGRTMIN+1` (level-triggered) and one for `SIGWINCH` (`EPOLLET`), then waits — `epoll_pwait` or `epoll_pwait2`,
    /// timeout 0 or 5 ms, with a mask keeping a drawn part of its signals blocked — then reads the ready ones without
    /// blocking and sometimes asks `sigpending`; the others `kill` and `sigqueue` it. Its own workload.
    static func maskedEpollWorkload(generator: inout SeededGenerator) -> Workload {
        let signals = epollSignals
        let all: JSONValue = .array(signals.map { .string($0) })
        var (processes, sent) = epollSenders(generator: &generator, signals: signals)
        var receiver = signals.map { Call(process: 1, object: "sig1", f: "sigaction", value: ["signal": .string($0), "action": "handler"]) }
        let level: JSONValue = ["SIGUSR2", "SIGRTMIN+1"]
        receiver.append(Call(process: 1, object: "sig1", f: "epoll_ctl", value: ["op": "EPOLL_CTL_ADD", "signals": level, "events": ["EPOLLIN"]]))
        receiver.append(Call(process: 1, object: "sig1", f: "epoll_ctl", value: ["op": "EPOLL_CTL_ADD", "signals": ["SIGWINCH"], "events": ["EPOLLIN", "EPOLLET"]]))
        receiver.append(Call(process: 1, object: "sig1", f: "sigqueue", value: ["signal": "SIGRTMIN+1", "value": 1]))
        for _ in 0..<(sent / 2 + generator.next(in: 2...4)) {
            let kept: JSONValue = .array(signals.filter { _ in generator.chance(0.4) }.map { .string($0) })
            let milliseconds = generator.pick([0, 0, 5])
            let value: JSONValue = generator.chance(0.5)
                ? ["maxevents": 2, "timeout": .int(milliseconds), "sigmask": kept]
                : ["maxevents": 2, "timeout": ["sec": 0, "nsec": .int(milliseconds * 1_000_000)], "sigmask": kept]
            receiver.append(Call(process: 1, object: "sig1", f: value["timeout"]?["sec"] == nil ? "epoll_pwait" : "epoll_pwait2", value: value))
            receiver.append(Call(process: 1, object: "sig1", f: "signalfd-read", value: ["signals": all, "max": 256, "nonblocking": true]))
            if generator.chance(0.3) { receiver.append(Call(process: 1, object: "sig1", f: "pending")) }
        }
        processes.insert(Workload.Process(id: 1, holds: ["sig1": ["receive"]], program: receiver), at: 0)
        return Workload(objects: [Workload.Object(name: "sig1", kind: "signal", parameters: ["signals": all])], processes: processes)
    }

    /// An event loop that takes its signals through a signalfd registered `EPOLLET` in epoll, believing one report is
    /// one signal: its drain after each report reads one `signalfd_siginfo` whatever its buffer holds, so the
    /// real-time signals queued behind it are stranded — `EPOLLET` gives no news for them until another signal comes.
    /// The trace shows a read with room for ten returning one while more of its set were pending.
    public static let epollReadOne = Scenario.real(
        name: "signal-fragile-epoll-read-one", kind: SignalKind.self, implementation: "client.signal-epoll-read-one",
        summary: "BROKEN: an epoll event loop on an EPOLLET signalfd that reads one signal per report, stranding the real-time signals queued behind it",
        isBroken: true,
        makeWorkload: { generator in epollWorkload(generator: &generator) })

    /// Its robust twin: the same loop draining the signalfd after each report (a read with room for ten, then another
    /// until `EAGAIN`), with a level-triggered registration of `SIGUSR2` beside it; senders `kill` and `sigqueue`.
    public static let epollDrain = Scenario.real(
        name: "signal-robust-epoll-drain", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "robust twin of signal-fragile-epoll-read-one: an epoll event loop on an EPOLLET signalfd (and a level-triggered one) draining it until EAGAIN after each report",
        makeWorkload: { generator in epollWorkload(generator: &generator) })

    static let epollSignals = ["SIGUSR2", "SIGWINCH", "SIGRTMIN+1", "SIGRTMIN+2"]

    /// The senders of the epoll event loops' workloads: two or three processes, each `kill`ing or `sigqueue`ing the
    /// receiver two to six times; with how many signals they send.
    static func epollSenders(generator: inout SeededGenerator, signals: [String]) -> (processes: [Workload.Process], sent: Int) {
        var processes: [Workload.Process] = []
        var sent = 0
        for process in 2...generator.next(in: 2...3) {
            var program: [Call] = []
            for sequence in 0..<generator.next(in: 2...6) {
                let signal = generator.pick(signals)
                program.append(generator.chance(0.5)
                    ? Call(process: process, object: "sig1", f: "kill", value: ["signal": .string(signal)])
                    : Call(process: process, object: "sig1", f: "sigqueue", value: ["signal": .string(signal), "value": .int(process * 100 + sequence)]))
                sent += 1
            }
            processes.append(Workload.Process(id: process, holds: ["sig1": ["send"]], program: program))
        }
        return (processes, sent)
    }

    /// Process 1 is the event loop: it registers a signalfd for all its signals with `EPOLLIN | EPOLLET` (and one for
    /// `SIGUSR2` level-triggered, half the time), queues two `SIGRTMIN+1` to itself, then waits (timeout 0, room for
    /// two) and drains with two nonblocking reads of up to ten, as many rounds as half the sends and a few more; the
    /// others `kill` and `sigqueue` it. Its own workload (the others' draws are untouched).
    static func epollWorkload(generator: inout SeededGenerator) -> Workload {
        let signals = epollSignals
        let all: JSONValue = .array(signals.map { .string($0) })
        var (processes, sent) = epollSenders(generator: &generator, signals: signals)
        var receiver = [Call(process: 1, object: "sig1", f: "epoll_ctl", value: ["op": "EPOLL_CTL_ADD", "signals": all, "events": ["EPOLLIN", "EPOLLET"]])]
        if generator.chance(0.5) {
            receiver.append(Call(process: 1, object: "sig1", f: "epoll_ctl", value: ["op": "EPOLL_CTL_ADD", "signals": ["SIGUSR2"], "events": ["EPOLLIN"]]))
        }
        for value in 1...2 {
            receiver.append(Call(process: 1, object: "sig1", f: "sigqueue", value: ["signal": "SIGRTMIN+1", "value": .int(value)]))
        }
        let drain = Call(process: 1, object: "sig1", f: "signalfd-read", value: ["signals": all, "max": 1280, "nonblocking": true])
        for _ in 0..<(sent / 2 + generator.next(in: 1...3)) {
            receiver.append(Call(process: 1, object: "sig1", f: "epoll_wait", value: ["maxevents": 2, "timeout": 0]))
            receiver += [drain, drain]
        }
        receiver.append(Call(process: 1, object: "sig1", f: "epoll_ctl", value: ["op": "EPOLL_CTL_DEL", "signals": all]))
        processes.insert(Workload.Process(id: 1, holds: ["sig1": ["receive"]], program: receiver), at: 0)
        return Workload(objects: [Workload.Object(name: "sig1", kind: "signal", parameters: ["signals": all])], processes: processes)
    }

    /// A receiver that believes `SIG_SETMASK` only adds its set to the mask (`SIG_BLOCK`), on
    /// `signal-robust-handler-flags`' workload: its `"setmask"` delivers nothing, where the kernel's runs the handlers
    /// of the pending signals its new mask unblocks.
    public static let setmaskBlocksOnly = Scenario.real(
        name: "signal-fragile-setmask-blocks-only", kind: SignalKind.self, implementation: "client.signal-setmask-blocks-only",
        summary: "BROKEN: a receiver whose SIG_SETMASK only adds its set to the mask (SIG_BLOCK), so the pending signals the new mask unblocks are never delivered",
        isBroken: true,
        makeWorkload: { generator in workload(generator: &generator, signals: actionSignals, actions: true, masks: true, handlerFlags: true) })

    /// A receiver that sets its set's actions back to `SIG_DFL` before each wait, which discards a pending `SIGWINCH`
    /// (ignored by default): a `SIGWINCH` sent is lost.
    public static let resetBeforeWait = Scenario.real(
        name: "signal-fragile-reset-before-wait", kind: SignalKind.self, implementation: "client.signal-reset-before-wait",
        summary: "BROKEN: a receiver that resets its blocked signals to SIG_DFL before each wait, which discards a pending SIGWINCH (ignored by default)",
        isBroken: true,
        makeWorkload: { generator in workload(generator: &generator, signals: actionSignals, actions: true) })

    /// Its robust twin: the same senders (`kill`, `killpg`, `sigqueue`) and a receiver whose own `sigaction` calls
    /// are in the trace, which the model follows: what `SIG_IGN` (or `SIG_DFL` for `SIGWINCH`) discards, and that a
    /// signal sent while ignored but blocked stays pending. Beyond its fragile twin's workload, the receiver sometimes
    /// unblocks for a moment (`sigprocmask`) or `sigsuspend`s, on signals whose action would not end it, and the
    /// model follows what its recording handler saw.
    public static let actions = Scenario.real(
        name: "signal-robust-actions", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "robust twin of signal-fragile-reset-before-wait: kill, killpg and sigqueue at a receiver that sets SIG_IGN, SIG_DFL or a handler between takes, unblocks for a moment and sigsuspends",
        makeWorkload: { generator in workload(generator: &generator, signals: actionSignals, actions: true, masks: true) })

    static let actionSignals = ["SIGUSR2", "SIGWINCH", "SIGRTMIN+1"]

    /// The harness's `SIGUSR1`, with and without `SA_RESTART`: what ends a `pause`.
    static let pauseFaults = FaultOptions(kinds: [.signal, .signalRestart], rate: 0.3)

    /// A receiver whose `pause` is a `sigwait` on its set, believing `pause` returns when one of them arrives and
    /// takes it: the trace shows `pause` returning 0, which the kernel's never does, and the signal gone.
    public static let pauseTakesSignal = Scenario.real(
        name: "signal-fragile-pause-takes-signal", kind: SignalKind.self, implementation: "client.signal-pause-takes-signal",
        summary: "BROKEN: a receiver whose pause is a sigwait on its blocked signals, believing pause returns for one of them and takes it",
        isBroken: true, defaultFaults: pauseFaults,
        makeWorkload: { generator in workload(generator: &generator, signals: actionSignals, actions: true, masks: true, pauses: true) })

    /// Its robust twin: `signal-robust-actions`' workload with the receiver sometimes calling `pause` before a take, its signals
    /// blocked: none of them ends it (they stay pending for the take after it), only the harness's `SIGUSR1` does
    /// (`EINTR`: signal faults by default); with none it sleeps until the driver's stall handling kills it, which the
    /// model allows (the senders then see `ESRCH`). Half its pauses unblock its handled signals for the pause: a pending
    /// one (it sometimes raises one first) runs its handler at once, and the pause then sleeps until another runs.
    public static let pause = Scenario.real(
        name: "signal-robust-pause", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "robust twin of signal-fragile-pause-takes-signal: kill, killpg and sigqueue at a receiver that sometimes pauses with its signals blocked: they stay pending, only SIGUSR1 ends the pause (EINTR)",
        defaultFaults: pauseFaults,
        makeWorkload: { generator in workload(generator: &generator, signals: actionSignals, actions: true, masks: true, pauses: true) })

    /// A receiver that installs some handlers with `SA_RESETHAND` and believes they stay installed once they have run
    /// (as a BSD `signal()` handler does): asked for such a signal's action, it answers "handler" from its own table.
    /// The kernel set the action back to `SIG_DFL` as it delivered the signal.
    public static let resetHandRearmed = Scenario.real(
        name: "signal-fragile-resethand-rearmed", kind: SignalKind.self, implementation: "client.signal-resethand-rearmed",
        summary: "BROKEN: a receiver that believes an SA_RESETHAND handler stays installed after it ran, and reports its action from its own table",
        isBroken: true,
        makeWorkload: { generator in workload(generator: &generator, signals: actionSignals, actions: true, masks: true, handlerFlags: true) })

    /// Its robust twin (and `signal-fragile-setmask-blocks-only`'s): `signal-robust-actions`' workload with handlers
    /// drawn with `SA_RESETHAND`, `SA_NODEFER` and an empty or partial `sa_mask`: unblocking (`sigprocmask` or
    /// `pthread_sigmask`, `SIG_UNBLOCK` or `SIG_SETMASK`) runs them nested (in reverse) or one after another, a reset
    /// handler's signal meets `SIG_DFL` afterwards, and the receiver asks the action of a reset one after unblocking
    /// it; it also `ppoll`s and `pselect`s a signalfd with a mask unblocking the harmless ones.
    public static let handlerFlags = Scenario.real(
        name: "signal-robust-handler-flags", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "robust twin of signal-fragile-resethand-rearmed and signal-fragile-setmask-blocks-only: handlers with SA_RESETHAND, SA_NODEFER or an empty or partial sa_mask, unblocked (nested), sigsuspended and ppolled, their actions asked after",
        makeWorkload: { generator in workload(generator: &generator, signals: actionSignals, actions: true, masks: true, handlerFlags: true) })

    /// A receiver that believes that once it has set an alternate signal stack every handler runs on it — forgetting
    /// that only an `SA_ONSTACK` handler (or one nested above it) does: it records its handlers as run there.
    public static let onStackEverywhere = Scenario.real(
        name: "signal-fragile-onstack-everywhere", kind: SignalKind.self, implementation: "client.signal-onstack-everywhere",
        summary: "BROKEN: a receiver that believes every handler runs on its alternate stack once one is set, SA_ONSTACK or not",
        isBroken: true,
        makeWorkload: { generator in workload(generator: &generator, signals: actionSignals, actions: true, masks: true, handlerFlags: true, altStacks: true) })

    /// Its robust twin: `signal-robust-handler-flags`' workload with an alternate stack set, disarmed, disabled and
    /// asked for along the way, and handlers drawn with `SA_ONSTACK` half the time: each delivery says whether its
    /// handler ran on the stack (an `SA_ONSTACK` one while a stack is set, and any nested above it).
    public static let alternateStack = Scenario.real(
        name: "signal-robust-alternate-stack", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "robust twin of signal-fragile-onstack-everywhere: handlers with and without SA_ONSTACK run with a 64 KiB alternate stack set, disarmed or disabled; each delivery records whether it ran on it",
        makeWorkload: { generator in workload(generator: &generator, signals: actionSignals, actions: true, masks: true, handlerFlags: true, altStacks: true) })

    /// A receiver whose handlers set an alternate stack as they run (a lazily grown or swapped stack), believing a
    /// stack a handler set stays set: asked for its stack afterwards, it answers the one its last handler set — but
    /// `sigreturn` restored the stack the handler's frame saved.
    public static let handlerStackKept = Scenario.real(
        name: "signal-fragile-handler-stack-kept", kind: SignalKind.self, implementation: "client.signal-handler-stack-kept",
        summary: "BROKEN: a receiver whose handlers set an alternate stack and which believes it stays set once they returned",
        isBroken: true,
        makeWorkload: { generator in
            workload(generator: &generator, signals: actionSignals, actions: true, masks: true, handlerFlags: true, altStacks: true, handlerCalls: true)
        })

    /// Its robust twin: `signal-robust-alternate-stack`'s workload whose handlers also call `sigaltstack` as they run
    /// (asking, setting a 16 KiB stack, disarming, disabling), the receiver asking for its stack after its unblocks:
    /// each delivery records what its handler's call got (`SS_ONSTACK` and `EPERM` on the stack, `SS_DISABLE` under
    /// `SS_AUTODISARM`, a change taken off it), and the stack after is the one the frames saved.
    public static let handlerAltStack = Scenario.real(
        name: "signal-robust-handler-alt-stack", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "robust twin of signal-fragile-handler-stack-kept: handlers calling sigaltstack as they run, on and off a 64 KiB alternate stack, disarmed or disabled; the stack asked after",
        makeWorkload: { generator in
            workload(generator: &generator, signals: actionSignals, actions: true, masks: true, handlerFlags: true, altStacks: true, handlerCalls: true)
        })

    /// A receiver whose `sigwait` takes the first pending signal in the order its set lists them, against a set
    /// listed highest first: the kernel takes the lowest.
    public static let sigwaitInSetOrder = Scenario.real(
        name: "signal-fragile-sigwait-in-set-order", kind: SignalKind.self, implementation: "client.signal-sigwait-in-set-order",
        summary: "BROKEN: a receiver whose sigwait takes the first pending signal in its set's order (listed highest first), though the kernel takes the lowest",
        isBroken: true,
        makeWorkload: { generator in workload(generator: &generator, signals: setOrderSignals, sigwaitOnly: true) })

    /// Its robust twin: glibc's `sigwait` over the same set.
    public static let sigwaitLowestFirst = Scenario.real(
        name: "signal-robust-sigwait", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "robust twin of signal-fragile-sigwait-in-set-order: kill and sigqueue at a receiver taking them with sigwait, which takes the lowest",
        makeWorkload: { generator in workload(generator: &generator, signals: setOrderSignals, sigwaitOnly: true) })

    static let setOrderSignals = ["SIGRTMIN+2", "SIGRTMIN+1", "SIGWINCH", "SIGUSR2"]

    /// Standard signals sent while pending are dropped: only the first sender's details survive.
    public static let coalescing = Scenario.real(
        name: "signal-standard-coalescing", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "1-3 senders kill and sigqueue SIGUSR2 and SIGWINCH at a receiver; repeats while pending coalesce",
        makeWorkload: { generator in workload(generator: &generator, signals: ["SIGUSR2", "SIGWINCH"]) })

    /// Real-time signals queue, each with its value, lowest number first.
    public static let realtimeQueue = Scenario.real(
        name: "signal-rt-queue", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "SIGRTMIN+1 and SIGRTMIN+2 (and SIGUSR2) queue with values; the receiver takes them lowest first, in order",
        makeWorkload: { generator in workload(generator: &generator, signals: ["SIGRTMIN+1", "SIGRTMIN+2", "SIGUSR2"]) })

    /// A receiver that takes the lowest pending signal first (asking `sigpending`), against senders that also
    /// `tgkill` its thread and send the synchronous `SIGSYS`: the kernel takes those first.
    public static let lowestPendingFirst = Scenario.real(
        name: "signal-fragile-lowest-pending-first", kind: SignalKind.self, implementation: "client.signal-lowest-pending-first",
        summary: "BROKEN: a receiver that takes the lowest pending signal first (via sigpending), though a tgkill'd or synchronous one comes first",
        isBroken: true,
        makeWorkload: { generator in workload(generator: &generator, signals: threadDirectedSignals, threadDirected: true) })

    /// Its robust twin: `sigtimedwait` over the whole set takes what the kernel takes first.
    public static let threadDirected = Scenario.real(
        name: "signal-robust-thread-directed", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "robust twin of signal-fragile-lowest-pending-first: kill, tgkill and sigqueue at a receiver that waits on the whole set and asks sigpending",
        makeWorkload: { generator in workload(generator: &generator, signals: threadDirectedSignals, threadDirected: true) })

    static let threadDirectedSignals = ["SIGUSR2", "SIGWINCH", "SIGSYS", "SIGRTMIN+1"]

    /// The lowest-pending-first receiver against senders that reach its thread through a pidfd
    /// (`PIDFD_SIGNAL_THREAD`, or a `PIDFD_THREAD` pidfd): as `tgkill`'s, those come first.
    public static let pidfdThreadScope = Scenario.real(
        name: "signal-fragile-pidfd-thread-scope", kind: SignalKind.self, implementation: "client.signal-lowest-pending-first",
        summary: "BROKEN: a receiver that takes the lowest pending signal first, though pidfd_send_signal with PIDFD_SIGNAL_THREAD (or a PIDFD_THREAD pidfd) made it pending for its thread, taken first",
        isBroken: true,
        makeWorkload: { generator in workload(generator: &generator, signals: threadDirectedSignals, threadDirected: true, pidfd: true) })

    /// Its robust twin: `sigtimedwait` over the whole set, senders using every form of `pidfd_send_signal`.
    public static let pidfdSends = Scenario.real(
        name: "signal-robust-pidfd", kind: SignalKind.self, implementation: "kernel.signal",
        summary: "robust twin of signal-fragile-pidfd-thread-scope: pidfd_send_signal (process, thread, group, queued siginfo, a forged one refused) beside kill, tgkill and sigqueue",
        makeWorkload: { generator in workload(generator: &generator, signals: threadDirectedSignals, threadDirected: true, pidfd: true) })

    /// One drawn `pidfd_send_signal` of `signal`: to the process, its thread (by flag or by a thread pidfd), its
    /// group, with a queued `siginfo` carrying `value`, or with a forged `SI_USER` (which fails `EPERM`).
    static func pidfdSend(_ signal: String, value: Int, generator: inout SeededGenerator) -> JSONObject {
        var send: JSONObject = ["signal": .string(signal)]
        switch generator.next(in: 0...5) {
        case 1: send["flags"] = ["PIDFD_SIGNAL_THREAD"]
        case 2: send["pidfd"] = "thread"
        case 3: send["flags"] = ["PIDFD_SIGNAL_PROCESS_GROUP"]
        case 4: send["info"] = ["code": "SI_QUEUE", "value": .int(value)]
        case 5: send["info"] = ["code": "SI_USER"]
        default: break
        }
        return send
    }

    /// Process 1 receives; the others (and process 1 itself, sometimes) send. The receiver mostly polls
    /// (timeout 0) and sometimes waits, so its program is not stuck for long when nothing more comes.
    /// With `threadDirected`, senders also `tgkill` the receiver's thread and the receiver sometimes asks `sigpending`
    /// and polls a signalfd for the set.
    /// With `sigwaitOnly`, the receiver takes every signal with `sigwait`, and only as many as were sent.
    /// With `actions`, senders sometimes `killpg` the receiver's group instead of `kill`ing it, and the receiver
    /// sometimes sets (or asks) an action of one of its signals before a take. With `masks` too, it sometimes unblocks
    /// those of its signals whose action (as its own program has set it) would not end it, or `sigsuspend`s on them.
    /// With `pauses`, it sometimes calls `pause` before a take (no draw without it: the other workloads are unchanged),
    /// half the time with its handled signals unblocked for it.
    /// With `handlerFlags`, a handler it installs may have `SA_RESETHAND`, `SA_NODEFER` and an empty `sa_mask`; a reset
    /// handler's signal whose default would end it is unblocked only by a `sigsuspend` whose handlers all block every
    /// signal (it runs one handler), its action unknown afterwards; after unblocking one it sometimes asks its action.
    static func workload(
        generator: inout SeededGenerator, signals: [String], threadDirected: Bool = false, sigwaitOnly: Bool = false, actions: Bool = false,
        masks: Bool = false, pauses: Bool = false, handlerFlags: Bool = false, altStacks: Bool = false, handlerCalls: Bool = false, pidfd: Bool = false
    ) -> Workload {
        let count = generator.next(in: 2...4)
        var processes: [Workload.Process] = []
        var sent = 0
        for process in 2...count {
            var program: [Call] = []
            for sequence in 0..<generator.next(in: 2...6) {
                let signal = generator.pick(signals)
                if pidfd && generator.chance(0.6) {
                    program.append(Call(process: process, object: "sig1", f: "pidfd_send_signal", value: .object(pidfdSend(signal, value: process * 100 + sequence, generator: &generator))))
                } else if threadDirected && generator.chance(0.4) {
                    // Every third one by tkill, which names the thread alone (told by the sequence: no draw of its own).
                    program.append(Call(process: process, object: "sig1", f: sequence % 3 == 2 ? "tkill" : "tgkill", value: ["signal": .string(signal)]))
                } else if generator.chance(0.5) {
                    let group = actions && generator.chance(0.5)
                    program.append(Call(process: process, object: "sig1", f: group ? "killpg" : "kill", value: ["signal": .string(signal)]))
                } else {
                    let value = process * 100 + sequence
                    program.append(Call(process: process, object: "sig1", f: "sigqueue", value: ["signal": .string(signal), "value": .int(value)]))
                }
                if generator.chance(0.05) {
                    program.append(Call(process: process, object: "sig1", f: "kill", value: ["signal": 65]))
                }
                sent += 1
            }
            processes.append(Workload.Process(id: process, holds: ["sig1": ["send"]], program: program))
        }
        var receiver: [Call] = []
        /// The receiver's actions, as its program sets them (all SIG_DFL at set-up).
        var set: [String: String] = [:]
        /// Handlers installed with SA_RESETHAND, and with an sa_mask that is not full (empty or partial).
        var resetting: Set<String> = []
        var emptyMask: Set<String> = []
        /// A handler for `signal` with drawn flags and mask, noted in the tables above.
        func drawHandler(_ signal: String) -> JSONObject {
            var value: JSONObject = ["signal": .string(signal), "action": "handler"]
            var flags: [JSONValue] = []
            set[signal] = "handler"
            if generator.chance(0.5) { flags.append("SA_RESETHAND"); resetting.insert(signal) } else { resetting.remove(signal) }
            if generator.chance(0.3) { flags.append("SA_NODEFER") }
            if altStacks && generator.chance(0.5) { flags.append("SA_ONSTACK") }
            if generator.chance(0.5) {
                // Every other signal's is partial, masking the next signal alone (no draw: the rest of the workload
                // is what it was), so that one pending waits for the handler while others nest.
                let index = signals.firstIndex(of: signal) ?? 0
                value["mask"] = index % 2 == 0 ? .array([.string(signals[(index + 1) % signals.count])]) : "none"
                emptyMask.insert(signal)
            } else {
                emptyMask.remove(signal)
            }
            value["flags"] = .array(flags)
            // With handler calls, half the handlers call sigaltstack as they run: asking, or setting a 16 KiB stack,
            // a disarming one, or none.
            if handlerCalls && generator.chance(0.5) {
                value["sigaltstack"] = generator.pick([
                    [:], ["flags": [], "size": 16384], ["flags": [], "size": 16384], ["flags": ["SS_AUTODISARM"], "size": 32768], ["flags": ["SS_DISABLE"], "size": 0],
                ] as [JSONValue])
            }
            return value
        }
        /// A `sigaltstack` call: a 64 KiB stack (with `SS_AUTODISARM` every other time), disabling it, or asking.
        func altStackCall(_ choice: Int) -> Call {
            let value: JSONValue? =
                switch choice {
                case 0: ["flags": [], "size": 65536]
                case 1: ["flags": ["SS_AUTODISARM"], "size": 65536]
                case 2: ["flags": ["SS_DISABLE"], "size": 0]
                default: nil
                }
            return Call(process: 1, object: "sig1", f: "sigaltstack", value: value)
        }
        // With alternate stacks it starts with one set (its handlers drawn with SA_ONSTACK half the time).
        if altStacks { receiver.append(altStackCall(0)) }
        // With handler flags it starts by giving each of its signals a handler with drawn flags.
        if handlerFlags {
            for signal in signals { receiver.append(Call(process: 1, object: "sig1", f: "sigaction", value: .object(drawHandler(signal)))) }
        }
        if sigwaitOnly {
            // Fewer takes than sends (standard signals coalesce), so that some are pending together.
            for _ in 0..<max(1, sent / 2) {
                receiver.append(Call(process: 1, object: "sig1", f: "sigwait", value: ["signals": .array(signals.map { .string($0) })]))
            }
        }
        for sequence in 0..<(sigwaitOnly ? 0 : sent / 2 + generator.next(in: 1...4)) {
            if generator.chance(0.1) {
                let signal = generator.pick(signals)
                if threadDirected && sequence % 2 == 1 {
                    // The receiver signalling itself by raise or pthread_kill: pending for its own thread.
                    receiver.append(Call(process: 1, object: "sig1", f: sequence % 4 == 1 ? "raise" : "pthread_kill", value: ["signal": .string(signal)]))
                } else {
                    receiver.append(Call(process: 1, object: "sig1", f: "sigqueue", value: ["signal": .string(signal), "value": .int(sequence)]))
                }
            }
            if (threadDirected || actions) && generator.chance(0.2) {
                // Every fourth time after sighold of one of its signals (no draw): blocked already, nothing changes.
                if actions && sequence % 4 == 3 {
                    receiver.append(Call(process: 1, object: "sig1", f: "sighold", value: ["signal": .string(signals[sequence % signals.count])]))
                }
                receiver.append(Call(process: 1, object: "sig1", f: "pending"))
            }
            if actions && generator.chance(0.3) {
                let signal = generator.pick(signals)
                var value: JSONObject = ["signal": .string(signal)]
                if let action = generator.pick([nil, "default", "ignore", "handler", "handler"] as [String?]) {
                    value["action"] = .string(action)
                    set[signal] = action
                    resetting.remove(signal)
                    emptyMask.remove(signal)
                    if handlerFlags && action == "handler" { value = drawHandler(signal) }
                }
                // Every third sequence makes the same change by an obsolete call (no draw): BSD signal (its handler's
                // mask holds the signal alone, so others nest into it), sigignore, or for an asking one siginterrupt.
                var f = "sigaction"
                if sequence % 3 == 1 && value["flags"] == nil && value["mask"] == nil {
                    switch value["action"] {
                    case .string("ignore")? where sequence % 2 == 1:
                        f = "sigignore"
                        value["action"] = nil
                    case .string(let action)?:
                        f = "signal"
                        if action == "handler" { emptyMask.insert(signal) }
                    default:
                        f = "siginterrupt"
                        value["interrupt"] = .bool(sequence % 2 == 0)
                    }
                }
                receiver.append(Call(process: 1, object: "sig1", f: f, value: .object(value)))
                // As LTP's sigaction tests do, it sometimes raises the signal it has just given a one-shot handler.
                if resetting.contains(signal) && generator.chance(0.5) {
                    receiver.append(Call(process: 1, object: "sig1", f: "kill", value: ["signal": .string(signal)]))
                }
            }
            // With alternate stacks it sometimes sets, disarms, disables or asks for its stack.
            if altStacks && generator.chance(0.25) { receiver.append(altStackCall(generator.next(in: 0...3))) }
            // Only signals whose action is a handler or ignores them (SIGWINCH's default does): unblocking any other
            // would end the receiver.
            // A reset handler's signal meets its default at a second instance: only SIGWINCH's is harmless.
            let harmless = signals.filter {
                (set[$0] == "handler" && (!resetting.contains($0) || $0 == "SIGWINCH")) || set[$0] == "ignore" || $0 == "SIGWINCH"
            }
            if masks && !harmless.isEmpty && generator.chance(handlerFlags ? 0.35 : 0.2) {
                let suspend = harmless.contains { set[$0] == "handler" } && generator.chance(0.3)
                // A sigsuspend whose handlers all block every signal runs one handler: a reset one's default is safe.
                let candidates = signals.filter { set[$0] == "handler" && resetting.contains($0) && !harmless.contains($0) }
                let oneShots = suspend && (harmless + candidates).allSatisfy { !emptyMask.contains($0) } ? candidates : []
                let names = harmless + oneShots
                // With handler flags it sometimes raises each handled one first, so that several are pending and
                // handlers with an empty mask nest.
                if handlerFlags && generator.chance(0.5) {
                    for signal in names where set[signal] == "handler" {
                        receiver.append(Call(process: 1, object: "sig1", f: "kill", value: ["signal": .string(signal)]))
                    }
                }
                let unblocked: JSONValue = .array(names.map { .string($0) })
                // With handler flags, half the unblocks are pthread_sigmask's (which reports the old mask).
                let maskCall = handlerFlags && generator.chance(0.5) ? "pthread_sigmask" : "sigprocmask"
                // With handler flags, every other sequence unblocks them by SIG_SETMASK instead, keeping the rest
                // blocked (no draw: the rest of the workload is what it was).
                let maskValue: JSONValue = handlerFlags && sequence % 2 == 1
                    ? ["how": "setmask", "signals": .array(signals.filter { !names.contains($0) }.map { .string($0) })]
                    : ["how": "unblock", "signals": unblocked]
                // Every other sequence's suspend is sigpause of one handled signal, its handler not one-shot (no draw).
                let paused = sequence % 2 == 0 ? names.first { set[$0] == "handler" && !resetting.contains($0) } : nil
                receiver.append(suspend
                    ? paused.map { Call(process: 1, object: "sig1", f: "sigpause", value: ["signal": .string($0)]) }
                        ?? Call(process: 1, object: "sig1", f: "sigsuspend", value: ["signals": unblocked])
                    : Call(process: 1, object: "sig1", f: maskCall, value: maskValue))
                // Any reset handler among them may have run: its action is SIG_DFL or still the handler.
                let reset = names.filter { resetting.contains($0) }
                for signal in reset where signal != "SIGWINCH" { set[signal] = "unknown" }
                if let asked = reset.first, generator.chance(0.8) {
                    receiver.append(Call(process: 1, object: "sig1", f: "sigaction", value: ["signal": .string(asked)]))
                }
                // With handler calls it asks for its stack after them (no draw): what their changes left.
                if handlerCalls { receiver.append(altStackCall(3)) }
            }
            // With handler flags, every third sequence polls a signalfd for one of its signals with ppoll's (or, every
            // other time, pselect's) mask unblocking the harmless ones (no draw): ready, it delivers nothing; otherwise
            // a pending one's handler interrupts it.
            if handlerFlags && sequence % 3 == 2 {
                let unblocked = signals.filter {
                    (set[$0] == "handler" && (!resetting.contains($0) || $0 == "SIGWINCH")) || set[$0] == "ignore" || $0 == "SIGWINCH"
                }
                let kept: JSONValue = .array(signals.filter { !unblocked.contains($0) }.map { .string($0) })
                let polled: JSONValue = [.string(signals[sequence % signals.count])]
                receiver.append(sequence % 2 == 0
                    ? Call(process: 1, object: "sig1", f: "signalfd-poll", value: ["signals": polled, "sigmask": kept, "timeout": 0])
                    : Call(process: 1, object: "sig1", f: "signalfd-select", value: ["signals": polled, "read": true, "sigmask": kept, "timeout": 0]))
            }
            // Every third take is looked for first with a poll on a signalfd (no draw: the rest of the workload
            // is what it was): POLLIN alone while one is pending for the receiver's thread or process.
            if threadDirected && sequence % 3 == 1 {
                receiver.append(Call(process: 1, object: "sig1", f: "signalfd-poll", value: [
                    "signals": .array(signals.map { .string($0) }), "events": ["POLLIN", "POLLOUT"], "timeout": 0,
                ]))
            }
            if pauses && generator.chance(0.25) {
                // Half the time with its handled signals unblocked for it: the pending ones run at once, then it
                // sleeps until another runs (or SIGUSR1 ends it).
                let handled = harmless.filter { set[$0] == "handler" }
                let unblocked: JSONValue? = !handled.isEmpty && generator.chance(0.5) ? .array(harmless.map { .string($0) }) : nil
                // Sometimes it raises one first: its handler runs as the pause unblocks it, before the pause sleeps.
                if unblocked != nil && generator.chance(0.5) {
                    receiver.append(Call(process: 1, object: "sig1", f: "kill", value: ["signal": .string(generator.pick(handled))]))
                }
                receiver.append(Call(process: 1, object: "sig1", f: "pause", value: unblocked.map { ["signals": $0] }))
            }
            var value: JSONObject = ["signals": .array(signals.map { .string($0) })]
            if generator.chance(0.75) { value["timeout"] = 0 }
            if threadDirected && generator.chance(0.05) { value["timeout"] = "invalid" }
            // An untimed wait is glibc's sigwait half the time: the number only, never EINTR.
            let sigwait = value["timeout"] == nil && generator.chance(0.5)
            if sigwait { value = ["signals": .array(signals.map { .string($0) })] }
            receiver.append(Call(process: 1, object: "sig1", f: sigwait ? "sigwait" : "wait", value: .object(value)))
        }
        processes.insert(Workload.Process(id: 1, holds: ["sig1": ["receive"]], program: receiver), at: 0)
        return Workload(
            objects: [Workload.Object(name: "sig1", kind: "signal", parameters: ["signals": .array(signals.map { .string($0) })])],
            processes: processes)
    }
}
