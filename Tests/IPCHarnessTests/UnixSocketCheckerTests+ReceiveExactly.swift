import IPCHarness
import Testing

/// `receive-exactly`, a client's framing loop on a stream: short only at end of file or after an error; its
/// pieces may interleave with other readers'; a fault that cuts its first receive changes nothing it may report.
extension UnixSocketCheckerTests {
    func exactly(_ size: Int) -> String { #"{"end":"b","size":\#(size)}"# }

    @Test func aFramingLoopReturnsShortOnlyAtEndOfFile() throws {
        func trace(closed: Bool, sends: [String], gets: String) -> GenericTraceBuilder {
            var trace = pair("stream")
            for data in sends {
                trace.operation(1, "send", "s0", #"{"end":"a","data":"\#(data)"}"#, ok: #"{"sent":\#(data.count)}"#)
            }
            if closed { trace.operation(1, "close", "s0", #"{"end":"a"}"#) }
            trace.operation(2, "receive-exactly", "s0", exactly(11), ok: #"{"data":"\#(gets)"}"#)
            return trace
        }
        // Whole, from two sends.
        #expect(try trace(closed: false, sends: ["hello", " world"], gets: "hello world").check().result == .ok)
        // Short while the rest is queued, or while the writer may still send it: the loop would have gone on.
        #expect(try trace(closed: false, sends: ["hello", " world"], gets: "hello").check().result == .violation)
        #expect(try trace(closed: false, sends: ["hello"], gets: "hello").check().result == .violation)
        #expect(try trace(closed: true, sends: ["hello", " world"], gets: "hello").check().result == .violation)
        // Short after the writer closed: end of file ends the loop with what it has.
        #expect(try trace(closed: true, sends: ["hello"], gets: "hello").check().result == .ok)
        #expect(try trace(closed: true, sends: [], gets: "").check().result == .ok)
    }

    @Test func aFramingLoopFailsOnAResetOnlyWithNothingReceived() throws {
        // Process 1 closes with "unread" unread: process 2's reads get "hi", then ECONNRESET once.
        func trace(_ result: (inout GenericTraceBuilder) -> Void) -> GenericTraceBuilder {
            var trace = pair("stream")
            trace.operation(2, "send", "s0", #"{"end":"b","data":"unread"}"#, ok: #"{"sent":6}"#)
            trace.operation(1, "send", "s0", #"{"end":"a","data":"hi"}"#, ok: #"{"sent":2}"#)
            trace.exit(1)
            result(&trace)
            return trace
        }
        // The error after some data is swallowed: the loop returns what it has, and the next read is end of file.
        #expect(
            try trace {
                $0.operation(2, "receive-exactly", "s0", self.exactly(5), ok: #"{"data":"hi"}"#)
                $0.operation(2, "receive-exactly", "s0", self.exactly(5), ok: #"{"data":""}"#)
            }.check().result == .ok)
        #expect(
            try trace {
                $0.operation(2, "receive", "s0", #"{"end":"b","max":2}"#, ok: #"{"data":"hi"}"#)
                $0.operation(2, "receive-exactly", "s0", self.exactly(5), fail: "ECONNRESET")
            }.check().result == .ok)
        #expect(
            try trace { $0.operation(2, "receive-exactly", "s0", self.exactly(5), fail: "ECONNRESET") }.check().result
                == .violation)
    }

    /// Four 2-byte sends queued, then two readers of b at once: one receives 4 bytes, the other a 4-byte frame.
    func twoReaders(first: String, firstGets: String, secondGets: String) -> GenericTraceBuilder {
        var trace = GenericTraceBuilder(
            model: "unix-socket", params: #"{"objects":{"s0":{"type":"stream","pair":{"a":[1],"b":[2,3]}}}}"#)
        for data in ["ab", "cd", "ef", "gh"] {
            trace.operation(1, "send", "s0", #"{"end":"a","data":"\#(data)"}"#, ok: #"{"sent":2}"#)
        }
        trace.invoke(
            2, first == "receive" ? "receive" : "receive-exactly", "s0",
            first == "receive" ? #"{"end":"b","max":4}"# : exactly(4))
        trace.invoke(3, "receive-exactly", "s0", exactly(4))
        trace.ok(3, "receive-exactly", "s0", #"{"data":"\#(secondGets)"}"#)
        trace.ok(2, first, "s0", #"{"data":"\#(firstGets)"}"#)
        return trace
    }

    @Test func framingLoopsHoldNoReadLockBetweenTheirReceives() throws {
        // Each loop's receives may take every other buffer.
        #expect(try twoReaders(first: "receive-exactly", firstGets: "abef", secondGets: "cdgh").check().result == .ok)
        // A plain receive holds the lock for its whole call, so no loop's piece falls inside it.
        #expect(try twoReaders(first: "receive", firstGets: "abef", secondGets: "cdgh").check().result == .violation)
        #expect(try twoReaders(first: "receive", firstGets: "abcd", secondGets: "efgh").check().result == .ok)
    }

    @Test func aFramingLoopClosesTheDescriptorsItMeets() throws {
        func trace(result: String) -> GenericTraceBuilder {
            var trace = pair("stream", files: memoryFile)
            trace.operation(1, "send", "s0", #"{"end":"a","data":"xy","files":["f0"]}"#, ok: #"{"sent":2}"#)
            trace.operation(1, "send", "s0", #"{"end":"a","data":"z"}"#, ok: #"{"sent":1}"#)
            trace.operation(2, "receive-exactly", "s0", exactly(3), ok: result)
            return trace
        }
        #expect(try trace(result: #"{"data":"xyz","filesTruncated":true}"#).check().result == .ok)
        #expect(try trace(result: #"{"data":"xyz"}"#).check().result == .violation)
        #expect(try trace(result: #"{"data":"xyz","files":["f0"]}"#).check().result == .violation)
    }

    @Test func aFramingLoopIsOnlyForStreams() throws {
        var trace = pair("seqpacket")
        trace.operation(1, "send", "s0", #"{"end":"a","data":"hello"}"#, ok: #"{"sent":5}"#)
        trace.operation(2, "receive-exactly", "s0", exactly(5), fail: "EINVAL")
        trace.operation(2, "receive", "s0", #"{"end":"b","max":5}"#, ok: #"{"data":"hello"}"#)
        #expect(try trace.check().result == .ok)
    }

    @Test func aShortFaultOnAFramingLoopLeavesItsWholeSizeToReceive() throws {
        // The fault plan cut the loop's first receive (of 11 bytes) to 3. The robust loop receives the rest; the
        // one-read client reports what the cut receive got, as if it were the message, and is caught.
        func trace(gets: String) -> GenericTraceBuilder {
            var trace = pair("stream")
            trace.operation(1, "send", "s0", #"{"end":"a","data":"hello world"}"#, ok: #"{"sent":11}"#)
            trace.invoke(2, "receive-exactly", "s0", exactly(11))
            trace.event(2, "fault", #","fault":"short","call":"recvmsg","value":{"count":3,"requested":11}"#)
            trace.ok(2, "receive-exactly", "s0", #"{"data":"\#(gets)"}"#)
            return trace
        }
        #expect(try trace(gets: "hello world").check().result == .ok)
        #expect(try trace(gets: "hel").check().result == .violation)
    }
}

/// A `MSG_TRUNC` receive is one system call: a fault that cuts its buffer is the smaller call the kernel saw.
extension UnixSocketCheckerTests {
    @Test func aShortFaultOnATruncatingReceiveIsTheSmallerCall() throws {
        // The fault plan cut a 20-byte MSG_TRUNC receive on a stream (which ignores the flag; the plan cuts only
        // byte streams' receives) to 3 bytes with 11 queued: the kernel copied "hel". A client reporting bytes the
        // cut call never received is caught.
        func trace(gets: String) -> GenericTraceBuilder {
            var trace = pair("stream")
            trace.operation(1, "send", "s0", #"{"end":"a","data":"hello world"}"#, ok: #"{"sent":11}"#)
            trace.invoke(2, "receive", "s0", #"{"end":"b","max":20,"trunc":true}"#)
            trace.event(2, "fault", #","fault":"short","call":"recvmsg","value":{"count":3,"requested":20}"#)
            trace.ok(2, "receive", "s0", gets)
            trace.operation(2, "receive", "s0", #"{"end":"b","max":20,"nonblocking":true}"#, ok: #"{"data":"lo world"}"#)
            return trace
        }
        #expect(try trace(gets: #"{"data":"hel"}"#).check().result == .ok)
        #expect(try trace(gets: #"{"data":"hello world"}"#).check().result == .violation)
        #expect(try trace(gets: #"{"data":"hel","truncated":true,"size":11}"#).check().result == .violation)
    }
}
