/// What a reference implementation may touch, and nothing else: words of one shared-memory region addressed by
/// byte offset, and copy channels (message passing where the kernel copies at send) addressed by number.
///
/// Reference implementations are written once against this protocol and run on two backends:
/// - the simulation (`SimulatedMemory` in IPCHarness), where every call is one deterministic scheduling point of
///   a virtual process, so one seed fixes the whole run;
/// - ``MappedSharedAccess``, a `MAP_SHARED` mapping used through swift-atomics by worker processes, plus kernel
///   channels (``CopyChannel``).
///
/// Every access names its memory ordering, as swift-atomics requires: the orderings are what the real backend
/// executes. The simulation interleaves accesses under sequential consistency (as Shuttle does; unlike Loom it
/// does not also explore the reorderings a weaker ordering would allow), so an ordering bug shows there only
/// when the program order itself is wrong.
///
/// Offsets, never pointers: each process maps the region at its own address, so a structure in shared memory
/// refers to another part of it by its offset from the start of the region.
public protocol SharedAccess: AnyObject {
    /// The word (8 bytes, aligned) at `offset`.
    func load(_ offset: Int, _ ordering: LoadOrdering) -> UInt64
    func store(_ offset: Int, _ value: UInt64, _ ordering: StoreOrdering)
    /// Replaces the word with `desired` if it equals `expected`; returns whether it did and the value it found.
    func compareExchange(_ offset: Int, expected: UInt64, desired: UInt64, _ ordering: UpdateOrdering)
        -> (exchanged: Bool, original: UInt64)
    /// Adds `delta` (wrapping) and returns the value before.
    func wrappingAdd(_ offset: Int, _ delta: UInt64, _ ordering: UpdateOrdering) -> UInt64

    /// Sends one message on copy channel `channel`; false when it is full (`EAGAIN`). The bytes are copied: the
    /// sender's buffer is its own again as soon as this returns.
    func send(channel: Int, _ message: [UInt8]) -> Bool
    /// Receives the oldest message on copy channel `channel`, or nil when there is none (`EAGAIN`).
    func receive(channel: Int) -> [UInt8]?
}

/// The orderings a load may have (swift-atomics' `AtomicLoadOrdering`).
public enum LoadOrdering: String, Sendable, Hashable {
    case relaxed, acquiring, sequentiallyConsistent
}

/// The orderings a store may have (swift-atomics' `AtomicStoreOrdering`).
public enum StoreOrdering: String, Sendable, Hashable {
    case relaxed, releasing, sequentiallyConsistent
}

/// The orderings a read-modify-write may have (swift-atomics' `AtomicUpdateOrdering`).
public enum UpdateOrdering: String, Sendable, Hashable {
    case relaxed, acquiring, releasing, acquiringAndReleasing, sequentiallyConsistent
}

/// Layout constants for structures in shared memory.
public enum SharedLayout {
    /// Bytes per word: every access is one aligned 64-bit word.
    public static let word = 8
    /// Bytes per cache line on x86-64 (and most arm64): fields written by different processes go on different
    /// lines, or every write by one invalidates the other's copy (false sharing).
    public static let cacheLine = 64

    /// `count` rounded up to whole cache lines.
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

/// Where an operation is after one step.
public enum OperationProgress<Result> {
    /// It has more steps to take.
    case running
    /// It is over, with this result.
    case finished(Result)
}

/// An operation of a reference implementation, written as a resumable program: each ``step(_:)`` makes at most
/// one call on the ``SharedAccess`` and says whether the operation is over. The simulation schedules between
/// steps; a worker process simply steps it to the end (``SharedOperation/run(_:)``). Operations never spin
/// without bound: where a real implementation would wait, they give up with a result that says so (`EAGAIN`),
/// and the workload decides whether to try again.
public protocol SharedOperation {
    associatedtype Result
    mutating func step(_ shared: any SharedAccess) -> OperationProgress<Result>
}

extension SharedOperation {
    /// Steps the operation to its end (the real backend: the accesses are atomics on mapped memory).
    public mutating func run(_ shared: any SharedAccess) -> Result {
        while true {
            if case .finished(let result) = step(shared) { return result }
        }
    }
}
