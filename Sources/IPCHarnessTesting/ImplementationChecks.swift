import IPCHarness
import IPCModels
import Glibc
public import Testing

/// A concurrent queue of integers to check against ``FIFOQueueModel``: conform your implementation and call
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

    /// Checks a queue implementation against the FIFO queue model: `runs` times, `threads` OS threads call
    /// enqueue (distinct values) and dequeue at once on a fresh queue; each history must be linearizable.
    /// A violation is an issue with the explanation, the trace written, and the commands that check it again and
    /// rerun it. Returns the first failing run's report, or nil.
    @discardableResult
    public static func check<Queue: ConcurrentQueue>(
        _ type: Queue.Type, against model: FIFOQueueModel, runs: Int = 100, threads: Int = 3, operationsPerThread: Int = 12,
        seed: UInt64? = nil, traceDirectory: String = ".ipc-harness/traces", sourceLocation: SourceLocation = #_sourceLocation
    ) async -> CheckReport? {
        checkImplementation(
            named: String(describing: type), model: model, runs: runs, seed: seed, traceDirectory: traceDirectory,
            sourceLocation: sourceLocation,
            programs: { generator in
                (0..<threads).map { thread in
                    (0..<operationsPerThread).map { position -> FIFOQueueModel.Input in
                        generator.chance(0.55) ? .enqueue(thread * 10_000 + position) : .dequeue
                    }
                }
            },
            instance: {
                let queue = Queue(capacity: model.capacity)
                return { input in
                    switch input {
                    case .enqueue(let value): .accepted(queue.enqueue(value))
                    case .dequeue: .dequeued(queue.dequeue())
                    }
                }
            })
    }

    /// The general form: any model, any implementation reachable through `instance`, which makes a fresh one for
    /// each run and returns how to perform a call on it.
    @discardableResult
    public static func checkImplementation<M: TraceModel>(
        named name: String, model: M, runs: Int, seed: UInt64?, traceDirectory: String, sourceLocation: SourceLocation,
        programs: (inout SeededGenerator) -> [[M.Input]],
        instance: () -> @Sendable (M.Input) -> M.Output
    ) -> CheckReport? {
        let fixed = getenv(seedVariable).flatMap { UInt64(String(cString: $0)) }
        let base = fixed ?? seed ?? RunOptions.freshSeed()
        for run in 0..<(fixed == nil ? runs : 1) {
            let runSeed = SeededGenerator.runSeed(base: base, run: run)
            var generator = SeededGenerator(seed: runSeed)
            let plan = ThreadedRun.Plan(model: model, implementation: name, programs: programs(&generator), perform: instance())
            var trace = ThreadedRun.run(plan, seed: runSeed)
            let report: CheckReport
            do {
                report = try TraceChecker.check(trace, budget: CheckBudget(seconds: 30))
            } catch {
                Issue.record(Comment(rawValue: "\(name): the recorded history does not read back (a harness bug): \(error)"), sourceLocation: sourceLocation)
                return nil
            }
            guard report.result != .ok else { continue }
            trace.verdict = report.verdict
            let path = "\(traceDirectory)/\(name)-\(runSeed).jsonl"
            let written = (try? trace.write(to: path)) != nil
            let test = Test.current?.name ?? "<test>"
            Issue.record(
                Comment(rawValue: """
                    \(name): \(report.result == .violation ? "not linearizable" : "undecided") in run \(run + 1) of \(runs) (seed \(runSeed))
                    \(report.explanation)
                    trace: \(written ? path : "(could not be written to \(path))")
                    check again: ipc-harness check \(path)
                    rerun: \(seedVariable)=\(runSeed) swift test --filter '\(test)'
                    """),
                sourceLocation: sourceLocation)
            return report
        }
        return nil
    }
}
