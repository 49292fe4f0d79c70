/// The C11 memory orderings an access to shared memory names, spelled as the `Synchronization` module spells them.
/// There is no default: every access says which ordering its correctness rests on, because that is what the real
/// backend executes and what the simulator's weak-memory exploration takes at its word.
///
/// The raw values are the names traces record (`"ordering": "acquiring"`).

/// The orderings a load may have.
public enum LoadOrdering: String, Sendable, Hashable, CaseIterable {
    case relaxed, acquiring, sequentiallyConsistent
}

/// The orderings a store may have.
public enum StoreOrdering: String, Sendable, Hashable, CaseIterable {
    case relaxed, releasing, sequentiallyConsistent
}

/// The orderings a read-modify-write or a fence may have.
public enum UpdateOrdering: String, Sendable, Hashable, CaseIterable {
    case relaxed, acquiring, releasing, acquiringAndReleasing, sequentiallyConsistent
}

extension UpdateOrdering {
    /// Whether it synchronises with the release store it reads (acquire half).
    public var acquires: Bool { self != .relaxed && self != .releasing }
    /// Whether a load that reads what it writes synchronises with it (release half).
    public var releases: Bool { self != .relaxed && self != .acquiring }
}

/// Layout constants for structures in shared memory.
public enum SharedLayout {
    /// Bytes per word: every access is one aligned 64-bit word.
    public static let word = 8
    /// Bytes per cache line on x86-64 (and most arm64): fields written by different processes go on different
    /// lines, or every write by one invalidates the other's copy (false sharing).
    public static let cacheLine = 64

    /// `bytes` rounded up to whole cache lines.
    public static func lines(_ bytes: Int) -> Int { (bytes + cacheLine - 1) / cacheLine * cacheLine }

    /// Words needed for `bytes` bytes.
    public static func words(forBytes bytes: Int) -> Int { (bytes + word - 1) / word }

    /// Bytes packed little-endian into words, the last padded with zeros.
    public static func pack(_ bytes: [UInt8]) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: Self.words(forBytes: bytes.count))
        for (index, byte) in bytes.enumerated() { words[index >> 3] |= UInt64(byte) << (UInt64(index & 7) * 8) }
        return words
    }

    /// The first `count` bytes of `words` (little-endian).
    public static func unpack(_ words: [UInt64], count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: words[$0 >> 3] >> (UInt64($0 & 7) * 8)) }
    }
}
