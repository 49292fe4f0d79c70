@testable import IPCHarness
import Testing

/// The benches' arithmetic on fixed measurements: medians, per-row peaks, ratios and their ranges. What the benches
/// measure is not tested (timing belongs in benches); what they print from it is.
@Suite struct BenchArithmeticTests {
    @Test func mediansAndFixedDecimals() {
        #expect(BenchFigures.median([]) == 0)
        #expect(BenchFigures.median([3, 1, 2]) == 2)
        #expect(BenchFigures.median([4, 1, 3, 2]) == 2.5)
        #expect(BenchFigures.format(1.0, 2) == "1.00")
        #expect(BenchFigures.format(2.345, 1) == "2.3")
        #expect(BenchFigures.format(12.0, 0) == "12")
    }

    @Test func aCheckRowTakesMediansAndTheLargestProcessPeak() {
        let row = TraceCheckBenchmark.row(
            file: "h.jsonl", operations: 1000, objects: 16, verdict: .ok,
            samples: [
                .init(parseSeconds: 0.010, searchSeconds: 0.001), .init(parseSeconds: 0.002, searchSeconds: 0.009),
                .init(parseSeconds: 0.003, searchSeconds: 0.002),
            ],
            processes: [
                .init(wallSeconds: 0.020, peakResidentBytes: 10 << 20, exitCode: 0),
                .init(wallSeconds: 0.010, peakResidentBytes: 12 << 20, exitCode: 0),
                .init(wallSeconds: 0.030, peakResidentBytes: 11 << 20, exitCode: 0),
            ])
        #expect(row.parseSeconds == 0.003)
        #expect(row.searchSeconds == 0.002)
        // The median of each run's total (0.011, 0.011, 0.005), not the sum of the two medians (0.005).
        #expect(abs(row.inProcessSeconds - 0.011) < 1e-12)
        #expect(row.processSeconds == 0.020)
        #expect(row.fastestProcessSeconds == 0.010)
        #expect(row.slowestProcessSeconds == 0.030)
        #expect(row.peakMegabytes == 12)
        #expect(row.exitCodes == [0])
        #expect(TraceCheckBenchmark.table([row], repetitions: 3).contains("12.0"))
    }

    @Test func aCheckRowWithoutProcessesPrintsNoProcessFigures() {
        let row = TraceCheckBenchmark.row(
            file: "h.jsonl", operations: 10, objects: 1, verdict: .violation,
            samples: [.init(parseSeconds: 0.001, searchSeconds: 0.002)], processes: [])
        #expect(row.processSeconds == nil)
        #expect(row.peakMegabytes == nil)
        #expect(!TraceCheckBenchmark.json([row]).contains("peakMegabytes"))
    }

    @Test func aCheckerRowsPeakIsItsOwnOrNone() {
        let megabyte = 1 << 20
        let own = CheckerBenchmark.memory(
            resetAtStart: true, start: (current: 100 * megabyte, peak: 100 * megabyte),
            end: (current: 120 * megabyte, peak: 180 * megabyte))
        #expect(own.peak == 180)
        #expect(own.start == 100)
        let result = CheckerBenchmark.Result(
            operations: 1, processes: 1, objects: 1, seconds: 1, peakMegabytes: own.peak, startMegabytes: own.start, verdict: .ok)
        #expect(result.addedMegabytes == 80)
        // Without a reset the peak would be the process's so far: no figure at all.
        let none = CheckerBenchmark.memory(
            resetAtStart: false, start: (current: megabyte, peak: 500 * megabyte), end: (current: megabyte, peak: 500 * megabyte))
        #expect(none.peak == nil && none.start == nil)
        let unmeasured = CheckerBenchmark.Result(
            operations: 1, processes: 1, objects: 1, seconds: 1, peakMegabytes: nil, startMegabytes: nil, verdict: .ok)
        #expect(CheckerBenchmark.table([unmeasured]).contains("no memory figures"))
    }

    @Test func simulationFiguresAreMediansOverRoundsWithTheirRange() {
        let result = SimulationBenchmark.Figures(
            memory: "sc", steps: 1000, stepSeconds: 0.001, schedulesPerRound: 1000, stepsPerSchedule: 45,
            rounds: [
                .init(executedSeconds: 0.010, recordedSeconds: 0.040, checkedSeconds: 0.100),
                .init(executedSeconds: 0.020, recordedSeconds: 0.050, checkedSeconds: 0.050),
                .init(executedSeconds: 0.010, recordedSeconds: 0.020, checkedSeconds: 0.080),
            ])
        #expect(result.stepsPerSecond == 1_000_000)
        #expect(result.executed.median == 100_000)
        #expect(result.executed.lowest == 50_000)
        #expect(result.recorded.median == 25_000)
        #expect(result.checked.median == 12_500)
        #expect(result.checked.highest == 20_000)
        // Recording's cost per round: +300 %, +150 %, +100 %.
        #expect(result.recordingOverheadPercent.median == 150)
        #expect(result.recordingOverheadPercent.lowest == 100)
        #expect(result.recordingOverheadPercent.highest == 300)
        #expect(!SimulationBenchmark.text(result).contains("Loom"))
    }

    @Test func recordingsCostIsTheMedianOfPairRatios() {
        let result = RealBenchmark.Result(
            seconds: 60, jobs: 2, runs: 120, kills: 3, faults: 4, failures: [], roundTrips: 500,
            pairs: [
                .init(recordingSeconds: 1.1, notRecordingSeconds: 1.0), .init(recordingSeconds: 2.0, notRecordingSeconds: 2.0),
                .init(recordingSeconds: 1.5, notRecordingSeconds: 1.0),
            ])
        #expect(abs(result.overheadPercent - 10) < 1e-9)
        #expect(abs(result.overheadRange.lowerBound) < 1e-9)
        #expect(abs(result.overheadRange.upperBound - 50) < 1e-9)
        #expect(result.runsPerMinute == 120)
    }

    @Test func rcuRatiosArePerRepetitionAgainstTheInlinedReadSide() throws {
        func results(_ implementation: String, reads: [Double], gracePeriods: [Double]) -> RCUBenchmark.Result {
            RCUBenchmark.Result(
                configuration: .init(implementation: implementation, readers: 2, updater: true),
                samples: zip(reads, gracePeriods).map { .init(readsPerSecondPerReader: $0, gracePeriodsPerSecond: $1, poisonedReads: 0) })
        }
        let all = [
            results("swift.rcu", reads: [100, 200, 300], gracePeriods: [10, 10, 40]),
            results(RCUBenchmark.yardstick, reads: [100, 100, 600], gracePeriods: [20, 5, 20]),
            // Library calls: not the yardstick, whatever its figures.
            results("liburcu.memb", reads: [1, 1, 1], gracePeriods: [1, 1, 1]),
        ]
        let ratio = try #require(RCUBenchmark.ratios(all).first)
        // Per repetition: reads 1, 2, 0.5; grace periods 0.5, 2, 2.
        #expect(ratio.readRatio == 1)
        #expect(ratio.readRatioRange == 0.5...2)
        #expect(ratio.gracePeriodRatio == 2)
        #expect(ratio.gracePeriodRatioRange == 0.5...2)
        #expect(all[0].readsPerSecondPerReader == 200)
    }
}
