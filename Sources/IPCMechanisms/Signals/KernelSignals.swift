import Glibc
import IPCSyscalls
import SystemPackage

/// Standard and real-time signals sent with `kill` and `sigqueue` and taken synchronously with `sigtimedwait` by a
/// thread that blocks them (no handlers: a handler would run at an arbitrary point of the worker).
///
/// What users trip over, measured on this kernel: a standard signal sent while one is pending is dropped (only the
/// first sender's details survive); real-time signals queue, in order, each with its value; among pending signals
/// the lowest number is taken first, so standard ones before real-time ones; over `RLIMIT_SIGPENDING` a real-time
/// `sigqueue` fails `EAGAIN` while `kill` still marks the signal pending, without details, and it coalesces.
public enum KernelSignals {
    /// How a signal is sent.
    public enum Method: String, Sendable, Hashable {
        case kill, sigqueue
        /// `tgkill` to the receiver's main thread: pending for that thread alone.
        case tgkill
        /// `tkill` of the receiver's main thread id: as `tgkill`, without the thread group.
        case tkill
        /// `raise` and `pthread_kill(pthread_self())` by the receiver itself: to its own (calling) thread.
        case raise, pthreadKill
        /// `killpg` to the receiver's process group (the receiver must lead a group of its own: ``leadOwnProcessGroup()``).
        case killpg
    }

    /// Sends `signal` to `pid`. `value` goes with `sigqueue` only.
    public static func send(_ signal: Int32, to pid: pid_t, by method: Method, value: Int32 = 0) throws(Errno) {
        switch method {
        case .kill: try Syscall.kill(pid, signal: signal)
        case .sigqueue: try Syscall.queueSignal(pid, signal: signal, value: value)
        case .tgkill: try Syscall.sendToMainThread(pid, signal: signal)
        case .tkill: try Syscall.sendToThread(pid, signal: signal)
        case .raise: try Syscall.raiseSignal(signal)
        case .pthreadKill: try Syscall.killOwnThread(signal)
        case .killpg: try Syscall.killProcessGroup(pid, signal: signal)
        }
    }

    /// A sender's pidfds of a receiver, for `pidfd_send_signal`: opened when made, while the receiver certainly
    /// lives (a pidfd opened later could name another process that got its pid; one kept open names the receiver
    /// until it is reaped, after which a send fails `ESRCH`). They stay open for the process's life.
    public struct ReceiverPidfds: Sendable {
        /// The descriptor a send passes.
        public enum Descriptor: Sendable { case process, thread, notPidfd, selfThread, selfProcess }

        /// `PIDFD_SELF_THREAD` and `PIDFD_SELF_THREAD_GROUP` (`linux/pidfd.h`, Linux 6.15): the caller, no descriptor.
        static let selfThread: CInt = -10000, selfProcess: CInt = -10001

        let process: CInt?
        let thread: CInt?
        /// Why one could not be opened.
        public let failure: String?

        public init(of pid: pid_t) {
            var failure: String?
            func open(_ flags: UInt32) -> CInt? {
                do { return try Syscall.openPidfd(pid, flags: flags) } catch {
                    failure = "pidfd_open of the receiver (pid \(pid)): \(error)"
                    return nil
                }
            }
            process = open(0)
            thread = open(UInt32(O_EXCL))  // PIDFD_THREAD
            self.failure = failure
        }

        /// `pidfd_send_signal` through `descriptor` (`notPidfd`: a descriptor of `/dev/null`; the self ones: the
        /// sentinels, which signal the caller whoever the receiver is); nil when that pidfd
        /// could not be opened (or `/dev/null` cannot be), which a caller must not turn into an outcome.
        public func send(
            _ signal: Int32, through descriptor: Descriptor, info: (signal: Int32, code: Int32, value: Int32)?, flags: UInt32
        ) -> Result<Void, Errno>? {
            let pidfd: CInt
            switch descriptor {
            case .process: guard let process else { return nil }; pidfd = process
            case .thread: guard let thread else { return nil }; pidfd = thread
            case .notPidfd:
                pidfd = Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)
                guard pidfd >= 0 else { return nil }
            case .selfThread: pidfd = Self.selfThread
            case .selfProcess: pidfd = Self.selfProcess
            }
            defer { if descriptor == .notPidfd { _ = Glibc.close(pidfd) } }
            do { try Syscall.sendSignal(throughPidfd: pidfd, signal: signal, info: info, flags: flags) } catch { return .failure(error) }
            return .success(())
        }

        /// `pidfd_open(pid, flags)`, the pidfd closed at once.
        public static func openAndClose(_ pid: pid_t, flags: UInt32) throws(Errno) {
            _ = Glibc.close(try Syscall.openPidfd(pid, flags: flags))
        }
    }

    /// Makes the calling process the only member of a process group of its own, whose id is its pid, so that a
    /// `killpg` of that group reaches it alone (a worker otherwise shares its group with the driver and the other
    /// workers, which a group-directed signal would reach too).
    public static func leadOwnProcessGroup() throws(Errno) {
        try Syscall.becomeProcessGroupLeader()
    }

    /// Unblocks `signals` and blocks them again at once: what the recording handler saw in between, in order.
    public static func unblockBriefly(_ signals: [Int32]) throws(Errno) -> [SignalInfo] {
        try Syscall.unblockBriefly(signals)
    }

    /// `sigsuspend` with `signals` unblocked: what the recording handler saw before it returned (`EINTR`: nothing).
    public static func suspend(unblocking signals: [Int32]) throws(Errno) -> [SignalInfo] {
        try Syscall.suspendUnblocking(signals)
    }

    /// `pause` with the object's signals blocked: `EINTR` once a handled signal outside them comes (the harness's
    /// `SIGUSR1`); what it returned when it returns otherwise.
    public static func pause() throws(Errno) -> CInt {
        try Syscall.pause()
    }

    /// `sigprocmask` with an invalid `how` on `signals`: `EINVAL`.
    public static func changeMaskWithInvalidHow(_ signals: [Int32]) throws(Errno) {
        try Syscall.changeSignalMaskWithInvalidHow(signals)
    }

    /// Sets `signal`'s action (nil: only asks) and returns the old one.
    public static func setAction(_ signal: Int32, to action: Syscall.SignalAction?, flags: Syscall.HandlerFlags = [], mask: [Int32]? = nil)
        throws(Errno) -> Syscall.SignalAction
    {
        try Syscall.setSignalAction(signal, to: action, flags: flags, mask: mask)
    }

    /// The signals pending for the calling thread alone and for its process (`SigPnd` and `ShdPnd` of
    /// `/proc/thread-self/status`): where a standard signal may be pending twice. Nil if the file cannot be read.
    public static func pendingSets() -> (thread: Set<Int32>, process: Set<Int32>)? {
        guard let file = fopen("/proc/thread-self/status", "re") else { return nil }
        defer { fclose(file) }
        var thread: Set<Int32>?
        var process: Set<Int32>?
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let bits = UInt64(text.split(separator: "\t").last?.trimmingPrefix(" ").filter(\.isHexDigit) ?? "", radix: 16)
            let signals = bits.map { bits in Set((1...64).filter { bits & (1 << UInt64($0 - 1)) != 0 }.map(Int32.init)) }
            if text.hasPrefix("SigPnd:") { thread = signals }
            if text.hasPrefix("ShdPnd:") { process = signals }
        }
        guard let thread, let process else { return nil }
        return (thread, process)
    }

    /// `sigprocmask` (`pthread_sigmask` when `perThread`) on `signals` — `how` 0 block, 1 unblock and block again at
    /// once, 2 invalid — with the old mask and what the recording handler saw.
    public static func changeMask(how: CInt, perThread: Bool, _ signals: [Int32]) throws(Errno) -> (old: Set<Int32>, seen: [SignalInfo]) {
        try Syscall.changeSignalMask(how: how, perThread: perThread, signals)
    }

    /// `SIG_SETMASK` (`pthread_sigmask`'s when `perThread`) to the mask less `releasing` plus `blocking`, then the old
    /// mask back at once: the old mask and what the recording handler saw in between.
    public static func setMaskBriefly(perThread: Bool, blocking: [Int32], releasing: [Int32]) throws(Errno) -> (old: Set<Int32>, seen: [SignalInfo]) {
        try Syscall.setSignalMaskBriefly(perThread: perThread, blocking: blocking, releasing: releasing)
    }

    /// `sigprocmask` (`pthread_sigmask` when `perThread`) with no set: the old mask (`how` 0 block, 1 unblock, 3 set,
    /// else invalid, which the kernel does not look at without a set).
    public static func maskWithoutSet(how: CInt, perThread: Bool) throws(Errno) -> Set<Int32> {
        try Syscall.signalMaskWithoutSet(how: how, perThread: perThread)
    }

    /// `ppoll` (`pselect` when `select`) of a signalfd for `signals` with the mask less `releasing` plus `keeping`
    /// swapped in for the call: its result or error, and what the recording handler saw.
    public static func pollMasked(
        _ signals: [Int32], keeping: [Int32], releasing: [Int32], select: Bool, events: CInt, timeoutMilliseconds: Int
    ) -> Syscall.MaskedPoll {
        Syscall.pollSignalDescriptorMasked(
            signals, keeping: keeping, releasing: releasing, select: select, events: events, timeoutMilliseconds: CInt(clamping: timeoutMilliseconds))
    }

    /// `pause` with `signals` unblocked for it: what the recording handler saw (`EINTR`: nothing).
    public static func pause(unblocking signals: [Int32]) throws(Errno) -> [SignalInfo] {
        try Syscall.pauseUnblocking(signals)
    }

    /// `signal`'s action and, for the recording handler, its flags (only asks).
    public static func action(of signal: Int32) throws(Errno) -> (action: Syscall.SignalAction, flags: Syscall.HandlerFlags) {
        try Syscall.exchangeSignalAction(signal, to: nil)
    }

    /// One `read` of a `signalfd` for `signals` with a buffer of `max` bytes: the signals it took, in order.
    public static func readSignalDescriptor(for signals: [Int32], max: Int, nonblocking: Bool) throws(Errno) -> [SignalInfo] {
        try Syscall.readSignalDescriptor(signals, max: max, nonblocking: nonblocking)
    }

    /// `poll` for `events` on a `signalfd` for `signals`, made for the call and closed after: its `revents`. `EINTR`
    /// is not retried.
    public static func pollSignalDescriptor(for signals: [Int32], events: Int16, timeoutMilliseconds: Int) throws(Errno) -> Int16 {
        let descriptor = try Syscall.openSignalDescriptor(signals)
        defer { try? descriptor.close() }
        var entries = [pollfd(fd: descriptor.rawValue, events: events, revents: 0)]
        _ = try Syscall.poll(&entries, timeoutMilliseconds: CInt(clamping: timeoutMilliseconds), retryOnInterrupt: false)
        return entries[0].revents
    }

    /// `select` on a `signalfd` for `signals`, made for the call and closed after: whether it is readable and
    /// writable. `EINTR` is not retried.
    public static func selectSignalDescriptor(
        for signals: [Int32], read: Bool, write: Bool, timeoutMilliseconds: Int
    ) throws(Errno) -> (readable: Bool, writable: Bool) {
        let descriptor = try Syscall.openSignalDescriptor(signals)
        defer { try? descriptor.close() }
        return try Syscall.select(descriptor, read: read, write: write, timeoutMilliseconds: timeoutMilliseconds, retryOnInterrupt: false)
    }

    /// `sigwait`: takes one pending signal among `signals`, waiting as long as it takes, and gives its number only.
    public static func waitForNumber(for signals: [Int32]) throws(Errno) -> Int32 {
        try Syscall.waitForSignalNumber(signals)
    }

    /// `sigtimedwait` with an invalid timeout: `EINVAL`, nothing taken (the signal number, should one be taken).
    public static func waitWithInvalidTimeout(for signals: [Int32]) throws(Errno) -> Int32 {
        try Syscall.waitForSignalWithInvalidTimeout(signals)
    }

    /// The signals pending for the calling thread or its process, ascending (`sigpending`).
    public static func pending() throws(Errno) -> [Int32] {
        try Syscall.pendingSignals()
    }

    /// Blocks `signals` in the calling thread, so they stay pending until taken with ``wait(for:timeoutNanoseconds:retryOnInterrupt:)``.
    public static func block(_ signals: [Int32]) throws(Errno) {
        try Syscall.setSignalsBlocked(signals, true)
    }

    /// Takes one pending signal among `signals`; with a timeout (0 polls), none pending in time is
    /// ``TransferResult/wouldBlock``.
    public static func wait(
        for signals: [Int32], timeoutNanoseconds: Int64?, retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<SignalInfo> {
        do throws(Errno) {
            return .completed(try Syscall.waitForSignal(signals, timeoutNanoseconds: timeoutNanoseconds, retryOnInterrupt: retryOnInterrupt))
        } catch .wouldBlock {
            return .wouldBlock
        }
    }
}
