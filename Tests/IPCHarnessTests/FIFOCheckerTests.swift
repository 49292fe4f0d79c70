import IPCHarness
import Testing

/// Hand-written FIFO histories: each forbidden one beside an allowed one that differs only where it matters.
@Suite struct FIFOCheckerTests {
    func fifo() -> GenericTraceBuilder {
        GenericTraceBuilder(model: "fifo", params: #"{"objects":{"f0":{"capacity":65536}}}"#)
    }

    @Test func aNonblockingWriterNeedsAReaderThatHasAtLeastStartedToOpen() throws {
        var allowed = fifo()
        allowed.invoke(2, "open", "f0", #"{"end":"read"}"#)
        allowed.operation(1, "open", "f0", #"{"end":"write","nonblocking":true}"#)
        allowed.operation(1, "write", "f0", #"{"data":"hi"}"#, ok: #"{"written":2}"#)
        allowed.ok(2, "open", "f0")
        allowed.operation(2, "read", "f0", #"{"max":10}"#, ok: #"{"data":"hi"}"#)
        #expect(try allowed.check().result == .ok)

        var forbidden = fifo()
        forbidden.operation(1, "open", "f0", #"{"end":"write","nonblocking":true}"#)
        forbidden.operation(2, "open", "f0", #"{"end":"read"}"#)
        #expect(try forbidden.check().result == .violation)

        var refused = fifo()
        refused.operation(1, "open", "f0", #"{"end":"write","nonblocking":true}"#, fail: "ENXIO")
        #expect(try refused.check().result == .ok)
    }

    @Test func aNonblockingReaderWithoutWritersReadsEndOfFileNotEAGAIN() throws {
        var allowed = fifo()
        allowed.operation(1, "open", "f0", #"{"end":"read","nonblocking":true}"#)
        allowed.operation(1, "read", "f0", #"{"max":10,"nonblocking":true}"#, ok: #"{"data":""}"#)
        #expect(try allowed.check().result == .ok)

        var forbidden = fifo()
        forbidden.operation(1, "open", "f0", #"{"end":"read","nonblocking":true}"#)
        forbidden.operation(1, "read", "f0", #"{"max":10,"nonblocking":true}"#, fail: "EAGAIN")
        #expect(try forbidden.check().result == .violation)
    }

    @Test func theBytesAreGoneOnceEveryOpenerHasClosed() throws {
        func trace(readAgain result: String) -> GenericTraceBuilder {
            var trace = fifo()
            trace.operation(1, "open", "f0", #"{"end":"read","nonblocking":true}"#)
            trace.operation(2, "open", "f0", #"{"end":"write","nonblocking":true}"#)
            trace.operation(2, "write", "f0", #"{"data":"old"}"#, ok: #"{"written":3}"#)
            trace.operation(2, "close", "f0", #"{"end":"write"}"#)
            trace.operation(1, "close", "f0", #"{"end":"read"}"#)
            trace.operation(1, "open", "f0", #"{"end":"read","nonblocking":true}"#)
            trace.operation(1, "read", "f0", #"{"max":10}"#, ok: result)
            return trace
        }
        #expect(try trace(readAgain: #"{"data":""}"#).check().result == .ok)
        #expect(try trace(readAgain: #"{"data":"old"}"#).check().result == .violation)
    }

    @Test func aSleepingReaderReleasedByAnOpenAndCloseReadsEndOfFile() throws {
        var allowed = fifo()
        allowed.invoke(1, "open", "f0", #"{"end":"read"}"#)
        allowed.operation(2, "open", "f0", #"{"end":"write","nonblocking":true}"#)
        allowed.operation(2, "close", "f0", #"{"end":"write"}"#)
        allowed.ok(1, "open", "f0")
        allowed.operation(1, "read", "f0", #"{"max":10}"#, ok: #"{"data":""}"#)
        #expect(try allowed.check().result == .ok)

        // Nobody opened for writing: a blocking open for reading cannot have returned.
        var forbidden = fifo()
        forbidden.operation(1, "open", "f0", #"{"end":"read"}"#)
        #expect(try forbidden.check().result == .violation)
    }

    @Test func aWriteAfterTheLastReaderClosedFailsEPIPE() throws {
        func trace(_ last: (inout GenericTraceBuilder) -> Void) -> GenericTraceBuilder {
            var trace = fifo()
            trace.operation(1, "open", "f0", #"{"end":"read","nonblocking":true}"#)
            trace.operation(2, "open", "f0", #"{"end":"write","nonblocking":true}"#)
            trace.operation(1, "close", "f0", #"{"end":"read"}"#)
            last(&trace)
            return trace
        }
        #expect(try trace { $0.operation(2, "write", "f0", #"{"data":"x"}"#, fail: "EPIPE") }.check().result == .ok)
        #expect(try trace { $0.operation(2, "write", "f0", #"{"data":"x"}"#, ok: #"{"written":1}"#) }.check().result == .violation)
    }
}
