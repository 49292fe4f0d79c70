import Glibc
import IPCModels
import IPCSyscalls
import Synchronization
import SystemPackage
import Testing

/// How many times the unblocked handled signal's handler has run.
private let unblockedHandlerRuns = Atomic<Int>(0)

/// `pause` with the object's signals unblocked for it (unblock, `pause`, block again: what the signal model's
/// `"pause"` with `"signals"` does), measured on this kernel (issue 15): a signal of the set already pending runs its
/// handler when it is unblocked — before `pause` starts — and `pause` then sleeps; an ignored signal sent while it
/// sleeps leaves it asleep (the kernel discards it without waking it); a handled one sent then ends it, `-1 EINTR`,
/// after exactly that handler. So the model runs the unblock's delivery loop, and the call may end at any moment the
/// loop is quiet (the ending handler, or a handled signal outside the object, whose handler the trace does not show).
///
/// Every signal here is sent to the pausing thread alone (`pthread_kill`); the test waits on `/proc` and on the
/// handler's count, never on time.
@Suite(.serialized) struct PauseUnblockedFactsTests {
    /// Handled, blocked except around the `pause`.
    static let handled: CInt = 48  // SIGRTMIN+14
    /// `SIG_IGN`, blocked except around the `pause`.
    static let ignored: CInt = 49

    struct Observation: Equatable {
        /// The handler's runs before `pause` slept (the pending one, run on unblocking).
        var runsBeforeSleeping = -1
        /// Still asleep after the ignored signal was sent.
        var asleepAfterIgnored = false
        /// `pause`'s result, and the handler's runs in all.
        var result = ""
        var runs = -1
    }

    @Test func aPendingSignalRunsItsHandlerOnUnblockingThenPauseSleepsUntilAnotherHandlerRuns() throws {
        let observation = try observe()
        #expect(observation == Observation(runsBeforeSleeping: 1, asleepAfterIgnored: true, result: "EINTR", runs: 2))

        // The model: the pending one is recorded at once; the call may end then (a signal outside the object) or after
        // the one sent while it slept, which is recorded after it.
        let model = SignalModel(receivers: [("sig", .init(receiver: 1, actions: [Int(Self.handled): .handler, Int(Self.ignored): .ignore]))])
        var state = model.initialState(of: "sig")
        let details = SignalModel.Details(code: .tkill, sender: 1, value: 0)
        guard case .completed(let sent)? = model.step(state, .send(process: 1, signal: Int(Self.handled), method: .tgkill, value: 0), .sent).first
        else { Issue.record("the model refused the send"); return }
        state = sent
        let pause = SignalModel.Input.pauseUnblocking(process: 1, signals: [Int(Self.handled), Int(Self.ignored)])
        let one = SignalModel.Output.deliveries([.init(signal: Int(Self.handled), details: details)])
        #expect(Self.completes(model, state, pause, one, sendingMidway: nil))
        let two = SignalModel.Output.deliveries([.init(signal: Int(Self.handled), details: details), .init(signal: Int(Self.handled), details: details)])
        #expect(Self.completes(model, state, pause, two, sendingMidway: .send(process: 1, signal: Int(Self.handled), method: .tgkill, value: 0)))
        #expect(!Self.completes(model, state, pause, two, sendingMidway: nil))
        #expect(!Self.completes(model, state, pause, .failed(.EINTR), sendingMidway: nil))
    }

    /// Whether `input` can complete with `output` from `state`, with `send` (if any) performed between its steps.
    static func completes(_ model: SignalModel, _ state: SignalModel.State, _ input: SignalModel.Input, _ output: SignalModel.Output,
        sendingMidway send: SignalModel.Input?) -> Bool
    {
        var frontier: [(SignalModel.State, Bool)] = [(state, send == nil)]
        var seen = 0
        while let (current, sent) = frontier.popLast(), seen < 10_000 {
            seen += 1
            if !sent, let send, case .completed(let after)? = model.step(current, send, .sent).first { frontier.append((after, true)) }
            for step in model.step(current, input, output) {
                switch step {
                case .completed: if sent { return true }
                case .partial(let next): frontier.append((next, sent))
                }
            }
        }
        return false
    }

    func observe() throws -> Observation {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in unblockedHandlerRuns.add(1, ordering: .sequentiallyConsistent) }
        sigemptyset(&action.sa_mask)
        guard sigaction(Self.handled, &action, nil) == 0 else { throw Errno(rawValue: errno) }
        _ = signal(Self.ignored, SIG_IGN)
        defer { _ = signal(Self.ignored, SIG_DFL) }
        let runsBefore = unblockedHandlerRuns.load(ordering: .sequentiallyConsistent)

        let watched = WatchedThread()
        let thread = OSThread {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, Self.handled)
            sigaddset(&set, Self.ignored)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            pthread_kill(pthread_self(), Self.handled)  // pending, blocked
            watched.register()
            pthread_sigmask(SIG_UNBLOCK, &set, nil)  // its handler runs on the way back
            let returned = Glibc.pause()
            let ending = returned == -1 ? Errno(rawValue: errno).name : "returned \(returned)"
            pthread_sigmask(SIG_BLOCK, &set, nil)
            watched.finish(ending)
        }
        defer { thread.join() }
        if let failure = watched.waitUntilAsleep(release: Self.handled) { return Observation(result: failure) }
        var observation = Observation()
        observation.runsBeforeSleeping = unblockedHandlerRuns.load(ordering: .sequentiallyConsistent) - runsBefore
        watched.send(Self.ignored)
        // An ignored signal is discarded when sent (sig_ignored), without waking the thread.
        observation.asleepAfterIgnored = watched.asleep && !watched.finished
        watched.send(Self.handled)
        observation.result = watched.waitUntilFinished() ? watched.result : "no ending after the handled signal"
        observation.runs = unblockedHandlerRuns.load(ordering: .sequentiallyConsistent) - runsBefore
        return observation
    }
}
