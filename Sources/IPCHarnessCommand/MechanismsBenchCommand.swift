import ArgumentParser
import IPCHarness

/// `ipc-harness bench mechanisms`: one call into ``MechanismBenchmark``.
struct MechanismsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mechanisms",
        abstract: "The seeds' performance models measured on the real mechanisms, between two processes on different cores: one-way latency and throughput against message size (1 B to 1 MiB) for pipe, FIFO, Unix sockets, POSIX and System V queues, eventfd and the shared-memory ring; the fit L(s) = a + b·s per mechanism; the crossover T of each copying mechanism with the ring; the hybrid channel at its measured T; batching; head-of-line blocking; false sharing.")

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Also write the figures and their charts (inline SVG, self-contained) to this HTML file.")
    var html: String?

    @Option(parsing: .unconditional, help: "Interleaved repetitions (figures are medians over them, with their range).")
    var repetitions: Int = 5

    @Option(name: .customLong("latency-messages"), parsing: .unconditional, help: "One-way latencies measured per size and repetition.")
    var latencyMessages: Int = 100

    @Option(name: .customLong("max-size"), parsing: .unconditional, help: "The largest message size in bytes (sizes are the powers of two up to it).")
    var maximumSize: Int = 1 << 20

    @Option(help: "The hybrid channel's threshold T: 'measured' (the crossover of its two parts in this run) or bytes.")
    var threshold: String = "measured"

    @Option(help: "Comma-separated mechanisms to measure (default: all): \(BenchMechanism.allCases.map(\.rawValue).joined(separator: ", ")).")
    var mechanisms: String?

    func validate() throws {
        guard repetitions > 0, latencyMessages > 0 else { throw ValidationError("--repetitions and --latency-messages must be positive") }
        guard maximumSize >= 8, maximumSize <= 1 << 24 else { throw ValidationError("--max-size must be between 8 and 16777216 bytes") }
        _ = try parsedThreshold()
        _ = try parsedMechanisms()
    }

    func parsedThreshold() throws -> MechanismBenchmark.Threshold {
        if threshold == "measured" { return .measured }
        guard let bytes = Int(threshold), bytes >= 0 else { throw ValidationError("--threshold must be 'measured' or a number of bytes, not '\(threshold)'") }
        return .bytes(bytes)
    }

    func parsedMechanisms() throws -> [BenchMechanism] {
        guard let mechanisms else { return BenchMechanism.allCases }
        return try mechanisms.split(separator: ",").map { name in
            guard let mechanism = BenchMechanism(rawValue: String(name)) else {
                throw ValidationError("unknown mechanism '\(name)' (known: \(BenchMechanism.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return mechanism
        }
    }

    func run() throws {
        var options = MechanismBenchmark.Options()
        options.repetitions = repetitions
        options.latencyMessages = latencyMessages
        options.sizes = options.sizes.filter { $0 <= maximumSize }
        options.threshold = try parsedThreshold()
        options.mechanisms = try parsedMechanisms()
        let result = try MechanismBenchmark.run(options, worker: try CommandWorker.command()) { printError("… \($0)") }
        print(json ? MechanismBenchmark.json(result) : MechanismBenchmark.text(result))
        if let html {
            try AtomicFile.write(Array(MechanismBenchmark.html(result).utf8), to: html)
            printError("wrote \(html)")
        }
    }
}
