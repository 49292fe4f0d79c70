/// A seqlock, or version mailbox: one writer at a time publishes a value of several words; readers copy it
/// without taking any lock and never return a torn value (some words old, some new).
///
/// Layout from `base`: the version word, then the value's words. The version is even when the value is stable
/// and odd while a writer is inside. A writer claims the mailbox with a compare-and-swap from an even version
/// `v` to `v + 1` (acquiring), stores the words (releasing), and stores `v + 2` (releasing). A reader loads the
/// version (acquiring; odd: a writer is inside, try again), loads the words (acquiring, so none can be reordered
/// after the re-check), and loads the version again: if it changed, the copy may be torn and it tries again.
///
/// `skipRecheck` is the broken twin: it trusts the first version load and returns whatever it copied.
public struct VersionMailbox: Sendable, Hashable {
    public let base: Int
    public let words: Int
    /// Attempts a reader makes before giving up with `EAGAIN` (operations never spin without bound).
    public static let readAttempts = 3

    public init(base: Int, words: Int) {
        self.base = base
        self.words = words
    }

    var versionOffset: Int { base }
    func wordOffset(_ index: Int) -> Int { base + SharedLayout.word * (1 + index) }
    public var size: Int { SharedLayout.lines(SharedLayout.word * (1 + words)) }

    /// Publishes `value`; false when another writer is inside (`EAGAIN`).
    public struct Write: SharedOperation {
        let mailbox: VersionMailbox
        let value: [UInt64]
        private var pc = 0
        private var version: UInt64 = 0

        public init(mailbox: VersionMailbox, value: [UInt64]) {
            precondition(value.count == mailbox.words)
            self.mailbox = mailbox
            self.value = value
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<Bool> {
            defer { pc += 1 }
            switch pc {
            case 0:
                version = shared.load(mailbox.versionOffset, .relaxed)
                return version & 1 == 1 ? .finished(false) : .running
            case 1:
                let claimed = shared.compareExchange(mailbox.versionOffset, expected: version, desired: version &+ 1, .acquiring)
                return claimed.exchanged ? .running : .finished(false)
            case let pc where pc - 2 < value.count:
                shared.store(mailbox.wordOffset(pc - 2), value[pc - 2], .releasing)
                return .running
            default:
                shared.store(mailbox.versionOffset, version &+ 2, .releasing)
                return .finished(true)
            }
        }
    }

    /// Copies the value; nil when every attempt met a writer (`EAGAIN`).
    public struct Read: SharedOperation {
        let mailbox: VersionMailbox
        let skipRecheck: Bool
        private var attempt = 0
        private var version: UInt64 = 0
        private var copied: [UInt64] = []
        private var loadedVersion = false

        public init(mailbox: VersionMailbox, skipRecheck: Bool = false) {
            self.mailbox = mailbox
            self.skipRecheck = skipRecheck
            copied.reserveCapacity(mailbox.words)
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<[UInt64]?> {
            if !loadedVersion {
                version = shared.load(mailbox.versionOffset, .acquiring)
                loadedVersion = true
                return version & 1 == 1 ? retry() : .running
            }
            if copied.count < mailbox.words {
                copied.append(shared.load(mailbox.wordOffset(copied.count), .acquiring))
                if skipRecheck && copied.count == mailbox.words { return .finished(copied) }
                return .running
            }
            let again = shared.load(mailbox.versionOffset, .relaxed)
            return again == version ? .finished(copied) : retry()
        }

        private mutating func retry() -> OperationProgress<[UInt64]?> {
            attempt += 1
            loadedVersion = false
            copied.removeAll(keepingCapacity: true)
            return attempt >= VersionMailbox.readAttempts ? .finished(nil) : .running
        }
    }
}
