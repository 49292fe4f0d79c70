/// The configurations the search has explored (Lowe's memoisation): which operations are linearized and which
/// set of states the object may be in, each kept once.
///
/// A flat open-addressing table rather than a `Set` of structs holding arrays: a configuration is a few words
/// copied into one growing arena (its linearized set's key words and its state set's id), so inserting allocates
/// nothing but the arena's occasional growth, hashing is a multiply-and-shift per word, and no entry is
/// reference-counted. The table starts at the size the history suggests so that small searches never resize.
struct ConfigurationCache {
    /// Offsets + 1 of entries in `arena`; 0 is an empty slot.
    private var slots: [UInt32]
    private var mask: Int
    /// Entries, one after another: [full words | tail count << 32], [state set | hash << 32], tail words.
    private var arena: [UInt64] = []
    private(set) var count = 0

    /// A cache expected to hold about `expected` configurations before it first grows.
    init(expected: Int) {
        var size = 64
        while size < expected * 2 { size <<= 1 }
        slots = [UInt32](repeating: 0, count: size)
        mask = size - 1
        arena.reserveCapacity(Swift.min(expected, 1 << 20) * 3)
    }

    /// About how many bytes the cache holds.
    var bytes: Int { slots.count * 4 + arena.capacity * 8 }

    /// Records a configuration; false when it was recorded before.
    mutating func insert(_ linearized: LinearizedSet, states set: Int32) -> Bool {
        let first = linearized.firstIncompleteWord
        let tailCount = Swift.max(0, linearized.lastNonzeroWord - first + 1)
        let header = UInt64(UInt32(first)) | UInt64(tailCount) << 32
        let words = linearized.words
        var hash = Self.mix(header, UInt64(UInt32(bitPattern: set)))
        for index in first..<(first + tailCount) { hash = Self.mix(hash, words[index]) }
        let hash32 = UInt32(truncatingIfNeeded: hash >> 32)
        let second = UInt64(UInt32(bitPattern: set)) | UInt64(hash32) << 32
        var slot = Int(hash32) & mask
        while slots[slot] != 0 {
            let offset = Int(slots[slot] - 1)
            if arena[offset] == header && arena[offset + 1] == second {
                var same = true
                for index in 0..<tailCount where arena[offset + 2 + index] != words[first + index] {
                    same = false
                    break
                }
                if same { return false }
            }
            slot = (slot + 1) & mask
        }
        precondition(arena.count < Int(UInt32.max) - 2 - tailCount, "the configuration cache outgrew 32 GiB")
        slots[slot] = UInt32(arena.count + 1)
        arena.append(header)
        arena.append(second)
        for index in first..<(first + tailCount) { arena.append(words[index]) }
        count += 1
        if count * 2 > slots.count { grow() }
        return true
    }

    private mutating func grow() {
        let size = slots.count * 2
        var grown = [UInt32](repeating: 0, count: size)
        let newMask = size - 1
        for slot in slots where slot != 0 {
            let offset = Int(slot - 1)
            var index = Int(UInt32(truncatingIfNeeded: arena[offset + 1] >> 32)) & newMask
            while grown[index] != 0 { index = (index + 1) & newMask }
            grown[index] = slot
        }
        slots = grown
        mask = newMask
    }

    @inline(__always)
    static func mix(_ hash: UInt64, _ word: UInt64) -> UInt64 {
        var value = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
        value ^= value >> 31
        return value &* 0x94D0_49BB_1331_11EB
    }
}

/// A map from 64-bit keys to 64-bit values by open addressing: the search's memo of which states follow a state
/// set under an operation. Keys are stored plus one, so 0 marks an empty slot (no key is `UInt64.max`); each key
/// sits beside its value, so a lookup touches one cache line.
struct WordTable {
    /// Key + 1 at even positions, the value after it.
    private var words: [UInt64]
    private var mask: Int
    private(set) var count = 0

    init(expected: Int) {
        var size = 64
        while size < expected * 2 { size <<= 1 }
        words = [UInt64](repeating: 0, count: size * 2)
        mask = size - 1
    }

    var bytes: Int { words.count * 8 }

    @inline(__always)
    private static func slot(of key: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: ConfigurationCache.mix(key, 0) >> 32) & mask
    }

    subscript(key: UInt64) -> UInt64? {
        let stored = key &+ 1
        var slot = Self.slot(of: key, mask: mask)
        while true {
            let found = words[slot &* 2]
            if found == stored { return words[slot &* 2 &+ 1] }
            if found == 0 { return nil }
            slot = (slot &+ 1) & mask
        }
    }

    /// Sets the value of a key not yet in the table.
    mutating func insert(_ key: UInt64, _ value: UInt64) {
        precondition(key != UInt64.max)
        place(key &+ 1, value)
        count += 1
        if count * 2 > mask + 1 { grow() }
    }

    private mutating func place(_ stored: UInt64, _ value: UInt64) {
        var slot = Self.slot(of: stored &- 1, mask: mask)
        while words[slot &* 2] != 0 { slot = (slot &+ 1) & mask }
        words[slot &* 2] = stored
        words[slot &* 2 &+ 1] = value
    }

    private mutating func grow() {
        let old = words
        words = [UInt64](repeating: 0, count: old.count * 2)
        mask = old.count - 1
        for slot in stride(from: 0, to: old.count, by: 2) where old[slot] != 0 { place(old[slot], old[slot + 1]) }
    }
}
