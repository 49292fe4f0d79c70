import IPCHarness
import IPCModels

/// Builds small hand-written traces for any model: the header's `params` as JSON text, then events one by one
/// (times go up by 10 per event, so sequential helpers give operations that do not overlap).
struct ModelTraceBuilder {
    private var lines: [String]
    private var index = 0
    private var time: UInt64 = 0

    init(model: String, params: String) {
        lines = [#"{"format":"ipc-trace","version":1,"model":"\#(model)","params":\#(params),"mechanism":"hand-written","seed":"1","strategy":"random","harness":"0.1.0"}"#]
    }

    private mutating func event(_ process: Int, _ type: String, _ rest: String) {
        time += 10
        lines.append(#"{"index":\#(index),"time":\#(time),"process":\#(process),"type":"\#(type)"\#(rest)}"#)
        index += 1
    }

    private static func value(_ json: String?) -> String { json.map { #","value":\#($0)"# } ?? "" }

    mutating func invoke(_ process: Int, _ f: String, _ object: String, _ value: String? = nil) {
        event(process, "invoke", #","f":"\#(f)","object":"\#(object)""# + Self.value(value))
    }

    mutating func ok(_ process: Int, _ f: String, _ object: String, _ value: String? = nil) {
        event(process, "ok", #","f":"\#(f)","object":"\#(object)""# + Self.value(value))
    }

    mutating func fail(_ process: Int, _ f: String, _ object: String, _ error: String) {
        event(process, "fail", #","f":"\#(f)","object":"\#(object)","error":"\#(error)""#)
    }

    mutating func info(_ process: Int, _ f: String, _ object: String) {
        event(process, "info", #","f":"\#(f)","object":"\#(object)""#)
    }

    mutating func exit(_ process: Int) {
        event(process, "exit", #","value":{"code":0}"#)
    }

    /// An operation invoked and completed at once: `result` is the ok value (nil for none), or `error` a failure.
    mutating func call(_ process: Int, _ f: String, _ object: String, _ value: String? = nil, ok result: String? = nil, error: String? = nil) {
        invoke(process, f, object, value)
        if let error { fail(process, f, object, error) } else { ok(process, f, object, result) }
    }

    var text: String { lines.joined(separator: "\n") + "\n" }

    func check() throws -> CheckReport {
        try TraceChecker.check(try Trace.parse(Array(text.utf8)), budget: CheckBudget(seconds: 20))
    }
}
