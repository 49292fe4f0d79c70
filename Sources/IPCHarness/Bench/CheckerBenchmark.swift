import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage

/// `ipc-harness bench checker`: how long the checker takes, and how much memory it peaks at, on generated pipe
/// histories of 1k, 10k and 100k operations with 4 and 8 processes on 1 and 16 objects.
///
/// Each row's peak is its own: the process's peak is reset before the row (``ProcessMemory/resetPeak()``), and
/// the row reports its peak and what it added over the resident size it started from (memory an earlier row
/// freed may stay resident, so the start is part of the peak). `getrusage` alone gives the process's peak so far,
/// which made every row after the largest repeat its figure.
public enum CheckerBenchmark {
    public struct Result: Sendable {
        public var operations: Int
        public var processes: Int
        public var objects: Int
        public var seconds: Double
        /// The process's peak resident memory during this row (reset before it), in megabytes; nil when the
        /// kernel cannot reset the peak (then no per-row figure is honest, and none is printed).
        public var peakMegabytes: Double?
        /// Resident megabytes when the row started: the peak minus this is what the row added.
        public var startMegabytes: Double?
        public var verdict: Trace.Verdict.Result

        /// What the row added to the resident memory it started from, at its peak.
        public var addedMegabytes: Double? {
            guard let peakMegabytes, let startMegabytes else { return nil }
            return Swift.max(0, peakMegabytes - startMegabytes)
        }
    }

    /// A row's memory figures from what was read before and after it: none unless the peak was reset at its start.
    static func memory(
        resetAtStart: Bool, start: (current: Int, peak: Int)?, end: (current: Int, peak: Int)?
    ) -> (peak: Double?, start: Double?) {
        guard resetAtStart, let start, let end else { return (nil, nil) }
        return (Double(end.peak) / Double(1 << 20), Double(start.current) / Double(1 << 20))
    }

    public static func run(
        sizes: [Int] = [1_000, 10_000, 100_000], objectCounts: [Int] = [1, 16], processCounts: [Int] = [4, 8],
        budget: CheckBudget = CheckBudget(seconds: 120, memoryBytes: 4 << 30)
    ) -> [Result] {
        var results: [Result] = []
        for operations in sizes {
            for objects in objectCounts {
                for processes in processCounts {
                    let history = HistoryGenerator.pipeHistory(
                        operations: operations, processes: processes, objects: objects, seed: UInt64(operations + objects + processes))
                    let reset = ProcessMemory.resetPeak()
                    let before = ProcessMemory.resident()
                    let start = MonotonicClock.nanoseconds()
                    let report = LinearizabilityChecker.check(history, budget: budget)
                    let seconds = Double(MonotonicClock.nanoseconds() - start) / 1e9
                    let memory = memory(resetAtStart: reset, start: before, end: ProcessMemory.resident())
                    results.append(Result(
                        operations: operations, processes: processes, objects: objects, seconds: seconds,
                        peakMegabytes: memory.peak, startMegabytes: memory.start, verdict: report.result))
                }
            }
        }
        return results
    }

    public static func table(_ results: [Result]) -> String {
        var lines = ["operations  processes  objects  check time   row peak RSS   added   verdict"]
        for result in results {
            lines.append(
                String(result.operations).alignedRight(10) + String(result.processes).alignedRight(11)
                    + String(result.objects).alignedRight(9) + (format(result.seconds, 3) + " s").alignedRight(13)
                    + (result.peakMegabytes.map { format($0, 1) + " MB" } ?? "-").alignedRight(15)
                    + (result.addedMegabytes.map { format($0, 1) + " MB" } ?? "-").alignedRight(10) + "   "
                    + result.verdict.rawValue)
        }
        if results.contains(where: { $0.peakMegabytes == nil }) {
            lines.append("(no memory figures: this kernel cannot reset a process's peak, so none would be the row's own)")
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ results: [Result]) -> String {
        let array: JSONValue = .array(results.map { result in
            var object: JSONObject = [
                "operations": .int(result.operations), "processes": .int(result.processes), "objects": .int(result.objects),
                "seconds": .number(result.seconds), "verdict": .string(result.verdict.rawValue),
            ]
            if let peak = result.peakMegabytes { object["peakMegabytes"] = .number(peak) }
            if let added = result.addedMegabytes { object["addedMegabytes"] = .number(added) }
            return .object(object)
        })
        return array.description
    }

    public static func format(_ value: Double, _ decimals: Int) -> String { BenchFigures.format(value, decimals) }
}
