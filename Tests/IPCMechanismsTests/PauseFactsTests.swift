import Glibc
import IPCModels
import IPCSyscalls
import Synchronization
import SystemPackage
import Testing

/// How many times the interrupting signal's handler has run, and the blocked one's (which must never run).
private let pauseInterruptions = Atomic<Int>(0)
private let blockedHandlerRuns = Atomic<Int>(0)

/// `pause` by a thread that blocks the object's signals, as the signal model's receiver does outside `sigprocmask`
/// and `sigsuspend` (issue 15), measured on this kernel and glibc 2.36: the blocked signals, one with a handler and
/// one ignored, sent to the thread while it sleeps, leave it asleep and stay pending; a handled signal outside them
/// ends it with `-1 EINTR`, with `SA_RESTART` too; it never returns 0. So the signal model lets `pause` fail `EINTR`
/// at any moment, taking nothing, and never succeed.
///
/// Every signal here is sent to the pausing thread alone (`pthread_kill`), so the test runner's other threads, whose
/// masks are not ours, never see them. The test waits on `/proc` and on the handler's count, never on time.
@Suite(.serialized) struct PauseFactsTests {
    /// Handled and left unblocked: the signal outside the object (the harness's `SIGUSR1` in real mode).
    static let interrupting: CInt = 45  // SIGRTMIN+11
    /// Blocked, with a handler.
    static let handled: CInt = 46
    /// Blocked, `SIG_IGN`.
    static let ignored: CInt = 47

    /// What the pausing thread saw.
    struct Observation: Equatable {
        /// Asleep in a system call after both blocked signals were sent, and whether both were pending then.
        var asleepWithBothPending = false
        /// `pause`'s result: the errno it failed with, or "returned N".
        var result = ""
        /// What `sigtimedwait` with timeout 0 took after the `pause`, in order.
        var takenAfter: [CInt] = []
        /// How many times the blocked signal's handler ran.
        var blockedHandlerRuns = 0
    }

    @Test(arguments: [false, true])
    func pauseSleepsThroughItsBlockedSignalsAndFailsEINTRAfterAnotherHandler(restart: Bool) throws {
        let observation = try observePause(restart: restart)
        #expect(observation == Observation(
            asleepWithBothPending: true, result: "EINTR", takenAfter: [Self.handled, Self.ignored], blockedHandlerRuns: 0))

        // The model: pause never succeeds, and its EINTR leaves what was pending for a later wait.
        let model = SignalModel(receivers: [("sig", .init(receiver: 1, actions: [Int(Self.handled): .handler, Int(Self.ignored): .ignore]))])
        var state = model.initialState(of: "sig")
        for signal in [Self.handled, Self.ignored] {
            let sent = model.step(state, .send(process: 2, signal: Int(signal), method: .tgkill, value: 0), .sent)
            guard case .completed(let next)? = sent.first else { Issue.record("the model refused the send"); return }
            state = next
        }
        #expect(model.step(state, .pause(process: 1), .failed(.EINTR)) == [.completed(state)])
        #expect(model.step(state, .pause(process: 1), .returned).isEmpty)
        #expect(model.outcome(of: .wait(process: 1, signals: [Int(Self.handled), Int(Self.ignored)], timeout: .milliseconds(0)), in: state)?.output
            == .received(signal: Int(Self.handled), details: .init(code: .tkill, sender: 2, value: 0)))
    }

    func observePause(restart: Bool) throws -> Observation {
        func install(_ signal: CInt, _ handler: @escaping @convention(c) (CInt) -> Void) throws {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = handler
            sigemptyset(&action.sa_mask)
            action.sa_flags = restart ? CInt(SA_RESTART) : 0
            guard sigaction(signal, &action, nil) == 0 else { throw Errno(rawValue: errno) }
        }
        try install(Self.interrupting, { _ in pauseInterruptions.add(1, ordering: .sequentiallyConsistent) })
        try install(Self.handled, { _ in blockedHandlerRuns.add(1, ordering: .sequentiallyConsistent) })
        _ = signal(Self.ignored, SIG_IGN)
        defer { _ = signal(Self.ignored, SIG_DFL) }
        let runsBefore = blockedHandlerRuns.load(ordering: .sequentiallyConsistent)

        let watched = WatchedThread()
        let taken = Mutex<[CInt]>([])
        let thread = OSThread {
            var blocked = sigset_t()
            sigemptyset(&blocked)
            sigaddset(&blocked, Self.handled)
            sigaddset(&blocked, Self.ignored)
            pthread_sigmask(SIG_BLOCK, &blocked, nil)
            var unblocked = sigset_t()
            sigemptyset(&unblocked)
            sigaddset(&unblocked, Self.interrupting)
            pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
            watched.register()
            let returned = Glibc.pause()
            let ending = returned == -1 ? Errno(rawValue: errno).name : "returned \(returned)"
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            var got: [CInt] = []
            while true {
                let signal = sigtimedwait(&blocked, nil, &zero)
                if signal <= 0 { break }
                got.append(signal)
            }
            taken.withLock { $0 = got }
            watched.finish(ending)
        }
        defer { thread.join() }
        if let failure = watched.waitUntilAsleep(release: Self.interrupting) { return Observation(result: failure) }
        var observation = Observation()
        watched.send(Self.handled)
        watched.send(Self.ignored)
        // A blocked signal wakes nothing: it is pending as soon as pthread_kill returns, and the thread never left its sleep.
        let pending = Self.threadPending(watched.id)
        observation.asleepWithBothPending = watched.asleep && !watched.finished && pending.contains(Self.handled) && pending.contains(Self.ignored)
        let before = pauseInterruptions.load(ordering: .sequentiallyConsistent)
        watched.send(Self.interrupting)
        guard watched.waitUntilFinished(also: { pauseInterruptions.load(ordering: .sequentiallyConsistent) != before }) else {
            observation.result = "no ending after the interrupting signal"
            return observation
        }
        observation.result = watched.result
        observation.takenAfter = taken.withLock { $0 }
        observation.blockedHandlerRuns = blockedHandlerRuns.load(ordering: .sequentiallyConsistent) - runsBefore
        return observation
    }

    /// The signals pending for thread `id` alone (`SigPnd` in `/proc/self/task/ID/status`, a hexadecimal mask whose
    /// bit n-1 is signal n).
    static func threadPending(_ id: Int32) -> Set<CInt> {
        let descriptor = open("/proc/self/task/\(id)/status", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0,
            let line = String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").first(where: { $0.hasPrefix("SigPnd:") }),
            let mask = UInt64(String(line.dropFirst("SigPnd:".count).filter { !$0.isWhitespace }), radix: 16)
        else { return [] }
        return Set((1...64).filter { mask & (1 << UInt64($0 - 1)) != 0 }.map { CInt($0) })
    }
}
