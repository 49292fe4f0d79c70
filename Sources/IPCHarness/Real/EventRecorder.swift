import IPCModels
import IPCSyscalls

/// Collects a run's events with consecutive indices and times since the run started.
struct EventRecorder {
    private let start: UInt64
    private var lastTime: UInt64 = 0
    private(set) var events: [Trace.Event] = []
    /// False only to measure what recording costs (`bench real`): events are counted, not stamped or kept.
    private let enabled: Bool
    private var count = 0

    init(enabled: Bool = true) {
        start = MonotonicClock.nanoseconds()
        self.enabled = enabled
    }

    /// Nanoseconds since the run started; never decreasing.
    mutating func now() -> UInt64 {
        lastTime = Swift.max(lastTime, MonotonicClock.nanoseconds() &- start)
        return lastTime
    }

    /// Records an event stamped now (or at `time`, taken earlier from ``now()`` with nothing recorded since) and
    /// returns its index.
    @discardableResult
    mutating func record(
        _ process: Int, _ type: Trace.EventType, at time: UInt64? = nil, _ fill: (inout Trace.Event) -> Void = { _ in }
    ) -> Int {
        guard enabled else {
            count += 1
            return count - 1
        }
        var event = Trace.Event(index: events.count, time: time.map { Swift.max($0, lastTime) } ?? now(), process: process, type: type)
        fill(&event)
        events.append(event)
        return event.index
    }
}
