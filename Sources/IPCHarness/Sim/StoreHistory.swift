import IPCMechanisms

/// The words of one simulated region under the weak-memory model: per word, its last `depth` stores in
/// modification order (coherence order), each with who stored it, its stamp and the clock it releases. A load may
/// return any of them that coherence and happens-before allow, as C11 (and Loom, which also bounds the history)
/// does:
///
/// - not a store older than one the loading process has already read or written at that word (coherence);
/// - not a store older than the newest one that happens before the load;
/// - a read-modify-write always reads the newest store, and a store that follows it carries on the release
///   sequence (C++20: only read-modify-writes continue one);
/// - a sequentially consistent load reads the newest store (stronger than C11 requires: it can hide a bug, never
///   invent one).
///
/// Stores older than the last `depth` are forgotten: a load can no longer return them (fewer behaviours, never a
/// false one).
struct StoreHistory {
    let words: Int
    let depth: Int
    let width: Int
    /// Per word: how many stores it has had (the modification-order index of the next one).
    private var counts: [UInt32]
    /// Per word and history slot (index mod depth).
    private var values: [UInt64]
    private var storers: [Int16]
    private var stamps: [UInt32]
    private var releases: [UInt32]
    /// Per process and word: the newest modification-order index the process has read or written there.
    private var seen: [UInt32]

    /// A region of `words` words holding `initial` (offset in words → value; zero elsewhere), as stores that happen
    /// before everything.
    init(words: Int, depth: Int, processes width: Int, initial: [Int: UInt64]) {
        self.words = words
        self.depth = depth
        self.width = width
        counts = Array(repeating: 1, count: words)
        values = Array(repeating: 0, count: words * depth)
        storers = Array(repeating: -1, count: words * depth)
        stamps = Array(repeating: 0, count: words * depth)
        releases = Array(repeating: 0, count: words * depth * width)
        seen = Array(repeating: 0, count: words * width)
        for (word, value) in initial { values[word * depth] = value }
    }

    @inline(__always) private func slot(_ word: Int, _ index: UInt32) -> Int { word * depth + Int(index % UInt32(depth)) }

    private func release(_ slot: Int) -> ArraySlice<UInt32> { releases[(slot * width)..<(slot * width + width)] }

    /// The newest value (what a read-modify-write, a futex or an inspection reads).
    func latest(_ word: Int) -> UInt64 { values[slot(word, counts[word] - 1)] }

    /// A load by process p. `choose(n)` picks among the n stores it may read (0 the newest) when n > 1. Returns the
    /// value, how many newer stores it did not see, and how many it could have read.
    mutating func load(
        _ word: Int, by p: Int, acquiring: Bool, newest: Bool, clocks: inout VectorClocks, choose: (Int) -> Int
    ) -> (value: UInt64, stale: Int, choices: Int) {
        let count = counts[word]
        let newestIndex = count - 1
        let oldestKept = count > UInt32(depth) ? count - UInt32(depth) : 0
        var lower = max(seen[p * words + word], oldestKept)
        if !newest {
            var index = newestIndex
            while index > lower {
                let slot = slot(word, index)
                if clocks.happensBefore(storer: Int(storers[slot]), stamp: stamps[slot], p) { break }
                index -= 1
            }
            lower = index
        } else {
            lower = newestIndex
        }
        let choices = Int(newestIndex - lower) + 1
        let stale = choices > 1 ? min(max(choose(choices), 0), choices - 1) : 0
        let index = newestIndex - UInt32(stale)
        let slot = slot(word, index)
        seen[p * words + word] = index
        if acquiring { clocks.acquire(p, release(slot)) } else { clocks.postpone(p, release(slot)) }
        return (values[slot], stale, choices)
    }

    /// A store by p stamped `stamp`, releasing `release` (p's clock for a releasing store, its last release fence's
    /// otherwise), or continuing the release sequence of the store it replaces (a read-modify-write).
    mutating func store(_ word: Int, _ value: UInt64, by p: Int, stamp: UInt32, release: ArraySlice<UInt32>, continuing: Bool) {
        let previous = slot(word, counts[word] - 1)
        let index = counts[word]
        counts[word] += 1
        let slot = slot(word, index)
        values[slot] = value
        storers[slot] = Int16(p)
        stamps[slot] = stamp
        var position = slot * width
        var source = release.startIndex
        for entry in 0..<width {
            var joined = release[source]
            if continuing { joined = max(joined, releases[previous * width + entry]) }
            releases[position] = joined
            position += 1
            source += 1
        }
        seen[p * words + word] = index
    }

    /// A read-modify-write (or a failed compare-and-swap, which only loads) by p: it reads the newest store.
    mutating func readNewest(_ word: Int, by p: Int, acquiring: Bool, clocks: inout VectorClocks) -> UInt64 {
        let index = counts[word] - 1
        let slot = slot(word, index)
        seen[p * words + word] = index
        if acquiring { clocks.acquire(p, release(slot)) } else { clocks.postpone(p, release(slot)) }
        return values[slot]
    }

    /// The process that made the newest store, nil for the initial contents.
    func latestStorer(_ word: Int) -> Int? {
        let storer = storers[slot(word, counts[word] - 1)]
        return storer < 0 ? nil : Int(storer)
    }
}
