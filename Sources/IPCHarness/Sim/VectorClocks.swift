/// The happens-before bookkeeping of the weak-memory model: a vector clock per virtual process (Lamport; as Loom
/// keeps them), the clock a process's release fence left for its later relaxed stores, the clocks of the stores its
/// relaxed loads read (what a later acquire fence takes in), and two global clocks.
///
/// - Every access a process makes ticks its own entry, so a store is stamped with its process's entry: a store
///   happens before a load when the loader's clock has reached the store's stamp in the storer's entry.
/// - ``completed`` joins each process's clock as each of its operations completes (or it dies): an operation
///   invoked later starts from it. That is the harness's own synchronisation — the driver tells a process to start
///   its next operation only after hearing that earlier ones completed — and what makes checking the history for
///   linearizability sound: an operation that completed before another was invoked must be visible to it.
/// - ``sequentiallyConsistent``: the clock sequentially consistent operations and fences all join and publish, so
///   they are totally ordered (stronger than C11 needs: never a behaviour C11 forbids).
struct VectorClocks {
    let width: Int
    /// Process p's clock: entries p·width ..< (p+1)·width.
    private(set) var clocks: [UInt32]
    /// Process p's clock at its last release fence (zero: none), which its relaxed stores after it carry.
    private var releaseFences: [UInt32]
    /// The join of the release clocks of the stores process p's non-acquiring loads read since its last acquire fence.
    private var pendingAcquires: [UInt32]
    private(set) var completed: [UInt32]
    private var sequentiallyConsistent: [UInt32]

    init(processes width: Int) {
        self.width = width
        clocks = Array(repeating: 0, count: width * width)
        releaseFences = clocks
        pendingAcquires = clocks
        completed = Array(repeating: 0, count: width)
        sequentiallyConsistent = completed
    }

    /// Advances process p's own entry (every access does) and returns it: the stamp of a store p makes now.
    @inline(__always)
    mutating func tick(_ p: Int) -> UInt32 {
        clocks[p * width + p] &+= 1
        return clocks[p * width + p]
    }

    /// Whether a store stamped `stamp` by `storer` (−1: the region's initial contents) happens before what process p
    /// does next.
    @inline(__always)
    func happensBefore(storer: Int, stamp: UInt32, _ p: Int) -> Bool {
        storer < 0 || stamp <= clocks[p * width + storer]
    }

    /// Process p's clock (what a releasing store carries).
    func clock(of p: Int) -> ArraySlice<UInt32> { clocks[(p * width)..<(p * width + width)] }

    /// What a relaxed store by p carries: its clock at its last release fence.
    func releaseFence(of p: Int) -> ArraySlice<UInt32> { releaseFences[(p * width)..<(p * width + width)] }

    /// p acquires `release` (a clock a store or message carried).
    mutating func acquire(_ p: Int, _ release: ArraySlice<UInt32>) {
        Self.join(&clocks, at: p * width, release)
    }

    /// p read a store carrying `release` without acquiring it: an acquire fence later will.
    mutating func postpone(_ p: Int, _ release: ArraySlice<UInt32>) {
        Self.join(&pendingAcquires, at: p * width, release)
    }

    /// A fence by p.
    mutating func fence(_ p: Int, acquire: Bool, release: Bool, sequentiallyConsistent isSequentiallyConsistent: Bool) {
        if acquire { Self.join(&clocks, at: p * width, pendingAcquires[(p * width)..<(p * width + width)]) }
        if isSequentiallyConsistent { joinSequentiallyConsistent(p) }
        if release {
            for entry in 0..<width { releaseFences[p * width + entry] = clocks[p * width + entry] }
        }
    }

    /// p's sequentially consistent operation: it sees every earlier one and is seen by every later one.
    mutating func joinSequentiallyConsistent(_ p: Int) {
        Self.join(&clocks, at: p * width, sequentiallyConsistent[...])
        for entry in 0..<width { sequentiallyConsistent[entry] = clocks[p * width + entry] }
    }

    /// p starts an operation: it sees every operation completed before.
    mutating func startOperation(_ p: Int) { Self.join(&clocks, at: p * width, completed[...]) }

    /// p completed an operation (or died): operations invoked from now on see what it did.
    mutating func completeOperation(_ p: Int) { Self.join(&completed, at: 0, clock(of: p)) }

    @inline(__always)
    private static func join(_ target: inout [UInt32], at start: Int, _ source: ArraySlice<UInt32>) {
        var index = start
        for value in source {
            if value > target[index] { target[index] = value }
            index += 1
        }
    }
}
