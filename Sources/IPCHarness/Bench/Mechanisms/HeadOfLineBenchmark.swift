import CIPCMechanismBench
import CIPCShims
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage

/// Head-of-line blocking, measured: the seeds' two shared-memory designs for one producer and several consumers —
/// ``HeadOfLineRing`` (the `hol-shared-ring` scenario's: one FIFO ring for everyone) and ``CreditRing`` (the
/// `credits-ring` scenario's: per-consumer credits, each consumer taking its own messages) — the harness's own
/// Swift implementations over ``MappedSharedMemory``, run for real: this process produces, each consumer is a
/// process of its own. One consumer is stalled for the whole window (it takes nothing: a process that would only
/// sleep, so none is started); the others' delivery latency and throughput are measured with and without it.
///
/// The producer goes round the consumers and never waits: a send refused (ring full, or no credit left) moves it
/// on to the next consumer. The consumers poll, yielding the CPU when they find nothing.
public enum HeadOfLineBenchmark {
    public enum Design: String, CaseIterable, Sendable {
        case sharedRing = "hol-shared-ring"
        case credits = "credits-ring"
    }

    public struct Configuration: Sendable, Hashable {
        public var design: Design
        public var stalled: Bool
    }

    /// One configuration's figures for the consumers that are not stalled (all of them when none is).
    public struct Result: Sendable {
        public var configuration: Configuration
        /// Messages per second delivered to each live consumer that is never stalled (consumers 2 and 3), median over
        /// repetitions.
        public var throughputPerConsumer: Double
        public var latency: LatencySummary
        /// Sends the producer had refused, per second (ring full or no credit).
        public var refusalsPerSecond: Double
    }

    static let consumers = 3
    static let stalledConsumer = 1
    static let capacity = 48          // the shared ring's slots
    static let credits = 16           // per consumer: the credit ring's 3 × 16 = 48 slots
    static let maximumMessage = 16    // a timestamp and a sequence number
    static let maximumSamples = 200_000

    struct Layout {
        let ringBytes: Int
        var stopOffset: Int { SharedLayout.lines(ringBytes) }
        func countOffset(_ consumer: Int) -> Int { stopOffset + 64 * consumer }
        func samplesOffset(_ consumer: Int) -> Int { stopOffset + 64 * (HeadOfLineBenchmark.consumers + 1) + (consumer - 1) * HeadOfLineBenchmark.maximumSamples * 8 }
        var size: Int { (samplesOffset(HeadOfLineBenchmark.consumers + 1) + 4095) / 4096 * 4096 }
    }

    static func ring(_ design: Design) -> (bytes: Int, initial: [(offset: Int, value: UInt64)]) {
        switch design {
        case .sharedRing:
            return (HeadOfLineRing(base: 0, capacity: capacity, maximumMessage: maximumMessage).size, [])
        case .credits:
            let ring = CreditRing(base: 0, consumers: consumers, credits: credits, maximumMessage: maximumMessage)
            return (ring.size, ring.initialWords)
        }
    }

    /// Runs each configuration `repetitions` times, interleaved, each for `seconds`.
    public static func run(repetitions: Int, seconds: Double, consumerCPU: Int32?, worker: WorkerCommand) throws(HarnessError) -> [Result] {
        let configurations = Design.allCases.flatMap { design in [false, true].map { Configuration(design: design, stalled: $0) } }
        var throughputs: [Configuration: [Double]] = [:]
        var refusals: [Configuration: [Double]] = [:]
        var latencies: [Configuration: [UInt64]] = [:]
        for repetition in 0..<repetitions {
            for offset in configurations.indices {
                let configuration = configurations[(offset + repetition) % configurations.count]
                let run = try runOnce(configuration, seconds: seconds, consumerCPU: consumerCPU, worker: worker)
                throughputs[configuration, default: []].append(run.throughput)
                refusals[configuration, default: []].append(run.refusalsPerSecond)
                latencies[configuration, default: []] += run.latencies
            }
        }
        return configurations.map { configuration in
            Result(
                configuration: configuration, throughputPerConsumer: BenchFigures.median(throughputs[configuration] ?? []),
                latency: LatencySummary.of(latencies[configuration] ?? []),
                refusalsPerSecond: BenchFigures.median(refusals[configuration] ?? []))
        }
    }

    private static func runOnce(_ configuration: Configuration, seconds: Double, consumerCPU: Int32?, worker: WorkerCommand) throws(HarnessError)
        -> (throughput: Double, refusalsPerSecond: Double, latencies: [UInt64])
    {
        let (ringBytes, initial) = ring(configuration.design)
        let layout = Layout(ringBytes: ringBytes)
        let descriptor = ipc_memfd_create("ipch-bench-hol")
        guard descriptor >= 0, ftruncate(descriptor, off_t(layout.size)) == 0 else {
            throw HarnessError("cannot make the head-of-line bench's shared memory: \(Errno(rawValue: errno))")
        }
        defer { close(descriptor) }
        let memory: MappedSharedMemory
        do {
            memory = try MappedSharedMemory(descriptor: FileDescriptor(rawValue: descriptor), size: layout.size)
        } catch {
            throw HarnessError("cannot map the head-of-line bench's shared memory: \(error)")
        }
        for word in initial { memory.store(word.offset, word.value, .relaxed) }
        let live = (1...consumers).filter { !(configuration.stalled && $0 == stalledConsumer) }
        var peers: [PeerProcess] = []
        for consumer in live {
            peers.append(try BenchPeer.start(
                .headOfLine,
                arguments: [configuration.design.rawValue, String(consumer), String(layout.ringBytes), String(consumerCPU ?? -1)],
                descriptors: [(FileDescriptor(rawValue: descriptor), 3)], worker: worker))
        }
        // Let every consumer start polling before the clock starts: each raises its count word to 1 when ready.
        while live.contains(where: { memory.load(layout.countOffset($0), .acquiring) == 0 }) { sched_yield() }

        var sequences = [UInt64](repeating: 0, count: consumers + 1)
        var refused = 0
        let start = ipcmb_now()
        let deadline = start + UInt64(seconds * 1e9)
        var consumer = 2  // start with a consumer that is never stalled
        var now = start
        while now < deadline {
            now = ipcmb_now()
            var message = withUnsafeBytes(of: now.littleEndian, Array.init)
            message += withUnsafeBytes(of: sequences[consumer].littleEndian, Array.init)
            let sent: Bool
            switch configuration.design {
            case .sharedRing:
                sent = HeadOfLineRing(base: 0, capacity: capacity, maximumMessage: maximumMessage).send(message, to: consumer, in: memory)
            case .credits:
                sent = CreditRing(base: 0, consumers: consumers, credits: credits, maximumMessage: maximumMessage)
                    .send(message, to: consumer, sequence: sequences[consumer], in: memory)
            }
            if sent { sequences[consumer] += 1 } else { refused += 1 }
            consumer = consumer % consumers + 1
        }
        let elapsed = Double(ipcmb_now() - start) / 1e9
        memory.store(layout.stopOffset, 1, .releasing)
        for peer in peers {
            guard peer.join() == .exited(code: 0) else { throw HarnessError("a head-of-line consumer failed") }
        }
        // Consumers 2 and 3 are never stalled: theirs are the figures (consumer 1's too would skew the comparison).
        var delivered = 0
        var latencies: [UInt64] = []
        for consumer in 2...consumers {
            let count = Int(memory.load(layout.countOffset(consumer), .acquiring)) - 1
            delivered += count
            latencies += (0..<Swift.min(count, maximumSamples)).map { memory.load(layout.samplesOffset(consumer) + $0 * 8, .relaxed) }
        }
        return (Double(delivered) / Double(consumers - 1) / elapsed, Double(refused) / elapsed, latencies)
    }

    /// The consumer process (``BenchPeer``'s head-of-line mode): takes its messages until the producer stops, then
    /// writes how many it took (plus one: 1 means "ready, none yet") and their latencies.
    static func consume(_ arguments: [String]) -> Int32 {
        guard arguments.count == 4, let design = Design(rawValue: arguments[0]), let consumer = Int(arguments[1]),
            let ringBytes = Int(arguments[2]), let cpu = Int32(arguments[3])
        else { return 2 }
        if cpu >= 0 { _ = ipcmb_pin(cpu) }
        let layout = Layout(ringBytes: ringBytes)
        guard let memory = try? MappedSharedMemory(descriptor: FileDescriptor(rawValue: 3), size: layout.size) else { return 2 }
        let sharedRing = HeadOfLineRing(base: 0, capacity: capacity, maximumMessage: maximumMessage)
        let creditRing = CreditRing(base: 0, consumers: consumers, credits: credits, maximumMessage: maximumMessage)
        var taken = 0
        memory.store(layout.countOffset(consumer), 1, .releasing)
        while true {
            let message: [UInt8]?
            switch design {
            case .sharedRing: message = sharedRing.receive(for: consumer, in: memory)
            case .credits: message = creditRing.receive(for: consumer, sequence: UInt64(taken), in: memory)
            }
            guard let message, message.count >= 8 else {
                if memory.load(layout.stopOffset, .acquiring) != 0 { break }
                sched_yield()
                continue
            }
            let stamp = message.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            if taken < maximumSamples { memory.store(layout.samplesOffset(consumer) + taken * 8, ipcmb_now() - stamp, .relaxed) }
            taken += 1
        }
        memory.store(layout.countOffset(consumer), UInt64(taken + 1), .releasing)
        return 0
    }
}
