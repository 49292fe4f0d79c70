// The receiver's alternate signal stack (`sigaltstack`), its thread's. Measured on this machine
// (`AltStackFactsTests`, a C probe; LTP `sigaltstack01`/`02` as the checklist):
// - a thread starts with none: `SS_DISABLE`, size 0 (the model does not assume it: the worker's first report is
//   learned);
// - the mode (`ss_flags` less `SS_AUTODISARM`) must be 0, `SS_ONSTACK` or `SS_DISABLE`, else `EINVAL`, checked
//   before the size; a stack under 2048 bytes (the kernel's `MINSIGSTKSZ`, not glibc's 13504) fails `ENOMEM`;
//   `SS_DISABLE` takes any size and leaves none;
// - the old one is reported with flags 0 (also when set with `SS_ONSTACK`) or `SS_DISABLE` and size 0, and
//   `SS_AUTODISARM` as it was set, in both.
// Inside an `SA_ONSTACK` handler running on it the kernel reports `SS_ONSTACK` and refuses a change with `EPERM`
// (with `SS_AUTODISARM`: `SS_DISABLE`, and a change is taken); the harness's handlers make no call, so no trace
// shows either. Where a handler runs (`SignalStackFactsTests`, a C probe; LTP `sigaltstack01`): an `SA_ONSTACK`
// handler runs on the alternate stack when one is set (`SS_AUTODISARM` too), any handler whose frame is pushed while
// another runs on it runs there as well (the kernel pushes on the current stack), and every other runs on the
// thread's own stack. A frame must fit: a stack smaller than the machine's signal frame (`AT_MINSIGSTKSZ`, 3376 bytes
// here, more with wider vector registers) kills the receiver with `SIGSEGV` at delivery (measured: 2048 bytes) — the
// model judges where a handler ran only on a stack of at least `altStackJudged` bytes, and the worker refuses to
// deliver to an `SA_ONSTACK` handler on a smaller one.
extension SignalModel {
    /// The smallest alternate stack on which the model judges where a handler ran: no machine's signal frame is
    /// larger (x86 with AMX needs about 11 KiB; this machine 3376 bytes).
    public static let altStackJudged = 16384

    /// `delivery` as its handler (of `flags`) records it, pushed on top of `below` (the frame of a handler running
    /// now, if any): on the alternate stack when `below` ran there, or with `SA_ONSTACK` and a stack set; nil (not
    /// judged) when the stack is not known or too small for the model to say.
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
        guard stack.enabled else { return false }
        return stack.size >= altStackJudged ? true : nil
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
