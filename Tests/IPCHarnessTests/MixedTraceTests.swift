import Foundation
import IPCHarness
import IPCModels
import Testing

/// A trace of several models (`"model": "mixed"`) checks each part with its own model and gives one verdict; a
/// header's `notChecked` is reported, and never lets a check of nothing say ok.
@Suite struct MixedTraceTests {
    static let header = #"{"format":"ipc-trace","version":1,"model":"mixed","params":{"parts":{"pipe":{"objects":{"p0":{"readers":[2],"writers":[1]}}},"posix-mq":{"objects":{"q0":{"maxMessages":4,"messageSize":64,"holders":[1,2]}}}}},"mechanism":"imported.test","seed":"0","strategy":"imported","harness":"0.1.0"}"#
    static let events = [
        #"{"index":0,"time":10,"process":1,"type":"invoke","f":"write","object":"p0","value":{"data":"ab"}}"#,
        #"{"index":1,"time":20,"process":1,"type":"ok","f":"write","object":"p0","value":{"written":2}}"#,
        #"{"index":2,"time":30,"process":1,"type":"invoke","f":"send","object":"q0","value":{"data":"m1","priority":1}}"#,
        #"{"index":3,"time":40,"process":1,"type":"ok","f":"send","object":"q0"}"#,
        #"{"index":4,"time":50,"process":2,"type":"invoke","f":"read","object":"p0","value":{"max":5}}"#,
        #"{"index":5,"time":60,"process":2,"type":"ok","f":"read","object":"p0","value":{"data":"ab"}}"#,
        #"{"index":6,"time":70,"process":2,"type":"invoke","f":"receive","object":"q0","value":{"max":64}}"#,
        #"{"index":7,"time":80,"process":2,"type":"ok","f":"receive","object":"q0","value":{"data":"m1","priority":1}}"#,
        #"{"index":8,"time":90,"process":1,"type":"exit","value":{"code":0}}"#,
        #"{"index":9,"time":100,"process":2,"type":"invoke","f":"read","object":"p0","value":{"max":5}}"#,
        #"{"index":10,"time":110,"process":2,"type":"ok","f":"read","object":"p0","value":{"data":""}}"#,
    ]
    static let good = ([header] + events).joined(separator: "\n") + "\n"

    static func trace(_ text: String) throws -> Trace { try Trace.parse(Array(text.utf8), name: "mixed.jsonl") }

    static func check(_ text: String) throws -> CheckReport { try TraceChecker.check(trace(text), name: "mixed.jsonl") }

    @Test func aPipeAndAQueueEachAllowedByTheirModel() throws {
        let report = try Self.check(Self.good)
        #expect(report.result == .ok, "\(report.explanation)")
        #expect(report.objects.map(\.object) == ["p0", "q0"])
        #expect(report.objects.map(\.operationCount) == [3, 2])
        #expect(report.model == "mixed (pipe, posix-mq)")
        // The writer's exit (an event without an object) reached the pipe's part: the last read saw end of file.
        try TraceInput.validate(Self.trace(Self.good), name: "mixed.jsonl")
    }

    @Test func eachPartIsATraceOfItsModelNumberedAsTheMixedTrace() throws {
        let parts = try MixedTrace.split(Self.trace(Self.good), name: "mixed.jsonl")
        #expect(parts.map(\.part.model) == ["pipe", "posix-mq"])
        #expect(parts.map(\.trace.header.model) == ["pipe", "posix-mq"])
        let queue = parts[1].trace
        #expect(queue.events.map(\.index) == Array(0...10))
        #expect(queue.events.filter { $0.object != nil }.map(\.object) == ["q0", "q0", "q0", "q0"])
        #expect(queue.events.filter { $0.type == .schedule }.map(\.index) == [0, 1, 4, 5, 9, 10])
        #expect(queue.events[8].type == .exit)
    }

    @Test func aViolationInOnePartIsTheVerdictAndNamesItsObject() throws {
        let bad = Self.good.replacingOccurrences(of: #""ok","f":"receive","object":"q0","value":{"data":"m1""#, with: #""ok","f":"receive","object":"q0","value":{"data":"m2""#)
        #expect(bad != Self.good)
        let report = try Self.check(bad)
        #expect(report.result == .violation)
        #expect(report.objects.map(\.result) == [.ok, .violation])
        #expect(report.explanation.hasPrefix("object q0:"), "\(report.explanation)")
        // Indices and lines are the mixed trace's own.
        #expect(report.verdict.extra["operations"] == [6])
        #expect(report.explanation.contains("[lines 8–9]"), "\(report.explanation)")
    }

    @Test(arguments: [
        (
            #"{"pipe":{"objects":{"p0":{"readers":[2],"writers":[1]}}},"posix-mq":{"objects":{"p0":{"maxMessages":4,"messageSize":64}}}}"#,
            "object 'p0' is declared by two parts, pipe and posix-mq"
        ),
        (#""pipe""#, "a mixed trace's params need 'parts'"),
        (#"{"mixed":{"parts":{}}}"#, "a part of a mixed trace cannot itself be mixed"),
        (#"{"teapot":{"objects":{}}}"#, "unknown model 'teapot'"),
        (#"{"pipe":{"objects":{"p0":{"readers":"all"}}}}"#, "the header's params do not fit the pipe model"),
    ])
    func aBadMixedHeaderIsRefusedOnLineOne(parts: String, message: String) throws {
        let header = Self.header.replacing(
            #/"parts":\{.*\}\}\}\}\},"mechanism"/#, with: #""parts":\#(parts)},"mechanism""#)
        #expect(header != Self.header)
        #expect {
            _ = try Self.check(header + "\n")
        } throws: { error in
            guard let error = error as? TraceError else { return false }
            return error.path == "mixed.jsonl" && error.line == 1 && error.message.hasPrefix(message)
        }
    }

    @Test func anObjectNoPartDeclaresAndOperationsOpenOnTwoPartsAtOnceAreRefused() throws {
        let stranger = Self.good.replacingOccurrences(of: #""object":"q0","value":{"data":"m1","priority":1}}"#, with: #""object":"q9","value":{"data":"m1","priority":1}}"#)
        #expect(throws: TraceError(path: "mixed.jsonl", line: 4, "object 'q9' is not declared by any part of the header's params (declared: p0, q0)")) {
            try Self.check(stranger)
        }
        var lines = [Self.header] + Self.events.prefix(1)
        lines.append(#"{"index":1,"time":30,"process":1,"type":"invoke","f":"send","object":"q0","value":{"data":"m1","priority":1}}"#)
        #expect {
            _ = try Self.check(lines.joined(separator: "\n"))
        } throws: { error in
            (error as? TraceError)?.line == 3 && "\(error)".contains("while its operation on p0 invoked at line 2 has not completed")
        }
    }

    // MARK: notChecked

    @Test func whatWasNotCheckedIsReportedBesideTheVerdict() throws {
        let noted = Self.good.replacingOccurrences(of: #""harness":"0.1.0"}"#, with: #""harness":"0.1.0","notChecked":["ioctl(3, FIONREAD) by process 2","a futex"]}"#)
        #expect(noted != Self.good)
        let report = try Self.check(noted)
        #expect(report.result == .ok)
        #expect(report.notChecked == ["ioctl(3, FIONREAD) by process 2", "a futex"])
        #expect(report.explanation.hasSuffix("\nNOT CHECKED: ioctl(3, FIONREAD) by process 2\nNOT CHECKED: a futex"), "\(report.explanation)")
        let bad = noted.replacingOccurrences(of: #""receive","object":"q0","value":{"data":"m1""#, with: #""receive","object":"q0","value":{"data":"m2""#)
        #expect(try Self.check(bad).result == .violation)
    }

    @Test func aTraceThatChecksNothingButSawSomethingIsNeverOK() throws {
        let empty = #"{"format":"ipc-trace","version":1,"model":"pipe","params":{"objects":{}},"mechanism":"imported.test","seed":"0","strategy":"imported","harness":"0.1.0"}"#
        #expect(try Self.check(empty).result == .ok)
        let sawSomething = empty.replacingOccurrences(of: #""harness":"0.1.0"}"#, with: #""harness":"0.1.0","notChecked":["semop on a System V set"]}"#)
        let report = try Self.check(sawSomething)
        #expect(report.result == .unknown)
        #expect(report.explanation == "undecided: no operation was checked\nNOT CHECKED: semop on a System V set")
        #expect(report.verdict.result == .unknown)
    }

    @Test func aMixedTraceOfNoPartsIsNeverOK() throws {
        let none = #"{"format":"ipc-trace","version":1,"model":"mixed","params":{"parts":{}},"mechanism":"imported.test","seed":"0","strategy":"imported","harness":"0.1.0"}"#
        #expect(try Self.check(none).result == .unknown)
        let noted = none.replacingOccurrences(of: #""harness":"0.1.0"}"#, with: #""harness":"0.1.0","notChecked":["a futex"]}"#)
        let report = try Self.check(noted)
        #expect(report.result == .unknown)
        #expect(report.notChecked == ["a futex"])
    }

    @Test func notCheckedMustBeAListOfReasons() throws {
        let wrong = Self.good.replacingOccurrences(of: #""harness":"0.1.0"}"#, with: #""harness":"0.1.0","notChecked":"ioctl"}"#)
        #expect {
            _ = try Self.check(wrong)
        } throws: { error in
            (error as? TraceError)?.line == 1 && "\(error)".contains("notChecked must be an array of strings")
        }
    }
}
