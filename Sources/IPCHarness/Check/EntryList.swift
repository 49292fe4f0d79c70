/// The history as the search walks it (porcupine's entry list): a doubly linked list of call and return entries
/// in time order, in flat arrays of 32-bit links so that lifting an operation out and putting it back costs four
/// stores and nothing is allocated or reference-counted while the search runs.
///
/// Index 0 is the head sentinel; -1 is nil. Calls sort before returns at equal times, so operations that touch
/// count as concurrent.
struct EntryList {
    private(set) var entryOperation: [Int32] = [-1]
    private(set) var entryIsReturn: [Bool] = [false]
    private var previous: [Int32] = [-1]
    private(set) var next: [Int32] = [-1]
    private var callEntry: [Int32]
    private var returnEntry: [Int32]

    /// One call entry per operation at its invoke time, and one return entry at `returnTime` when it has one.
    init(invokeTimes: [UInt64], returnTimes: [UInt64?]) {
        let count = invokeTimes.count
        callEntry = [Int32](repeating: -1, count: count)
        returnEntry = [Int32](repeating: -1, count: count)
        var events: [(time: UInt64, isReturn: Bool, operation: Int)] = []
        events.reserveCapacity(count * 2)
        for index in 0..<count {
            events.append((invokeTimes[index], false, index))
            if let returnTime = returnTimes[index] { events.append((Swift.max(returnTime, invokeTimes[index]), true, index)) }
        }
        events.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.isReturn != b.isReturn { return !a.isReturn }
            return a.operation < b.operation
        }
        entryOperation.reserveCapacity(events.count + 1)
        entryIsReturn.reserveCapacity(events.count + 1)
        previous.reserveCapacity(events.count + 1)
        next.reserveCapacity(events.count + 1)
        for event in events {
            let index = Int32(entryOperation.count)
            entryOperation.append(Int32(event.operation))
            entryIsReturn.append(event.isReturn)
            previous.append(index - 1)
            next.append(-1)
            next[Int(index - 1)] = index
            if event.isReturn { returnEntry[event.operation] = index } else { callEntry[event.operation] = index }
        }
    }

    /// The first entry still in the list; -1 when every operation is lifted.
    @inline(__always) var first: Int32 { next[0] }

    private mutating func unlink(_ entry: Int32) {
        let e = Int(entry)
        next[Int(previous[e])] = next[e]
        if next[e] != -1 { previous[Int(next[e])] = previous[e] }
    }

    private mutating func relink(_ entry: Int32) {
        let e = Int(entry)
        next[Int(previous[e])] = entry
        if next[e] != -1 { previous[Int(next[e])] = entry }
    }

    /// Removes an operation's entries from the list.
    mutating func lift(_ operation: Int) {
        unlink(callEntry[operation])
        if returnEntry[operation] != -1 { unlink(returnEntry[operation]) }
    }

    /// Puts them back, in the reverse order.
    mutating func unlift(_ operation: Int) {
        if returnEntry[operation] != -1 { relink(returnEntry[operation]) }
        relink(callEntry[operation])
    }
}
