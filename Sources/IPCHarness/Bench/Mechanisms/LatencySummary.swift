import Histogram

/// Percentiles of a set of latencies, read off an HDR histogram (three significant digits: a percentile is
/// within 0.1 % of the value recorded, over nanoseconds to seconds, in a fixed small footprint).
public struct LatencySummary: Sendable, Hashable {
    public var count: Int
    /// Nanoseconds.
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var max: Double

    public init(count: Int, p50: Double, p90: Double, p99: Double, max: Double) {
        self.count = count
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.max = max
    }

    /// The percentiles of `nanoseconds` (none recorded: all zero).
    public static func of(_ nanoseconds: [UInt64]) -> LatencySummary {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        for value in nanoseconds { _ = histogram.record(Swift.max(value, 1)) }
        guard histogram.totalCount > 0 else { return LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, max: 0) }
        return LatencySummary(
            count: Int(histogram.totalCount), p50: Double(histogram.valueAtPercentile(50)),
            p90: Double(histogram.valueAtPercentile(90)), p99: Double(histogram.valueAtPercentile(99)),
            max: Double(histogram.max))
    }
}
