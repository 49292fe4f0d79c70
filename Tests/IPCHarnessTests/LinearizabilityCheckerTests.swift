import IPCHarness
import IPCModels
import Testing

/// Hand-written pipe histories: each forbidden one beside an allowed one that differs only where it matters.
@Suite struct LinearizabilityCheckerTests {
    @Test func sequentialWriteThenReadIsAllowed() throws {
        var trace = PipeTraceBuilder()
        trace.write(1, "hello")
        trace.read(2, max: 10, gets: "hello")
        #expect(try trace.check().result == .ok)
    }

    @Test func readsMaySplitAndMergeWrites() throws {
        var trace = PipeTraceBuilder()
        trace.write(1, "ab")
        trace.write(1, "cd")
        trace.read(2, max: 3, gets: "abc")
        trace.read(2, max: 3, gets: "d")
        #expect(try trace.check().result == .ok)
    }

    @Test func sequentialWritesReadInTheOtherOrderAreAViolation() throws {
        var trace = PipeTraceBuilder()
        trace.write(1, "ab")
        trace.write(1, "cd")
        trace.read(2, max: 10, gets: "cdab")
        let report = try trace.check()
        #expect(report.result == .violation)
        let explanation = report.explanation
        #expect(explanation.contains("object p0"))
        #expect(explanation.contains(#"read up to 10 bytes → "cdab""#))
        // The read alone contradicts the writes' intervals (ab returned before cd was invoked): it is the core,
        // and both writes form the longest linearizable prefix it cannot follow.
        #expect(report.objects[0].coreEventIndices == [4])
        #expect(report.objects[0].linearizedEventIndices == [0, 2])
        #expect(explanation.contains("No order lets this operation take effect before it returned: process 2: read"))
    }

    @Test func concurrentWritesMayLandInEitherOrder() throws {
        var trace = PipeTraceBuilder(writers: [1, 3])
        trace.invokeWrite(1, "ab")
        trace.invokeWrite(3, "cd")
        trace.wrote(3, 2)
        trace.wrote(1, 2)
        trace.read(2, max: 10, gets: "cdab")
        #expect(try trace.check().result == .ok)
    }

    @Test func smallConcurrentWritesNeverInterleave() throws {
        var allowed = PipeTraceBuilder(writers: [1, 3])
        allowed.invokeWrite(1, "aaaa")
        allowed.invokeWrite(3, "bbbb")
        allowed.wrote(1, 4)
        allowed.wrote(3, 4)
        allowed.read(2, max: 100, gets: "bbbbaaaa")
        #expect(try allowed.check().result == .ok)

        var forbidden = PipeTraceBuilder(writers: [1, 3])
        forbidden.invokeWrite(1, "aaaa")
        forbidden.invokeWrite(3, "bbbb")
        forbidden.wrote(1, 4)
        forbidden.wrote(3, 4)
        forbidden.read(2, max: 100, gets: "aabbbbaa")
        #expect(try forbidden.check().result == .violation)
    }

    @Test func lostBytesAreAViolation() throws {
        var trace = PipeTraceBuilder()
        trace.write(1, "abc")
        trace.write(1, "def")
        trace.read(2, max: 10, gets: "abc")
        trace.read(2, max: 10, gets: "ef")
        let report = try trace.check()
        #expect(report.result == .violation)
        #expect(report.explanation.contains("longest linearizable prefix"))
    }

    @Test func nonblockingReadOfAnEmptyPipeFailsEAGAINOnlyWhenEmpty() throws {
        var allowed = PipeTraceBuilder()
        allowed.invokeRead(2, max: 10, nonblocking: true)
        allowed.fail(2, "read", "EAGAIN")
        #expect(try allowed.check().result == .ok)

        var forbidden = PipeTraceBuilder()
        forbidden.write(1, "x")
        forbidden.invokeRead(2, max: 10, nonblocking: true)
        forbidden.fail(2, "read", "EAGAIN")
        #expect(try forbidden.check().result == .violation)
    }

    @Test func endOfFileOnlyAfterTheLastWriterCloses() throws {
        var allowed = PipeTraceBuilder()
        allowed.write(1, "x")
        allowed.invokeClose(1, "write")
        allowed.closed(1)
        allowed.read(2, max: 10, gets: "x")
        allowed.read(2, max: 10, gets: "")
        #expect(try allowed.check().result == .ok)

        var forbidden = PipeTraceBuilder()
        forbidden.write(1, "x")
        forbidden.read(2, max: 10, gets: "x")
        forbidden.read(2, max: 10, gets: "")
        #expect(try forbidden.check().result == .violation)
    }

    @Test func writeWithoutReadersFailsEPIPE() throws {
        var allowed = PipeTraceBuilder()
        allowed.invokeClose(2, "read")
        allowed.closed(2)
        allowed.invokeWrite(1, "x")
        allowed.fail(1, "write", "EPIPE")
        #expect(try allowed.check().result == .ok)

        var forbidden = PipeTraceBuilder()
        forbidden.invokeWrite(1, "x")
        forbidden.fail(1, "write", "EPIPE")
        #expect(try forbidden.check().result == .violation)
    }

    @Test func capacityIsCountedInPages() throws {
        // 3000-byte nonblocking writes: 16 fit (one page each), the 17th fails EAGAIN with 17536 bytes free.
        var allowed = PipeTraceBuilder()
        for _ in 0..<16 { allowed.write(1, String(repeating: "x", count: 3000), nonblocking: true) }
        allowed.invokeWrite(1, bytes: 3000, nonblocking: true)
        allowed.fail(1, "write", "EAGAIN")
        #expect(try allowed.check().result == .ok)

        var forbidden = PipeTraceBuilder()
        for _ in 0..<17 { forbidden.write(1, String(repeating: "x", count: 3000), nonblocking: true) }
        #expect(try forbidden.check().result == .violation)
    }

    @Test func blockingWriteLargerThanThePipeLandsInPieces() throws {
        // A 70000-byte blocking write fills the pipe, the reader drains it, the rest lands, the write returns.
        var trace = PipeTraceBuilder()
        trace.invokeWrite(1, bytes: 70000)
        trace.invokeRead(2, max: 65536)
        trace.read(2, bytes: 65536)
        trace.wrote(1, 70000)
        trace.read(2, max: 65536, gets: String(repeating: "x", count: 70000 - 65536))
        #expect(try trace.check().result == .ok)
    }

    @Test func aBlockingWriteOfAtMostPipeBufIsNotSplit() throws {
        var forbidden = PipeTraceBuilder()
        forbidden.write(1, String(repeating: "y", count: 65536 - 100), nonblocking: true)
        forbidden.invokeWrite(1, bytes: 1000)
        forbidden.invokeRead(2, max: 70000)
        forbidden.read(2, String(repeating: "y", count: 65536 - 100) + String(repeating: "x", count: 100))
        forbidden.wrote(1, 1000)
        #expect(try forbidden.check().result == .violation)
    }

    @Test func indeterminateWriteMayOrMayNotHaveHappened() throws {
        for observed in ["abc", ""] {
            var trace = PipeTraceBuilder()
            trace.invokeWrite(1, "abc")
            trace.info(1, "write")
            trace.exit(1)
            trace.read(2, max: 10, gets: observed)
            #expect(try trace.check().result == .ok, "read \(observed)")
        }
        var forbidden = PipeTraceBuilder()
        forbidden.invokeWrite(1, "abc")
        forbidden.info(1, "write")
        forbidden.exit(1)
        forbidden.read(2, max: 10, gets: "ab")
        #expect(try forbidden.check().result == .violation)
    }

    @Test func anIndeterminateOperationCannotTakeEffectAfterItsProcessDied() throws {
        var forbidden = PipeTraceBuilder(writers: [1, 3])
        forbidden.invokeWrite(1, "late")
        forbidden.info(1, "write")
        forbidden.exit(1)
        forbidden.read(2, max: 10, gets: "")  // would need writers gone: 3 still holds one
        #expect(try forbidden.check().result == .violation)
    }

    @Test func deathClosesTheDeadProcessesEnds() throws {
        var trace = PipeTraceBuilder()
        trace.invokeRead(2, max: 10)
        trace.exit(1)  // the only writer dies: the blocked reader gets end of file
        trace.read(2, "")
        #expect(try trace.check().result == .ok)
    }

    @Test func aBudgetThatRunsOutGivesUnknownNotAVerdict() throws {
        // Many concurrent indeterminate writes make the search wide; a zero budget stops it at the first check.
        var trace = PipeTraceBuilder(writers: Array(10..<40))
        for process in 10..<40 { trace.invokeWrite(process, "w\(process)") }
        for process in 10..<40 { trace.info(process, "write") }
        trace.read(2, max: 10, gets: "zz")
        let report = try TraceChecker.check(trace.trace, budget: CheckBudget(seconds: 0, memoryBytes: 1 << 30))
        #expect(report.result == .unknown)
        #expect(report.explanation.contains("time budget"))
    }
}

/// The FIFO queue model on hand-written histories.
/// The queue model as a user's FIFO queue is checked against it (`QueueModel(capacity:)`): operations that
/// overlap may take effect in either order; "full" and "empty" only when they are.
@Suite struct QueueModelConcurrencyTests {
    let model = QueueModel(capacity: 2)

    func send(_ id: Int, _ process: Int, _ value: String, _ output: QueueModel.Output, _ from: UInt64, _ to: UInt64)
        -> HistoryOperation<QueueModel.Input, QueueModel.Output>
    {
        operation(id, process, .send(process: process, to: nil, data: Array(value.utf8)), output, from, to)
    }

    func receive(_ id: Int, _ process: Int, _ output: QueueModel.Output, _ from: UInt64, _ to: UInt64)
        -> HistoryOperation<QueueModel.Input, QueueModel.Output>
    {
        operation(id, process, .receive(process: process), output, from, to)
    }

    func operation(_ id: Int, _ process: Int, _ input: QueueModel.Input, _ output: QueueModel.Output, _ from: UInt64, _ to: UInt64)
        -> HistoryOperation<QueueModel.Input, QueueModel.Output>
    {
        HistoryOperation(id: id, process: process, object: "q", input: input, output: output, invokeTime: from, end: .returned(to), invokeIndex: id)
    }

    static func received(_ value: String) -> QueueModel.Output { .received(Array(value.utf8)) }

    @Test func concurrentSendsMayBeReceivedInEitherOrder() {
        let history = History(model: model, operations: [
            send(0, 1, "1", .sent, 0, 10),
            send(1, 2, "2", .sent, 5, 15),
            receive(2, 3, Self.received("2"), 20, 30),
            receive(3, 3, Self.received("1"), 31, 40),
        ])
        #expect(LinearizabilityChecker.check(history).result == .ok)
    }

    @Test func sequentialSendsReceivedBackwardsAreAViolation() {
        let history = History(model: model, operations: [
            send(0, 1, "1", .sent, 0, 10),
            send(1, 1, "2", .sent, 11, 20),
            receive(2, 2, Self.received("2"), 21, 30),
        ])
        #expect(LinearizabilityChecker.check(history).result == .violation)
    }

    @Test func fullOnlyAtCapacityAndEmptyOnlyWhenEmpty() {
        let full = History(model: model, operations: [
            send(0, 1, "1", .sent, 0, 10),
            send(1, 1, "2", .failed(.EAGAIN), 11, 20),
        ])
        #expect(LinearizabilityChecker.check(full).result == .violation)
        let empty = History(model: model, operations: [
            send(0, 1, "1", .sent, 0, 10),
            receive(1, 2, .failed(.EAGAIN), 11, 20),
        ])
        #expect(LinearizabilityChecker.check(empty).result == .violation)
        let racing = History(model: model, operations: [
            send(0, 1, "1", .sent, 0, 20),
            receive(1, 2, .failed(.EAGAIN), 5, 15),
        ])
        #expect(LinearizabilityChecker.check(racing).result == .ok)
    }

    @Test func anUnboundedQueueNeverRefusesAndARefusableOneMay() {
        let refused = [send(0, 1, "1", .failed(.EAGAIN), 0, 10)]
        #expect(LinearizabilityChecker.check(History(model: QueueModel(), operations: refused)).result == .violation)
        let refusable = QueueModel(objects: [("q", .init(refusable: true))])
        #expect(LinearizabilityChecker.check(History(model: refusable, operations: refused)).result == .ok)
    }
}

/// Interruptions and short transfers: what the kernel does when a signal or the fault plan cuts a call short.
@Suite struct InterruptedPipeCallsTests {
    @Test func anInterruptedReadHasNoEffect() throws {
        var allowed = PipeTraceBuilder()
        allowed.invokeRead(2, max: 10)
        allowed.fail(2, "read", "EINTR")
        allowed.write(1, "ab")
        allowed.read(2, max: 10, gets: "ab")
        #expect(try allowed.check().result == .ok)

        var forbidden = PipeTraceBuilder()
        forbidden.write(1, "ab")
        forbidden.invokeRead(2, max: 10)
        forbidden.fail(2, "read", "EINTR")
        forbidden.read(2, max: 10, gets: "")  // the interrupted read consumed nothing, and the writer is open
        #expect(try forbidden.check().result == .violation)
    }

    @Test func anInterruptedBlockingWriteReturnsWhatItWrote() throws {
        // 70000 bytes into an empty pipe nobody reads: 65536 go in, the writer sleeps, a signal returns 65536.
        var allowed = PipeTraceBuilder()
        allowed.invokeWrite(1, bytes: 70000)
        allowed.wrote(1, 65536)
        allowed.read(2, max: 70000, gets: String(repeating: "x", count: 65536))
        #expect(try allowed.check().result == .ok)

        // It cannot claim EINTR once bytes have moved, nor return less than it wrote.
        var eintrAfterProgress = PipeTraceBuilder()
        eintrAfterProgress.invokeWrite(1, bytes: 70000)
        eintrAfterProgress.fail(1, "write", "EINTR")
        eintrAfterProgress.read(2, max: 70000, gets: String(repeating: "x", count: 65536))
        #expect(try eintrAfterProgress.check().result == .violation)
    }

    /// pipe_write looks for a signal only when it must wait for room: a blocking write that fits returns without
    /// sleeping and cannot end with EINTR; one into a full pipe can (nothing written, no effect).
    @Test func aBlockingWriteIsInterruptedOnlyWhenItFindsNoRoom() throws {
        var roomy = PipeTraceBuilder()
        roomy.invokeWrite(1, "a")
        roomy.fail(1, "write", "EINTR")
        #expect(try roomy.check().result == .violation)

        var full = PipeTraceBuilder(capacity: 4096)
        full.write(1, String(repeating: "x", count: 4096))
        full.invokeWrite(1, "a")
        full.fail(1, "write", "EINTR")
        full.read(2, max: 8192, gets: String(repeating: "x", count: 4096))
        #expect(try full.check().result == .ok)

        // A nonblocking write never sleeps: EAGAIN, never EINTR.
        var nonblocking = PipeTraceBuilder(capacity: 4096)
        nonblocking.write(1, String(repeating: "x", count: 4096))
        nonblocking.invokeWrite(1, "a", nonblocking: true)
        nonblocking.fail(1, "write", "EINTR")
        #expect(try nonblocking.check().result == .violation)
    }

    @Test func aShortFaultMakesTheCallTheShorterOne() throws {
        var trace = PipeTraceBuilder()
        trace.invokeWrite(1, "abcdef")
        trace.fault(1, "short", call: "write", count: 2)
        trace.wrote(1, 2)
        trace.read(2, max: 10, gets: "ab")
        #expect(try trace.check().result == .ok)

        // Without the fault event the same outputs are a violation: a blocking 6-byte write is atomic.
        var unexplained = PipeTraceBuilder()
        unexplained.invokeWrite(1, "abcdef")
        unexplained.wrote(1, 2)
        unexplained.read(2, max: 10, gets: "ab")
        #expect(try unexplained.check().result == .violation)
    }

    @Test func aShortFaultWithoutAnOperationIsMalformed() {
        var trace = PipeTraceBuilder()
        trace.fault(1, "short", call: "write", count: 2)
        #expect {
            _ = try trace.check()
        } throws: { error in
            "\(error)".contains("a 'short' fault for process 1, which has no operation in progress")
        }
    }
}
