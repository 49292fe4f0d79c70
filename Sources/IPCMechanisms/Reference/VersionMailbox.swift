/// A seqlock, or version mailbox: one writer at a time publishes a value of several words; readers copy it
/// without taking any lock and never return a torn value (some words old, some new).
///
/// Layout from `base`: the version word, then the value's words. The version is even when the value is stable
/// and odd while a writer is inside. In C11 terms (Boehm, "Can seqlocks get along with programming language memory
/// models?", 2012):
///
/// - a writer claims the mailbox with a compare-and-swap from an even version `v` to `v + 1`, issues a *release
///   fence*, stores the words (relaxed), and stores `v + 2` (releasing);
/// - a reader loads the version (acquiring; odd: a writer is inside, try again), loads the words (relaxed), issues
///   an *acquire fence*, and loads the version again (relaxed): if it changed, the copy may be torn and it tries
///   again.
///
/// The fences are what make the re-check mean something: a word a reader loaded from a writer that has since come
/// in, fenced, synchronises the reader with that writer's claim, so the second version load cannot miss it. Two
/// broken twins: ``Reader/withoutRecheck`` trusts the first version load (torn even under sequential consistency);
/// ``Reader/withoutAcquireFence`` re-checks but omits the fence, which only weak memory shows: its second load may
/// still see the old version after reading a new writer's words.
public struct VersionMailbox: Sendable, Hashable {
    public let base: Int
    public let words: Int
    /// Attempts a reader makes before giving up with `EAGAIN` (operations never spin without bound).
    public static let readAttempts = 3

    /// How a reader copies the value.
    public enum Reader: Sendable, Hashable {
        case correct
        case withoutRecheck
        case withoutAcquireFence
    }

    public init(base: Int, words: Int) {
        self.base = base
        self.words = words
    }

    var versionOffset: Int { base }
    func wordOffset(_ index: Int) -> Int { base + SharedLayout.word * (1 + index) }
    public var size: Int { SharedLayout.lines(SharedLayout.word * (1 + words)) }

    /// Publishes `value`; false when another writer is inside (`EAGAIN`).
    public func write<Memory: SharedMemory>(_ value: [UInt64], in memory: Memory) -> Bool {
        precondition(value.count == words)
        let version = memory.load(versionOffset, .relaxed)
        if version & 1 == 1 { return false }
        guard memory.compareExchange(versionOffset, expected: version, desired: version &+ 1, .acquiring).exchanged else {
            return false
        }
        memory.fence(.releasing)
        for (index, word) in value.enumerated() { memory.store(wordOffset(index), word, .relaxed) }
        memory.store(versionOffset, version &+ 2, .releasing)
        return true
    }

    /// Copies the value; nil when every attempt met a writer (`EAGAIN`).
    public func read<Memory: SharedMemory>(in memory: Memory, reader: Reader = .correct) -> [UInt64]? {
        for _ in 0..<Self.readAttempts {
            let version = memory.load(versionOffset, .acquiring)
            if version & 1 == 1 { continue }
            let copied = (0..<words).map { memory.load(wordOffset($0), .relaxed) }
            if reader == .withoutRecheck { return copied }
            if reader == .correct { memory.fence(.acquiring) }
            if memory.load(versionOffset, .relaxed) == version { return copied }
        }
        return nil
    }
}
