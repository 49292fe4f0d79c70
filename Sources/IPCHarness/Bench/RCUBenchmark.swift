import IPCMechanisms
import IPCModels
import IPCSyscalls
import Synchronization

/// `ipc-harness bench rcu`: read-side and grace-period throughput of the Swift RCU and liburcu's memb (its read
/// side inlined, as C programs use it, and as library calls) and qsbr flavours on the same published-pointer
/// workload, in one process run so that all meet the same machine.
///
/// Each reader thread loops over: read lock, dereference the published pointer, check the version block (a
/// poisoned or torn block counts as a poisoned read), read unlock; QSBR readers stay online and announce a
/// quiescent state every 1024 reads, as liburcu's own benchmarks do. `liburcu.memb-inlined` runs liburcu's own
/// inline read side (``InlinedURCUMemb``: what a C program compiled with `_LGPL_SOURCE` gets), the yardstick;
/// `liburcu.memb` and `liburcu.qsbr` go through the CURCU shim's functions (one library call each); the Swift
/// RCU's read side inlines. The updater, when there is one, loops over:
/// publish a new version, synchronize, poison and free the old one. Every configuration runs `repetitions` times,
/// configurations interleaved, and each figure is the median.
public enum RCUBenchmark {
    public struct Configuration: Sendable, Hashable {
        public var implementation: String
        public var readers: Int
        public var updater: Bool
    }

    public struct Result: Sendable {
        public var configuration: Configuration
        /// Median over repetitions of the mean reads per second of one reader thread.
        public var readsPerSecondPerReader: Double
        /// Median grace periods per second (nil without an updater).
        public var gracePeriodsPerSecond: Double?
        /// Poisoned or torn reads seen, summed over repetitions (zero for a correct implementation).
        public var poisonedReads: Int
        /// Each repetition's reads per second per reader and grace periods per second, in order.
        public var samples: [Sample]

        public init(configuration: Configuration, samples: [Sample]) {
            self.configuration = configuration
            self.samples = samples
            readsPerSecondPerReader = BenchFigures.median(samples.map(\.readsPerSecondPerReader))
            gracePeriodsPerSecond = configuration.updater ? BenchFigures.median(samples.map(\.gracePeriodsPerSecond)) : nil
            poisonedReads = samples.reduce(0) { $0 + $1.poisonedReads }
        }

        public var nanosecondsPerRead: Double { 1e9 / readsPerSecondPerReader }
    }

    /// Swift ÷ inlined liburcu-memb figures of one reader count and updater setting: the median over repetitions
    /// of the ratio within each repetition, and the lowest and highest of those ratios. Within a repetition the
    /// two run back to back, one run length apart, so load from elsewhere (other processes on a shared machine)
    /// weighs on both alike; a ratio of separate medians can pair a quiet Swift run with a loaded liburcu run.
    public struct Ratio: Sendable {
        public var readers: Int
        public var updater: Bool
        public var readRatio: Double
        public var readRatioRange: ClosedRange<Double>
        public var gracePeriodRatio: Double?
        public var gracePeriodRatioRange: ClosedRange<Double>?
    }

    /// What the Swift RCU is compared with.
    public static let yardstick = "liburcu.memb-inlined"
    public static let implementations = ["swift.rcu", yardstick, "liburcu.memb", "liburcu.qsbr"]

    public static func run(repetitions: Int = 7, milliseconds: Int = 200, readerCounts: [Int] = [1, 2]) -> [Result] {
        let swift = SwiftRCU()
        let inlined = InlinedURCUMemb()
        let memb = URCUMemb()
        let qsbr = URCUQSBR()
        var configurations: [Configuration] = []
        for readers in readerCounts {
            for updater in [false, true] {
                for implementation in implementations {
                    configurations.append(Configuration(implementation: implementation, readers: readers, updater: updater))
                }
            }
        }
        var samples: [Configuration: [Sample]] = [:]
        for _ in 0..<repetitions {
            for configuration in configurations {
                let sample: Sample
                switch configuration.implementation {
                case "swift.rcu": sample = measure(swift, configuration, milliseconds: milliseconds)
                case yardstick: sample = measure(inlined, configuration, milliseconds: milliseconds)
                case "liburcu.memb": sample = measure(memb, configuration, milliseconds: milliseconds)
                default: sample = measure(qsbr, configuration, milliseconds: milliseconds)
                }
                samples[configuration, default: []].append(sample)
            }
        }
        return configurations.map { Result(configuration: $0, samples: samples[$0] ?? []) }
    }

    /// The Swift RCU's figures over inlined liburcu-memb's, per reader count and updater setting.
    public static func ratios(_ results: [Result]) -> [Ratio] {
        var ratios: [Ratio] = []
        for swift in results where swift.configuration.implementation == "swift.rcu" {
            guard let memb = results.first(where: {
                $0.configuration.implementation == yardstick && $0.configuration.readers == swift.configuration.readers
                    && $0.configuration.updater == swift.configuration.updater
            }) else { continue }
            let pairs = Array(zip(swift.samples, memb.samples))
            let reads = pairs.map { $0.readsPerSecondPerReader / Swift.max(1, $1.readsPerSecondPerReader) }
            let gracePeriods = pairs.map { $0.gracePeriodsPerSecond / Swift.max(1, $1.gracePeriodsPerSecond) }
            ratios.append(Ratio(
                readers: swift.configuration.readers, updater: swift.configuration.updater,
                readRatio: BenchFigures.median(reads), readRatioRange: (reads.min() ?? 0)...(reads.max() ?? 0),
                gracePeriodRatio: swift.configuration.updater ? BenchFigures.median(gracePeriods) : nil,
                gracePeriodRatioRange: swift.configuration.updater ? (gracePeriods.min() ?? 0)...(gracePeriods.max() ?? 0) : nil))
        }
        return ratios
    }

    public struct Sample: Sendable {
        public var readsPerSecondPerReader: Double
        public var gracePeriodsPerSecond: Double
        public var poisonedReads: Int
    }

    /// Counts of one thread: how many operations in how many nanoseconds.
    final class ThreadCount: @unchecked Sendable {
        var operations = 0
        var nanoseconds: UInt64 = 1
        var poisoned = 0
    }

    static func measure<Flavor: RCUFlavor>(_ flavor: Flavor, _ configuration: Configuration, milliseconds: Int) -> Sample {
        let slot = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: 1)
        slot.initialize(to: VersionBlock.allocate(version: 0))
        let stop = Stop()
        let readerCounts = (0..<configuration.readers).map { _ in ThreadCount() }
        let updaterCount = ThreadCount()
        var threads = readerCounts.map { count in OSThread { readLoop(flavor, slot: slot, stop: stop, count: count) } }
        if configuration.updater { threads.append(OSThread { updateLoop(flavor, slot: slot, stop: stop, count: updaterCount) }) }
        MonotonicClock.sleep(nanoseconds: UInt64(milliseconds) * 1_000_000)
        stop.flag.store(true, ordering: .releasing)
        for thread in threads { thread.join() }
        VersionBlock.deallocate(slot.pointee!)
        slot.deallocate()
        let perReader = readerCounts.map { Double($0.operations) * 1e9 / Double($0.nanoseconds) }
        return Sample(
            readsPerSecondPerReader: perReader.reduce(0, +) / Double(perReader.count),
            gracePeriodsPerSecond: Double(updaterCount.operations) * 1e9 / Double(updaterCount.nanoseconds),
            poisonedReads: readerCounts.reduce(0) { $0 + $1.poisoned })
    }

    final class Stop: Sendable {
        let flag = Atomic<Bool>(false)
    }

    /// The measured read loop, specialised per flavour (same module, concrete types at the call).
    static func readLoop<Flavor: RCUFlavor>(
        _ flavor: Flavor, slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>, stop: Stop, count: ThreadCount
    ) {
        let reader = flavor.registerReader()
        flavor.threadOnline(reader)
        var reads = 0
        var poisoned = 0
        let start = MonotonicClock.nanoseconds()
        while !stop.flag.load(ordering: .relaxed) {
            for _ in 0..<1024 {
                flavor.readLock(reader)
                if case .whole = VersionBlock.inspect(flavor.dereference(slot)!) {} else { poisoned += 1 }
                flavor.readUnlock(reader)
            }
            reads += 1024
            flavor.quiescentState(reader)
        }
        count.nanoseconds = MonotonicClock.nanoseconds() - start
        flavor.threadOffline(reader)
        flavor.unregisterReader(reader)
        count.operations = reads
        count.poisoned = poisoned
    }

    /// Publish, synchronize, poison and free the replaced version, until told to stop.
    static func updateLoop<Flavor: RCUFlavor>(
        _ flavor: Flavor, slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>, stop: Stop, count: ThreadCount
    ) {
        flavor.registerUpdater()
        var version = 0
        let start = MonotonicClock.nanoseconds()
        while !stop.flag.load(ordering: .relaxed) {
            version += 1
            let old = flavor.exchange(slot, VersionBlock.allocate(version: version))!
            flavor.synchronize()
            VersionBlock.poisonWords(old)
            VersionBlock.deallocate(old)
        }
        count.nanoseconds = MonotonicClock.nanoseconds() - start
        count.operations = version
        flavor.unregisterUpdater()
    }

    public static func table(_ results: [Result], repetitions: Int, milliseconds: Int) -> String {
        var lines = [
            "medians of \(repetitions) runs of \(milliseconds) ms each",
            "implementation        readers  updater     ns/read   reads/s per reader   grace periods/s   poisoned",
        ]
        for result in results {
            let configuration = result.configuration
            lines.append(
                configuration.implementation.alignedLeft(22) + String(configuration.readers).alignedRight(7)
                    + (configuration.updater ? "yes" : "no").alignedRight(9)
                    + BenchFigures.format(result.nanosecondsPerRead, 2).alignedRight(12)
                    + String(Int(result.readsPerSecondPerReader)).alignedRight(21)
                    + (result.gracePeriodsPerSecond.map { String(Int($0)) } ?? "-").alignedRight(18)
                    + String(result.poisonedReads).alignedRight(11))
        }
        lines.append("Swift RCU ÷ liburcu-memb with its read side inlined (_LGPL_SOURCE), median of the per-repetition ratios [lowest–highest] (≥ 1.0: Swift at least as fast):")
        func range(_ range: ClosedRange<Double>) -> String {
            "[" + BenchFigures.format(range.lowerBound, 2) + "–" + BenchFigures.format(range.upperBound, 2) + "]"
        }
        for ratio in ratios(results) {
            var line = "  \(ratio.readers) reader\(ratio.readers == 1 ? "" : "s"), \(ratio.updater ? "with" : "no") updater: reads "
                + BenchFigures.format(ratio.readRatio, 2) + " " + range(ratio.readRatioRange)
            if let gracePeriods = ratio.gracePeriodRatio, let spread = ratio.gracePeriodRatioRange {
                line += ", grace periods " + BenchFigures.format(gracePeriods, 2) + " " + range(spread)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ results: [Result], repetitions: Int, milliseconds: Int) -> String {
        let rows: [JSONValue] = results.map { result in
            var row: JSONObject = [
                "implementation": .string(result.configuration.implementation), "readers": .int(result.configuration.readers),
                "updater": .bool(result.configuration.updater), "readsPerSecondPerReader": .number(result.readsPerSecondPerReader),
                "nanosecondsPerRead": .number(result.nanosecondsPerRead), "poisonedReads": .int(result.poisonedReads),
            ]
            if let gracePeriods = result.gracePeriodsPerSecond { row["gracePeriodsPerSecond"] = .number(gracePeriods) }
            return .object(row)
        }
        let ratios: [JSONValue] = ratios(results).map { ratio in
            var row: JSONObject = [
                "readers": .int(ratio.readers), "updater": .bool(ratio.updater),
                "swiftOverInlinedMembReads": .number(ratio.readRatio),
                "swiftOverInlinedMembReadsRange": [.number(ratio.readRatioRange.lowerBound), .number(ratio.readRatioRange.upperBound)],
            ]
            if let gracePeriods = ratio.gracePeriodRatio, let spread = ratio.gracePeriodRatioRange {
                row["swiftOverInlinedMembGracePeriods"] = .number(gracePeriods)
                row["swiftOverInlinedMembGracePeriodsRange"] = [.number(spread.lowerBound), .number(spread.upperBound)]
            }
            return .object(row)
        }
        return JSONValue.object([
            "repetitions": .int(repetitions), "milliseconds": .int(milliseconds), "results": .array(rows),
            "ratios": .array(ratios),
        ]).description
    }
}
