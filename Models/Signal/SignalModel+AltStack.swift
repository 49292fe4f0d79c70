// The receiver's alternate signal stack (`sigaltstack`), its thread's. Measured on this machine
// (`AltStackFactsTests`, a C probe; LTP `sigaltstack01`/`02` as the checklist):
// - a thread starts with none: `SS_DISABLE`, size 0 (the model does not assume it: the worker's first report is
//   learned);
// - the mode (`ss_flags` less `SS_AUTODISARM`) must be 0, `SS_ONSTACK` or `SS_DISABLE`, else `EINVAL`, checked
//   before the size; a stack under 2048 bytes (the kernel's `MINSIGSTKSZ`, not glibc's 13504) fails `ENOMEM`;
//   `SS_DISABLE` takes any size and leaves none;
// - the old one is reported with flags 0 (also when set with `SS_ONSTACK`) or `SS_DISABLE` and size 0, and
//   `SS_AUTODISARM` as it was set, in both.
// Where a handler runs (`SignalStackFactsTests`, a C probe; LTP `sigaltstack01`): an `SA_ONSTACK` handler runs on the
// alternate stack when one is set (`SS_AUTODISARM` too), any handler whose frame is pushed while another runs on it
// runs there as well (the kernel pushes on the current stack), and every other runs on the thread's own stack. A
// frame must fit: on a stack too small for it the kernel kills the receiver with `SIGSEGV` instead (measured,
// `AltStackFactsTests.aFrameThatDoesNotFitKillsTheReceiver`: 2048 bytes kill, `AT_MINSIGSTKSZ` — 3376 here — never
// does, and the smallest stack that holds the frame, about 2950 bytes here, moves with where the stack's top lies),
// so a handler that ran after entering the stack ran on it: a killed receiver has no outcome (the call is
// indeterminate), and a handler recorded off the stack is refused, whatever the stack's size.
//
// Every frame's push saves the stack as it is, and its `sigreturn` sets it back (`restore_altstack`; an `EPERM` there
// — the frame below lies on the stack now set — is ignored by the kernel); with `SS_AUTODISARM` the push of *any*
// handler's frame (a plain one too) disables the stack (`signal_delivered`'s `sas_ss_reset`: `SS_DISABLE`, size 0,
// the flag gone), so an `SA_ONSTACK` frame pushed above a plain one then runs on the thread's stack. Measured
// (`AltStackFactsTests`, a C probe): a handler asking `sigaltstack` (`"sigaltstack"` in `sigaction`'s value, the
// delivery's record `"sigaltstack"`) sees `SS_ONSTACK` while it runs on the stack — a plain handler nested above an
// `SA_ONSTACK` one too — and a change there fails `EPERM` (before `EINVAL`); off it, or with `SS_AUTODISARM`
// (`SS_DISABLE`, size 0), a change is taken, and undone when the handler returns.
extension SignalModel {
    /// `delivery` as its handler (of `flags`) records it, pushed on top of `below` (the frame of a handler running
    /// now, if any): on the alternate stack when `below` ran there, or with `SA_ONSTACK` and a stack set (a frame
    /// that does not fit kills the receiver: a handler that ran, ran there); nil (not judged) when the stack is not
    /// known.
    static func placing(_ delivery: Delivery, flags: HandlerFlags, below: Delivery?, in state: State) -> Delivery {
        var placed = delivery
        placed.details.onStack = onStack(flags: flags, below: below == nil ? false : below?.details.onStack, stack: state.altStack)
        return placed
    }

    static func onStack(flags: HandlerFlags, below: Bool?, stack: AltStack?) -> Bool? {
        guard let below else { return nil }
        if below { return true }
        guard flags.onStack else { return false }
        guard let stack else { return nil }
        return stack.enabled
    }

    /// The stack once the kernel has pushed a handler's frame: `SS_AUTODISARM` disables it for any handler.
    static func disarmed(_ stack: AltStack?) -> AltStack? {
        guard let stack, stack.autoDisarm else { return stack }
        return AltStack(enabled: false, size: 0, autoDisarm: false)
    }

    /// The handler of `frame` running (on top, `below` the frame under it) and returning, with the stack `current`
    /// as it runs: what its `sigaltstack` call gives (nil: it makes none, or the model cannot say), and the stack after
    /// its `sigreturn` — the one its frame saved, unless the kernel may refuse the restore (the frame below on the area
    /// and the stack now set enabled without `SS_AUTODISARM`: then not known).
    static func returning(_ frame: HandlerFrame, below: HandlerFrame?, current: AltStack?) -> (record: HandlerAltStackRecord?, after: AltStack?) {
        var stack = current
        var record: HandlerAltStackRecord?
        if let call = frame.call {
            // On the stack in the kernel's sense (`on_sig_stack`): never with SS_AUTODISARM or none set.
            let onSigStack: Bool? = current.map { $0.enabled && !$0.autoDisarm ? frame.delivery.details.onStack : false } ?? nil
            if let current, let onSigStack {
                let flags = (current.enabled ? (onSigStack ? altStackOnStack : 0) : altStackDisable) | (current.autoDisarm ? altStackAutoDisarm : 0)
                var set: HandlerAltStackRecord.SetResult?
                if let setting = call.setting {
                    if onSigStack {
                        set = .failed(.EPERM)
                    } else {
                        let (output, next) = altStackOutcome(current, setting: setting)
                        if case .failed(let code) = output { set = .failed(code) } else { set = .taken }
                        stack = next
                    }
                }
                record = HandlerAltStackRecord(flags: flags, size: current.size, set: set)
            } else if call.setting != nil {
                stack = nil
            }
        }
        guard let saved = frame.saved else { return (record, nil) }
        if stack == saved { return (record, saved) }
        // The restore runs with the stack pointer of the frame below (none: the receiver's call, on its own stack).
        let belowOnArea = below.map { $0.delivery.details.onStack } ?? false
        let mayRefuse = stack.map { $0.enabled && !$0.autoDisarm && belowOnArea != false } ?? (belowOnArea != false)
        return (record, mayRefuse ? nil : saved)
    }

    /// A receiver killed by `SIGSEGV` in a call that runs its handlers: the kernel's answer to a signal frame that does
    /// not fit the alternate stack (measured: 2048 bytes), which no handler of a correct receiver can avoid but by
    /// a larger stack — the call is indeterminate, and the model allows the death there. Anywhere else a `SIGSEGV`
    /// stays a crash of the code under test.
    /// Only after the receiver installed an `SA_ONSTACK` handler and set (itself, or from a handler) an enabled
    /// alternate stack under ``smallAltStack`` bytes: otherwise a `SIGSEGV` is a crash, as everywhere else.
    public func mayKillItsCaller(_ input: Input, with signal: String, after earlier: [Input]) -> Bool {
        guard mayKillItsCaller(input, with: signal) else { return false }
        func small(_ setting: AltStackSetting?) -> Bool {
            guard let setting else { return false }
            return setting.flags & Self.altStackDisable == 0 && setting.size < Self.smallAltStack
        }
        let onStackHandler = earlier.contains { if case .sigaction(_, _, .handler?, let flags) = $0 { flags.onStack } else { false } }
        let smallStack = earlier.contains { input in
            switch input {
            case .sigaltstack(_, let setting): small(setting)
            case .sigaction(_, _, _, let flags): small(flags.altStackCall?.setting)
            default: false
            }
        }
        return onStackHandler && smallStack
    }

    /// A stack below which a machine's signal frame may not fit (2952 bytes here, under `AT_MINSIGSTKSZ`; larger
    /// with AVX-512 state): generous, so that no machine's frame is excluded.
    public static let smallAltStack = 16384

    public func mayKillItsCaller(_ input: Input, with signal: String) -> Bool {
        guard signal == "SIGSEGV" else { return false }
        switch input {
        case .sigprocmask, .sigsuspend, .sigpause, .sigpauseMask, .pauseUnblocking, .signalfdReadinessMasked, .obsolete(_, _, .sigrelse),
            .obsolete(_, _, .sigset):
            return true
        case .epoll(_, let call):
            return Self.epollWaitMask(call) != nil
        default:
            return false
        }
    }

    /// A `sigaltstack` call the recording handler makes each time it runs (`"sigaltstack"` in `sigaction`'s value):
    /// asking (`{}`), or asking and then setting `setting`.
    public struct HandlerAltStackCall: Hashable, Sendable {
        public var setting: AltStackSetting?

        public init(setting: AltStackSetting?) {
            self.setting = setting
        }
    }

    /// What a handler's `sigaltstack` call gave, as its delivery records it: the old stack reported (raw `ss_flags`,
    /// `SS_ONSTACK` included, and `ss_size`) and, when it set one, the change's result.
    public struct HandlerAltStackRecord: Hashable, Sendable {
        public enum SetResult: Hashable, Sendable {
            case taken
            case failed(ErrorCode)
        }

        public var flags: UInt32
        public var size: Int
        /// nil: it asked only.
        public var set: SetResult?

        public init(flags: UInt32, size: Int, set: SetResult?) {
            self.flags = flags
            self.size = size
            self.set = set
        }
    }

    /// An alternate stack as `sigaltstack` reports it (the address is not judged).
    public struct AltStack: Hashable, Sendable {
        /// False for `SS_DISABLE` (then `size` is 0).
        public var enabled: Bool
        public var size: Int
        /// `SS_AUTODISARM`.
        public var autoDisarm: Bool

        public init(enabled: Bool, size: Int, autoDisarm: Bool) {
            self.enabled = enabled
            self.size = enabled ? size : 0
            self.autoDisarm = autoDisarm
        }
    }

    /// A stack a `sigaltstack` call sets: its raw `ss_flags` (bits as the kernel's `int`) and `ss_size`.
    public struct AltStackSetting: Hashable, Sendable {
        public var flags: UInt32
        public var size: Int

        public init(flags: UInt32, size: Int) {
            self.flags = flags
            self.size = size
        }
    }

    public static let altStackOnStack: UInt32 = 1
    public static let altStackDisable: UInt32 = 2
    public static let altStackAutoDisarm: UInt32 = 1 << 31
    /// The kernel's `MINSIGSTKSZ`.
    public static let altStackMinimum = 2048

    /// `sigaltstack`'s outcome given the old stack: the old one reported, the new one set (or an error, unchanged).
    static func altStackOutcome(_ old: AltStack, setting: AltStackSetting?) -> (output: Output, next: AltStack) {
        guard let setting else { return (.altStack(old), old) }
        let mode = setting.flags & ~altStackAutoDisarm
        let autoDisarm = setting.flags & altStackAutoDisarm != 0
        guard mode == 0 || mode == altStackOnStack || mode == altStackDisable else { return (.failed(.EINVAL), old) }
        if mode == altStackDisable { return (.altStack(old), AltStack(enabled: false, size: 0, autoDisarm: autoDisarm)) }
        guard setting.size >= altStackMinimum else { return (.failed(.ENOMEM), old) }
        return (.altStack(old), AltStack(enabled: true, size: setting.size, autoDisarm: autoDisarm))
    }

    /// `sigaltstack`'s steps: one atomic step; an old stack the trace has not shown yet is learned from what the call
    /// reported (a refusal does not depend on it).
    func altStackSteps(_ state: State, setting: AltStackSetting?, output: Output?) -> [Step<State>] {
        var next = state
        if let old = state.altStack {
            let (expected, stack) = Self.altStackOutcome(old, setting: setting)
            next.altStack = stack
            return output == nil || output == expected ? [.completed(next)] : []
        }
        // Unknown: the refusal comes from the setting alone; a success reports the old one, which is learned.
        let probe = Self.altStackOutcome(AltStack(enabled: false, size: 0, autoDisarm: false), setting: setting)
        switch (probe.output, output) {
        case (.failed(let code), let output): return output == nil || output == .failed(code) ? [.completed(state)] : []
        case (_, .altStack(let reported)?): next.altStack = Self.altStackOutcome(reported, setting: setting).next
        case (_, nil): next.altStack = setting == nil ? nil : probe.next
        default: return []
        }
        return [.completed(next)]
    }
}
