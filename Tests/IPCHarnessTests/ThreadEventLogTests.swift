import IPCHarness
import PropertyBased
import TestSupport
import Testing

/// How threads mode merges the threads' own event streams into one trace.
@Suite struct ThreadEventLogTests {
    typealias Stamp = (time: UInt64, completes: Bool)

    @Test func atEqualTimesAnInvokeGoesBeforeAnotherThreadsCompletion() {
        // Thread 0: invoke at 10, completes at 20. Thread 1: invoke at 20, completes at 30. Had thread 0's
        // completion gone first, thread 1's operation would have to follow it; the clock cannot say that.
        let order = ThreadEventLog.mergeOrder([[(10, false), (20, true)], [(20, false), (30, true)]])
        #expect(order.map { [$0.stream, $0.position] } == [[0, 0], [1, 0], [0, 1], [1, 1]])
    }

    @Test func aThreadsOwnEventsKeepTheirOrderAtEqualTimes() {
        // One thread's completion and its next invoke stamped alike: the thread's program order stands.
        let order = ThreadEventLog.mergeOrder([[(5, false), (7, true), (7, false), (9, true)], [(8, false), (8, true)]])
        #expect(order.map { [$0.stream, $0.position] } == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [0, 3]])
    }

    /// Any streams with nondecreasing times: every event once, times nondecreasing, each stream in its order, and
    /// no completion ahead of another stream's invoke of the same time.
    @Test func theMergeIsATimeOrderThatKeepsEachStreamInOrder() async {
        let stream = zip(Gen.int(in: 0...3), Gen.bool).array(of: 0...12)
        await checkProperty(count: 500, input: stream.array(of: 1...4)) { steps in
            let streams: [[Stamp]] = steps.map { stream in
                var time: UInt64 = 0
                return stream.map { step in
                    time += UInt64(step.0)
                    return (time, step.1)
                }
            }
            let order = ThreadEventLog.mergeOrder(streams)
            #expect(order.count == streams.reduce(0) { $0 + $1.count })
            for index in streams.indices {
                #expect(order.filter { $0.stream == index }.map(\.position) == Array(streams[index].indices))
            }
            let merged = order.map { streams[$0.stream][$0.position] }
            for (earlier, later) in zip(merged, merged.dropFirst()) {
                #expect(earlier.time <= later.time)
            }
            // A completion placed ahead of another stream's invoke of the same time: that invoke was not yet at
            // its stream's head (its predecessor comes after the completion too).
            var placed: [[Int]] = streams.map { [Int](repeating: 0, count: $0.count) }
            for (position, place) in order.enumerated() { placed[place.stream][place.position] = position }
            for (position, place) in order.enumerated() where streams[place.stream][place.position].completes {
                let time = streams[place.stream][place.position].time
                for (later, other) in order.enumerated().dropFirst(position + 1) where other.stream != place.stream {
                    let event = streams[other.stream][other.position]
                    guard !event.completes, event.time == time else { continue }
                    #expect(other.position > 0 && placed[other.stream][other.position - 1] > position, "event \(later)")
                }
            }
        }
    }
}
