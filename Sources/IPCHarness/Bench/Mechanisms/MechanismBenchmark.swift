import CIPCMechanismBench
import CIPCShims
import Glibc
import IPCSyscalls
import SystemPackage

/// `ipc-harness bench mechanisms`: the seeds' performance models measured on the real mechanisms, between two
/// processes pinned to different cores where the machine allows.
///
/// - Latency `L(s)` and throughput against message size for each mechanism; `a` and `b` fitted per mechanism
///   (``LatencyFit``); the crossover T of each copying mechanism with the shared-memory ring (``Crossover``).
/// - Batching: messages per notification on the ring and on a pipe.
/// - Head-of-line blocking (``HeadOfLineBenchmark``).
/// - False sharing: the ring's indices on one cache line or padded apart.
/// - The hybrid channel with its threshold T taken from this run's crossover of its two parts.
///
/// Repetitions are interleaved (each repetition runs every mechanism once, in a rotated order), so load from other
/// work on the machine falls on all mechanisms alike; figures are medians over repetitions, with their range.
public enum MechanismBenchmark {
    public enum Threshold: Sendable, Hashable {
        /// The crossover of the hybrid's two parts (pipe; shared buffer + pipe notification) in this run.
        case measured
        case bytes(Int)
    }

    public struct Options: Sendable {
        /// Message sizes (log-spaced, 1 B to 1 MiB by default).
        public var sizes: [Int] = (0...20).map { 1 << $0 }
        public var repetitions = 5
        public var latencyMessages = 100
        /// The sender's pause after each acknowledged latency message: long enough for any receiver to be asleep
        /// in its receive call when the next message comes (an idle receiver's latency, wake-up included).
        public var pauseNanoseconds = 50_000
        public var throughputMessages = 4000
        /// The most bytes one size's throughput stream carries (fewer messages for large sizes, at least 16).
        public var throughputBytes = 16 << 20
        public var mechanisms: [BenchMechanism] = BenchMechanism.allCases.filter { $0 != .hybrid }
        public var threshold: Threshold = .measured
        public var batches: [Int] = (0...8).map { 1 << $0 }
        public var batchMessageBytes = 64
        /// Messages in each batching stream, whatever the batch size.
        public var batchStreamMessages = 1 << 18
        public var falseSharingMessages = 1_000_000
        public var falseSharingGaps: [Int] = [8, 64, 128]
        public var headOfLineSeconds = 0.3

        public init() {}
    }

    /// Where the two processes run.
    public struct Placement: Sendable, Hashable {
        public var senderCPU: Int32?
        public var receiverCPU: Int32?
        /// Why they are not pinned apart, when they are not.
        public var note: String?
    }

    /// One size of one mechanism.
    public struct Point: Sendable {
        public var size: Int
        /// The median latency of each repetition, nanoseconds.
        public var repetitionMedians: [Double]
        /// The median over repetitions of those medians.
        public var latency: Double { BenchFigures.median(repetitionMedians) }
        public var spread: ClosedRange<Double> { (repetitionMedians.min() ?? 0)...(repetitionMedians.max() ?? 0) }
        /// Every latency of every repetition.
        public var percentiles: LatencySummary
        /// Messages per second of the back-to-back stream, median over repetitions.
        public var messagesPerSecond: Double
        public var bytesPerSecond: Double { messagesPerSecond * Double(size) }
    }

    public struct MechanismResult: Sendable {
        public var mechanism: BenchMechanism
        public var points: [Point]
        /// Sizes the mechanism cannot carry as one message, with the reason the kernel gave.
        public var unsupported: [(size: Int, reason: String)]
        /// The fit on all repetitions' medians (over the linear region), and each repetition's own.
        public var fit: LatencyFit?
        public var repetitionFits: [LatencyFit]
    }

    public struct CrossoverResult: Sendable {
        public var copy: BenchMechanism
        public var shared: BenchMechanism
        public var crossover: Crossover
        /// Standard error of T from the fits (first-order), when there is a crossover.
        public var standardError: Double?
        /// T of each repetition's fits (where it had one), for the spread.
        public var repetitions: [Crossover]
    }

    public struct BatchPoint: Sendable {
        public var mechanism: BenchMechanism
        public var batch: Int
        /// Messages per second (each message `batchMessageBytes`), median over repetitions.
        public var messagesPerSecond: Double
        /// From the stamp before the batch's first message is written to the receipt of its last, median.
        public var batchLatency: Double
    }

    public struct FalseSharingPoint: Sendable {
        public var gap: Int
        /// Messages per second, each repetition.
        public var repetitions: [Double]
        public var messagesPerSecond: Double { BenchFigures.median(repetitions) }
        /// The two-counter experiment at the same distance: this side's stores per second, each repetition.
        public var counterRepetitions: [Double]
        public var countsPerSecond: Double { BenchFigures.median(counterRepetitions) }
        /// The best repetition of each: on a machine others load, the one least disturbed (a stall of either
        /// process only ever lowers a throughput).
        public var bestMessagesPerSecond: Double { repetitions.max() ?? 0 }
        public var bestCountsPerSecond: Double { counterRepetitions.max() ?? 0 }
    }

    public struct Result: Sendable {
        public var options: Options
        public var placement: Placement
        public var mechanisms: [MechanismResult]
        public var crossovers: [CrossoverResult]
        /// The hybrid's own crossover (pipe vs shared buffer + pipe notification), the T it ran with, and its curve.
        public var hybridCrossover: CrossoverResult?
        public var hybridThreshold: Int
        public var hybrid: MechanismResult?
        public var batching: [BatchPoint]
        public var falseSharing: [FalseSharingPoint]
        public var headOfLine: [HeadOfLineBenchmark.Result]
        public var seconds: Double
    }

    /// Placement: the first two CPUs this process may use, one for each side.
    public static func placement() -> Placement {
        var cpus = [Int32](repeating: 0, count: 64)
        let count = cpus.withUnsafeMutableBufferPointer { Int(ipcmb_allowed_cpus($0.baseAddress, 64)) }
        guard count >= 2 else {
            return Placement(senderCPU: nil, receiverCPU: nil, note: "only \(max(count, 0)) CPU allowed to this process: sender and receiver not pinned apart")
        }
        return Placement(senderCPU: cpus[0], receiverCPU: cpus[1], note: nil)
    }

    public static func run(_ options: Options, worker: WorkerCommand, progress: (String) -> Void = { _ in }) throws(HarnessError) -> Result {
        let start = ipcmb_now()
        let placement = placement()
        if let cpu = placement.senderCPU {
            let error = ipcmb_pin(cpu)
            if error != 0 { throw HarnessError("cannot pin the sender to CPU \(cpu): \(Errno(rawValue: error))") }
        }
        let mechanisms = options.mechanisms.filter { $0 != .hybrid }
        var supported: [BenchMechanism: [Int]] = [:]
        var unsupported: [BenchMechanism: [(Int, String)]] = [:]
        for mechanism in mechanisms {
            (supported[mechanism], unsupported[mechanism]) = try carried(by: mechanism, sizes: options.sizes)
        }
        var samples: [BenchMechanism: [[MechanismPair.Sample]]] = [:]
        for repetition in 0..<options.repetitions {
            for offset in mechanisms.indices {
                let mechanism = mechanisms[(offset + repetition) % mechanisms.count]
                guard let sizes = supported[mechanism], !sizes.isEmpty else { continue }
                progress("repetition \(repetition + 1)/\(options.repetitions): \(mechanism.rawValue)")
                samples[mechanism, default: []].append(try pair(mechanism, sizes: sizes, options, placement).run(worker: worker))
            }
        }
        let results = mechanisms.map { summarize($0, samples[$0] ?? [], unsupported: unsupported[$0] ?? []) }
        let byMechanism = Dictionary(uniqueKeysWithValues: results.map { ($0.mechanism, $0) })
        let crossovers = results.filter(\.mechanism.isCopying).compactMap { copy in
            byMechanism[.ring].flatMap { crossover(copy, $0) }
        }

        // The hybrid: T from its own two parts' crossover (or as given), its curve against both.
        var hybridCrossover: CrossoverResult?
        if let pipe = byMechanism[.pipe], let shared = byMechanism[.sharedBufferPipeNotification] {
            hybridCrossover = crossover(pipe, shared)
        }
        var hybridThreshold = 0
        switch options.threshold {
        case .bytes(let bytes): hybridThreshold = bytes
        case .measured:
            switch hybridCrossover?.crossover {
            case .at(let bytes)?: hybridThreshold = Int(bytes.rounded())
            case .copyAlways?: hybridThreshold = options.sizes.max() ?? 0
            case .sharedMemoryAlways?, nil: hybridThreshold = 0
            }
        }
        var hybrid: MechanismResult?
        if options.mechanisms.contains(.hybrid) || options.mechanisms.contains(.sharedBufferPipeNotification) {
            var hybridSamples: [[MechanismPair.Sample]] = []
            for repetition in 0..<options.repetitions {
                progress("repetition \(repetition + 1)/\(options.repetitions): hybrid, T = \(hybridThreshold) B")
                var hybridPair = pair(.hybrid, sizes: options.sizes, options, placement)
                hybridPair.threshold = hybridThreshold
                hybridSamples.append(try hybridPair.run(worker: worker))
            }
            hybrid = summarize(.hybrid, hybridSamples, unsupported: [])
        }

        progress("batching")
        let batching = try batches(options, placement, worker: worker)
        progress("false sharing")
        let falseSharing = try falseSharing(options, placement, worker: worker)
        progress("head-of-line blocking")
        let headOfLine = try HeadOfLineBenchmark.run(
            repetitions: options.repetitions, seconds: options.headOfLineSeconds, consumerCPU: placement.receiverCPU, worker: worker)
        return Result(
            options: options, placement: placement, mechanisms: results, crossovers: crossovers,
            hybridCrossover: hybridCrossover, hybridThreshold: hybridThreshold, hybrid: hybrid, batching: batching,
            falseSharing: falseSharing, headOfLine: headOfLine, seconds: Double(ipcmb_now() - start) / 1e9)
    }

    static func pair(_ mechanism: BenchMechanism, sizes: [Int], _ options: Options, _ placement: Placement) -> MechanismPair {
        MechanismPair(
            mechanism: mechanism, sizes: sizes, latencyMessages: options.latencyMessages,
            throughputMessages: options.throughputMessages, throughputBytes: options.throughputBytes,
            receiverCPU: placement.receiverCPU, pauseNanoseconds: options.pauseNanoseconds)
    }

    /// Which of `sizes` the mechanism carries as one message, and why not the others (asked of the kernel).
    static func carried(by mechanism: BenchMechanism, sizes: [Int]) throws(HarnessError) -> ([Int], [(Int, String)]) {
        var yes: [Int] = []
        var no: [(Int, String)] = []
        switch mechanism {
        case .posixMessageQueue:
            let namespace = RunNamespace()
            defer { namespace.removeAll() }
            for size in sizes {
                let name = namespace.posixName("bench-mq-probe")
                try namespace.record(.posixMessageQueue, name)
                let error = ipcmb_probe_message_queue(name, Int64(size))
                if error == 0 { yes.append(size) } else {
                    namespace.withdraw(.posixMessageQueue, name)
                    no.append((size, "mq_open with mq_msgsize \(size) fails \(Errno(rawValue: error)) (fs.mqueue.msgsize_max \(Self.sysctl("fs/mqueue/msgsize_max")))"))
                }
            }
        case .systemVMessageQueue:
            let namespace = RunNamespace()
            defer { namespace.removeAll() }
            let id = try MechanismPair.createSystemVQueue(in: namespace)
            for size in sizes {
                let error = ipcmb_probe_sysv(id, Int64(size))
                if error == 0 { yes.append(size) } else {
                    no.append((size, "msgsnd of \(size) bytes fails \(Errno(rawValue: error)) (kernel.msgmax \(Self.sysctl("kernel/msgmax")))"))
                }
            }
        default:
            for size in sizes {
                let error = ipcmb_probe(mechanism.code, Int64(size))
                if error == 0 { yes.append(size) } else if mechanism == .eventfd {
                    no.append((size, "an eventfd carries an 8-byte counter only"))
                } else {
                    no.append((size, "send of \(size) bytes fails \(Errno(rawValue: error)) (socket send buffer, net.core.wmem_default \(Self.sysctl("net/core/wmem_default")))"))
                }
            }
        }
        return (yes, no)
    }

    /// The value of /proc/sys/`path`, or "?".
    static func sysctl(_ path: String) -> String {
        guard let file = fopen("/proc/sys/" + path, "r") else { return "?" }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 64)
        guard fgets(&line, 64, file) != nil else { return "?" }
        return String(decoding: line.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func summarize(_ mechanism: BenchMechanism, _ repetitions: [[MechanismPair.Sample]], unsupported: [(Int, String)]) -> MechanismResult {
        let sizes = repetitions.first?.map(\.size) ?? []
        let points = sizes.indices.map { index in
            let samples = repetitions.map { $0[index] }
            return Point(
                size: sizes[index],
                repetitionMedians: samples.map { BenchFigures.median($0.latencies.map { Double($0) }) },
                percentiles: LatencySummary.of(samples.flatMap(\.latencies)),
                messagesPerSecond: BenchFigures.median(samples.map { Double($0.streamMessages) / (Double($0.streamNanoseconds) / 1e9) }))
        }
        let fit = LatencyFit.fitLinearRegion(points.map { (Double($0.size), $0.latency) })
        let repetitionFits = repetitions.compactMap { samples in
            LatencyFit.fitLinearRegion(samples.map { (Double($0.size), BenchFigures.median($0.latencies.map { Double($0) })) })
        }
        return MechanismResult(mechanism: mechanism, points: points, unsupported: unsupported, fit: fit, repetitionFits: repetitionFits)
    }

    static func crossover(_ copy: MechanismResult, _ shared: MechanismResult) -> CrossoverResult? {
        guard let copyFit = copy.fit, let sharedFit = shared.fit else { return nil }
        let repetitions = zip(copy.repetitionFits, shared.repetitionFits).map { Crossover.of(copy: ($0.a, $0.b), shared: ($1.a, $1.b)) }
        return CrossoverResult(
            copy: copy.mechanism, shared: shared.mechanism,
            crossover: Crossover.of(copy: (copyFit.a, copyFit.b), shared: (sharedFit.a, sharedFit.b)),
            standardError: Crossover.standardError(copy: copyFit, shared: sharedFit), repetitions: repetitions)
    }

    static func batches(_ options: Options, _ placement: Placement, worker: WorkerCommand) throws(HarnessError) -> [BatchPoint] {
        var rates: [String: [Double]] = [:]
        var latencies: [String: [Double]] = [:]
        let mechanisms: [BenchMechanism] = [.ring, .pipe]
        for repetition in 0..<options.repetitions {
            for mechanism in repetition % 2 == 0 ? mechanisms : mechanisms.reversed() {
                for batch in options.batches {
                    var batchPair = pair(mechanism, sizes: [options.batchMessageBytes], options, placement)
                    batchPair.batch = batch
                    // The same number of messages at every k (batches × k), and enough of them that one preemption
                    // of either process (a few milliseconds on a loaded machine) does not decide the figure.
                    batchPair.throughputMessages = Swift.max(16, options.batchStreamMessages / batch)
                    batchPair.throughputBytes = options.batchStreamMessages * options.batchMessageBytes
                    let sample = try batchPair.run(worker: worker)[0]
                    let key = "\(mechanism.rawValue) \(batch)"
                    rates[key, default: []].append(Double(sample.streamMessages) / (Double(sample.streamNanoseconds) / 1e9))
                    latencies[key, default: []].append(BenchFigures.median(sample.latencies.map { Double($0) }))
                }
            }
        }
        return mechanisms.flatMap { mechanism in
            options.batches.map { batch in
                let key = "\(mechanism.rawValue) \(batch)"
                return BatchPoint(
                    mechanism: mechanism, batch: batch, messagesPerSecond: BenchFigures.median(rates[key] ?? []),
                    batchLatency: BenchFigures.median(latencies[key] ?? []))
            }
        }
    }

    static func falseSharing(_ options: Options, _ placement: Placement, worker: WorkerCommand) throws(HarnessError) -> [FalseSharingPoint] {
        var rates: [Int: [Double]] = [:]
        var counts: [Int: [Double]] = [:]
        for repetition in 0..<options.repetitions {
            for offset in options.falseSharingGaps.indices {
                let gap = options.falseSharingGaps[(offset + repetition) % options.falseSharingGaps.count]
                let ring = try withRegion { (region, descriptor) throws(HarnessError) -> Double in
                    let peer = try BenchPeer.start(
                        .falseSharing, arguments: [String(gap), String(options.falseSharingMessages), String(placement.receiverCPU ?? -1)],
                        descriptors: [(descriptor, 3)], worker: worker)
                    let nanoseconds = ipcmb_false_sharing_produce(region, Int32(gap), Int64(options.falseSharingMessages))
                    guard peer.join() == .exited(code: 0) else { throw HarnessError("the false-sharing consumer failed (gap \(gap))") }
                    return Double(options.falseSharingMessages) / (Double(nanoseconds) / 1e9)
                }
                rates[gap, default: []].append(ring)
                let counter = try withRegion { (region, descriptor) throws(HarnessError) -> Double in
                    let peer = try BenchPeer.start(
                        .counter, arguments: [String(gap), String(options.falseSharingMessages), String(placement.receiverCPU ?? -1)],
                        descriptors: [(descriptor, 3)], worker: worker)
                    let nanoseconds = ipcmb_counter_run(region, 0, Int64(options.falseSharingMessages))
                    guard peer.join() == .exited(code: 0) else { throw HarnessError("the counter peer failed (gap \(gap))") }
                    return Double(options.falseSharingMessages) / (Double(nanoseconds) / 1e9)
                }
                counts[gap, default: []].append(counter)
            }
        }
        return options.falseSharingGaps.map { FalseSharingPoint(gap: $0, repetitions: rates[$0] ?? [], counterRepetitions: counts[$0] ?? []) }
    }

    /// A fresh 16 KiB memory file, mapped, for `body`.
    private static func withRegion<T>(_ body: (UnsafeMutableRawPointer, FileDescriptor) throws(HarnessError) -> T) throws(HarnessError) -> T {
        let descriptor = ipc_memfd_create("ipch-bench-sharing")
        let bytes: Int64 = 16384
        guard descriptor >= 0 else { throw HarnessError("memfd_create: \(Errno(rawValue: errno))") }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(bytes)) == 0, let region = ipcmb_map(descriptor, bytes) else {
            throw HarnessError("cannot map the false-sharing region: \(Errno(rawValue: errno))")
        }
        defer { ipcmb_unmap(region, bytes) }
        return try body(region, FileDescriptor(rawValue: descriptor))
    }
}
