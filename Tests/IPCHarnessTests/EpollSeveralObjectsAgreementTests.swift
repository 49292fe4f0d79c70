import Glibc
import IPCHarness
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import Synchronization
import SystemPackage
import Testing

/// Random sequences on three real pipes whose read and write ends share one epoll instance — nonblocking writes and
/// reads, `epoll_ctl` ADD/MOD/DEL of either end of any pipe (level-triggered, `EPOLLET`, `EPOLLONESHOT`), and zero-timeout
/// `epoll_wait`s with `maxevents` 1 to 4 reporting several pipes at once — recorded as a trace (a wait written once, its
/// `"objects"` all three, each event naming its pipe) and checked by ``TraceChecker``: each pipe's model judges its share
/// of every wait (`SeveralObjectsEpollWaits`), and the order across pipes is judged where the trace shows it
/// (`EpollReadyOrder`). The kernel's trace must be accepted; the same trace with a wait's report changed — one event
/// dropped from a wait that was not cut, or one added beyond `maxevents` — rejected, and with two neighbouring reports of
/// read ends swapped, rejected.
@Suite struct EpollSeveralObjectsAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case write(pipe: Int, size: Int)
        case read(pipe: Int, max: Int)
        case control(pipe: Int, operation: Epoll.Operation, end: PipeModel.End, events: Epoll.Events)
        case wait(maxEvents: Int)

        var description: String {
            switch self {
            case .write(let pipe, let size): "write p\(pipe) \(size)"
            case .read(let pipe, let max): "read p\(pipe) \(max)"
            case .control(let pipe, let operation, let end, let events): "epoll_ctl \(operation.name) p\(pipe) \(end) \(events)"
            case .wait(let maxEvents): "epoll_wait \(maxEvents)"
            }
        }
    }

    static let pipes = 3
    static let eventChoices: [Epoll.Events] = [
        .input, [.input, .edgeTriggered], [.input, .oneShot], .output, [.output, .edgeTriggered], [.input, .output, .edgeTriggered],
    ]
    static let operations = Gen.oneOf(
        Gen.int(in: 0...(3 * pipes - 1)).map { Operation.write(pipe: $0 % pipes, size: 1 + $0 / pipes) }.eraseToAny(),
        Gen.int(in: 0...(3 * pipes - 1)).map { Operation.read(pipe: $0 % pipes, max: 1 + $0 / pipes) }.eraseToAny(),
        Gen.int(in: 0...(pipes * 2 * 5 * 6 - 1)).map { value in
            Operation.control(
                pipe: value % pipes, operation: [Epoll.Operation.add, .add, .add, .modify, .delete][(value / (pipes * 2)) % 5],
                end: (value / pipes) % 2 == 0 ? .read : .write, events: eventChoices[value / (pipes * 2 * 5)])
        }.eraseToAny(),
        Gen.int(in: 1...4).map { Operation.wait(maxEvents: $0) }.eraseToAny(),
        Gen.int(in: 1...2).map { Operation.wait(maxEvents: $0) }.eraseToAny())

    /// The kernel's run of `operations`, as a pipe-model trace.
    static func record(_ operations: [Operation]) throws -> Trace {
        var descriptors: [CInt] = []
        defer { for descriptor in descriptors { Glibc.close(descriptor) } }
        let instance = try KernelEpoll.create().rawValue
        descriptors.append(instance)
        var ends: [(read: CInt, write: CInt)] = []
        for _ in 0..<pipes {
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            descriptors += [readEnd.rawValue, writeEnd.rawValue]
            ends.append((readEnd.rawValue, writeEnd.rawValue))
        }
        let names = (0..<pipes).map { "p\($0)" }
        var objects = JSONObject()
        for name in names { objects[name] = ["capacity": .int(65536), "readers": [1], "writers": [1]] }
        var trace = Trace(header: Trace.Header(
            model: "pipe", parameters: ["pageSize": .int(4096), "objects": .object(objects)], mechanism: "kernel.pipe", seed: "0", strategy: "random"))
        func record(_ f: String, _ object: String, _ value: JSONValue?, _ outcome: Result<JSONValue?, Errno>) {
            let time = UInt64(trace.events.count * 100)
            trace.events.append(Trace.Event(index: trace.events.count, time: time, process: 1, type: .invoke, f: f, object: object, value: value))
            switch outcome {
            case .success(let result):
                trace.events.append(Trace.Event(index: trace.events.count, time: time + 50, process: 1, type: .ok, f: f, object: object, value: result))
            case .failure(let errno):
                trace.events.append(Trace.Event(index: trace.events.count, time: time + 50, process: 1, type: .fail, f: f, object: object, error: errno.name))
            }
        }
        for operation in operations {
            switch operation {
            case .write(let pipe, let size):
                let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: size)
                let written = bytes.withUnsafeBytes { Glibc.write(ends[pipe].write, $0.baseAddress, size) }
                let errno = Glibc.errno
                record("write", names[pipe], ["data": .string(String(repeating: "a", count: size)), "nonblocking": true],
                    written < 0 ? .failure(Errno(rawValue: errno)) : .success(["written": .int(written)]))
            case .read(let pipe, let max):
                var bytes = [UInt8](repeating: 0, count: max)
                let count = bytes.withUnsafeMutableBytes { Glibc.read(ends[pipe].read, $0.baseAddress, max) }
                let errno = Glibc.errno
                record("read", names[pipe], ["max": .int(max), "nonblocking": true],
                    count < 0 ? .failure(Errno(rawValue: errno)) : .success(["data": .string(String(repeating: "a", count: count))]))
            case .control(let pipe, let op, let end, let events):
                let descriptor = end == .read ? ends[pipe].read : ends[pipe].write
                let kernelOperation = op == .add ? KernelEpoll.add : op == .modify ? KernelEpoll.modify : KernelEpoll.delete
                let outcome: Result<JSONValue?, Errno>
                do {
                    try KernelEpoll.control(instance, kernelOperation, descriptor, events: KernelEpoll.Events(rawValue: UInt32(events.rawValue)))
                    outcome = .success(nil)
                } catch { outcome = .failure(error) }
                var value = JSONObject()
                value["op"] = .string(op.name)
                value["end"] = .string(end.rawValue)
                value["events"] = .array(events.names.map { .string($0) })
                record("epoll_ctl", names[pipe], .object(value), outcome)
            case .wait(let maxEvents):
                let outcome: Result<JSONValue?, Errno>
                do {
                    let reported = try KernelEpoll.wait(instance, maxEvents: maxEvents, timeoutMilliseconds: 0)
                    outcome = .success(["events": .array(reported.map { event in
                        let pipe = ends.firstIndex { $0.read == event.descriptor || $0.write == event.descriptor }!
                        let end = ends[pipe].read == event.descriptor ? "read" : "write"
                        return ["object": .string(names[pipe]), "end": .string(end),
                            "events": .array(Epoll.Events(rawValue: Int(event.events.rawValue)).names.map { .string($0) })]
                    })])
                } catch { outcome = .failure(error) }
                record("epoll_wait", names[0], ["maxevents": .int(maxEvents), "timeout": 0, "objects": .array(names.map { .string($0) })], outcome)
            }
        }
        return trace
    }

    /// The trace with its first wait that reported something changed as a wrong belief would have it: one event
    /// dropped from a wait that returned fewer than `maxevents` (the walk was not cut, so every ready one must be
    /// there), or, from one that filled it, an event of a registration it did not report added (one too many). Nil
    /// when no wait reported anything.
    static func mutated(_ trace: Trace) -> Trace? {
        var trace = trace
        for index in trace.events.indices where trace.events[index].type == .ok && trace.events[index].f == "epoll_wait" {
            guard case .array(var events)? = trace.events[index].value?["events"], !events.isEmpty,
                case .integer(let maxEvents)? = trace.events[index - 1].value?["maxevents"]
            else { continue }
            if events.count < maxEvents {
                events.removeFirst()
            } else {
                events.append(events[0])  // one more than maxevents (a duplicate the model cannot give either)
            }
            trace.events[index].value = ["events": .array(events)]
            return trace
        }
        return nil
    }

    @Test func theKernelsRunsAreAcceptedAndWrongReportsRejected() async throws {
        Syscall.ignoreBrokenPipeSignal()
        let changed = Mutex(0)
        let reordered = Mutex((tried: 0, rejected: 0))
        await checkProperty(count: 60, input: Self.operations.array(of: 20...60)) { operations in
            do {
                let trace = try Self.record(operations)
                var report = try TraceChecker.check(trace)
                if report.result != .ok {  // a disagreement counts only when a second run repeats it
                    report = try TraceChecker.check(try Self.record(operations))
                }
                #expect(report.result == .ok, "\(operations): \(report.explanation)")
                if let wrong = Self.mutated(trace) {
                    #expect(try TraceChecker.check(wrong).result == .violation, "\(operations): a changed report accepted")
                    changed.withLock { $0 += 1 }
                }
                // The same reports in another order: each pipe's share is unchanged (its model accepts it), so only
                // the ready list's order can reject it — where the trace shows that order.
                for wrong in Self.reordered(trace) where report.result == .ok {
                    if try TraceChecker.check(wrong).result == .violation { reordered.withLock { $0.rejected += 1 } }
                    reordered.withLock { $0.tried += 1 }
                }
            } catch {
                Issue.record("\(operations): \(error)")
            }
        }
        #expect(changed.withLock { $0 } > 20)
        let (tried, rejected) = reordered.withLock { $0 }
        #expect(rejected == tried, "reordered reports: \(rejected) of \(tried) rejected")
    }

    /// Sequences on the three pipes' read ends only (level-triggered, `EPOLLET`, `EPOLLONESHOT`), whose readiness the
    /// trace shows: the order of every wait's reports is judged (``EpollReadyOrder``). The kernel's runs must be
    /// accepted; each with two neighbouring reports swapped — each pipe's share unchanged — rejected.
    static let readEndOperations = Gen.oneOf(
        Gen.int(in: 0...(2 * pipes - 1)).map { Operation.write(pipe: $0 % pipes, size: 1 + $0 / pipes) }.eraseToAny(),
        Gen.int(in: 0...(2 * pipes - 1)).map { Operation.read(pipe: $0 % pipes, max: 1 + $0 / pipes) }.eraseToAny(),
        Gen.int(in: 0...(pipes * 5 * 3 - 1)).map { value in
            Operation.control(
                pipe: value % pipes, operation: [Epoll.Operation.add, .add, .add, .modify, .delete][(value / pipes) % 5],
                end: .read, events: eventChoices[value / (pipes * 5)])
        }.eraseToAny(),
        Gen.int(in: 1...3).map { Operation.wait(maxEvents: $0) }.eraseToAny(),
        Gen.int(in: 0...(pipes - 1)).map { Operation.write(pipe: $0, size: 1) }.eraseToAny(),
        Gen.int(in: 2...3).map { Operation.wait(maxEvents: $0) }.eraseToAny())

    @Test func theOrderOfReportsAcrossPipesIsJudged() async throws {
        let reordered = Mutex((tried: 0, rejected: 0))
        await checkProperty(count: 60, input: Self.readEndOperations.array(of: 20...60)) { operations in
            do {
                let trace = try Self.record(operations)
                var report = try TraceChecker.check(trace)
                if report.result != .ok {  // a disagreement counts only when a second run repeats it
                    report = try TraceChecker.check(try Self.record(operations))
                }
                #expect(report.result == .ok, "\(operations): \(report.explanation)")
                guard report.result == .ok else { return }
                for wrong in Self.reordered(trace) {
                    let result = try TraceChecker.check(wrong).result
                    #expect(result == .violation, "\(operations): reordered reports accepted")
                    reordered.withLock { $0.tried += 1; if result == .violation { $0.rejected += 1 } }
                }
            } catch {
                Issue.record("\(operations): \(error)")
            }
        }
        #expect(reordered.withLock { $0.tried } > 20)
    }

    /// The trace with one wait's report reordered — two neighbouring events naming read ends swapped (a write end's
    /// readiness is not followed, so its place may be allowed) — for each such pair (one trace each).
    static func reordered(_ trace: Trace) -> [Trace] {
        var traces: [Trace] = []
        for index in trace.events.indices where trace.events[index].type == .ok && trace.events[index].f == "epoll_wait" {
            guard case .array(let events)? = trace.events[index].value?["events"], events.count >= 2 else { continue }
            for first in 0..<(events.count - 1) where events[first]["end"] == "read" && events[first + 1]["end"] == "read" {
                var swapped = events
                swapped.swapAt(first, first + 1)
                var wrong = trace
                wrong.events[index].value = ["events": .array(swapped)]
                traces.append(wrong)
            }
        }
        return traces
    }

    /// What the split refuses, each with a line-naming error (exit 2), never a verdict: a several-object wait that
    /// ends indeterminate (`info`) or never completes, an event naming an object the wait does not list, and a wait
    /// whose `"object"` is not among its `"objects"`, and a `maxevents` beyond an `int`.
    @Test func theSplitRefusesWhatItCannotShare() throws {
        func trace(
            object: String = "p0", objects: [String] = ["p0", "p1"], completion: Trace.EventType?, reported: [JSONValue] = [],
            maxEvents: Int64 = 2
        ) -> Trace {
            var objectsParameter = JSONObject()
            for name in ["p0", "p1"] { objectsParameter[name] = ["capacity": .int(65536), "readers": [1], "writers": [1]] }
            var trace = Trace(header: Trace.Header(
                model: "pipe", parameters: ["pageSize": .int(4096), "objects": .object(objectsParameter)], mechanism: "hand-written", seed: "0", strategy: "random"))
            let value: JSONValue = ["maxevents": .integer(maxEvents), "timeout": 0, "objects": .array(objects.map { .string($0) })]
            trace.events.append(Trace.Event(index: 0, time: 100, process: 1, type: .invoke, f: "epoll_wait", object: object, value: value))
            if let completion {
                trace.events.append(Trace.Event(
                    index: 1, time: 200, process: 1, type: completion, f: "epoll_wait", object: object,
                    value: completion == .ok ? ["events": .array(reported)] : nil))
            }
            return trace
        }
        #expect(try TraceChecker.check(trace(completion: .ok)).result == .ok)
        for refused in [
            trace(completion: .info), trace(completion: nil), trace(object: "p1", objects: ["p0"], completion: .ok),
            trace(objects: ["p0"], completion: .ok, reported: [["object": "p1", "end": "read", "events": ["EPOLLIN"]]]),
            trace(completion: .ok, reported: [["end": "read", "events": ["EPOLLIN"]]]),
            // Not an int: the room left for each object is computed from it (this once trapped on overflow).
            trace(completion: .ok, reported: [["object": "p0", "end": "write", "events": ["EPOLLOUT"]]], maxEvents: .min),
            trace(completion: .ok, reported: [["object": "p0", "end": "write", "events": ["EPOLLOUT"]]], maxEvents: 1 << 31),
        ] {
            #expect(throws: TraceError.self) { try TraceChecker.check(refused) }
        }
    }
}
