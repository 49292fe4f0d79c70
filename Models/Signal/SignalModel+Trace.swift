// The signal model's trace form (documented in traces/README.md):
//
//   f         invoke value                                    ok value                                  fail error
//   kill      {"signal": SIG, "pid": 0 | -1 | -G ?}           (none)                                    EINVAL, EPERM, ESRCH
//             (no "pid": the receiver; 0 the sender's own group, -1 every process, -G group G)
//   sigqueue  {"signal": SIG, "value": INT}                   (none)                                    EAGAIN, EINVAL, ESRCH
//   tgkill    {"signal": SIG}                                 (none)                                    EINVAL, ESRCH
//   killpg    {"signal": SIG, "group": G?}: no group, the one  (none)                                    EINVAL, EPERM, ESRCH
//             whose id is the receiver's pid; 0 the sender's own
//   rt_tgsigqueueinfo {"signal": SIG, "code": CODE?, "value": INT?}: to the receiver's main thread  (none)  EAGAIN,
//             EINVAL, EPERM, ESRCH (CODE "SI_QUEUE" (default) | "SI_USER" | "SI_TKILL": a forged one EPERM unless it is the receiver's own)
//   sigaction {"signal": SIG, "action": ACTION?}              {"old": ACTION}                           EINVAL
//             (receiver only; ACTION "default" | "ignore" | "handler"; no "action": only asks; a handler's
//             "flags": ["SA_RESETHAND", "SA_NODEFER", "SA_ONSTACK", "SA_SIGINFO"]?, "mask": "all" (default) | "none" | [SIG, ...]
//             and "sigaltstack": {} | {"flags", "size"}: the handler's own call as it runs, which each delivery records
//             as "sigaltstack": {"flags": [...], "size": N, "set": "ok" | ERRNO?})
//   signal    {"signal": SIG, "action": ACTION} (receiver only: glibc's BSD signal)   {"old": ACTION}     EINVAL
//   sigignore, sighold {"signal": SIG}; siginterrupt {"signal": SIG, "interrupt": BOOL} (receiver only)  (none)  EINVAL
//   sigpause  {"signal": SIG} (receiver only: XPG, the one signal unblocked)  as sigsuspend           EINTR, EINVAL
//             {"mask": [SIG, ...]} (BSD: the mask replaced by these, 1…31; every other signal unblocked)
//   sigrelse  {"signal": SIG} (receiver only; left unblocked)  {"deliveries": [...]}? (what the handlers  EINVAL
//                                                              saw as it unblocked; absent: not judged)
//   sigset    {"signal": SIG, "disposition": ACTION | "hold"} {"old": ACTION | "hold", "delivered":     EINVAL
//             (receiver only; an action: set, then unblocked)  [SIG, ...]?} (the handlers run in it; absent: any)
//   sigprocmask {"how": "unblock" | "block" | "setmask" |     {"deliveries": [{"signal": SIG, …}, …]}  EINVAL
//             "invalid", "signals": [SIG, ...]} (receiver only; unblock: and block again at once; setmask: a mask
//             blocking the set's signals and none other of the receiver's, then the old mask again; what the handler
//             saw; the ok value may add "old": [SIG, ...], the call's signals the old mask blocked; no "signals": a
//             NULL set, only asking — any how, ok, "old" then holding every pending signal; "pthread_sigmask" alike)
//   sigsuspend {"signals": [SIG, ...]} (receiver only)         {"signal": SIG, "code": …, …} (what the   EINTR
//                                                              handler saw; the call itself returns -1 EINTR),
//                                                              or {"deliveries": [...]} when handlers nested
//   sigaltstack {"flags": [FLAG, ...], "size": BYTES} or     {"flags": [FLAG, ...], "size": BYTES}   EINVAL, ENOMEM
//             none: only asking (receiver only; FLAG          (the old stack: SS_DISABLE with size 0,
//             "SS_ONSTACK" | "SS_DISABLE" | "SS_AUTODISARM"   or none; SS_AUTODISARM as it was set)
//             | INT, or'd)
//   pause     (none; receiver only)                           (never: pause does not return 0)          EINTR
//             {"signals": [SIG, ...]}: those unblocked for it  {"deliveries": [...]} (what the handlers  EINTR (none ran)
//                                                              saw; the call itself returns -1 EINTR)
//   wait      {"signals": [SIG, ...], "timeout": MS|"invalid"?}         {"signal": SIG, "code": "SI_USER" |       EAGAIN, EINTR
//                                                              "SI_QUEUE" | "SI_TKILL", "sender": INT?,
//                                                              "value": INT?}
//   sigwait   {"signals": [SIG, ...]} (receiver only)         {"signal": SIG}                           (none: glibc retries EINTR)
//   pending   (none; receiver only: sigpending)               {"signals": [SIG, ...]}
//   signalfd-read {"signals": [SIG, ...], "max": BYTES,       {"deliveries": [{"signal": SIG,           EAGAIN, EINVAL, EINTR
//             "nonblocking": BOOL?} (receiver only)            "code": …, "sender": …, "value": …}, …]}
//             and "flags": INT? (raw, SFD_NONBLOCK 0x800 | SFD_CLOEXEC 0x80000; others EINVAL), "update": [SIG, ...]?
//             (the mask set again by passing the descriptor back before the read)
//   signalfd-poll {"signals": [SIG, ...], "events": [EV, ...]?,  {"revents": ["POLLIN"]} (or [])       EINTR (nothing pending)
//             "timeout": MS} (receiver only; events absent: ["POLLIN"]; MS negative: wait)
//   signalfd-select {"signals": [SIG, ...], "read": BOOL?,    {"readable": BOOL, "writable": BOOL}      EINTR (nothing pending)
//             "write": BOOL?, "timeout": MS} (receiver only)
//             either with "sigmask": [SIG, ...]: ppoll/pselect with that mask for the call (the object's signals it
//             keeps blocked, every other unblocked); ok may then be {"deliveries": [...]}: interrupted (-1 EINTR) after
//             the handlers it unblocked ran
//   epoll_ctl {"op": "EPOLL_CTL_ADD"|"EPOLL_CTL_MOD"|"EPOLL_CTL_DEL"|N, (none)                          EEXIST, ENOENT, EINVAL
//             "signals": [SIG, ...] | "target": "epoll", "events": [EV, ...]} (receiver only: a signalfd made for the
//             set at the first epoll_ctl naming it, kept until a DEL of it succeeds; "epoll": the instance itself)
//   epoll_wait {"maxevents": N, "timeout": MS}               {"events": [{"signals": [SIG, ...],       EINVAL, EINTR
//             (receiver only; epoll_pwait, epoll_pwait2 as     "events": ["EPOLLIN"]}, ...]}, or with
//             the other models'; "sigmask": the object's      "sigmask" {"deliveries": [...]} (EINTR
//             signals kept blocked for the call)              after handlers it unblocked ran)
//   epoll_create {"size": N}, epoll_create1 {"flags": [...]?, "bits": INT?}   {"closeOnExec": BOOL}?   EINVAL
//
// SIG is a name ("SIGUSR2", "SIGRTMIN+1") or a number (to provoke EINVAL). The object is the receiving process's
// pending set: kill and sigqueue by any process target it; only the receiver waits.
// params: {"objects": {"sig2": {"receiver": 2, "queueLimit": 8, "actions": {"SIGUSR2": "default"}}}}
// ("actions": the receiver's actions known at the start; any other signal's first old action may be anything;
// "processGroup": "own" (the receiver leads a group of its own, as the harness's does) or "other" (it does not lead
// its group) or {"id": G, "members": [P, ...]?} (its group's id and every member): what killpg, kill of 0 or -G and
// PIDFD_SIGNAL_PROCESS_GROUP reach — absent, any; "credentials": {"P": {"uid", "euid"?, "suid"?, "capKill"?,
// "session"?}}: who may signal whom, EPERM otherwise — a process not described, either)
extension SignalModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        var receivers: [(name: String, setup: Setup)] = []
        for (name, setup) in try parameters.objectSetups(model: "signal") {
            let (processGroup, group) = try Self.processGroup(setup.optional("processGroup"))
            receivers.append((name, Setup(
                receiver: try setup.required("receiver").integer("receiver", in: 1...10_000),
                queueLimit: try setup.optional("queueLimit")?.integer("queueLimit", in: 0...1 << 30),
                actions: try Self.actions(setup.optional("actions")),
                processGroup: processGroup, group: group, credentials: try Self.credentials(setup.optional("credentials")))))
        }
        self.init(receivers: receivers)
    }

    public var parameters: JSONValue {
        var objects = JSONObject()
        for (name, setup) in setups {
            var object: JSONObject = ["receiver": .int(setup.receiver)]
            if let limit = setup.queueLimit { object["queueLimit"] = .int(limit) }
            if let group = setup.processGroup { object["processGroup"] = .string(group.rawValue) }
            if let group = setup.group {
                var membership: JSONObject = ["id": .int(group.id)]
                if let members = group.members { membership["members"] = .array(members.map { .int($0) }) }
                object["processGroup"] = .object(membership)
            }
            if !setup.credentials.isEmpty { object["credentials"] = Self.json(setup.credentials) }
            if !setup.actions.isEmpty {
                var actions = JSONObject()
                for (signal, action) in setup.actions.sorted(by: { $0.key < $1.key }) { actions[Self.name(of: signal)] = .string(action.rawValue) }
                object["actions"] = .object(actions)
            }
            objects[name] = .object(object)
        }
        return ["objects": .object(objects)]
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        // A thread of the receiver named (see `SignalModel+Threads.swift`).
        if let input = try threadInput(from: call, parse: { (call) throws(ModelError) in try self.input(from: call) }) { return input }
        switch call.f {
        case "kill", "sigqueue", "tgkill", "tkill", "killpg", "raise", "pthread_kill":
            if call.f == "raise" || call.f == "pthread_kill" { try requireReceiver(call, doing: "\(call.f)s to itself") }
            let signal = try Self.signal(try call.value.required("signal"), field: "signal")
            if call.f == "raise" && (signal == 32 || signal == 33) {
                throw ModelError("raise of \(signal): glibc's own cancellation and setxid signal, which its handler takes; not modelled")
            }
            if Self.unblockable.contains(signal) {
                throw ModelError("\(call.f) of \(Self.name(of: signal)): it cannot be blocked, so it kills or stops the receiver rather than wait for sigtimedwait; the signal model does not have it (a harness kill is a \"kill\" event)")
            }
            let method = Method(rawValue: call.f)!
            if let target = try Self.sendTarget(call) {
                return .targetedSend(process: call.process, signal: signal, call: method, target: target)
            }
            let value = method == .sigqueue ? try call.value.required("value").integer("value", in: Int(Int32.min)...Int(Int32.max)) : 0
            return .send(process: call.process, signal: signal, method: method, value: Int32(value))
        case "pidfd_send_signal", "rt_tgsigqueueinfo":
            let signal = try Self.signal(try call.value.required("signal"), field: "signal")
            if Self.unblockable.contains(signal) {
                throw ModelError("\(call.f) of \(Self.name(of: signal)): it cannot be blocked, so it kills or stops the receiver rather than wait for sigtimedwait; the signal model does not have it")
            }
            let send = call.f == "rt_tgsigqueueinfo" ? try Self.threadQueue(from: call.value, signal: signal) : try Self.pidfdSend(from: call.value)
            if send.descriptor.isSelf { try requireReceiver(call, doing: "sends itself, through PIDFD_SELF_*,") }
            return .pidfdSend(process: call.process, signal: signal, send: send)
        case "pidfd_open":
            let value = call.value == .null ? nil : call.value
            let flags = try value.optional("flags").map { (flags) throws(ModelError) in try Self.namedFlags(flags, field: "flags", names: Self.pidfdOpenFlags) } ?? 0
            return .pidfdOpen(process: call.process, flags: flags)
        case "sigaction":
            try requireReceiver(call, doing: "sets the actions of")
            let signal = try Self.signal(try call.value.required("signal"), field: "signal")
            let action = try call.value.optional("action").map { (value) throws(ModelError) in try Self.action(value, field: "action") }
            return .sigaction(process: call.process, signal: signal, action: action, flags: try Self.handlerFlags(call.value, action: action))
        case "sigprocmask", "pthread_sigmask":
            try requireReceiver(call, doing: "unblocks")
            let how = try call.value.required("how").text("how")
            // `"lasting": true` with `unblock`: not blocked again (see ``MaskChange/lastingUnblock``).
            let lasting = try call.value.optional("lasting")?.boolean("lasting") ?? false
            if lasting && how != "unblock" { throw ModelError("field 'lasting' goes with \"how\": \"unblock\" only") }
            guard let change = lasting ? .lastingUnblock : MaskChange(rawValue: how), change != .lastingUnblock || lasting else {
                throw ModelError("field 'how' must be \"unblock\", \"block\", \"setmask\" or \"invalid\", not \"\(how)\"")
            }
            // No "signals" (or null): a NULL set, only asking for the old mask.
            if case .object(let fields)? = call.value, fields["signals"] == nil || fields["signals"] == .null {
                return .maskQuery(process: call.process, change: change, call: MaskCall(rawValue: call.f)!)
            }
            return .sigprocmask(process: call.process, change: change, signals: try Self.waitSet(call.value), call: MaskCall(rawValue: call.f)!)
        case "sigsuspend":
            try requireReceiver(call, doing: "waits for")
            return .sigsuspend(process: call.process, signals: try Self.waitSet(call.value))
        case "signal", "sigignore", "sighold", "siginterrupt":
            try requireReceiver(call, doing: "sets the actions or the mask of")
            let signal = try Self.signal(try call.value.required("signal"), field: "signal")
            let obsolete: ObsoleteCall
            switch call.f {
            case "signal": obsolete = .signal(try Self.action(try call.value.required("action"), field: "action"))
            case "sigignore": obsolete = .sigignore
            case "sighold": obsolete = .sighold
            default: obsolete = .siginterrupt(try call.value.required("interrupt").boolean("interrupt"))
            }
            return .obsolete(process: call.process, signal: signal, call: obsolete)
        case "sigrelse":
            try requireReceiver(call, doing: "sets the mask of")
            return .obsolete(process: call.process, signal: try Self.signal(try call.value.required("signal"), field: "signal"), call: .sigrelse)
        case "sigset":
            try requireReceiver(call, doing: "sets the actions or the mask of")
            let signal = try Self.signal(try call.value.required("signal"), field: "signal")
            return .obsolete(process: call.process, signal: signal, call: .sigset(try Self.disposition(try call.value.required("disposition"), field: "disposition")))
        case "sigpause" where call.value.flatMap({ if case .object(let fields) = $0 { fields["mask"] } else { nil } }) != nil:
            try requireReceiver(call, doing: "waits for")
            let mask = try call.value.required("mask").elements("mask").map { (value) throws(ModelError) in
                let signal = try Self.signal(value, field: "mask")
                // An old-style mask is an int: one bit for each of the signals 1…31.
                guard (1...31).contains(signal) else { throw ModelError("sigpause: a BSD mask holds signals 1…31, not \(signal)") }
                return signal
            }
            return .sigpauseMask(process: call.process, mask: Set(mask).sorted())
        case "sigpause":
            try requireReceiver(call, doing: "waits for")
            let signal = try Self.signal(try call.value.required("signal"), field: "signal")
            // A signal glibc's sigdelset refuses fails EINVAL before anything; any other is sigsuspend's one signal.
            if Self.refusesSetMember(signal) { return .sigpause(process: call.process, signal: signal) }
            _ = try Self.waitSet(["signals": .array([Self.json(signal)])])
            return .sigpause(process: call.process, signal: signal)
        case "sigaltstack":
            try requireReceiver(call, doing: "sets the alternate stack of")
            guard case .object(let fields)? = call.value, fields["flags"] != nil || fields["size"] != nil else {
                return .sigaltstack(process: call.process, set: nil)
            }
            let size = try call.value.required("size").integer("size", in: 0...(1 << 20))
            return .sigaltstack(process: call.process, set: AltStackSetting(flags: try Self.altStackFlags(call.value.required("flags")), size: size))
        case "pause":
            try requireReceiver(call, doing: "pauses with the blocked signals of")
            // With "signals": those unblocked for the pause (unblock, pause, block again).
            if case .object(let fields)? = call.value, fields["signals"] != nil {
                return .pauseUnblocking(process: call.process, signals: try Self.waitSet(call.value))
            }
            return .pause(process: call.process)
        case "pending":
            try requireReceiver(call, doing: "asks sigpending about")
            return .pending(process: call.process)
        case "alarm", "setitimer", "getitimer", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun",
            "timer_delete", "timer_expire":
            if call.f != "timer_expire" { try requireReceiver(call, doing: "sets the timers of") }
            return .timer(process: call.process, call: try Self.timerCall(call))
        case "signalfd-read":
            try requireReceiver(call, doing: "reads a signalfd for")
            let signals = try Self.waitSet(call.value)
            let max = try call.value.required("max").integer("max", in: 0...(1 << 20))
            let nonblocking = try call.value.optional("nonblocking")?.boolean("nonblocking") ?? false
            // Raw flags, or the mask set again by passing the descriptor back: the descriptor kept for a second call.
            if case .object(let fields)? = call.value, fields["flags"] != nil || fields["update"] != nil {
                let flags = try call.value.optional("flags")?.integer("flags", in: Int(Int32.min)...Int(Int32.max)) ?? (nonblocking ? Self.signalfdNonblocking : 0)
                let update = try call.value.optional("update").map { (value) throws(ModelError) in try Self.waitSet(["signals": value]) }
                return .signalfdReadAgain(process: call.process, signals: signals, flags: flags, update: update, max: max)
            }
            return .signalfdRead(process: call.process, signals: signals, max: max, nonblocking: nonblocking)
        case "signalfd-poll", "signalfd-select":
            try requireReceiver(call, doing: "polls a signalfd for")
            let signals = try Self.waitSet(call.value)
            let timeout = try call.value.required("timeout").integer("timeout", in: Int(Int32.min)...Int(Int32.max))
            let readinessCall: PipeModel.ReadinessCall
            if call.f == "signalfd-select" {
                readinessCall = .select(
                    read: try call.value.optional("read")?.boolean("read") ?? false,
                    write: try call.value.optional("write")?.boolean("write") ?? false, timeout: timeout)
            } else {
                let events = try call.value.optional("events").map { (value) throws(ModelError) in
                    try PipeModel.pollEvents(value, field: "events")
                } ?? .input
                readinessCall = .poll(events: events, timeout: timeout)
            }
            // "sigmask": ppoll's or pselect's mask for the call, the object's signals it keeps blocked.
            if let sigmask = try call.value.optional("sigmask") {
                let kept = try sigmask.elements("sigmask").map { (value) throws(ModelError) in try Self.signal(value, field: "sigmask") }
                return .signalfdReadinessMasked(
                    process: call.process, signals: signals, call: readinessCall, sigmask: kept.filter { !Self.unblockable.contains($0) })
            }
            return .signalfdReadiness(process: call.process, signals: signals, call: readinessCall)
        case "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_create", "epoll_create1":
            try requireReceiver(call, doing: "watches in epoll signalfds for")
            return .epoll(process: call.process, call: try Self.epollCall(of: call))
        case "sigwait":
            try requireReceiver(call, doing: "waits for")
            return .sigwait(process: call.process, signals: try Self.waitSet(call.value))
        case "wait":
            try requireReceiver(call, doing: "waits for")
            let signals = try Self.waitSet(call.value)
            return .wait(process: call.process, signals: signals, timeout: try Timeout.field(of: call.value))
        default:
            throw ModelError("the signal model has no operation '\(call.f)' (it has kill, sigqueue, tgkill, tkill, raise, pthread_kill, killpg, pidfd_send_signal, rt_tgsigqueueinfo, pidfd_open, sigaction, signal, sigignore, sighold, sigrelse, sigset, siginterrupt, sigprocmask, pthread_sigmask, sigsuspend, sigpause, sigaltstack, pause, wait, sigwait, pending, signalfd-read, signalfd-poll, signalfd-select, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2, epoll_create and epoll_create1; pthread_create and pthread_join for its threads)")
        }
    }

    /// `wait` and `pending` are the receiver's own calls: another process's would be about another process.
    private func requireReceiver(_ call: Call, doing what: String) throws(ModelError) {
        if let receiver = setups.first(where: { $0.name == call.object })?.setup.receiver, receiver != call.process {
            throw ModelError("only process \(receiver) \(what) the signals of \(call.object); process \(call.process) cannot")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _):
            return .failed(code)
        case (.ok, .send), (.ok, .pidfdSend), (.ok, .targetedSend):
            return .sent
        case (.ok, .pidfdOpen):
            return .returned
        case (.ok(let value), .wait):
            let delivery = try Self.delivery(from: value)
            return .received(signal: delivery.signal, details: delivery.details)
        case (.ok(let value), .sigwait):
            return .number(try Self.signal(try value.required("signal"), field: "signal"))
        case (.ok(let value), .signalfdRead), (.ok(let value), .signalfdReadAgain):
            return .deliveries(try value.required("deliveries").elements("deliveries").map { (value) throws(ModelError) in
                try Self.delivery(from: value)
            })
        case (.ok(let value), .signalfdReadinessMasked(_, _, let call, _)):
            // Interrupted after handlers its mask unblocked ran (the call returned -1 EINTR): what they saw.
            if case .object(let fields) = value, let deliveries = fields["deliveries"] {
                return .deliveries(try deliveries.elements("deliveries").map { (value) throws(ModelError) in try Self.delivery(from: value) })
            }
            if case .poll = call { return .ready(try PipeModel.pollEvents(try value.required("revents"), field: "revents")) }
            return .selected(readable: try value.required("readable").boolean("readable"), writable: try value.required("writable").boolean("writable"))
        case (.ok(let value), .signalfdReadiness(_, _, .poll)):
            return .ready(try PipeModel.pollEvents(try value.required("revents"), field: "revents"))
        case (.ok(let value), .signalfdReadiness(_, _, .select)):
            return .selected(
                readable: try value.required("readable").boolean("readable"),
                writable: try value.required("writable").boolean("writable"))
        case (.ok(let value), .pending):
            let signals = try value.required("signals").elements("signals").map { (value) throws(ModelError) in
                try Self.signal(value, field: "signals")
            }
            return .pendingSignals(Set(signals).sorted())
        case (.ok(nil), .maskQuery):
            return .deliveries([])
        case (.ok(let value), .sigprocmask), (.ok(let value), .maskQuery):
            let deliveries = try (input.isMaskQuery ? value.optional("deliveries") ?? .array([]) : value.required("deliveries"))
                .elements("deliveries").map { (value) throws(ModelError) in try Self.delivery(from: value) }
            guard case .object(let fields) = value, let old = fields["old"] else { return .deliveries(deliveries) }
            let signals = try old.elements("old").map { (value) throws(ModelError) in try Self.signal(value, field: "old") }
            return .maskChanged(deliveries: deliveries, old: Set(signals).sorted())
        case (.ok(let value), .sigsuspend):
            // Nested handlers (an empty sa_mask) all run before it returns: every one, in the order they ran.
            if case .object(let fields) = value, let deliveries = fields["deliveries"] {
                return .deliveries(try deliveries.elements("deliveries").map { (value) throws(ModelError) in try Self.delivery(from: value) })
            }
            let delivery = try Self.delivery(from: value)
            return .received(signal: delivery.signal, details: delivery.details)
        case (.ok(let value), .sigaction):
            return .previousAction(try Self.action(try value.required("old"), field: "old"))
        case (.ok(let value), .obsolete(_, _, .signal)):
            return .previousAction(try Self.action(try value.required("old"), field: "old"))
        case (.ok(let value), .obsolete(_, _, .sigrelse)):
            guard case .object(let fields)? = value, let deliveries = fields["deliveries"] else { return .returned }
            return .deliveries(try deliveries.elements("deliveries").map { (value) throws(ModelError) in try Self.delivery(from: value) })
        case (.ok(let value), .obsolete(_, _, .sigset)):
            let delivered = try value.optional("delivered").map { (value) throws(ModelError) in
                try value.elements("delivered").map { (value) throws(ModelError) in try Self.signal(value, field: "delivered") }
            }
            return .disposition(old: try Self.disposition(try value.required("old"), field: "old"), delivered: delivered)
        case (.ok, .obsolete):
            return .returned
        case (.ok(let value), .sigpause), (.ok(let value), .sigpauseMask):
            return try output(from: .ok(value), for: .sigsuspend(process: input.process, signals: []))
        case (.ok, .epoll(_, .control)), (.ok, .epoll(_, .misdirected(.control))):
            return .epollControlled
        case (.ok(let value), .epoll(_, .wait)):
            // A masked wait interrupted after handlers its mask unblocked ran (-1 EINTR): what they saw.
            if case .object(let fields) = value, let deliveries = fields["deliveries"] {
                return .deliveries(try deliveries.elements("deliveries").map { (value) throws(ModelError) in try Self.delivery(from: value) })
            }
            return .epollEvents(try Self.epollReports(value))
        case (.ok(let value), .epoll(_, .create)):
            return .epollCreated(closeOnExec: try Epoll.createdCloseOnExec(value))
        case (.ok(let value), .epoll(_, .misdirected(.wait))):
            return .epollEvents(try Self.epollReports(value))
        case (.ok, .signalFault):
            return .returned
        case (.ok(let value), .timer(_, let timerCall)):
            return try Self.timerOutput(value, for: timerCall)
        case (.ok, .exit):
            return .exited
        case (_, .inThread(_, let inner)):
            return try output(from: outcome, for: inner)
        case (.ok, .thread):
            return .returned
        case (.ok, .foreignIDs):
            return .sent
        case (.ok, .foreignTarget(_, .threadQueue)):
            return .sent
        case (.ok, .foreignTarget(_, .pidfdOpen)):
            return .returned
        case (.ok, .pause):
            return .returned
        case (.ok(let value), .sigaltstack):
            let flags = try Self.altStackFlags(try value.required("flags"))
            guard flags & ~(Self.altStackDisable | Self.altStackAutoDisarm) == 0 else {
                throw ModelError("sigaltstack: an old stack's flags are SS_DISABLE and SS_AUTODISARM at most (outside a handler)")
            }
            let size = try value.required("size").integer("size", in: 0...Int(Int32.max))
            return .altStack(AltStack(enabled: flags & Self.altStackDisable == 0, size: size, autoDisarm: flags & Self.altStackAutoDisarm != 0))
        case (.ok(let value), .pauseUnblocking):
            return .deliveries(try value.required("deliveries").elements("deliveries").map { (value) throws(ModelError) in
                try Self.delivery(from: value)
            })
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .send(_, let signal, let method, let value):
            var object: JSONObject = ["signal": Self.json(signal)]
            if method == .sigqueue { object["value"] = .int(Int(value)) }
            return (method.rawValue, .object(object))
        case .pidfdSend(_, let signal, let send):
            return (send.threadQueue ? "rt_tgsigqueueinfo" : "pidfd_send_signal", Self.json(send, signal: signal))
        case .targetedSend(_, let signal, let method, let target):
            var object: JSONObject = ["signal": Self.json(signal)]
            switch (method, target) {
            case (.killpg, .ownGroup): object["group"] = .int(0)
            case (.killpg, .group(let id)): object["group"] = .int(id)
            case (_, .ownGroup): object["pid"] = .int(0)
            case (_, .group(let id)): object["pid"] = .int(-id)
            case (_, .everyone): object["pid"] = .int(-1)
            }
            return (method.rawValue, .object(object))
        case .pidfdOpen(_, let flags):
            return ("pidfd_open", flags == 0 ? nil : .object(["flags": Self.json(flags: flags, names: Self.pidfdOpenFlags)]))
        case .wait(_, let signals, let timeout):
            var object: JSONObject = ["signals": .array(signals.map(Self.json))]
            if let timeout { object["timeout"] = timeout.json }
            return ("wait", .object(object))
        case .sigwait(_, let signals):
            return ("sigwait", ["signals": .array(signals.map(Self.json))])
        case .pending:
            return ("pending", nil)
        case .signalfdRead(_, let signals, let max, let nonblocking):
            var object: JSONObject = ["signals": .array(signals.map(Self.json)), "max": .int(max)]
            if nonblocking { object["nonblocking"] = true }
            return ("signalfd-read", .object(object))
        case .signalfdReadAgain(_, let signals, let flags, let update, let max):
            var object: JSONObject = ["signals": .array(signals.map(Self.json)), "max": .int(max), "flags": .int(flags)]
            if let update { object["update"] = .array(update.map(Self.json)) }
            return ("signalfd-read", .object(object))
        case .signalfdReadiness(_, let signals, .poll(let events, let timeout)):
            return ("signalfd-poll", [
                "signals": .array(signals.map(Self.json)), "events": .array(events.names.map { .string($0) }), "timeout": .int(timeout),
            ])
        case .signalfdReadiness(_, let signals, .select(let read, let write, let timeout)):
            return ("signalfd-select", [
                "signals": .array(signals.map(Self.json)), "read": .bool(read), "write": .bool(write), "timeout": .int(timeout),
            ])
        case .signalfdReadinessMasked(let process, let signals, let readinessCall, let sigmask):
            let (f, value) = self.call(for: .signalfdReadiness(process: process, signals: signals, call: readinessCall))
            guard case .object(var object)? = value else { return (f, value) }
            object["sigmask"] = .array(sigmask.map(Self.json))
            return (f, .object(object))
        case .sigprocmask(_, let change, let signals, let call):
            if change == .lastingUnblock {
                return (call.rawValue, ["how": "unblock", "signals": .array(signals.map(Self.json)), "lasting": true])
            }
            return (call.rawValue, ["how": .string(change.rawValue), "signals": .array(signals.map(Self.json))])
        case .maskQuery(_, let change, let call):
            return (call.rawValue, ["how": .string(change.rawValue)])
        case .sigsuspend(_, let signals):
            return ("sigsuspend", ["signals": .array(signals.map(Self.json))])
        case .sigaction(_, let signal, let action, let flags):
            var object: JSONObject = ["signal": Self.json(signal)]
            if let action { object["action"] = .string(action.rawValue) }
            if action == .handler, !flags.names.isEmpty { object["flags"] = .array(flags.names.map { .string($0) }) }
            if action == .handler, let signals = flags.maskSignals { object["mask"] = .array(signals.map(Self.json)) }
            else if action == .handler, !flags.masksAll { object["mask"] = "none" }
            if action == .handler, let call = flags.altStackCall {
                object["sigaltstack"] = call.setting.map { ["flags": Self.json(altStackFlags: $0.flags), "size": .int($0.size)] } ?? .object([:])
            }
            return ("sigaction", .object(object))
        case .obsolete(_, let signal, let obsolete):
            var object: JSONObject = ["signal": Self.json(signal)]
            if case .signal(let action) = obsolete { object["action"] = .string(action.rawValue) }
            if case .siginterrupt(let interrupt) = obsolete { object["interrupt"] = .bool(interrupt) }
            if case .sigset(let disposition) = obsolete { object["disposition"] = .string(disposition.name) }
            return (obsolete.name, .object(object))
        case .sigpause(_, let signal):
            return ("sigpause", ["signal": Self.json(signal)])
        case .sigpauseMask(_, let mask):
            return ("sigpause", ["mask": .array(mask.map(Self.json))])
        case .sigaltstack(_, let setting):
            guard let setting else { return ("sigaltstack", nil) }
            return ("sigaltstack", ["flags": Self.json(altStackFlags: setting.flags), "size": .int(setting.size)])
        case .pause:
            return ("pause", nil)
        case .pauseUnblocking(_, let signals):
            return ("pause", ["signals": .array(signals.map(Self.json))])
        case .epoll(_, let epollCall):
            return (epollCall.name, Self.epollValue(of: epollCall))
        case .signalFault:
            return ("signal-fault", nil)  // the checker's own input, never in a trace's operations
        case .timer(_, let timerCall):
            return (timerCall.name, Self.timerValue(timerCall))
        case .exit:
            return ("exit", nil)
        case .inThread, .thread, .foreignIDs:
            return threadCall(for: input) ?? ("thread", nil)
        case .foreignTarget(_, let foreign):
            return Self.foreignCall(foreign)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .sent, .exited, .returned:
            return .ok(nil)
        case .received(let signal, let details):
            return .ok(Self.json(Delivery(signal: signal, details: details)))
        case .number(let signal):
            return .ok(["signal": Self.json(signal)])
        case .deliveries(let deliveries):
            return .ok(["deliveries": .array(deliveries.map(Self.json))])
        case .maskChanged(let deliveries, let old):
            return .ok(["deliveries": .array(deliveries.map(Self.json)), "old": .array(old.map(Self.json))])
        case .pendingSignals(let signals):
            return .ok(["signals": .array(signals.map(Self.json))])
        case .ready(let events):
            return .ok(["revents": .array(events.names.map { .string($0) })])
        case .selected(let readable, let writable):
            return .ok(["readable": .bool(readable), "writable": .bool(writable)])
        case .previousAction(let action):
            return .ok(["old": .string(action.rawValue)])
        case .altStack(let stack):
            let flags = (stack.enabled ? 0 : Self.altStackDisable) | (stack.autoDisarm ? Self.altStackAutoDisarm : 0)
            return .ok(["flags": Self.json(altStackFlags: flags), "size": .int(stack.size)])
        case .disposition(let old, let delivered):
            var object: JSONObject = ["old": .string(old.name)]
            if let delivered { object["delivered"] = .array(delivered.map(Self.json)) }
            return .ok(.object(object))
        case .epollControlled:
            return .ok(nil)
        case .epollEvents(let reports):
            return .ok(["events": .array(reports.map { report in
                ["signals": .array(report.target.signals.map(Self.json)), "events": .array(report.events.names.map { .string($0) })]
            })])
        case .epollCreated(let closeOnExec):
            return .ok(closeOnExec.map { ["closeOnExec": .bool($0)] })
        case .timerReport(let report):
            return .ok(Self.json(report))
        case .failed(let code):
            return .fail(code)
        }
    }

    /// A handler's `flags` (`SA_RESETHAND`, `SA_NODEFER`; `SA_SIGINFO` accepted: the recording handler always has it)
    /// and `mask` (`"all"`, the default, or `"none"`): only with the action `"handler"`.
    static func handlerFlags(_ value: JSONValue?, action: Action?) throws(ModelError) -> HandlerFlags {
        let names = try value.optional("flags").map { (value) throws(ModelError) in
            try value.elements("flags").map { (value) throws(ModelError) in try value.text("flags") }
        } ?? []
        let maskValue = try value.optional("mask")
        // The sigaltstack call the handler makes as it runs: {} asks, {"flags", "size"} asks and then sets that stack.
        let callValue = try value.optional("sigaltstack")
        let altStackCall = try callValue.map { (found) throws(ModelError) -> HandlerAltStackCall in
            let call: JSONValue? = found
            guard case .object(let fields)? = call else { throw ModelError("sigaction: 'sigaltstack' must be {} (asking) or {\"flags\": [...], \"size\": BYTES}") }
            guard fields["flags"] != nil || fields["size"] != nil else { return HandlerAltStackCall(setting: nil) }
            return HandlerAltStackCall(setting: AltStackSetting(
                flags: try Self.altStackFlags(call.required("flags")), size: try call.required("size").integer("size", in: 0...(1 << 20))))
        }
        // A list names the signals a partial sa_mask blocks (the kernel drops SIGKILL and SIGSTOP from it).
        var listed: [Int]? = nil
        if case .array(let elements)? = maskValue {
            listed = Set(try elements.map { (value) throws(ModelError) in try Self.signal(value, field: "mask") }).subtracting(unblockable).sorted()
        }
        let mask = listed == nil ? try maskValue.map { (value) throws(ModelError) in try value.text("mask") } : nil
        guard action == .handler || (names.isEmpty && maskValue == nil && callValue == nil) else {
            throw ModelError("sigaction: 'flags', 'mask' and 'sigaltstack' belong to a handler (\"action\": \"handler\")")
        }
        var flags = HandlerFlags.recording
        flags.altStackCall = altStackCall
        for name in names {
            switch name {
            case "SA_RESETHAND": flags.resetHand = true
            case "SA_NODEFER": flags.noDefer = true
            case "SA_ONSTACK": flags.onStack = true
            case "SA_SIGINFO": break
            default:
                throw ModelError("sigaction: flag \"\(name)\" is not modelled (SA_RESETHAND, SA_NODEFER, SA_ONSTACK and SA_SIGINFO are)")
            }
        }
        switch mask {
        case nil, "all"?: break
        case "none"?: flags.masksAll = false
        case let other?: throw ModelError("sigaction: 'mask' must be \"all\", \"none\" or a list of signals, not \"\(other)\"")
        }
        if let listed {
            flags = HandlerFlags(
                resetHand: flags.resetHand, noDefer: flags.noDefer, masksAll: false, maskSignals: listed.isEmpty ? nil : listed, onStack: flags.onStack,
                altStackCall: flags.altStackCall)
        }
        return flags
    }

    /// An action as a trace names it: "default", "ignore" or "handler".
    static func action(_ value: JSONValue, field: String) throws(ModelError) -> Action {
        let text = try value.text(field)
        guard let action = Action(rawValue: text) else {
            throw ModelError("field '\(field)' must be \"default\", \"ignore\" or \"handler\", not \"\(text)\"")
        }
        return action
    }

    /// `ss_flags` as a trace gives them: names and numbers, or'd (a number is the kernel's `int`, so -1 is every bit).
    static func altStackFlags(_ value: JSONValue) throws(ModelError) -> UInt32 {
        var flags: UInt32 = 0
        for element in try value.elements("flags") {
            if case .string(let name) = element {
                guard let bit = ["SS_ONSTACK": altStackOnStack, "SS_DISABLE": altStackDisable, "SS_AUTODISARM": altStackAutoDisarm][name] else {
                    throw ModelError("sigaltstack: unknown flag \"\(name)\" (SS_ONSTACK, SS_DISABLE, SS_AUTODISARM or a number)")
                }
                flags |= bit
            } else {
                flags |= UInt32(truncatingIfNeeded: try element.integer("flags", in: Int(Int32.min)...Int(UInt32.max)))
            }
        }
        return flags
    }

    /// `ss_flags` by name, any other bits as one number.
    static func json(altStackFlags flags: UInt32) -> JSONValue {
        let named: [(String, UInt32)] = [("SS_ONSTACK", altStackOnStack), ("SS_DISABLE", altStackDisable), ("SS_AUTODISARM", altStackAutoDisarm)]
        var elements = named.filter { flags & $0.1 != 0 }.map { JSONValue.string($0.0) }
        let rest = flags & ~named.reduce(0) { $0 | $1.1 }
        if rest != 0 { elements.append(.int(Int(Int32(bitPattern: rest)))) }
        return .array(elements)
    }

    /// A disposition as `sigset` names it: an action's name, or "hold".
    static func disposition(_ value: JSONValue, field: String) throws(ModelError) -> Disposition {
        let text = try value.text(field)
        guard let disposition = Disposition(name: text) else {
            throw ModelError("field '\(field)' must be \"default\", \"ignore\", \"handler\" or \"hold\", not \"\(text)\"")
        }
        return disposition
    }

    /// The `actions` parameter: signal name to action.
    static func actions(_ value: JSONValue?) throws(ModelError) -> [Int: Action] {
        guard let value else { return [:] }
        guard case .object(let entries) = value else { throw ModelError("parameter 'actions' must be an object of signal names to actions") }
        var actions: [Int: Action] = [:]
        for member in entries {
            guard let signal = number(of: member.key) else { throw ModelError("parameter 'actions': unknown signal \"\(member.key)\"") }
            actions[signal] = try Self.action(member.value, field: "actions")
        }
        return actions
    }

    /// A signal fault sent to the receiver is news to its `EPOLLET` registrations (`SignalModel+Epoll`).
    public func signalFaultInput(process: Int, object: String) -> Input? {
        guard let setup = setups.first(where: { $0.name == object })?.setup, setup.receiver == process else { return nil }
        return .signalFault(process: process)
    }

    public func exitInput(process: Int, object: String) -> Input? {
        // The receiver's death, or a member of its group leaving it.
        guard let setup = setups.first(where: { $0.name == object })?.setup,
            setup.receiver == process || setup.group?.members?.contains(process) == true
        else { return nil }
        return .exit(process: process)
    }

    public func exitInput(process: Int, object: String, ending: JSONValue?) -> Input? {
        guard case .exit(let process, _)? = exitInput(process: process, object: object) else { return nil }
        return .exit(process: process, ending: Ending(ending))
    }

    /// A delivery as `wait` and `signalfd-read` record it: `{"signal", "code", "sender"?, "value"?}`; a handler's
    /// record may add `"onStack"` (whether it ran on the alternate signal stack).
    static func delivery(from value: JSONValue?) throws(ModelError) -> Delivery {
        let signal = try Self.signal(try value.required("signal"), field: "signal")
        let text = try value.required("code").text("code")
        guard let code = Code(rawValue: text) else {
            throw ModelError("field 'code' must be \"SI_USER\", \"SI_QUEUE\", \"SI_TKILL\", \"SI_KERNEL\" or \"SI_TIMER\", not \"\(text)\"")
        }
        // A timer's signal: SI_KERNEL has no sender (si_pid 0); SI_TIMER its timer's id and overruns where si_pid and
        // si_uid lie.
        let timer = try value.optional("timer").map { (id) throws(ModelError) in try Self.timerID(id, field: "timer") }
        let overrun = try value.optional("overrun")?.integer("overrun", in: 0...Int(Int32.max))
        let sender = code == .kernel || code == .timer ? nil : try value.optional("sender")?.integer("sender", in: 1...10_000)
        let number = try value.optional("value")?.integer("value", in: Int(Int32.min)...Int(Int32.max)) ?? 0
        let onStack = try value.optional("onStack")?.boolean("onStack")
        var altStackCall: HandlerAltStackRecord?
        if let found = try value.optional("sigaltstack") {
            let record: JSONValue? = found
            let set: HandlerAltStackRecord.SetResult? = try record.optional("set").map { (result) throws(ModelError) in
                let text = try result.text("set")
                return text == "ok" ? .taken : .failed(ErrorCode(text))
            }
            altStackCall = HandlerAltStackRecord(
                flags: try Self.altStackFlags(try record.required("flags")), size: try record.required("size").integer("size", in: 0...(1 << 20)), set: set)
        }
        return Delivery(signal: signal, details: Details(
            code: code, sender: sender, value: Int32(number), onStack: onStack, altStackCall: altStackCall, timer: timer, overrun: overrun))
    }

    static func json(_ delivery: Delivery) -> JSONValue {
        var object: JSONObject = ["signal": json(delivery.signal), "code": .string(delivery.details.code.rawValue)]
        if let sender = delivery.details.sender { object["sender"] = .int(sender) }
        if delivery.details.carriesValue { object["value"] = .int(Int(delivery.details.value)) }
        if let timer = delivery.details.timer { object["timer"] = Int(timer).map { .int($0) } ?? .string(timer) }
        if let overrun = delivery.details.overrun { object["overrun"] = .int(overrun) }
        // Written when true only, as the workers write it: false and absent read alike (not on the alternate stack as
        // far as the record says; a trace may still say false, which the model then judges).
        if delivery.details.onStack == true { object["onStack"] = true }
        if let call = delivery.details.altStackCall {
            var record: JSONObject = ["flags": Self.json(altStackFlags: call.flags), "size": .int(call.size)]
            switch call.set {
            case nil: break
            case .taken?: record["set"] = "ok"
            case .failed(let code)?: record["set"] = .string(code.rawValue)
            }
            object["sigaltstack"] = .object(record)
        }
        return .object(object)
    }

    static func json(_ signal: Int) -> JSONValue {
        let name = name(of: signal)
        return Int(name) == nil ? .string(name) : .int(signal)
    }

    /// SIGKILL and SIGSTOP, which no process can block, catch or wait for.
    public static let unblockable: Set<Int> = [9, 19]

    /// The `signals` a wait or a signalfd names, less SIGKILL and SIGSTOP, which the kernel silently drops from it.
    static func waitSet(_ value: JSONValue?) throws(ModelError) -> [Int] {
        try value.required("signals").elements("signals").map { (value) throws(ModelError) in
            try Self.signal(value, field: "signals")
        }.filter { !unblockable.contains($0) }
    }

    static func signal(_ value: JSONValue, field: String) throws(ModelError) -> Int {
        switch value {
        case .string(let name):
            guard let number = number(of: name) else { throw ModelError("field '\(field)': unknown signal \"\(name)\"") }
            return number
        case .integer:
            return try value.integer(field, in: Int(Int32.min)...Int(Int32.max))
        default:
            throw ModelError("field '\(field)' must be a signal name or number, not \(value.typeName)")
        }
    }
}

extension SignalModel.Input {
    public var process: Int {
        switch self {
        case .send(let process, _, _, _), .targetedSend(let process, _, _, _), .pidfdSend(let process, _, _), .pidfdOpen(let process, _), .wait(let process, _, _), .sigwait(let process, _), .pending(let process), .signalfdRead(let process, _, _, _), .signalfdReadAgain(let process, _, _, _, _),
            .signalfdReadiness(let process, _, _), .signalfdReadinessMasked(let process, _, _, _), .sigaction(let process, _, _, _), .sigprocmask(let process, _, _, _), .maskQuery(let process, _, _),
            .sigsuspend(let process, _), .obsolete(let process, _, _), .sigpause(let process, _), .sigpauseMask(let process, _),
            .pause(let process), .pauseUnblocking(let process, _), .sigaltstack(let process, _), .epoll(let process, _), .signalFault(let process), .timer(let process, _), .exit(let process, _),
            .thread(let process, _, _), .foreignIDs(let process, _, _, _), .foreignTarget(let process, _): process
        case .inThread(_, let call): call.process
        }
    }
}

extension SignalModel.Input {
    /// A `sigprocmask` without a set.
    var isMaskQuery: Bool {
        if case .maskQuery = self { return true }
        return false
    }
}

// The epoll calls' trace form: the shared parts (`op`, `events`, `maxevents`, `timeout`, creation) are
// Models/Support/EpollTrace.swift's; a registration and a report name their signalfd by its set, `"signals"`.
extension SignalModel {
    static func epollCall(of call: Call) throws(ModelError) -> EpollCall {
        // `"epfd"`: what is passed as the instance — `"epoll"` (absent) or `"regular-file"` (a signalfd as the
        // instance is not in this form: a registration's signalfd is named by its set).
        let epfd: Epoll.Descriptor<SignalSet>
        switch try call.value.optional("epfd")?.text("epfd") ?? "epoll" {
        case "epoll": epfd = .instance
        case Epoll.Descriptor<SignalSet>.regularFileName: epfd = .regularFile
        case let other: throw ModelError("field 'epfd' must be \"epoll\" or \"regular-file\", not \"\(other)\"")
        }
        guard call.f == "epoll_ctl" else {
            return try Epoll.call(of: call, field: "signals") { (_) throws(ModelError) in SignalSet([]) }
        }
        let operation = try Epoll.operation(call.value)
        let target: Epoll.Descriptor<SignalSet>
        switch try call.value.optional("target")?.text("target") {
        case "epoll"?: target = .instance
        case Epoll.Descriptor<SignalSet>.regularFileName?: target = .regularFile
        case let other?: throw ModelError("field 'target' must be \"epoll\" (the instance itself) or \"regular-file\", not \"\(other)\"; a signalfd is named by 'signals'")
        case nil: target = .target(SignalSet(try Self.waitSet(call.value)))
        }
        let events = try Epoll.controlEvents(call.value, operation: operation, onInstance: target == .instance)
        switch (epfd, target) {
        case (.instance, .instance): return .control(operation: operation, target: nil, events: events)
        case (.instance, .target(let set)): return .control(operation: operation, target: set, events: events)
        default: return .misdirected(.control(epfd: epfd, operation: operation, target: target, events: events))
        }
    }

    /// A recorded wait's reports: each names its signalfd's set.
    static func epollReports(_ value: JSONValue?) throws(ModelError) -> [EpollReport] {
        try value.required("events").elements("events").map { (element) throws(ModelError) -> EpollReport in
            let entry: JSONValue? = element
            return Epoll.Report(target: SignalSet(try Self.waitSet(entry)), events: try Epoll.reportedEvents(entry))
        }.sorted()
    }

    static func epollValue(of call: EpollCall) -> JSONValue {
        if case .misdirected(let misdirected) = call {
            var value = Epoll.value(ofMisdirected: misdirected, field: "target") { _ in "" }
            if case .control(_, _, .target(let set), _) = misdirected {
                value["target"] = nil
                value["signals"] = .array(set.signals.map(Self.json))
            }
            return .object(value)
        }
        guard case .control(let operation, let target, let events) = call else { return .object(Epoll.value(ofWaitOrCreation: call)!) }
        var value = Epoll.controlValue(operation, events: events)
        if let target { value["signals"] = .array(target.signals.map(Self.json)) } else { value["target"] = "epoll" }
        return .object(value)
    }
}

extension SignalModel {
    /// The target a `kill` (`"pid"`: 0, -1 or -G) or `killpg` (`"group"`: G, 0 the sender's own) names; nil when it
    /// names none (the receiver, or for `killpg` the group whose id is the receiver's pid).
    static func sendTarget(_ call: Call) throws(ModelError) -> SendTarget? {
        switch call.f {
        case "kill":
            guard let pid = try call.value.optional("pid")?.integer("pid", in: Int(Int32.min) + 1...0) else { return nil }
            return pid == 0 ? .ownGroup : pid == -1 ? .everyone : .group(-pid)
        case "killpg":
            guard let group = try call.value.optional("group")?.integer("group", in: Int(Int32.min)...Int(Int32.max)) else { return nil }
            return group == 0 ? .ownGroup : .group(group)
        default:
            let pid = try call.value.optional("pid"), group = try call.value.optional("group")
            if pid != nil || group != nil {
                throw ModelError("\(call.f): only kill takes a \"pid\" and only killpg a \"group\" (the receiver is the object's)")
            }
            return nil
        }
    }
}
