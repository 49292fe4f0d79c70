import Glibc
import IPCModels
import IPCSyscalls

/// `ipc-harness bench checker`: how long the checker takes, and how much memory the process peaks at, on
/// generated pipe histories of 1k, 10k and 100k operations with 4 and 8 processes on 1 and 16 objects.
public enum CheckerBenchmark {
    public struct Result: Sendable {
        public var operations: Int
        public var processes: Int
        public var objects: Int
        public var seconds: Double
        /// The process's peak resident memory after this case (cases run smallest first, so this bounds it).
        public var peakMegabytes: Double
        public var verdict: Trace.Verdict.Result
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
                    let start = MonotonicClock.nanoseconds()
                    let report = LinearizabilityChecker.check(history, budget: budget)
                    let seconds = Double(MonotonicClock.nanoseconds() - start) / 1e9
                    results.append(Result(
                        operations: operations, processes: processes, objects: objects, seconds: seconds,
                        peakMegabytes: peakResidentMegabytes(), verdict: report.result))
                }
            }
        }
        return results
    }

    public static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    public static func table(_ results: [Result]) -> String {
        var lines = ["operations  processes  objects  check time     peak RSS   verdict"]
        for result in results {
            lines.append(
                String(result.operations).alignedRight(10) + String(result.processes).alignedRight(11)
                    + String(result.objects).alignedRight(9) + (format(result.seconds, 3) + " s").alignedRight(13)
                    + (format(result.peakMegabytes, 1) + " MB").alignedRight(13) + "   " + result.verdict.rawValue)
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ results: [Result]) -> String {
        let array: JSONValue = .array(results.map { result in
            [
                "operations": .int(result.operations), "processes": .int(result.processes), "objects": .int(result.objects),
                "seconds": .number(result.seconds), "peakMegabytes": .number(result.peakMegabytes),
                "verdict": .string(result.verdict.rawValue),
            ]
        })
        return array.description
    }

    public static func format(_ value: Double, _ decimals: Int) -> String { BenchFigures.format(value, decimals) }
}
