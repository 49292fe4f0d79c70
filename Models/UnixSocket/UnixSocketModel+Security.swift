/// `SO_PASSSEC`, `SCM_SECURITY` and `SO_PEERSEC`, measured in `UnixSocketSecurityFactsTests` (C probes first; 6.18,
/// whose `/sys/kernel/security/lsm` is `lockdown,capability,landlock,bpf` — SELinux built in but not enabled;
/// `sk_setsockopt`, `scm_passec`, `security_socket_getpeersec_stream`):
/// - `setsockopt(SO_PASSSEC)` takes any value on every type, and `getsockopt(SO_PASSSEC)` reports 1 or 0.
/// - With no module that labels sockets, a receive under it gets no `SCM_SECURITY`: the control room and `MSG_CTRUNC`
///   are as without it — but with no control buffer at all every receipt says `MSG_CTRUNC` (`__scm_recv_common`
///   asks only whether the option is set: measured, a surprise; end of file, peeks, `MSG_WAITALL`, `MSG_TRUNC` and
///   `recvmmsg` too; not `MSG_OOB`, which passes no control messages). It records no sender either (not `unix_may_passcred`: a message sent under it alone shows pid
///   0 once `SO_PASSCRED` is set) and a stream read under it alone merges senders' bytes.
/// - `getsockopt(SO_PEERSEC)` fails `ENOPROTOOPT` (the hook's default, with no module to answer), any buffer size;
///   `setsockopt(SO_PEERSEC)` fails `ENOPROTOOPT` whatever the modules (`sk_setsockopt` has no such option: a
///   read-only option, see `UnixSocketModel+Names`).
/// - A sent `SCM_SECURITY` fails `EINVAL` (`__scm_send` takes only credentials and rights): no trace form.
/// What a receive under `SO_PASSSEC` gets, and what `SO_PEERSEC` reports, is the security module's when one labels
/// sockets (SELinux, Smack, AppArmor): such a trace — or one whose `params` do not give `"lsm"` — is refused.
extension UnixSocketModel {
    /// The modules that give a socket no security context, so neither `SCM_SECURITY` nor `SO_PEERSEC` answers. `bpf`
    /// is taken without a program on the `socket_getpeersec_*` hooks (one there could answer; it is not modelled).
    static let modulesWithoutSocketLabels: Set<String> = [
        "capability", "commoncap", "lockdown", "yama", "loadpin", "safesetid", "landlock", "integrity", "ima", "evm",
        "ipe", "bpf",
    ]

    /// Why the model cannot judge what depends on sockets' security contexts (nil: it can — no module labels them).
    var securityContextsUnknown: String? {
        guard let modules = securityModules else {
            return "the kernel's security modules are not given (params 'lsm', as /sys/kernel/security/lsm lists them)"
        }
        let labelling = modules.filter { !Self.modulesWithoutSocketLabels.contains($0) }
        guard labelling.isEmpty else {
            return "params 'lsm' names \(labelling.joined(separator: ", ")), whose socket security contexts are not modelled"
        }
        return nil
    }

    func setPassSecurity(_ state: State, process: Int, end: String, value: Int) -> Transitions {
        settingFlag(state, process: process, end: end, \.passSecurity, value: value)
    }

    /// `setsockopt(SO_PASSSEC)`'s trace form: `{"end": S, "option": "SO_PASSSEC", "value": INT}`. A nonzero value
    /// is refused unless the trace's modules label no socket (what later receives get would be the module's).
    func passSecurityInput(of call: Call) throws(ModelError) -> Input {
        let value = try call.value.required("value").integer("value", in: Int(Int32.min)...Int(Int32.max))
        if value != 0, let reason = securityContextsUnknown {
            throw ModelError("setsockopt SO_PASSSEC: what a receive then gets is not judged: \(reason)")
        }
        return .setPassSecurity(process: call.process, end: try call.value.required("end").text("end"), value: value)
    }

    /// `getsockopt(SO_PEERSEC)`'s trace form, `{"end": S, "option": "SO_PEERSEC"}`: with no module labelling sockets,
    /// the refused option it is (`ENOPROTOOPT`, after `EBADF`); else refused.
    func peerSecurityInput(of call: Call) throws(ModelError) -> Input {
        if let reason = securityContextsUnknown { throw ModelError("getsockopt SO_PEERSEC is not judged: \(reason)") }
        return .refusedOption(
            process: call.process, end: try call.value.required("end").text("end"), set: false, level: Self.socketLevel,
            option: Self.optionNumbers["SO_PEERSEC"]!)
    }

    /// The receipts among `candidates` as `SO_PASSSEC` leaves them, for a control buffer of `bytes` (nil: a
    /// `receive-exactly`, whose loop's receives pass none but whose `filesTruncated` the model does not judge under it):
    /// with none, `MSG_CTRUNC`; with one, unchanged (no module here labels sockets).
    func securityAttached(_ state: State, end: String, bytes: Int?, _ candidates: Transitions) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].passSecurity, bytes ?? 0 == 0 else { return candidates }
        return candidates.flatMap { candidate -> Transitions in
            guard case .received(var received)? = candidate.output, !received.filesTruncated else { return [candidate] }
            received.filesTruncated = true
            return bytes == nil ? [candidate, (.received(received), candidate.step)] : [(.received(received), candidate.step)]
        }
    }

    /// The params' `"lsm"`: the modules as a comma-separated string (the file's own form) or an array of names.
    static func securityModules(_ value: JSONValue?) throws(ModelError) -> [String]? {
        switch value {
        case nil: return nil
        case .string(let text)?:
            return text.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
        case let other?: return try other.elements("lsm").map { (name) throws(ModelError) in try name.text("lsm") }
        }
    }
}
