import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// One receiving process's pending signals (model `signal`): nothing to create. The receiver (role `receive`)
/// blocks the object's `signals` in its main thread while it sets up (before any can be sent: the driver starts
/// operations only once every worker is ready) and takes them with `wait` (`sigtimedwait`) or `sigwait`; senders (role `send`,
/// or any holder) `kill` or `sigqueue` it, learning its pid from the run's context. Parameter `queueLimit` lowers
/// the receiver's `RLIMIT_SIGPENDING`.
///
/// `client.signal-lowest-pending-first` is a receiver with a plausible wrong belief: that the lowest-numbered
/// pending signal is always taken first. Its `wait` asks `sigpending`, picks the lowest pending signal of the set and
/// waits for that one alone — wrong when a signal was sent to its thread (`tgkill`, taken first) or a synchronous one
/// (`SIGSYS`) is pending.
///
/// `client.signal-sigwait-in-set-order` believes `sigwait` honours the order of the set it is given: its `sigwait`
/// first polls each signal of the set alone, in the set's order (`sigtimedwait` with timeout 0), and takes the first
/// one pending, sleeping in `sigwait` only when none is — wrong whenever a signal listed later but numbered lower is
/// pending too (the kernel takes the lowest).
///
/// `client.signal-reset-before-wait` tidies up before each `wait` and `sigwait`: it sets the set's actions back to
/// `SIG_DFL`, believing that harmless while the signals are blocked — but `SIG_DFL` for a signal whose default is to
/// ignore it (`SIGWINCH`) discards its pending instances, so a `SIGWINCH` sent is never taken (the trace shows the
/// wait, not the hidden `sigaction`).
///
/// `client.signal-pause-takes-signal` believes `pause` returns once a signal of its set arrives, taking it: its
/// `pause` is a `sigwait` on the object's signals, reporting `pause`'s 0 — but with the set blocked the kernel's
/// `pause` neither returns for them nor takes them (and never returns 0).
///
/// `client.signal-resethand-rearmed` believes a handler installed with `SA_RESETHAND` stays installed once it has
/// run (as a BSD `signal()` handler does): asked for such a signal's action, it answers "handler" from its own table
/// of what it installed instead of asking the kernel — which set the action back to `SIG_DFL` as it delivered it.
///
/// `client.signal-setmask-blocks-only` believes `SIG_SETMASK` only adds its set to the mask, as `SIG_BLOCK` does: its
/// `"setmask"` is a `SIG_BLOCK` of the set, delivering nothing — but the kernel's new mask unblocks every other
/// signal, and the pending ones it unblocks run their handlers before the call returns.
///
/// `client.signal-sigrelse-forgotten` holds a signal with `sigset(SIG_HOLD)` and forgets to let it go: its `sigrelse`
/// does nothing and reports no handler run — but the kernel's runs the pending one's handler, and one sent later
/// would run it at once instead of staying pending.
///
/// `client.signal-onstack-everywhere` believes that once it has set an alternate stack every handler runs on it, and
/// records each handler as run there — but only an `SA_ONSTACK` handler (or one whose frame is pushed above such a
/// handler's) does.
///
/// `client.signal-handler-stack-kept` lets its handlers set an alternate stack as they run and believes the stack a
/// handler set stays set: asked for its stack after a handler's change was taken, it answers that stack from its own
/// memory — but each handler's `sigreturn` restores the stack its frame saved.
///
/// `client.signal-epoll-pwait-emulated` emulates `epoll_pwait` as code written before it existed did: it unblocks the
/// signals its mask releases (their pending handlers run), blocks them again, then calls `epoll_wait` — reporting the
/// handlers that ran as the wait's interruption, though registrations were ready or its timeout was 0.
///
/// `client.signal-epoll-read-one` is an event loop that believes one `EPOLLET` report on its signalfd is one signal:
/// its `signalfd-read` takes one `signalfd_siginfo` (128 bytes) whatever buffer the call names, leaving the rest
/// pending with no news to wake it again.
///
/// `client.signal-timeout-ends-data` bounds its waits with a timer and takes the timer's signal as the end of the data:
/// when a `wait` returns `SIGALRM` from its interval timer (`SI_KERNEL`) or a POSIX timer's signal
/// (`SI_TIMER`), it believes the senders are done and discards whatever of its set is still pending as left over (a
/// drain of `sigtimedwait`s with timeout 0 the trace does not show) — losing the senders' signals pending then.
///
/// The receiver leads a process group of its own (for `killpg`) and sets its object's signals to `SIG_DFL` at
/// set-up, so the model knows their actions.
public enum SignalKind: MechanismKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``).
    public static let parameterNames: Set<String>? = ["signals", "queueLimit"]
    public typealias Model = SignalModel

    public static let implementations = [
        "kernel.signal", "client.signal-lowest-pending-first", "client.signal-sigwait-in-set-order", "client.signal-reset-before-wait",
        "client.signal-pause-takes-signal", "client.signal-resethand-rearmed", "client.signal-setmask-blocks-only",
        "client.signal-sigrelse-forgotten", "client.signal-onstack-everywhere", "client.signal-epoll-read-one",
        "client.signal-handler-stack-kept", "client.signal-epoll-pwait-emulated", "client.signal-timeout-ends-data",
    ]

    public static func model(for workload: Workload) -> SignalModel {
        SignalModel(receivers: workload.objects.filter { $0.kind == name }.map { object in
            (object.name, SignalModel.Setup(
                receiver: workload.holders(of: object.name, role: "receive").first ?? 0,
                queueLimit: object.integer("queueLimit"),
                actions: Dictionary(uniqueKeysWithValues: Set(signalNumbers(object)).map { ($0, .standard) }),
                processGroup: .own,
                credentials: credentialsOfThisRun(for: workload)))
        })
    }

    /// Every process of the run is a worker the harness spawned: it has the harness's real and effective uid, and
    /// its saved uid is the effective one (no set-user-id program is run). Stated, they make the model judge `EPERM`
    /// strictly (a process the set-up does not describe may or may not be refused).
    static func credentialsOfThisRun(for workload: Workload) -> [Int: SignalModel.Credentials] {
        let user = SignalModel.Credentials(uid: Int(getuid()), effectiveUID: Int(geteuid()), savedUID: Int(geteuid()))
        return Dictionary(uniqueKeysWithValues: workload.processes.map { ($0.id, user) })
    }

    /// The object's signals, by number (names the model does not know are left out).
    static func signalNumbers(_ object: Workload.Object) -> [Int] {
        guard case .array(let names)? = object.parameters["signals"] else { return [] }
        return names.compactMap { name in
            guard case .string(let text) = name else { return nil }
            return SignalModel.number(of: text)
        }
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        let receivers = workload.holders(of: object.name, role: "receive")
        guard receivers.count == 1 else {
            throw HarnessError("signal object '\(object.name)' needs exactly one receiving process, not \(receivers.count)")
        }
        var setup: JSONObject = ["receiver": .int(receivers[0]), "signals": object.parameters["signals"] ?? .array([])]
        if let limit = object.parameters["queueLimit"] { setup["queueLimit"] = limit }
        objects.tellHolders(of: object, in: workload, setup)
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<SignalModel> {
        let receiver = try object.integer("receiver")
        guard let pid = object.context.pids[receiver] else {
            throw BindingError("a signal setup needs a 'receiver' among the run's processes")
        }
        var signals: [Int32] = []
        if receiver == object.process {
            guard case .array(let names)? = object.setup["signals"] else { throw BindingError("the receiver's setup needs 'signals'") }
            for name in names {
                guard case .string(let text) = name, let number = SignalName.number(of: text) else {
                    throw BindingError("unknown signal \(name) in the receiver's setup")
                }
                signals.append(number)
            }
            guard !signals.contains(SignalName.number(of: "SIGUSR1")!) else {
                throw BindingError("SIGUSR1 is reserved (the harness's interrupting signal, and liburcu's signal flavour)")
            }
            do {
                try KernelSignals.block(signals)
                // Known actions (the model starts from SIG_DFL for the object's signals), and a process group of
                // its own for `killpg`; the signals are blocked, so no default action runs.
                for signal in signals where !SignalModel.unblockable.contains(Int(signal)) { _ = try KernelSignals.setAction(signal, to: .standard) }
                try KernelSignals.leadOwnProcessGroup()
                if let limit = try? object.integer("queueLimit") { try Syscall.setPendingSignalLimit(limit) }
            } catch {
                throw BindingError("cannot prepare to receive signals: \(error)")
            }
        }
        return SignalBinding(
            receiverPID: pid, pidfds: KernelSignals.ReceiverPidfds(of: pid), context: object.context, received: signals,
            lowestPendingFirst: implementation == "client.signal-lowest-pending-first",
            sigwaitInSetOrder: implementation == "client.signal-sigwait-in-set-order",
            resetBeforeWait: implementation == "client.signal-reset-before-wait",
            pauseTakesSignal: implementation == "client.signal-pause-takes-signal",
            resetHandRearmed: implementation == "client.signal-resethand-rearmed",
            setmaskBlocksOnly: implementation == "client.signal-setmask-blocks-only",
            sigrelseForgotten: implementation == "client.signal-sigrelse-forgotten",
            onStackEverywhere: implementation == "client.signal-onstack-everywhere",
            readOnePerReport: implementation == "client.signal-epoll-read-one",
            handlerStackKept: implementation == "client.signal-handler-stack-kept",
            pwaitEmulated: implementation == "client.signal-epoll-pwait-emulated",
            timeoutEndsData: implementation == "client.signal-timeout-ends-data")
    }
}

/// Signal operations on one receiving process's pending set.
struct SignalBinding: ObjectBinding {

    typealias Model = SignalModel
    let receiverPID: Int32
    /// The receiver's pidfds, opened while it certainly lives, for `pidfd_send_signal`.
    let pidfds: KernelSignals.ReceiverPidfds
    let context: WorkerContext
    /// The object's signals, which the receiver blocks: `sigpending` reports only these (the worker may have other
    /// signals blocked and pending that are no business of this object).
    let received: [Int32]
    /// `client.signal-lowest-pending-first`'s wrong `wait`.
    let lowestPendingFirst: Bool
    /// `client.signal-sigwait-in-set-order`'s wrong `sigwait`.
    let sigwaitInSetOrder: Bool
    /// `client.signal-reset-before-wait`'s tidying before each wait.
    let resetBeforeWait: Bool
    /// `client.signal-pause-takes-signal`'s wrong `pause`.
    let pauseTakesSignal: Bool
    /// `client.signal-resethand-rearmed`'s belief, and its table of the signals it gave an `SA_RESETHAND` handler.
    let resetHandRearmed: Bool
    /// `client.signal-setmask-blocks-only`'s wrong `SIG_SETMASK`.
    let setmaskBlocksOnly: Bool
    /// `client.signal-sigrelse-forgotten`'s `sigrelse`, which does nothing.
    let sigrelseForgotten: Bool
    /// `client.signal-onstack-everywhere`'s belief that every handler runs on the alternate stack once one is set,
    /// and whether it believes one is set (from its own `sigaltstack` calls).
    let onStackEverywhere: Bool
    var stackBelievedSet = false
    /// `client.signal-epoll-read-one`'s reads of one signal each.
    let readOnePerReport: Bool
    /// `client.signal-handler-stack-kept`'s belief that a stack its handler set stays set.
    let handlerStackKept: Bool
    /// `client.signal-epoll-pwait-emulated`'s epoll_pwait: unblock, handlers, block, epoll_wait.
    let pwaitEmulated: Bool
    /// `client.signal-timeout-ends-data`'s drain after a wait that took a timer's signal.
    let timeoutEndsData: Bool
    /// The stack each handler's sigaltstack call sets (its `sigaction`'s), and the one `client.signal-handler-stack-kept`
    /// believes its handlers left set.
    let handlerStacks = HandlerStackMemory()
    var oneShotHandlers: Set<Int> = []
    /// The receiver's epoll instance of signalfds, and the signalfd kept for each set an `epoll_ctl` named.
    let signalDescriptors = SignalDescriptorEpoll()

    mutating func perform(_ input: SignalModel.Input) throws(Errno) -> SignalModel.Output {
        if resetBeforeWait {
            switch input {
            case .wait(_, let signals, _), .sigwait(_, let signals):
                for signal in signals { _ = try KernelSignals.setAction(Int32(clamping: signal), to: .standard) }
            default: break
            }
        }
        switch input {
        case .send(_, let signal, let method, let value):
            let how: KernelSignals.Method = switch method {
            case .kill: .kill
            case .sigqueue: .sigqueue
            case .tgkill: .tgkill
            case .tkill: .tkill
            case .raise: .raise
            case .pthreadKill: .pthreadKill
            case .killpg: .killpg
            }
            try KernelSignals.send(Int32(clamping: signal), to: receiverPID, by: how, value: value)
            return .sent
        case .targetedSend(_, _, let method, let target):
            // A worker's own group is the harness's, and -1 every process of its user: never sent for real.
            BindingFailure.abandon("\(method.rawValue) to \(target): a real worker sends only to the receiver and the group its pid names")
        case .pidfdSend(_, let signal, let send):
            let info = send.info.map { info in
                let code = switch info.code { case .user: SignalInfo.userCode; case .queue: SignalInfo.queueCode; case .tkill: SignalInfo.threadKillCode
                case .kernel, .timer: BindingFailure.abandon("a pidfd send with a timer's si_code: the trace form refuses it") }
                return (signal: Int32(clamping: info.signal), code: code, value: info.value)
            }
            if send.threadQueue, let info {
                try Syscall.queueSignal(toThread: receiverPID, of: receiverPID, signal: Int32(clamping: signal), code: info.code, value: info.value)
                return .sent
            }
            let descriptor: KernelSignals.ReceiverPidfds.Descriptor = switch send.descriptor {
            case .process: .process
            case .thread: .thread
            case .notPidfd: .notPidfd
            case .selfThread: .selfThread
            case .selfProcess: .selfProcess
            }
            guard let outcome = pidfds.send(Int32(clamping: signal), through: descriptor, info: info, flags: UInt32(truncatingIfNeeded: send.flags)) else {
                BindingFailure.abandon(pidfds.failure ?? "no pidfd of the receiver")
            }
            try outcome.get()
            return .sent
        case .pidfdOpen(_, let flags):
            try KernelSignals.ReceiverPidfds.openAndClose(receiverPID, flags: UInt32(truncatingIfNeeded: flags))
            return .returned
        case .sigwait(_, let signals):
            if sigwaitInSetOrder {
                for signal in signals {
                    if case .completed(let info) = try KernelSignals.wait(for: [Int32(clamping: signal)], timeoutNanoseconds: 0) {
                        return .number(Int(info.signal))
                    }
                }
            }
            return .number(Int(try KernelSignals.waitForNumber(for: signals.map { Int32(clamping: $0) })))
        case .pending:
            return .pendingSignals(try KernelSignals.pending().filter(received.contains).map(Int.init))
        case .signalfdRead(_, let signals, let max, let nonblocking):
            let infos = try KernelSignals.readSignalDescriptor(
                for: signals.map { Int32(clamping: $0) }, max: readOnePerReport ? Swift.min(max, SignalModel.signalfdInfoSize) : max, nonblocking: nonblocking)
            return .deliveries(infos.map(delivery))
        case .signalfdReadAgain(_, let signals, let flags, let update, let max):
            let infos = try Syscall.readSignalDescriptor(
                signals.map { Int32(clamping: $0) }, flags: Int32(clamping: flags), update: update.map { $0.map { Int32(clamping: $0) } }, max: max)
            return .deliveries(infos.map(delivery))
        case .signalfdReadiness(_, let signals, .poll(let events, let timeout)):
            let revents = try KernelSignals.pollSignalDescriptor(
                for: signals.map { Int32(clamping: $0) }, events: Int16(truncatingIfNeeded: events.rawValue), timeoutMilliseconds: timeout)
            return .ready(PipeModel.PollEvents(rawValue: Int(UInt16(bitPattern: revents))))
        case .signalfdReadiness(_, let signals, .select(let read, let write, let timeout)):
            let answer = try KernelSignals.selectSignalDescriptor(
                for: signals.map { Int32(clamping: $0) }, read: read, write: write, timeoutMilliseconds: timeout)
            return .selected(readable: answer.readable, writable: answer.writable)
        case .signalfdReadinessMasked(_, let signals, let call, let sigmask):
            // ppoll or pselect with the object's signals outside `sigmask` unblocked for the call.
            let kept = try ownSignals(sigmask, doing: "keep blocked in ppoll's mask")
            let released = received.filter { !kept.contains($0) }
            try refuseFatalActions(released, suspending: true)
            let (select, events, timeout): (Bool, CInt, Int) = switch call {
            case .poll(let events, let timeout): (false, CInt(events.rawValue), timeout)
            case .select(let read, let write, let timeout): (true, (read ? 1 : 0) | (write ? 2 : 0), timeout)
            }
            let answer = KernelSignals.pollMasked(
                signals.map { Int32(clamping: $0) }, keeping: kept, releasing: released, select: select, events: events, timeoutMilliseconds: timeout)
            if !answer.seen.isEmpty { return .deliveries(answer.seen.map(delivery)) }
            if let error = answer.error { throw error }
            return select ? .selected(readable: answer.readable, writable: answer.writable) : .ready(PipeModel.PollEvents(rawValue: Int(UInt16(bitPattern: answer.revents))))
        case .wait(_, var signals, let timeout):
            if lowestPendingFirst, let lowest = try KernelSignals.pending().map(Int.init).filter(signals.contains).min() {
                signals = [lowest]
            }
            let nanoseconds: Int64?
            switch timeout {
            case nil: nanoseconds = nil
            case .milliseconds(let milliseconds)?: nanoseconds = Int64(milliseconds) * 1_000_000
            case .invalid?:
                // The kernel refuses it before taking anything; a signal taken anyway is reported without details.
                let signal = try KernelSignals.waitWithInvalidTimeout(for: signals.map { Int32(clamping: $0) })
                return .received(signal: Int(signal), details: .lost)
            }
            switch try KernelSignals.wait(for: signals.map { Int32(clamping: $0) }, timeoutNanoseconds: nanoseconds) {
            case .wouldBlock:
                throw .wouldBlock
            case .completed(let info):
                let delivery = self.delivery(info)
                if timeoutEndsData && (delivery.details.code == .kernel || delivery.details.code == .timer) { try discardPending() }
                return .received(signal: delivery.signal, details: delivery.details)
            }
        case .sigaction(_, let signal, let action, let flags):
            // Only the object's own (blocked) signals, or calls the kernel refuses: a new action for any other signal
            // could run at any point of the worker, or take SIGUSR1 (the harness's) or the runtime's own away.
            guard received.contains(Int32(clamping: signal)) || SignalModel.refusesAction(signal, setting: action != nil) || action == nil else {
                BindingFailure.abandon("sigaction of \(SignalModel.name(of: signal)), which is not one of the object's blocked signals")
            }
            let how: Syscall.SignalAction? = action.map { action in
                switch action {
                case .standard: .standard
                case .ignore: .ignore
                case .handler: .handler
                }
            }
            var handlerFlags: Syscall.HandlerFlags = []
            if flags.resetHand { handlerFlags.insert(.resetHand) }
            if flags.noDefer { handlerFlags.insert(.noDefer) }
            if !flags.masksAll { handlerFlags.insert(.emptyMask) }
            if flags.onStack { handlerFlags.insert(.onStack) }
            if resetHandRearmed && action == nil && oneShotHandlers.contains(signal) { return .previousAction(.handler) }
            if action != nil {
                if action == .handler && flags.resetHand { oneShotHandlers.insert(signal) } else { oneShotHandlers.remove(signal) }
            }
            let mask = action == .handler ? flags.maskSignals?.map { Int32(clamping: $0) } : nil
            // The sigaltstack call the recording handler makes as it runs (none unless this handler asks for one).
            if action != nil && received.contains(Int32(clamping: signal)) {
                let call: Syscall.AltStack?? = action == .handler ? flags.altStackCall.map { call in
                    call.setting.map { Syscall.AltStack(flags: Int32(bitPattern: $0.flags), size: $0.size) }
                } : nil
                try Syscall.setHandlerAltStackCall(Int32(clamping: signal), call)
                handlerStacks.settings[signal] = action == .handler ? flags.altStackCall?.setting : nil
            }
            let old = try KernelSignals.setAction(Int32(clamping: signal), to: how, flags: handlerFlags, mask: mask)
            return .previousAction(old == .standard ? .standard : old == .ignore ? .ignore : .handler)
        case .sigprocmask(_, .setmask, let signals, let call):
            return try setMaskBriefly(keeping: signals, call: call)
        case .sigprocmask(_, .lastingUnblock, _, _):
            // Left unblocked, the object's signals would run handlers in the worker whenever they came.
            BindingFailure.abandon("the signal worker keeps the object's signals blocked: a lasting unblock (\(input)) is checked in a trace, not performed in real mode")
        case .maskQuery(_, let change, let call):
            // No set: the kernel does not look at `how`; the old mask's part that is the object's.
            let how: CInt = switch change { case .block: 0; case .unblock, .lastingUnblock: 1; case .setmask: 3; case .invalid: 2 }
            let old = try KernelSignals.maskWithoutSet(how: how, perThread: call == .thread)
            return .maskChanged(deliveries: [], old: received.filter(old.contains).map(Int.init).sorted())
        case .sigprocmask(_, let change, let signals, .thread):
            // pthread_sigmask, asked for the old mask too: reported for the call's signals only (the worker's own
            // blocked signals are no business of the object).
            let numbers = try ownSignals(signals, doing: "unblock")
            if change == .unblock { try refuseFatalActions(numbers, suspending: false) }
            let how: CInt = switch change { case .block: 0; case .unblock, .lastingUnblock: 1; case .invalid, .setmask: 2 }
            let (old, seen) = try KernelSignals.changeMask(how: how, perThread: true, numbers)
            return .maskChanged(deliveries: seen.map(delivery), old: Set(numbers.filter(old.contains)).map(Int.init).sorted())
        case .sigprocmask(_, let change, let signals, .process):
            let numbers = try ownSignals(signals, doing: "unblock")
            switch change {
            case .invalid:
                try KernelSignals.changeMaskWithInvalidHow(numbers)
                return .deliveries([])
            case .block:
                try KernelSignals.block(numbers)
                return .deliveries([])
            case .unblock:
                try refuseFatalActions(numbers, suspending: false)
                return .deliveries(try KernelSignals.unblockBriefly(numbers).map(delivery))
            case .setmask, .lastingUnblock:
                return try setMaskBriefly(keeping: signals, call: .process)
            }
        case .obsolete(_, let signal, let call):
            return try performObsolete(signal, call)
        case .sigpause(_, let signal):
            // A signal glibc refuses fails EINVAL before anything; any other must be the object's.
            let number = Int32(clamping: signal)
            if !SignalModel.refusesSetMember(signal) {
                _ = try ownSignals([signal], doing: "sigpause on")
                try refuseFatalActions([number], suspending: true)
            }
            let seen = try Syscall.pauseForSignal(number).map(delivery)
            guard let first = seen.first else { throw Errno.interrupted }
            return seen.count == 1 ? .received(signal: first.signal, details: first.details) : .deliveries(seen)
        case .sigaltstack(_, nil) where handlerStackKept && handlerStacks.believed != nil:
            return .altStack(handlerStacks.believed!)
        case .sigaltstack(_, let setting):
            // The shims' area holds 1 MiB (the trace form allows no more). A stack too small for a signal frame is
            // set as asked: an SA_ONSTACK delivery on it kills the receiver with SIGSEGV, an outcome the trace records
            // (the call indeterminate, the exit's signal) and the model allows.
            let old = try Syscall.alternateStack(setting: setting.map { Syscall.AltStack(flags: Int32(bitPattern: $0.flags), size: $0.size) })
            if let setting { stackBelievedSet = setting.flags & SignalModel.altStackDisable == 0 }
            if setting != nil { handlerStacks.believed = nil }
            let flags = UInt32(bitPattern: old.flags)
            return .altStack(SignalModel.AltStack(
                enabled: flags & SignalModel.altStackDisable == 0, size: old.size, autoDisarm: flags & SignalModel.altStackAutoDisarm != 0))
        case .sigpauseMask(_, let mask):
            // Every object signal outside the mask is unblocked for it.
            let unblocked = received.filter { !mask.contains(Int($0)) }
            try refuseFatalActions(unblocked, suspending: true)
            let seen = try Syscall.pauseWithOldMask(mask.map { Int32($0) }).map(delivery)
            guard let first = seen.first else { throw Errno.interrupted }
            return seen.count == 1 ? .received(signal: first.signal, details: first.details) : .deliveries(seen)
        case .sigsuspend(_, let signals):
            let numbers = try ownSignals(signals, doing: "sigsuspend on")
            try refuseFatalActions(numbers, suspending: true)
            // With the recording handler's full mask the kernel runs one before the old mask is back; handlers with an
            // empty mask nest, and every one runs.
            let seen = try KernelSignals.suspend(unblocking: numbers).map(delivery)
            guard let first = seen.first else { throw Errno.interrupted }
            return seen.count == 1 ? .received(signal: first.signal, details: first.details) : .deliveries(seen)
        case .pause:
            // The receiver's main thread blocks the object's signals, so none of them ends it: only the harness's
            // SIGUSR1 (a signal fault) does, with EINTR; without one it sleeps until the driver's stall handling
            // kills it, which the model allows (no outcome). A return of 0 is reported as it is, for the model to judge.
            guard !received.isEmpty else {
                BindingFailure.abandon("pause by a process that is not the object's receiver (its mask does not block the object's signals)")
            }
            if pauseTakesSignal {
                _ = try KernelSignals.waitForNumber(for: received)
                return .returned
            }
            _ = try KernelSignals.pause()
            return .returned
        case .pauseUnblocking(_, let signals):
            // The pending ones run on unblocking; pause then sleeps until a handler of the set runs, or the harness's
            // SIGUSR1 (EINTR with none recorded), or the driver's stall handling kills it, which the model allows.
            let numbers = try ownSignals(signals, doing: "pause unblocking")
            try refuseFatalActions(numbers, suspending: false)
            return .deliveries(try KernelSignals.pause(unblocking: numbers).map(delivery))
        case .epoll(_, .control(let operation, let target, let events)):
            let descriptor = try target.map { (set) throws(Errno) in try signalDescriptors.descriptor(for: set) }
            try signalDescriptors.epoll.control(operation, target: target, descriptor: descriptor, events: events)
            if case .delete = operation, let target { signalDescriptors.close(target) }
            return .epollControlled
        case .epoll(_, let call) where SignalModel.epollWaitMask(call) != nil:
            // epoll_pwait or epoll_pwait2 with the object's signals outside `sigmask` unblocked for the call.
            guard case .wait(let maxEvents, let timeout, let form) = call, let sigmask = SignalModel.epollWaitMask(call) else { return .epollControlled }
            let kept = try ownSignals(sigmask, doing: "keep blocked in epoll_pwait's mask")
            let released = received.filter { !kept.contains($0) }
            try refuseFatalActions(released, suspending: true)
            if pwaitEmulated {
                let seen = try KernelSignals.unblockBriefly(released)
                if !seen.isEmpty { return .deliveries(seen.map(delivery)) }
                return .epollEvents(try signalDescriptors.epoll.wait(maxEvents: maxEvents, timeout: timeout, form: .plain, unknown: SignalModel.SignalSet([])))
            }
            var (isPwait2, timespec): (Bool, Epoll.Timespec?) = (false, nil)
            if case .pwait2(let given, _) = form { (isPwait2, timespec) = (true, given) }
            let answer = Syscall.epollWaitMasked(
                try signalDescriptors.epoll.instance().rawValue, maxEvents: maxEvents, timeoutMilliseconds: timeout, pwait2: isPwait2,
                timespec: timespec.map { ($0.seconds, $0.nanoseconds) }, keeping: kept, releasing: released)
            if !answer.seen.isEmpty { return .deliveries(answer.seen.map(delivery)) }
            if let error = answer.error { throw error }
            let events = answer.events.map { (number: $0.descriptor, events: Epoll.Events(rawValue: Int($0.events))) }
            return .epollEvents(signalDescriptors.epoll.reports(events, unknown: SignalModel.SignalSet([])))
        case .epoll(_, .wait(let maxEvents, let timeout, let form)):
            return .epollEvents(try signalDescriptors.epoll.wait(maxEvents: maxEvents, timeout: timeout, form: form, unknown: SignalModel.SignalSet([])))
        case .epoll(_, .misdirected(let call)):
            // The trace form names no signalfd as `epfd`; a set as the target is its signalfd, made if need be.
            var made: [SignalModel.SignalSet: FileDescriptor] = [:]
            if case .control(_, _, .target(let set), _) = call { made[set] = try signalDescriptors.descriptor(for: set) }
            let reports = try signalDescriptors.epoll.perform(call, descriptor: { made[$0] }, unknown: SignalModel.SignalSet([]))
            return reports.map { .epollEvents($0) } ?? .epollControlled
        case .epoll(_, .create(let creation)):
            return .epollCreated(closeOnExec: try creation.perform())
        case .timer(_, let call):
            return try performTimer(call)
        case .signalFault:
            BindingFailure.abandon("a worker is never asked to perform a signal fault (the driver sends it)")
        case .exit:
            BindingFailure.abandon("a worker is never asked to perform 'exit'")
        case .inThread, .thread, .foreignIDs, .foreignTarget:
            // The signal worker has one thread: a trace of a user's threaded code is checked, not performed.
            BindingFailure.abandon("the signal worker has one thread: \(input) is not performed in real mode")
        }
    }

    /// `signals` as numbers, when all are the object's own (blocked) ones: unblocking any other could run the
    /// harness's or the runtime's handlers, or a default action, at the wrong moment.
    /// `SIG_SETMASK` to a mask that keeps `signals` blocked and releases the object's others (the worker's own
    /// signals as they were), then the old mask again: what the handlers saw, and the old mask for the call's signals
    /// only (the worker's own blocked signals are no business of the object).
    func setMaskBriefly(keeping signals: [Int], call: SignalModel.MaskCall) throws(Errno) -> SignalModel.Output {
        let numbers = try ownSignals(signals, doing: "keep blocked")
        if setmaskBlocksOnly {
            let (old, _) = try KernelSignals.changeMask(how: 0, perThread: call == .thread, numbers)
            return .maskChanged(deliveries: [], old: Set(numbers.filter(old.contains)).map(Int.init).sorted())
        }
        let released = received.filter { !numbers.contains($0) }
        try refuseFatalActions(released, suspending: false)
        let (old, seen) = try KernelSignals.setMaskBriefly(perThread: call == .thread, blocking: numbers, releasing: released)
        return .maskChanged(deliveries: seen.map(delivery), old: Set(numbers.filter(old.contains)).map(Int.init).sorted())
    }

    /// `signal`, `sigignore`, `sighold` and `siginterrupt`, called as they are: only on the object's own (blocked)
    /// signals, or where glibc or the kernel refuses the call (and, for `sighold`, `SIGKILL` and `SIGSTOP`, which
    /// the kernel drops from the mask): any other signal's action or mask could run or stop the worker anywhere.
    mutating func performObsolete(_ signal: Int, _ call: SignalModel.ObsoleteCall) throws(Errno) -> SignalModel.Output {
        let number = Int32(clamping: signal)
        let refused = switch call {
        case .sighold, .sigrelse, .sigset(.hold): SignalModel.refusesSetMember(signal) || SignalModel.unblockable.contains(signal)
        case .signal, .sigignore, .siginterrupt, .sigset: SignalModel.refusesAction(signal, setting: true)
        }
        guard received.contains(number) || refused else {
            BindingFailure.abandon("\(call.name) of \(SignalModel.name(of: signal)), which is not one of the object's blocked signals")
        }
        switch call {
        case .signal, .sigignore, .sigset(.action):
            // Their handler makes no sigaltstack call (the model's flags for them have none).
            if received.contains(number) { try Syscall.setHandlerAltStackCall(number, nil) }
        case .sighold, .sigrelse, .siginterrupt, .sigset(.hold): break
        }
        switch call {
        case .signal(let action):
            let how: Syscall.SignalAction = switch action { case .standard: .standard; case .ignore: .ignore; case .handler: .handler }
            oneShotHandlers.remove(signal)
            let old = try Syscall.bsdSignal(number, to: how)
            return .previousAction(old == .standard ? .standard : old == .ignore ? .ignore : .handler)
        case .sigignore:
            oneShotHandlers.remove(signal)
            try Syscall.ignoreSignal(number)
        case .sighold:
            try Syscall.holdSignal(number)
        case .siginterrupt(let interrupt):
            try Syscall.setInterrupting(number, interrupt)
        case .sigrelse:
            // Left unblocked, a signal whose action ends the worker would end it as it comes.
            if sigrelseForgotten { return .deliveries([]) }
            if !refused { try refuseFatalActions([number], suspending: false) }
            return .deliveries(try Syscall.releaseSignal(number).map(delivery))
        case .sigset(let disposition):
            if case .action(.standard) = disposition, !refused, !SignalModel.ignoredByDefault.contains(signal) {
                BindingFailure.abandon("sigset of \(SignalModel.name(of: signal)) to SIG_DFL: left unblocked, it would end the receiver as it comes")
            }
            let wanted: Syscall.Disposition = switch disposition {
            case .hold: .hold
            case .action(.standard): .standard
            case .action(.ignore): .ignore
            case .action(.handler): .handler
            }
            oneShotHandlers.remove(signal)
            let (old, delivered) = try Syscall.setDisposition(number, to: wanted)
            let reported: SignalModel.Disposition = switch old {
            case .hold: .hold
            case .standard: .action(.standard)
            case .ignore: .action(.ignore)
            case .handler: .action(.handler)
            }
            return .disposition(old: reported, delivered: delivered.map(Int.init))
        }
        return .returned
    }

    func ownSignals(_ signals: [Int], doing what: String) throws(Errno) -> [Int32] {
        let numbers = signals.map { Int32(clamping: $0) }
        guard numbers.allSatisfy(received.contains) else {
            BindingFailure.abandon("asked to \(what) \(signals.map(SignalModel.name(of:))), not all of them the object's signals \(received)")
        }
        return numbers
    }

    /// Stops before unblocking a signal whose action is a default that ends or stops the worker — or may become one:
    /// an `SA_RESETHAND` handler's second pending instance meets `SIG_DFL` (measured: two queued `SIGRTMIN+1` kill the
    /// receiver), unless the call is a `sigsuspend` whose handlers all block every signal (it runs one handler only).
    func refuseFatalActions(_ signals: [Int32], suspending: Bool) throws(Errno) {
        var flags: [Int32: Syscall.HandlerFlags] = [:]
        for signal in signals {
            let (action, handlerFlags) = try KernelSignals.action(of: signal)
            if action == .handler { flags[signal] = handlerFlags }
            if action == .standard && !SignalModel.ignoredByDefault.contains(Int(signal)) {
                BindingFailure.abandon("unblocking \(SignalModel.name(of: Int(signal))) with its default action would end the receiver")
            }
        }
        let runsOne = suspending && flags.values.allSatisfy { !$0.contains(.emptyMask) && !$0.contains(.partialMask) }
        guard !runsOne else { return }
        let pending = KernelSignals.pendingSets()
        for (signal, handlerFlags) in flags where handlerFlags.contains(.resetHand) && !SignalModel.ignoredByDefault.contains(Int(signal)) {
            // A standard signal is pending at most once in each set; a real-time one may be queued many times.
            let once = signal < SignalModel.firstRealtime && pending.map { !($0.thread.contains(signal) && $0.process.contains(signal)) } == true
            if !once {
                BindingFailure.abandon("unblocking \(SignalModel.name(of: Int(signal))), whose SA_RESETHAND handler leaves a default action that would end the receiver at a second instance")
            }
        }
    }

    /// A `siginfo` as the model records it, the sender's pid turned into its process number; a handler that ran on
    /// the alternate stack says so (`"onStack": true`; on its own stack nothing is written, which the model reads as
    /// not judged).
    func delivery(_ info: SignalInfo) -> SignalModel.Delivery {
        let code: SignalModel.Code
        switch info.code {
        case SignalInfo.queueCode: code = .queue
        case SignalInfo.threadKillCode: code = .tkill
        case SignalInfo.userCode: code = .user
        case Syscall.kernelCode: code = .kernel
        case Syscall.timerCode: code = .timer
        default:
            // Raised by the kernel, or by something outside the run: not a send the model can judge, and reporting
            // it as a user's would be a verdict on what the run did not do.
            BindingFailure.abandon("signal \(info.signal) arrived with si_code \(info.code), which no kill, sigqueue or tgkill of the run gives")
        }
        // A handler's record (a wait's has none) says where it ran — or, for client.signal-onstack-everywhere, where
        // it believes every handler runs once a stack is set.
        let onStack = info.onAlternateStack == true || (onStackEverywhere && stackBelievedSet && info.onAlternateStack != nil)
        // What the handler's sigaltstack call gave (a failed ask, which no stack makes, is not recorded).
        let altStackCall = info.altStackCall.flatMap { call in
            call.reported.map { reported in
                SignalModel.HandlerAltStackRecord(
                    flags: UInt32(bitPattern: reported.flags), size: reported.size,
                    set: call.setting ? (call.setError.map { .failed(ErrorCode($0.name)) } ?? .taken) : nil)
            }
        }
        if case .taken? = altStackCall?.set, let setting = handlerStacks.settings[Int(info.signal)] {
            let flags = setting.flags
            handlerStacks.believed = SignalModel.AltStack(
                enabled: flags & SignalModel.altStackDisable == 0, size: setting.size, autoDisarm: flags & SignalModel.altStackAutoDisarm != 0)
        }
        return SignalModel.Delivery(
            signal: Int(info.signal),
            details: SignalModel.Details(
                code: code, sender: code == .kernel || code == .timer ? nil : context.process(of: info.senderPID), value: info.value,
                onStack: onStack ? true : nil, altStackCall: altStackCall,
                // SI_TIMER's si_timerid lies where si_pid does.
                timer: code == .timer ? String(info.senderPID) : nil))
    }
}

/// The stacks the recording handler's sigaltstack calls set, by signal, and the one
/// `client.signal-handler-stack-kept` believes they left set (nil: none it knows of).
final class HandlerStackMemory {
    var settings: [Int: SignalModel.AltStackSetting] = [:]
    var believed: SignalModel.AltStack?
}

/// The receiver's epoll instance of signalfds (`SignalModel+Epoll`): a signalfd for a set is made at the first
/// `epoll_ctl` naming the set (nonblocking, `SFD_CLOEXEC`) and kept until a `DEL` of it succeeds; all are closed with
/// the binding.
final class SignalDescriptorEpoll {
    let epoll = EpollInstance<SignalModel.SignalSet>()
    private var descriptors: [SignalModel.SignalSet: FileDescriptor] = [:]

    deinit { for descriptor in descriptors.values { try? Syscall.close(descriptor) } }

    func descriptor(for set: SignalModel.SignalSet) throws(Errno) -> FileDescriptor {
        if let descriptor = descriptors[set] { return descriptor }
        let made = try Syscall.openSignalDescriptor(set.signals.map { Int32(clamping: $0) })
        descriptors[set] = made
        return made
    }

    /// Closes the set's signalfd (its registration already deleted).
    func close(_ set: SignalModel.SignalSet) {
        if let descriptor = descriptors.removeValue(forKey: set) { try? Syscall.close(descriptor) }
    }
}

extension SignalBinding {
    /// `client.signal-timeout-ends-data`'s belief that the timer's signal ends the data: whatever of the object's
    /// signals is still pending is left over, and taken and thrown away.
    func discardPending() throws(Errno) {
        while case .completed = try KernelSignals.wait(for: received, timeoutNanoseconds: 0) {}
    }

    /// A timer call by the receiver.
    func performTimer(_ call: SignalModel.TimerCall) throws(Errno) -> SignalModel.Output {
        func setting(_ time: SignalModel.TimeValue, _ interval: SignalModel.TimeValue) -> Syscall.TimerSetting {
            Syscall.TimerSetting(valueSeconds: time.seconds, valueFraction: time.fraction, intervalSeconds: interval.seconds, intervalFraction: interval.fraction)
        }
        func report(_ setting: Syscall.TimerSetting, perSecond: Int) -> SignalModel.Output {
            let unit = 1_000_000_000 / perSecond
            return .timerReport(.setting(
                value: setting.valueSeconds * 1_000_000_000 + setting.valueFraction * unit,
                interval: setting.intervalSeconds * 1_000_000_000 + setting.intervalFraction * unit))
        }
        func id(_ name: String) -> CInt {
            guard let id = CInt(name) else { BindingFailure.abandon("timer \(name): the worker names timers by the kernel's id") }
            return id
        }
        switch call {
        case .alarm(let seconds):
            return .timerReport(.seconds(Int(Syscall.alarm(UInt32(clamping: seconds)))))
        case .setitimer(let which, let value, let interval):
            return report(try Syscall.setIntervalTimer(CInt(clamping: which), setting(value, interval)), perSecond: 1_000_000)
        case .getitimer(let which):
            return report(try Syscall.intervalTimer(CInt(clamping: which)), perSecond: 1_000_000)
        case .create(let clock, let notify, let signal, let value):
            if notify == 4 { BindingFailure.abandon("timer_create SIGEV_THREAD_ID: the worker's receiving thread is not the one performing") }
            let made = try Syscall.createTimer(clock: CInt(clamping: clock), notify: CInt(clamping: notify), signal: CInt(clamping: signal), value: value)
            if made < 0 { BindingFailure.abandon("timer_create SIGEV_THREAD: glibc's timer has no kernel id to name") }
            return .timerReport(.created(String(made)))
        case .settime(let name, let flags, let value, let interval):
            return report(try Syscall.setTimer(id(name), flags: CInt(clamping: flags), setting(value, interval)), perSecond: 1_000_000_000)
        case .gettime(let name):
            return report(try Syscall.timer(id(name)), perSecond: 1_000_000_000)
        case .getoverrun(let name):
            return .timerReport(.overrun(Int(try Syscall.timerOverrun(id(name)))))
        case .delete(let name):
            try Syscall.deleteTimer(id(name))
            return .returned
        case .expire:
            BindingFailure.abandon("timer_expire is the kernel's act, not a call a worker makes")
        }
    }
}
