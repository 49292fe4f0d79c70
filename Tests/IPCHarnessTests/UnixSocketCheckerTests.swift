import IPCHarness
import Testing

/// Hand-written unix-socket histories: each forbidden one beside an allowed one that differs only where it matters.
@Suite struct UnixSocketCheckerTests {
    func pair(_ type: String, files: String = "") -> GenericTraceBuilder {
        GenericTraceBuilder(
            model: "unix-socket",
            params: #"{"objects":{"s0":{"type":"\#(type)","pair":{"a":[1],"b":[2]}\#(files)}}}"#)
    }

    @Test(arguments: ["dgram", "seqpacket"])
    func aTruncatedDatagramLosesItsTail(type: String) throws {
        func trace(then: (inout GenericTraceBuilder) -> Void) -> GenericTraceBuilder {
            var trace = pair(type)
            trace.operation(1, "send", "s0", #"{"end":"a","data":"hello world"}"#, ok: #"{"sent":11}"#)
            trace.operation(2, "receive", "s0", #"{"end":"b","max":5}"#, ok: #"{"data":"hello","truncated":true}"#)
            then(&trace)
            return trace
        }
        #expect(try trace { $0.operation(2, "receive", "s0", #"{"end":"b","max":100,"nonblocking":true}"#, fail: "EAGAIN") }.check().result == .ok)
        #expect(try trace { $0.operation(2, "receive", "s0", #"{"end":"b","max":100}"#, ok: #"{"data":" world"}"#) }.check().result == .violation)
        // Claiming no truncation is as wrong as keeping the tail.
        var untruncated = pair(type)
        untruncated.operation(1, "send", "s0", #"{"end":"a","data":"hello world"}"#, ok: #"{"sent":11}"#)
        untruncated.operation(2, "receive", "s0", #"{"end":"b","max":5}"#, ok: #"{"data":"hello"}"#)
        #expect(try untruncated.check().result == .violation)
    }

    @Test func aStreamMergesSendsButKeepsTheirOrder() throws {
        func trace(reads: String) -> GenericTraceBuilder {
            var trace = pair("stream")
            trace.operation(1, "send", "s0", #"{"end":"a","data":"ab"}"#, ok: #"{"sent":2}"#)
            trace.operation(1, "send", "s0", #"{"end":"a","data":"cd"}"#, ok: #"{"sent":2}"#)
            trace.operation(2, "receive", "s0", #"{"end":"b","max":10}"#, ok: #"{"data":"\#(reads)"}"#)
            return trace
        }
        #expect(try trace(reads: "abcd").check().result == .ok)
        #expect(try trace(reads: "cdab").check().result == .violation)
    }

    @Test func aSeqpacketRecordIsNeverMerged() throws {
        var forbidden = pair("seqpacket")
        forbidden.operation(1, "send", "s0", #"{"end":"a","data":"ab"}"#, ok: #"{"sent":2}"#)
        forbidden.operation(1, "send", "s0", #"{"end":"a","data":"cd"}"#, ok: #"{"sent":2}"#)
        forbidden.operation(2, "receive", "s0", #"{"end":"b","max":10}"#, ok: #"{"data":"abcd"}"#)
        #expect(try forbidden.check().result == .violation)
    }

    @Test func aDatagramPeerThatClosedNeverReadsAsEndOfFile() throws {
        var allowed = pair("dgram")
        allowed.operation(1, "close", "s0", #"{"end":"a"}"#)
        allowed.operation(2, "receive", "s0", #"{"end":"b","max":10,"nonblocking":true}"#, fail: "EAGAIN")
        allowed.operation(2, "send", "s0", #"{"end":"b","data":"x"}"#, fail: "ECONNREFUSED")
        allowed.operation(2, "send", "s0", #"{"end":"b","data":"x"}"#, fail: "ENOTCONN")
        #expect(try allowed.check().result == .ok)

        var forbidden = pair("dgram")
        forbidden.operation(1, "close", "s0", #"{"end":"a"}"#)
        forbidden.operation(2, "receive", "s0", #"{"end":"b","max":10,"nonblocking":true}"#, ok: #"{"data":""}"#)
        #expect(try forbidden.check().result == .violation)
    }

    @Test func aStreamResetIsReportedByAReadNotByASend() throws {
        func trace(_ last: (inout GenericTraceBuilder) -> Void) -> GenericTraceBuilder {
            var trace = pair("stream")
            trace.operation(2, "send", "s0", #"{"end":"b","data":"unread"}"#, ok: #"{"sent":6}"#)
            trace.exit(1)
            last(&trace)
            return trace
        }
        #expect(try trace {
            $0.operation(2, "send", "s0", #"{"end":"b","data":"x"}"#, fail: "EPIPE")
            $0.operation(2, "receive", "s0", #"{"end":"b","max":10}"#, fail: "ECONNRESET")
            $0.operation(2, "receive", "s0", #"{"end":"b","max":10}"#, ok: #"{"data":""}"#)
        }.check().result == .ok)
        #expect(try trace { $0.operation(2, "send", "s0", #"{"end":"b","data":"x"}"#, fail: "ECONNRESET") }.check().result == .violation)
    }

    @Test func theSendBufferCountsTrueSizesNotBytes() throws {
        func trace(sends: Int) -> GenericTraceBuilder {
            var trace = pair("dgram")
            for _ in 0..<sends { trace.operation(1, "send", "s0", #"{"end":"a","data":"x","nonblocking":true}"#, ok: #"{"sent":1}"#) }
            trace.operation(1, "send", "s0", #"{"end":"a","data":"x","nonblocking":true}"#, fail: "EAGAIN")
            return trace
        }
        // 278 one-byte datagrams of 768 bytes each fill 212992 bytes of send buffer.
        #expect(try trace(sends: 278).check().result == .ok)
        #expect(try trace(sends: 279).check().result == .violation)
        #expect(try trace(sends: 277).check().result == .violation)
    }

    @Test func concurrentStreamSendsLargerThanABufferInterleaveByBuffer() throws {
        let big = String(repeating: "A", count: 40_000)
        var trace = pair("stream")
        trace.invoke(1, "send", "s0", #"{"end":"a","data":"\#(big)"}"#)
        trace.operation(2, "receive", "s0", #"{"end":"b","max":100000}"#, ok: #"{"data":"\#(String(repeating: "A", count: 36544))"}"#)
        trace.ok(1, "send", "s0", #"{"sent":40000}"#)
        trace.operation(2, "receive", "s0", #"{"end":"b","max":100000}"#, ok: #"{"data":"\#(String(repeating: "A", count: 3456))"}"#)
        #expect(try trace.check().result == .ok)

        // Part of one buffer is never seen on its own by a reader that asked for more.
        var forbidden = pair("stream")
        forbidden.invoke(1, "send", "s0", #"{"end":"a","data":"\#(big)"}"#)
        forbidden.operation(2, "receive", "s0", #"{"end":"b","max":100000}"#, ok: #"{"data":"\#(String(repeating: "A", count: 30000))"}"#)
        forbidden.ok(1, "send", "s0", #"{"sent":40000}"#)
        #expect(try forbidden.check().result == .violation)
    }

    @Test func aBlockingStreamSendEndsShortOnlyWhereItSleptForRoom() throws {
        // After 150000 bytes, two more 36544-byte buffers fill the 212992-byte send buffer: a signal can end the
        // second send there (73088 bytes), but not after its first buffer, when there was room for the next.
        func trace(secondSent: Int) -> GenericTraceBuilder {
            let data = String(repeating: "x", count: 150_000)
            var trace = pair("stream")
            trace.operation(1, "send", "s0", #"{"end":"a","data":"\#(data)"}"#, ok: #"{"sent":150000}"#)
            trace.operation(1, "send", "s0", #"{"end":"a","data":"\#(data)"}"#, ok: #"{"sent":\#(secondSent)}"#)
            return trace
        }
        #expect(try trace(secondSent: 73088).check().result == .ok)
        #expect(try trace(secondSent: 36544).check().result == .violation)
    }

    // MARK: Descriptor passing

    let memoryFile = #","files":{"f0":{"content":"ABCDEFGHIJ","holders":[1]}}"#
    let pipeEnd = #","files":{"w0":{"pipe":true,"holders":[1],"readers":[3]}}"#

    @Test func aPassedDescriptorArrivesOnce() throws {
        func trace(twice: Bool) -> GenericTraceBuilder {
            var trace = pair("dgram", files: memoryFile)
            trace.operation(1, "send", "s0", #"{"end":"a","data":"x","files":["f0"]}"#, ok: #"{"sent":1}"#)
            trace.operation(1, "send", "s0", #"{"end":"a","data":"y"}"#, ok: #"{"sent":1}"#)
            trace.operation(2, "receive", "s0", #"{"end":"b","max":10,"maxFiles":1}"#, ok: #"{"data":"x","files":["f0"]}"#)
            trace.operation(2, "receive", "s0", #"{"end":"b","max":10,"maxFiles":1}"#, ok: twice ? #"{"data":"y","files":["f0"]}"# : #"{"data":"y"}"#)
            return trace
        }
        #expect(try trace(twice: false).check().result == .ok)
        #expect(try trace(twice: true).check().result == .violation)
    }

    @Test func aDescriptorSentOnceReachesOnlyOneOfTwoReceivers() throws {
        func trace(secondGets files: String) -> GenericTraceBuilder {
            var trace = GenericTraceBuilder(
                model: "unix-socket", params: #"{"objects":{"s0":{"type":"seqpacket","pair":{"a":[1],"b":[2,3]}\#(memoryFile)}}}"#)
            trace.operation(1, "send", "s0", #"{"end":"a","data":"x","files":["f0"]}"#, ok: #"{"sent":1}"#)
            trace.operation(1, "send", "s0", #"{"end":"a","data":"y"}"#, ok: #"{"sent":1}"#)
            trace.invoke(2, "receive", "s0", #"{"end":"b","max":10,"maxFiles":1}"#)
            trace.invoke(3, "receive", "s0", #"{"end":"b","max":10,"maxFiles":1}"#)
            trace.ok(3, "receive", "s0", #"{"data":"y"\#(files)}"#)
            trace.ok(2, "receive", "s0", #"{"data":"x","files":["f0"]}"#)
            return trace
        }
        #expect(try trace(secondGets: "").check().result == .ok)
        #expect(try trace(secondGets: #","files":["f0"]"#).check().result == .violation)
    }

    @Test func aReceivedDescriptorSharesTheSendersOffset() throws {
        func trace(receiverReads: String) -> GenericTraceBuilder {
            var trace = pair("stream", files: memoryFile)
            trace.operation(1, "read-file", "s0", #"{"file":"f0","max":3}"#, ok: #"{"data":"ABC"}"#)
            trace.operation(1, "send", "s0", #"{"end":"a","data":"x","files":["f0"]}"#, ok: #"{"sent":1}"#)
            trace.operation(2, "receive", "s0", #"{"end":"b","max":10,"maxFiles":1}"#, ok: #"{"data":"x","files":["f0"]}"#)
            trace.operation(2, "read-file", "s0", #"{"file":"f0","max":3}"#, ok: #"{"data":"\#(receiverReads)"}"#)
            return trace
        }
        #expect(try trace(receiverReads: "DEF").check().result == .ok)
        #expect(try trace(receiverReads: "ABC").check().result == .violation)
    }

    @Test func aDescriptorInFlightKeepsThePipeOpenUntilTheReceivingSocketCloses() throws {
        func trace(probeInFlight: Bool, probeAfter: Bool) -> GenericTraceBuilder {
            var trace = pair("seqpacket", files: pipeEnd)
            trace.operation(1, "send", "s0", #"{"end":"a","data":"w","files":["w0"]}"#, ok: #"{"sent":1}"#)
            trace.operation(1, "close-file", "s0", #"{"file":"w0"}"#)
            trace.operation(3, "probe", "s0", #"{"file":"w0"}"#, ok: #"{"open":\#(probeInFlight)}"#)
            trace.exit(2)
            trace.operation(3, "probe", "s0", #"{"file":"w0"}"#, ok: #"{"open":\#(probeAfter)}"#)
            return trace
        }
        #expect(try trace(probeInFlight: true, probeAfter: false).check().result == .ok)
        #expect(try trace(probeInFlight: false, probeAfter: false).check().result == .violation)
        #expect(try trace(probeInFlight: true, probeAfter: true).check().result == .violation)
    }

    @Test func descriptorsWithoutControlRoomAreClosed() throws {
        func trace(maxFiles: Int, result: String, probe: Bool) -> GenericTraceBuilder {
            var trace = pair("dgram", files: pipeEnd)
            trace.operation(1, "send", "s0", #"{"end":"a","data":"w","files":["w0"]}"#, ok: #"{"sent":1}"#)
            trace.operation(1, "close-file", "s0", #"{"file":"w0"}"#)
            trace.operation(2, "receive", "s0", #"{"end":"b","max":10,"maxFiles":\#(maxFiles)}"#, ok: result)
            trace.operation(3, "probe", "s0", #"{"file":"w0"}"#, ok: #"{"open":\#(probe)}"#)
            return trace
        }
        #expect(try trace(maxFiles: 0, result: #"{"data":"w","filesTruncated":true}"#, probe: false).check().result == .ok)
        #expect(try trace(maxFiles: 1, result: #"{"data":"w","files":["w0"]}"#, probe: true).check().result == .ok)
        #expect(try trace(maxFiles: 0, result: #"{"data":"w","filesTruncated":true}"#, probe: true).check().result == .violation)
        #expect(try trace(maxFiles: 0, result: #"{"data":"w","files":["w0"]}"#, probe: true).check().result == .violation)
    }

    // MARK: Addresses

    @Test func acceptTakesTheOldestConnection() throws {
        func trace(accepted: String) -> GenericTraceBuilder {
            var trace = GenericTraceBuilder(
                model: "unix-socket", params: #"{"objects":{"s0":{"type":"stream","listener":{"holders":[1],"backlog":2}}}}"#)
            trace.operation(2, "connect", "s0", nil, ok: #"{"end":"client-2"}"#)
            trace.operation(3, "connect", "s0", nil, ok: #"{"end":"client-3"}"#)
            trace.operation(1, "accept", "s0", #"{"end":"listen"}"#, ok: #"{"end":"\#(accepted)"}"#)
            return trace
        }
        #expect(try trace(accepted: "server-2").check().result == .ok)
        #expect(try trace(accepted: "server-3").check().result == .violation)
    }

    @Test func aBoundReceiverLearnsWhoSent() throws {
        func trace(from: String) -> GenericTraceBuilder {
            var trace = GenericTraceBuilder(model: "unix-socket", params: #"{"objects":{"s0":{"type":"dgram","bound":[1,2,3]}}}"#)
            trace.operation(2, "send", "s0", #"{"end":"p2","to":"p1","data":"hi"}"#, ok: #"{"sent":2}"#)
            trace.operation(1, "receive", "s0", #"{"end":"p1","max":10}"#, ok: #"{"data":"hi","from":"\#(from)"}"#)
            return trace
        }
        #expect(try trace(from: "p2").check().result == .ok)
        #expect(try trace(from: "p3").check().result == .violation)
    }
}
