import IPCModels

/// `pidfd_open` and `pidfd_send_signal`: the signal model's operations of the same names (``SignalModel/PidfdSend``),
/// on the receiver the pidfd was opened for.
///
/// A pidfd is tied to its process by the pid `pidfd_open` was given, a pid of the log, and followed as any descriptor
/// (`dup`, `fork`, `SCM_RIGHTS`, close-on-exec: a pidfd is always made `O_CLOEXEC`); `PIDFD_THREAD` (`O_EXCL`) makes
/// it the pid's main thread's, the model's `"pidfd": "thread"`. What the model cannot say is left out with its reason,
/// as for `kill`: a send through a pidfd the log did not show opened (`clone`'s `CLONE_PIDFD`, `pidfd_getfd`, one
/// inherited from before the log) excludes the receiver strace names (`-yy` shows `<pid:N>`); a successful send to the
/// process group (`PIDFD_SIGNAL_PROCESS_GROUP`) is a group send; `EAGAIN` (the pending-signal limit) and an `EPERM`
/// that is not the forged-`si_code` refusal (credentials) are not in the log; a `siginfo` with another `si_code` than
/// `SI_QUEUE`, `SI_USER` or `SI_TKILL`, or whose `si_pid` is not the sender's (the model's sender is the caller).
/// A `pidfd_open` that fails otherwise than `EINVAL` or `ESRCH` (`EMFILE`, …) is nothing of the receiver's and is
/// left out; one of a pid no signal is sent to or waited for makes no receiver (a pidfd polled for a child's exit).
extension StraceSimulation {
    /// `pidfd_open`'s flag names, as the signal model's trace form has them.
    static let pidfdOpenFlagNames: [(String, Int64)] = [("PIDFD_NONBLOCK", 0o4000), ("PIDFD_THREAD", 0o200)]
    /// `pidfd_send_signal`'s flag names.
    static let pidfdSendFlagNames: [(String, Int64)] = [
        ("PIDFD_SIGNAL_THREAD", 1), ("PIDFD_SIGNAL_THREAD_GROUP", 2), ("PIDFD_SIGNAL_PROCESS_GROUP", 4),
    ]

    /// A flags field: the known names, then any other bits as one number.
    static func flagList(_ flags: Int64, names: [(String, Int64)]) -> JSONValue {
        var rest = flags
        var list: [JSONValue] = []
        for (name, bit) in names where rest & bit != 0 {
            list.append(.string(name))
            rest &= ~bit
        }
        if rest != 0 { list.append(.integer(rest)) }
        return .array(list)
    }

    mutating func simulatePidfdOpen(_ call: StraceLog.Call, target: Int64?, flags: Int64?) {
        if case .error(let error) = call.result, Self.withoutEffect.contains(error) { return }
        var tie: (pid: Int, thread: Bool?)?
        if let target, target > 0 {
            let pid = Int(target)
            if signals.receivers[pid] != nil || logPids.contains(pid) {
                tie = (pid, flags.map { $0 & 0o200 != 0 })
                var pending: (operation: StraceObject.Operation?, exclusion: String?) = (nil, nil)
                if let flags {
                    // EMFILE, ENOMEM, …: nothing of the receiver's, and not an outcome the model has.
                    var modelled = true
                    if case .error(let error) = call.result, error != "EINVAL", error != "ESRCH" { modelled = false }
                    if modelled {
                        let value: JSONValue? = flags == 0 ? nil : .object(["flags": Self.flagList(flags, names: Self.pidfdOpenFlagNames)])
                        var end: Int64? = call.end
                        let outcome = outcome(call) { nil }
                        if case .indeterminate = outcome { end = nil }
                        pending.operation = StraceObject.Operation(
                            pid: call.pid, f: "pidfd_open", value: value, outcome: outcome, start: call.start, end: end, line: call.line,
                            table: descriptors.tableOf[call.pid])
                    }
                } else {
                    pending.exclusion = "pidfd_open at line \(call.line) with flags the importer cannot read"
                }
                if let object = signals.receivers[pid] {
                    if let operation = pending.operation { objects[object].operations.append(operation) }
                    if let reason = pending.exclusion { objects[object].exclude(reason) }
                } else if pending.operation != nil || pending.exclusion != nil {
                    signals.pendingPidfdOpens[pid, default: []].append(pending)
                }
            } else {
                unchecked["signals to threads or to processes outside the log", default: []].append(call.line)
            }
        }
        guard case .value(let text) = call.result, let value = (try? StraceValueReader.values(text[...]))?.first,
            let number = value.descriptor, number >= 0
        else { return }
        installOther(pid: call.pid, fd: number, annotation: Self.annotation(value) ?? "", closeOnExec: true)
        if let tie, let entry = descriptors.entry(pid: call.pid, fd: number) { signals.pidfds[entry.file] = tie }
    }

    mutating func simulatePidfdSend(_ call: StraceLog.Call, _ arguments: [StraceValue]) {
        func argument(_ index: Int) -> StraceValue? { index < arguments.count ? arguments[index] : nil }
        if case .error(let error) = call.result, Self.withoutEffect.contains(error) { return }
        guard let fd = argument(0)?.descriptor else { return }
        guard let tie = descriptors.entry(pid: call.pid, fd: fd).flatMap({ signals.pidfds[$0.file] }) else {
            // Not a pidfd the log showed opened: strace's annotation may still name whose it is.
            if let annotation = argument(0).flatMap(Self.annotation), annotation.hasPrefix("pid:"), let pid = Int(annotation.dropFirst(4)),
                let object = receiverIfKnown(pid, call: call)
            {
                objects[object].exclude("pidfd_send_signal at line \(call.line) goes through a pidfd of pid \(pid) the log does not show opened by pidfd_open")
            } else {
                unchecked["signals to threads or to processes outside the log", default: []].append(call.line)
            }
            return
        }
        let target = tie.pid
        guard let object = receiverIfKnown(target, call: call) else {
            unchecked["signals to threads or to processes outside the log", default: []].append(call.line)
            return
        }
        let number = argument(1)?.integer
        let signal = number == 0 ? 0 : Self.signalNumber(argument(1))
        guard let signal, let flags = argument(3)?.integer, let thread = tie.thread, let given = argument(2) else {
            objects[object].exclude("pidfd_send_signal at line \(call.line) with a signal, flags or pidfd the importer cannot read")
            return
        }
        let succeeded: Bool
        if case .value = call.result { succeeded = true } else { succeeded = false }
        if signal != 0, succeeded || call.result == .unknown, let table = descriptors.tableOf[target] {
            // A fatal signal to a process of the log: its death can begin from this call on.
            killStart[table] = max(killStart[table] ?? call.start, call.start)
        }
        if signal == 9 { return }  // its death is the trace's (as `kill`'s SIGKILL)
        if succeeded, flags & 4 != 0 {
            signals.groupSends.append(call.line)
            return
        }
        if SignalModel.unblockable.contains(signal) {
            objects[object].exclude("\(SignalModel.name(of: signal)) was sent at line \(call.line): it cannot be blocked, so it stops or kills pid \(target), which the signal model does not have")
            return
        }
        var value: JSONObject = ["signal": .string(SignalModel.name(of: signal))]
        if thread { value["pidfd"] = "thread" }
        if flags != 0 { value["flags"] = Self.flagList(flags, names: Self.pidfdSendFlagNames) }
        var forged = false
        if !given.isNull {
            guard let code = given["si_code"]?.integer.map({ Int32(truncatingIfNeeded: $0) }), let infoSignal = Self.signalNumber(given["si_signo"]),
                let sender = given["si_pid"]?.integer
            else {
                objects[object].exclude("pidfd_send_signal at line \(call.line) with a siginfo the importer cannot read")
                return
            }
            var info: JSONObject = [:]
            switch code {
            case -1:
                guard let number = given["si_int"]?.integer else {
                    objects[object].exclude("pidfd_send_signal at line \(call.line) queues a siginfo without si_int shown")
                    return
                }
                info = ["code": "SI_QUEUE", "value": .integer(Int64(Int32(truncatingIfNeeded: number)))]
            case 0: info = ["code": "SI_USER", "value": 0]
            case -6: info = ["code": "SI_TKILL", "value": 0]
            default:
                objects[object].exclude("pidfd_send_signal at line \(call.line) passes si_code \(code), which the signal model does not have (it has SI_QUEUE, SI_USER, SI_TKILL)")
                return
            }
            forged = code == 0 || code == -6
            if succeeded, sender != Int64(call.pid) {
                objects[object].exclude("pidfd_send_signal at line \(call.line) passes si_pid \(sender), not the sender's; the model's sender is the caller")
                return
            }
            if infoSignal != signal { info["signal"] = .string(SignalModel.name(of: infoSignal)) }
            value["info"] = .object(info)
        }
        if signal != 0 { signals.involved[object, default: []].insert(signal) }
        if case .error(let error) = call.result {
            // The forged-code refusal is the model's (it comes before credentials); any other EPERM, and EAGAIN,
            // depend on what the log does not show.
            let forgedRefusal = error == "EPERM" && forged && (call.pid != target || flags & 4 != 0)
            if error == "EAGAIN" || (error == "EPERM" && !forgedRefusal) {
                objects[object].exclude("pidfd_send_signal at line \(call.line) failed \(error): the user's pending-signal limit and credentials are not in the log")
                return
            }
        }
        if succeeded, signal != 0, !mask(of: target).contains(signal) {
            objects[object].exclude("\(SignalModel.name(of: signal)) was sent at line \(call.line) while pid \(target) did not block it; the model's receiver takes signals only with sigtimedwait")
            return
        }
        record(object, call, f: "pidfd_send_signal", value: .object(value), outcome: outcome(call) { nil })
    }
}
