import IPCMechanisms

/// The simulated backend of ``SharedMemory``: one object's region (and copy channels) in a simulated run. Every
/// call is a scheduling point: the calling virtual process gives control back to the simulator, which lets some
/// process make its access — maybe this one, maybe another first — as its plan says. Under the weak-memory model
/// the words keep their recent stores (``StoreHistory``) and a load may return an older one the C11 model allows,
/// chosen by the plan too.
final class SimulatedRegion: SharedMemory {
    unowned let run: SimulationRun
    let index: Int
    let name: String
    let size: Int
    @exclusivity(unchecked) private var words: [UInt64]
    @exclusivity(unchecked) private var history: StoreHistory?
    @exclusivity(unchecked) private var channels: [SimulatedChannel]

    init(run: SimulationRun, index: Int, name: String, layout: SharedRegionLayout, channelCapacity: Int) {
        self.run = run
        self.index = index
        self.name = name
        self.size = layout.size
        let count = layout.size / SharedLayout.word
        var words = [UInt64](repeating: 0, count: count)
        for (offset, value) in layout.initialWords where offset >= 0 && offset < layout.size { words[offset >> 3] = value }
        self.words = words
        if case .weak(let depth) = run.options.memory {
            history = StoreHistory(
                words: count, depth: depth, processes: run.processes.count,
                initial: Dictionary(uniqueKeysWithValues: layout.initialWords.filter { $0.key >= 0 && $0.key < layout.size }.map { ($0.key >> 3, $0.value) }))
        }
        channels = (0..<layout.channels).map { _ in SimulatedChannel(capacity: channelCapacity) }
    }

    /// The word index of `offset`; a bad offset crashes the calling process, as it would trap a real one.
    @inline(__always)
    private func word(_ offset: Int, _ what: String) -> Int {
        guard offset >= 0 && offset + 8 <= size && offset & 7 == 0 else {
            run.crashCurrent(reason: "\(what) at offset \(offset), outside the region of \(size) bytes of \(name) or not a multiple of 8")
        }
        return offset >> 3
    }

    /// The newest value of a word (for the futex, and for tests).
    func newest(_ offset: Int) -> UInt64 { history?.latest(offset >> 3) ?? words[offset >> 3] }

    func load(_ offset: Int, _ ordering: LoadOrdering) -> UInt64 {
        let word = word(offset, "a load")
        let p = run.awaitTurn(region: index, offset: offset, writes: false)
        var access = SimulatedAccess(kind: .load, region: index, location: offset, ordering: ordering.rawValue)
        if history != nil {
            _ = run.clocks.tick(p)
            let read = history!.load(
                word, by: p, acquiring: ordering != .relaxed, newest: ordering == .sequentiallyConsistent, clocks: &run.clocks,
                choose: run.chooseStore)
            if ordering == .sequentiallyConsistent { run.clocks.joinSequentiallyConsistent(p) }
            access.found = read.value
            access.stale = read.stale
            access.choices = read.choices
        } else {
            access.found = words[word]
        }
        run.record(access)
        return access.found
    }

    func store(_ offset: Int, _ value: UInt64, _ ordering: StoreOrdering) {
        let word = word(offset, "a store")
        let p = run.awaitTurn(region: index, offset: offset, writes: true)
        var access = SimulatedAccess(kind: .store, region: index, location: offset, ordering: ordering.rawValue, operand: value)
        if history != nil {
            access.found = history!.latest(word)
            let stamp = run.clocks.tick(p)
            if ordering == .sequentiallyConsistent { run.clocks.joinSequentiallyConsistent(p) }
            let release = ordering == .relaxed ? run.clocks.releaseFence(of: p) : run.clocks.clock(of: p)
            history!.store(word, value, by: p, stamp: stamp, release: release, continuing: false)
        } else {
            access.found = words[word]
            words[word] = value
        }
        run.record(access)
    }

    func compareExchange(_ offset: Int, expected: UInt64, desired: UInt64, _ ordering: UpdateOrdering)
        -> (exchanged: Bool, original: UInt64)
    {
        let word = word(offset, "a compare-and-swap")
        let p = run.awaitTurn(region: index, offset: offset, writes: true, expected: expected)
        var access = SimulatedAccess(
            kind: .compareExchange, region: index, location: offset, ordering: ordering.rawValue, operand: expected, desired: desired)
        let original = readModifyWrite(word, p, ordering) { $0 == expected ? desired : nil }
        access.found = original
        access.succeeded = original == expected
        run.record(access)
        return (original == expected, original)
    }

    func readModifyWrite(_ offset: Int, _ operation: ReadModifyWrite, _ operand: UInt64, _ ordering: UpdateOrdering) -> UInt64 {
        let word = word(offset, "a read-modify-write")
        let p = run.awaitTurn(region: index, offset: offset, writes: true)
        var access = SimulatedAccess(kind: .readModifyWrite, region: index, location: offset, ordering: ordering.rawValue, operand: operand)
        access.operation = operation
        access.found = readModifyWrite(word, p, ordering) { operation.apply($0, operand) }
        run.record(access)
        return access.found
    }

    /// Reads the newest value and, when `transform` gives one, stores it after it, atomically.
    private func readModifyWrite(_ word: Int, _ p: Int, _ ordering: UpdateOrdering, _ transform: (UInt64) -> UInt64?) -> UInt64 {
        guard history != nil else {
            let original = words[word]
            if let updated = transform(original) { words[word] = updated }
            return original
        }
        let stamp = run.clocks.tick(p)
        if ordering == .sequentiallyConsistent { run.clocks.joinSequentiallyConsistent(p) }
        let original = history!.readNewest(word, by: p, acquiring: ordering.acquires, clocks: &run.clocks)
        if let updated = transform(original) {
            let release = ordering.releases ? run.clocks.clock(of: p) : run.clocks.releaseFence(of: p)
            history!.store(word, updated, by: p, stamp: stamp, release: release, continuing: true)
        }
        return original
    }

    func fence(_ ordering: UpdateOrdering) {
        let p = run.awaitTurn(region: index)
        if history != nil {
            _ = run.clocks.tick(p)
            run.clocks.fence(
                p, acquire: ordering.acquires, release: ordering.releases, sequentiallyConsistent: ordering == .sequentiallyConsistent)
        }
        run.record(SimulatedAccess(kind: .fence, region: index, location: 0, ordering: ordering.rawValue))
    }

    func wait(_ offset: Int, whileEquals expected: UInt32) {
        let word = word(offset, "a wait")
        _ = run.awaitTurn(region: index, offset: offset, writes: false)
        // The kernel compares with the word as it is now: the newest store.
        let value = history?.latest(word) ?? words[word]
        let sleeps = UInt32(truncatingIfNeeded: value) == expected
        run.record(SimulatedAccess(
            kind: .wait, region: index, location: offset, ordering: "", operand: UInt64(expected), found: value, succeeded: sleeps))
        if sleeps { run.sleepCurrent(region: index, offset: offset) }
    }

    func wake(_ offset: Int, count: Int) {
        _ = word(offset, "a wake")
        _ = run.awaitTurn(region: index, offset: offset, writes: true)
        var access = SimulatedAccess(kind: .wake, region: index, location: offset, ordering: "")
        access.woken = run.wake(region: index, offset: offset, count: count)
        run.record(access)
    }

    func send(channel: Int, _ message: [UInt8]) -> Bool {
        guard channels.indices.contains(channel) else {
            run.crashCurrent(reason: "a send on channel \(channel), which \(name) does not have")
        }
        let p = run.awaitTurn(region: index)
        let accepted = channels[channel].send(message, clock: history != nil ? Array(run.clocks.clock(of: p)) : [])
        if history != nil { _ = run.clocks.tick(p) }
        run.record(SimulatedAccess(kind: .send, region: index, location: channel, ordering: "", operand: UInt64(message.count), succeeded: accepted))
        return accepted
    }

    func receive(channel: Int) -> [UInt8]? {
        guard channels.indices.contains(channel) else {
            run.crashCurrent(reason: "a receive on channel \(channel), which \(name) does not have")
        }
        let p = run.awaitTurn(region: index)
        let received = channels[channel].receive()
        if history != nil {
            _ = run.clocks.tick(p)
            // The kernel's copy is a synchronisation: what the sender did before sending, the receiver sees.
            if let received { run.clocks.acquire(p, received.clock[...]) }
        }
        run.record(SimulatedAccess(
            kind: .receive, region: index, location: channel, ordering: "", found: UInt64(received?.message.count ?? 0),
            succeeded: received != nil))
        return received?.message
    }
}

/// A simulated copy channel: messages queue whole (the bytes are copied: arrays are values), up to `capacity`. Under
/// weak memory each carries its sender's clock.
struct SimulatedChannel {
    let capacity: Int
    private var queue: [(message: [UInt8], clock: [UInt32])] = []
    private var head = 0

    init(capacity: Int) { self.capacity = capacity }

    mutating func send(_ message: [UInt8], clock: [UInt32]) -> Bool {
        guard queue.count - head < capacity else { return false }
        queue.append((message, clock))
        return true
    }

    mutating func receive() -> (message: [UInt8], clock: [UInt32])? {
        guard head < queue.count else { return nil }
        head += 1
        return queue[head - 1]
    }
}
