import IPCHarness
import Testing

/// Hand-written eventfd histories: each forbidden one beside an allowed one.
@Suite struct EventCounterCheckerTests {
    func counter(semaphore: Bool = false, initial: String = "0", nonblocking: Bool = true) -> GenericTraceBuilder {
        GenericTraceBuilder(
            model: "eventfd",
            params: #"{"objects":{"e0":{"initial":\#(initial),"semaphore":\#(semaphore),"nonblocking":\#(nonblocking),"holders":[1,2]}}}"#)
    }

    @Test func aPlainReadTakesTheSumAndResets() throws {
        var allowed = counter()
        allowed.operation(1, "write", "e0", #"{"value":5}"#, ok: #"{"written":8}"#)
        allowed.operation(1, "write", "e0", #"{"value":7}"#, ok: #"{"written":8}"#)
        allowed.operation(2, "read", "e0", nil, ok: #"{"value":12}"#)
        allowed.operation(2, "read", "e0", nil, fail: "EAGAIN")
        #expect(try allowed.check().result == .ok)

        var forbidden = counter()
        forbidden.operation(1, "write", "e0", #"{"value":5}"#, ok: #"{"written":8}"#)
        forbidden.operation(1, "write", "e0", #"{"value":7}"#, ok: #"{"written":8}"#)
        forbidden.operation(2, "read", "e0", nil, ok: #"{"value":5}"#)
        #expect(try forbidden.check().result == .violation)
    }

    @Test func aReadTheFaultPlanCutBelowEightBytesFailsEINVALAndTakesNothing() throws {
        func read(cut: Bool, countStays: Bool) -> GenericTraceBuilder {
            var trace = counter()
            trace.operation(1, "write", "e0", #"{"value":5}"#, ok: #"{"written":8}"#)
            trace.invoke(2, "read", "e0")
            if cut { trace.event(2, "fault", #","fault":"short","call":"read","value":{"count":7,"requested":8}"#) }
            trace.fail(2, "read", "e0", "EINVAL")
            if countStays {
                trace.operation(2, "read", "e0", nil, ok: #"{"value":5}"#)
            } else {
                trace.operation(2, "read", "e0", nil, fail: "EAGAIN")
            }
            return trace
        }
        // Cut to 7 bytes, the read is refused (eventfd needs 8) and the count stays for the next read.
        #expect(try read(cut: true, countStays: true).check().result == .ok)
        // Not cut, an 8-byte read never fails EINVAL; and a refused read cannot have taken the count.
        #expect(try read(cut: false, countStays: true).check().result == .violation)
        #expect(try read(cut: true, countStays: false).check().result == .violation)
    }

    @Test func asASemaphoreEveryReadTakesOne() throws {
        var allowed = counter(semaphore: true)
        allowed.operation(1, "write", "e0", #"{"value":2}"#, ok: #"{"written":8}"#)
        allowed.operation(2, "read", "e0", nil, ok: #"{"value":1}"#)
        allowed.operation(2, "read", "e0", nil, ok: #"{"value":1}"#)
        allowed.operation(2, "read", "e0", nil, fail: "EAGAIN")
        #expect(try allowed.check().result == .ok)

        var forbidden = counter(semaphore: true)
        forbidden.operation(1, "write", "e0", #"{"value":2}"#, ok: #"{"written":8}"#)
        forbidden.operation(2, "read", "e0", nil, ok: #"{"value":2}"#)
        #expect(try forbidden.check().result == .violation)
    }

    @Test func theCountCannotPassItsCeiling() throws {
        var allowed = counter()
        allowed.operation(1, "write", "e0", #"{"value":"18446744073709551614"}"#, ok: #"{"written":8}"#)
        allowed.operation(1, "write", "e0", #"{"value":1}"#, fail: "EAGAIN")
        allowed.operation(2, "read", "e0", nil, ok: #"{"value":"18446744073709551614"}"#)
        #expect(try allowed.check().result == .ok)

        var forbidden = counter()
        forbidden.operation(1, "write", "e0", #"{"value":"18446744073709551614"}"#, ok: #"{"written":8}"#)
        forbidden.operation(1, "write", "e0", #"{"value":1}"#, ok: #"{"written":8}"#)
        #expect(try forbidden.check().result == .violation)

        var invalid = counter()
        invalid.operation(1, "write", "e0", #"{"value":"18446744073709551615"}"#, ok: #"{"written":8}"#)
        #expect(try invalid.check().result == .violation)
    }

    @Test func concurrentReadersMayTakeTheCountInEitherOrder() throws {
        var trace = counter()
        trace.operation(1, "write", "e0", #"{"value":3}"#, ok: #"{"written":8}"#)
        trace.invoke(1, "read", "e0")
        trace.invoke(2, "read", "e0")
        trace.fail(1, "read", "e0", "EAGAIN")
        trace.ok(2, "read", "e0", #"{"value":3}"#)
        #expect(try trace.check().result == .ok)
    }

    @Test func aBlockingReadOfZeroWaitsForAWrite() throws {
        var allowed = counter(nonblocking: false)
        allowed.invoke(2, "read", "e0")
        allowed.operation(1, "write", "e0", #"{"value":3}"#, ok: #"{"written":8}"#)
        allowed.ok(2, "read", "e0", #"{"value":3}"#)
        #expect(try allowed.check().result == .ok)

        // The read returned before anything was written.
        var forbidden = counter(nonblocking: false)
        forbidden.operation(2, "read", "e0", nil, ok: #"{"value":3}"#)
        forbidden.operation(1, "write", "e0", #"{"value":3}"#, ok: #"{"written":8}"#)
        #expect(try forbidden.check().result == .violation)

        // A blocking eventfd never answers EAGAIN.
        var eagain = counter(nonblocking: false)
        eagain.operation(2, "read", "e0", nil, fail: "EAGAIN")
        #expect(try eagain.check().result == .violation)
    }

    @Test func buffersOfOtherThanEightBytesFailEINVALAndChangeNothing() throws {
        var allowed = counter(initial: "2")
        allowed.operation(1, "write", "e0", #"{"value":5,"size":4}"#, fail: "EINVAL")
        allowed.operation(2, "read", "e0", #"{"size":4}"#, fail: "EINVAL")
        allowed.operation(2, "read", "e0", #"{"size":16}"#, ok: #"{"value":2}"#)
        #expect(try allowed.check().result == .ok)

        var forbidden = counter(initial: "2")
        forbidden.operation(1, "write", "e0", #"{"value":5,"size":4}"#, fail: "EINVAL")
        forbidden.operation(2, "read", "e0", nil, ok: #"{"value":7}"#)
        #expect(try forbidden.check().result == .violation)
    }
}
