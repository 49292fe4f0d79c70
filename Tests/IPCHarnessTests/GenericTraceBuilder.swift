import IPCHarness
import IPCModels

/// Builds small hand-written traces for any model: a header line, then events with consecutive indices and
/// increasing times.
struct GenericTraceBuilder {
    var lines: [String]
    private var index = 0
    private var time: UInt64 = 0

    init(model: String, params: String, extra: String = "") {
        lines = [#"{"format":"ipc-trace","version":1,"model":"\#(model)","params":\#(params),"mechanism":"test","seed":"1","strategy":"random","harness":"0.1.0"\#(extra)}"#]
    }

    mutating func event(_ process: Int, _ type: String, _ rest: String = "") {
        time += 10
        lines.append(#"{"index":\#(index),"time":\#(time),"process":\#(process),"type":"\#(type)"\#(rest)}"#)
        index += 1
    }

    mutating func invoke(_ process: Int, _ f: String, _ object: String, _ value: String? = nil) {
        event(process, "invoke", #","f":"\#(f)","object":"\#(object)""# + (value.map { #","value":\#($0)"# } ?? ""))
    }

    mutating func ok(_ process: Int, _ f: String, _ object: String, _ value: String? = nil) {
        event(process, "ok", #","f":"\#(f)","object":"\#(object)""# + (value.map { #","value":\#($0)"# } ?? ""))
    }

    mutating func fail(_ process: Int, _ f: String, _ object: String, _ error: String) {
        event(process, "fail", #","f":"\#(f)","object":"\#(object)","error":"\#(error)""#)
    }

    /// A whole operation: invoke then ok (value nil: none) or fail (error given).
    mutating func operation(_ process: Int, _ f: String, _ object: String, _ value: String? = nil, ok result: String? = nil, fail error: String? = nil) {
        invoke(process, f, object, value)
        if let error { fail(process, f, object, error) } else { ok(process, f, object, result) }
    }

    /// The operation's outcome is unknown (its process died in it).
    mutating func info(_ process: Int, _ f: String, _ object: String) {
        event(process, "info", #","f":"\#(f)","object":"\#(object)""#)
    }

    /// `process` ended (its death's effects on the objects it held follow).
    mutating func exit(_ process: Int) {
        event(process, "exit", #","value":{"code":0}"#)
    }

    /// A simulation step of `process` that made `access` (JSON).
    mutating func step(_ process: Int, _ access: String) {
        event(process, "schedule", #","value":{"enabled":[1,2],"access":\#(access)}"#)
    }

    var text: String { lines.joined(separator: "\n") + "\n" }

    func check() throws -> CheckReport {
        try TraceChecker.check(Trace.parse(Array(text.utf8), name: "test trace"))
    }
}
