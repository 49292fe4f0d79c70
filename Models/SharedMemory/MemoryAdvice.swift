/// `madvise`'s advice, as the posix-shm and sysv-shm models take it (measured on this kernel, 6.18,
/// `SharedMemoryAdviceFactsTests`; LTP `madvise01`–`11` as the checklist). Every advice here is judged on a shared
/// memory mapping; the numbers this kernel knows but the models do not (`MADV_MERGEABLE`, `MADV_HUGEPAGE`,
/// `MADV_DONTDUMP`, `MADV_COLD`, `MADV_PAGEOUT`, `MADV_POPULATE_*`, the guard pages…) are refused, and any other
/// number is `EINVAL` (measured: 5, 6, 7, 26, 27, 99, 104, 105, -1, 12345), before anything, a length of 0 too.
public enum MemoryAdvice: Hashable, Sendable {
    /// `MADV_NORMAL`, `MADV_RANDOM`, `MADV_SEQUENTIAL`: the read-ahead pattern of the pages' area (a `VM_RAND_READ`
    /// or `VM_SEQ_READ` flag: an area of its own, which `mremap` cannot grow across). Nothing a trace sees otherwise.
    case pattern(ReadPattern)
    /// `MADV_WILLNEED`, `MADV_KEEPONFORK`: nothing a trace sees (on tmpfs `MADV_WILLNEED` reads nothing in: a page not
    /// in memory stays out, `mincore` 0).
    case willNeed, keepOnFork
    /// `MADV_DONTNEED`: a shared mapping's words stay (re-read from the object); a private mapping's copies are
    /// dropped (it follows the object again); `EINVAL` over a locked page.
    case dontNeed
    /// `MADV_REMOVE`: punches a hole in the object — its words in those pages read 0 through every mapping and the
    /// pages leave memory (`mincore` 0); `EINVAL` over a locked page (`mlock`, not `SHM_LOCK`), then `EACCES` for a
    /// mapping that may not write the object (private, or of an `O_RDONLY` descriptor; `SHM_RDONLY`).
    case remove
    /// `MADV_FREE`, `MADV_WIPEONFORK`: anonymous private memory only — `EINVAL` on any mapping of the object.
    case free, wipeOnFork
    /// `MADV_DONTFORK`, `MADV_DOFORK`: a `fork`'s child has no mapping of those pages (its access `SIGSEGV`), or has
    /// it again.
    case dontFork, doFork
    /// A number this kernel does not know: `EINVAL`.
    case invalid(Int)

    public enum ReadPattern: String, Hashable, Sendable { case normal, random, sequential }

    /// The names the trace gives, by advice.
    static let names: [(String, MemoryAdvice)] = [
        ("MADV_NORMAL", .pattern(.normal)), ("MADV_RANDOM", .pattern(.random)), ("MADV_SEQUENTIAL", .pattern(.sequential)),
        ("MADV_WILLNEED", .willNeed), ("MADV_DONTNEED", .dontNeed), ("MADV_FREE", .free), ("MADV_REMOVE", .remove),
        ("MADV_DONTFORK", .dontFork), ("MADV_DOFORK", .doFork), ("MADV_WIPEONFORK", .wipeOnFork), ("MADV_KEEPONFORK", .keepOnFork),
    ]

    /// The numbers this kernel takes as advice (`madvise_behavior_valid`): those the models do not name are refused.
    public static let knownNumbers: Set<Int> = Set([0, 1, 2, 3, 4] + Array(8...25) + [100, 101, 102, 103])

    /// The number `madvise` is given (x86-64).
    public var number: Int {
        switch self {
        case .pattern(.normal): 0
        case .pattern(.random): 1
        case .pattern(.sequential): 2
        case .willNeed: 3
        case .dontNeed: 4
        case .free: 8
        case .remove: 9
        case .dontFork: 10
        case .doFork: 11
        case .wipeOnFork: 18
        case .keepOnFork: 19
        case .invalid(let number): number
        }
    }

    public var name: String { Self.names.first { $0.1 == self }?.0 ?? "\(number)" }

    /// The trace's `"advice"`: one of the names, or a number this kernel does not know.
    static func parse(_ value: JSONValue?, model: String) throws(ModelError) -> MemoryAdvice {
        let field = try value.required("advice")
        if case .integer = field {
            let number = try field.integer("advice", in: Int(Int32.min)...Int(Int32.max))
            guard !knownNumbers.contains(number) else {
                throw ModelError("the \(model) model does not judge advice \(number): it takes \(names.map(\.0).joined(separator: ", ")), and numbers this kernel does not know (EINVAL)")
            }
            return .invalid(number)
        }
        let text = try field.text("advice")
        guard let advice = names.first(where: { $0.0 == text })?.1 else {
            throw ModelError("the \(model) model does not judge advice \"\(text)\": it takes \(names.map(\.0).joined(separator: ", ")), and numbers this kernel does not know (EINVAL)")
        }
        return advice
    }

    var json: JSONValue { if case .invalid(let number) = self { .int(number) } else { .string(name) } }

    /// `EINVAL` on any mapping of a shared memory object, page after page (the kernel's per-area refusal).
    var refusedOnSharedMemory: Bool { self == .free || self == .wipeOnFork }
}

/// What `mincore` may report for an object's pages: tmpfs keeps a page in memory from its first fault (a load too,
/// through any mapping, any process) until it is removed (`MADV_REMOVE`, a shrinking `ftruncate`), and never has one
/// past the end (measured, `SharedMemoryResidencyFactsTests`). A page that is in memory may still be swapped out on a
/// machine with swap (none here, so this kernel's answers are exact; the model cannot know the machine's), so a page
/// touched, or whose past the trace does not show, may read either; only a page known to be out reads 0 for sure.
public struct PageResidency: Hashable, Sendable {
    /// The object's pages known not to be in memory (inside its end; past the end none is).
    public var absent: Set<Int> = []

    public init() {}

    /// A fault on `page` (an access, any process): it may be in memory from now on.
    mutating func touch(_ page: Int) { absent.remove(page) }

    /// A call that may fault pages in, or one the bookkeeping does not know: nothing is known to be out any more.
    mutating func forget() { absent = [] }

    /// One page's answer: 0 where known out or past the end, otherwise 0 or 1.
    public enum Answer: Hashable, Sendable {
        case resident, absent, either

        func allows(_ resident: Bool) -> Bool { self == .either || (self == .resident) == resident }
    }

    /// The trace's `"resident"`: one `0` or `1` a page.
    static func parse(_ value: JSONValue?) throws(ModelError) -> [Bool] {
        let text = try value.required("resident").text("resident")
        guard text.allSatisfy({ $0 == "0" || $0 == "1" }) else { throw ModelError("field 'resident' must be a string of 0 and 1, one a page") }
        return text.map { $0 == "1" }
    }

    static func json(_ pages: [Bool]) -> JSONValue { ["resident": .string(String(pages.map { $0 ? "1" : "0" }))] }

    /// Whether a recorded report matches what the model allows, page by page.
    static func matches(_ recorded: [Answer], _ allowed: [Answer]) -> Bool {
        recorded.count == allowed.count && zip(recorded, allowed).allSatisfy { seen, allowed in seen == allowed || allowed == .either }
    }

    static func text(_ answers: [Answer]) -> String {
        String(answers.map { $0 == .resident ? "1" : $0 == .absent ? "0" : "?" })
    }
}
