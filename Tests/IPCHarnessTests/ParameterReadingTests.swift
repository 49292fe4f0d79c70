import IPCHarness
import IPCModels
import Testing

/// A built-in model refuses a `params` member it never asks for, at the top level and in an object's set-up, instead
/// of judging the trace as if it were not there (see `ParameterReading`).
@Suite struct ParameterReadingTests {
    static func trace(model: String, _ parameters: JSONValue) -> Trace {
        Trace(header: Trace.Header(model: model, parameters: parameters, mechanism: "hand-written", seed: "0", strategy: "random"))
    }

    static let pipe: JSONValue = ["objects": ["p0": ["readers": [2], "writers": [1]]]]

    @Test func theSpeltParamsAreRead() throws {
        try TraceChecker.validate(Self.trace(model: "pipe", Self.pipe))
        try TraceChecker.validate(Self.trace(model: "signal", ["objects": ["s0": ["receiver": 2, "queueLimit": 3]]]))
    }

    @Test func aMisspeltSetUpMemberIsRefusedNamingIt() {
        #expect {
            try TraceChecker.validate(Self.trace(model: "pipe", ["objects": ["p0": ["readers": [2], "writers": [1], "capacty": 4096]]]))
        } throws: { error in
            "\(error)".contains("params has 'capacty' in object p0's set-up, which this model does not know")
        }
        #expect {
            try TraceChecker.validate(Self.trace(model: "signal", ["objects": ["s0": ["receiver": 2, "queueLimt": 3]]]))
        } throws: { error in
            "\(error)".contains("'queueLimt' in object s0's set-up")
        }
    }

    @Test func aMemberAtTheTopThatNoModelCodeAsksForIsRefused() {
        var parameters = Self.pipe
        if case .object(var object) = parameters { object["pageSise"] = 4096; parameters = .object(object) }
        #expect {
            try TraceChecker.validate(Self.trace(model: "pipe", parameters))
        } throws: { error in
            "\(error)".contains("params has the member 'pageSise', which this model does not know")
        }
    }

    @Test func aMemberMeantForAnotherModelIsRefused() throws {
        // `sharedEpoll` is the pipe's, the eventfd's and the FIFO's; the semaphore model has no word for it.
        try TraceChecker.validate(Self.trace(model: "posix-sem", ["objects": ["s0": ["value": 1, "named": true]]]))
        #expect {
            try TraceChecker.validate(Self.trace(model: "posix-sem", ["objects": ["s0": ["value": 1, "named": true, "sharedEpoll": [[1, 2]]]]]))
        } throws: { error in
            "\(error)".contains("'sharedEpoll' in object s0's set-up")
        }
    }

    @Test func aMixedTracesPartIsReadAsStrictly() {
        #expect {
            try TraceChecker.validate(Self.trace(model: "mixed", ["parts": ["pipe": ["objects": ["p0": ["readers": [2], "writers": [1], "writerz": [1]]]]]]))
        } throws: { error in
            "\(error)".contains("'writerz' in object p0's set-up")
        }
    }
}
