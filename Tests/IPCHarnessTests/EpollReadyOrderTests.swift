import IPCHarness
import IPCModels
import Testing

/// ``EpollReadyOrder`` on hand-made pipe traces: it rejects an order the ready list cannot give, naming it
/// (`epoll-ready-order`), and allows every order where the trace cannot tell which object became ready first —
/// overlapping operations of two processes, an ADD whose object's readiness is unknown.
@Suite struct EpollReadyOrderTests {
    /// A pipe trace: `pipes` pipes, processes 1 and 2 holding both ends of each.
    final class Recorder {
        var trace: Trace
        init(pipes: [String], model: String = "pipe") {
            var objects = JSONObject()
            for name in pipes {
                objects[name] = model == "pipe" ? ["capacity": .int(65536), "readers": [1, 2], "writers": [1, 2]] : ["capacity": .int(65536)]
            }
            trace = Trace(header: Trace.Header(
                model: model, parameters: ["pageSize": .int(4096), "objects": .object(objects)], mechanism: "hand-written", seed: "0", strategy: "random"))
        }

        func event(_ process: Int, _ type: Trace.EventType, _ f: String, _ object: String, _ value: JSONValue?) {
            let index = trace.events.count
            trace.events.append(Trace.Event(index: index, time: UInt64(100 * (index + 1)), process: process, type: type, f: f, object: object, value: value))
        }

        func call(_ f: String, _ object: String, _ value: JSONValue?, _ result: JSONValue? = nil, process: Int = 1) {
            event(process, .invoke, f, object, value)
            event(process, .ok, f, object, result)
        }

        func add(_ object: String) {
            call("epoll_ctl", object, ["op": "EPOLL_CTL_ADD", "end": "read", "events": ["EPOLLIN"]])
        }

        func wait(_ reported: [String], maxEvents: Int, objects: [String]) {
            let events: [JSONValue] = reported.map { ["object": .string($0), "end": "read", "events": ["EPOLLIN"]] }
            call("epoll_wait", objects[0], ["maxevents": .int(maxEvents), "timeout": 0, "objects": .array(objects.map { .string($0) })], ["events": .array(events)])
        }
    }

    static let write: JSONValue = ["data": "x", "nonblocking": true]
    static let written: JSONValue = ["written": 1]

    @Test func anOrderTheListCannotGiveIsRejectedAndNamed() throws {
        let recorder = Recorder(pipes: ["p0", "p1"])
        recorder.add("p0")
        recorder.add("p1")
        recorder.call("write", "p1", Self.write, Self.written)
        recorder.call("write", "p0", Self.write, Self.written)
        recorder.wait(["p0"], maxEvents: 1, objects: ["p0", "p1"])
        let report = try TraceChecker.check(recorder.trace)
        #expect(report.result == .violation)
        #expect(report.invariants.map(\.name) == ["epoll-ready-order"])
        #expect(report.explanation.contains("p1 (read end), ready, came first"))
    }

    /// A written count no pipe gives, added to what the pipe is known to hold, once trapped on overflow (the
    /// checker aborted): now the pipe model refuses the count (more than the write's data), a one-line error.
    @Test func aWriteCountBeyondAnyPipeIsRefusedNotATrap() throws {
        let recorder = Recorder(pipes: ["p0", "p1"])
        recorder.add("p0")
        recorder.call("write", "p0", Self.write, Self.written)
        recorder.call("write", "p0", Self.write, ["written": .integer(.max)])
        recorder.wait(["p0"], maxEvents: 1, objects: ["p0", "p1"])
        let error = #expect(throws: TraceError.self) { try TraceChecker.check(recorder.trace) }
        #expect(error?.message.contains("field 'written' is 9223372036854775807") == true)
    }

    @Test func overlappingWritesAllowEitherOrder() throws {
        for first in ["p0", "p1"] {
            let recorder = Recorder(pipes: ["p0", "p1"])
            recorder.add("p0")
            recorder.add("p1")
            recorder.event(2, .invoke, "write", "p1", Self.write)
            recorder.event(1, .invoke, "write", "p0", Self.write)
            recorder.event(2, .ok, "write", "p1", Self.written)
            recorder.event(1, .ok, "write", "p0", Self.written)
            recorder.wait([first], maxEvents: 1, objects: ["p0", "p1"])
            #expect(try TraceChecker.check(recorder.trace).result == .ok, "\(first) first")
        }
    }

    /// FIFOs opened and registered with nothing showing whether they were empty: an ADD may have listed either, so
    /// either order is allowed; an `EAGAIN` read first shows each empty, and the order is judged.
    @Test func anUnknownReadinessAtAddAllowsEitherOrder() throws {
        for (shown, first) in [(false, "f0"), (false, "f1"), (true, "f1")] {
            let trace = Self.twoFIFOs(emptinessShown: shown, first: first)
            #expect(try TraceChecker.check(trace).result == .ok, "\(first) first, emptiness shown: \(shown)")
        }
        #expect(try TraceChecker.check(Self.twoFIFOs(emptinessShown: true, first: "f0")).result == .violation)
    }

    /// Two FIFOs opened at both ends (an `EAGAIN` read of each first when `emptinessShown`), registered, written `f1`
    /// then `f0`, and a wait reporting `first` alone.
    static func twoFIFOs(emptinessShown: Bool, first: String) -> Trace {
        let recorder = Recorder(pipes: ["f0", "f1"], model: "fifo")
        for name in ["f0", "f1"] {
            recorder.call("open", name, ["end": "read", "nonblocking": true])
            recorder.call("open", name, ["end": "write", "nonblocking": true])
            if emptinessShown {
                recorder.event(1, .invoke, "read", name, ["max": 1, "nonblocking": true])
                recorder.trace.events.append(Trace.Event(
                    index: recorder.trace.events.count, time: UInt64(100 * (recorder.trace.events.count + 1)), process: 1,
                    type: .fail, f: "read", object: name, error: "EAGAIN"))
            }
        }
        recorder.add("f0")
        recorder.add("f1")
        recorder.call("write", "f1", Self.write, Self.written)
        recorder.call("write", "f0", Self.write, Self.written)
        recorder.wait([first], maxEvents: 1, objects: ["f0", "f1"])
        return recorder.trace
    }
}
