import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage

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

    /// Starts the process's peak resident memory afresh from what it holds now (Linux: writing 5 to
    /// `/proc/self/clear_refs`), so that the next ``peakResidentMegabytes()`` is the peak of what follows alone.
    /// False where the kernel refuses: the peak then covers the whole process so far.
    public static func resetPeakResident() -> Bool {
        guard let descriptor = try? Syscall.open("/proc/self/clear_refs", flags: O_WRONLY | O_CLOEXEC) else { return false }
        defer { try? Syscall.close(descriptor) }
        let five: [UInt8] = [UInt8(ascii: "5")]
        return (try? five.withUnsafeBytes { (raw) throws(Errno) -> Int in try Syscall.write(descriptor, raw) }) == 1
    }

    public static func table(_ results: [Result]) -> String {
        var lines = ["operations  processes  objects  check time     peak RSS   verdict"]
        for result in results {
            lines.append(
                String(result.operations).leftPadded(10) + String(result.processes).leftPadded(11)
                    + String(result.objects).leftPadded(9) + (format(result.seconds, 3) + " s").leftPadded(13)
                    + (format(result.peakMegabytes, 1) + " MB").leftPadded(13) + "   " + result.verdict.rawValue)
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

    public static func format(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        let text = String(rounded)
        let parts = text.split(separator: ".")
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        return String(parts[0]) + "." + fraction.padding(toLength: decimals)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? String(prefix(length)) : self + String(repeating: "0", count: length - count)
    }
}
