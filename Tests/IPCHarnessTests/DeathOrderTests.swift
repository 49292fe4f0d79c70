import IPCHarness
import Testing

/// A process's death comes after everything the process did. The checker derives the death (its `exit` operation
/// on each object) with an interval that opens where the dead process's last operation may still have taken
/// effect — at the kill, or at the invoke of the operation it died in — so without an order between them the
/// search could put the death first and the operation after it: a consumer's receive taking a message *after* the
/// death that should have given it back. That hid every loss of a consumer that died right after its receive
/// (the fuzzer's `die-after` and `follow` edits made exactly those, and none was ever reported).
@Suite struct DeathOrderTests {
    /// Process 1 sends 1 and 2; consumer 2 takes a message and dies inside its receive (it killed itself after the
    /// call returned, before reporting); then process 1 receives `got`.
    func trace(processOneReceives got: Int) throws -> Trace {
        let lines = [
            #"{"format":"ipc-trace","version":1,"model":"ack-queue","params":{"objects":{"q0":{"capacity":5}}},"mechanism":"m","seed":"1","strategy":"random"}"#,
            #"{"index":0,"time":1,"process":1,"type":"spawn"}"#,
            #"{"index":1,"time":2,"process":2,"type":"spawn"}"#,
            #"{"index":2,"time":10,"process":1,"type":"invoke","f":"send","object":"q0","value":{"message":1}}"#,
            #"{"index":3,"time":11,"process":1,"type":"ok","f":"send","object":"q0"}"#,
            #"{"index":4,"time":12,"process":1,"type":"invoke","f":"send","object":"q0","value":{"message":2}}"#,
            #"{"index":5,"time":13,"process":1,"type":"ok","f":"send","object":"q0"}"#,
            #"{"index":6,"time":20,"process":2,"type":"invoke","f":"receive","object":"q0"}"#,
            #"{"index":7,"time":21,"process":2,"type":"kill","signal":"SIGKILL","point":"after"}"#,
            #"{"index":8,"time":22,"process":2,"type":"info","f":"receive","object":"q0"}"#,
            #"{"index":9,"time":23,"process":2,"type":"exit","value":{"signal":"SIGKILL"}}"#,
            #"{"index":10,"time":30,"process":1,"type":"invoke","f":"receive","object":"q0"}"#,
            #"{"index":11,"time":31,"process":1,"type":"ok","f":"receive","object":"q0","value":{"message":\#(got)}}"#,
        ]
        return try Trace.parse(Array(lines.joined(separator: "\n").utf8))
    }

    @Test func aMessageTheDeadConsumerMayHaveTakenComesBackBeforeTheQueuedOnes() throws {
        // Whether or not consumer 2's receive took message 1, message 1 is what process 1 gets next: still queued
        // (the receive never took effect), or given back at the death.
        #expect(try TraceChecker.check(trace(processOneReceives: 1)).result == .ok)
    }

    @Test func aMessageLostByAConsumerThatDiedRightAfterItsReceiveIsAViolation() throws {
        // Message 2 first means message 1 was taken and never given back: the receive would have had to take
        // effect after the death. Accepted before the death was ordered after the process's own operations.
        let report = try TraceChecker.check(trace(processOneReceives: 2))
        #expect(report.result == .violation)
    }
}
