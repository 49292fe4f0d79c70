/// Which operations are already linearized: a bit set whose cache key leaves out the leading all-ones words.
/// Linearization proceeds roughly in history order, so the key stays a few words long however long the history.
struct LinearizedSet {
    struct Key: Hashable {
        var fullWords: Int32
        var tail: [UInt64]
    }

    private(set) var words: [UInt64]
    /// Every word before this one is all ones.
    private(set) var firstIncompleteWord = 0
    /// Every word after this one is zero.
    private(set) var lastNonzeroWord = -1

    init(count: Int) {
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    func contains(_ index: Int) -> Bool {
        words[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    mutating func insert(_ index: Int) {
        let word = index >> 6
        words[word] |= 1 << UInt64(index & 63)
        if word > lastNonzeroWord { lastNonzeroWord = word }
        while firstIncompleteWord < words.count && words[firstIncompleteWord] == ~0 { firstIncompleteWord += 1 }
    }

    mutating func remove(_ index: Int) {
        let word = index >> 6
        words[word] &= ~(1 << UInt64(index & 63))
        if word < firstIncompleteWord { firstIncompleteWord = word }
        while lastNonzeroWord >= 0 && words[lastNonzeroWord] == 0 { lastNonzeroWord -= 1 }
    }

    var key: Key {
        let tail = lastNonzeroWord >= firstIncompleteWord ? Array(words[firstIncompleteWord...lastNonzeroWord]) : []
        return Key(fullWords: Int32(firstIncompleteWord), tail: tail)
    }
}
