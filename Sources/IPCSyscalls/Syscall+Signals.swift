import CIPCShims
import Glibc
import SystemPackage

/// How a signal was sent, from the receiver's `siginfo_t`.
public struct SignalInfo: Sendable, Hashable {
    public var signal: Int32
    /// `si_code`: `SI_USER` for `kill`, `SI_QUEUE` for `sigqueue`; for `tgkill` the kernel's `SI_TKILL` — which
    /// glibc's `sigtimedwait` and `sigwaitinfo` report as `SI_USER` (they fold it), while a signalfd read or a
    /// handler's `siginfo_t` shows it unfolded (measured on 6.18: the `signalfd` and `tgkill` rows of
    /// traces/coverage/README.md).
    public var code: Int32
    /// `si_pid`: the sender, or 0 when the kernel could not keep the sender's details (the pending-signal limit).
    public var senderPID: pid_t
    /// `si_value.sival_int` (meaningful for `SI_QUEUE`).
    public var value: Int32
    /// For a delivery the recording handler saw, whether it ran on the alternate signal stack; nil for a signal a
    /// wait or a signalfd took (no handler ran).
    public var onAlternateStack: Bool?
    /// For a delivery whose handler was asked to call `sigaltstack` (``Syscall/setHandlerAltStackCall(_:_:)``), what
    /// that call gave; nil when it made none.
    public var altStackCall: Syscall.HandlerAltStackCall?

    public init(signal: Int32, code: Int32, senderPID: pid_t, value: Int32, onAlternateStack: Bool? = nil, altStackCall: Syscall.HandlerAltStackCall? = nil) {
        self.signal = signal
        self.code = code
        self.senderPID = senderPID
        self.value = value
        self.onAlternateStack = onAlternateStack
        self.altStackCall = altStackCall
    }

    public static var userCode: Int32 { ipc_si_user() }
    public static var queueCode: Int32 { ipc_si_queue() }
    public static var threadKillCode: Int32 { ipc_si_tkill() }
}

extension Syscall {
    /// Glibc's `SIGRTMIN` (the first real-time signal applications may use; glibc keeps two below it).
    public static var realtimeSignalMinimum: Int32 { ipc_sigrtmin() }
    public static var realtimeSignalMaximum: Int32 { ipc_sigrtmax() }

    /// Blocks or unblocks `signals` in the calling thread only (other threads keep their masks).
    ///
    /// The corresponding C function is `pthread_sigmask`.
    public static func setSignalsBlocked(_ signals: [Int32], _ blocked: Bool) throws(Errno) {
        _ = try perform(.sigprocmask, retryOnInterrupt: false) { _ in
            ipc_block_signals(signals, CInt(signals.count), blocked ? 1 : 0)
        }
    }

    /// Sends `signal` to every process of the process group `group` (`EINVAL` from glibc for a negative group,
    /// `ESRCH` when the group has no member).
    ///
    /// The corresponding C function is `killpg`.
    public static func killProcessGroup(_ group: pid_t, signal: Int32) throws(Errno) {
        _ = try perform(.killpg, retryOnInterrupt: false) { _ in Glibc.killpg(group, signal) }
    }

    /// Makes the calling process the leader of a process group of its own (whose id is its pid).
    ///
    /// The corresponding C function is `setpgid(0, 0)`.
    public static func becomeProcessGroupLeader() throws(Errno) {
        _ = try perform(.setpgid, retryOnInterrupt: false) { _ in Glibc.setpgid(0, 0) }
    }

    /// A signal's action as `sigaction` sets and reports it: `SIG_DFL`, `SIG_IGN`, or a handler.
    public enum SignalAction: Int32, Sendable {
        case standard = 0, ignore = 1, handler = 2
    }

    /// Sets `signal`'s action to `action` (nil: only asks; a handler is one that records what it sees, for
    /// ``unblockBriefly(_:)`` and ``suspendUnblocking(_:)``) and returns the old
    /// one. No fault is injected into it.
    ///
    /// The corresponding C function is `sigaction`.
    public static func setSignalAction(_ signal: Int32, to action: SignalAction?, flags: HandlerFlags = [], mask: [Int32]? = nil)
        throws(Errno) -> SignalAction
    {
        try exchangeSignalAction(signal, to: action, flags: flags, mask: mask).action
    }

    /// The recording handler's `sigaction` flags and mask, beyond `SA_SIGINFO` (which it always has).
    public struct HandlerFlags: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// `SA_RESETHAND`: the kernel sets the action back to `SIG_DFL` as it delivers the signal to the handler.
        public static let resetHand = HandlerFlags(rawValue: IPC_HANDLER_RESETHAND)
        /// `SA_NODEFER`: the signal itself is not blocked while its handler runs.
        public static let noDefer = HandlerFlags(rawValue: IPC_HANDLER_NODEFER)
        /// An empty `sa_mask` (the recording handler's is full otherwise): other signals may nest into it.
        public static let emptyMask = HandlerFlags(rawValue: IPC_HANDLER_EMPTY_MASK)
        /// Reported only: an `sa_mask` blocking some signals and not others (set with `mask:`).
        public static let partialMask = HandlerFlags(rawValue: IPC_HANDLER_PARTIAL_MASK)
        /// `SA_ONSTACK`: the handler runs on the alternate stack ``alternateStack(setting:)`` sets.
        public static let onStack = HandlerFlags(rawValue: IPC_HANDLER_ONSTACK)
    }

    /// Whether each of the deliveries the recording handler made in the last call that reported them (the
    /// unblocking, suspending and waiting calls here) ran on the alternate signal stack, in the order they were
    /// recorded: the handler looks at where its own frame lies.
    public static func recordedOnAlternateStack(count: Int) -> [Bool] {
        guard count > 0 else { return [] }
        var onStack = [CInt](repeating: 0, count: count)
        let recorded = Int(ipc_recorded_on_stack(&onStack, CInt(count)))
        return onStack.prefix(min(recorded, count)).map { $0 != 0 }
    }

    /// What the recording handler's `sigaltstack` call gave: the old stack it reported (nil: the call failed) and,
    /// when it was asked to set one, the change's error (nil: taken).
    public struct HandlerAltStackCall: Sendable, Hashable {
        public var reported: AltStack?
        public var setting: Bool
        public var setError: Errno?

        public init(reported: AltStack?, setting: Bool, setError: Errno?) {
            self.reported = reported
            self.setting = setting
            self.setError = setError
        }
    }

    /// Makes the recording handler call `sigaltstack` each time it runs for `signal`: nil makes no call, `.none`
    /// (an optional holding nil) only asks, a stack asks and then sets that one on the shims' area (raw system calls,
    /// async-signal-safe). The records come back in ``SignalInfo/altStackCall``.
    ///
    /// The corresponding C function is `sigaltstack`, called by the handler.
    public static func setHandlerAltStackCall(_ signal: Int32, _ call: AltStack??) throws(Errno) {
        let kind: CInt = switch call { case nil: 0; case .some(nil): 1; case .some(.some): 2 }
        let setting = call ?? nil
        _ = try perform(.sigaction, retryOnInterrupt: false) { _ in
            ipc_set_handler_alt_stack_call(signal, kind, setting?.flags ?? 0, CUnsignedLong(setting?.size ?? 0))
        }
    }

    /// The records of the recording handler's last call that reported deliveries, with where each ran and what its
    /// `sigaltstack` call gave.
    static func handlerInfos(_ numbers: [CInt], _ codes: [CInt], _ pids: [CInt], _ values: [CInt], count: Int) -> [SignalInfo] {
        let onStack = recordedOnAlternateStack(count: count)
        var flags = [CInt](repeating: -1, count: Swift.max(count, 1))
        var sizes = [CUnsignedLong](repeating: 0, count: Swift.max(count, 1))
        var results = [CInt](repeating: -1, count: Swift.max(count, 1))
        let recorded = count > 0 ? Int(ipc_recorded_alt_stack_calls(&flags, &sizes, &results, CInt(count))) : 0
        return (0..<count).map { index in
            var call: HandlerAltStackCall?
            if index < recorded && (flags[index] != -1 || results[index] != -1) {
                call = HandlerAltStackCall(
                    reported: flags[index] == -1 ? nil : AltStack(flags: flags[index], size: Int(sizes[index])), setting: results[index] != -1,
                    setError: results[index] > 0 ? Errno(rawValue: results[index]) : nil)
            }
            return SignalInfo(
                signal: numbers[index], code: codes[index], senderPID: pids[index], value: values[index],
                onAlternateStack: index < onStack.count ? onStack[index] : nil, altStackCall: call)
        }
    }

    /// ``setSignalAction(_:to:flags:)``, also reporting the old handler's flags (empty for `SIG_DFL` and `SIG_IGN`
    /// unless set with them). The corresponding C function is `sigaction`.
    /// A handler's `mask`, when given, is its `sa_mask` exactly (otherwise full, or empty with `.emptyMask`).
    public static func exchangeSignalAction(_ signal: Int32, to action: SignalAction?, flags: HandlerFlags = [], mask: [Int32]? = nil)
        throws(Errno) -> (action: SignalAction, flags: HandlerFlags)
    {
        var old: CInt = 0
        let request = action.map { $0 == .handler ? $0.rawValue | flags.rawValue : $0.rawValue } ?? -1
        _ = try perform(.sigaction, retryOnInterrupt: false) { _ in
            ipc_sigaction_masking(signal, request, mask ?? [], mask.map { CInt($0.count) } ?? -1, &old)
        }
        return (SignalAction(rawValue: old & 0xf) ?? .handler, HandlerFlags(rawValue: old & ~0xf))
    }

    /// Unblocks `signals` in the calling thread and blocks them again at once: the signals the recording handler
    /// (``setSignalAction(_:to:)`` with `.handler`) saw in between, in the order it saw them — the pending ones the
    /// kernel delivered on the way back from the unblocking call. No fault is injected into it.
    ///
    /// The corresponding C function is `sigprocmask` (`SIG_UNBLOCK`, then `SIG_BLOCK`).
    public static func unblockBriefly(_ signals: [Int32]) throws(Errno) -> [SignalInfo] {
        try recorded(.sigprocmask) { numbers, codes, pids, values, capacity in
            ipc_unblock_briefly(signals, CInt(signals.count), numbers, codes, pids, values, capacity)
        }
    }

    /// `sigprocmask` (or `pthread_sigmask` when `perThread`) on `signals`, reporting the old mask: `how` 0 blocks them,
    /// 1 unblocks them and blocks them again at once (what the recording handler saw in between, as
    /// ``unblockBriefly(_:)``), 2 is a `how` that is none of the three (`EINVAL`). No fault is injected into it.
    ///
    /// The corresponding C functions are `sigprocmask` and `pthread_sigmask`.
    public static func changeSignalMask(how: CInt, perThread: Bool, _ signals: [Int32]) throws(Errno) -> (old: Set<Int32>, seen: [SignalInfo]) {
        var bits: UInt64 = 0
        let seen = try recorded(.sigprocmask) { numbers, codes, pids, values, capacity in
            ipc_change_mask(how, perThread ? 1 : 0, signals, CInt(signals.count), &bits, numbers, codes, pids, values, capacity)
        }
        return (Set((1...64).filter { bits & (1 << UInt64($0 - 1)) != 0 }.map(Int32.init)), seen)
    }

    /// `SIG_SETMASK` (`pthread_sigmask`'s when `perThread`) to the calling thread's mask less `releasing` plus
    /// `blocking`, then the old mask back at once: the old mask, and what the recording handler saw in between (the
    /// pending signals the new mask unblocks, delivered on the way back from the first call). No fault is injected.
    ///
    /// The corresponding C functions are `sigprocmask` and `pthread_sigmask`.
    public static func setSignalMaskBriefly(perThread: Bool, blocking: [Int32], releasing: [Int32]) throws(Errno) -> (old: Set<Int32>, seen: [SignalInfo]) {
        var bits: UInt64 = 0
        let seen = try recorded(.sigprocmask) { numbers, codes, pids, values, capacity in
            ipc_set_mask_briefly(perThread ? 1 : 0, blocking, CInt(blocking.count), releasing, CInt(releasing.count), &bits,
                numbers, codes, pids, values, capacity)
        }
        return (signals(of: bits), seen)
    }

    /// `sigprocmask` (`pthread_sigmask` when `perThread`) with no set, only asking for the old mask: `how` 0 block,
    /// 1 unblock, 3 set, anything else none of the three (the kernel looks at `how` only with a set).
    ///
    /// The corresponding C functions are `sigprocmask` and `pthread_sigmask`.
    public static func signalMaskWithoutSet(how: CInt, perThread: Bool) throws(Errno) -> Set<Int32> {
        var bits: UInt64 = 0
        _ = try perform(.sigprocmask, retryOnInterrupt: false) { _ in ipc_mask_without_set(how, perThread ? 1 : 0, &bits) }
        return signals(of: bits)
    }

    /// The signals whose bits (`signal - 1`) are set in a mask.
    private static func signals(of bits: UInt64) -> Set<Int32> {
        Set((1...64).filter { bits & (1 << UInt64($0 - 1)) != 0 }.map(Int32.init))
    }

    /// What a `ppoll` or `pselect` with a signal mask reported: the call's result (poll's `revents`, select's answer)
    /// or its error, and what the recording handler saw meanwhile.
    public struct MaskedPoll: Sendable {
        /// The error it failed with (`EINTR`), or nil when it returned.
        public var error: Errno?
        public var revents: Int16
        public var readable: Bool
        public var writable: Bool
        public var seen: [SignalInfo]
    }

    /// One `ppoll` (`pselect` when `select`) of a `signalfd` for `signals`, made for the call, with the calling
    /// thread's mask less `releasing` plus `keeping` swapped in for it. `events`: poll's, or for select bit 0 read and
    /// bit 1 write; a negative timeout waits. No fault is injected into it.
    ///
    /// The corresponding C functions are `ppoll` and `pselect`.
    public static func pollSignalDescriptorMasked(
        _ signals: [Int32], keeping: [Int32], releasing: [Int32], select: Bool, events: CInt, timeoutMilliseconds: CInt
    ) -> MaskedPoll {
        let capacity = 256
        var numbers = [CInt](repeating: 0, count: capacity)
        var codes = [CInt](repeating: 0, count: capacity)
        var pids = [CInt](repeating: 0, count: capacity)
        var values = [CInt](repeating: 0, count: capacity)
        var revents: Int16 = 0
        var readable: CInt = 0
        var writable: CInt = 0
        var recorded: CInt = 0
        let result = ipc_signalfd_poll_masked(
            signals, CInt(signals.count), keeping, CInt(keeping.count), releasing, CInt(releasing.count), select ? 1 : 0, events,
            timeoutMilliseconds, &revents, &readable, &writable, &numbers, &codes, &pids, &values, CInt(capacity), &recorded)
        let error = result == -1 ? Errno(rawValue: errno) : nil
        let seen = handlerInfos(numbers, codes, pids, values, count: min(Int(recorded), capacity))
        return MaskedPoll(error: error, revents: revents, readable: readable != 0, writable: writable != 0, seen: seen)
    }

    /// What a masked `epoll_pwait` gave: its error (`EINTR`, `EINVAL`) or nil, the events reported (registered
    /// number, events), and what the recording handler saw during the call.
    public struct MaskedEpollWait: Sendable {
        public var error: Errno?
        public var events: [(descriptor: CInt, events: UInt32)]
        public var seen: [SignalInfo]
    }

    /// One `epoll_pwait` of `instance` (`epoll_pwait2` with `timespec` when `pwait2`; nil there: a null timeout) with the
    /// calling thread's mask less `releasing` plus `keeping` swapped in for it, at most 16 events. No fault is
    /// injected into it.
    ///
    /// The corresponding C functions are `epoll_pwait` and `epoll_pwait2`.
    public static func epollWaitMasked(
        _ instance: CInt, maxEvents: Int, timeoutMilliseconds: Int, pwait2: Bool, timespec: (seconds: Int, nanoseconds: Int)?,
        keeping: [Int32], releasing: [Int32]
    ) -> MaskedEpollWait {
        let capacity = 256
        var numbers = [CInt](repeating: 0, count: capacity)
        var codes = [CInt](repeating: 0, count: capacity)
        var pids = [CInt](repeating: 0, count: capacity)
        var values = [CInt](repeating: 0, count: capacity)
        var events = [UInt32](repeating: 0, count: 16)
        var descriptors = [CInt](repeating: -1, count: 16)
        var recorded: CInt = 0
        let result = ipc_epoll_pwait_recorded(
            instance, CInt(clamping: maxEvents), pwait2 ? 1 : 0, CInt(clamping: timeoutMilliseconds), timespec == nil ? 0 : 1,
            Int64(timespec?.seconds ?? 0), Int64(timespec?.nanoseconds ?? 0), keeping, CInt(keeping.count), releasing,
            CInt(releasing.count), &events, &descriptors, 16, &numbers, &codes, &pids, &values, CInt(capacity), &recorded)
        let error = result == -1 ? Errno(rawValue: errno) : nil
        let seen = handlerInfos(numbers, codes, pids, values, count: min(Int(recorded), capacity))
        return MaskedEpollWait(error: error, events: (0..<max(0, min(Int(result), 16))).map { (descriptors[$0], events[$0]) }, seen: seen)
    }

    /// `pause` with `signals` unblocked for it (unblocked, then blocked again after): the signals the recording
    /// handler saw meanwhile; `EINTR` when it saw none. No fault is injected into it.
    ///
    /// The corresponding C functions are `sigprocmask` and `pause`.
    public static func pauseUnblocking(_ signals: [Int32]) throws(Errno) -> [SignalInfo] {
        try recorded(.pause) { numbers, codes, pids, values, capacity in
            ipc_pause_unblocking(signals, CInt(signals.count), numbers, codes, pids, values, capacity)
        }
    }

    /// `sigsuspend` with the calling thread's mask less `signals` (`SIGUSR1` kept blocked): the signals the recording
    /// handler saw before it returned; `EINTR` when it saw none. No fault is injected into it.
    ///
    /// The corresponding C function is `sigsuspend`.
    public static func suspendUnblocking(_ signals: [Int32]) throws(Errno) -> [SignalInfo] {
        try recorded(.sigsuspend) { numbers, codes, pids, values, capacity in
            ipc_sigsuspend_unblocking(signals, CInt(signals.count), numbers, codes, pids, values, capacity)
        }
    }

    /// `pause` with the calling thread's mask as it is: it returns only after a handler ran (`EINTR`, never
    /// retried); a result that is not -1 (which Linux never gives) is returned as it is.
    ///
    /// The corresponding C function is `pause`.
    public static func pause() throws(Errno) -> CInt {
        try perform(.pause, retryOnInterrupt: false) { _ in Glibc.pause() }
    }

    /// `sigprocmask` with a `how` that is none of the three and a set: `EINVAL` (the kernel reads the set first, then
    /// checks `how`; without a set it never looks at `how`).
    public static func changeSignalMaskWithInvalidHow(_ signals: [Int32]) throws(Errno) {
        _ = try perform(.sigprocmask, retryOnInterrupt: false) { _ in ipc_sigprocmask_invalid_how(signals, CInt(signals.count)) }
    }

    /// Runs `body` with room for 256 recorded signals and returns the ones it recorded.
    static func recorded(
        _ call: SystemCall,
        _ body: (UnsafeMutablePointer<CInt>, UnsafeMutablePointer<CInt>, UnsafeMutablePointer<CInt>, UnsafeMutablePointer<CInt>, CInt) -> CInt
    ) throws(Errno) -> [SignalInfo] {
        let capacity = 256
        var numbers = [CInt](repeating: 0, count: capacity)
        var codes = [CInt](repeating: 0, count: capacity)
        var pids = [CInt](repeating: 0, count: capacity)
        var values = [CInt](repeating: 0, count: capacity)
        let taken = try perform(call, retryOnInterrupt: false) { _ in body(&numbers, &codes, &pids, &values, CInt(capacity)) }
        return handlerInfos(numbers, codes, pids, values, count: min(Int(taken), capacity))
    }

    /// Queues `signal` for `pid` with an integer value; `EAGAIN` when the receiver's user is at its
    /// `RLIMIT_SIGPENDING` for real-time signals.
    ///
    /// The corresponding C function is `sigqueue`.
    public static func queueSignal(_ pid: pid_t, signal: Int32, value: Int32) throws(Errno) {
        _ = try perform(.sigqueue, retryOnInterrupt: false) { _ in ipc_sigqueue(pid, signal, value) }
    }

    /// A pidfd of `pid` (`flags`: `PIDFD_NONBLOCK`, `PIDFD_THREAD`), which the caller closes: `EINVAL` for other flags
    /// or a pid of 0 or less, `ESRCH` once the process is reaped (a zombie still has one).
    ///
    /// The corresponding C function is `pidfd_open` (a raw system call).
    public static func openPidfd(_ pid: pid_t, flags: UInt32) throws(Errno) -> CInt {
        try perform(.pidfdOpen, retryOnInterrupt: false) { _ in ipc_pidfd_open(pid, flags) }
    }

    /// Sends `signal` through `pidfd` with `flags` (`PIDFD_SIGNAL_THREAD`, `_THREAD_GROUP`, `_PROCESS_GROUP`) and,
    /// given `info`, a `siginfo` with that signal number, code and value and the caller's pid and uid (as `sigqueue`
    /// fills one); without, the kernel makes `kill`'s. See `SignalModel+Pidfd.swift` for the checks' order.
    ///
    /// The corresponding C function is `pidfd_send_signal` (a raw system call).
    public static func sendSignal(
        throughPidfd pidfd: CInt, signal: Int32, info: (signal: Int32, code: Int32, value: Int32)?, flags: UInt32
    ) throws(Errno) {
        _ = try perform(.pidfdSendSignal, retryOnInterrupt: false) { _ in
            ipc_pidfd_send_signal(pidfd, signal, info == nil ? 0 : 1, info?.signal ?? 0, info?.code ?? 0, info?.value ?? 0, flags)
        }
    }

    /// Queues `signal` for the thread `thread` of the process `process` alone, with a `siginfo` of `code` and `value` and
    /// the caller's pid and uid: `EPERM` for a code of 0 or more (`SI_USER`) or `SI_TKILL` unless the caller is that
    /// thread, `EINVAL` for a bad number or an id of 0 or less, `ESRCH` for a thread not in the process, `EAGAIN` past
    /// `RLIMIT_SIGPENDING` for a real-time signal.
    ///
    /// The corresponding C function is `rt_tgsigqueueinfo` (a raw system call).
    public static func queueSignal(toThread thread: pid_t, of process: pid_t, signal: Int32, code: Int32, value: Int32) throws(Errno) {
        _ = try perform(.tgsigqueueinfo, retryOnInterrupt: false) { _ in ipc_rt_tgsigqueueinfo(process, thread, signal, code, value) }
    }

    /// Sends `signal` to the main thread of `pid` (whose thread id is `pid`): pending for that thread, not the
    /// process, so its receiver takes it before any process-wide signal.
    ///
    /// The corresponding C function is `tgkill(pid, pid, signal)`.
    public static func sendToMainThread(_ pid: pid_t, signal: Int32) throws(Errno) {
        _ = try perform(.tgkill, retryOnInterrupt: false) { _ in ipc_tgkill_main_thread(pid, signal) }
    }

    /// Sends `signal` to the thread `tid` (a process's main thread: its pid) without naming its thread group:
    /// `EINVAL` for a `tid` of 0 or less or a bad signal, `ESRCH` when no thread has it.
    ///
    /// The corresponding C function is `tkill` (a raw system call: glibc has no wrapper).
    public static func sendToThread(_ tid: pid_t, signal: Int32) throws(Errno) {
        _ = try perform(.tgkill, retryOnInterrupt: false) { _ in ipc_tkill(tid, signal) }
    }

    /// Sends `signal` to the thread `tid` of the thread group `tgid`: `EINVAL` for an id of 0 or less (before the signal
    /// is looked at) or a bad signal, `ESRCH` when `tid` is not a thread of `tgid` (looked up before the signal).
    ///
    /// The corresponding C function is `tgkill`.
    public static func sendToThread(_ tid: pid_t, inGroup tgid: pid_t, signal: Int32) throws(Errno) {
        _ = try perform(.tgkill, retryOnInterrupt: false) { _ in ipc_tgkill(tgid, tid, signal) }
    }

    /// Sends `signal` to the calling thread (`raise`: glibc's `tgkill` of its own process and thread): `EINVAL` for a
    /// bad signal.
    ///
    /// The corresponding C function is `raise`.
    public static func raiseSignal(_ signal: Int32) throws(Errno) {
        _ = try perform(.tgkill, retryOnInterrupt: false) { _ in Glibc.raise(signal) }
    }

    /// Sends `signal` to the calling thread with `pthread_kill(pthread_self(), signal)`, which glibc refuses with
    /// `EINVAL` for its own internal signals (32, 33) as for a bad one.
    ///
    /// The corresponding C function is `pthread_kill`.
    public static func killOwnThread(_ signal: Int32) throws(Errno) {
        _ = try perform(.tgkill, retryOnInterrupt: false) { _ in reportingErrno(ipc_pthread_kill_self(signal)) }
    }

    /// The signals pending for the calling thread or its process (that it blocks), ascending.
    ///
    /// The corresponding C function is `sigpending`.
    public static func pendingSignals() throws(Errno) -> [Int32] {
        var signals = [CInt](repeating: 0, count: 64)
        let count = try perform(.sigpending, retryOnInterrupt: false) { _ in ipc_sigpending(&signals, 64) }
        return Array(signals.prefix(Int(count)))
    }

    /// One `read` of `max` bytes from a `signalfd` for `signals` (which the caller must have blocked), made for
    /// this read and closed after: the signals it took, in order, one per 128 bytes, as many as were pending.
    /// `EAGAIN` nonblocking with none pending, `EINVAL` for a buffer under 128 bytes; `EINTR` asleep.
    ///
    /// The corresponding C functions are `signalfd` and `read`.
    public static func readSignalDescriptor(_ signals: [Int32], max: Int, nonblocking: Bool) throws(Errno) -> [SignalInfo] {
        try readSignalDescriptor(signals, flags: nonblocking ? O_NONBLOCK : 0, update: nil, max: max)
    }

    /// `readSignalDescriptor` on a `signalfd` made with the raw `flags` (`SFD_CLOEXEC` added) and its mask then set
    /// to `update` by passing it back (nil: not), as a user's code would keep one and change its mask.
    ///
    /// The corresponding C functions are `signalfd` (twice) and `read`.
    public static func readSignalDescriptor(_ signals: [Int32], flags: Int32, update: [Int32]?, max: Int) throws(Errno) -> [SignalInfo] {
        let capacity = Swift.max(1, max / 128)
        var numbers = [CInt](repeating: 0, count: capacity)
        var codes = [CInt](repeating: 0, count: capacity)
        var pids = [CInt](repeating: 0, count: capacity)
        var values = [CInt](repeating: 0, count: capacity)
        let again = update ?? []
        let taken = try perform(.signalfdRead, retryOnInterrupt: false) { _ in
            ipc_signalfd_read_updated(
                signals, CInt(signals.count), flags, again, update == nil ? -1 : CInt(again.count), UInt(max), &numbers, &codes, &pids, &values, CInt(capacity))
        }
        return (0..<Int(taken)).map { SignalInfo(signal: numbers[$0], code: codes[$0], senderPID: pids[$0], value: values[$0]) }
    }

    /// A nonblocking `signalfd` for `signals` (which the caller must have blocked), `SFD_CLOEXEC`; the caller closes
    /// it. No fault is injected into its making.
    ///
    /// The corresponding C function is `signalfd`.
    public static func openSignalDescriptor(_ signals: [Int32]) throws(Errno) -> FileDescriptor {
        let descriptor = ipc_signalfd_open(signals, CInt(signals.count), 1)
        guard descriptor >= 0 else { throw Errno(rawValue: errno) }
        return FileDescriptor(rawValue: descriptor)
    }

    /// What `poll` and `select` (timeout 0) report on a nonblocking signalfd for `signal`: with nothing pending
    /// (`alone`), with `signal` pending for the calling thread (`pending`), and, at that moment, to another thread of
    /// the process polling the same descriptor (`otherThread`); the calling thread's `select` with it pending. The
    /// signal goes to the calling thread alone (`tgkill`, blocked) and is taken back before the call returns.
    ///
    /// The corresponding C functions are `signalfd`, `tgkill`, `poll` and `select`.
    public static func signalDescriptorReadiness(_ signal: Int32) throws(Errno)
        -> (alone: Int16, pending: Int16, otherThread: Int16, readable: Bool, writable: Bool)
    {
        var revents: [Int16] = [0, 0, 0]
        var selected: [CInt] = [0, 0]
        guard ipc_signalfd_poll_probe(signal, &revents, &selected) == 0 else { throw Errno(rawValue: errno) }
        return (revents[0], revents[1], revents[2], selected[0] != 0, selected[1] != 0)
    }

    /// `sigtimedwait` for `signals` with an invalid timeout (`tv_nsec` of a whole second): `EINVAL` from the kernel,
    /// before it takes anything; the signal, should a kernel take one anyway.
    public static func waitForSignalWithInvalidTimeout(_ signals: [Int32]) throws(Errno) -> Int32 {
        try perform(.sigtimedwait, retryOnInterrupt: false) { _ in ipc_sigtimedwait_invalid_timeout(signals, CInt(signals.count)) }
    }

    /// Takes one pending signal of `signals` (which the caller must have blocked), the lowest-numbered first.
    /// With a timeout, `EAGAIN` when none arrives in time; without one, waits as long as it takes.
    /// `EINTR` is retried when `retryOnInterrupt`.
    ///
    /// The corresponding C functions are `sigtimedwait` and `sigwaitinfo`.
    public static func waitForSignal(
        _ signals: [Int32], timeoutNanoseconds: Int64?, retryOnInterrupt: Bool = true
    ) throws(Errno) -> SignalInfo {
        var code: CInt = 0
        var pid: CInt = 0
        var value: CInt = 0
        let signal = try perform(.sigtimedwait, retryOnInterrupt: retryOnInterrupt) { _ in
            ipc_sigtimedwait(signals, CInt(signals.count), timeoutNanoseconds ?? -1, &code, &pid, &value)
        }
        return SignalInfo(signal: signal, code: code, senderPID: pid, value: value)
    }

    /// Takes one pending signal of `signals` (which the caller must have blocked), as ``waitForSignal(_:timeoutNanoseconds:retryOnInterrupt:)``,
    /// reporting what an `O_ASYNC` signal carries: `si_code` (`POLL_IN`, `POLL_OUT`, `SI_KERNEL` for a plain
    /// `SIGIO`), `si_band` and `si_fd`.
    ///
    /// The corresponding C functions are `sigtimedwait` and `sigwaitinfo`.
    public static func waitForIOSignal(
        _ signals: [Int32], timeoutNanoseconds: Int64?, retryOnInterrupt: Bool = true
    ) throws(Errno) -> (signal: Int32, code: Int32, band: Int, descriptor: Int32) {
        var code: CInt = 0
        var band: CLong = 0
        var descriptor: CInt = 0
        let signal = try perform(.sigtimedwait, retryOnInterrupt: retryOnInterrupt) { _ in
            ipc_sigtimedwait_io(signals, CInt(signals.count), timeoutNanoseconds ?? -1, &code, &band, &descriptor)
        }
        return (signal, code, Int(band), descriptor)
    }

    /// Takes one pending signal of `signals` (which the caller must have blocked) as glibc's `sigwait` does, and
    /// returns its number only: `sigwait` reports neither how the signal was sent nor by whom, and never fails
    /// `EINTR` (glibc retries its `sigtimedwait` when a handler interrupts it). No fault is injected into it.
    ///
    /// The corresponding C function is `sigwait`.
    public static func waitForSignalNumber(_ signals: [Int32]) throws(Errno) -> Int32 {
        try perform(.sigtimedwait, retryOnInterrupt: false) { _ in ipc_sigwait(signals, CInt(signals.count)) }
    }

    /// Sets this process's `RLIMIT_SIGPENDING` (soft and hard, never above the current hard limit). The count it
    /// limits is per user, over every process of the user, and is checked against the *receiver's* limit.
    ///
    /// The corresponding C function is `setrlimit(RLIMIT_SIGPENDING)`.
    public static func setPendingSignalLimit(_ limit: Int) throws(Errno) {
        _ = try perform(.setrlimit, retryOnInterrupt: false) { _ in ipc_set_pending_signal_limit(UInt(limit)) }
    }

    /// This process's soft `RLIMIT_SIGPENDING`.
    public static var pendingSignalLimit: Int { Int(ipc_pending_signal_limit()) }
}
