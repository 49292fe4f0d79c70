/// `pidfd_open` and `pidfd_send_signal` of the receiver, as measured on this kernel (`PidfdSignalFactsTests`, C probes;
/// LTP `pidfd_open01`–`04`, `pidfd_send_signal01`–`03`): a send through a pidfd is `kill`, `tgkill`, `killpg` or
/// `rt_sigqueueinfo` chosen by the call's flags and the pidfd, after checks of its own, in this order:
///
/// 1. `flags` with a bit other than `PIDFD_SIGNAL_THREAD`, `PIDFD_SIGNAL_THREAD_GROUP`, `PIDFD_SIGNAL_PROCESS_GROUP`,
///    or more than one of them: `EINVAL` (before the descriptor is looked at: a bad one too);
/// 2. a descriptor that is not a pidfd (a regular file): `EBADF`;
/// 3. with a `siginfo`: its `si_signo` other than the call's signal `EINVAL`; an `si_code` of 0 or more (`SI_USER`)
///    or `SI_TKILL` `EPERM` unless the process signals itself — and even then for its process group — (the
///    kernel lets a process forge only a queued signal's details for another); both before the receiver is looked up;
/// 4. the receiver gone (reaped): `ESRCH`, a bad signal number too (a zombie still takes it, as `kill`'s does);
/// 5. then `kill`'s: `EINVAL` outside 0–64, 0 checks only.
///
/// What is sent: without `siginfo`, `SI_USER` with the sender (as `kill`) for the process or its group, `SI_TKILL` for
/// the thread (`PIDFD_SIGNAL_THREAD`, or no flag on a pidfd opened with `PIDFD_THREAD`), which makes it pending for
/// the receiver's thread, as `tgkill` (glibc's `sigtimedwait` reports `SI_USER`: see `Details`); with `siginfo`,
/// its code and value (a queued real-time one past `RLIMIT_SIGPENDING` fails `EAGAIN`, as `sigqueue`'s).
/// The process-group scope is `kill_pgrp_info` of the group whose id is the receiver's pid: it reaches the receiver
/// when the receiver leads a group of its own (the harness's set-up), and fails `ESRCH` when it does not (measured:
/// `ProcessGroupSignalFactsTests`); see `SignalModel+ProcessGroup.swift`.
///
/// `PIDFD_SELF_THREAD` and `PIDFD_SELF_THREAD_GROUP` (Linux 6.15) pass no descriptor: the caller signals itself, its
/// thread (`PIDTYPE_PID`: `SI_TKILL`, as a `PIDFD_THREAD` pidfd) or its process, with the same flags and checks
/// (measured with C probes and `KernelSignalFactsTests+Pidfd`: a forged `SI_USER` allowed to itself, `EPERM` to its
/// group; `-10002` is no sentinel: `EBADF`). Only the receiver may use them here: another process would signal
/// itself, which the model does not follow.
extension SignalModel {
    /// One `pidfd_send_signal`: which pidfd, the raw flags, the `siginfo` passed (nil: `NULL`).
    public struct PidfdSend: Hashable, Sendable {
        /// What the descriptor passed is.
        public enum Descriptor: String, Hashable, Sendable {
            /// `pidfd_open(receiver, 0)`: the process.
            case process
            /// `pidfd_open(receiver, PIDFD_THREAD)`: its (main) thread.
            case thread
            /// Not a pidfd (the worker passes `/dev/null`).
            case notPidfd = "not-pidfd"
            /// `PIDFD_SELF_THREAD` (-10000, Linux 6.15): the calling thread, with no descriptor; the receiver's only.
            case selfThread = "self-thread"
            /// `PIDFD_SELF_THREAD_GROUP` (-10001): the calling process; the receiver's only.
            case selfProcess = "self-process"

            /// A sentinel naming the caller itself rather than a descriptor of the receiver.
            var isSelf: Bool { self == .selfThread || self == .selfProcess }
        }

        /// The `siginfo` a caller fills (`si_pid` and `si_uid` its own, as `sigqueue` does).
        public struct Info: Hashable, Sendable {
            public var signal: Int
            public var code: Code
            public var value: Int32

            public init(signal: Int, code: Code, value: Int32) {
                self.signal = signal
                self.code = code
                self.value = value
            }
        }

        public var descriptor: Descriptor
        public var flags: Int
        public var info: Info?
        /// Made by `rt_tgsigqueueinfo` of the receiver's main thread rather than `pidfd_send_signal`: the same send as
        /// a `PIDFD_THREAD` pidfd's with that `siginfo` (see ``threadQueue(signal:code:value:)``).
        public var threadQueue = false

        public init(descriptor: Descriptor = .process, flags: Int = 0, info: Info? = nil) {
            self.descriptor = descriptor
            self.flags = flags
            self.info = info
        }

        /// `rt_tgsigqueueinfo(receiver, receiver, signal, info)`, as measured (`ThreadQueueSignalFactsTests`, a C probe;
        /// LTP `rt_tgsigqueueinfo01`): the kernel sets the `siginfo`'s number to the call's (no `EINVAL` for another),
        /// refuses a forged code (`SI_USER`, `SI_TKILL`) with `EPERM` unless the caller is that thread — before it looks
        /// the thread up — then `ESRCH` once it is gone, `EINVAL` for a bad number, and queues the signal for that
        /// thread alone (taken before process-wide ones) with the code and value; `EAGAIN` past the limit as `sigqueue`.
        /// A `PIDFD_THREAD` pidfd's send with the same `siginfo` does exactly this.
        public static func threadQueue(signal: Int, code: Code, value: Int32) -> PidfdSend {
            var send = PidfdSend(descriptor: .thread, info: Info(signal: signal, code: code, value: value))
            send.threadQueue = true
            return send
        }

        public static let signalThread = 1, signalThreadGroup = 2, signalProcessGroup = 4
        static let flagNames = [("PIDFD_SIGNAL_THREAD", signalThread), ("PIDFD_SIGNAL_THREAD_GROUP", signalThreadGroup), ("PIDFD_SIGNAL_PROCESS_GROUP", signalProcessGroup)]

        /// Whether the kernel takes the flags: known bits, at most one scope.
        var flagsValid: Bool {
            let known = Self.signalThread | Self.signalThreadGroup | Self.signalProcessGroup
            return flags & ~known == 0 && flags.nonzeroBitCount <= 1
        }

        /// The kernel's `pid_type` for the send: the flag's, or the pidfd's own without one.
        var scope: Scope {
            switch flags {
            case Self.signalThread: .thread
            case Self.signalThreadGroup: .process
            case Self.signalProcessGroup: .processGroup
            default: descriptor == .thread || descriptor == .selfThread ? .thread : .process
            }
        }

        enum Scope { case thread, process, processGroup }
    }

    /// `pidfd_open` flags: `PIDFD_NONBLOCK` (`O_NONBLOCK`) and `PIDFD_THREAD` (`O_EXCL`).
    static let pidfdOpenFlags = [("PIDFD_NONBLOCK", 0o4000), ("PIDFD_THREAD", 0o200)]

    /// The checks `pidfd_send_signal` makes before it looks the receiver up (steps 1 to 3 above): the error, or nil.
    func pidfdRefusal(_ state: State, process: Int, signal: Int, send: PidfdSend) -> ErrorCode? {
        guard send.flagsValid else { return .EINVAL }
        guard send.descriptor != .notPidfd else { return .EBADF }
        if let info = send.info {
            guard info.signal == signal else { return .EINVAL }
            let forged = info.code == .user || info.code == .tkill
            if forged && (process != state.receiver || send.scope == .processGroup) { return .EPERM }
        }
        return nil
    }

    /// The send as it is when the receiver leads a process group of its own (see `SignalModel+ProcessGroup.swift` for
    /// the process-group scope otherwise).
    func pidfdSendOutcome(_ state: State, process: Int, signal: Int, send: PidfdSend) -> (output: Output, next: State) {
        if let refusal = pidfdRefusal(state, process: process, signal: signal, send: send) { return (.failed(refusal), state) }
        guard state.alive else { return (.failed(.ESRCH), state) }
        guard (0...Self.last).contains(signal) else { return (.failed(.EINVAL), state) }
        let code = send.info?.code ?? (send.scope == .thread ? .tkill : .user)
        let details = Details(code: code, sender: process, value: send.info?.value ?? 0)
        return sendOutcome(state, signal: signal, details: details, toThread: send.scope == .thread)
    }

    func pidfdOpenOutcome(_ state: State, flags: Int) -> (output: Output, next: State) {
        let known = Self.pidfdOpenFlags.reduce(0) { $0 | $1.1 }
        guard flags & ~known == 0 else { return (.failed(.EINVAL), state) }
        return state.alive ? (.returned, state) : (.failed(.ESRCH), state)
    }

    // MARK: - Trace form

    /// `rt_tgsigqueueinfo`'s `{"signal", "code"?, "value"?}` (code `SI_QUEUE` and value 0 when absent).
    static func threadQueue(from value: JSONValue?, signal: Int) throws(ModelError) -> PidfdSend {
        let codeName = try value.optional("code").map { (code) throws(ModelError) in try code.text("code") } ?? Code.queue.rawValue
        guard let code = Code(rawValue: codeName), [.queue, .user, .tkill].contains(code) else {
            throw ModelError("rt_tgsigqueueinfo: code \"\(codeName)\" is not one of SI_QUEUE, SI_USER, SI_TKILL (other codes are not modelled)")
        }
        let number = try value.optional("value").map { (value) throws(ModelError) in try value.integer("value", in: Int(Int32.min)...Int(Int32.max)) } ?? 0
        return .threadQueue(signal: signal, code: code, value: Int32(number))
    }

    static func pidfdSend(from value: JSONValue?) throws(ModelError) -> PidfdSend {
        var send = PidfdSend()
        if let descriptor = try value.optional("pidfd") {
            let name = try descriptor.text("pidfd")
            guard let kind = PidfdSend.Descriptor(rawValue: name) else {
                throw ModelError("pidfd_send_signal: pidfd \"\(name)\" is not one of process, thread, not-pidfd, self-thread, self-process")
            }
            send.descriptor = kind
        }
        if let flags = try value.optional("flags") { send.flags = try Self.namedFlags(flags, field: "flags", names: PidfdSend.flagNames) }
        if let info = try value.optional("info") {
            let fields: JSONValue? = info
            let infoSignal = try fields.optional("signal")
            let signal = try Self.signal(infoSignal == nil ? try value.required("signal") : infoSignal!, field: "info.signal")
            let codeName = try fields.optional("code").map { (code) throws(ModelError) in try code.text("info.code") } ?? Code.queue.rawValue
            guard let code = Code(rawValue: codeName), [.queue, .user, .tkill].contains(code) else {
                throw ModelError("pidfd_send_signal: info.code \"\(codeName)\" is not one of SI_QUEUE, SI_USER, SI_TKILL (other codes are not modelled)")
            }
            let number = try fields.optional("value").map { (value) throws(ModelError) in try value.integer("info.value", in: Int(Int32.min)...Int(Int32.max)) } ?? 0
            send.info = PidfdSend.Info(signal: signal, code: code, value: Int32(number))
        }
        return send
    }

    /// A `"flags"` field: a list of names from `names`, or one number (any bits: an unknown one provokes `EINVAL`).
    static func namedFlags(_ value: JSONValue, field: String, names: [(String, Int)]) throws(ModelError) -> Int {
        if case .integer = value { return try value.integer(field, in: 0...Int(UInt32.max)) }
        var flags = 0
        for element in try value.elements(field) {
            if case .integer = element { flags |= try element.integer(field, in: 0...Int(UInt32.max)); continue }
            let name = try element.text(field)
            guard let bit = names.first(where: { $0.0 == name })?.1 else {
                throw ModelError("\(field): unknown flag \"\(name)\" (known: \(names.map(\.0).joined(separator: ", ")))")
            }
            flags |= bit
        }
        return flags
    }

    static func json(flags: Int, names: [(String, Int)]) -> JSONValue {
        var rest = flags
        var result: [JSONValue] = []
        for (name, bit) in names where rest & bit != 0 {
            result.append(.string(name))
            rest &= ~bit
        }
        if rest != 0 { result.append(.int(rest)) }
        return .array(result)
    }

    static func json(_ send: PidfdSend, signal: Int) -> JSONValue {
        if send.threadQueue, let info = send.info {
            return ["signal": json(signal), "code": .string(info.code.rawValue), "value": .int(Int(info.value))]
        }
        var object: JSONObject = ["signal": json(signal)]
        if send.descriptor != .process { object["pidfd"] = .string(send.descriptor.rawValue) }
        if send.flags != 0 { object["flags"] = json(flags: send.flags, names: PidfdSend.flagNames) }
        if let info = send.info {
            var fields: JSONObject = ["code": .string(info.code.rawValue), "value": .int(Int(info.value))]
            if info.signal != signal { fields["signal"] = json(info.signal) }
            object["info"] = .object(fields)
        }
        return .object(object)
    }

    static func describe(_ send: PidfdSend, signal: Int) -> String {
        if send.threadQueue, let info = send.info { return "rt_tgsigqueueinfo \(name(of: signal)) \(info.code.rawValue) \(info.value)" }
        var text = "pidfd_send_signal \(name(of: signal))"
        if send.descriptor != .process { text += " on \(send.descriptor.rawValue)" }
        if send.flags != 0 { text += " flags \(send.flags)" }
        if let info = send.info { text += " info {\(name(of: info.signal)), \(info.code.rawValue), \(info.value)}" }
        return text
    }
}
