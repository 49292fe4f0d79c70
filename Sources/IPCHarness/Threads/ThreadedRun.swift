import Glibc
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

    /// One call as a thread saw it.
    struct Record<Input, Output> {
        var input: Input
        var output: Output
        var invoked: UInt64
        var completed: UInt64
    }

    /// A thread's calls: written only by that thread, read only after it has been joined (which orders the two).
    final class Log<Input, Output>: @unchecked Sendable {
        var records: [Record<Input, Output>] = []
    }

    /// Runs the plan and returns its trace (without a verdict).
    public static func run<M: TraceModel>(_ plan: Plan<M>, seed: UInt64) -> Trace {
        var generator = SeededGenerator(seed: seed)
        // Where each thread yields, decided up front from the seed so the schedule's perturbation replays.
        let yields: [[Bool]] = plan.programs.map { program in program.map { _ in generator.chance(0.3) } }
        let logs = plan.programs.map { _ in Log<M.Input, M.Output>() }
        let ready = Atomic<Int>(0)
        let threads = plan.programs.indices.map { index in
            OSThread {
                // Start together: every thread spins until all have started, so their calls overlap.
                ready.add(1, ordering: .acquiringAndReleasing)
                while ready.load(ordering: .acquiring) < plan.programs.count { sched_yield() }
                var records: [Record<M.Input, M.Output>] = []
                records.reserveCapacity(plan.programs[index].count)
                for (position, input) in plan.programs[index].enumerated() {
                    if yields[index][position] { sched_yield() }
                    let invoked = MonotonicClock.nanoseconds()
                    let output = plan.perform(input)
                    let completed = MonotonicClock.nanoseconds()
                    records.append(Record(input: input, output: output, invoked: invoked, completed: completed))
                }
                logs[index].records = records
            }
        }
        for thread in threads { thread.join() }

        // Merge into one event sequence in time order (invokes before completions at equal times).
        var stamped: [(time: UInt64, isCompletion: Bool, process: Int, record: Record<M.Input, M.Output>)] = []
        for (index, log) in logs.enumerated() {
            for record in log.records {
                stamped.append((record.invoked, false, index + 1, record))
                stamped.append((record.completed, true, index + 1, record))
            }
        }
        stamped.sort { ($0.time, $0.isCompletion ? 1 : 0, $0.process) < ($1.time, $1.isCompletion ? 1 : 0, $1.process) }
        let start = stamped.first?.time ?? 0
        let object = plan.model.objects.first ?? "object"
        var events: [Trace.Event] = []
        for entry in stamped {
            let (f, arguments) = plan.model.call(for: entry.record.input)
            var event = Trace.Event(index: events.count, time: entry.time - start, process: entry.process, type: .invoke, f: f, object: object)
            if entry.isCompletion {
                switch plan.model.outcome(for: entry.record.output) {
                case .ok(let value):
                    event.type = .ok
                    event.value = value
                case .fail(let code):
                    event.type = .fail
                    event.error = code.rawValue
                }
            } else {
                event.value = arguments
            }
            events.append(event)
        }
        let header = Trace.Header(
            model: M.name, parameters: plan.model.parameters, mechanism: plan.implementation, seed: String(seed),
            strategy: "threads", mode: "threads")
        return Trace(header: header, events: events)
    }
}
