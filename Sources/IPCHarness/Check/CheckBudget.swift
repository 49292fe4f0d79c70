import IPCModels
import IPCSyscalls

/// How long, and with how much memory, a check may run before it answers "unknown".
public struct CheckBudget: Sendable, Hashable {
    public var seconds: Double
    /// The most the search's configuration cache and state table may hold, estimated from their sizes.
    public var memoryBytes: Int
    /// Whether a violation is also explained (shortest failing prefix, minimal core), which costs further searches.
    /// Shrinking and fuzzing check their candidate runs without it and explain only what they keep.
    public var explainsViolations: Bool
    /// Whether the check records which model states and transitions it stepped through (``Coverage``): fuzzing's
    /// figures. It costs two hashes and two set insertions per step, so only fuzzing asks for it.
    public var recordsCoverage: Bool

    public init(
        seconds: Double = 60, memoryBytes: Int = CheckBudget.machineMemoryBytes, explainsViolations: Bool = true,
        recordsCoverage: Bool = false
    ) {
        self.seconds = seconds
        self.memoryBytes = memoryBytes
        self.explainsViolations = explainsViolations
        self.recordsCoverage = recordsCoverage
    }

    /// The same budget without explanations.
    public var withoutExplanations: CheckBudget {
        var copy = self
        copy.explainsViolations = false
        return copy
    }

    /// The same budget, recording coverage.
    public var recordingCoverage: CheckBudget {
        var copy = self
        copy.recordsCoverage = true
        return copy
    }

    public static let standard = CheckBudget()

    /// The default memory budget: what the machine had available when first asked, less a quarter left for the
    /// history, the rest of the process and everything else running (at least 256 MiB).
    public static let machineMemoryBytes: Int = Swift.max(256 << 20, SystemMemory.availableBytes() / 4 * 3)
}
