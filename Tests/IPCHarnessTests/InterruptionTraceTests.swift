import IPCHarness
import IPCModels
import Testing

/// Calls asleep that a handled signal interrupts, and timed calls that time out (issue 15): each model allows
/// `EINTR` (and the timeout's error) only for a call that would sleep, with no effect — and rejects the plausible
/// wrong traces: an interruption of a call that could proceed, of a nonblocking call, or one that took effect.
/// The kernel facts behind them: `InterruptionFactsTests` and `TimedWaitFactsTests`.
@Suite struct InterruptionTraceTests {
    func messageQueue(maxMessages: Int = 2) -> ObjectTraceBuilder {
        ObjectTraceBuilder(model: "posix-mq", setup: #"{"maxMessages":\#(maxMessages),"messageSize":8,"holders":[1,2]}"#)
    }

    @Test func aPosixReceiveAsleepOnAnEmptyQueueMayFailEINTRAndTakesNothing() throws {
        var allowed = messageQueue()
        allowed.call(1, "receive", #"{"max":8}"#, error: "EINTR")
        allowed.call(2, "send", #"{"data":"x","priority":0}"#)
        allowed.call(1, "receive", #"{"max":8}"#, #"{"data":"x","priority":0}"#)
        #expect(try allowed.check() == .ok)

        // Wrong: interrupted while a message was there to take (the kernel looks for signals only once asleep).
        var withMessage = messageQueue()
        withMessage.call(2, "send", #"{"data":"x","priority":0}"#)
        withMessage.call(1, "receive", #"{"max":8}"#, error: "EINTR")
        #expect(try withMessage.check() == .violation)
        // Wrong: a nonblocking receive never sleeps, so it is never interrupted.
        var nonblocking = messageQueue()
        nonblocking.call(1, "receive", #"{"max":8,"nonblocking":true}"#, error: "EINTR")
        #expect(try nonblocking.check() == .violation)
    }

    @Test func aPosixSendAsleepOnAFullQueueMayFailEINTRAndQueuesNothing() throws {
        func run(interruptedWhenFull: Bool, messagesAfter: Int) throws -> Trace.Verdict.Result {
            var trace = messageQueue()
            trace.call(1, "send", #"{"data":"a","priority":0}"#)
            if interruptedWhenFull { trace.call(1, "send", #"{"data":"b","priority":0}"#) }
            trace.call(1, "send", #"{"data":"c","priority":0}"#, error: "EINTR")
            trace.call(2, "getattr", nil, #"{"messages":\#(messagesAfter),"maxMessages":2,"messageSize":8}"#)
            return try trace.check()
        }
        #expect(try run(interruptedWhenFull: true, messagesAfter: 2) == .ok)
        #expect(try run(interruptedWhenFull: false, messagesAfter: 1) == .violation)
        #expect(try run(interruptedWhenFull: false, messagesAfter: 2) == .violation)
    }

    @Test func aTimedPosixReceiveTimesOutOnlyWhenItWouldSleep() throws {
        var allowed = messageQueue()
        allowed.call(1, "receive", #"{"max":8,"timeout":0}"#, error: "ETIMEDOUT")
        allowed.call(2, "send", #"{"data":"x","priority":0}"#)
        // A timeout already past does not stop a call that can proceed.
        allowed.call(1, "receive", #"{"max":8,"timeout":0}"#, #"{"data":"x","priority":0}"#)
        allowed.call(1, "send", #"{"data":"a","priority":0,"timeout":5}"#)
        allowed.call(1, "send", #"{"data":"b","priority":0,"timeout":5}"#)
        allowed.call(1, "send", #"{"data":"c","priority":0,"timeout":5}"#, error: "ETIMEDOUT")
        #expect(try allowed.check() == .ok)

        var withMessage = messageQueue()
        withMessage.call(2, "send", #"{"data":"x","priority":0}"#)
        withMessage.call(1, "receive", #"{"max":8,"timeout":0}"#, error: "ETIMEDOUT")
        #expect(try withMessage.check() == .violation)
        // Wrong: a receive without a timeout never times out.
        var untimed = messageQueue()
        untimed.call(1, "receive", #"{"max":8}"#, error: "ETIMEDOUT")
        #expect(try untimed.check() == .violation)
    }

    @Test func anInvalidPosixTimeoutFailsEINVALEvenWhenTheCallCouldProceed() throws {
        func run(_ result: String?, error: String?) throws -> Trace.Verdict.Result {
            var trace = messageQueue()
            trace.call(2, "send", #"{"data":"x","priority":0}"#)
            trace.call(1, "receive", #"{"max":8,"timeout":"invalid"}"#, result, error: error)
            trace.call(1, "receive", #"{"max":8,"nonblocking":true}"#, #"{"data":"x","priority":0}"#)
            return try trace.check()
        }
        #expect(try run(nil, error: "EINVAL") == .ok)
        #expect(try run(#"{"data":"x","priority":0}"#, error: nil) == .violation)
    }

    func systemVQueue() -> ObjectTraceBuilder {
        ObjectTraceBuilder(model: "sysv-msg", setup: #"{"capacity":16}"#)
    }

    @Test func aSystemVReceiveAsleepMayFailEINTRWhenNoMessageMatches() throws {
        var allowed = systemVQueue()
        allowed.call(1, "send", #"{"type":2,"data":"two"}"#)
        allowed.call(2, "receive", #"{"type":1,"max":8}"#, error: "EINTR")
        allowed.call(2, "receive", #"{"type":2,"max":8,"nonblocking":true}"#, #"{"type":2,"data":"two"}"#)
        #expect(try allowed.check() == .ok)

        var matching = systemVQueue()
        matching.call(1, "send", #"{"type":2,"data":"two"}"#)
        matching.call(2, "receive", #"{"type":2,"max":8}"#, error: "EINTR")
        #expect(try matching.check() == .violation)
        var nowait = systemVQueue()
        nowait.call(2, "receive", #"{"type":1,"max":8,"nonblocking":true}"#, error: "EINTR")
        #expect(try nowait.check() == .violation)
    }

    @Test func aSystemVSendAsleepOnAFullQueueMayFailEINTRAndStatCountsWhatIsQueued() throws {
        func run(stat: String) throws -> Trace.Verdict.Result {
            var trace = systemVQueue()
            trace.call(1, "send", #"{"type":1,"data":"0123456789"}"#)
            trace.call(1, "send", #"{"type":1,"data":"0123456789"}"#, error: "EINTR")
            trace.call(2, "stat", nil, stat)
            return try trace.check()
        }
        #expect(try run(stat: #"{"messages":1,"bytes":10,"capacity":16}"#) == .ok)
        #expect(try run(stat: #"{"messages":2,"bytes":20,"capacity":16}"#) == .violation)
        #expect(try run(stat: #"{"messages":1,"bytes":16,"capacity":16}"#) == .violation)
        var removed = systemVQueue()
        removed.call(1, "remove")
        removed.call(2, "stat", error: "EINVAL")
        #expect(try removed.check() == .ok)
        var removedStat = systemVQueue()
        removedStat.call(1, "remove")
        removedStat.call(2, "stat", nil, #"{"messages":0,"bytes":0,"capacity":16}"#)
        #expect(try removedStat.check() == .violation)
    }

    func semaphoreSet() -> ObjectTraceBuilder {
        ObjectTraceBuilder(model: "sysv-sem", setup: #"{"values":[0]}"#)
    }

    @Test func aSemopAsleepMayFailEINTRAndASemtimedopTimesOutWithEAGAIN() throws {
        var allowed = semaphoreSet()
        allowed.call(1, "semop", #"{"ops":[{"num":0,"op":-1}]}"#, error: "EINTR")
        allowed.call(1, "semop", #"{"ops":[{"num":0,"op":-1}],"timeout":10}"#, error: "EAGAIN")
        allowed.call(1, "semop", #"{"ops":[{"num":0,"op":-1}],"timeout":10}"#, error: "EINTR")
        allowed.call(2, "getall", nil, #"{"values":[0]}"#)
        #expect(try allowed.check() == .ok)

        // Wrong: semtimedop's timeout is EAGAIN, not ETIMEDOUT.
        var timedOut = semaphoreSet()
        timedOut.call(1, "semop", #"{"ops":[{"num":0,"op":-1}],"timeout":10}"#, error: "ETIMEDOUT")
        #expect(try timedOut.check() == .violation)
        // Wrong: a semop that can proceed is not interrupted.
        var couldProceed = semaphoreSet()
        couldProceed.call(2, "semop", #"{"ops":[{"num":0,"op":1}]}"#)
        couldProceed.call(1, "semop", #"{"ops":[{"num":0,"op":-1}]}"#, error: "EINTR")
        #expect(try couldProceed.check() == .violation)
        // Wrong: an untimed blocking semop does not fail EAGAIN.
        var untimed = semaphoreSet()
        untimed.call(1, "semop", #"{"ops":[{"num":0,"op":-1}]}"#, error: "EAGAIN")
        #expect(try untimed.check() == .violation)
    }

    @Test func anInvalidSemtimedopTimeoutFailsEINVALEvenWhenItCouldProceed() throws {
        func run(_ error: String?, values: String) throws -> Trace.Verdict.Result {
            var trace = semaphoreSet()
            trace.call(1, "semop", #"{"ops":[{"num":0,"op":1}],"timeout":"invalid"}"#, error: error)
            trace.call(2, "getall", nil, values)
            return try trace.check()
        }
        #expect(try run("EINVAL", values: #"{"values":[0]}"#) == .ok)
        #expect(try run(nil, values: #"{"values":[1]}"#) == .violation)
        #expect(try run("EINVAL", values: #"{"values":[1]}"#) == .violation)
    }

    func posixSemaphore(value: Int) -> ObjectTraceBuilder {
        ObjectTraceBuilder(model: "posix-sem", setup: #"{"value":\#(value)}"#)
    }

    @Test func aSemWaitAsleepMayFailEINTRAndASemTimedwaitETIMEDOUT() throws {
        var allowed = posixSemaphore(value: 0)
        allowed.call(1, "wait", nil, error: "EINTR")
        allowed.call(1, "wait", #"{"timeout":10}"#, error: "ETIMEDOUT")
        allowed.call(1, "wait", #"{"timeout":10}"#, error: "EINTR")
        allowed.call(2, "getvalue", nil, #"{"value":0}"#)
        #expect(try allowed.check() == .ok)

        for (value, error) in [(1, "EINTR"), (1, "ETIMEDOUT")] {
            var positive = posixSemaphore(value: value)
            positive.call(1, "wait", #"{"timeout":10}"#, error: error)
            #expect(try positive.check() == .violation, "\(error) with a unit to take")
        }
        var trywait = posixSemaphore(value: 0)
        trywait.call(1, "wait", #"{"nonblocking":true}"#, error: "EINTR")
        #expect(try trywait.check() == .violation)
        var untimed = posixSemaphore(value: 0)
        untimed.call(1, "wait", nil, error: "ETIMEDOUT")
        #expect(try untimed.check() == .violation)
        var invalid = posixSemaphore(value: 1)
        invalid.call(1, "wait", #"{"timeout":"invalid"}"#, error: "EINVAL")
        invalid.call(2, "getvalue", nil, #"{"value":1}"#)
        #expect(try invalid.check() == .ok)
    }

    func signals() -> ObjectTraceBuilder {
        ObjectTraceBuilder(model: "signal", setup: #"{"receiver":1}"#)
    }

    @Test func synchronousSignalsAreTakenFirstSoSIGSYSBeforeSIGUSR1() throws {
        func run(_ order: [String]) throws -> Trace.Verdict.Result {
            var trace = signals()
            for signal in ["SIGUSR1", "SIGRTMIN+1", "SIGSYS", "SIGHUP", "SIGSEGV"] {
                trace.call(2, "kill", #"{"signal":"\#(signal)"}"#)
            }
            let set = #"{"signals":["SIGHUP","SIGUSR1","SIGSEGV","SIGSYS","SIGRTMIN+1"],"timeout":0}"#
            for signal in order {
                trace.call(1, "wait", set, #"{"signal":"\#(signal)","code":"SI_USER","sender":2}"#)
            }
            return try trace.check()
        }
        #expect(try run(["SIGSEGV", "SIGSYS", "SIGHUP", "SIGUSR1", "SIGRTMIN+1"]) == .ok)
        #expect(try run(["SIGHUP", "SIGUSR1", "SIGSEGV", "SIGRTMIN+1", "SIGSYS"]) == .violation)
        #expect(try run(["SIGSYS", "SIGSEGV", "SIGHUP", "SIGUSR1", "SIGRTMIN+1"]) == .violation)
    }

    @Test func aSigtimedwaitAsleepMayFailEINTRButNotOneThatHasASignalToTake() throws {
        var allowed = signals()
        allowed.call(1, "wait", #"{"signals":["SIGUSR2"]}"#, error: "EINTR")
        allowed.call(1, "wait", #"{"signals":["SIGUSR2"],"timeout":50}"#, error: "EINTR")
        #expect(try allowed.check() == .ok)
        var pending = signals()
        pending.call(2, "kill", #"{"signal":"SIGUSR2"}"#)
        pending.call(1, "wait", #"{"signals":["SIGUSR2"]}"#, error: "EINTR")
        #expect(try pending.check() == .violation)
        var poll = signals()
        poll.call(1, "wait", #"{"signals":["SIGUSR2"],"timeout":0}"#, error: "EINTR")
        #expect(try poll.check() == .violation)
    }

    @Test func anEventfdReadAsleepAtZeroMayFailEINTRButNotOneWithACountToTake() throws {
        var allowed = ObjectTraceBuilder(model: "eventfd", setup: #"{"holders":[1,2]}"#)
        allowed.call(1, "read", nil, error: "EINTR")
        allowed.call(2, "write", #"{"value":5}"#, #"{"written":8}"#)
        allowed.call(1, "read", nil, #"{"value":5}"#)
        #expect(try allowed.check() == .ok)
        var withCount = ObjectTraceBuilder(model: "eventfd", setup: #"{"holders":[1,2]}"#)
        withCount.call(2, "write", #"{"value":5}"#, #"{"written":8}"#)
        withCount.call(1, "read", nil, error: "EINTR")
        #expect(try withCount.check() == .violation)
        var nonblocking = ObjectTraceBuilder(model: "eventfd", setup: #"{"holders":[1],"nonblocking":true}"#)
        nonblocking.call(1, "read", nil, error: "EINTR")
        #expect(try nonblocking.check() == .violation)
    }

    @Test func aFIFOReadAsleepMayFailEINTRAndReadsNothing() throws {
        func run(interruptedRead: Bool) throws -> Trace.Verdict.Result {
            var trace = GenericTraceBuilder(model: "fifo", params: #"{"objects":{"f0":{"capacity":65536}}}"#)
            trace.invoke(2, "open", "f0", #"{"end":"read"}"#)
            trace.operation(1, "open", "f0", #"{"end":"write"}"#)
            trace.ok(2, "open", "f0")
            trace.operation(2, "read", "f0", #"{"max":10}"#, fail: "EINTR")
            trace.operation(1, "write", "f0", #"{"data":"hi"}"#, ok: #"{"written":2}"#)
            // Wrong when the interrupted read had taken the bytes.
            trace.operation(2, "read", "f0", #"{"max":10,"nonblocking":true}"#, ok: interruptedRead ? #"{"data":"hi"}"# : nil, fail: interruptedRead ? nil : "EAGAIN")
            return try trace.check().result
        }
        #expect(try run(interruptedRead: true) == .ok)
        #expect(try run(interruptedRead: false) == .violation)
    }

    @Test func setallClearsEveryUndoAdjustmentAndRefusesAValueAbove32767Whole() throws {
        func run(afterExit: String) throws -> Trace.Verdict.Result {
            var trace = ObjectTraceBuilder(model: "sysv-sem", setup: #"{"values":[1,0]}"#)
            trace.call(1, "semop", #"{"ops":[{"num":0,"op":-1,"undo":true}]}"#)
            trace.call(2, "setall", #"{"values":[1,40000]}"#, error: "ERANGE")
            trace.call(2, "getval", #"{"num":0}"#, #"{"value":0}"#)
            trace.call(2, "setall", #"{"values":[5,5]}"#)
            trace.exit(1)
            trace.call(2, "getval", #"{"num":0}"#, afterExit)
            trace.call(2, "getval", #"{"num":2}"#, error: "EINVAL")
            return try trace.check()
        }
        #expect(try run(afterExit: #"{"value":5}"#) == .ok)
        // Wrong: the undo adjustment of process 1 survived the SETALL.
        #expect(try run(afterExit: #"{"value":6}"#) == .violation)
    }

    @Test func loweringASystemVQueuesCapacityBelowItsContentsMakesSendsWaitAndRaisingItPastMsgmnbFailsEPERM() throws {
        func run(sendAfterLowering error: String?) throws -> Trace.Verdict.Result {
            var trace = ObjectTraceBuilder(model: "sysv-msg", setup: #"{"capacity":16384}"#)
            trace.call(1, "send", #"{"type":1,"data":"0123456789"}"#)
            trace.call(1, "set", #"{"capacity":16385}"#, error: "EPERM")
            trace.call(1, "set", #"{"capacity":4}"#)
            trace.call(2, "stat", nil, #"{"messages":1,"bytes":10,"capacity":4}"#)
            trace.call(1, "send", #"{"type":1,"data":"x","nonblocking":true}"#, error: error)
            return try trace.check()
        }
        #expect(try run(sendAfterLowering: "EAGAIN") == .ok)
        #expect(try run(sendAfterLowering: nil) == .violation)
    }

    @Test(arguments: ["stream", "dgram", "seqpacket"])
    func aUnixSocketReceiveAsleepMayFailEINTRButNotOneWithDataToTake(type: String) throws {
        func pair() -> GenericTraceBuilder {
            GenericTraceBuilder(model: "unix-socket", params: #"{"objects":{"s0":{"type":"\#(type)","pair":{"a":[1],"b":[2]}}}}"#)
        }
        var allowed = pair()
        allowed.operation(2, "receive", "s0", #"{"end":"b","max":10}"#, fail: "EINTR")
        allowed.operation(1, "send", "s0", #"{"end":"a","data":"hi"}"#, ok: #"{"sent":2}"#)
        allowed.operation(2, "receive", "s0", #"{"end":"b","max":10}"#, ok: #"{"data":"hi"}"#)
        #expect(try allowed.check().result == .ok)
        var withData = pair()
        withData.operation(1, "send", "s0", #"{"end":"a","data":"hi"}"#, ok: #"{"sent":2}"#)
        withData.operation(2, "receive", "s0", #"{"end":"b","max":10}"#, fail: "EINTR")
        #expect(try withData.check().result == .violation)
        var nonblocking = pair()
        nonblocking.operation(2, "receive", "s0", #"{"end":"b","max":10,"nonblocking":true}"#, fail: "EINTR")
        #expect(try nonblocking.check().result == .violation)
    }

    @Test func aPipeReadIsInterruptedOnlyWhenItWouldSleep() throws {
        func pipe() -> GenericTraceBuilder {
            GenericTraceBuilder(model: "pipe", params: #"{"objects":{"p0":{"capacity":65536,"readers":[2],"writers":[1]}}}"#)
        }
        var allowed = pipe()
        allowed.operation(2, "read", "p0", #"{"max":10}"#, fail: "EINTR")
        allowed.operation(1, "write", "p0", #"{"data":"hi"}"#, ok: #"{"written":2}"#)
        allowed.operation(2, "read", "p0", #"{"max":10}"#, ok: #"{"data":"hi"}"#)
        #expect(try allowed.check().result == .ok)
        // Wrong: bytes were buffered, so the read could not have slept.
        var withData = pipe()
        withData.operation(1, "write", "p0", #"{"data":"hi"}"#, ok: #"{"written":2}"#)
        withData.operation(2, "read", "p0", #"{"max":10}"#, fail: "EINTR")
        #expect(try withData.check().result == .violation)
        // Wrong: with no writer left a read returns end of file at once.
        var noWriter = pipe()
        noWriter.operation(1, "close", "p0", #"{"end":"write"}"#)
        noWriter.operation(2, "read", "p0", #"{"max":10}"#, fail: "EINTR")
        #expect(try noWriter.check().result == .violation)
    }
}
