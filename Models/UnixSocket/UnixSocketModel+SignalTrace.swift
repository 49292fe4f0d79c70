// The trace form of the unix-socket model's owner, O_ASYNC and signal calls (documented in traces/README.md):
//
//   fcntl        {"end": S, "cmd": "F_GETFL"}                     {"nonblocking": BOOL, "async": BOOL}   EBADF
//                {"end": S, "cmd": "F_SETFL", "async": BOOL?, "nonblocking": BOOL?}   (none)   (the flags given; one
//                                                                 absent stays as it was: F_GETFL's flags changed)
//                {"end": S, "cmd": "F_GETOWN"}                    {"owner": O, "process": P?}
//                {"end": S, "cmd": "F_SETOWN", "owner": O | "missing" | "INT_MIN", "process": P?}   ESRCH, EINVAL
//                {"end": S, "cmd": "F_GETOWN_EX"}                 {"type": T, "owner": O, "process": P?}
//                {"end": S, "cmd": "F_SETOWN_EX", "type": T | INT, "owner": "none" | "process" | "other" | "missing",
//                 "process": P?}                                  (none)   EINVAL, ESRCH
//                {"end": S, "cmd": "F_GETSIG"}                    {"signal": INT}
//                {"end": S, "cmd": "F_SETSIG", "signal": INT}     (none)   EINVAL
//                (O: "none", "process", "group", "other"; T: "tid", "pid", "pgrp" — as the pipe model's)
//   ioctl        {"end": S, "request": "FIOASYNC", "on": BOOL}   (none)   (sets or clears O_ASYNC, as F_SETFL)
//   ioctl        {"end": S, "request": "FIONBIO", "on": BOOL}    (none)   (sets or clears O_NONBLOCK, as F_SETFL)
//   sigtimedwait {"signals": [INT, ...], "timeout": INT?}         {"signal": INT, "code": INT, "band": INT, "fd": INT?}
//                (the process takes one of the I/O signals its sockets sent it, which it keeps blocked; timeout 0
//                 (absent): at once, EAGAIN; negative: sigwaitinfo, waiting, EINTR)
extension UnixSocketModel {
    /// The `fcntl` call's input (or an `ioctl(FIOASYNC)`'s or `ioctl(FIONBIO)`'s).
    static func fileControlInput(of call: Call) throws(ModelError) -> Input {
        let end = try call.value.required("end").text("end")
        if call.f == "ioctl" {
            let on = try call.value.required("on").boolean("on")
            let nonblocking = try call.value.required("request").text("request") == "FIONBIO"
            return .fileControl(process: call.process, end: end, command: nonblocking ? .setNonblockingByIoctl(on) : .setAsyncByIoctl(on))
        }
        let command = try call.value.required("cmd").text("cmd")
        let control: FileControl
        switch command {
        case "F_GETFL": control = .getFlags
        case "F_SETFL":
            let nonblocking = try call.value.optional("nonblocking")?.boolean("nonblocking")
            let async = try call.value.optional("async")?.boolean("async")
            switch (nonblocking, async) {
            case (let nonblocking?, let async?): control = .setFlags(nonblocking: nonblocking, async: async)
            case (let nonblocking?, nil): control = .setNonblocking(nonblocking)
            case (nil, let async?): control = .setAsync(async)
            case (nil, nil): throw ModelError("fcntl F_SETFL on a socket needs \"nonblocking\" (O_NONBLOCK), \"async\" (O_ASYNC) or both")
            }
        case "F_GETOWN": control = .getOwner
        case "F_SETOWN": control = .setOwner(try IOSignalsTrace.ownerArgument(of: call.value))
        case "F_GETOWN_EX": control = .getOwnerEx
        case "F_SETOWN_EX":
            let owner = try IOSignalsTrace.ownerArgument(of: call.value)
            switch owner {
            case .group, .invalid:
                throw ModelError("field 'owner' of F_SETOWN_EX must be \"none\", \"process\", \"other\" or \"missing\" (a group is \"type\": \"pgrp\")")
            default: control = .setOwnerEx(try IOSignalsTrace.ownerType(of: call.value, allowingInvalid: true), owner)
            }
        case "F_GETSIG": control = .getSignal
        case "F_SETSIG": control = .setSignal(try call.value.required("signal").integer("signal", in: Int(Int32.min)...Int(Int32.max)))
        default:
            throw ModelError("field 'cmd' of fcntl on a socket must be F_GETFL, F_SETFL, F_GETOWN, F_SETOWN, F_GETOWN_EX, F_SETOWN_EX, F_GETSIG or F_SETSIG, not \"\(command)\"")
        }
        return .fileControl(process: call.process, end: end, command: control)
    }

    /// The `sigtimedwait` call's input.
    static func takeSignalInput(of call: Call) throws(ModelError) -> Input {
        let (signals, wait) = try IOSignalsTrace.takeArguments(of: call.value)
        return .takeSignal(process: call.process, signals: signals, wait: wait)
    }

    /// The recorded result of an `fcntl` or `sigtimedwait` (nil: not one of them).
    static func signalOutput(_ value: JSONValue?, for input: Input) throws(ModelError) -> Output? {
        switch input {
        case .fileControl(_, _, .getFlags):
            return .flags(
                nonblocking: try value.required("nonblocking").boolean("nonblocking"), async: try value.required("async").boolean("async"))
        case .fileControl(_, _, .getOwner): return .owner(try IOSignalsTrace.ownerReport(of: value))
        case .fileControl(_, _, .getOwnerEx):
            return .ownerEx(try IOSignalsTrace.ownerType(of: value, allowingInvalid: false), try IOSignalsTrace.ownerReport(of: value))
        case .fileControl(_, _, .getSignal): return .ioSignal(try value.required("signal").integer("signal"))
        case .fileControl: return .closed
        case .takeSignal(_, let signals, _): return .signalTaken(try IOSignalsTrace.taken(value, signals: signals))
        default: return nil
        }
    }

    /// The recorded form of an `fcntl` or `sigtimedwait` (nil: not one of them).
    static func signalCall(_ input: Input) -> (f: String, value: JSONValue?)? {
        switch input {
        case .fileControl(_, let end, let command):
            var value: JSONObject = ["end": .string(end)]
            switch command {
            case .getFlags: value["cmd"] = "F_GETFL"
            case .setAsync(let on): (value["cmd"], value["async"]) = ("F_SETFL", .bool(on))
            case .setAsyncByIoctl(let on):
                return ("ioctl", ["end": .string(end), "request": "FIOASYNC", "on": .bool(on)])
            case .setNonblocking(let on): (value["cmd"], value["nonblocking"]) = ("F_SETFL", .bool(on))
            case .setNonblockingByIoctl(let on):
                return ("ioctl", ["end": .string(end), "request": "FIONBIO", "on": .bool(on)])
            case .setFlags(let nonblocking, let async):
                (value["cmd"], value["nonblocking"], value["async"]) = ("F_SETFL", .bool(nonblocking), .bool(async))
            case .getOwner: value["cmd"] = "F_GETOWN"
            case .setOwner(let owner):
                IOSignalsTrace.addOwner(owner, typed: false, to: &value)
                value["cmd"] = "F_SETOWN"
            case .getOwnerEx: value["cmd"] = "F_GETOWN_EX"
            case .setOwnerEx(let type, let owner):
                IOSignalsTrace.addOwner(owner, typed: true, to: &value)
                (value["cmd"], value["type"]) = ("F_SETOWN_EX", type.json)
            case .getSignal: value["cmd"] = "F_GETSIG"
            case .setSignal(let signal): (value["cmd"], value["signal"]) = ("F_SETSIG", .int(signal))
            }
            return ("fcntl", .object(value))
        case .takeSignal(_, let signals, let wait):
            var value: JSONObject = ["signals": .array(signals.map { .int($0) })]
            if wait { value["timeout"] = -1 }
            return ("sigtimedwait", .object(value))
        default: return nil
        }
    }

    /// The recorded form of an `fcntl`'s or `sigtimedwait`'s result (nil: not one of them).
    static func signalOutcome(_ output: Output) -> Outcome? {
        switch output {
        case .flags(let nonblocking, let async): .ok(["nonblocking": .bool(nonblocking), "async": .bool(async)])
        case .owner(let report): .ok(IOSignalsTrace.report(report))
        case .ownerEx(let type, let report): .ok(IOSignalsTrace.report(report, type: type))
        case .ioSignal(let signal): .ok(["signal": .int(signal)])
        case .signalTaken(let taken): .ok(["signal": .int(taken.signal), "code": .int(taken.code), "band": .int(taken.band)])
        default: nil
        }
    }
}
