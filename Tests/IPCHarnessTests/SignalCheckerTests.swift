import IPCHarness
import Testing

/// Hand-written signal histories: each forbidden one beside an allowed one.
@Suite struct SignalCheckerTests {
    func receiver() -> ModelTraceBuilder {
        ModelTraceBuilder(model: "signal", params: #"{"objects":{"sig1":{"receiver":1}}}"#)
    }

    let waitPoll = #"{"signals":["SIGUSR2","SIGRTMIN+1","SIGRTMIN+2"],"timeout":0}"#

    @Test func aStandardSignalSentFiveTimesWhilePendingIsDeliveredOnceWithTheFirstSendersDetails() throws {
        func trace(_ second: (inout ModelTraceBuilder) -> Void, first sender: Int = 2) -> ModelTraceBuilder {
            var trace = receiver()
            for process in [2, 3, 2, 3, 2] { trace.call(process, "kill", "sig1", #"{"signal":"SIGUSR2"}"#) }
            trace.call(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGUSR2","code":"SI_USER","sender":\#(sender)}"#)
            second(&trace)
            return trace
        }
        #expect(try trace({ $0.call(1, "wait", "sig1", waitPoll, error: "EAGAIN") }).check().result == .ok)
        let twice = trace({ $0.call(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGUSR2","code":"SI_USER","sender":2}"#) })
        #expect(try twice.check().result == .violation)
        let lastSender = trace({ $0.call(1, "wait", "sig1", waitPoll, error: "EAGAIN") }, first: 3)
        #expect(try lastSender.check().result == .violation)
    }

    @Test func realTimeSignalsQueueInOrderWithTheirValues() throws {
        func trace(_ order: [Int]) -> ModelTraceBuilder {
            var trace = receiver()
            for value in 1...5 { trace.call(2, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+1","value":\#(value)}"#) }
            for value in order {
                trace.call(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":2,"value":\#(value)}"#)
            }
            return trace
        }
        #expect(try trace([1, 2, 3, 4, 5]).check().result == .ok)
        #expect(try trace([1, 3, 2, 4, 5]).check().result == .violation)
    }

    @Test func theLowestPendingNumberComesFirst() throws {
        func trace(first: String, then: String) -> ModelTraceBuilder {
            var trace = receiver()
            trace.call(2, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+2","value":7}"#)
            trace.call(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#)
            trace.call(1, "wait", "sig1", waitPoll, ok: first)
            trace.call(1, "wait", "sig1", waitPoll, ok: then)
            return trace
        }
        let standard = #"{"signal":"SIGUSR2","code":"SI_USER","sender":2}"#
        let realtime = #"{"signal":"SIGRTMIN+2","code":"SI_QUEUE","sender":2,"value":7}"#
        #expect(try trace(first: standard, then: realtime).check().result == .ok)
        #expect(try trace(first: realtime, then: standard).check().result == .violation)
    }

    @Test func concurrentSendsMayArriveInEitherOrder() throws {
        var trace = receiver()
        trace.invoke(2, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+1","value":20}"#)
        trace.invoke(3, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+1","value":30}"#)
        trace.ok(2, "sigqueue", "sig1")
        trace.ok(3, "sigqueue", "sig1")
        trace.call(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":3,"value":30}"#)
        trace.call(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":2,"value":20}"#)
        #expect(try trace.check().result == .ok)
    }

    @Test func aDeadReceiverCannotBeSignalled() throws {
        var allowed = receiver()
        allowed.call(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#)
        allowed.exit(1)
        allowed.call(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#, error: "ESRCH")
        allowed.call(2, "kill", "sig1", #"{"signal":65}"#, error: "ESRCH")
        #expect(try allowed.check().result == .ok)

        var forbidden = receiver()
        forbidden.exit(1)
        forbidden.call(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#)
        #expect(try forbidden.check().result == .violation)

        var invalid = receiver()
        invalid.call(2, "kill", "sig1", #"{"signal":65}"#)
        #expect(try invalid.check().result == .violation)
    }

    @Test func overTheLimitARealTimeSigqueueFailsAndAKillLosesItsDetails() throws {
        let params = #"{"objects":{"sig1":{"receiver":1,"queueLimit":1}}}"#
        var allowed = ModelTraceBuilder(model: "signal", params: params)
        allowed.call(2, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+1","value":1}"#)
        allowed.call(2, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+1","value":2}"#, error: "EAGAIN")
        allowed.call(2, "kill", "sig1", #"{"signal":"SIGRTMIN+2"}"#)
        allowed.call(2, "kill", "sig1", #"{"signal":"SIGRTMIN+2"}"#)
        allowed.call(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":2,"value":1}"#)
        allowed.call(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGRTMIN+2","code":"SI_USER"}"#)
        allowed.call(1, "wait", "sig1", waitPoll, error: "EAGAIN")
        #expect(try allowed.check().result == .ok)

        var forbidden = ModelTraceBuilder(model: "signal", params: params)
        forbidden.call(2, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+1","value":1}"#)
        forbidden.call(2, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+1","value":2}"#)
        #expect(try forbidden.check().result == .violation)
    }
}
