/// Which part of a fuzzing session one process makes, so that N machines (a CI matrix, a Kubernetes Indexed Job)
/// share one session without talking to each other.
///
/// Fresh runs are numbered across the whole session: shard K of N makes fresh runs K, K+N, K+2N, … and takes each
/// one's seed from ``SeededGenerator/runSeed(base:run:)`` of its number, so no two shards run the same seed and a
/// shard's seeds do not depend on how fast the others go. Runs a shard derives by mutation reuse seeds of its own
/// fresh runs (their recorded workloads), so they never overlap another shard's either. Every other choice (which
/// scenario, strategy, faults, mutation) comes from a generator split off the session seed for this shard alone.
public struct FuzzShard: Sendable, Hashable, CustomStringConvertible {
    /// K: from 0 (as Kubernetes' `JOB_COMPLETION_INDEX` counts).
    public var index: Int
    /// N: how many shards the session has.
    public var count: Int

    /// The whole session in one process.
    public static let whole = FuzzShard(index: 0, count: 1)

    public init(index: Int, count: Int) {
        precondition(count >= 1 && (0..<count).contains(index), "shard \(index)/\(count) is not one of its session's")
        self.index = index
        self.count = count
    }

    /// `K/N` with 0 ≤ K < N ≤ 10000; nil when the text is not one.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), (1...10_000).contains(count),
            (0..<count).contains(index)
        else { return nil }
        self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }

    /// The seed of this shard's `draw`-th fresh run (from 0) of the session seeded `session`.
    public func freshSeed(session: UInt64, draw: Int) -> UInt64 {
        SeededGenerator.runSeed(base: session, run: draw * count + index)
    }

    /// The generator of this shard's other choices: distinct per shard, and not any run's seed.
    public func choiceGenerator(session: UInt64) -> SeededGenerator {
        var mixed = session ^ 0x6A09_E667_F3BC_C908 ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        return SeededGenerator(seed: SeededGenerator.splitMix64(&mixed))
    }
}
