import IPCHarness
import IPCModels
import Testing

/// The models of the reference implementations and the kernel FIFO, on hand-written histories: each forbidden
/// history beside an allowed one that differs only where it matters.
@Suite struct ReferenceModelCheckerTests {
    static let queue = #"{"objects":{"q0":{"order":"fifo","capacity":2}}}"#

    @Test func aQueueDeliversInOrderAndRefusesWhenFull() throws {
        var allowed = GenericTraceBuilder(model: "queue", params: Self.queue)
        allowed.operation(1, "send", "q0", #"{"data":"a"}"#)
        allowed.operation(1, "send", "q0", #"{"data":"b"}"#)
        allowed.operation(1, "send", "q0", #"{"data":"c"}"#, fail: "EAGAIN")
        allowed.operation(2, "receive", "q0", ok: #"{"data":"a"}"#)
        allowed.operation(2, "receive", "q0", ok: #"{"data":"b"}"#)
        allowed.operation(2, "receive", "q0", fail: "EAGAIN")
        #expect(try allowed.check().result == .ok)

        var reordered = GenericTraceBuilder(model: "queue", params: Self.queue)
        reordered.operation(1, "send", "q0", #"{"data":"a"}"#)
        reordered.operation(1, "send", "q0", #"{"data":"b"}"#)
        reordered.operation(2, "receive", "q0", ok: #"{"data":"b"}"#)
        #expect(try reordered.check().result == .violation)

        var refusedWithRoom = GenericTraceBuilder(model: "queue", params: Self.queue)
        refusedWithRoom.operation(1, "send", "q0", #"{"data":"a"}"#)
        refusedWithRoom.operation(1, "send", "q0", #"{"data":"b"}"#, fail: "EAGAIN")
        #expect(try refusedWithRoom.check().result == .violation)

        var duplicated = GenericTraceBuilder(model: "queue", params: Self.queue)
        duplicated.operation(1, "send", "q0", #"{"data":"a"}"#)
        duplicated.operation(2, "receive", "q0", ok: #"{"data":"a"}"#)
        duplicated.operation(3, "receive", "q0", ok: #"{"data":"a"}"#)
        #expect(try duplicated.check().result == .violation)
    }

    @Test func aSharedFIFOBlocksAtTheHeadAndPerReceiverOrderDoesNot() throws {
        func history(order: String) -> GenericTraceBuilder {
            var trace = GenericTraceBuilder(model: "queue", params: #"{"objects":{"r0":{"order":"\#(order)","capacity":4,"credits":2}}}"#)
            trace.operation(1, "send", "r0", #"{"to":2,"data":"for two"}"#)
            trace.operation(1, "send", "r0", #"{"to":3,"data":"for three"}"#)
            trace.operation(3, "receive", "r0", fail: "EAGAIN")
            return trace
        }
        #expect(try history(order: "fifo").check().result == .ok)
        #expect(try history(order: "per-receiver").check().result == .violation)
    }

    @Test func aRevokeReportsTheCommittedSendsAndLaterSendsFailEPERM() throws {
        let params = #"{"objects":{"c0":{"order":"fifo","capacity":4,"revocable":true}}}"#
        var allowed = GenericTraceBuilder(model: "queue", params: params)
        allowed.operation(1, "send", "c0", #"{"data":"a"}"#)
        allowed.operation(3, "revoke", "c0", ok: #"{"committed":1}"#)
        allowed.operation(1, "send", "c0", #"{"data":"b"}"#, fail: "EPERM")
        allowed.operation(2, "receive", "c0", ok: #"{"data":"a"}"#)
        #expect(try allowed.check().result == .ok)

        // A send in flight across the revoke that was delivered: the revoke saw 1 committed send, so the second
        // must have committed after it, and then it cannot have succeeded.
        var deliveredAfter = GenericTraceBuilder(model: "queue", params: params)
        deliveredAfter.operation(1, "send", "c0", #"{"data":"a"}"#)
        deliveredAfter.invoke(1, "send", "c0", #"{"data":"b"}"#)
        deliveredAfter.operation(3, "revoke", "c0", ok: #"{"committed":1}"#)
        deliveredAfter.ok(1, "send", "c0")
        deliveredAfter.operation(2, "receive", "c0", ok: #"{"data":"a"}"#)
        deliveredAfter.operation(2, "receive", "c0", ok: #"{"data":"b"}"#)
        #expect(try deliveredAfter.check().result == .violation)
    }

    @Test func aStackIsLastInFirstOut() throws {
        var allowed = GenericTraceBuilder(model: "stack", params: #"{"objects":{"s0":{}}}"#)
        allowed.operation(1, "push", "s0", #"{"value":1}"#)
        allowed.operation(1, "push", "s0", #"{"value":2}"#)
        allowed.operation(2, "pop", "s0", ok: #"{"value":2}"#)
        allowed.operation(2, "pop", "s0", ok: #"{"value":1}"#)
        allowed.operation(2, "pop", "s0", fail: "EAGAIN")
        #expect(try allowed.check().result == .ok)

        var fifo = GenericTraceBuilder(model: "stack", params: #"{"objects":{"s0":{}}}"#)
        fifo.operation(1, "push", "s0", #"{"value":1}"#)
        fifo.operation(1, "push", "s0", #"{"value":2}"#)
        fifo.operation(2, "pop", "s0", ok: #"{"value":1}"#)
        #expect(try fifo.check().result == .violation)
    }

    @Test func aRegisterNeverReturnsATornValue() throws {
        func history(reads: String) -> GenericTraceBuilder {
            var trace = GenericTraceBuilder(model: "register", params: #"{"objects":{"m0":{"words":2}}}"#)
            trace.invoke(1, "write", "m0", #"{"words":[5,6]}"#)
            trace.operation(2, "read", "m0", ok: #"{"words":\#(reads)}"#)
            trace.ok(1, "write", "m0")
            return trace
        }
        #expect(try history(reads: "[0,0]").check().result == .ok)
        #expect(try history(reads: "[5,6]").check().result == .ok)
        #expect(try history(reads: "[5,0]").check().result == .violation)
    }

    @Test func aServiceUsesWhatItCheckedAndWhatWasSubmitted() throws {
        let params = #"{"limit":100,"objects":{"r0":{"capacity":1}}}"#
        func history(serve: String) -> GenericTraceBuilder {
            var trace = GenericTraceBuilder(model: "snapshot", params: params, extra: #","invariants":{"snapshot":{}}"#)
            trace.operation(1, "submit", "r0", #"{"value":40}"#)
            trace.operation(1, "tamper", "r0", #"{"value":5000}"#)
            trace.operation(2, "serve", "r0", ok: serve)
            return trace
        }
        #expect(try history(serve: #"{"checked":40,"accepted":true,"used":40}"#).check().result == .ok)
        let toctou = try history(serve: #"{"checked":40,"accepted":true,"used":5000}"#).check()
        #expect(toctou.result == .violation)
        #expect(toctou.explanation.contains("snapshot: process 2's serve on r0"))
        #expect(try history(serve: #"{"checked":5000,"accepted":false}"#).check().result == .violation)
    }

    @Test func aFIFOChecksPermissionAtOpenOnly() throws {
        let params = #"{"objects":{"f0":{"mode":438,"owner":3,"privileged":[3]}}}"#
        func history(writeAfterChmod: String?, reopen: String?) -> GenericTraceBuilder {
            var trace = GenericTraceBuilder(model: "fifo", params: params)
            trace.operation(2, "open", "f0", #"{"end":"read","nonblocking":true}"#)
            trace.operation(1, "open", "f0", #"{"end":"write","nonblocking":true}"#)
            trace.operation(3, "chmod", "f0", #"{"mode":384}"#)
            trace.operation(1, "write", "f0", #"{"data":"hi"}"#, ok: writeAfterChmod == nil ? #"{"written":2}"# : nil, fail: writeAfterChmod)
            trace.operation(1, "open", "f0", #"{"end":"write","nonblocking":true}"#, fail: reopen)
            trace.operation(3, "open", "f0", #"{"end":"read","nonblocking":true}"#)
            return trace
        }
        #expect(try history(writeAfterChmod: nil, reopen: "EACCES").check().result == .ok)
        // The open descriptor must keep working after the chmod...
        #expect(try history(writeAfterChmod: "EACCES", reopen: "EACCES").check().result == .violation)
        // ...and a new open by an unprivileged process must fail.
        #expect(try history(writeAfterChmod: nil, reopen: nil).check().result == .violation)

        var noReader = GenericTraceBuilder(model: "fifo", params: params)
        noReader.operation(1, "open", "f0", #"{"end":"write","nonblocking":true}"#, fail: "ENXIO")
        #expect(try noReader.check().result == .ok)
    }
}
