import IPCHarness
import IPCModels
import Testing

/// Builds RCU traces by hand: each event 10 ns after the previous one.
struct RCUTraceBuilder {
    var events: [Trace.Event] = []

    mutating func add(_ process: Int, _ type: Trace.EventType, _ f: String, _ value: JSONValue? = nil) {
        events.append(Trace.Event(
            index: events.count, time: UInt64(events.count + 1) * 10, process: process, type: type, f: f, object: "r0",
            value: value))
    }

    mutating func invoke(_ process: Int, _ f: String, version: Int? = nil) {
        add(process, .invoke, f, version.map { ["version": .int($0)] })
    }

    mutating func ok(_ process: Int, _ f: String, _ value: JSONValue? = nil) { add(process, .ok, f, value) }

    /// A whole operation, invoked and completed before the next event.
    mutating func call(_ process: Int, _ f: String, version: Int? = nil, returns value: JSONValue? = nil) {
        invoke(process, f, version: version)
        ok(process, f, value)
    }

    mutating func read(_ process: Int, sees version: Int) { call(process, "read", returns: ["version": .int(version)]) }

    mutating func publish(_ process: Int, _ version: Int, replacing old: Int) {
        call(process, "publish", version: version, returns: ["replaced": .int(old)])
    }

    func check(invariants: JSONValue? = nil) throws -> CheckReport {
        var header = Trace.Header(
            model: "rcu", parameters: ["objects": ["r0": ["initial": 0]]], mechanism: "test", seed: "1", strategy: "random")
        header.extra["invariants"] = invariants
        return try TraceChecker.check(Trace(header: header, events: events))
    }
}

/// Hand-written RCU histories: each forbidden one beside an allowed one that differs only where it matters.
@Suite struct RCUCheckerTests {
    @Test func aReaderSeesTheCurrentVersionOrOneConcurrentlyReplaced() throws {
        var sequential = RCUTraceBuilder()
        sequential.call(2, "lock")
        sequential.read(2, sees: 0)
        sequential.publish(1, 1, replacing: 0)
        sequential.read(2, sees: 1)
        sequential.call(2, "unlock")
        #expect(try sequential.check().result == .ok)

        var concurrent = RCUTraceBuilder()
        concurrent.call(2, "lock")
        concurrent.invoke(1, "publish", version: 1)
        concurrent.read(2, sees: 0)
        concurrent.ok(1, "publish", ["replaced": 0])
        concurrent.call(2, "unlock")
        #expect(try concurrent.check().result == .ok)

        var stale = RCUTraceBuilder()
        stale.call(2, "lock")
        stale.publish(1, 1, replacing: 0)
        stale.read(2, sees: 0)
        stale.call(2, "unlock")
        let report = try stale.check()
        #expect(report.result == .violation)
        #expect(report.explanation.contains("process 2: read → version 0"))
    }

    @Test func aReadOutsideAReadSideSectionIsAViolation() throws {
        var trace = RCUTraceBuilder()
        trace.read(2, sees: 0)
        #expect(try trace.check().result == .violation)
    }

    @Test func synchronizeWaitsForEveryReaderThatWasInASectionWhenItBegan() throws {
        var waits = RCUTraceBuilder()
        waits.call(2, "lock")
        waits.invoke(1, "synchronize")
        waits.read(2, sees: 0)
        waits.call(2, "unlock")
        waits.ok(1, "synchronize")
        #expect(try waits.check().result == .ok)

        var returnsEarly = RCUTraceBuilder()
        returnsEarly.call(2, "lock")
        returnsEarly.invoke(1, "synchronize")
        returnsEarly.ok(1, "synchronize")
        returnsEarly.call(2, "unlock")
        let report = try returnsEarly.check()
        #expect(report.result == .violation)
        #expect(report.explanation.contains("process 1: synchronize"))
    }

    @Test func synchronizeNeedNotWaitForAReaderThatBeganAfterIt() throws {
        var trace = RCUTraceBuilder()
        trace.invoke(1, "synchronize")
        trace.call(2, "lock")
        trace.ok(1, "synchronize")
        trace.call(2, "unlock")
        #expect(try trace.check().result == .ok)
    }

    @Test func aQuiescentStateEndsTheReadersPartInAGracePeriod() throws {
        var quiescent = RCUTraceBuilder()
        quiescent.call(2, "lock")
        quiescent.invoke(1, "synchronize")
        quiescent.call(2, "quiescent")
        quiescent.ok(1, "synchronize")
        quiescent.call(2, "unlock")
        #expect(try quiescent.check().result == .ok)

        var none = RCUTraceBuilder()
        none.call(2, "lock")
        none.invoke(1, "synchronize")
        none.read(2, sees: 0)
        none.ok(1, "synchronize")
        none.call(2, "quiescent")
        #expect(try none.check().result == .violation)
    }

    @Test func reclaimingBeforeTheGracePeriodEndsIsAViolation() throws {
        var afterGrace = RCUTraceBuilder()
        afterGrace.call(2, "lock")
        afterGrace.read(2, sees: 0)
        afterGrace.publish(1, 1, replacing: 0)
        afterGrace.invoke(1, "synchronize")
        afterGrace.call(2, "unlock")
        afterGrace.ok(1, "synchronize")
        afterGrace.call(1, "reclaim", version: 0)
        #expect(try afterGrace.check().result == .ok)

        var noGrace = RCUTraceBuilder()
        noGrace.call(2, "lock")
        noGrace.read(2, sees: 0)
        noGrace.publish(1, 1, replacing: 0)
        noGrace.call(1, "reclaim", version: 0)
        noGrace.call(2, "unlock")
        let report = try noGrace.check()
        #expect(report.result == .violation)
        #expect(report.explanation.contains("reclaim version 0"))

        var current = RCUTraceBuilder()
        current.call(1, "reclaim", version: 0)
        #expect(try current.check().result == .violation)
    }

    @Test func aPoisonedReadBreaksThePoisonInvariantNamedByItsLines() throws {
        var trace = RCUTraceBuilder()
        trace.call(2, "lock")
        trace.call(2, "read", returns: ["poisoned": true])
        trace.call(2, "unlock")
        // The model alone forbids it too, without naming the read.
        #expect(try trace.check().result == .violation)
        let report = try trace.check(invariants: ["poison": [:]])
        #expect(report.result == .violation)
        #expect(report.explanation.contains("poison: process 2's read on r0 [lines 4–5] saw reclaimed memory (poisoned)"))
        #expect(report.invariants.first { $0.name == "poison" }?.finding?.eventIndices == [2, 3])

        var torn = RCUTraceBuilder()
        torn.call(2, "lock")
        torn.call(2, "read", returns: ["torn": true])
        #expect(try torn.check(invariants: ["poison": [:]]).explanation.contains("poison: process 2's read on r0 [lines 4–5] saw a torn version"))

        // The allowed twin: the same reads seeing whole versions keep the invariant.
        var whole = RCUTraceBuilder()
        whole.call(2, "lock")
        whole.read(2, sees: 0)
        whole.call(2, "unlock")
        let held = try whole.check(invariants: ["poison": [:]])
        #expect(held.result == .ok)
        #expect(held.invariants.map(\.name) == ["poison"] && held.invariants[0].finding == nil)
    }

    @Test func callbacksRunAfterTheGracePeriodAndBeforeTheBarrierReturns() throws {
        var good = RCUTraceBuilder()
        good.call(2, "lock")
        good.publish(1, 1, replacing: 0)
        good.call(1, "call-rcu", version: 0)
        good.invoke(1, "barrier")
        good.call(2, "unlock")
        good.call(3, "reclaim", version: 0)
        good.ok(1, "barrier")
        #expect(try good.check().result == .ok)

        var early = RCUTraceBuilder()
        early.call(2, "lock")
        early.publish(1, 1, replacing: 0)
        early.call(1, "call-rcu", version: 0)
        early.call(3, "reclaim", version: 0)
        early.call(2, "unlock")
        #expect(try early.check().result == .violation)

        var barrierTooSoon = RCUTraceBuilder()
        barrierTooSoon.publish(1, 1, replacing: 0)
        barrierTooSoon.call(1, "call-rcu", version: 0)
        barrierTooSoon.call(1, "barrier")
        barrierTooSoon.call(3, "reclaim", version: 0)
        #expect(try barrierTooSoon.check().result == .violation)
    }
}
