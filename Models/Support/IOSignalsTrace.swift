/// The trace form of the owner, `F_SETSIG` and `sigtimedwait` fields the models with I/O signals (pipes, FIFOs, Unix
/// sockets) read and write, as the pipe model's `fcntl` and `sigtimedwait` rows in traces/README.md give them.
public enum IOSignalsTrace {
    /// `F_SETOWN`'s `"owner"` (and `"process"` where it names one).
    public static func ownerArgument(of value: JSONValue?) throws(ModelError) -> PipeModel.OwnerArgument {
        let kind = try value.required("owner").text("owner")
        switch kind {
        case "none": return .none
        case "other": return .other
        case "missing": return .missing
        case "INT_MIN": return .invalid
        case "process": return .process(try value.required("process").integer("process"))
        case "group": return .group(try value.required("process").integer("process"))
        default: throw ModelError("field 'owner' must be \"none\", \"process\", \"group\", \"other\", \"missing\" or \"INT_MIN\", not \"\(kind)\"")
        }
    }

    /// `F_SETOWN_EX`'s or `F_GETOWN_EX`'s `"type"`: a name, or (in a call) any other number, which fails `EINVAL`.
    public static func ownerType(of value: JSONValue?, allowingInvalid: Bool) throws(ModelError) -> PipeModel.OwnerType {
        let field = try value.required("type")
        if allowingInvalid, case .integer = field {
            let number = try field.integer("type", in: Int(Int32.min)...Int(Int32.max))
            return [0: PipeModel.OwnerType.thread, 1: .process, 2: .group][number] ?? .invalid(number)
        }
        switch try field.text("type") {
        case "tid": return .thread
        case "pid": return .process
        case "pgrp": return .group
        case let other: throw ModelError("field 'type' must be \"tid\", \"pid\" or \"pgrp\"\(allowingInvalid ? " or a number" : ""), not \"\(other)\"")
        }
    }

    /// `F_GETOWN`'s result.
    public static func ownerReport(of value: JSONValue?) throws(ModelError) -> PipeModel.OwnerReport {
        let kind = try value.required("owner").text("owner")
        switch kind {
        case "none": return .none
        case "group": return .group
        case "other": return .other
        case "process": return .process(try value.required("process").integer("process"))
        default: throw ModelError("field 'owner' must be \"none\", \"process\", \"group\" or \"other\", not \"\(kind)\"")
        }
    }

    /// Adds the fields of an owner given to `F_SETOWN` (`typed`: `F_SETOWN_EX`, whose group is its type's) to `value`.
    public static func addOwner(_ owner: PipeModel.OwnerArgument, typed: Bool, to value: inout JSONObject) {
        switch owner {
        case .none: value["owner"] = "none"
        case .other: value["owner"] = "other"
        case .missing: value["owner"] = "missing"
        case .invalid: value["owner"] = typed ? "none" : "INT_MIN"
        case .process(let process), .group(let process):
            value["owner"] = typed || owner == .process(process) ? "process" : "group"
            value["process"] = .int(process)
        }
    }

    /// `F_GETOWN`'s result (with `type`: `F_GETOWN_EX`'s).
    public static func report(_ report: PipeModel.OwnerReport, type: PipeModel.OwnerType? = nil) -> JSONValue {
        var value: JSONObject = [:]
        switch report {
        case .process(let process): (value["owner"], value["process"]) = ("process", .int(process))
        case .none: value["owner"] = "none"
        case .group: value["owner"] = "group"
        case .other: value["owner"] = "other"
        }
        if let type { value["type"] = type.json }
        return .object(value)
    }

    /// `sigtimedwait`'s `{"signals": [N, ...], "timeout": MS}`: the set, sorted, and whether it waits (a negative
    /// timeout: `sigwaitinfo`).
    public static func takeArguments(of value: JSONValue?) throws(ModelError) -> (signals: [Int], wait: Bool) {
        let signals = try value.required("signals").elements("signals").map { (element) throws(ModelError) in
            try element.integer("signals", in: 1...64)
        }
        let timeout = try value.optional("timeout")?.integer("timeout") ?? 0
        return (signals.sorted(), timeout < 0)
    }

    /// What `sigtimedwait` took, one of `signals` (`"fd"`, `si_fd`, is not judged).
    public static func taken(_ value: JSONValue?, signals: [Int]) throws(ModelError) -> PipeModel.TakenSignal {
        let signal = try value.required("signal").integer("signal")
        guard signals.contains(signal) else { throw ModelError("sigtimedwait returned signal \(signal), not one of \(signals)") }
        return PipeModel.TakenSignal(
            signal: signal, code: try value.required("code").integer("code"), band: try value.optional("band")?.integer("band") ?? 0)
    }
}
