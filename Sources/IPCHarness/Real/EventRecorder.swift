import IPCModels
import IPCSyscalls

/// Collects a run's events with consecutive indices and times since the run started.
struct EventRecorder {
    private let start: UInt64
    private var lastTime: UInt64 = 0
    private(set) var events: [Trace.Event] = []

    init() {
        start = MonotonicClock.nanoseconds()
    }

    /// Nanoseconds since the run started; never decreasing.
    mutating func now() -> UInt64 {
        lastTime = Swift.max(lastTime, MonotonicClock.nanoseconds() &- start)
        return lastTime
    }

    /// Records an event stamped now and returns its index.
    @discardableResult
    mutating func record(_ process: Int, _ type: Trace.EventType, _ fill: (inout Trace.Event) -> Void = { _ in }) -> Int {
        var event = Trace.Event(index: events.count, time: now(), process: process, type: type)
        fill(&event)
        events.append(event)
        return event.index
    }
}
