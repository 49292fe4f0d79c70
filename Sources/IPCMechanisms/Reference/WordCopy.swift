/// Copying a message into or out of shared memory one word per step: a length word, then the payload's words.
/// Used by the constructions that keep messages in slots.
struct WordWriter {
    private(set) var offset: Int
    let words: [UInt64]
    let count: Int
    private(set) var written = 0

    init(offset: Int, message: [UInt8]) {
        self.offset = offset
        self.words = SharedLayout.pack(message)
        self.count = message.count
    }

    var isDone: Bool { written > words.count }

    /// Writes to `offset` instead (known only once a slot is chosen).
    mutating func move(to offset: Int) { self.offset = offset }

    /// Stores the next word (the length first); call until ``isDone``.
    mutating func step(_ shared: any SharedAccess) {
        if written == 0 {
            shared.store(offset, UInt64(count), .relaxed)
        } else {
            shared.store(offset + written * SharedLayout.word, words[written - 1], .relaxed)
        }
        written += 1
    }
}

struct WordReader {
    let offset: Int
    let limit: Int
    private var count: Int?
    private var words: [UInt64] = []

    init(offset: Int, limit: Int) {
        self.offset = offset
        self.limit = limit
    }

    /// Loads the next word (the length first); returns the message once complete.
    mutating func step(_ shared: any SharedAccess) -> [UInt8]? {
        guard let count else {
            let length = Int(min(shared.load(offset, .relaxed), UInt64(limit)))
            self.count = length
            return length == 0 ? [] : nil
        }
        words.append(shared.load(offset + (words.count + 1) * SharedLayout.word, .relaxed))
        return words.count == SharedLayout.words(forBytes: count) ? SharedLayout.unpack(words, count: count) : nil
    }
}
