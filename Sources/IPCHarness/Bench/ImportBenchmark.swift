import IPCModels
import IPCSyscalls

/// `ipc-harness bench import`: what checking another tool's history costs, per file: reading and converting it
/// (parse + convert) and checking the converted trace, each the median of a few repetitions, and the process's peak
/// memory over that file's repetitions. The figure to watch is that the checker is not the slow part.
public enum ImportBenchmark {
    public struct Result: Sendable {
        public var file: String
        /// The form the file was read in (`jepsen-log`, `jepsen-edn`; `trace` for one of ours).
        public var source: String
        public var model: String
        public var operations: Int
        public var importSeconds: Double
        public var checkSeconds: Double
        /// The process's peak resident memory while this file was imported and checked (see ``peakIsPerFile``).
        public var peakMegabytes: Double
        /// Whether the peak could be restarted before this file; if not, it is the process's peak so far.
        public var peakIsPerFile: Bool
        public var verdict: Trace.Verdict.Result
    }

    public static func run(
        files: [String], format: ForeignHistory.Format, repetitions: Int = 5, budget: CheckBudget = .standard
    ) throws(TraceError) -> [Result] {
        var results: [Result] = []
        for file in files {
            let perFile = ProcessMemory.resetPeak()
            var importTimes: [Double] = []
            var checkTimes: [Double] = []
            var last: (trace: Trace, report: CheckReport)?
            for _ in 0..<Swift.max(1, repetitions) {
                let start = MonotonicClock.nanoseconds()
                let trace = try ForeignHistory.load(path: file, format: format)
                let converted = MonotonicClock.nanoseconds()
                let report = try TraceChecker.check(trace, name: file, budget: budget)
                let checked = MonotonicClock.nanoseconds()
                importTimes.append(Double(converted - start) / 1e9)
                checkTimes.append(Double(checked - converted) / 1e9)
                last = (trace, report)
            }
            guard let (trace, report) = last else { continue }
            var source = format.rawValue
            if case .object(let object)? = trace.header.extra["source"], case .string(let form)? = object["format"] { source = form }
            results.append(Result(
                file: file, source: source, model: trace.header.model,
                operations: trace.events.filter { $0.type == .invoke }.count,
                importSeconds: BenchFigures.median(importTimes), checkSeconds: BenchFigures.median(checkTimes),
                peakMegabytes: Double(ProcessMemory.resident()?.peak ?? 0) / 1_048_576, peakIsPerFile: perFile, verdict: report.result))
        }
        return results
    }

    public static func table(_ results: [Result], repetitions: Int) -> String {
        let width = Swift.max(4, results.map { name($0.file).count }.max() ?? 0)
        var lines = [
            "file".padded(width) + "  source       model          operations   import (median)   check (median)   peak RSS   verdict"
        ]
        for result in results {
            lines.append(
                name(result.file).padded(width) + "  " + result.source.padded(11) + "  " + result.model.padded(13)
                    + String(result.operations).leftPadded(12)
                    + (milliseconds(result.importSeconds)).leftPadded(18) + (milliseconds(result.checkSeconds)).leftPadded(17)
                    + (CheckerBenchmark.format(result.peakMegabytes, 1) + " MB").leftPadded(11) + (result.peakIsPerFile ? "" : "*")
                    + "   " + result.verdict.rawValue)
        }
        lines.append("medians of \(repetitions) repetition\(repetitions == 1 ? "" : "s"); peak RSS: the whole process's while that file was imported and checked")
        if results.contains(where: { !$0.peakIsPerFile }) {
            lines.append("* the kernel refused to restart the peak: the process's peak so far")
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ results: [Result], repetitions: Int) -> String {
        JSONValue.object([
            "repetitions": .int(repetitions),
            "files": .array(results.map { result in
                [
                    "file": .string(result.file), "source": .string(result.source), "model": .string(result.model),
                    "operations": .int(result.operations), "importSeconds": .number(result.importSeconds),
                    "checkSeconds": .number(result.checkSeconds), "peakMegabytes": .number(result.peakMegabytes),
                    "peakIsPerFile": .bool(result.peakIsPerFile), "verdict": .string(result.verdict.rawValue),
                ]
            }),
        ]).description
    }

    private static func name(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }

    private static func milliseconds(_ seconds: Double) -> String { CheckerBenchmark.format(seconds * 1000, 2) + " ms" }
}

extension String {
    fileprivate func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
