import ArgumentParser
import Glibc
import IPCHarness

/// `--format`: how the history a command reads was recorded (a trace of ours, or another tool's history).
struct HistoryFormatOption: ParsableArguments {
    @Option(help: "How the file was recorded: \(ForeignHistory.Format.names) (another tool's history is converted first).")
    var format: String = ForeignHistory.Format.trace.rawValue

    var historyFormat: ForeignHistory.Format { ForeignHistory.Format(rawValue: format) ?? .trace }

    /// The `--format` to repeat in a command line; nil for a trace.
    var argument: String? { historyFormat == .trace ? nil : format }

    func validate() throws {
        guard ForeignHistory.Format(rawValue: format) != nil else {
            throw ValidationError("unknown format '\(format)' (known: \(ForeignHistory.Format.names))")
        }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a history recorded by another tool into a trace (format 1), to check, draw or keep.",
        discussion: "Formats: \(ForeignHistory.importable.map(\.rawValue).joined(separator: ", ")); see traces/README.md, 'Histories recorded elsewhere'. " + CommandLineText.exitStatusHelp("import"))

    @Argument(help: "The history's format: \(ForeignHistory.importable.map(\.rawValue).joined(separator: " or ")).")
    var format: String

    @Argument(help: "The history file.")
    var file: String

    @Option(name: [.short, .customLong("out")], help: "Where to write the trace (atomically; default: standard output).")
    var out: String?

    func validate() throws {
        guard let chosen = ForeignHistory.Format(rawValue: format), ForeignHistory.importable.contains(chosen) else {
            throw ValidationError("unknown format '\(format)' (known: \(ForeignHistory.importable.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    func run() throws {
        let trace = try TraceInput.load(path: file, format: ForeignHistory.Format(rawValue: format)!)
        if let out {
            try AtomicFile.write(trace.serialized(), to: out)
        } else {
            try StandardOutput.write(trace.serialized())
        }
        printError(CommandLineText.importSummary(trace, path: file, writtenTo: out))
    }
}

/// Standard output written whole, bytes as they are.
enum StandardOutput {
    static func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw UsageFailure("cannot write the trace to standard output: \(String(cString: strerror(errno)))")
            }
            offset += count
        }
    }
}

struct ImportBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import and check other tools' histories: per file, parse + convert and check times (medians) and peak memory.",
        discussion: "Without files: the samples in ../shared/interop/, when that directory exists.")

    @Argument(help: "History files (default: the samples in ../shared/interop/).")
    var files: [String] = []

    @Option(help: "How the files were recorded: \(ForeignHistory.Format.names).")
    var format: String = ForeignHistory.Format.jepsen.rawValue

    @Option(parsing: .unconditional, help: "Repetitions of each file; figures are medians.")
    var repetitions: Int = 5

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var running: RunningOptions

    static let samples = "../shared/interop"

    func validate() throws {
        guard ForeignHistory.Format(rawValue: format) != nil else {
            throw ValidationError("unknown format '\(format)' (known: \(ForeignHistory.Format.names))")
        }
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
        guard !files.isEmpty || Self.sampleFiles() != nil else {
            throw ValidationError("name the history files to import (the samples' directory \(Self.samples) is not here)")
        }
    }

    /// The sample histories beside the project, sorted; nil without them.
    static func sampleFiles() -> [String]? {
        guard let directory = opendir(samples) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".log") || name.hasSuffix(".txt") { names.append(samples + "/" + name) }
        }
        return names.isEmpty ? nil : names.sorted()
    }

    func run() throws {
        let results = try ImportBenchmark.run(
            files: files.isEmpty ? Self.sampleFiles() ?? [] : files, format: ForeignHistory.Format(rawValue: format)!,
            repetitions: repetitions, budget: running.checkBudget)
        print(json ? ImportBenchmark.json(results, repetitions: repetitions) : ImportBenchmark.table(results, repetitions: repetitions))
    }
}
