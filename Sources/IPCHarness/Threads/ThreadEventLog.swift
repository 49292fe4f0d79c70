import IPCModels
import IPCSyscalls
import Synchronization

/// Events recorded by threads of one process, each thread into its own buffer (no shared write on the hot path),
/// merged into one trace when the threads have ended.
///
/// Times come from `CLOCK_MONOTONIC`, which is one clock for every CPU: an invoke is stamped before the call, a
/// completion after it, so an operation that completed before another was invoked has the smaller time. Merging
/// sorts by time, stably, so each thread's own events stay in program order.
final class ThreadEventLog: @unchecked Sendable {
    struct Entry {
        var time: UInt64
        var process: Int
        var type: Trace.EventType
        var f: String?
        var value: JSONValue?
        var fault: String?
        var call: String?
    }

    /// One thread's buffer. Only its thread appends to it.
    final class Buffer: @unchecked Sendable {
        let process: Int
        fileprivate(set) var entries: [Entry] = []
        private let start: UInt64

        fileprivate init(process: Int, start: UInt64) {
            self.process = process
            self.start = start
        }

        func record(_ type: Trace.EventType, _ f: String? = nil, _ value: JSONValue? = nil) {
            entries.append(Entry(time: MonotonicClock.nanoseconds() &- start, process: process, type: type, f: f, value: value))
        }

        func recordDelay(_ delay: InjectedDelay, before operation: String) {
            entries.append(Entry(
                time: MonotonicClock.nanoseconds() &- start, process: process, type: .fault, value: delay.json,
                fault: "delay", call: operation))
        }
    }

    let object: String
    private let start = MonotonicClock.nanoseconds()
    private let buffers = Mutex<[Buffer]>([])

    init(object: String) {
        self.object = object
    }

    /// A new buffer for `process`; the caller's thread (or a lock it holds) is its only writer.
    func buffer(for process: Int) -> Buffer {
        let buffer = Buffer(process: process, start: start)
        buffers.withLock { $0.append(buffer) }
        return buffer
    }

    /// Every buffer's events in one time-ordered list, indexed from 0. Call once every thread has ended.
    func events() -> [Trace.Event] {
        let all = buffers.withLock { buffers in buffers.flatMap(\.entries) }
        let ordered = all.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        return ordered.enumerated().map { index, entry in
            var event = Trace.Event(
                index: index, time: entry.time, process: entry.process, type: entry.type, f: entry.f,
                object: entry.type.isOperationEvent ? object : nil, value: entry.value)
            event.fault = entry.fault
            event.call = entry.call
            return event
        }
    }
}
