/// A region of memory shared between processes, as code that communicates through it sees it: 64-bit words
/// addressed by byte offset, each access atomic and naming its C11 ordering; fences; a futex-like wait and wake
/// for blocking; byte copies for payloads; and copy channels (message passing where the kernel copies at send).
///
/// Write a construction once, as plain synchronous Swift generic over this protocol, and the same code runs
///
/// - in production and in the harness's worker processes over ``MappedSharedMemory`` (a `MAP_SHARED` mapping,
///   the `Synchronization` module's atomics, the kernel's futex), and
/// - in the harness's simulation, where every access is a scheduling point chosen from the run's seed, a load may
///   return any store the C11 model allows it to see, and a process can be killed at any access.
///
/// ```swift
/// struct Flag<Memory: SharedMemory> {
///     let memory: Memory
///     func raise() { memory.store(0, 1, .releasing); memory.wake(0) }
///     func await() { while memory.load(0, .acquiring) == 0 { memory.wait(0, whileEquals: 0) } }
/// }
/// ```
///
/// Offsets, never pointers: each process maps the region at its own address, so a structure in shared memory
/// refers to another part of it by its offset from the start of the region. Offsets are multiples of 8 inside the
/// region; anything else is a programming error (a trap in a real process, a crash of the virtual process in the
/// simulation).
///
/// Code under test must wait only through ``wait(_:whileEquals:)``: in the simulation every virtual process runs on
/// one thread, so a lock of the operating system held across an access (or a spin without accesses) never comes back.
public protocol SharedMemory: AnyObject {
    /// Bytes in the region.
    var size: Int { get }

    /// The word at `offset`.
    func load(_ offset: Int, _ ordering: LoadOrdering) -> UInt64
    func store(_ offset: Int, _ value: UInt64, _ ordering: StoreOrdering)
    /// Replaces the word with `desired` if it equals `expected`; returns whether it did and the value it found. (A
    /// failed exchange is a load with the ordering's acquire half.)
    func compareExchange(_ offset: Int, expected: UInt64, desired: UInt64, _ ordering: UpdateOrdering)
        -> (exchanged: Bool, original: UInt64)
    /// Applies `operation` with `operand` atomically and returns the value before.
    func readModifyWrite(_ offset: Int, _ operation: ReadModifyWrite, _ operand: UInt64, _ ordering: UpdateOrdering) -> UInt64
    /// A fence: orders this process's accesses before it against those after it (C11 `atomic_thread_fence`).
    func fence(_ ordering: UpdateOrdering)

    /// Sleeps while the low 32 bits of the word at `offset` equal `expected` (the word's first four bytes: a futex).
    /// Returns at once when they differ, after a ``wake(_:count:)`` on the same word, and possibly for no reason at
    /// all (a signal): check the condition again after it returns. It orders nothing by itself: publish with a
    /// releasing store before waking, and read with an acquiring load after waking.
    func wait(_ offset: Int, whileEquals expected: UInt32)
    /// Wakes up to `count` processes sleeping in ``wait(_:whileEquals:)`` on the word at `offset`.
    func wake(_ offset: Int, count: Int)

    /// Sends one message on copy channel `channel`; false when it is full (`EAGAIN`). The bytes are copied: the
    /// sender's buffer is its own again as soon as this returns.
    func send(channel: Int, _ message: [UInt8]) -> Bool
    /// Receives the oldest message on copy channel `channel`, or nil when there is none (`EAGAIN`).
    func receive(channel: Int) -> [UInt8]?
}

/// The read-modify-write operations a word supports (swift's `wrappingAdd`, `wrappingSubtract`, `bitwiseOr`,
/// `bitwiseAnd`). The raw values are the names traces record.
public enum ReadModifyWrite: String, Sendable, Hashable, CaseIterable {
    case add, subtract, or, and

    /// The word after the operation.
    @inline(__always)
    public func apply(_ original: UInt64, _ operand: UInt64) -> UInt64 {
        switch self {
        case .add: original &+ operand
        case .subtract: original &- operand
        case .or: original | operand
        case .and: original & operand
        }
    }
}

extension SharedMemory {
    /// Adds `delta` (wrapping) and returns the value before.
    @discardableResult
    public func wrappingAdd(_ offset: Int, _ delta: UInt64, _ ordering: UpdateOrdering) -> UInt64 {
        readModifyWrite(offset, .add, delta, ordering)
    }

    /// Subtracts `delta` (wrapping) and returns the value before.
    @discardableResult
    public func wrappingSubtract(_ offset: Int, _ delta: UInt64, _ ordering: UpdateOrdering) -> UInt64 {
        readModifyWrite(offset, .subtract, delta, ordering)
    }

    /// Sets the bits of `mask` and returns the value before.
    @discardableResult
    public func bitwiseOr(_ offset: Int, _ mask: UInt64, _ ordering: UpdateOrdering) -> UInt64 {
        readModifyWrite(offset, .or, mask, ordering)
    }

    /// Keeps only the bits of `mask` and returns the value before.
    @discardableResult
    public func bitwiseAnd(_ offset: Int, _ mask: UInt64, _ ordering: UpdateOrdering) -> UInt64 {
        readModifyWrite(offset, .and, mask, ordering)
    }

    /// Wakes every process sleeping on the word at `offset`.
    public func wake(_ offset: Int) { wake(offset, count: Int(Int32.max)) }

    /// Copies `bytes` into the region at `offset`, one word store at a time (the last word padded with zeros): a
    /// payload is as many accesses as it has words, so a reader racing the copy can see some words new and some
    /// old, as on real hardware.
    public func storeBytes(_ bytes: [UInt8], at offset: Int, _ ordering: StoreOrdering) {
        for (index, word) in SharedLayout.pack(bytes).enumerated() {
            store(offset + index * SharedLayout.word, word, ordering)
        }
    }

    /// The `count` bytes at `offset`, loaded one word at a time.
    public func loadBytes(count: Int, at offset: Int, _ ordering: LoadOrdering) -> [UInt8] {
        let words = (0..<SharedLayout.words(forBytes: count)).map { load(offset + $0 * SharedLayout.word, ordering) }
        return SharedLayout.unpack(words, count: count)
    }

    /// Writes a message as a length word followed by its bytes: the layout the built-in rings use for slots.
    public func storeMessage(_ message: [UInt8], at offset: Int, _ ordering: StoreOrdering) {
        store(offset, UInt64(message.count), ordering)
        storeBytes(message, at: offset + SharedLayout.word, ordering)
    }

    /// Reads a message written by ``storeMessage(_:at:_:)``, its length capped at `limit` (a torn length must not
    /// send the reader outside its slot).
    public func loadMessage(at offset: Int, limit: Int, _ ordering: LoadOrdering) -> [UInt8] {
        let count = Int(min(load(offset, ordering), UInt64(limit)))
        return loadBytes(count: count, at: offset + SharedLayout.word, ordering)
    }
}
