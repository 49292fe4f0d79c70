import IPCModels
import IPCSyscalls
import Synchronization

/// Runs an in-process implementation from several OS threads at once and records the history as a trace (mode
/// `threads`): each thread is a process, each call an operation stamped on the monotonic clock just before the
/// call and just after it returns. Which calls overlap is up to the machine; what each thread calls, in what
/// order, and where it yields the processor come from the run's seed.
public enum ThreadedRun {
    /// What to run: a model, what each thread calls, and how a call is made.
    public struct Plan<M: TraceModel>: Sendable {
        public var model: M
        public var implementation: String
        /// Each thread's calls, in order (thread i is process i + 1).
        public var programs: [[M.Input]]
        /// Performs one call on the implementation under test and returns its result.
        public var perform: @Sendable (M.Input) -> M.Output

        public init(model: M, implementation: String, programs: [[M.Input]], perform: @escaping @Sendable (M.Input) -> M.Output) {
            self.model = model
            self.implementation = implementation
            self.programs = programs
            self.perform = perform
        }
    }

    /// Runs the plan and returns its trace (without a verdict), recorded as every threads-mode run is
    /// (``ThreadEventLog``). Where each thread yields the processor before a call is decided up front from the
    /// seed, and recorded as a `delay` fault.
    public static func run<M: TraceModel>(_ plan: Plan<M>, seed: UInt64) -> Trace {
        var generator = SeededGenerator(seed: seed)
        let yields: [[Bool]] = plan.programs.map { program in program.map { _ in generator.chance(0.3) } }
        let log = ThreadEventLog(object: plan.model.objects.first ?? "object")
        let threads = plan.programs.indices.map { index in
            OSThread {
                let buffer = log.buffer(for: index + 1)
                log.startTogether(threads: plan.programs.count)
                for (position, input) in plan.programs[index].enumerated() {
                    let (f, arguments) = plan.model.call(for: input)
                    buffer.perform(
                        f, arguments: arguments, after: yields[index][position] ? [.yield] : [], { plan.perform(input) },
                        recorded: { plan.model.outcome(for: $0) })
                }
            }
        }
        for thread in threads { thread.join() }
        let header = Trace.Header(
            model: M.name, parameters: plan.model.parameters, mechanism: plan.implementation, seed: String(seed),
            strategy: "threads", faults: ["kinds": ["delay"]], mode: Scenario.Mode.threads.rawValue)
        return Trace(header: header, events: log.events())
    }
}
