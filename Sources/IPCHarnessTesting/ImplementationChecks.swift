import IPCHarness
import IPCModels
import Glibc
public import Testing

/// A concurrent queue of integers to check against a FIFO ``QueueModel``: conform your implementation and call
/// ``IPCHarnessExpectations/check(_:against:runs:threads:operationsPerThread:seed:traceDirectory:sourceLocation:)``.
public protocol ConcurrentQueue: AnyObject, Sendable {
    /// An empty queue holding at most `capacity` values (nil: unbounded).
    init(capacity: Int?)
    /// Appends `value`; false when the queue is full.
    func enqueue(_ value: Int) -> Bool
    /// Removes and returns the oldest value; nil when the queue is empty.
    func dequeue() -> Int?
}

extension IPCHarnessExpectations {
    /// The environment variable that fixes the seed of ``check(_:against:runs:threads:operationsPerThread:seed:traceDirectory:sourceLocation:)``
    /// (and makes it a single run): how a failure is rerun.
    public static let seedVariable = "IPC_HARNESS_SEED"

    /// Checks a queue implementation against the queue model (one FIFO object, `QueueModel(capacity:)`): `runs`
    /// times, `threads` OS threads call enqueue (distinct values) and dequeue at once on a fresh queue; each history
    /// must be linearizable. In the trace an enqueue is a `send` of the value's decimal text, refused `EAGAIN` when
    /// the queue is full, and a dequeue a `receive`, refused `EAGAIN` when it is empty.
    /// A violation is an issue with the explanation, the trace written, and the commands that check it again and
    /// rerun it. Returns the first failing run's report, or nil.
    @discardableResult
    public static func check<Queue: ConcurrentQueue>(
        _ type: Queue.Type, against model: QueueModel, runs: Int = 100, threads: Int = 3, operationsPerThread: Int = 12,
        seed: UInt64? = nil, traceDirectory: String = ".ipc-harness/traces", sourceLocation: SourceLocation = #_sourceLocation
    ) async -> CheckReport? {
        guard model.setups.count == 1, model.setups[0].setup.order == .fifo, !model.setups[0].setup.revocable else {
            Issue.record(
                Comment(rawValue: "a ConcurrentQueue is checked against one FIFO queue, QueueModel(capacity:), not \(model.parameters)"),
                sourceLocation: sourceLocation)
            return nil
        }
        let capacity = model.setups[0].setup.capacity
        return checkImplementation(
            named: String(describing: type), model: model, runs: runs, seed: seed, traceDirectory: traceDirectory,
            sourceLocation: sourceLocation,
            programs: { generator in
                (0..<threads).map { thread in
                    (0..<operationsPerThread).map { position -> QueueModel.Input in
                        let process = thread + 1
                        let value = thread * 10_000 + position
                        return generator.chance(0.55) ? .send(process: process, to: nil, data: Array(String(value).utf8)) : .receive(process: process)
                    }
                }
            },
            instance: {
                let queue = Queue(capacity: capacity)
                return { input in
                    switch input {
                    case .send(_, _, let data):
                        return queue.enqueue(Int(String(decoding: data, as: UTF8.self))!) ? .sent : .failed(.EAGAIN)
                    case .receive:
                        return queue.dequeue().map { .received(Array(String($0).utf8)) } ?? .failed(.EAGAIN)
                    case .revoke:
                        return .failed(.EINVAL)
                    }
                }
            })
    }

    /// The general form: any model — a built-in one or your own (it is registered with the checker here) — and any
    /// implementation reachable through `instance`, which makes a fresh one for each run and returns how to
    /// perform a call on it. A call still inside the implementation after `hangAfterSeconds` ends that run as a hang
    /// (an issue), rather than hanging the test; `invariants` (name → parameters, yours registered with
    /// ``InvariantRegistry``) are checked beside the model.
    @discardableResult
    public static func checkImplementation<M: TraceModel>(
        named name: String, model: M, runs: Int = 100, seed: UInt64? = nil, traceDirectory: String = ".ipc-harness/traces",
        hangAfterSeconds: Double = 10, invariants: JSONObject = [:], checkBudget: CheckBudget = CheckBudget(seconds: 30),
        sourceLocation: SourceLocation = #_sourceLocation,
        programs: (inout SeededGenerator) -> [[M.Input]],
        instance: () -> @Sendable (M.Input) -> M.Output
    ) -> CheckReport? {
        do {
            try ModelRegistry.register(M.self)
        } catch {
            Issue.record(Comment(rawValue: "\(name): \(error.message)"), sourceLocation: sourceLocation)
            return nil
        }
        let fixed = getenv(seedVariable).flatMap { UInt64(String(cString: $0)) }
        let base = fixed ?? seed ?? RunOptions.freshSeed()
        for run in 0..<(fixed == nil ? runs : 1) {
            let runSeed = SeededGenerator.runSeed(base: base, run: run)
            var generator = SeededGenerator(seed: runSeed)
            let plan = ThreadedRun.Plan(
                model: model, implementation: name, programs: programs(&generator), hangAfterSeconds: hangAfterSeconds,
                invariants: invariants, perform: instance())
            var trace = ThreadedRun.run(plan, seed: runSeed)
            let report: CheckReport
            do {
                report = try TraceChecker.check(trace, budget: checkBudget)
            } catch {
                Issue.record(Comment(rawValue: "\(name): the recorded history does not read back (a harness bug): \(error)"), sourceLocation: sourceLocation)
                return nil
            }
            guard report.result != .ok else { continue }
            trace.verdict = report.verdict
            let path = "\(traceDirectory)/\(name)-\(runSeed).jsonl"
            let written = (try? trace.write(to: path)) != nil
            let test = Test.current?.name ?? "<test>"
            let what = report.result == .violation ? "not linearizable" : report.hangs.isEmpty ? "undecided" : "hung"
            Issue.record(
                Comment(rawValue: """
                    \(name): \(what) in run \(run + 1) of \(runs) (seed \(runSeed))
                    \(report.explanation)
                    trace: \(written ? path : "(could not be written to \(path))")
                    check again: \(CommandLineText.commandName) check \(path)
                    rerun: \(seedVariable)=\(runSeed) swift test --filter '\(test)'  \(CommandLineText.rerunCaveat)
                    """),
                sourceLocation: sourceLocation)
            return report
        }
        return nil
    }
}
