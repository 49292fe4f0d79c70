import Foundation
import IPCHarness
import IPCModels
import Testing

/// The outstanding-invoke rule per thread (traces/README.md, "Malformed traces"): where the model reads a process's
/// threads (the signal model's `"thread"`), each thread has its own call outstanding, and a completion says whose it
/// is when two are; anything else is refused with its line, never guessed.
@Suite struct ThreadOutstandingInvokeTests {
    static let header = #"{"format":"ipc-trace","version":1,"model":"signal","params":{"objects":{"sig1":{"receiver":1}}},"mechanism":"hand-written","seed":"1","strategy":"random","harness":"0.1.0"}"#
    /// t2 asleep in `sigwaitinfo` while the main thread kills the process.
    static let overlapping = [
        #"{"index":0,"time":100,"process":1,"type":"invoke","f":"pthread_create","object":"sig1","value":{"thread":"t2"}}"#,
        #"{"index":1,"time":200,"process":1,"type":"ok","f":"pthread_create","object":"sig1"}"#,
        #"{"index":2,"time":300,"process":1,"type":"invoke","f":"wait","object":"sig1","value":{"signals":["SIGUSR1"],"thread":"t2"}}"#,
        #"{"index":3,"time":400,"process":1,"type":"invoke","f":"kill","object":"sig1","value":{"signal":"SIGUSR1"}}"#,
    ]
    static let killDone = #"{"index":4,"time":500,"process":1,"type":"ok","f":"kill","object":"sig1","thread":"main"}"#
    static let waitDone = #"{"index":5,"time":600,"process":1,"type":"ok","f":"wait","object":"sig1","value":{"signal":"SIGUSR1","code":"SI_USER","sender":1},"thread":"t2"}"#

    func check(_ events: [String]) throws(TraceError) -> CheckReport {
        let text = ([Self.header] + events).joined(separator: "\n") + "\n"
        return try TraceChecker.check(Trace.parse(Array(text.utf8), name: "t.jsonl"), name: "t.jsonl")
    }

    func refusal(_ events: [String]) -> TraceError? {
        do {
            _ = try check(events)
            return nil
        } catch {
            return error
        }
    }

    @Test func twoThreadsCallsOverlapAndEachCompletionFindsItsOwn() throws {
        #expect(try check(Self.overlapping + [Self.killDone, Self.waitDone]).result == .ok)
        // The sleeper may complete first too: it took the kill's signal inside its interval.
        let waitFirst = Self.waitDone.replacingOccurrences(of: #""index":5,"time":600"#, with: #""index":4,"time":500"#)
        let killSecond = Self.killDone.replacingOccurrences(of: #""index":4,"time":500"#, with: #""index":5,"time":600"#)
        #expect(try check(Self.overlapping + [waitFirst, killSecond]).result == .ok)
    }

    @Test func aWrongThreadsCompletionIsAViolationNotAMatch() throws {
        // t2 reporting a signal nobody sent it: the model, not the matching, rejects it.
        let wrong = Self.waitDone.replacingOccurrences(of: "SI_USER", with: "SI_TKILL")
        #expect(try check(Self.overlapping + [Self.killDone, wrong]).result == .violation)
    }

    @Test(arguments: [
        (#"{"index":4,"time":500,"process":1,"type":"ok","f":"kill","object":"sig1"}"#, 6, "names no thread, but its threads main, t2 each have an operation outstanding"),
        (#"{"index":4,"time":500,"process":1,"type":"ok","f":"kill","object":"sig1","thread":"t3"}"#, 6, "ok for process 1's thread t3 without a preceding invoke"),
        (#"{"index":4,"time":500,"process":1,"type":"ok","f":"wait","object":"sig1","thread":"main"}"#, 6, "ok of 'wait' does not match the invoke of 'kill' at line 5"),
        (#"{"index":4,"time":500,"process":1,"type":"invoke","f":"wait","object":"sig1","value":{"signals":["SIGUSR1"],"timeout":0,"thread":"t2"}}"#, 6, "process 1's thread t2 invokes 'wait' while its operation invoked at line 4 has not completed"),
        (#"{"index":4,"time":500,"process":1,"type":"invoke","f":"pending","object":"sig1"}"#, 6, "process 1 invokes 'pending' while its operation invoked at line 5 has not completed"),
        (#"{"index":4,"time":500,"process":1,"type":"ok","f":"kill","object":"sig1","thread":""}"#, 6, "a completion's 'thread' must name the thread"),
        (#"{"index":4,"time":500,"process":1,"type":"invoke","f":"pending","object":"sig1","thread":"t2"}"#, 6, "an invoke names its thread in its value"),
    ])
    func whatCannotBeMatchedIsRefusedWithItsLine(event: String, line: Int, message: String) {
        let error = refusal(Self.overlapping + [event])
        #expect(error?.line == line, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func aModelWithoutThreadsKnowsNoThreadOfACompletion() {
        let pipe = #"{"format":"ipc-trace","version":1,"model":"pipe","params":{"objects":{"p0":{"readers":[2],"writers":[1]}}},"mechanism":"kernel.pipe","seed":"1","strategy":"random","harness":"0.1.0"}"#
        let text = [
            pipe,
            #"{"index":0,"time":10,"process":1,"type":"invoke","f":"write","object":"p0","value":{"data":"hi"}}"#,
            #"{"index":1,"time":20,"process":1,"type":"ok","f":"write","object":"p0","value":{"written":2},"thread":"t2"}"#,
        ].joined(separator: "\n") + "\n"
        #expect(throws: TraceError.self) { try TraceChecker.check(Trace.parse(Array(text.utf8), name: "t.jsonl"), name: "t.jsonl") }
    }
}
