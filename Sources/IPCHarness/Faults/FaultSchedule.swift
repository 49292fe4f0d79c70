import IPCModels

/// The driver's fault decisions for one generated run, drawn from their own seeded generator.
///
/// It is asked only at points the driver reaches the same way every time the run is repeated: when an operation
/// is about to be invoked, or when every running worker is asleep and nothing will change unless the driver acts
/// (never while the driver is merely polling for replies, whose number depends on timing). With no fault kinds it
/// draws nothing, so runs without faults are the runs they always were.
struct FaultSchedule {
    private let options: FaultOptions
    private var generator: SeededGenerator
    /// Processes signalled during their current operation (a signal per operation at most, so a worker that
    /// retries its call cannot be interrupted forever).
    private var signalled: Set<Int> = []
    /// A kill "after" was drawn: the next operation invoked ends with its worker killing itself.
    private var dieAfterNext = false

    init(options: FaultOptions, generator: SeededGenerator) {
        self.options = options
        self.generator = generator
    }

    private var signalsEnabled: Bool { options.kinds.contains(.signal) || options.kinds.contains(.signalRestart) }

    /// What the schedule interrupts a run with, at a point where the driver decides.
    enum Interruption: Equatable {
        case kill(process: Int)
        case signal(process: Int)
    }

    /// A kill or a signal to make now, or nil. `idle`: processes about to be given an operation; `running`:
    /// processes asleep inside one.
    mutating func interruption(idle: [Int], running: [Int]) -> Interruption? {
        if options.killRate > 0, generator.chance(options.killRate) {
            enum Point { case before, blocked, after }
            var points: [Point] = []
            if !idle.isEmpty { points += [.before, .after] }
            if !running.isEmpty { points.append(.blocked) }
            if !points.isEmpty {
                switch generator.pick(points) {
                case .before: return .kill(process: generator.pick(idle))
                case .blocked: return .kill(process: generator.pick(running))
                case .after: dieAfterNext = true
                }
            }
        }
        if signalsEnabled {
            let candidates = running.filter { !signalled.contains($0) }
            if !candidates.isEmpty, generator.chance(options.rate) {
                let process = generator.pick(candidates)
                signalled.insert(process)
                return .signal(process: process)
            }
        }
        return nil
    }

    /// What to inject into `call`, about to be invoked by `process`.
    mutating func directive(for process: Int, call: Call) -> OperationDirective {
        signalled.remove(process)
        var directive = OperationDirective(dieAfter: dieAfterNext)
        dieAfterNext = false
        // Not both: a worker that kills itself after its call never reports what its injector did, and the
        // checker must know what the kernel was asked.
        let kinds = options.callFaults
        guard !directive.dieAfter, !kinds.isEmpty, generator.chance(options.rate) else { return directive }
        let kind = generator.pick(kinds)
        if let name = kind.injectedErrno {
            directive.fault = .errno(name)
        } else if kind == .delay {
            directive.fault = .delay(microseconds: generator.next(in: 1...2000))
        } else {
            // Somewhere strictly inside the transfer the call asks for; the injector also keeps it below the
            // count the call actually makes.
            var size = 4096
            if let bytes = try? call.value?["data"]?.payload("data") {
                size = bytes.count
            } else if case .integer(let max)? = call.value?["max"] {
                size = Int(max)
            }
            directive.fault = .short(generator.next(in: 1...Swift.max(1, size - 1)))
        }
        return directive
    }
}
