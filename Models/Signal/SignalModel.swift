/// Signals sent to one process with `kill`, `sigqueue` and `tgkill` and taken by it with `sigtimedwait` while it
/// blocks them. Each object is one receiving process's pending signals: the process-wide set (`kill`, `sigqueue`)
/// and its receiving thread's own set (`tgkill` to that thread).
///
/// What it allows, and why (each fact is also a test on the real kernel, `KernelSignalFactsTests`):
/// - A standard signal (below 32) sent while it is already pending is dropped: five sends while blocked give one
///   delivery, carrying the *first* sender's details.
/// - A real-time signal (32 to 64) queues: five sends give five deliveries, in order, each with its sender and,
///   from `sigqueue`, its value.
/// - `sigtimedwait` takes the synchronous signals of its set first — `SIGILL`, `SIGTRAP`, `SIGBUS`, `SIGFPE`,
///   `SIGSEGV`, `SIGSYS` (the kernel's `SYNCHRONOUS_MASK`), lowest number first — then the lowest-numbered other
///   pending signal: standard before real-time. With `SIGUSR1` and `SIGSYS` pending, `SIGSYS` comes first; all of
///   them pending come out 4 5 7 8 11 31 1 10 12 … 34 35 … 64 (`KernelSignalFactsTests`).
///   With a timeout and nothing pending it fails `EAGAIN`; without one it waits. An invalid timeout (`tv_nsec`
///   outside 0 ..< 10^9, or negative) fails `EINVAL` before anything is taken, even with a signal pending.
/// - A wait asleep (no timeout, or a non-zero one) that a handled signal outside its set interrupts fails `EINTR`
///   and takes nothing; `sigtimedwait` is never restarted (signal(7)). A wait with timeout 0 never sleeps.
/// - Each pending signal with details takes one slot of the receiver's user's `RLIMIT_SIGPENDING` (`queueLimit`;
///   unlimited when absent). Over it a real-time `sigqueue` or `tgkill` fails `EAGAIN`; a standard `kill` still
///   gets its details queued (the kernel's `override_rlimit`); any other send succeeds but loses its details
///   (`SI_USER`, no sender), and a real-time signal without details does not queue: the kernel keeps only its
///   pending bit, so such sends coalesce.
/// - `tgkill` (and `raise`, `pthread_kill`) makes the signal pending for the receiving *thread*, a set of its own:
///   `sigtimedwait` takes the thread's set first (synchronous first, then lowest) and only then the process-wide
///   one, so with `SIGUSR1` sent by `kill` and `SIGUSR2` by `tgkill`, `SIGUSR2` comes first; and a standard signal
///   pending in one set does not absorb the same signal sent to the other (two deliveries). Its `si_code` is
///   `SI_TKILL`, which glibc's `sigtimedwait` and `sigwaitinfo` fold into `SI_USER` (the raw call and `signalfd`
///   show `SI_TKILL`), so either is allowed. Over `RLIMIT_SIGPENDING` it acts as `sigqueue` does: a real-time one
///   fails `EAGAIN`, a standard one is kept without details.
/// - `poll` on a `signalfd` for `signals` reports `POLLIN` alone (never `POLLRDNORM`, `POLLOUT`, `POLLWRNORM`) while
///   one of `signals` is pending for the calling thread or its process, and `select` reports it readable then, never
///   writable (`SignalDescriptorReadinessFactsTests`); it takes nothing. The receiver's thread set is its polling
///   thread's, so both sets count (another thread of the receiver polls with its own set and the process's: see
///   `SignalModel+Threads.swift`). A zero or positive timeout may return nothing while nothing is
///   pending; a negative one sleeps until a signal of the set is; `EINTR` only while nothing of the set is pending
///   (the kernel's `do_poll` checks for a handled signal even with timeout 0).
/// - `epoll` on signalfds (the receiver's one instance; a registration names the set its signalfd was made for):
///   `EPOLLIN` alone while a signal of the set is pending, never `EPOLLOUT`; `EPOLLET` news from every signal made
///   pending, in the set or not, and from nothing else (`KernelSignalFactsTests+Epoll`). See `SignalModel+Epoll.swift`.
/// - `sigwait` takes what `sigwaitinfo` would, and its result is the signal's number only: glibc's `sigwait` reports
///   no `si_code` and no sender, so any of them is allowed. It never fails `EINTR`: glibc retries its
///   `sigtimedwait` when a handler interrupts it (measured, `InterruptionFactsTests`).
/// - `sigpending` reports the union of both sets and changes nothing.
/// - Several threads of the receiver (`"thread": "t2"` on a call): each its own pending set and mask, a `tgkill` to
///   one pending for it alone, a process-directed signal taken once by any; `pthread_create` inherits the mask,
///   a joined thread's set is gone (`SignalModel+Threads.swift`).
/// - A `read` of a `signalfd` whose mask is `signals` takes what `sigtimedwait` would, one 128-byte
///   `signalfd_siginfo` per signal, as many as its buffer holds and are pending: the first take may sleep (not with
///   `SFD_NONBLOCK`: `EAGAIN`), the rest never do, and each is its own atomic step, so a signal sent between two
///   takes may come second. A buffer under 128 bytes fails `EINVAL` first. Its `si_code` for a `tgkill` is
///   `SI_TKILL` (glibc does not fold it here).
/// - A signal number outside 0...64 fails `EINVAL`; signal 0 checks that the receiver exists and sends nothing.
/// - Once the receiver has died and been reaped, sends fail `ESRCH` (even with a bad signal number: the receiver is
///   looked up first); what was pending is gone with it.
/// - `killpg` to the receiver's process group, whose only member it is, is a process-directed `kill`: the same
///   coalescing, `SI_USER` and sender; `EINVAL` for a bad number, `ESRCH` (even for a bad number) once the group has
///   no member (`KernelSignalFactsTests+Actions`) — when the set-up says the receiver leads a group of its own
///   (params `processGroup`); one that does not lead its group gets `ESRCH`, and a trace that does not say may show
///   either (`SignalModel+ProcessGroup.swift`). Groups of several members (params `processGroup` as `{"id", "members"}`),
///   the sender's own group (`kill(0)`, `killpg(0)`) and `kill(-1)` are sends of their own (``Input/targetedSend``).
/// - Who may signal whom (params `credentials`): `EPERM` after `ESRCH` and `EINVAL`, from every send; a process the
///   set-up does not describe either (`SignalModel+Credentials.swift`, `SignalPermissionFactsTests`).
/// - `pause` by the receiver never returns for the object's (blocked) signals: they stay pending, and it fails
///   `EINTR` only when a handled signal outside them comes, never returns 0 (`PauseFactsTests`). See
///   `SignalModel+Pause.swift`.
/// - `sigaction` setting `SIG_IGN`, or `SIG_DFL` for a signal whose default is to ignore it (`SIGCHLD`, `SIGCONT`,
///   `SIGURG`, `SIGWINCH`), discards its pending instances from both sets; installing a handler keeps them. While
///   ignored *and blocked*, sends are not discarded: they stay pending and a wait takes them (the kernel's
///   `sig_ignored` never ignores a blocked signal). It reports the old action; `EINVAL` for 0, 32 and 33 (glibc's
///   own), numbers past 64, and a new action for `SIGKILL` or `SIGSTOP` (asking theirs is allowed)
///   (`KernelSignalFactsTests+Actions`). See `SignalModel+Actions.swift`.
/// - `sigprocmask` with `SIG_SETMASK` (and the old mask back at once) delivers every pending signal its set leaves out,
///   as an unblock of them does; `SIGKILL` and `SIGSTOP` in any set are dropped; a bad `how` fails `EINVAL` given a
///   set, and with no set any `how` only reports the old mask (`SignalMaskFactsTests`). See `SignalModel+Mask.swift`.
/// - `sigrelse` and `sigset` of a disposition leave a signal unblocked: sent, it runs its handler (or is dropped, when
///   ignored) by the time the receiver's next call is over, and `sigpending` never reports it; `sighold`,
///   `sigset(SIG_HOLD)` and a `sigprocmask` block end that (`ObsoleteSignalCallsFactsTests`). See
///   `SignalModel+Unblocked.swift`.
/// - When `sigprocmask` or `sigsuspend` unblocks pending signals, their handlers run as the kernel's delivery loop
///   stacks them: with the recording handler's full `sa_mask` one after another in the dequeue order, with an empty
///   one nested and in reverse, with a partial one its signals after it and the others nested (`SA_NODEFER` lets a signal nest into its own handler); `SA_RESETHAND` sets the action
///   back to `SIG_DFL` as the handler is delivered (`KernelSignalFactsTests+Handlers`). See `SignalModel+Handlers.swift`.
public struct SignalModel: TraceModel {
    public static let name = "signal"

    /// The first real-time signal number (the kernel's SIGRTMIN; glibc reserves 32 and 33 and calls 34 SIGRTMIN).
    public static let firstRealtime = 32
    public static let last = 64
    /// glibc's SIGRTMIN, which trace names count from (`SIGRTMIN+1` is 35).
    public static let realtimeNameBase = 34
    /// The kernel's `SYNCHRONOUS_MASK`: SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV, SIGSYS, dequeued before the rest.
    public static let synchronous: Set<Int> = [4, 5, 7, 8, 11, 31]

    public enum Method: String, Hashable, Sendable {
        case kill, sigqueue, tgkill
        /// `tkill` of the receiver's main thread id: what `tgkill` does, without naming the thread group (measured,
        /// `ThreadKillFactsTests`: pending for that thread, `SI_TKILL`).
        case tkill
        /// `raise` and `pthread_kill(pthread_self(), sig)` by the receiver: to its own thread, as `tgkill` of itself
        /// (glibc's; measured, `ThreadKillFactsTests`); `pthread_kill` refuses glibc's internal signals 32 and 33
        /// with `EINVAL` first.
        case raise
        case pthreadKill = "pthread_kill"
        /// `killpg` (or `kill` of the negated group id) to the group whose id is the receiver's pid (see
        /// `SignalModel+ProcessGroup.swift`; other groups: ``Input/targetedSend``).
        case killpg
    }

    /// `si_code`: how a signal was sent, as the receiver learns it.
    public enum Code: String, Hashable, Sendable {
        case user = "SI_USER", queue = "SI_QUEUE", tkill = "SI_TKILL"
        /// An interval timer's (`alarm`, `setitimer`) signal: the kernel's, `si_pid` 0.
        case kernel = "SI_KERNEL"
        /// A POSIX timer's signal: `si_timerid`, `si_overrun`, `si_value` (see `SignalModel+Timers.swift`).
        case timer = "SI_TIMER"
    }

    /// How the receiver learns who sent a signal (`si_code`, `si_pid`, `si_value`).
    public struct Details: Hashable, Sendable {
        public var code: Code
        /// The sending process; nil when the kernel dropped the details (`si_pid` 0).
        public var sender: Int?
        /// `si_value.sival_int`, meaningful for `SI_QUEUE`.
        public var value: Int32
        /// Whether the handler that recorded the delivery ran on the receiver's alternate signal stack (`"onStack"`;
        /// nil: not recorded, or not judged — a wait has no handler). See `SignalModel+AltStack`.
        public var onStack: Bool?
        /// What the handler's `sigaltstack` call gave (`"sigaltstack"`; nil: it made none, or not judged). See
        /// `SignalModel+AltStack`.
        public var altStackCall: HandlerAltStackRecord?
        /// `SI_TIMER`: the timer's id (`si_timerid`, as the trace names it; nil: not recorded).
        public var timer: String?
        /// `SI_TIMER`: `si_overrun` (nil: any — a periodic timer's overruns are timing — or not recorded).
        public var overrun: Int?
        /// A POSIX timer's entry its timer was re-armed, disarmed or deleted since it was queued: pending still, but
        /// dropped by the dequeue that meets it (never delivered) unless the timer expires again first.
        public var stale = false
        /// Queued by a send whose details the kernel drops when the receiver's user is at its `RLIMIT_SIGPENDING` — a
        /// count that the user's other processes share, which no trace shows: so these may be kept without details
        /// after all (see `SignalModel+LostDetails.swift`).
        public var mayLose = false
        /// Of an entry that ``mayLose``: a collection of another entry of its signal found it still queued, so had it
        /// been dropped, that collection cleared the pending bit and it is gone (no delivery without details).
        public var vanishIfLost = false

        /// True for `SI_QUEUE` (sent by `sigqueue`).
        public var queued: Bool { code == .queue }
        /// Whether `si_value` means something: `SI_QUEUE` and `SI_TIMER`.
        public var carriesValue: Bool { code == .queue || code == .timer }

        public init(code: Code, sender: Int?, value: Int32, onStack: Bool? = nil, altStackCall: HandlerAltStackRecord? = nil,
            timer: String? = nil, overrun: Int? = nil) {
            self.code = code
            self.sender = code == .timer || code == .kernel ? nil : sender
            self.value = code == .queue || code == .timer ? value : 0
            self.onStack = onStack
            self.altStackCall = altStackCall
            self.timer = code == .timer ? timer : nil
            self.overrun = code == .timer ? overrun : nil
        }

        public init(queued: Bool, sender: Int?, value: Int32) {
            self.init(code: queued ? .queue : .user, sender: sender, value: value)
        }

        /// What a delivery looks like when the kernel kept no details.
        public static let lost = Details(code: .user, sender: nil, value: 0)

        /// Whether a delivery recorded with `observed` details is one the model's `self` allows: a `tgkill`'s
        /// signal reads `SI_TKILL` from the kernel and `SI_USER` through glibc's `sigtimedwait`, which folds it.
        public func allows(_ observed: Details) -> Bool {
            // Where the handler ran is judged only where both say.
            guard onStack == nil || observed.onStack == nil || onStack == observed.onStack else { return false }
            // What the handler's sigaltstack call gave, likewise.
            guard altStackCall == nil || observed.altStackCall == nil || altStackCall == observed.altStackCall else { return false }
            // A timer's id and overruns likewise (nil: any).
            guard timer == nil || observed.timer == nil || timer == observed.timer else { return false }
            guard overrun == nil || observed.overrun == nil || overrun == observed.overrun else { return false }
            var mine = self, seen = observed
            mine.onStack = nil
            seen.onStack = nil
            mine.altStackCall = nil
            seen.altStackCall = nil
            mine.timer = nil
            seen.timer = nil
            mine.overrun = nil
            seen.overrun = nil
            mine.stale = false
            seen.stale = false
            mine.mayLose = false
            seen.mayLose = false
            mine.vanishIfLost = false
            seen.vanishIfLost = false
            return seen == mine || (code == .tkill && seen.code == .user && seen.sender == sender)
        }
    }

    public enum Input: Hashable, Sendable {
        case send(process: Int, signal: Int, method: Method, value: Int32)
        /// `kill` or `killpg` (`call`) aimed at the sender's own group, a group the trace names, or every process (see
        /// `SignalModel+ProcessGroup.swift`).
        case targetedSend(process: Int, signal: Int, call: Method, target: SendTarget)
        /// `pidfd_send_signal` to the receiver (see `SignalModel+Pidfd.swift`).
        case pidfdSend(process: Int, signal: Int, send: PidfdSend)
        /// `pidfd_open` of the receiver with the raw `flags`; the pidfd is closed at once.
        case pidfdOpen(process: Int, flags: Int)
        /// nil waits without limit (`sigwaitinfo`).
        case wait(process: Int, signals: [Int], timeout: Timeout?)
        /// `sigwait` by the receiver: as an untimed `wait`, but only the number comes back.
        case sigwait(process: Int, signals: [Int])
        /// `sigpending` by the receiver.
        case pending(process: Int)
        /// `read` of a `signalfd` for `signals` with a buffer of `max` bytes (`SFD_NONBLOCK` when `nonblocking`).
        case signalfdRead(process: Int, signals: [Int], max: Int, nonblocking: Bool)
        /// A `read` of a `signalfd` made for `signals` with the raw `flags` (`SFD_NONBLOCK` 0x800 and `SFD_CLOEXEC`
        /// 0x80000 allowed, any other bit `EINVAL`), its mask then set to `update` by passing it back (nil: not): the
        /// read takes what one made for `update` would (see `signalfdSteps`).
        case signalfdReadAgain(process: Int, signals: [Int], flags: Int, update: [Int]?, max: Int)
        /// `poll` or `select` by the receiver on a `signalfd` for `signals` (made for the call): takes nothing.
        case signalfdReadiness(process: Int, signals: [Int], call: PipeModel.ReadinessCall)
        /// `ppoll` or `pselect` by the receiver on a signalfd for `signals` (made for the call) with `sigmask` swapped
        /// in for it: the object's signals it keeps blocked, every other unblocked (see `SignalModel+MaskedPoll.swift`).
        case signalfdReadinessMasked(process: Int, signals: [Int], call: PipeModel.ReadinessCall, sigmask: [Int])
        /// `sigaction` by the receiver for `signal`, setting `action` (nil: only asking for the current one); a
        /// handler's `flags` (the recording handler's unless a trace says otherwise).
        case sigaction(process: Int, signal: Int, action: Action?, flags: HandlerFlags = .recording)
        /// `sigprocmask` by the receiver on `signals` of its set (see ``MaskChange``).
        case sigprocmask(process: Int, change: MaskChange, signals: [Int], call: MaskCall = .process)
        /// `sigprocmask` (or `pthread_sigmask`) by the receiver with no set, only asking for the old mask: the kernel
        /// does not look at `change` then (measured: a bad `how` succeeds).
        case maskQuery(process: Int, change: MaskChange, call: MaskCall = .process)
        /// `sigsuspend` by the receiver with `signals` of its set unblocked: what the handler saw.
        case sigsuspend(process: Int, signals: [Int])
        /// An obsolete call by the receiver — `signal`, `sigignore`, `sighold`, `siginterrupt` — on `signal`: what
        /// glibc builds it from (see ``SignalModel+Obsolete``).
        case obsolete(process: Int, signal: Int, call: ObsoleteCall)
        /// `sigpause(signal)` (XPG) by the receiver: `sigsuspend` with that one signal unblocked.
        case sigpause(process: Int, signal: Int)
        /// BSD `sigpause(mask)` (glibc's `__sigpause(mask, 0)`) by the receiver: `sigsuspend` with the mask *replaced*
        /// by the old-style `int` mask blocking `mask` (signals 1…31): every other signal, real-time ones included,
        /// unblocked for it (see `SignalModel+Unblocked.swift`).
        case sigpauseMask(process: Int, mask: [Int])
        /// `sigaltstack` by the receiver: `set` (nil: only asking); see `SignalModel+AltStack.swift`.
        case sigaltstack(process: Int, set: AltStackSetting?)
        /// `pause` by the receiver, the object's signals blocked: only a signal outside them ends it (`EINTR`).
        case pause(process: Int)
        /// `pause` with `signals` of the object unblocked for it (unblock, `pause`, block again): what the handlers saw.
        case pauseUnblocking(process: Int, signals: [Int])
        /// The receiver (or any process) died; only the receiver's death matters.
        /// `epoll_ctl`, `epoll_wait` (and `epoll_pwait`, `epoll_pwait2` without a mask), `epoll_create`, `epoll_create1` by
        /// the receiver on its epoll instance of signalfds (see `SignalModel+Epoll.swift`).
        case epoll(process: Int, call: EpollCall)
        /// A signal the harness sent the receiver (its `SIGUSR1`, a signal fault): not one of the object's, but made
        /// pending as any, it wakes the signalfds' queue — news to `EPOLLET` registrations.
        case signalFault(process: Int)
        /// A timer call by the receiver, or the trace's record of a timer's expiry (see `SignalModel+Timers.swift`).
        case timer(process: Int, call: TimerCall)
        /// The process's end (its reaping), with what the trace's `exit` says of it (``Ending``).
        case exit(process: Int, ending: Ending = .notKnown)
        /// A call of the receiver made in its thread `thread` (not the main one), or a send to that thread (see
        /// `SignalModel+Threads.swift`).
        indirect case inThread(thread: String, call: Input)
        /// `pthread_create` of thread `thread` by the receiver, or its end (see `SignalModel+Threads.swift`).
        case thread(process: Int, thread: String, event: ThreadEvent)
        /// `tgkill`/`tkill` naming a thread group or thread id that is not the receiver's (see `SignalModel+Threads.swift`).
        case foreignIDs(process: Int, signal: Int, method: Method, ids: ForeignThreadIDs)
        /// `rt_tgsigqueueinfo` naming thread ids, or `pidfd_open` of a pid, not the receiver's (see
        /// `SignalModel+ThreadTargets.swift`).
        case foreignTarget(process: Int, call: ForeignCall)
    }

    public enum Output: Hashable, Sendable {
        case sent
        case received(signal: Int, details: Details)
        /// What `sigwait` reported: the signal's number alone.
        case number(Int)
        /// What `sigpending` reported: the signals pending in either set, ascending.
        case pendingSignals([Int])
        /// What a `signalfd` read returned, in order.
        case deliveries([Delivery])
        /// `poll`'s `revents` on a signalfd (empty: it returned 0).
        case ready(PipeModel.PollEvents)
        /// `select`'s answer on a signalfd.
        case selected(readable: Bool, writable: Bool)
        /// What `sigprocmask` or `pthread_sigmask` reported when asked for the old mask too: what the handlers
        /// recorded, and which of the call's signals the old mask blocked.
        case maskChanged(deliveries: [Delivery], old: [Int])
        /// What `sigaction` reported as the action before the call.
        case previousAction(Action)
        /// What `sigset` reported (the old disposition, `SIG_HOLD` when the signal was blocked), and the signals whose
        /// handler ran inside it, in order (its handler is called without `SA_SIGINFO`: numbers only; nil when the
        /// trace does not say: any).
        case disposition(old: Disposition, delivered: [Int]?)
        /// What `sigaltstack` reported as the old alternate stack.
        case altStack(AltStack)
        /// A call that reported success with nothing to say (`pause` returning 0: never on Linux).
        case returned
        case exited
        /// `epoll_ctl` done.
        case epollControlled
        /// What `epoll_wait` reported, sorted (empty: it returned 0).
        case epollEvents([EpollReport])
        /// `epoll_create`/`epoll_create1` made an instance (closed at once): its `FD_CLOEXEC` (nil: not recorded).
        case epollCreated(closeOnExec: Bool?)
        /// What a timer call reported.
        case timerReport(TimerReport)
        case failed(ErrorCode)
    }

    /// One signal taken, with how it was sent.
    public struct Delivery: Hashable, Sendable {
        public var signal: Int
        public var details: Details

        public init(signal: Int, details: Details) {
            self.signal = signal
            self.details = details
        }
    }

    /// The size of one `struct signalfd_siginfo`.
    public static let signalfdInfoSize = 128
    /// `SFD_NONBLOCK` and `SFD_CLOEXEC`, the only flags `signalfd` takes.
    public static let signalfdNonblocking = 0x800, signalfdCloseOnExec = 0x80000

    /// One signal number's pending state: the kernel's pending bit and its queue of details.
    public struct Pending: Hashable, Sendable {
        public var signal: Int
        public var queue: [Details]
    }

    /// One receiver's pending signals.
    public struct State: Hashable, Sendable {
        public let receiver: Int
        public internal(set) var queueLimit: Int?
        /// What the set-up says of the receiver's process group (nil: nothing; see ``ProcessGroup``).
        public internal(set) var processGroup: ProcessGroup? = nil
        /// The receiver's group's id and members, when the set-up says them (see ``GroupMembership``).
        public internal(set) var group: GroupMembership? = nil
        /// The credentials of the processes the set-up describes (see `SignalModel+Credentials.swift`).
        public internal(set) var credentials: [Int: Credentials] = [:]
        /// Process-wide signals whose pending bit is set, ascending; each with the details queued for it (possibly
        /// none).
        public internal(set) var pending: [Pending] = []
        /// The same for the receiving thread's own set (signals sent to it by `tgkill`).
        public internal(set) var threadPending: [Pending] = []
        /// False once the receiver has died.
        public internal(set) var alive = true
        /// The signal whose default action ended the receiver, before its `exit` (the reaping; nil: not ended so): it
        /// makes no call any more, in any thread (see `SignalModel+FatalSignals.swift`).
        public internal(set) var killedBy: Int? = nil
        /// How many signals the receiver's `signalfd` read in progress has taken (0 when none is).
        public internal(set) var readTaken = 0
        /// The receiver's action for each signal whose action is known (from set-up or a `sigaction`); a signal absent
        /// here has an action the trace does not show, which a first `sigaction` may report as anything.
        public internal(set) var actions: [Int: Action] = [:]
        /// The flags and mask of each handler a `sigaction` of the trace installed (absent: the recording handler's).
        public internal(set) var handlerFlags: [Int: HandlerFlags] = [:]
        /// The signals the receiver's `sigsuspend` has unblocked while it sleeps (nil when it is not asleep in one):
        /// one of them sent now whose action ignores it is discarded at once (`sig_ignored`: no longer blocked).
        public internal(set) var suspended: [Int]? = nil
        /// The receiver's `sigprocmask` unblock or `sigsuspend` whose delivery loop is running (nil when none is).
        public internal(set) var loop: DeliveryLoop? = nil
        /// The object's signals the receiver has left unblocked (`sigrelse`, `sigset` of a disposition), ascending:
        /// sent, they run their handler at its next return to user mode (see `SignalModel+Unblocked.swift`).
        public internal(set) var unblocked: [Int] = []
        /// The receiver's alternate signal stack, once a trace has shown it (nil: not known yet).
        public internal(set) var altStack: AltStack? = nil
        /// The receiver's registrations of signalfds on its epoll instance (see `SignalModel+Epoll.swift`).
        public internal(set) var epoll: [EpollRegistration] = []
        /// Processes whose epoll calls the model does not judge (none: each registration's signalfd is one).
        public internal(set) var epollUnjudged: [Int] = []
        /// Level-triggered registrations off the instance's ready list (certainly, and perhaps), ascending: a wait
        /// in one thread polled them not ready for it, though they may be for another (`SignalModel+ThreadEpoll.swift`).
        public internal(set) var epollOffList: [SignalSet] = []
        public internal(set) var epollPerhapsOffList: [SignalSet] = []
        /// The receiver's timers (see `SignalModel+Timers.swift`); an interval timer absent is disarmed.
        public internal(set) var timers: [TimerName: Timer] = [:]
        /// A `timer_create` had no outcome: its id is not known, so calls naming an unknown timer are not judged.
        public internal(set) var timersUnknown = false
        /// The receiver's threads other than its main one, by trace name (see `SignalModel+Threads.swift`).
        public internal(set) var threads: [String: ReceiverThread] = [:]

        /// Queued details in every set (the receiver's threads' too), which count against the limit: the entries that
        /// hold a slot for sure (not those that may have lost their details: see `SignalModel+LostDetails.swift`).
        var surelyQueuedCount: Int {
            (pending + threadPending + threads.values.flatMap(\.pending)).reduce(0) { $0 + $1.queue.filter { !$0.mayLose }.count }
        }

        /// Every signal pending in either set, ascending (what `sigpending` reports).
        var pendingSignals: [Int] { Set((pending + threadPending).map(\.signal)).sorted() }
    }

    /// How one receiver starts.
    public struct Setup: Hashable, Sendable {
        public var receiver: Int
        public var queueLimit: Int?
        /// The receiver's actions known at the start (the harness's receiver sets its object's signals to `SIG_DFL`);
        /// `SIGKILL` and `SIGSTOP` are always `SIG_DFL`.
        public var actions: [Int: Action]
        /// The receiver's process group, as the set-up made it (nil: the trace does not say; params `processGroup`).
        public var processGroup: ProcessGroup?
        /// The receiver's group's id and members (params `processGroup` as an object).
        public var group: GroupMembership?
        /// The credentials of the trace's processes (params `credentials`).
        public var credentials: [Int: Credentials]

        public init(receiver: Int, queueLimit: Int? = nil, actions: [Int: Action] = [:], processGroup: ProcessGroup? = nil,
            group: GroupMembership? = nil, credentials: [Int: Credentials] = [:]) {
            self.receiver = receiver
            self.queueLimit = queueLimit
            self.actions = actions
            self.processGroup = processGroup
            self.group = group
            self.credentials = credentials
        }
    }

    public let setups: [(name: String, setup: Setup)]

    public init(receivers: [(name: String, setup: Setup)]) {
        self.setups = receivers
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        let setup = setups.first { $0.name == object }?.setup ?? Setup(receiver: 0)
        var state = State(receiver: setup.receiver, queueLimit: setup.queueLimit)
        state.processGroup = setup.processGroup
        state.group = setup.group
        state.credentials = setup.credentials
        state.actions = setup.actions.merging(Self.unblockable.map { ($0, .standard) }) { _, fixed in fixed }
        return state
    }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        let steps = stepKeepingDetails(state, input, output)
        // Nothing allows it as the details were kept: perhaps some were dropped past the user's limit.
        guard steps.isEmpty, state.mayHaveLostDetails else { return steps }
        var resolved: [Step<State>] = []
        for variant in Self.lostDetailsVariants(state) {
            for step in stepKeepingDetails(variant, input, output) where !resolved.contains(step) { resolved.append(step) }
        }
        return resolved
    }

    /// ``step(_:_:_:)`` taking every queued entry's details as kept.
    func stepKeepingDetails(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        // An armed timer may have expired before this step (the model keeps no time): each way it may have.
        // A thread other than the main one may have taken a process-directed signal it leaves unblocked.
        let starts = expiries(state).flatMap(Self.otherThreadsDelivered)
        var steps: [Step<State>] = []
        for start in starts {
            for step in mortalSteps(start, input, output) {
                // What the step did to the receiver's other threads (see `SignalModel+Threads.swift`).
                let next = Self.threadsAfter(input, step.state)
                let after: Step<State> = if case .partial = step { .partial(next) } else { .completed(next) }
                if !steps.contains(after) { steps.append(after) }
            }
        }
        return steps
    }

    /// ``step(_:_:_:)`` once the timers' expiries before it are decided.
    func timedStep(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        if let steps = threadSteps(state, input, output) { return steps }
        if case .timer(_, let call) = input { return timerSteps(state, call: call, output: output) }
        if case .signalFault = input {
            var next = state
            if next.alive { Self.signalfdNotify(&next) }
            return output == nil || output == .returned ? [.completed(next)] : []
        }
        let steps = unblockedSteps(state, input, output)
        // A call of the receiver interrupted: a signal the trace need not show came (the harness's SIGUSR1), and
        // `signalfd_notify` woke the signalfds' queue as it did: perhaps news to EPOLLET registrations.
        guard output == .failed(.EINTR), state.epoll.contains(where: \.edgeTriggered) else { return steps }
        return steps.map { step in
            guard case .completed(var next) = step else { return step }
            Self.signalfdNotify(&next, .perhaps)
            return .completed(next)
        }
    }

    /// One step of `input`, the signals the receiver left unblocked set aside (``step(_:_:_:)`` delivers them).
    func callStep(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        if case .signalfdRead(_, let signals, let max, let nonblocking) = input {
            return signalfdSteps(state, signals: signals, capacity: max / Self.signalfdInfoSize, nonblocking: nonblocking, output: output)
        }
        if case .signalfdReadAgain(_, let signals, let flags, let update, let max) = input {
            // The flags are checked as the descriptor is made, before anything is read.
            if flags & ~(Self.signalfdNonblocking | Self.signalfdCloseOnExec) != 0 {
                return output == nil || output == .failed(.EINVAL) ? [.completed(state)] : []
            }
            return signalfdSteps(state, signals: update ?? signals, capacity: max / Self.signalfdInfoSize,
                nonblocking: flags & Self.signalfdNonblocking != 0, output: output)
        }
        if case .signalfdReadiness(_, let signals, let call) = input {
            // Its signalfd is made for the call: with the caller's descriptor table full (no trace shows it), EMFILE.
            if output == .failed(DescriptorTable.exhausted) { return [.completed(state)] }
            let result = Self.readiness(call, ready: state.pendingSignals.contains(where: signals.contains))
            // Interrupted while nothing of its set is pending (whatever its timeout); otherwise one atomic look.
            if output == .failed(.EINTR) { return Self.nothingReady(result) ? [.completed(state)] : [] }
            if Self.nothingReady(result) && call.timeout < 0 { return [] }
            return output == nil || output == result ? [.completed(state)] : []
        }
        if case .signalfdReadinessMasked(_, let signals, let call, let sigmask) = input {
            return maskedPollSteps(state, signals: signals, call: call, sigmask: sigmask, output: output)
        }
        if case .sigaction(_, let signal, let action, let flags) = input {
            return actionSteps(state, signal: signal, action: action, flags: flags, output: output)
        }
        if case .sigprocmask(_, let change, let signals, _) = input {
            return maskSteps(state, change: change, signals: signals, output: output)
        }
        if case .maskQuery = input { return output.map { Self.allowsQuery($0, in: state) } ?? true ? [.completed(state)] : [] }
        if case .sigsuspend(_, let signals) = input {
            return suspendSteps(state, signals: signals, output: output)
        }
        if case .obsolete(_, let signal, let call) = input { return obsoleteSteps(state, signal: signal, call: call, output: output) }
        if case .sigpause(_, let signal) = input {
            if Self.refusesSetMember(signal) { return output == nil || output == .failed(.EINVAL) ? [.completed(state)] : [] }
            return suspendSteps(state, signals: [signal], output: output)
        }
        if case .sigpauseMask(_, let mask) = input { return suspendSteps(state, signals: Self.unblocked(byOldMask: mask), output: output) }
        if case .pause = input { return pauseSteps(state, output: output) }
        if case .sigaltstack(_, let setting) = input { return altStackSteps(state, setting: setting, output: output) }
        if case .pauseUnblocking(_, let signals) = input { return pauseUnblockingSteps(state, signals: signals, output: output) }
        if case .epoll(let process, let call) = input, let sigmask = Self.epollWaitMask(call) {
            return maskedEpollSteps(state, process: process, call: call, sigmask: sigmask, output: output)
        }
        if case .epoll(let process, let call) = input {
            var steps: [Step<State>] = []
            for outcome in epollOutcomes(state, process: process, call: call) where output == nil || outcome.output == nil || outcome.output == output {
                if !steps.contains(.completed(outcome.next)) { steps.append(.completed(outcome.next)) }
            }
            return steps
        }
        if output == .failed(.EINTR) {
            // Interrupted asleep: nothing of its set was pending, and it takes nothing.
            // (A stale timer entry is not live: its first dequeue dropped it as it went to sleep.)
            guard case .wait(_, let signals, let timeout) = input, timeout != .milliseconds(0), timeout != .invalid, state.alive,
                take(state, signals) == nil
            else { return [] }
            let swept = Self.droppingStale(state, signals)
            return swept == state ? [.completed(state)] : [.completed(state), .completed(swept)]
        }
        if output == .failed(.EAGAIN), let steps = exhaustedQueueSteps(state, input) { return steps }
        if let outcomes = sendOutcomes(state, input) {
            var steps: [Step<State>] = []
            for (result, next) in outcomes where output.map({ Self.allows(result, $0) }) ?? true {
                if !steps.contains(.completed(next)) { steps.append(.completed(next)) }
            }
            return steps
        }
        var steps: [Step<State>] = []
        for start in [state] + sleepingWaitStarts(state, input) {
            guard let (result, next) = callOutcome(of: input, in: start) else { continue }
            if output.map({ Self.allows(result, $0) }) ?? true, !steps.contains(.completed(next)) { steps.append(.completed(next)) }
        }
        return steps
    }

    /// A `signalfd` read, one take per step (the kernel's `signalfd_read` loop, which takes the lock per signal):
    /// each take must be the one `sigtimedwait` would make then and the one the read returned at that position; it
    /// completes with its last take when its buffer is full or nothing more of its set is pending.
    ///
    /// The signalfd is made for the read: with the caller's descriptor table full, which no trace shows, it fails
    /// `EMFILE` before anything is read — even with a buffer too small (measured, `DescriptorExhaustionFactsTests`).
    func signalfdSteps(_ state: State, signals: [Int], capacity: Int, nonblocking: Bool, output: Output?) -> [Step<State>] {
        if output == .failed(DescriptorTable.exhausted) { return state.readTaken == 0 ? [.completed(state)] : [] }
        guard capacity > 0 else { return output == nil || output == .failed(.EINVAL) ? [.completed(state)] : [] }
        // Stale timer entries are dropped by the dequeue that meets them: pending, but nothing to take.
        let nothingPending = take(state, signals) == nil
        var done = nothingPending ? Self.droppingStale(state, signals) : state
        done.readTaken = 0
        switch output {
        case .failed(.EAGAIN)?:
            return state.readTaken == 0 && nonblocking && nothingPending && state.alive ? [.completed(done)] : []
        case .failed(.EINTR)?:
            return state.readTaken == 0 && !nonblocking && nothingPending && state.alive ? [.completed(done)] : []
        case .deliveries(let returned)?:
            guard !returned.isEmpty, returned.count <= capacity, state.readTaken < returned.count,
                let (next, taken) = take(state, signals)
            else { return [] }
            let seen = returned[state.readTaken]
            guard seen.signal == taken.signal, taken.details.allows(seen.details) else { return [] }
            var after = next
            after.readTaken = state.readTaken + 1
            guard after.readTaken == returned.count else { return [.partial(after)] }
            let full = returned.count == capacity
            let more = after.pendingSignals.contains(where: signals.contains)
            after.readTaken = 0
            return full || !more ? [.completed(after)] : []
        case nil:
            // Its process died in it, or the checker asks for any outcome: it may stop after any take.
            var steps: [Step<State>] = []
            if state.readTaken > 0 || nonblocking || nothingPending { steps.append(.completed(done)) }
            if state.readTaken < capacity, let (next, _) = take(state, signals) {
                var after = next
                after.readTaken = state.readTaken + 1
                steps.append(.partial(after))
            }
            return steps
        default:
            return []
        }
    }

    /// What `poll` or `select` on a signalfd reports when `ready` (one of its signals pending for the caller):
    /// `POLLIN` alone, when asked; readable, never writable.
    static func readiness(_ call: PipeModel.ReadinessCall, ready: Bool) -> Output {
        switch call {
        case .poll(let events, _): .ready(ready && events.contains(.input) ? .input : [])
        case .select(let read, _, _): .selected(readable: ready && read, writable: false)
        }
    }

    static func nothingReady(_ output: Output) -> Bool {
        output == .ready([]) || output == .selected(readable: false, writable: false)
    }

    /// The next signal of `signals` the kernel's dequeue takes: the thread's set, then the process's.
    func take(_ state: State, _ signals: [Int]) -> (State, Delivery)? {
        var next = state
        guard let (signal, details) = Self.dequeue(from: &next.threadPending, signals) ?? Self.dequeue(from: &next.pending, signals)
        else { return nil }
        return (next, Delivery(signal: signal, details: details))
    }

    public func abandon(_ state: State, _ input: Input) -> State {
        var next = state
        next.readTaken = 0
        next.suspended = nil
        next.loop = nil
        for name in next.threads.keys { next.threads[name]?.suspended = nil }
        return next
    }

    /// Whether `observed` is what the model's `expected` allows (details compared with ``Details/allows(_:)``).
    public static func allows(_ expected: Output, _ observed: Output) -> Bool {
        if case .received(let signal, let details) = expected, case .received(signal, let seen) = observed {
            return details.allows(seen)
        }
        return expected == observed
    }

    /// How `input` completes from `state` as one atomic step (a delivery loop run at once, the signals the receiver
    /// left unblocked delivered once its call is over); nil when it cannot yet (a wait without timeout and nothing
    /// pending).
    public func outcome(of input: Input, in state: State) -> (output: Output, next: State)? {
        if case .exit = input { return callOutcome(of: input, in: state) }
        var result: (output: Output, next: State)?
        if case .obsolete(let process, let signal, .sigrelse) = input {
            if Self.refusesSetMember(signal) { return (.failed(.EINVAL), state) }
            result = maskOutcome(.sigprocmask(process: process, change: .unblock, signals: [signal]), in: state)
            if var next = result?.next {
                Self.leaveUnblocked(&next, signal)
                result?.next = next
            }
        } else {
            result = callOutcome(of: input, in: state)
        }
        guard input.process == state.receiver, let (output, next) = result else { return result }
        let delivered = Self.allDelivered(next)
        // A fatal signal taken as the call returns: the receiver dies in it, and the call has no outcome.
        if Self.fatalTaken(from: next.pending + next.threadPending, to: delivered.pending + delivered.threadPending, in: next) != nil { return nil }
        return (output, delivered)
    }

    /// ``outcome(of:in:)`` but for the signals the receiver left unblocked.
    func callOutcome(of input: Input, in state: State) -> (output: Output, next: State)? {
        switch input {
        case .send(let process, let signal, let method, let value):
            // glibc's pthread_kill refuses its internal signals before anything.
            if method == .pthreadKill && (signal == 32 || signal == 33) { return (.failed(.EINVAL), state) }
            // The receiver is looked up before the signal number is checked.
            guard state.alive else { return (.failed(.ESRCH), state) }
            guard (0...Self.last).contains(signal) else { return (.failed(.EINVAL), state) }
            let code: Code = switch method { case .kill, .killpg: .user; case .sigqueue: .queue; case .tgkill, .tkill, .raise, .pthreadKill: .tkill }
            return sendOutcome(state, signal: signal, details: Details(code: code, sender: process, value: value), toThread: code == .tkill)
        case .pidfdSend(let process, let signal, let send):
            return pidfdSendOutcome(state, process: process, signal: signal, send: send)
        case .targetedSend:
            return sendOutcomes(state, input)?.first
        case .pidfdOpen(_, let flags):
            return pidfdOpenOutcome(state, flags: flags)
        case .wait(_, let signals, let timeout):
            // An invalid timeout fails before anything is taken (`do_sigtimedwait` checks it first).
            if timeout == .invalid { return (.failed(.EINVAL), state) }
            // The kernel's dequeue_signal: the thread's own set first, then the process-wide one.
            var next = state
            if let (signal, details) = Self.dequeue(from: &next.threadPending, signals)
                ?? Self.dequeue(from: &next.pending, signals) {
                return (.received(signal: signal, details: details), next)
            }
            // A stale timer entry the dequeue met is dropped even so.
            return timeout == nil ? nil : (.failed(.EAGAIN), next)
        case .sigwait(_, let signals):
            var next = state
            guard let (signal, _) = Self.dequeue(from: &next.threadPending, signals) ?? Self.dequeue(from: &next.pending, signals)
            else { return nil }
            return (.number(signal), next)
        case .pending:
            // The kernel reports the pending signals that are also blocked.
            return (.pendingSignals(state.pendingSignals.filter { !state.unblocked.contains($0) }), state)
        case .signalfdRead, .signalfdReadAgain:
            return nil  // several steps: see signalfdSteps
        case .sigaction(_, let signal, let action, let flags):
            return setAction(state, signal: signal, action: action, flags: flags)
        case .sigprocmask, .maskQuery, .sigsuspend:
            return maskOutcome(input, in: state)
        case .obsolete(_, let signal, let call):
            return obsoleteOutcome(state, signal: signal, call: call)
        case .sigpause(let process, let signal):
            if Self.refusesSetMember(signal) { return (.failed(.EINVAL), state) }
            return maskOutcome(.sigsuspend(process: process, signals: [signal]), in: state)
        case .sigpauseMask(let process, let mask):
            return maskOutcome(.sigsuspend(process: process, signals: Self.unblocked(byOldMask: mask)), in: state)
        case .sigaltstack(_, let setting):
            let (output, stack) = Self.altStackOutcome(state.altStack ?? AltStack(enabled: false, size: 0, autoDisarm: false), setting: setting)
            var next = state
            next.altStack = stack
            return (output, next)
        case .pause:
            return nil  // it never completes by itself: only a signal outside the object ends it
        case .pauseUnblocking:
            return nil  // several steps, and it sleeps: see pauseUnblockingSteps
        case .signalfdReadiness(_, let signals, let call):
            let result = Self.readiness(call, ready: state.pendingSignals.contains(where: signals.contains))
            return Self.nothingReady(result) && call.timeout < 0 ? nil : (result, state)
        case .signalfdReadinessMasked(_, let signals, let call, let sigmask):
            return maskedPollOutcome(state, signals: signals, call: call, sigmask: sigmask)
        case .signalFault:
            var next = state
            if next.alive { Self.signalfdNotify(&next) }
            return (.returned, next)
        case .timer(_, let call):
            return timerOutcome(state, call: call)
        case .epoll(let process, let call):
            if let sigmask = Self.epollWaitMask(call) { return maskedEpollOutcome(state, process: process, call: call, sigmask: sigmask) }
            // One way it may end (a wait with nothing ready and no timeout cannot end by itself: EINTR aside, none).
            return epollOutcomes(state, process: process, call: call).first { $0.output != .failed(.EINTR) }
                .map { ($0.output ?? .epollControlled, $0.next) }
        case .inThread, .thread, .foreignIDs, .foreignTarget:
            return threadOutcome(of: input, in: state)
        case .exit(let process, let ending):
            guard process == state.receiver else { return (.exited, Self.departed(state, process)) }
            // Killed by a fatal default action, the receiver's wait status is that signal (measured:
            // ThreadFatalSignalFactsTests): an exit with a code, or with another signal, is not its end.
            if let signal = state.killedBy, !ending.allows(killedBy: signal) { return nil }
            var next = state
            next.alive = false
            next.pending = []
            next.threadPending = []
            next.epoll = []  // its epoll instance and signalfds closed with it
            next.epollUnjudged = []
            next.epollOffList = []
            next.epollPerhapsOffList = []
            next.timers = [:]  // its timers die with it
            return (.exited, next)
        }
    }

    /// The kernel's `__dequeue_signal` on one set: the synchronous signals of `signals` first, lowest first, then the
    /// lowest-numbered other; nil when none of them is pending there.
    static func dequeue(from set: inout [Pending], _ signals: [Int]) -> (signal: Int, details: Details)? {
        let waitedFor = { (pending: Pending) in signals.contains(pending.signal) }
        while true {
            let firstSynchronous = set.firstIndex { waitedFor($0) && Self.synchronous.contains($0.signal) }
            guard let index = firstSynchronous ?? set.firstIndex(where: waitedFor) else { return nil }
            let signal = set[index].signal
            guard !set[index].queue.isEmpty else {
                set.remove(at: index)
                return (signal, .lost)
            }
            let details = set[index].queue.removeFirst()
            if set[index].queue.isEmpty { set.remove(at: index) } else { Self.collected(&set[index]) }
            // A stale timer entry is dropped as it is met, and the dequeue looks again (the kernel's `goto again`).
            if details.stale { continue }
            return (signal, details)
        }
    }

    /// The kernel's `__send_signal_locked` on the target set (the thread's for `tgkill`, else the process's): a
    /// standard signal pending *in that set* drops the new one; otherwise details are queued if the limit (counted
    /// over both sets) allows — a standard signal sent by `kill` is allowed past it — else a real-time `sigqueue`
    /// or `tgkill` fails `EAGAIN` and anything else sets the pending bit without details.
    /// A send the checks let through (the receiver alive, the number in 0–64), whatever call made it: 0 only checks;
    /// a signal the receiver leaves unblocked is dropped, kills or waits for its handler as its action says;
    /// otherwise it is generated for the process or its thread.
    func sendOutcome(_ state: State, signal: Int, details: Details, toThread: Bool) -> (output: Output, next: State) {
        if signal == 0 { return (.sent, state) }
        // A receiver a fatal signal has ended takes every signal, as any zombie, and nothing of it is seen any more.
        if state.killedBy != nil { return (.sent, state) }
        // Asleep in `sigsuspend` with it unblocked (the receiving thread, or for a process-directed one any thread):
        // an ignored one is discarded.
        let suspended = state.suspended?.contains(signal) == true
            || (!toThread && state.threads.values.contains { $0.end == nil && $0.suspended?.contains(signal) == true })
        if suspended, fate(of: signal, in: state) == .discarded { return (.sent, state) }
        // Not blocked: an ignored one is dropped as it is sent (`sig_ignored`).
        if state.unblocked.contains(signal), fate(of: signal, in: state) == .discarded { return (.sent, state) }
        // A fatal one that a thread it may go to leaves unblocked ends the receiver, in whichever thread it is taken,
        // and what was pending is gone with it (`SignalModel+FatalSignals.swift`).
        if Self.isFatal(signal, in: state), Self.fatalSendEnds(state, signal, toThread: toThread) == true {
            return (.sent, Self.killed(state, by: signal))
        }
        return generate(state, signal: signal, details: details, toThread: toThread)
    }

    private func generate(_ state: State, signal: Int, details: Details, toThread: Bool) -> (output: Output, next: State) {
        let realtime = signal >= Self.firstRealtime
        var set = toThread ? state.threadPending : state.pending
        if details.code == .timer {
            // A POSIX timer's preallocated entry: never refused, never absorbed (see `SignalModel+Timers.swift`).
            Self.queueTimerSignal(&set, signal: signal, details: details)
            var next = state
            if toThread { next.threadPending = set } else { next.pending = set }
            Self.signalfdNotify(&next)
            return (.sent, next)
        }
        let index = set.firstIndex { $0.signal == signal }
        if !realtime, index != nil { return (.sent, state) }
        // `override_rlimit` only for a standard signal whose si_code is not negative (`kill`'s SI_USER);
        // over the limit, a real-time one fails unless it is SI_USER (so `sigqueue` and `tgkill` fail).
        let overrideLimit = !realtime && (details.code == .user || details.code == .kernel)
        // Counted: the entries surely queued (one that may have lost its details may hold no slot).
        let fits = overrideLimit || state.queueLimit.map { state.surelyQueuedCount < $0 } ?? true
        if !fits && realtime && details.code != .user { return (.failed(.EAGAIN), state) }
        let position = index ?? set.firstIndex { $0.signal > signal } ?? set.count
        if index == nil { set.insert(Pending(signal: signal, queue: []), at: position) }
        if fits {
            // Details the kernel keeps only while the user's count (other processes' signals too) is under the limit.
            var queued = details
            queued.mayLose = realtime ? details.code == .user : !overrideLimit
            set[position].queue.append(queued)
        }
        var next = state
        if toThread { next.threadPending = set } else { next.pending = set }
        // The kernel's `signalfd_notify` as it marks the signal pending: news to every EPOLLET registration.
        Self.signalfdNotify(&next)
        return (.sent, next)
    }

    public func describe(_ state: State) -> String {
        guard state.alive else { return "process \(state.receiver) has died" }
        if let death = Self.describeDeath(state) { return death }
        let registrations = state.epoll.map { registration in
            "; epoll: \(registration.target) \(registration.events)" + (registration.disabled ? " (disabled)" : "")
                + (registration.edgeTriggered ? ", news \(registration.news)" : "")
        }.joined()
        if state.pending.isEmpty && state.threadPending.isEmpty {
            return "nothing pending for process \(state.receiver)" + Self.describeThreads(state) + registrations
        }
        func list(_ set: [Pending]) -> String {
            set.map { pending in
                let name = Self.name(of: pending.signal)
                if pending.queue.isEmpty { return "\(name) (no details)" }
                return pending.queue.map { "\(name) \(Self.describe($0))" }.joined(separator: ", ")
            }.joined(separator: ", ")
        }
        var text = "pending for process \(state.receiver): " + (state.pending.isEmpty ? "none" : list(state.pending))
        if !state.threadPending.isEmpty { text += "; for its thread (tgkill): " + list(state.threadPending) }
        text += Self.describeThreads(state)
        text += registrations
        return text
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .send(_, let signal, let method, let value):
            call = "\(method.rawValue) \(Self.name(of: signal))" + (method == .sigqueue ? " value \(value)" : "")
        case .pidfdSend(_, let signal, let send):
            call = Self.describe(send, signal: signal)
        case .targetedSend(_, let signal, let method, let target):
            call = "\(method.rawValue) \(Self.name(of: signal)) to " + {
                switch target {
                case .ownGroup: "the sender's own group"
                case .group(let id): "group \(id)"
                case .everyone: "every process (-1)"
                }
            }()
        case .pidfdOpen(_, let flags):
            call = "pidfd_open flags \(flags)"
        case .wait(_, let signals, let timeout):
            call = "sigtimedwait {\(signals.map(Self.name(of:)).joined(separator: ", "))}"
                + (timeout.map { " \($0.text)" } ?? "")
        case .sigwait(_, let signals):
            call = "sigwait {\(signals.map(Self.name(of:)).joined(separator: ", "))}"
        case .pending:
            call = "sigpending"
        case .signalfdRead(_, let signals, let max, let nonblocking):
            call = "read signalfd {\(signals.map(Self.name(of:)).joined(separator: ", "))} up to \(max) bytes" + (nonblocking ? " (SFD_NONBLOCK)" : "")
        case .signalfdReadAgain(_, let signals, let flags, let update, let max):
            call = "read signalfd {\(signals.map(Self.name(of:)).joined(separator: ", "))} flags \(flags)"
                + (update.map { " set again to {\($0.map(Self.name(of:)).joined(separator: ", "))}" } ?? "") + " up to \(max) bytes"
        case .signalfdReadiness(_, let signals, let readinessCall):
            call = "\(readinessCall) on signalfd {\(signals.map(Self.name(of:)).joined(separator: ", "))}"
        case .signalfdReadinessMasked(_, let signals, let readinessCall, let sigmask):
            call = "\(readinessCall) on signalfd {\(signals.map(Self.name(of:)).joined(separator: ", "))} with sigmask {\(sigmask.map(Self.name(of:)).joined(separator: ", "))}"
        case .sigaction(_, let signal, let action, let flags):
            call = "sigaction \(Self.name(of: signal))" + (action.map { " \($0.constant)" } ?? " (asking)")
                + (action == .handler && flags != .recording ? " \(flags)" : "")
        case .sigprocmask(_, let change, let signals, let maskCall):
            call = "\(maskCall.rawValue) \(change.rawValue) {\(signals.map(Self.name(of:)).joined(separator: ", "))}"
                + (change == .unblock ? " and block again" : change == .setmask ? " and the old mask again" : "")
        case .maskQuery(_, let change, let maskCall):
            call = "\(maskCall.rawValue) \(change.rawValue) without a set (asking)"
        case .sigsuspend(_, let signals):
            call = "sigsuspend unblocking {\(signals.map(Self.name(of:)).joined(separator: ", "))}"
        case .obsolete(_, let signal, let obsolete):
            call = "\(obsolete.name) \(Self.name(of: signal))" + {
                switch obsolete {
                case .signal(let action): " \(action.constant)"
                case .siginterrupt(let interrupt): interrupt ? " 1" : " 0"
                case .sigset(let disposition): " \(disposition.constant)"
                case .sigignore, .sighold, .sigrelse: ""
                }
            }()
        case .sigpause(_, let signal):
            call = "sigpause \(Self.name(of: signal))"
        case .sigpauseMask(_, let mask):
            call = "sigpause (BSD) of the mask {\(mask.map(Self.name(of:)).joined(separator: ", "))}"
        case .pause:
            call = "pause"
        case .sigaltstack(_, let setting):
            call = "sigaltstack" + (setting.map { " flags \(Int32(bitPattern: $0.flags)) size \($0.size)" } ?? " (asking)")
        case .pauseUnblocking(_, let signals):
            call = "pause unblocking {\(signals.map(Self.name(of:)).joined(separator: ", "))}"
        case .epoll(_, let epollCall):
            call = "\(epollCall)"
        case .signalFault:
            call = "the harness's SIGUSR1 (a signal fault)"
        case .timer(_, let timerCall):
            call = Self.describe(timerCall)
        case .exit:
            call = "exit"
        case .inThread, .thread, .foreignIDs, .foreignTarget:
            call = describeThreadCall(input) ?? ""
        }
        var result: String
        switch output {
        case nil: result = "?"
        case .sent?, .exited?: result = "ok"
        case .returned?: result = "0"
        case .received(let signal, let details)?: result = "\(Self.name(of: signal)) \(Self.describe(details))"
        case .number(let signal)?: result = Self.name(of: signal)
        case .pendingSignals(let signals)?: result = "{\(signals.map(Self.name(of:)).joined(separator: ", "))}"
        case .deliveries(let deliveries)?:
            result = deliveries.map { "\(Self.name(of: $0.signal)) \(Self.describe($0.details))" }.joined(separator: ", ")
        case .ready(let events)?: result = "\(events)"
        case .selected(let readable, let writable)?:
            result = readable || writable
                ? [readable ? "readable" : nil, writable ? "writable" : nil].compactMap { $0 }.joined(separator: ", ") : "nothing ready"
        case .previousAction(let action)?: result = "was \(action.constant)"
        case .altStack(let stack)?:
            result = stack.enabled ? "was \(stack.size) bytes" : "was SS_DISABLE"
            if stack.autoDisarm { result += " with SS_AUTODISARM" }
        case .disposition(let old, let delivered)?:
            result = "was \(old.constant)" + (delivered.map { $0.isEmpty ? "" : ", handler ran for \($0.map(Self.name(of:)).joined(separator: ", "))" } ?? "")
        case .maskChanged(let deliveries, let old)?:
            result = deliveries.map { "\(Self.name(of: $0.signal)) \(Self.describe($0.details))" }.joined(separator: ", ")
                + " (old mask {\(old.map(Self.name(of:)).joined(separator: ", "))})"
        case .epollControlled?: result = "ok"
        case .epollEvents(let reports)?: result = reports.isEmpty ? "nothing ready" : reports.map(\.description).joined(separator: ", ")
        case .epollCreated(let closeOnExec)?: result = closeOnExec.map { $0 ? "an instance, FD_CLOEXEC" : "an instance" } ?? "an instance"
        case .timerReport(let report)?: result = Self.describe(report)
        case .failed(let code)?: result = code.rawValue
        }
        return "\(call) → \(result)"
    }

    static func describe(_ details: Details) -> String {
        var stack = details.onStack.map { $0 ? ", on the alternate stack" : ", on the thread's stack" } ?? ""
        if let call = details.altStackCall {
            stack += ", its sigaltstack saw flags \(Int32(bitPattern: call.flags)) size \(call.size)"
            switch call.set {
            case nil: break
            case .taken?: stack += ", a change taken"
            case .failed(let code)?: stack += ", a change failed \(code.rawValue)"
            }
        }
        if details.code == .kernel { return "(SI_KERNEL\(stack))" }
        if details.code == .timer {
            return "(SI_TIMER of timer \(details.timer ?? "?"), overrun \(details.overrun.map(String.init) ?? "any"), value \(details.value)\(stack))"
        }
        guard let sender = details.sender else { return "(SI_USER, no sender\(stack))" }
        switch details.code {
        case .queue: return "(SI_QUEUE from \(sender), value \(details.value)\(stack))"
        case .user: return "(SI_USER from \(sender)\(stack))"
        case .tkill: return "(SI_TKILL or SI_USER from \(sender)\(stack))"
        case .kernel, .timer: return ""
        }
    }
}

extension SignalModel {
    /// Linux's numbers for the standard signals traces name.
    static let standardNames: [(String, Int)] = [
        ("SIGHUP", 1), ("SIGINT", 2), ("SIGQUIT", 3), ("SIGILL", 4), ("SIGTRAP", 5), ("SIGABRT", 6), ("SIGBUS", 7),
        ("SIGFPE", 8), ("SIGKILL", 9), ("SIGUSR1", 10), ("SIGSEGV", 11), ("SIGUSR2", 12), ("SIGPIPE", 13),
        ("SIGALRM", 14), ("SIGTERM", 15), ("SIGSTKFLT", 16), ("SIGCHLD", 17), ("SIGCONT", 18), ("SIGSTOP", 19),
        ("SIGTSTP", 20), ("SIGTTIN", 21), ("SIGTTOU", 22), ("SIGURG", 23), ("SIGXCPU", 24), ("SIGXFSZ", 25),
        ("SIGVTALRM", 26), ("SIGPROF", 27), ("SIGWINCH", 28), ("SIGIO", 29), ("SIGPWR", 30), ("SIGSYS", 31),
    ]

    /// glibc's other names of standard signals, read from a trace but never written.
    static let aliasNames: [(String, Int)] = [("SIGIOT", 6), ("SIGCLD", 17), ("SIGPOLL", 29)]

    /// The trace name of a signal number: `SIGUSR2`, `SIGRTMIN+1`, or the number itself for anything else.
    public static func name(of signal: Int) -> String {
        if let entry = standardNames.first(where: { $0.1 == signal }) { return entry.0 }
        if (realtimeNameBase...last).contains(signal) { return "SIGRTMIN+\(signal - realtimeNameBase)" }
        return "\(signal)"
    }

    /// The number of a trace signal name (`SIGUSR2`, `SIGRTMIN+1`), or nil.
    public static func number(of name: String) -> Int? {
        if let entry = standardNames.first(where: { $0.0 == name }) { return entry.1 }
        if name.hasPrefix("SIGRTMIN+"), let offset = Int(name.dropFirst(9)), offset >= 0 { return realtimeNameBase + offset }
        if name == "SIGRTMIN" { return realtimeNameBase }
        // Other spellings a C program's trace may carry: glibc's aliases and SIGRTMAX (64) counted down.
        if let alias = aliasNames.first(where: { $0.0 == name }) { return alias.1 }
        if name == "SIGRTMAX" { return last }
        if name.hasPrefix("SIGRTMAX-"), let offset = Int(name.dropFirst(9)), (0...(last - realtimeNameBase)).contains(offset) { return last - offset }
        return nil
    }
}
