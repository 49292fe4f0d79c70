import Foundation
import IPCHarness
import Testing

/// The scenarios of FIFOs, Unix sockets, descriptor passing, signals and eventfd, run for real with fixed seeds
/// under both strategies: no violation, and each reaches the outcomes it is about.
@Suite struct SocketAndSignalScenarioTests {
    let worker: WorkerCommand

    init() throws {
        worker = try WorkerLocator.workerCommand()
        ProcessSetup.ignoreBrokenPipes()
    }

    /// Each scenario, and outcomes (errnos and the marks of ``ScenarioRuns/marks(of:)``) at least one of its runs
    /// must reach.
    static let expectations: [(String, Set<String>)] = [
        ("fifo-basic", ["EAGAIN", "EPIPE", "empty", "asleep", "ok:poll", "ok:fcntl", "ok:available"]),
        ("fifo-open-rendezvous", ["ENXIO", "EAGAIN", "empty", "asleep", "ok:open"]),
        ("unix-stream-pair", ["ok:poll", "ok:getsockopt", "ok:ioctl", "EAGAIN", "EPIPE", "ECONNRESET", "empty", "asleep", "ok:bind", "ok:socketpair", "EOPNOTSUPP:socketpair"]),
        ("unix-seqpacket-pair", ["ok:poll", "ok:getsockopt", "truncated", "EAGAIN", "EPIPE", "ECONNRESET", "empty", "asleep"]),
        ("unix-dgram-truncation", ["ok:poll", "ok:getsockopt", "truncated", "EAGAIN", "ECONNREFUSED", "ENOTCONN", "asleep"]),
        (
            "unix-stream-listener-path",
            ["ok:listen", "ok:connect", "ok:accept", "EAGAIN", "ECONNRESET", "ECONNREFUSED", "EPIPE", "asleep", "ok:bind", "EADDRINUSE", "EINVAL"]
        ),
        (
            "unix-seqpacket-listener-abstract",
            ["ok:connect", "ok:accept", "truncated", "ECONNRESET", "ECONNREFUSED", "asleep", "ok:bind", "EADDRINUSE", "EINVAL"]
        ),
        ("unix-dgram-bound-path", ["from", "truncated", "EAGAIN", "ECONNREFUSED", "asleep", "ok:connect", "EPERM", "ok:bind", "EADDRINUSE", "ENOENT", "ENOTCONN"]),
        ("unix-dgram-bound-abstract", ["from", "truncated", "EAGAIN", "ECONNREFUSED", "asleep", "ok:connect", "EPERM", "ok:bind", "EINVAL"]),
        ("unix-connect-addresses", ["ok:connect", "ok:accept", "ok:receive", "EAGAIN:receive", "EINVAL:accept", "ENOENT", "ECONNREFUSED", "EPROTOTYPE", "EINVAL", "EISCONN", "EAGAIN"]),
        (
            "unix-stream-out-of-band",
            ["ok:send", "ok:receive", "EINVAL:receive", "EAGAIN:receive", "EOPNOTSUPP:send", "ok:ioctl", "ok:poll", "ok:select", "ok:setsockopt"]
        ),
        ("unix-stream-robust-reader-past-mark", ["ok:send", "ok:receive-exactly", "ok:close", "asleep"]),
        ("scm-rights-shared-offset", ["files", "ok:read-file", "ok:close-file", "EAGAIN"]),
        ("scm-rights-in-flight", ["files", "filesTruncated", "open", "closed", "ok:close"]),
        ("signal-standard-coalescing", ["sent while pending", "SI_USER", "SI_QUEUE", "EAGAIN", "EINVAL", "asleep"]),
        ("signal-rt-queue", ["taken twice", "SI_USER", "SI_QUEUE", "EAGAIN", "asleep"]),
        ("signal-robust-thread-directed", ["ok:tgkill", "ok:pending", "ok:signalfd-poll", "SI_USER", "SI_QUEUE", "EAGAIN", "EINVAL"]),
        ("signal-robust-pidfd", ["ok:pidfd_send_signal", "EPERM:pidfd_send_signal", "ok:tgkill", "SI_USER", "SI_QUEUE"]),
        ("signal-robust-actions", ["ok:killpg", "ok:sigaction", "ok:pending", "ok:sigprocmask", "ok:sigsuspend", "SI_USER", "SI_QUEUE", "EAGAIN"]),
        ("signal-robust-pause", ["EINTR:pause", "ok:sigaction", "ok:pending", "SI_USER", "SI_QUEUE", "asleep"]),
        ("signal-robust-sigrelse", ["ok:sigrelse", "ok:sigset", "ok:sigpause", "ok:pending", "ok:sigaltstack", "ENOMEM", "SI_USER", "SI_QUEUE"]),
        ("signal-robust-alternate-stack", ["ok:sigaltstack", "ok:sigaction", "ok:sigprocmask", "on the alternate stack", "SI_USER", "SI_QUEUE"]),
        ("signal-robust-handler-alt-stack", ["ok:sigaltstack", "on the alternate stack", "handler's sigaltstack", "handler's change ok", "handler's change EPERM"]),
        ("signal-robust-epoll-pwait-mask", ["ok:epoll_pwait", "ok:epoll_pwait2", "sigmask interrupted", "sigmask ready", "sigmask nothing", "ok:signalfd-read"]),
        ("signal-robust-epoll-drain", ["ok:epoll_ctl", "ok:epoll_wait", "ok:signalfd-read", "EAGAIN:signalfd-read", "sent while pending"]),
        ("signal-robust-handler-flags", ["ok:sigaction", "ok:sigprocmask", "ok:pthread_sigmask", "ok:sigsuspend", "out of order", "setmask delivered", "sigmask interrupted", "sigmask ready", "SI_USER", "SI_QUEUE"]),
        (
            "signal-robust-timer-bounded-wait",
            ["ok:alarm", "ok:setitimer", "ok:timer_create", "ok:timer_settime", "ok:timer_delete", "EINVAL:timer_delete", "SI_KERNEL", "SI_TIMER", "SI_USER", "SI_QUEUE"]
        ),
        ("eventfd-counter", ["above 2^63", "EAGAIN", "EINVAL", "asleep", "ESPIPE", "ENOTTY", "ok:fcntl", "ok:lseek", "ok:ioctl", "ok:dup"]),
        ("eventfd-semaphore", ["EAGAIN", "EINVAL", "asleep"]),
    ]

    /// The broken signal receivers are caught, each with what its violation names: the one that takes the lowest
    /// pending signal first (a signal sent to its thread, or a synchronous one, comes first on this kernel), and the
    /// one that resets its blocked signals to `SIG_DFL` before each wait (which discards a pending `SIGWINCH` the
    /// kernel would have had it take), and the one whose `pause` is a `sigwait` (it reports `pause` returning 0), and the
    /// one that believes an `SA_RESETHAND` handler stays installed (it reports `sigaction`'s old action "handler"), and the
    /// one whose `SIG_SETMASK` only blocks (its `setmask` delivers nothing); the one that forgets `sigrelse` (caught at
    /// it, or at what it left pending); the one that believes every handler runs on its alternate stack (caught at a
    /// plain handler's delivery it records there); the same lowest-first receiver against thread-directed
    /// `pidfd_send_signal`s; the epoll event loop that reads one signal per report (caught at a read
    /// with room for ten returning one while more were pending); the one that believes a stack its handler set stays set
    /// (caught at its next ask for the stack); the epoll loop that emulates `epoll_pwait` with `sigprocmask` and
    /// `epoll_wait` (caught at a wait whose handlers ran though registrations were ready or its timeout was 0); the
    /// receiver that takes its timer's signal as the end of the data and discards what is pending (caught at a later
    /// wait that finds nothing, or the timer's signal, where a sender's was pending); and the
    /// framing reader that trusts
    /// `MSG_WAITALL`, with no fault injected: its one receive stops at the out-of-band mark inside a message and is
    /// reported as the whole message (`receive exactly` short).
    @Test(arguments: [
        ("signal-fragile-lowest-pending-first", "sigtimedwait"), ("signal-fragile-reset-before-wait", "no linearization"),
        ("signal-fragile-pause-takes-signal", "pause → 0"), ("signal-fragile-resethand-rearmed", "sigaction"),
        ("signal-fragile-setmask-blocks-only", "setmask"), ("unix-stream-fragile-waitall-at-mark", "receive exactly"),
        ("signal-fragile-sigrelse-forgotten", "sigrelse"), ("signal-fragile-onstack-everywhere", "on the alternate stack"),
        ("signal-fragile-epoll-read-one", "read signalfd"), ("signal-fragile-handler-stack-kept", "sigaltstack (asking)"),
        ("signal-fragile-epoll-pwait-emulated", "epoll_pwait"), ("signal-fragile-pidfd-thread-scope", "sigtimedwait"),
        ("signal-fragile-timeout-ends-data", "sigtimedwait"),
    ])
    func theBrokenReceiverIsCaught(name: String, named: String) throws {
        let explanation = try #require(try ScenarioRuns.firstViolation(name, worker: worker), "caught in none of 30 runs")
        #expect(explanation.contains(named), "\(explanation)")
    }

    @Test(arguments: expectations)
    func runsShowNoViolationAndReachWhatTheScenarioIsAbout(name: String, marks: Set<String>) throws {
        let seen = try ScenarioRuns.reached(name, seeds: 5000..<5015, worker: worker)
        #expect(marks.isSubset(of: seen), "\(name) never reached \(marks.subtracting(seen).sorted()); reached \(seen.sorted())")
    }
}
