import IPCModels
import IPCSyscalls
import Synchronization

/// The one way threads mode records a trace: threads of the harness's own process each write their events into
/// their own buffer (no shared write on the hot path); the buffers are merged into one trace when the threads have
/// ended. Both the `rcu-*` scenarios (``RCUThreadsRun``) and the checks of users' implementations
/// (``ThreadedRun``) record through it.
///
/// Times come from `CLOCK_MONOTONIC`, which is one clock for every CPU: an invoke is stamped just before the call,
/// its completion just after the call returns, so an operation that completed before another was invoked has the
/// smaller time.
package final class ThreadEventLog: @unchecked Sendable {
    struct Entry {
        var time: UInt64
        var process: Int
        var type: Trace.EventType
        var f: String?
        var value: JSONValue?
        var error: String?
        var fault: String?
        var call: String?
    }

    /// One thread's buffer. Only its thread (or whoever holds a lock guarding it) appends to it; the watchdog
    /// may close it under the thread's feet (``abandon()``), after which nothing more is kept.
    final class Buffer: @unchecked Sendable {
        let process: Int
        private let guarded = Mutex<(entries: [Entry], closed: Bool)>(([], false))
        private let start: UInt64
        /// When the operation in progress was invoked (nanoseconds since the log started, plus one), or 0.
        private let insideSince = Atomic<UInt64>(0)

        fileprivate init(process: Int, start: UInt64) {
            self.process = process
            self.start = start
        }

        var entries: [Entry] { guarded.withLock { $0.entries } }

        private var now: UInt64 { MonotonicClock.nanoseconds() &- start }

        private func append(_ entry: Entry) {
            guarded.withLock { if !$0.closed { $0.entries.append(entry) } }
        }

        /// A process event (spawn, exit) or a bare operation event, stamped now.
        func record(_ type: Trace.EventType, _ f: String? = nil, _ value: JSONValue? = nil) {
            append(Entry(time: now, process: process, type: type, f: f, value: value))
        }

        /// How long the operation in progress has been running, in nanoseconds (nil when none is).
        var runningFor: UInt64? {
            let since = insideSince.load(ordering: .acquiring)
            return since == 0 ? nil : now &- (since - 1)
        }

        /// Closes the buffer on a thread stuck inside an operation: records that the watchdog gave up on it (a kill
        /// at point `hung`, and the operation indeterminate), and keeps nothing the thread records afterwards.
        func abandon() {
            let at = now
            guarded.withLock { state in
                guard !state.closed else { return }
                let invoke = state.entries.last { $0.type == .invoke }
                state.entries.append(Entry(time: at, process: process, type: .kill))
                if let invoke { state.entries.append(Entry(time: at, process: process, type: .info, f: invoke.f)) }
                state.closed = true
            }
        }

        /// One operation: each delay chosen for it (recorded as a `delay` fault naming the operation, then
        /// performed), the invoke stamped just before `call`, the completion stamped just after it returns and
        /// recorded as `recorded` turns its result (turned after the stamp, so the interval holds the call only).
        @discardableResult
        func perform<Result>(
            _ f: String, arguments: JSONValue? = nil, after delays: [InjectedDelay] = [], _ call: () -> Result,
            recorded: (Result) -> Outcome
        ) -> Result {
            for delay in delays {
                append(Entry(time: now, process: process, type: .fault, value: delay.json, fault: "delay", call: f))
                delay.perform()
            }
            let invoked = now
            append(Entry(time: invoked, process: process, type: .invoke, f: f, value: arguments))
            insideSince.store(invoked + 1, ordering: .releasing)
            let result = call()
            let completed = now
            insideSince.store(0, ordering: .releasing)
            switch recorded(result) {
            case .ok(let value):
                append(Entry(time: completed, process: process, type: .ok, f: f, value: value))
            case .fail(let code):
                append(Entry(time: completed, process: process, type: .fail, f: f, error: code.rawValue))
            }
            return result
        }

        /// An operation that returns nothing and always succeeds.
        func perform(_ f: String, arguments: JSONValue? = nil, after delays: [InjectedDelay] = [], _ call: () -> Void) {
            perform(f, arguments: arguments, after: delays, call, recorded: { .ok(nil) })
        }
    }

    let object: String
    private let start = MonotonicClock.nanoseconds()
    private let buffers = Mutex<[Buffer]>([])
    /// Threads that have reached the start line.
    private let ready = Atomic<Int>(0)

    init(object: String) {
        self.object = object
    }

    /// A new buffer for `process`; the caller's thread (or a lock it holds) is its only writer.
    func buffer(for process: Int) -> Buffer {
        let buffer = Buffer(process: process, start: start)
        buffers.withLock { $0.append(buffer) }
        return buffer
    }

    /// Waits until `threads` threads have called it, so that their operations overlap rather than run one thread
    /// after another as they happen to be started. Spins with yields: the wait is as long as thread start-up.
    func startTogether(threads: Int) {
        ready.add(1, ordering: .acquiringAndReleasing)
        while ready.load(ordering: .acquiring) < threads { OSThread.yield() }
    }

    /// Every buffer's events in one time-ordered list, indexed from 0. Call once every thread has ended.
    func events() -> [Trace.Event] {
        let streams = buffers.withLock { buffers in buffers.map(\.entries) }
        let keys = streams.map { entries in entries.map { (time: $0.time, completes: $0.type.isCompletion) } }
        return Self.mergeOrder(keys).enumerated().map { index, place in
            let entry = streams[place.stream][place.position]
            var event = Trace.Event(
                index: index, time: entry.time, process: entry.process, type: entry.type, f: entry.f,
                object: entry.type.isOperationEvent ? object : nil, value: entry.value, error: entry.error)
            event.fault = entry.fault
            event.call = entry.call
            if entry.type == .kill {
                // The watchdog's verdict on a stuck thread (see ``Buffer/abandon()``).
                event.point = "hung"
                event.call = nil
            }
            return event
        }
    }

    /// The order in which to merge per-thread event streams, each given as its events' times and whether each
    /// completes an operation: by time, keeping each stream in its own order (a thread's events are its program
    /// order, whatever their stamps). At equal times an invoke goes before another thread's completion: the clock
    /// could not tell which came first, so the two operations are taken as overlapping rather than one as preceding
    /// the other, which would hand the checker an order nobody observed.
    package static func mergeOrder(_ streams: [[(time: UInt64, completes: Bool)]]) -> [(stream: Int, position: Int)] {
        var positions = [Int](repeating: 0, count: streams.count)
        var order: [(stream: Int, position: Int)] = []
        order.reserveCapacity(streams.reduce(0) { $0 + $1.count })
        func key(_ stream: Int) -> (UInt64, Int) {
            let head = streams[stream][positions[stream]]
            return (head.time, head.completes ? 1 : 0)
        }
        while true {
            var next: Int?
            for stream in streams.indices where positions[stream] < streams[stream].count {
                if let best = next, key(best) <= key(stream) { continue }
                next = stream
            }
            guard let stream = next else { return order }
            order.append((stream, positions[stream]))
            positions[stream] += 1
        }
    }
}

extension Trace.EventType {
    /// Ok, fail and info end an operation.
    var isCompletion: Bool { self == .ok || self == .fail || self == .info }
}
