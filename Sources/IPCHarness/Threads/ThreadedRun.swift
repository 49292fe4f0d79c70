import Glibc
import IPCModels
import IPCSyscalls
import Synchronization

/// Runs an in-process implementation from several OS threads at once and records the history as a trace (mode
/// `threads`): each thread is a process, each call an operation stamped on the monotonic clock just before the
/// call and just after it returns. Which calls overlap is up to the machine; what each thread calls, in what
/// order, and where it yields the processor come from the run's seed.
///
/// A watchdog ends the run when a call stays inside the implementation longer than ``Plan/hangAfterSeconds`` (a
/// deadlock, a lost wake-up): the run is reported as a hang (the trace's verdict at best `unknown`), never waited
/// for. A thread cannot be killed, so the stuck one is abandoned, still holding the implementation; whatever it
/// records afterwards is dropped.
public enum ThreadedRun {
    /// What to run: a model, what each thread calls, and how a call is made.
    public struct Plan<M: TraceModel>: Sendable {
        public var model: M
        public var implementation: String
        /// Each thread's calls, in order (thread i is process i + 1).
        public var programs: [[M.Input]]
        /// Performs one call on the implementation under test and returns its result.
        public var perform: @Sendable (M.Input) -> M.Output
        /// A call still inside the implementation after this long ends the run as a hang.
        public var hangAfterSeconds: Double
        /// Invariants the trace is checked against beside the model (the header's `invariants`: name → parameters;
        /// a user's must be registered with ``InvariantRegistry``).
        public var invariants: JSONObject

        public init(
            model: M, implementation: String, programs: [[M.Input]], hangAfterSeconds: Double = 10,
            invariants: JSONObject = [:], perform: @escaping @Sendable (M.Input) -> M.Output
        ) {
            self.model = model
            self.implementation = implementation
            self.programs = programs
            self.hangAfterSeconds = hangAfterSeconds
            self.invariants = invariants
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
        let buffers = plan.programs.indices.map { log.buffer(for: $0 + 1) }
        let finished = Mutex<Set<Int>>([])
        let threads = plan.programs.indices.map { index in
            OSThread {
                let buffer = buffers[index]
                log.startTogether(threads: plan.programs.count)
                for (position, input) in plan.programs[index].enumerated() {
                    let (f, arguments) = plan.model.call(for: input)
                    buffer.perform(
                        f, arguments: arguments, after: yields[index][position] ? [.yield] : [], { plan.perform(input) },
                        recorded: { plan.model.outcome(for: $0) })
                }
                finished.withLock { _ = $0.insert(index) }
            }
        }
        let limit = UInt64(plan.hangAfterSeconds * 1e9)
        var abandoned = Set<Int>()
        while true {
            var waiting = false
            let done = finished.withLock { $0 }
            for index in threads.indices where !abandoned.contains(index) && !done.contains(index) {
                if let running = buffers[index].runningFor, running > limit {
                    buffers[index].abandon()
                    abandoned.insert(index)
                } else {
                    waiting = true
                }
            }
            if !waiting { break }
            usleep(1000)  // The watchdog's tick; the threads do not wait on it.
        }
        for (index, thread) in threads.enumerated() where !abandoned.contains(index) { thread.join() }
        var header = Trace.Header(
            model: M.name, parameters: plan.model.parameters, mechanism: plan.implementation, seed: String(seed),
            strategy: "threads", faults: ["kinds": ["delay"]], mode: "threads")
        if plan.invariants.count > 0 { header.extra["invariants"] = .object(plan.invariants) }
        return Trace(header: header, events: log.events())
    }
}
