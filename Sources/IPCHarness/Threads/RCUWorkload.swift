import IPCModels
import IPCSyscalls

/// The published-pointer workload, the same for every RCU implementation: one updater publishes versions 1, 2, …
/// of object r0 and retires each replaced one (synchronize then reclaim, or call_rcu); readers run read-side
/// sections of one to three reads. Every choice, delays included, comes from the run's generator.
struct RCUWorkload: Sendable {
    enum ReaderStep: Hashable, Sendable {
        case lock, read, unlock, quiescent
        case delay(InjectedDelay)
    }

    enum UpdaterStep: Hashable, Sendable {
        /// Publish this version; the replaced one joins the retired list.
        case publish(version: Int)
        case synchronize
        /// Poison and free the oldest retired version.
        case reclaimOldest
        /// Queue a callback that poisons and frees the oldest retired version after a grace period.
        case callRCUOldest
        case barrier
        case delay(InjectedDelay)
    }

    /// How the updater retires a replaced version.
    enum Retirement: Sendable {
        /// synchronize then reclaim, or call_rcu (and a barrier at the end).
        case afterGracePeriod
        /// BROKEN: reclaim at once, without waiting for readers.
        case immediately
    }

    var readers: [[ReaderStep]]
    var updater: [UpdaterStep]

    /// Readers are processes 2…; the updater is 1; callbacks run as the process after the last reader.
    var callbackProcess: Int { readers.count + 2 }

    static func generate(
        generator: inout SeededGenerator, strategy: StrategySpec, quiescentStates: Bool, retirement: Retirement
    ) -> RCUWorkload {
        var readers: [[ReaderStep]] = []
        for _ in 0..<generator.next(in: 1...3) {
            var program: [ReaderStep] = []
            var inSection = false
            for _ in 0..<generator.next(in: 3...8) {
                if inSection && quiescentStates && generator.chance(0.4) {
                    program.append(.quiescent)
                } else {
                    if inSection { program.append(.unlock) }
                    program.append(.lock)
                    inSection = true
                }
                for _ in 0..<generator.next(in: 1...3) { program.append(.read) }
            }
            program.append(.unlock)
            readers.append(program)
        }
        var updater: [UpdaterStep] = []
        var queued = false
        for version in 1...generator.next(in: 3...8) {
            updater.append(.publish(version: version))
            switch retirement {
            case .immediately:
                updater.append(.reclaimOldest)
            case .afterGracePeriod where generator.chance(0.35):
                updater.append(.callRCUOldest)
                queued = true
            case .afterGracePeriod:
                updater += [.synchronize, .reclaimOldest]
            }
        }
        if queued { updater.append(.barrier) }
        var workload = RCUWorkload(readers: readers, updater: updater)
        workload.injectDelays(generator: &generator, strategy: strategy)
        return workload
    }

    /// Delays before operations: often short ones (spins and yields), sometimes a sleep of 20–300 µs (a preempted
    /// thread). Under `pct:d`, d-1 steps chosen at random also get a long sleep of 1–2 ms: PCT's change points,
    /// where the running thread drops below the others (the OS schedules; the harness can only step aside).
    private mutating func injectDelays(generator: inout SeededGenerator, strategy: StrategySpec) {
        func delay(_ generator: inout SeededGenerator) -> InjectedDelay? {
            switch generator.next(below: 100) {
            case 0..<50: nil
            case 50..<70: .spin(iterations: generator.next(in: 100...20_000))
            case 70..<85: .yield
            default: .sleep(nanoseconds: UInt64(generator.next(in: 20_000...300_000)))
            }
        }
        var longDelays = Set<Int>()
        if case .pct(let depth) = strategy {
            let steps = readers.reduce(updater.count) { $0 + $1.count }
            for _ in 0..<Swift.max(0, depth - 1) { longDelays.insert(generator.next(below: Swift.max(1, steps))) }
        }
        var step = 0
        func long(_ generator: inout SeededGenerator) -> InjectedDelay? {
            defer { step += 1 }
            return longDelays.contains(step) ? .sleep(nanoseconds: UInt64(generator.next(in: 1_000_000...2_000_000))) : nil
        }
        updater = updater.flatMap { operation -> [UpdaterStep] in
            let delays = [long(&generator), delay(&generator)].compactMap { $0 }.map(UpdaterStep.delay)
            return delays + [operation]
        }
        readers = readers.map { program in
            program.flatMap { operation -> [ReaderStep] in
                let delays = [long(&generator), delay(&generator)].compactMap { $0 }.map(ReaderStep.delay)
                return delays + [operation]
            }
        }
    }
}
