import IPCHarness
import IPCModels

/// Builds small hand-written pipe traces: one object "p0", with the given readers and writers.
struct PipeTraceBuilder {
    private var lines: [String]
    private var index = 0
    private var time: UInt64 = 0

    init(readers: [Int] = [2], writers: [Int] = [1], capacity: Int = 65536) {
        let params = #"{"objects":{"p0":{"capacity":\#(capacity),"readers":\#(readers),"writers":\#(writers)}}}"#
        lines = [#"{"format":"ipc-trace","version":1,"model":"pipe","params":\#(params),"mechanism":"kernel.pipe","seed":"1","strategy":"random","harness":"0.1.0"}"#]
    }

    mutating func event(_ process: Int, _ type: String, _ rest: String) {
        time += 10
        lines.append(#"{"index":\#(index),"time":\#(time),"process":\#(process),"type":"\#(type)"\#(rest)}"#)
        index += 1
    }

    mutating func invokeWrite(_ process: Int, _ data: String, nonblocking: Bool = false) {
        event(process, "invoke", #","f":"write","object":"p0","value":{"data":"\#(data)","nonblocking":\#(nonblocking)}"#)
    }
    mutating func invokeWrite(_ process: Int, bytes count: Int, fill: Character = "x", nonblocking: Bool = false) {
        invokeWrite(process, String(repeating: fill, count: count), nonblocking: nonblocking)
    }
    mutating func wrote(_ process: Int, _ count: Int) {
        event(process, "ok", #","f":"write","object":"p0","value":{"written":\#(count)}"#)
    }
    mutating func invokeRead(_ process: Int, max: Int, nonblocking: Bool = false) {
        event(process, "invoke", #","f":"read","object":"p0","value":{"max":\#(max),"nonblocking":\#(nonblocking)}"#)
    }
    mutating func read(_ process: Int, _ data: String) {
        event(process, "ok", #","f":"read","object":"p0","value":{"data":"\#(data)"}"#)
    }
    mutating func read(_ process: Int, bytes count: Int, fill: Character = "x") {
        read(process, String(repeating: fill, count: count))
    }
    mutating func invokeClose(_ process: Int, _ end: String) {
        event(process, "invoke", #","f":"close","object":"p0","value":{"end":"\#(end)"}"#)
    }
    mutating func closed(_ process: Int) {
        event(process, "ok", #","f":"close","object":"p0""#)
    }
    mutating func fail(_ process: Int, _ f: String, _ error: String) {
        event(process, "fail", #","f":"\#(f)","object":"p0","error":"\#(error)""#)
    }
    mutating func info(_ process: Int, _ f: String) {
        event(process, "info", #","f":"\#(f)","object":"p0""#)
    }
    mutating func fault(_ process: Int, _ fault: String, call: String, count: Int, requested: Int? = nil) {
        let of = requested.map { #","requested":\#($0)"# } ?? ""
        event(process, "fault", #","fault":"\#(fault)","call":"\#(call)","value":{"count":\#(count)\#(of)}"#)
    }
    /// The fault plan failed the outstanding operation's first call with `errno` instead of making it.
    mutating func injected(_ process: Int, _ errno: String, call: String) {
        event(process, "fault", #","fault":"\#(errno)","call":"\#(call)""#)
    }
    mutating func kill(_ process: Int, point: String) {
        event(process, "kill", #","signal":"SIGKILL","point":"\#(point)""#)
    }
    mutating func exit(_ process: Int) {
        event(process, "exit", #","value":{"signal":"SIGKILL"}"#)
    }

    /// Sequential helpers: invoke and complete at once.
    mutating func write(_ process: Int, _ data: String, wrote count: Int? = nil, nonblocking: Bool = false) {
        invokeWrite(process, data, nonblocking: nonblocking)
        wrote(process, count ?? data.utf8.count)
    }
    mutating func read(_ process: Int, max: Int, gets data: String, nonblocking: Bool = false) {
        invokeRead(process, max: max, nonblocking: nonblocking)
        read(process, data)
    }

    var text: String { lines.joined(separator: "\n") + "\n" }
    var trace: Trace { get throws { try Trace.parse(Array(text.utf8)) } }

    func check() throws -> CheckReport {
        try TraceChecker.check(trace, budget: CheckBudget(seconds: 20))
    }
}
