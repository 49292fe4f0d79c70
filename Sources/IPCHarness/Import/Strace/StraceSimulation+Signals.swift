import IPCModels

/// Signals as the `signal` model has them: one object per receiving process, which blocks the signals sent to it and
/// takes them with `sigtimedwait`; `kill`, `sigqueue` (`rt_sigqueueinfo`) and `pidfd_send_signal` (see
/// `StraceSimulation+Pidfd.swift`) by any process of the log send to it.
///
/// The model's receiver never lets a signal reach a handler, so a receiver is checked only where the log shows all
/// of that: every send came while the receiver blocked the signal (the mask is followed through `rt_sigprocmask`,
/// inherited by `fork`), no signal it was sent or waited for was delivered (`--- SIG… ---`), it is one thread, it
/// uses signalfds only as the importer follows them (`StraceSimulation+Signalfd.swift`), and nothing was sent to a process group. `tgkill`/`tkill` to the receiver's main thread (its
/// thread id is its pid) is the model's `tgkill`. What the model cannot say is left out with its reason: a signal to
/// another thread, `rt_tgsigqueueinfo` (a queued signal to a thread), a send that failed `EAGAIN` or `EPERM` (the user's pending-signal limit
/// and credentials are not in the log), a signal from outside the log, a send to the receiver after it died (a
/// zombie still takes them until reaped; the model's receiver is gone at its exit).
extension StraceSimulation {
    /// What the simulation learns of signals, per process.
    struct SignalState {
        /// Blocked signals per pid, as `rt_sigprocmask` left them (a child starts with its parent's).
        var masks: [Int: Set<Int>] = [:]
        /// The receiver object of a pid.
        var receivers: [Int: Int] = [:]
        /// Deliveries per pid: the signal and its line.
        var deliveries: [Int: [(signal: Int, line: Int)]] = [:]
        /// Lines of signals sent to a process group (`kill(0 or -PGID, …)`): any receiver may be in it.
        var groupSends: [Int] = []
        /// Pids that used a signalfd in a way the importer does not follow (see `StraceSimulation+Signalfd.swift`),
        /// and the first such line.
        var signalfdUsers: [Int: Int] = [:]
        /// The signalfds the importer follows, by file: the set each was made for.
        var signalfds: [Int: Set<Int>] = [:]
        /// Per receiver object: the signals sent to it or waited for.
        var involved: [Int: Set<Int>] = [:]
        /// Pidfds by file: the pid `pidfd_open` was given (the log's pid, whatever a descriptor's annotation says
        /// later), and whether it names the process's main thread (`PIDFD_THREAD`); nil when the flags were unreadable.
        var pidfds: [Int: (pid: Int, thread: Bool?)] = [:]
        /// `pidfd_open`s of a pid of the log no signal has been sent to or waited for yet: its receiver takes them
        /// (an operation, or why it cannot be checked) if it comes to be — a pidfd only polled for the process's exit
        /// makes no receiver.
        var pendingPidfdOpens: [Int: [(operation: StraceObject.Operation?, exclusion: String?)]] = [:]
    }

    /// The mask of `pid` now: its own, or its parent's at the fork if it has not changed it (unknown at the root:
    /// taken as empty, so a send to it counts as unblocked and excludes the receiver rather than passing).
    func mask(of pid: Int) -> Set<Int> {
        if let own = signals.masks[pid] { return own }
        if let parent = parentOf(pid) { return mask(of: parent) }
        return []
    }

    /// A signal as strace prints it: `35`, `SIGUSR1`, `SIGRT_3`, `SIGRTMIN`.
    static func signalNumber(_ value: StraceValue?) -> Int? {
        guard case .atom(let text)? = value else { return nil }
        return StraceConstants.signal(text)
    }

    /// A signal set as strace prints it: `[10 12 35]`, `[USR1 RT_3]`, `~[KILL STOP]`, `[]`.
    static func signalSet(_ value: StraceValue?) -> Set<Int>? {
        func number(_ text: String) -> Int? {
            if let number = Int(text) { return number }
            return StraceConstants.signal(text.hasPrefix("SIG") ? text : "SIG" + text)
        }
        switch value {
        case .array(let members)?:
            var set: Set<Int> = []
            for member in members {
                guard case .atom(let text) = member else { return nil }
                for part in text.split(separator: " ") {
                    guard let signal = number(String(part)) else { return nil }
                    set.insert(signal)
                }
            }
            return set
        case .atom(let text)? where text.hasPrefix("~["):
            var set = Set(1...64)
            for part in text.dropFirst(2).dropLast().split(separator: " ") {
                guard let signal = number(String(part)) else { return nil }
                set.remove(signal)
            }
            return set
        default:
            return nil
        }
    }

    mutating func simulateSignals(_ call: StraceLog.Call, _ arguments: [StraceValue]) -> Bool {
        func argument(_ index: Int) -> StraceValue? { index < arguments.count ? arguments[index] : nil }
        switch call.name {
        case "rt_sigprocmask":
            guard case .value = call.result, let how = argument(0)?.integer, let given = argument(1), !given.isNull else { return true }
            guard let set = Self.signalSet(given) else {
                for object in signals.receivers[call.pid].map({ [$0] }) ?? [] {
                    objects[object].exclude("rt_sigprocmask at line \(call.line) with a set the importer cannot read")
                }
                // Unknown: taken as blocking nothing, so that a send afterwards excludes rather than passes.
                signals.masks[call.pid] = []
                return true
            }
            var mask = mask(of: call.pid)
            switch how {
            case 0: mask.formUnion(set)  // SIG_BLOCK
            case 1: mask.subtract(set)  // SIG_UNBLOCK
            default: mask = set  // SIG_SETMASK
            }
            signals.masks[call.pid] = mask
        case "signalfd", "signalfd4":
            if makeSignalfd(call, arguments) { return true }
            signals.signalfdUsers[call.pid] = signals.signalfdUsers[call.pid] ?? call.line
            return false  // its descriptor is installed as any other file
        case _ where usesSignalfd(call, arguments):
            return true
        case "rt_sigqueueinfo":
            guard let target = argument(0)?.integer, target > 0 else {
                unchecked["signals to threads or to processes outside the log", default: []].append(call.line)
                return true
            }
            guard let signal = Self.signalNumber(argument(1)) else {
                if let object = receiverIfKnown(Int(target), call: call) {
                    objects[object].exclude("rt_sigqueueinfo at line \(call.line) sends a signal the importer cannot read")
                }
                return true
            }
            send(call, target: Int(target), signal: signal, queued: argument(2))
        case "rt_tgsigqueueinfo":
            simulateThreadSignal(call, target: argument(1)?.integer, signal: Self.signalNumber(argument(2)).map(Int64.init) ?? -1)
        case "rt_sigtimedwait":
            simulateWait(call, arguments)
        case "pidfd_open":
            simulatePidfdOpen(call, target: argument(0)?.integer, flags: argument(1)?.integer)
        case "pidfd_send_signal":
            simulatePidfdSend(call, arguments)
        default:
            return false
        }
        return true
    }

    /// `kill(pid, sig)` for a signal other than SIGKILL (which the lifecycle follows as a death). Signal 0 only checks
    /// that the receiver exists: the model's `kill` of signal 0 (`{"signal": 0}`), sending nothing, so neither the
    /// receiver's mask nor a handler matters; to a process group it is left out (it sends nothing to any receiver).
    mutating func simulateKillSignal(_ call: StraceLog.Call, target: Int64, signal: Int) {
        guard signal != 9 else { return }
        guard target > 0 else {
            if signal != 0 { signals.groupSends.append(call.line) }
            return
        }
        send(call, target: Int(target), signal: signal, queued: nil)
    }

    /// A kill whose signal the importer cannot read: what it sent is unknown.
    mutating func unreadableSignal(_ call: StraceLog.Call, target: Int64) {
        if target > 0, let object = receiverIfKnown(Int(target), call: call) {
            objects[object].exclude("\(call.name) at line \(call.line) sends a signal the importer cannot read")
        } else {
            unchecked["signals to threads or to processes outside the log", default: []].append(call.line)
        }
    }

    /// `tgkill(tgid, tid, sig)`, `tkill(tid, sig)`, `rt_tgsigqueueinfo`: a signal to one thread. To a receiver's main
    /// thread (`tid` its pid, and `tgid` too for `tgkill`) it is the model's `tgkill`; to any other thread, or queued
    /// with a value, the model does not have it.
    mutating func simulateThreadSignal(_ call: StraceLog.Call, target: Int64?, signal: Int64?, group: Int64? = nil) {
        guard let signal, signal != 0, signal != 9 else { return }
        if call.name != "rt_tgsigqueueinfo", let target, group == nil || group == target, signals.receivers[Int(target)] != nil || logPids.contains(Int(target)) {
            send(call, target: Int(target), signal: Int(signal), queued: nil, toThread: true)
        } else if let target, let object = receiverIfKnown(Int(target), call: call) {
            objects[object].exclude("\(call.name) at line \(call.line) sends to a thread other than pid \(target)'s main one, or queues a value for a thread, which the signal model does not have")
        } else {
            unchecked["signals to threads or to processes outside the log", default: []].append(call.line)
        }
    }

    /// The receiver object of a pid of the log, made at its first signal; nil for a pid the log does not show.
    mutating func receiverIfKnown(_ pid: Int, call: StraceLog.Call) -> Int? {
        if let object = signals.receivers[pid] { return object }
        guard logPids.contains(pid) else { return nil }
        let object = newObject(.signals(receiver: pid), name: "signals-\(pid)", description: "the signals of pid \(pid)", call: call)
        signals.receivers[pid] = object
        for pending in signals.pendingPidfdOpens.removeValue(forKey: pid) ?? [] {
            if let operation = pending.operation { objects[object].operations.append(operation) }
            if let reason = pending.exclusion { objects[object].exclude(reason) }
        }
        return object
    }

    private mutating func send(_ call: StraceLog.Call, target: Int, signal: Int, queued: StraceValue?, toThread: Bool = false) {
        guard let object = receiverIfKnown(target, call: call) else {
            unchecked["signals to threads or to processes outside the log", default: []].append(call.line)
            return
        }
        if case .error(let error) = call.result, Self.withoutEffect.contains(error) { return }
        if signal == 0 {
            // Checks only: the model's `kill` of signal 0 (a send that failed `EPERM` leaves the receiver out as any).
            if case .error("EPERM") = call.result {
                objects[object].exclude("\(call.name) at line \(call.line) failed EPERM: credentials are not in the log")
                return
            }
            record(object, call, f: "kill", value: ["signal": .integer(0)], outcome: outcome(call) { nil })
            return
        }
        if SignalModel.unblockable.contains(signal) {
            objects[object].exclude("\(SignalModel.name(of: signal)) was sent at line \(call.line): it cannot be blocked, so it stops or kills pid \(target), which the signal model does not have")
            return
        }
        signals.involved[object, default: []].insert(signal)
        if case .error(let error) = call.result, error == "EAGAIN" || error == "EPERM" {
            objects[object].exclude("\(call.name) at line \(call.line) failed \(error): the user's pending-signal limit and credentials are not in the log")
            return
        }
        if case .value = call.result, !mask(of: target).contains(signal) {
            objects[object].exclude("\(SignalModel.name(of: signal)) was sent at line \(call.line) while pid \(target) did not block it; the model's receiver takes signals only with sigtimedwait")
            return
        }
        var value: JSONObject = ["signal": .string(SignalModel.name(of: signal))]
        if let queued {
            guard let code = queued["si_code"]?.integer, Int32(truncatingIfNeeded: code) == -1, let number = queued["si_int"]?.integer else {
                objects[object].exclude("rt_sigqueueinfo at line \(call.line) with a si_code other than SI_QUEUE, or no si_int shown")
                return
            }
            value["value"] = .integer(Int64(Int32(truncatingIfNeeded: number)))
        }
        record(object, call, f: toThread ? "tgkill" : queued == nil ? "kill" : "sigqueue", value: .object(value), outcome: outcome(call) { nil })
    }

    private mutating func simulateWait(_ call: StraceLog.Call, _ arguments: [StraceValue]) {
        func argument(_ index: Int) -> StraceValue? { index < arguments.count ? arguments[index] : nil }
        if case .error(let error) = call.result, Self.withoutEffect.contains(error) { return }
        guard let object = receiverIfKnown(call.pid, call: call) else { return }
        guard let set = Self.signalSet(argument(0)) else {
            objects[object].exclude("rt_sigtimedwait at line \(call.line) with a set the importer cannot read")
            return
        }
        signals.involved[object, default: []].formUnion(set)
        var value: JSONObject = ["signals": .array(set.sorted().map { .string(SignalModel.name(of: $0)) })]
        if let timeout = argument(2), !timeout.isNull {
            guard let seconds = timeout["tv_sec"]?.integer, let nanoseconds = timeout["tv_nsec"]?.integer else {
                objects[object].exclude("rt_sigtimedwait at line \(call.line) with a timeout the importer cannot read")
                return
            }
            value["timeout"] = .integer(min(3_600_000, seconds * 1000 + nanoseconds / 1_000_000))
        }
        var result: JSONValue?
        if case .value(let text) = call.result {
            let info = argument(1)
            guard let signal = Int(text.prefix { $0.isNumber }), let info, let code = info["si_code"]?.integer,
                let sender = info["si_pid"]?.integer
            else {
                objects[object].exclude("rt_sigtimedwait at line \(call.line) does not show what it took (a siginfo)")
                return
            }
            var taken: JSONObject = ["signal": .string(SignalModel.name(of: signal))]
            switch Int32(truncatingIfNeeded: code) {
            case 0: taken["code"] = "SI_USER"
            case -6: taken["code"] = "SI_TKILL"
            case -1:
                taken["code"] = "SI_QUEUE"
                taken["value"] = .integer(Int64(Int32(truncatingIfNeeded: info["si_int"]?.integer ?? 0)))
            default:
                objects[object].exclude("rt_sigtimedwait at line \(call.line) took a signal with si_code \(code), which no kill, sigqueue or tgkill of the log sends")
                return
            }
            guard sender > 0, logPids.contains(Int(sender)) else {
                objects[object].exclude("rt_sigtimedwait at line \(call.line) took a signal from pid \(sender), which the log does not show")
                return
            }
            // The sender's process number is given when the trace is assembled (see `StraceAssembly`).
            taken["senderPid"] = .integer(sender)
            result = .object(taken)
        }
        record(object, call, f: "wait", value: .object(value), outcome: outcome(call) { result })
    }

    /// At the end of the log: what excludes a receiver that only the whole log shows.
    mutating func finishSignals(_ log: StraceLog) {
        for delivery in log.deliveries {
            guard let signal = StraceConstants.signal(delivery.signal) else { continue }
            signals.deliveries[delivery.pid, default: []].append((signal, delivery.line))
        }
        let ends = Dictionary(log.ends.map { ($0.pid, $0.time) }, uniquingKeysWith: { first, _ in first })
        for (pid, object) in signals.receivers {
            if let line = signals.groupSends.first {
                objects[object].exclude("a signal was sent to a process group at line \(line), which may hold pid \(pid)")
            }
            if let line = signals.signalfdUsers[pid] {
                objects[object].exclude("pid \(pid) used a signalfd at line \(line) in a way the importer does not follow (a set changed through the descriptor, flags or a buffer it cannot read)")
            }
            if sharesSignals(pid) {
                objects[object].exclude("pid \(pid) has threads: a signal sent to it may go to any of them")
            }
            let involved = signals.involved[object, default: []]
            // The kernel sends these itself as if by kill (SI_USER, from the process itself: a write to a pipe
            // without readers, a file grown past RLIMIT_FSIZE), which no call of the log shows.
            if let generated = involved.intersection([13, 25]).min() {
                objects[object].exclude("\(SignalModel.name(of: generated)) is sent by the kernel itself as if by kill, which the log does not show")
            }
            if let delivery = signals.deliveries[pid, default: []].first(where: { involved.contains($0.signal) }) {
                objects[object].exclude("\(SignalModel.name(of: delivery.signal)) was delivered to pid \(pid) at line \(delivery.line) (a handler or its default action), which the model's receiver never does")
            }
            if let end = ends[pid], let late = objects[object].operations.first(where: { operation in
                guard operation.f != "wait", operation.start > end, case .ok = operation.outcome else { return false }
                return true
            }) {
                objects[object].exclude("a \(late.f == "pidfd_open" ? "pidfd_open" : "send") at line \(late.line) came after pid \(pid) had died: a zombie takes signals (and pidfd_open) until it is reaped, which the model does not have")
            }
        }
    }
}
