/// A small deterministic generator for the random call sequences of the agreement tests: a seed gives one sequence
/// (Knuth's MMIX linear congruential step, the high bits taken), the same on every machine and run.
struct Draws {
    var state: UInt64

    /// A number in `0..<bound`.
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }
}
