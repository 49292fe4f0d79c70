import Foundation
import IPCHarness
import IPCModels
import Testing

/// `check`, `report`, `replay` and `shrink` read a trace with one reader and one set of rules (``TraceInput``):
/// what one refuses, each refuses, naming the same file and line; nothing read from a file reaches a precondition.
@Suite struct TraceInputTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let ringTrace = root.appendingPathComponent("traces/spsc-ring-reads-slot-before-it-is-written.jsonl").path

    func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func write(_ lines: [String], name: String) throws -> String {
        let path = NSTemporaryDirectory() + "ipc-harness-input-\(getpid())-\(name).jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Every way a command reads the file refuses it with `path:line: message`.
    func expectRefused(
        _ path: String, line: Int, containing text: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let prefix = "\(path):\(line): "
        var messages: [String] = []
        do { _ = try TraceInput.check(path: path) } catch { messages.append("\(error)") }
        do { _ = try TraceInput.load(path: path) } catch { messages.append("\(error)") }
        do { try TraceReport.writeHTML(trace: path, to: path + ".html", budget: .standard) } catch {
            messages.append("\(error)")
        }
        do {
            _ = try Replayer.replay(path: path, worker: WorkerCommand(path: "/bin/false"), checkBudget: .standard)
        } catch { messages.append("\(error)") }
        #expect(messages.count == 4, "not refused by every reader: \(messages)", sourceLocation: sourceLocation)
        for message in messages {
            #expect(
                message.hasPrefix(prefix) && message.contains(text) && !message.contains("\n"), "\(message)",
                sourceLocation: sourceLocation)
        }
    }

    /// Item 1: a simulated send larger than the construction's slot reached `SharedRing.Send`'s precondition in
    /// `replay` and `shrink` (SIGILL), while `check` took it for an ordinary violation.
    @Test(arguments: [40, 4_100])
    func aMessageLargerThanTheSlotIsRefusedAtItsLine(size: Int) throws {
        var trace = try lines(Self.ringTrace)
        let line = try #require(trace.firstIndex { $0.contains(#""data":"<""#) })
        trace[line] = trace[line].replacingOccurrences(
            of: #""data":"<""#, with: #""data":""# + String(repeating: "D", count: size) + #"""#)
        let path = try write(trace, name: "oversized-\(size)")
        defer { unlink(path) }
        expectRefused(path, line: line + 1, containing: "does not fit the construction's slots of 24 bytes")
    }

    /// Found in review: only simulation traces were held to the construction's slots, so a real-mode trace edited to
    /// send a larger message reached the ring's precondition in the worker — and `replay` reported the trap as a
    /// crash of the code under test. Every reader refuses it at its line, and the real driver refuses such a workload
    /// before it starts a worker.
    @Test func aRealModeMessageLargerThanTheSlotIsRefusedAtItsLine() throws {
        let worker = try WorkerLocator.workerCommand()
        let scenario = try #require(Scenarios.named("spsc-ring"))
        let recorded = try ScenarioRunner.runOnce(
            scenario, seed: 8, strategy: .random, worker: worker, checkBudget: .standard, mode: .real)
        #expect(recorded.trace.header.mode == "real")
        let original = try write([], name: "real-ring")
        defer { unlink(original) }
        try recorded.trace.write(to: original)
        var trace = try lines(original)
        let line = try #require(trace.firstIndex { $0.contains(#""type":"invoke""#) && $0.contains(#""f":"send""#) })
        let edited = try #require(trace[line].firstMatch(of: /"data":"[^"]*"/))
        trace[line].replaceSubrange(edited.range, with: #""data":""# + String(repeating: "D", count: 40) + #"""#)
        let path = try write(trace, name: "real-oversized")
        defer { unlink(path) }
        expectRefused(path, line: line + 1, containing: "does not fit the construction's slots of 24 bytes")
    }

    @Test func aSetupWithNoRoomForAnyMessageIsRefusedAtTheFirstSend() throws {
        var trace = try lines(Self.ringTrace)
        trace[0] = trace[0].replacingOccurrences(of: #""maximumMessage":24"#, with: #""maximumMessage":0"#)
        let line = try #require(trace.firstIndex { $0.contains(#""data":"<""#) })
        let path = try write(trace, name: "no-room")
        defer { unlink(path) }
        expectRefused(path, line: line + 1, containing: "slots of 0 bytes")
    }

    /// Item 3: `report` re-serialised the trace before checking it, and wrote `21.0` back as `21`, an integer, so it
    /// drew what `check` refused.
    @Test(arguments: ["21.0", "-0.0", "2.1e1"])
    func anIntegerWrittenAsANumberIsRefusedByEveryReader(number: String) throws {
        var trace = try lines(Self.ringTrace)
        let line = try #require(trace.firstIndex { $0.contains(#""index":1,"#) })
        trace[line] = trace[line].replacingOccurrences(of: #""time":0"#, with: #""time":\#(number)"#)
        let path = try write(trace, name: "number-\(number)")
        defer { unlink(path) }
        expectRefused(path, line: line + 1, containing: "'time' must be an integer")
    }

    @Test func numbersRoundTripAsNumbers() throws {
        for value in [21.0, -0.0, 0.25, 1e20, 5e-324] {
            let text = JSONValue.number(value).serialized()
            #expect(try JSONParser.parse(text) == .number(value), "\(String(decoding: text, as: UTF8.self))")
        }
    }

    /// Item 4: what the format documents is validated: header fields, names, value shapes and processes.
    @Test(arguments: [
        (0, #""seed":"2465029493094181333""#, #""seed":"x1""#, "seed must be a decimal"),
        (0, #""strategy":"random""#, #""strategy":"chaos""#, "unknown strategy"),
        (0, #""mode":"sim""#, #""mode":"dream""#, "mode must be"),
        (0, #""mode":"sim","#, "", "its mode is missing"),
        (0, #""faults":{"kinds":["kill"]}"#, #""faults":{"kinds":["gremlins"]}"#, "unknown fault kind"),
        (0, #""faults":{"kinds":["kill"]}"#, #""faults":[]"#, "faults must be an object"),
        (0, #""faults":{"kinds":["kill"]}"#, #""faults":{"kinds":[],"rate":7}"#, "faults.rate"),
        (0, #""scenario":"spsc-ring-broken""#, #""scenario":7"#, "must be a string"),
        (0, #"{"id":2,"#, #"{"id":0,"#, "process numbers from 1"),
    ])
    func aBadHeaderIsRefusedOnLineOne(field: Int, original: String, replacement: String, message: String) throws {
        var trace = try lines(Self.ringTrace)
        #expect(trace[field].contains(original))
        trace[field] = trace[field].replacingOccurrences(of: original, with: replacement)
        let path = try write(trace, name: "header-\(message.hashValue)")
        defer { unlink(path) }
        expectRefused(path, line: 1, containing: message)
    }

    static let ackTrace = root.appendingPathComponent("traces/ack-queue-loses-unacked-on-kill.jsonl").path

    @Test(arguments: [
        (ringTrace, #""process":1,"type":"invoke""#, #""process":0,"type":"invoke""#, "outside 1...1000000"),
        (
            ringTrace, #""process":1,"type":"invoke""#, #""process":7,"type":"invoke""#,
            "not one of the header's processes"
        ),
        (ackTrace, #""point":"before""#, #""point":"sideways""#, "unknown kill point"),
        (ackTrace, #""signal":"SIGKILL","point""#, #""signal":"SIGFOO","point""#, "unknown signal name"),
        (
            ringTrace, #""type":"exit","value":{"code":0}"#, #""type":"exit","value":{"code":"zero"}"#,
            "an exit's value must be"
        ),
        (ringTrace, #""type":"exit","value":{"code":0}"#, #""type":"exit","value":[]"#, "an exit's value must be"),
        (ringTrace, #""value":{"enabled":[1,2],"#, #""value":{"enabled":"all","#, "'enabled' must be an array"),
        (
            ackTrace, #""type":"spawn","value":{"pid":"#, #""type":"spawn","value":{"pid":-"#,
            "pid must be a positive integer"
        ),
    ])
    func aBadEventIsRefusedAtItsLine(file: String, original: String, replacement: String, message: String) throws {
        var trace = try lines(file)
        let line = try #require(trace.firstIndex { $0.contains(original) })
        trace[line] = trace[line].replacingOccurrences(of: original, with: replacement)
        let path = try write(trace, name: "event-\(UUID().uuidString)")  // cases may share a message: a name of its own each
        defer { unlink(path) }
        expectRefused(path, line: line + 1, containing: message)
    }

    @Test func anUnknownErrnoAndEventsOfAProcessThatNeverSpawnedAreRefused() throws {
        let realTrace = Self.root.appendingPathComponent("traces/pipe-reorders-newest-first.jsonl").path
        var trace = try lines(realTrace)
        // The first spawn removed (and indices shifted): process 1's later events have no spawn before them.
        let spawn = try #require(trace.firstIndex { $0.contains(#""type":"spawn""#) })
        trace.remove(at: spawn)
        for line in spawn..<trace.count where trace[line].hasPrefix(#"{"index":"#) {
            let index = line - 1
            trace[line] = trace[line].replacingOccurrences(
                of: #"{"index":\#(index + 1),"#, with: #"{"index":\#(index),"#)
        }
        let path = try write(trace, name: "unspawned")
        defer { unlink(path) }
        let first = try #require(trace.firstIndex { $0.contains(#""process":1,"#) && !$0.contains("spawn") })
        expectRefused(path, line: first + 1, containing: "never spawned")

        var failing = try lines(realTrace)
        let fail = try #require(failing.firstIndex { $0.contains(#""type":"ok""#) })
        failing[fail] =
            failing[fail].replacingOccurrences(of: #""type":"ok""#, with: #""type":"fail""#)
            .replacingOccurrences(of: #","value":{"written":1}"#, with: "") + ""
        failing[fail] = String(failing[fail].dropLast()) + #","error":"EWHATEVER"}"#
        let failPath = try write(failing, name: "errno")
        defer { unlink(failPath) }
        expectRefused(failPath, line: fail + 1, containing: "unknown errno name")
    }

    /// Found by mutation: a workload process whose holds were not an object held nothing, so its worker refused every
    /// operation in `replay` while `check` judged them.
    @Test func aWorkloadProcessWithoutItsHoldingsIsRefusedOnLineOne() throws {
        var trace = try lines(Self.root.appendingPathComponent("traces/pipe-reorders-newest-first.jsonl").path)
        trace[0] = trace[0].replacingOccurrences(
            of: #"{"id":3,"holds":{"p0":["read"]}}"#, with: #"{"id":3,"holds":null}"#)
        let path = try write(trace, name: "holds")
        defer { unlink(path) }
        expectRefused(path, line: 1, containing: "the workload's process 3 needs 'holds'")
    }
}
