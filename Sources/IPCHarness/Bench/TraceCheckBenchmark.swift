import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage

/// `ipc-harness bench check FILE…`: what `ipc-harness check` costs on given trace files, so that anyone can put
/// the figures beside another checker's on the same files.
///
/// Two measurements per file, each repeated:
/// - in this process: reading the trace into a history (parse) and checking it (search, explanations included),
///   timed apart;
/// - as whole processes: `ipc-harness check FILE` started, run and reaped, its wall time and its peak resident
///   memory (from `wait4`), which is what another checker run as a command is measured by. Start-up and exit are
///   the difference.
/// Figures are medians over the repetitions, with the fastest and slowest process runs beside them; memory is
/// the largest peak of any one run (each run is its own process, so no row carries another's peak).
public enum TraceCheckBenchmark {
    /// One in-process check.
    public struct Sample: Sendable, Hashable {
        public var parseSeconds: Double
        public var searchSeconds: Double
    }

    /// One `ipc-harness check` process.
    public struct ProcessSample: Sendable, Hashable {
        public var wallSeconds: Double
        public var peakResidentBytes: Int
        public var exitCode: Int32
    }

    public struct Row: Sendable, Hashable {
        public var file: String
        public var operations: Int
        public var objects: Int
        public var verdict: Trace.Verdict.Result
        public var parseSeconds: Double
        public var searchSeconds: Double
        /// Median of each repetition's parse + search (not the sum of the two medians).
        public var inProcessSeconds: Double
        /// Nil when processes were not measured.
        public var processSeconds: Double?
        public var fastestProcessSeconds: Double?
        public var slowestProcessSeconds: Double?
        public var peakMegabytes: Double?
        /// The exit statuses the processes gave (one each, normally all alike).
        public var exitCodes: [Int32]
    }

    /// The row of one file from its measurements: the arithmetic, apart from the measuring so tests can hold it.
    public static func row(
        file: String, operations: Int, objects: Int, verdict: Trace.Verdict.Result, samples: [Sample],
        processes: [ProcessSample]
    ) -> Row {
        let walls = processes.map(\.wallSeconds)
        return Row(
            file: file, operations: operations, objects: objects, verdict: verdict,
            parseSeconds: BenchFigures.median(samples.map(\.parseSeconds)), searchSeconds: BenchFigures.median(samples.map(\.searchSeconds)),
            inProcessSeconds: BenchFigures.median(samples.map { $0.parseSeconds + $0.searchSeconds }),
            processSeconds: walls.isEmpty ? nil : BenchFigures.median(walls), fastestProcessSeconds: walls.min(),
            slowestProcessSeconds: walls.max(),
            peakMegabytes: processes.map(\.peakResidentBytes).max().map { Double($0) / Double(1 << 20) },
            exitCodes: Array(Set(processes.map(\.exitCode))).sorted())
    }

    /// Measures each file `repetitions` times in this process and, when `executable` is given (the
    /// `ipc-harness` binary), `repetitions` times as a `check` process with the same budget.
    ///
    /// The processes run first, while this process is still small: `posix_spawn` starts a child in this
    /// process's memory until its exec, and Linux counts this process's peak into the child's `ru_maxrss`. A child
    /// never measures less than this process at start-up, which is the same binary's start-up.
    public static func run(
        files: [String], repetitions: Int, budget: CheckBudget, executable: String?
    ) throws(HarnessError) -> [Row] {
        var processes: [[ProcessSample]] = []
        for file in files {
            var runs: [ProcessSample] = []
            if let executable {
                for _ in 0..<repetitions { runs.append(try checkProcess(executable, file: file, budget: budget)) }
            }
            processes.append(runs)
        }
        var rows: [Row] = []
        for (file, runs) in zip(files, processes) {
            var samples: [Sample] = []
            var report: CheckReport?
            for _ in 0..<repetitions {
                var timings = CheckTimings()
                do {
                    report = try TraceChecker.check(path: file, budget: budget, timings: &timings)
                } catch {
                    throw HarnessError("\(error)")
                }
                samples.append(Sample(parseSeconds: timings.parseSeconds, searchSeconds: timings.searchSeconds))
            }
            guard let report else { continue }
            rows.append(row(
                file: file, operations: report.objects.reduce(0) { $0 + $1.operationCount }, objects: report.objects.count,
                verdict: report.result, samples: samples, processes: runs))
        }
        return rows
    }

    /// Runs `executable check FILE` with the budget, output discarded, and reaps it.
    private static func checkProcess(_ executable: String, file: String, budget: CheckBudget) throws(HarnessError) -> ProcessSample {
        do throws(Errno) {
            let null = try Syscall.open("/dev/null", flags: O_WRONLY | O_CLOEXEC)
            defer { try? Syscall.close(null) }
            let arguments = [
                "check", file, "--budget", String(budget.seconds), "--memory", String(Swift.max(1, budget.memoryBytes >> 20)),
            ]
            let started = MonotonicClock.nanoseconds()
            let pid = try Syscall.spawn(SpawnRequest(path: executable, arguments: arguments, descriptors: [(null, 1), (null, 2)]))
            let (status, peak, _) = try Syscall.waitWithUsage(pid)
            let wall = Double(MonotonicClock.nanoseconds() - started) / 1e9
            let code: Int32
            switch status {
            case .exited(let exit): code = exit
            case .signaled(let signal): code = 128 + signal
            }
            return ProcessSample(wallSeconds: wall, peakResidentBytes: peak, exitCode: code)
        } catch {
            throw HarnessError("cannot run \(executable) check \(file): \(error)")
        }
    }

    public static func table(_ rows: [Row], repetitions: Int) -> String {
        var lines = [
            "medians of \(repetitions) runs; process = `ipc-harness check FILE` started to reaped; peak = largest resident memory of one process",
            "file".alignedLeft(34) + "ops".alignedRight(8) + "objs".alignedRight(5) + "  verdict  " + "parse ms".alignedRight(9)
                + "search ms".alignedRight(10) + "in-proc ms".alignedRight(11) + "process ms".alignedRight(11)
                + "  (min–max)".alignedLeft(18) + "peak MB".alignedRight(8),
        ]
        for row in rows {
            let name = row.file.split(separator: "/").last.map(String.init) ?? row.file
            var line = name.alignedLeft(34) + String(row.operations).alignedRight(8) + String(row.objects).alignedRight(5)
                + "  " + row.verdict.rawValue.alignedLeft(9) + milliseconds(row.parseSeconds).alignedRight(9)
                + milliseconds(row.searchSeconds).alignedRight(10) + milliseconds(row.inProcessSeconds).alignedRight(11)
            if let process = row.processSeconds, let fastest = row.fastestProcessSeconds, let slowest = row.slowestProcessSeconds,
                let peak = row.peakMegabytes
            {
                line += milliseconds(process).alignedRight(11) + "  (\(milliseconds(fastest))–\(milliseconds(slowest)))".alignedLeft(18)
                    + BenchFigures.format(peak, 1).alignedRight(8)
                if row.exitCodes != [Int32(CommandLineText.exitStatus(for: row.verdict))] {
                    line += "  exit \(row.exitCodes.map(String.init).joined(separator: ","))"
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ rows: [Row]) -> String {
        let array: JSONValue = .array(rows.map { row in
            var object: JSONObject = [
                "file": .string(row.file), "operations": .int(row.operations), "objects": .int(row.objects),
                "verdict": .string(row.verdict.rawValue), "parseSeconds": .number(row.parseSeconds),
                "searchSeconds": .number(row.searchSeconds), "inProcessSeconds": .number(row.inProcessSeconds),
            ]
            if let process = row.processSeconds { object["processSeconds"] = .number(process) }
            if let fastest = row.fastestProcessSeconds { object["fastestProcessSeconds"] = .number(fastest) }
            if let slowest = row.slowestProcessSeconds { object["slowestProcessSeconds"] = .number(slowest) }
            if let peak = row.peakMegabytes { object["peakMegabytes"] = .number(peak) }
            if !row.exitCodes.isEmpty { object["exitCodes"] = .array(row.exitCodes.map { .int(Int($0)) }) }
            return .object(object)
        })
        return array.description
    }

    static func milliseconds(_ seconds: Double) -> String {
        BenchFigures.format(seconds * 1000, seconds < 0.1 ? 2 : 1)
    }
}
