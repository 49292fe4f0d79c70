// Calls that name a thread of the receiver other than its main one, or an id that is not the receiver's, beyond
// `tgkill`'s (issue 15; measured on 6.18, a C probe first, then `ThreadTargetFactsTests`; LTP `pidfd_open02`,
// `rt_tgsigqueueinfo01` as the checklist):
// - `pidfd_open` `{"pid": N}` of a pid that is not the receiver's: flags with a bit other than `PIDFD_NONBLOCK` and
//   `PIDFD_THREAD` `EINVAL` first, then a pid of 0 or less `EINVAL`, then (a pid of no process: the trace form means
//   one, as LTP's `tst_get_unused_pid`) `ESRCH`;
// - `pidfd_open` `{"thread": "t2"}` of a thread that is not the group leader: bad flags `EINVAL`; with `PIDFD_THREAD` a
//   pidfd; without it `ENOENT` (the kernel's `pidfd_prepare` wants a thread-group leader); once the thread has returned
//   and is gone `ESRCH` (right after its join it may still be found a moment: either);
// - `rt_tgsigqueueinfo` `{"thread": "t2", ...}`: to that thread, pending for it alone, as `tgkill` to it; a forged code
//   (`SI_USER`, `SI_TKILL`) is refused `EPERM` unless the caller *is* that thread (`task_pid_vnr(current) != pid`):
//   another process is always refused, the receiver's main thread too (measured) — the receiver's call may have been
//   made in that thread itself (LTP's first case), which the trace does not say, so for the receiver both;
// - `pthread_kill` to a thread that has returned and been joined: glibc (2.34 on; 2.36 here) sees it has exited and
//   returns 0 without a system call, for any number but its own 32 and 33 (`EINVAL`) — never `ESRCH`, which Open
//   POSIX `pthread_kill/6-1` expects (it fails on this system); `tgkill`/`tkill` to it reach the kernel (`ESRCH`);
// - `rt_tgsigqueueinfo` `{"tgid": N?, "tid": N?}` (absent: the receiver's): an id of 0 or less `EINVAL` first (a forged
//   code too); then a forged code `EPERM` (the thread named is not the caller; only the receiver naming its own tid may
//   forge), then `ESRCH` — looked up before the signal number (65 too).
extension SignalModel {
    /// A call naming an id that is not the receiver's (see above).
    public enum ForeignCall: Hashable, Sendable {
        /// `rt_tgsigqueueinfo` with ids other than the receiver's and that `siginfo`.
        case threadQueue(signal: Int, code: Code, value: Int32, ids: ForeignThreadIDs)
        /// `pidfd_open` of a pid that is not the receiver's (a pid of no process) with the raw `flags`.
        case pidfdOpen(pid: Int, flags: Int)
    }

    /// The one outcome of a ``ForeignCall`` by `process` (nothing changes).
    func foreignOutcome(_ call: ForeignCall, process: Int, receiver: Int) -> Output {
        switch call {
        case .pidfdOpen(let pid, let flags):
            let known = Self.pidfdOpenFlags.reduce(0) { $0 | $1.1 }
            if flags & ~known != 0 || pid <= 0 { return .failed(.EINVAL) }
            return .failed(.ESRCH)
        case .threadQueue(_, let code, _, let ids):
            if (ids.tgid ?? 1) <= 0 || (ids.tid ?? 1) <= 0 { return .failed(.EINVAL) }
            let forged = code == .user || code == .tkill
            // Only the thread named may forge: the receiver naming its own (main) thread's id with another group's.
            if forged && !(ids.tid == nil && process == receiver) { return .failed(.EPERM) }
            return .failed(.ESRCH)
        }
    }

    /// `PIDFD_THREAD`, the flag that lets `pidfd_open` take a thread that is not its group's leader.
    static let pidfdThreadFlag = 0o200

    /// What a call made to the receiver's thread `name` (not its main one) may give when it is not the thread's own
    /// set's business: `pidfd_open` of it, and a send to it once it has ended (nil: the call is judged in the thread).
    func threadTargetOutcomes(_ state: State, _ name: String, _ call: Input) -> [Output]? {
        let end = state.threads[name]?.end
        switch call {
        case .pidfdOpen(_, let flags):
            let known = Self.pidfdOpenFlags.reduce(0) { $0 | $1.1 }
            if flags & ~known != 0 { return [.failed(.EINVAL)] }
            guard state.alive else { return [.failed(.ESRCH)] }
            let found: Output = flags & Self.pidfdThreadFlag != 0 ? .returned : .failed(.ENOENT)
            switch end {
            case nil: return [found]
            case .exited?: return [.failed(.ESRCH), found]
            case .gone?: return [.failed(.ESRCH)]
            }
        case .send(_, let signal, .pthreadKill, _):
            guard end != nil, state.alive else { return nil }
            // glibc's pthread_kill (2.34 on) of a thread that has exited sends nothing and returns 0, whatever the
            // number but its own 32 and 33 (measured, glibc 2.36: 65 and -1 too); never ESRCH (Open POSIX
            // `pthread_kill/6-1` expects it: not on this system).
            return [signal == 32 || signal == 33 ? .failed(.EINVAL) : .sent]
        case .send, .pidfdSend:
            guard let end, state.alive else { return nil }
            // A forged code is refused before the thread is looked up.
            if case .pidfdSend(let process, _, let send) = call, let refusal = pidfdRefusal(state, process: process, signal: send.info?.signal ?? 0, send: send) {
                return [.failed(refusal)]
            }
            // Sent to a thread that has ended: ESRCH, or (not known gone) found a moment still, taken by no one.
            return end == .gone ? [.failed(.ESRCH)] : [.failed(.ESRCH), .sent]
        default:
            return nil
        }
    }

    /// Whether the receiver's `rt_tgsigqueueinfo` to its thread `name` with a forged code may have been refused
    /// `EPERM`: made by its main thread, it is (made by that thread itself, it is not; the trace does not say).
    static func forgedToOtherThread(_ state: State, _ call: Input) -> Bool {
        guard case .pidfdSend(let process, _, let send) = call, send.threadQueue, process == state.receiver,
            let code = send.info?.code else { return false }
        return code == .user || code == .tkill
    }

    // MARK: - Trace form

    /// `rt_tgsigqueueinfo` with `"tgid"`/`"tid"` or `pidfd_open` with `"pid"` (nil: the call names none).
    func foreignTargetInput(from call: Call, fields: JSONObject) throws(ModelError) -> Input? {
        switch call.f {
        case "rt_tgsigqueueinfo" where fields["tgid"] != nil || fields["tid"] != nil:
            let signal = try Self.signal(try call.value.required("signal"), field: "signal")
            var plain = fields
            plain["tgid"] = nil
            plain["tid"] = nil
            plain["thread"] = nil  // named with ids not its own, as `tgkill`'s: the ids decide
            guard case .pidfdSend(_, _, let send) = try input(from: Call(process: call.process, object: call.object, f: call.f, value: .object(plain))),
                let info = send.info
            else { return nil }
            let ids = ForeignThreadIDs(
                tgid: try call.value.optional("tgid")?.integer("tgid", in: Int(Int32.min)...Int(Int32.max)),
                tid: try call.value.optional("tid")?.integer("tid", in: Int(Int32.min)...Int(Int32.max)))
            return .foreignTarget(process: call.process, call: .threadQueue(signal: signal, code: info.code, value: info.value, ids: ids))
        case "pidfd_open" where fields["pid"] != nil:
            if fields["thread"] != nil { throw ModelError("pidfd_open: a \"thread\" of the receiver or a \"pid\", not both") }
            let pid = try call.value.required("pid").integer("pid", in: Int(Int32.min)...Int(Int32.max))
            let flags = try call.value.optional("flags").map { (flags) throws(ModelError) in try Self.namedFlags(flags, field: "flags", names: Self.pidfdOpenFlags) } ?? 0
            // The receiver's own pid is the plain call.
            if let receiver = setups.first(where: { $0.name == call.object })?.setup.receiver, receiver == pid {
                return .pidfdOpen(process: call.process, flags: flags)
            }
            return .foreignTarget(process: call.process, call: .pidfdOpen(pid: pid, flags: flags))
        default:
            return nil
        }
    }

    /// ``call(for:)`` of a ``ForeignCall``.
    static func foreignCall(_ call: ForeignCall) -> (f: String, value: JSONValue?) {
        switch call {
        case .pidfdOpen(let pid, let flags):
            var object: JSONObject = ["pid": .int(pid)]
            if flags != 0 { object["flags"] = json(flags: flags, names: pidfdOpenFlags) }
            return ("pidfd_open", .object(object))
        case .threadQueue(let signal, let code, let value, let ids):
            var object: JSONObject = ["signal": json(signal), "code": .string(code.rawValue)]
            if value != 0 { object["value"] = .int(Int(value)) }
            if let tgid = ids.tgid { object["tgid"] = .int(tgid) }
            if let tid = ids.tid { object["tid"] = .int(tid) }
            return ("rt_tgsigqueueinfo", .object(object))
        }
    }

    /// ``describe(_:_:)`` of a ``ForeignCall``.
    static func describe(_ call: ForeignCall) -> String {
        switch call {
        case .pidfdOpen(let pid, let flags):
            return "pidfd_open of pid \(pid)" + (flags == 0 ? "" : " flags \(flags)")
        case .threadQueue(let signal, let code, let value, let ids):
            return "rt_tgsigqueueinfo \(name(of: signal)) \(code.rawValue) value \(value)" + (ids.tgid.map { " tgid \($0)" } ?? "")
                + (ids.tid.map { " tid \($0)" } ?? "")
        }
    }
}
