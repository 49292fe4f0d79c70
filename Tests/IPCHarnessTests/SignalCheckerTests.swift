import IPCHarness
import Testing

/// Hand-written signal histories: each forbidden one beside an allowed one.
@Suite struct SignalCheckerTests {
    func receiver() -> GenericTraceBuilder {
        GenericTraceBuilder(model: "signal", params: #"{"objects":{"sig1":{"receiver":1}}}"#)
    }

    let waitPoll = #"{"signals":["SIGUSR2","SIGRTMIN+1","SIGRTMIN+2"],"timeout":0}"#

    @Test func aStandardSignalSentFiveTimesWhilePendingIsDeliveredOnceWithTheFirstSendersDetails() throws {
        func trace(_ second: (inout GenericTraceBuilder) -> Void, first sender: Int = 2) -> GenericTraceBuilder {
            var trace = receiver()
            for process in [2, 3, 2, 3, 2] { trace.operation(process, "kill", "sig1", #"{"signal":"SIGUSR2"}"#) }
            trace.operation(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGUSR2","code":"SI_USER","sender":\#(sender)}"#)
            second(&trace)
            return trace
        }
        #expect(try trace({ $0.operation(1, "wait", "sig1", waitPoll, fail: "EAGAIN") }).check().result == .ok)
        let twice = trace({ $0.operation(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGUSR2","code":"SI_USER","sender":2}"#) })
        #expect(try twice.check().result == .violation)
        let lastSender = trace({ $0.operation(1, "wait", "sig1", waitPoll, fail: "EAGAIN") }, first: 3)
        #expect(try lastSender.check().result == .violation)
    }

    /// SIGKILL and SIGSTOP cannot be blocked: a trace that sends them to the receiver is refused (the model's
    /// receiver would have to die or stop), and a wait naming them waits without them, as the kernel's does.
    @Test func sigkillAndSigstopAreNeverPendingAndAWaitForThemIgnoresThem() throws {
        var stop = receiver()
        stop.operation(2, "kill", "sig1", #"{"signal":"SIGSTOP"}"#)
        #expect(throws: (any Error).self) { try stop.check() }
        var waitForKill = receiver()
        waitForKill.operation(1, "wait", "sig1", #"{"signals":["SIGKILL","SIGUSR2"],"timeout":0}"#, fail: "EAGAIN")
        waitForKill.operation(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#)
        waitForKill.operation(1, "wait", "sig1", #"{"signals":["SIGKILL","SIGUSR2"],"timeout":0}"#, ok: #"{"signal":"SIGUSR2","code":"SI_USER","sender":2}"#)
        #expect(try waitForKill.check().result == .ok)
    }

    @Test func realTimeSignalsQueueInOrderWithTheirValues() throws {
        func trace(_ order: [Int]) -> GenericTraceBuilder {
            var trace = receiver()
            for value in 1...5 { trace.operation(2, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+1","value":\#(value)}"#) }
            for value in order {
                trace.operation(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":2,"value":\#(value)}"#)
            }
            return trace
        }
        #expect(try trace([1, 2, 3, 4, 5]).check().result == .ok)
        #expect(try trace([1, 3, 2, 4, 5]).check().result == .violation)
    }

    @Test func theLowestPendingNumberComesFirst() throws {
        func trace(first: String, then: String) -> GenericTraceBuilder {
            var trace = receiver()
            trace.operation(2, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+2","value":7}"#)
            trace.operation(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#)
            trace.operation(1, "wait", "sig1", waitPoll, ok: first)
            trace.operation(1, "wait", "sig1", waitPoll, ok: then)
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
        trace.operation(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":3,"value":30}"#)
        trace.operation(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":2,"value":20}"#)
        #expect(try trace.check().result == .ok)
    }

    @Test func aDeadReceiverCannotBeSignalled() throws {
        var allowed = receiver()
        allowed.operation(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#)
        allowed.exit(1)
        allowed.operation(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#, fail: "ESRCH")
        allowed.operation(2, "kill", "sig1", #"{"signal":65}"#, fail: "ESRCH")
        #expect(try allowed.check().result == .ok)

        var forbidden = receiver()
        forbidden.exit(1)
        forbidden.operation(2, "kill", "sig1", #"{"signal":"SIGUSR2"}"#)
        #expect(try forbidden.check().result == .violation)

        var invalid = receiver()
        invalid.operation(2, "kill", "sig1", #"{"signal":65}"#)
        #expect(try invalid.check().result == .violation)
    }

    @Test func overTheLimitARealTimeSigqueueFailsAndAKillLosesItsDetails() throws {
        let params = #"{"objects":{"sig1":{"receiver":1,"queueLimit":1}}}"#
        var allowed = GenericTraceBuilder(model: "signal", params: params)
        allowed.operation(2, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+1","value":1}"#)
        allowed.operation(2, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+1","value":2}"#, fail: "EAGAIN")
        allowed.operation(2, "kill", "sig1", #"{"signal":"SIGRTMIN+2"}"#)
        allowed.operation(2, "kill", "sig1", #"{"signal":"SIGRTMIN+2"}"#)
        allowed.operation(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGRTMIN+1","code":"SI_QUEUE","sender":2,"value":1}"#)
        allowed.operation(1, "wait", "sig1", waitPoll, ok: #"{"signal":"SIGRTMIN+2","code":"SI_USER"}"#)
        allowed.operation(1, "wait", "sig1", waitPoll, fail: "EAGAIN")
        #expect(try allowed.check().result == .ok)

        var forbidden = GenericTraceBuilder(model: "signal", params: params)
        forbidden.operation(2, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+1","value":1}"#)
        forbidden.operation(2, "sigqueue", "sig1", #"{"signal":"SIGRTMIN+1","value":2}"#)
        #expect(try forbidden.check().result == .violation)
    }
}
