import IPCHarness
import IPCModels
import Testing

/// Hand-written traces on one object "o0" of a per-object model: ``GenericTraceBuilder`` with the object fixed and
/// the object's setup as the whole of `params`.
struct ObjectTraceBuilder {
    private var trace: GenericTraceBuilder

    init(model: String, setup: String) {
        trace = GenericTraceBuilder(model: model, params: #"{"objects":{"o0":\#(setup)}}"#)
    }

    mutating func invoke(_ process: Int, _ f: String, _ value: String? = nil) { trace.invoke(process, f, "o0", value) }
    mutating func ok(_ process: Int, _ f: String, _ value: String? = nil) { trace.ok(process, f, "o0", value) }
    mutating func fail(_ process: Int, _ f: String, _ error: String) { trace.fail(process, f, "o0", error) }
    mutating func exit(_ process: Int) { trace.exit(process) }

    /// One whole operation: invoke, then ok with `result` or fail with `error`.
    mutating func call(_ process: Int, _ f: String, _ value: String? = nil, _ result: String? = nil, error: String? = nil) {
        trace.operation(process, f, "o0", value, ok: result, fail: error)
    }

    func check() throws -> Trace.Verdict.Result { try trace.check().result }
}

/// Each new model: histories it must allow next to forbidden ones that differ only where it matters.
@Suite struct ObjectModelTraceTests {
    func messageQueue() -> ObjectTraceBuilder {
        ObjectTraceBuilder(model: "posix-mq", setup: #"{"maxMessages":8,"messageSize":8,"holders":[1,2]}"#)
    }

    @Test func posixMessagesComeOutByPriorityThenAge() throws {
        func run(_ order: [String]) throws -> Trace.Verdict.Result {
            var trace = messageQueue()
            for (text, priority) in [("6", 6), ("10", 10), ("6'", 6), ("8", 8), ("1", 1)] {
                trace.call(1, "send", #"{"data":"\#(text)","priority":\#(priority),"nonblocking":true}"#)
            }
            for text in order {
                let priority = text == "6'" ? 6 : Int(text)!
                trace.call(2, "receive", #"{"max":8}"#, #"{"data":"\#(text)","priority":\#(priority)}"#)
            }
            return try trace.check()
        }
        #expect(try run(["10", "8", "6", "6'", "1"]) == .ok)
        #expect(try run(["10", "8", "6'", "6", "1"]) == .violation)
        #expect(try run(["10", "6", "8", "6'", "1"]) == .violation)
    }

    @Test func aSmallPosixReceiveBufferFailsAndTheMessageStays() throws {
        var allowed = messageQueue()
        allowed.call(1, "send", #"{"data":"x","priority":0}"#)
        allowed.call(2, "receive", #"{"max":4}"#, error: "EMSGSIZE")
        allowed.call(2, "receive", #"{"max":8}"#, #"{"data":"x","priority":0}"#)
        #expect(try allowed.check() == .ok)
        var forbidden = messageQueue()
        forbidden.call(1, "send", #"{"data":"x","priority":0}"#)
        forbidden.call(2, "receive", #"{"max":4}"#, error: "EMSGSIZE")
        forbidden.call(2, "receive", #"{"max":8,"nonblocking":true}"#, error: "EAGAIN")
        #expect(try forbidden.check() == .violation)
    }

    @Test func posixMessagesOutliveTheirSenderButNotTheName() throws {
        func run(_ result: String?, error: String?, unlinkFirst: Bool = false) throws -> Trace.Verdict.Result {
            var trace = ObjectTraceBuilder(model: "posix-mq", setup: #"{"maxMessages":4,"messageSize":8,"holders":[1]}"#)
            trace.call(1, "send", #"{"data":"kept","priority":2}"#)
            trace.exit(1)
            if unlinkFirst { trace.call(2, "unlink") }
            trace.call(2, "open", error: unlinkFirst ? "ENOENT" : nil)
            trace.call(2, "receive", #"{"max":8,"nonblocking":true}"#, result, error: error)
            return try trace.check()
        }
        #expect(try run(#"{"data":"kept","priority":2}"#, error: nil) == .ok)
        #expect(try run(nil, error: "EAGAIN") == .violation)
        #expect(try run(#"{"data":"kept","priority":2}"#, error: nil, unlinkFirst: true) == .violation)
    }

    func systemVQueue() -> ObjectTraceBuilder {
        ObjectTraceBuilder(model: "sysv-msg", setup: #"{"capacity":256}"#)
    }

    @Test func msgrcvSelectsByTypeAsTheKernelDoes() throws {
        func run(_ lowest: String) throws -> Trace.Verdict.Result {
            var trace = systemVQueue()
            for (type, text) in [(3, "three"), (1, "one"), (2, "two"), (1, "one'"), (5, "five")] {
                trace.call(1, "send", #"{"type":\#(type),"data":"\#(text)"}"#)
            }
            trace.call(2, "receive", #"{"type":0,"max":64}"#, #"{"type":3,"data":"three"}"#)
            trace.call(2, "receive", #"{"type":2,"max":64}"#, #"{"type":2,"data":"two"}"#)
            trace.call(2, "receive", #"{"type":-4,"max":64}"#, #"{"type":1,"data":"\#(lowest)"}"#)
            trace.call(2, "receive", #"{"type":1,"except":true,"max":64}"#, #"{"type":5,"data":"five"}"#)
            return try trace.check()
        }
        #expect(try run("one") == .ok)
        #expect(try run("one'") == .violation)
    }

    @Test func e2bigLeavesTheMessageAndMsgNoErrorRemovesItWhole() throws {
        var allowed = systemVQueue()
        allowed.call(1, "send", #"{"type":1,"data":"hello"}"#)
        allowed.call(2, "receive", #"{"type":0,"max":2,"nonblocking":true}"#, error: "E2BIG")
        allowed.call(2, "receive", #"{"type":0,"max":2,"truncate":true}"#, #"{"type":1,"data":"he"}"#)
        allowed.call(2, "receive", #"{"type":0,"max":64,"nonblocking":true}"#, error: "ENOMSG")
        #expect(try allowed.check() == .ok)
        var lost = systemVQueue()
        lost.call(1, "send", #"{"type":1,"data":"hello"}"#)
        lost.call(2, "receive", #"{"type":0,"max":2,"nonblocking":true}"#, error: "E2BIG")
        lost.call(2, "receive", #"{"type":0,"max":64,"nonblocking":true}"#, error: "ENOMSG")
        #expect(try lost.check() == .violation)
        var tailKept = systemVQueue()
        tailKept.call(1, "send", #"{"type":1,"data":"hello"}"#)
        tailKept.call(2, "receive", #"{"type":0,"max":2,"truncate":true}"#, #"{"type":1,"data":"he"}"#)
        tailKept.call(2, "receive", #"{"type":0,"max":64,"nonblocking":true}"#, #"{"type":1,"data":"llo"}"#)
        #expect(try tailKept.check() == .violation)
    }

    @Test func sharedWordsAreOneMemoryThatOutlivesItsMappers() throws {
        var allowed = ObjectTraceBuilder(model: "posix-shm", setup: #"{"words":2,"mapped":[1]}"#)
        allowed.call(1, "store", #"{"index":1,"value":5}"#)
        allowed.exit(1)
        allowed.call(2, "open")
        allowed.call(2, "add", #"{"index":1,"delta":1}"#, #"{"value":5}"#)
        allowed.call(2, "load", #"{"index":1}"#, #"{"value":6}"#)
        #expect(try allowed.check() == .ok)
        var stale = ObjectTraceBuilder(model: "posix-shm", setup: #"{"words":2,"mapped":[1,2]}"#)
        stale.call(1, "store", #"{"index":1,"value":5}"#)
        stale.call(2, "load", #"{"index":1}"#, #"{"value":0}"#)
        #expect(try stale.check() == .violation)
        var lostUpdate = ObjectTraceBuilder(model: "posix-shm", setup: #"{"words":2,"mapped":[1,2]}"#)
        lostUpdate.invoke(1, "add", #"{"index":0,"delta":1}"#)
        lostUpdate.invoke(2, "add", #"{"index":0,"delta":1}"#)
        lostUpdate.ok(1, "add", #"{"value":0}"#)
        lostUpdate.ok(2, "add", #"{"value":0}"#)
        #expect(try lostUpdate.check() == .violation)
    }

    @Test func aRemovedSegmentLivesUntilItsLastAttachmentGoes() throws {
        func run(statusAfterExit error: String?) throws -> Trace.Verdict.Result {
            var trace = ObjectTraceBuilder(model: "sysv-shm", setup: #"{"words":1,"attached":[1,2]}"#)
            trace.call(1, "store", #"{"index":0,"value":9}"#)
            trace.call(1, "remove")
            trace.call(2, "status", nil, #"{"attachments":2,"removed":true}"#)
            trace.call(2, "load", #"{"index":0}"#, #"{"value":9}"#)
            trace.exit(1)
            trace.call(2, "detach")
            trace.call(2, "status", nil, error == nil ? #"{"attachments":0,"removed":true}"# : nil, error: error)
            return try trace.check()
        }
        #expect(try run(statusAfterExit: "EINVAL") == .ok)
        #expect(try run(statusAfterExit: nil) == .violation)
    }

    @Test func aPosixSemaphoreUnitTakenByAProcessThatDiesIsLost() throws {
        func run(_ error: String?) throws -> Trace.Verdict.Result {
            var trace = ObjectTraceBuilder(model: "posix-sem", setup: #"{"value":1,"named":false}"#)
            trace.call(1, "wait")
            trace.exit(1)
            trace.call(2, "wait", #"{"nonblocking":true}"#, error: error)
            return try trace.check()
        }
        #expect(try run("EAGAIN") == .ok)
        #expect(try run(nil) == .violation)
    }

    /// `sem_init` and `sem_destroy` are an unnamed semaphore's: on a named one (undefined behaviour) the trace is
    /// refused, not judged. An init whose process died inside it may or may not have set the value.
    @Test func semInitAndSemDestroyAreAnUnnamedSemaphoresAndAnInterruptedInitIsEither() throws {
        for f in ["init", "destroy"] {
            var named = ObjectTraceBuilder(model: "posix-sem", setup: #"{"value":1,"named":true}"#)
            named.call(1, f, f == "init" ? #"{"value":0,"pshared":true}"# : nil)
            #expect(throws: (any Error).self) { try named.check() }
        }
        func run(_ value: Int) throws -> Trace.Verdict.Result {
            var trace = ObjectTraceBuilder(model: "posix-sem", setup: #"{"value":2,"named":false}"#)
            trace.invoke(1, "init", #"{"value":0,"pshared":true}"#)
            trace.exit(1)
            trace.call(2, "getvalue", nil, #"{"value":\#(value)}"#)
            return try trace.check()
        }
        #expect(try run(0) == .ok)
        #expect(try run(2) == .ok)
        #expect(try run(1) == .violation)
    }

    @Test func semUndoIsAppliedWhenTheProcessExitsAndNotBefore() throws {
        func run(undo: Bool, getallBeforeExit: String, after error: String?) throws -> Trace.Verdict.Result {
            var trace = ObjectTraceBuilder(model: "sysv-sem", setup: #"{"values":[1]}"#)
            trace.call(1, "semop", #"{"ops":[{"num":0,"op":-1\#(undo ? #","undo":true"# : "")}]}"#)
            trace.call(2, "getall", nil, #"{"values":\#(getallBeforeExit)}"#)
            trace.exit(1)
            trace.call(2, "semop", #"{"ops":[{"num":0,"op":-1}],"nonblocking":true}"#, error: error)
            return try trace.check()
        }
        #expect(try run(undo: true, getallBeforeExit: "[0]", after: nil) == .ok)
        #expect(try run(undo: false, getallBeforeExit: "[0]", after: "EAGAIN") == .ok)
        #expect(try run(undo: true, getallBeforeExit: "[0]", after: "EAGAIN") == .violation)
        #expect(try run(undo: true, getallBeforeExit: "[1]", after: nil) == .violation)
        #expect(try run(undo: false, getallBeforeExit: "[0]", after: nil) == .violation)
    }

    @Test func theNextLockerAfterAnOwnersDeathGetsEOWNERDEAD() throws {
        func run(second: String?, consistent: Bool, third: String?) throws -> Trace.Verdict.Result {
            var trace = ObjectTraceBuilder(model: "robust-mutex", setup: "{}")
            trace.call(1, "lock")
            trace.exit(1)
            trace.call(2, "lock", error: second)
            if consistent { trace.call(2, "consistent") }
            trace.call(2, "unlock")
            trace.call(3, "lock", error: third)
            return try trace.check()
        }
        #expect(try run(second: "EOWNERDEAD", consistent: true, third: nil) == .ok)
        #expect(try run(second: "EOWNERDEAD", consistent: false, third: "ENOTRECOVERABLE") == .ok)
        #expect(try run(second: nil, consistent: false, third: nil) == .violation)
        #expect(try run(second: "EOWNERDEAD", consistent: false, third: nil) == .violation)
        #expect(try run(second: "EOWNERDEAD", consistent: true, third: "ENOTRECOVERABLE") == .violation)
    }

    @Test func glibcsTrylockOnANotRecoverableMutexKeepsItHeld() throws {
        func run(_ third: String) throws -> Trace.Verdict.Result {
            var trace = ObjectTraceBuilder(model: "robust-mutex", setup: "{}")
            trace.call(1, "lock")
            trace.exit(1)
            trace.call(2, "lock", error: "EOWNERDEAD")
            trace.call(2, "unlock")
            trace.call(2, "trylock", error: "ENOTRECOVERABLE")
            trace.call(3, "trylock", error: third)
            return try trace.check()
        }
        #expect(try run("EBUSY") == .ok)
        #expect(try run("ENOTRECOVERABLE") == .violation)
    }

    /// The kill invariant for consumers: nothing acknowledged is lost or duplicated, and a message a dead consumer
    /// never acknowledged comes back first.
    @Test func anAckQueueGivesADeadConsumersMessageBackFirst() throws {
        func run(afterDeath: String?, ackBeforeDeath: Bool = false) throws -> Trace.Verdict.Result {
            var trace = ObjectTraceBuilder(model: "ack-queue", setup: #"{"capacity":4}"#)
            trace.call(1, "send", #"{"message":10}"#)
            trace.call(1, "send", #"{"message":11}"#)
            trace.call(2, "receive", nil, #"{"message":10}"#)
            if ackBeforeDeath { trace.call(2, "ack") }
            trace.exit(2)
            trace.call(3, "receive", nil, afterDeath.map { #"{"message":\#($0)}"# }, error: afterDeath == nil ? "EAGAIN" : nil)
            return try trace.check()
        }
        #expect(try run(afterDeath: "10") == .ok)
        #expect(try run(afterDeath: "11", ackBeforeDeath: true) == .ok)
        #expect(try run(afterDeath: "11") == .violation)  // 10 was lost with its consumer
        #expect(try run(afterDeath: "10", ackBeforeDeath: true) == .violation)  // acknowledged, delivered again
        #expect(try run(afterDeath: nil) == .violation)
    }

    @Test func anAckQueueHoldsOneMessageInFlightPerProcessAndCountsOnlyQueuedOnes() throws {
        func run(secondReceive: String?, fifthSend: String?) throws -> Trace.Verdict.Result {
            var trace = ObjectTraceBuilder(model: "ack-queue", setup: #"{"capacity":2}"#)
            trace.call(1, "send", #"{"message":1}"#)
            trace.call(1, "send", #"{"message":2}"#)
            trace.call(1, "send", #"{"message":3}"#, error: "EAGAIN")
            trace.call(2, "receive", nil, #"{"message":1}"#)
            trace.call(2, "receive", nil, secondReceive.map { #"{"message":\#($0)}"# }, error: secondReceive == nil ? "EBUSY" : nil)
            trace.call(1, "send", #"{"message":4}"#)
            trace.call(1, "send", #"{"message":5}"#, error: fifthSend)
            trace.call(2, "ack")
            trace.call(2, "ack", error: "EINVAL")
            return try trace.check()
        }
        #expect(try run(secondReceive: nil, fifthSend: "EAGAIN") == .ok)
        #expect(try run(secondReceive: "2", fifthSend: "EAGAIN") == .violation)
        #expect(try run(secondReceive: nil, fifthSend: nil) == .violation)
    }
}
