@testable import IPCHarness
import CIPCMechanismBench
import Glibc
import Foundation
import Testing

/// `bench mechanisms`' arithmetic on fixed data: the fit, the linear region, the crossover and its error, the
/// percentiles, the chart's scales and ticks. What it measures is not tested here (timing belongs in the bench).
@Suite struct MechanismBenchArithmeticTests {
    static func close(_ x: Double, _ y: Double, _ tolerance: Double = 1e-9) -> Bool {
        abs(x - y) <= tolerance * Swift.max(1, abs(y))
    }

    @Test func anExactLineIsFoundWithNoResidual() throws {
        let points = (0...20).map { (size: Double(1 << $0), latency: 1000 + 0.5 * Double(1 << $0)) }
        let fit = try #require(LatencyFit.fit(points))
        #expect(Self.close(fit.a, 1000, 1e-9))
        #expect(Self.close(fit.b, 0.5, 1e-9))
        #expect(fit.relativeResidual < 1e-12)
        #expect(fit.standardErrorA < 1e-6 && fit.standardErrorB < 1e-9)
        #expect(fit.latency(at: 2048) == fit.a + fit.b * 2048)
    }

    /// Worked by hand: weights 1/y² on (1, 10), (2, 13), (3, 14).
    @Test func theWeightedFitMatchesTheNormalEquations() throws {
        let fit = try #require(LatencyFit.fit([(1, 10), (2, 13), (3, 14)]))
        #expect(Self.close(fit.a, 8.10699588477366, 1e-12))
        #expect(Self.close(fit.b, 2.0987654320987654, 1e-12))
        #expect(Self.close(fit.relativeResidual, 0.037037037037037, 1e-9))
        #expect(Self.close(fit.varianceA, 1.1161238971024052, 1e-9))
        #expect(Self.close(fit.varianceB, 0.2947721383935373, 1e-9))
        #expect(fit.covarianceAB < 0)
    }

    @Test func tooFewSizesGiveNoFit() {
        #expect(LatencyFit.fit([]) == nil)
        #expect(LatencyFit.fit([(8, 100), (8, 120)]) == nil)
        #expect(LatencyFit.fit([(8, 0), (16, 0), (32, 0)]) == nil)
    }

    @Test func theLinearRegionLeavesOutAPointOffTheLine() throws {
        var points = (0...12).map { (size: Double(1 << $0), latency: 2000 + 0.25 * Double(1 << $0)) }
        points[10].latency *= 3  // 1 KiB: three times slower than the line
        let fit = try #require(LatencyFit.fitLinearRegion(points))
        #expect(fit.excluded == [1024])
        #expect(Self.close(fit.a, 2000, 1e-9) && Self.close(fit.b, 0.25, 1e-9))
        #expect(fit.sizes.count == 12)
        // Never fewer than the minimum, however bad the points.
        let scattered = [(1.0, 10.0), (2, 1000), (4, 5), (8, 900), (16, 7)]
        #expect(try #require(LatencyFit.fitLinearRegion(scattered, minimumPoints: 4)).sizes.count == 4)
    }

    @Test func theCrossoverIsWhereTheLinesMeet() {
        #expect(Crossover.of(copy: (1000, 1.0), shared: (3000, 0.5)) == .at(bytes: 4000))
        #expect(Crossover.of(copy: (1000, 1.0), shared: (900, 0.5)) == .sharedMemoryAlways)
        #expect(Crossover.of(copy: (1000, 0.5), shared: (3000, 1.0)) == .copyAlways)
        #expect(Crossover.of(copy: (1000, 0.5), shared: (900, 0.5)) == .sharedMemoryAlways)
        #expect(Crossover.of(copy: (1000, 0.5), shared: (3000, 0.5)) == .copyAlways)
        #expect(Crossover.at(bytes: 12).bytes == 12 && Crossover.copyAlways.bytes == nil)
    }

    /// The seed's T = (a_s + b_q·d)/(b_q − b_s) is the crossover with shared memory's fixed cost including the
    /// notification through the queue (a_s + a_q + b_q·d).
    @Test func theSeedsFormulaIsTheSameCrossover() throws {
        let (aShared, bShared, aQueue, bQueue, d) = (500.0, 0.1, 1000.0, 1.0, 9.0)
        let seed = Crossover.seedThreshold(aShared: aShared, bShared: bShared, aQueue: aQueue, bQueue: bQueue, notificationBytes: d)
        #expect(Self.close(seed, (500 + 9) / 0.9))
        let measured = try #require(Crossover.of(copy: (aQueue, bQueue), shared: (aShared + aQueue + bQueue * d, bShared)).bytes)
        #expect(Self.close(measured, seed))
    }

    @Test func theCrossoversErrorPropagatesBothFits() throws {
        func fit(a: Double, b: Double, varianceA: Double = 0, varianceB: Double = 0, covariance: Double = 0) -> LatencyFit {
            LatencyFit(a: a, b: b, relativeResidual: 0, varianceA: varianceA, varianceB: varianceB, covarianceAB: covariance, sizes: [], excluded: [])
        }
        // T = (3000 − 1000)/(1 − 0.5) = 4000. Only a_q uncertain (σ = 50): σ_T = 50/0.5 = 100.
        let onlyA = try #require(Crossover.standardError(copy: fit(a: 1000, b: 1, varianceA: 2500), shared: fit(a: 3000, b: 0.5)))
        #expect(Self.close(onlyA, 100))
        // Only b_s uncertain (σ = 0.01): σ_T = N/D² · 0.01 = 2000/0.25 · 0.01 = 80.
        let onlyB = try #require(Crossover.standardError(copy: fit(a: 1000, b: 1), shared: fit(a: 3000, b: 0.5, varianceB: 1e-4)))
        #expect(Self.close(onlyB, 80))
        // Independent parts add in quadrature.
        let both = try #require(Crossover.standardError(copy: fit(a: 1000, b: 1, varianceA: 2500), shared: fit(a: 3000, b: 0.5, varianceB: 1e-4)))
        #expect(Self.close(both, (100.0 * 100 + 80 * 80).squareRoot()))
        // No crossover, no error.
        #expect(Crossover.standardError(copy: fit(a: 1000, b: 0.5), shared: fit(a: 3000, b: 1)) == nil)
    }

    @Test func percentilesComeFromTheHistogramWithinItsPrecision() {
        let summary = LatencySummary.of((1...10_000).map { UInt64($0) })
        #expect(summary.count == 10_000)
        #expect(abs(summary.p50 - 5000) <= 5)
        #expect(abs(summary.p90 - 9000) <= 9)
        #expect(abs(summary.p99 - 9900) <= 10)
        #expect(abs(summary.max - 10_000) <= 10)
        #expect(LatencySummary.of([]) == LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, max: 0))
        // Values past the initial range resize it rather than being dropped.
        #expect(LatencySummary.of([1, 120_000_000_000]).count == 2)
    }

    @Test func logAxesSpanWholeDecadesWithATickEach() {
        let domain = SVGChart.domain([3, 870, 42], .logarithmic)
        #expect(domain.low == 1 && domain.high == 1000)
        #expect(SVGChart.ticks(domain, .logarithmic) == [1, 10, 100, 1000])
        #expect(SVGChart.domain([1000, 10], .logarithmic) == (10, 1000))
        #expect(Self.close(SVGChart.position(10, domain: domain, scale: .logarithmic, length: 300), 100))
        #expect(Self.close(SVGChart.position(1000, domain: domain, scale: .logarithmic, length: 300), 300))
        // Zero and negative values have no place on a log axis.
        #expect(SVGChart.domain([0, -1, 50], .logarithmic) == (10, 100))
    }

    @Test func linearAxesStartAtZeroWithRoundTicks() {
        let domain = SVGChart.domain([2, 10], .linear)
        #expect(domain.low == 0 && Self.close(domain.high, 10.5))
        #expect(SVGChart.ticks(domain, .linear) == [0, 2, 4, 6, 8, 10])
        #expect(Self.close(SVGChart.position(5.25, domain: domain, scale: .linear, length: 200), 100))
        #expect(SVGChart.ticks((0, 1.05), .linear).first == 0 && SVGChart.ticks((0, 1.05), .linear).last == 1)
    }

    @Test func tickLabelsAreShort() {
        #expect(SVGChart.compact(1500) == "1.5k")
        #expect(SVGChart.compact(2_000_000) == "2M")
        #expect(SVGChart.compact(0.25) == "0.25")
        #expect(SVGChart.bytes(1) == "1 B")
        #expect(SVGChart.bytes(4096) == "4 KiB")
        #expect(SVGChart.bytes(1_048_576) == "1 MiB")
        #expect(SVGChart.bytes(1536) == "1.5 KiB")
    }

    /// The chart puts a point where its scales say, draws fitted lines dashed, and marks T.
    @Test func theChartDrawsPointsWhereTheScalesPutThem() {
        var chart = SVGChart(title: "L <s>", xLabel: "size", yLabel: "ns", xScale: .logarithmic, yScale: .logarithmic)
        chart.width = 500
        chart.height = 400
        chart.margin = (left: 100, right: 100, top: 50, bottom: 50)
        chart.series = [
            .init(name: "pipe", points: [(1, 10), (1000, 1000)], color: "#111"),
            .init(name: "fit pipe", points: [(1, 10), (1000, 1000)], dashed: true, color: "#111"),
        ]
        chart.markers = [.init(x: 100, label: "T pipe", color: "#222")]
        let svg = chart.render()
        // x: 1…1000 over 300 px from 100; y: 10…1000 over 300 px from 350 upwards.
        #expect(svg.contains("points=\"100.0,350.0 400.0,50.0\""))
        #expect(svg.contains("<circle cx=\"100.0\" cy=\"350.0\""))
        #expect(svg.contains("stroke-dasharray=\"6 4\""))
        #expect(svg.contains("class=\"marker\" x1=\"300.0\""))
        #expect(svg.contains("L &lt;s&gt;"))
        #expect(svg.components(separatedBy: "class=\"x-tick\"").count - 1 == 4)
        #expect(svg.components(separatedBy: "class=\"y-tick\"").count - 1 == 3)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
    }

    @Test func aCrossoverReadsAsText() {
        let result = MechanismBenchmark.CrossoverResult(
            copy: .pipe, shared: .ring, crossover: .at(bytes: 4096), standardError: 512,
            repetitions: [.at(bytes: 3072), .at(bytes: 5120), .copyAlways])
        #expect(MechanismBenchmark.describe(result) == "T = 4 KiB ± 1004 B (95 %, from the fits); repetitions 3 KiB–5 KiB; 1 of 3 repetitions had no crossover")
        let never = MechanismBenchmark.CrossoverResult(copy: .pipe, shared: .ring, crossover: .sharedMemoryAlways, standardError: nil, repetitions: [])
        #expect(MechanismBenchmark.describe(never) == "no T: shm-ring is faster at every size")
    }

    /// What the kernel refuses is reported, not dropped: the probe's answers (kernel facts, no timing).
    @Test func theProbeNamesWhatAMechanismCannotCarry() {
        #expect(ipcmb_probe(Int32(IPCMB_EVENTFD), 8) == 0)
        #expect(ipcmb_probe(Int32(IPCMB_EVENTFD), 16) == EINVAL)
        #expect(ipcmb_probe(Int32(IPCMB_DATAGRAM), 64) == 0)
        #expect(ipcmb_probe(Int32(IPCMB_DATAGRAM), 1 << 20) == EMSGSIZE)
        #expect(ipcmb_probe(Int32(IPCMB_PIPE), 1 << 20) == 0)
    }
}

/// One pair of each kind of path, run for real between two processes, small: the loops deliver every message at
/// every size and leave no named object behind. Counts and cleanup only; no figure is judged. One case at a time:
/// each looks for what its run left in /tmp under this process's prefix, and a case running beside it would have its
/// FIFO there (the README test command on 2095d5e2 saw the fifo case's from the posix-mq case).
@Suite(.serialized) struct MechanismPairTests {
    @Test(arguments: [BenchMechanism.fifo, .posixMessageQueue, .systemVMessageQueue, .ring, .hybrid, .unixSeqpacket])
    func aPairDeliversEverySizeAndCleansUp(_ mechanism: BenchMechanism) throws {
        let worker = try WorkerLocator.workerCommand()
        var pair = MechanismPair(
            mechanism: mechanism, sizes: [1, 100, 4096], latencyMessages: 3, throughputMessages: 20, throughputBytes: 4096,
            receiverCPU: nil, pauseNanoseconds: 0)
        pair.threshold = 100  // the hybrid: 1 and 100 bytes through the pipe, 4096 through a shared buffer
        let samples = try pair.run(worker: worker)
        #expect(samples.map(\.size) == [1, 100, 4096])
        #expect(samples.allSatisfy { $0.latencies.count == 3 && $0.latencies.allSatisfy { $0 > 0 } && $0.streamNanoseconds > 0 })
        // 4096 bytes of stream at most, but never fewer than 16 messages.
        #expect(samples.map(\.streamMessages) == [20, 20, 16])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "/tmp").filter { $0.hasPrefix("ipch-\(getpid())-") && $0.contains("bench") }
        #expect(leftovers.isEmpty)
    }

    @Test func batchesCarryTheirMessages() throws {
        let worker = try WorkerLocator.workerCommand()
        for mechanism in [BenchMechanism.ring, .pipe] {
            var pair = MechanismPair(
                mechanism: mechanism, sizes: [64], latencyMessages: 2, throughputMessages: 20, throughputBytes: 1 << 20,
                receiverCPU: nil, pauseNanoseconds: 0)
            pair.batch = 8
            let sample = try #require(try pair.run(worker: worker).first)
            #expect(sample.streamMessages == 160)
        }
    }
}

extension MechanismBenchArithmeticTests {
    /// Given ticks fix the horizontal axis: it spans them exactly, one grid line each.
    @Test func givenTicksSpanTheAxisExactly() {
        var chart = SVGChart(title: "sizes", xLabel: "bytes", yLabel: "ns", xScale: .logarithmic, yScale: .logarithmic)
        chart.width = 500
        chart.margin = (left: 100, right: 100, top: 50, bottom: 50)
        chart.xTicks = [1, 16, 256, 4096]
        chart.series = [.init(name: "a", points: [(16, 10), (256, 100)], color: "#000")]
        let svg = chart.render()
        #expect(svg.components(separatedBy: "class=\"x-tick\"").count - 1 == 4)
        // 16 is a third of the way from 1 to 4096 on a log axis: 100 + 300/3.
        #expect(svg.contains("<circle cx=\"200.0\""))
    }
}

extension MechanismBenchArithmeticTests {
    @Test func durationsTakeTheirUnitFromTheirSize() {
        #expect(MechanismBenchmark.nanoseconds(850) == "850 ns")
        #expect(MechanismBenchmark.nanoseconds(13_450) == "13.45 µs")
        #expect(MechanismBenchmark.nanoseconds(-2_500) == "-2.50 µs")
        #expect(MechanismBenchmark.nanoseconds(1_920_000) == "1.92 ms")
    }
}
