// The timer calls' trace form (documented in traces/README.md), all by the receiver but `timer_expire`:
//
//   f                invoke value                                            ok value                              fail
//   alarm            {"seconds": N}                                          {"remaining": N}                      —
//   setitimer        {"which": WHICH, "value": TV, "interval": TV?}          {"old": {"value": TV, "interval": TV}}? EINVAL
//   getitimer        {"which": WHICH}                                        {"value": TV, "interval": TV}         EINVAL
//   timer_create     {"clock": CLOCK, "notify": NOTIFY?, "signal": SIG?,     {"timer": ID}                         EINVAL,
//                     "value": INT?}                                                                                EOPNOTSUPP, EPERM
//   timer_settime    {"timer": ID, "flags": 0 | "TIMER_ABSTIME" | INT?,     {"old": {"value": TS, "interval": TS}}? EINVAL
//                     "value": TS, "interval": TS?}
//   timer_gettime    {"timer": ID}                                           {"value": TS, "interval": TS}         EINVAL
//   timer_getoverrun {"timer": ID}                                           {"overrun": N}                        EINVAL
//   timer_delete     {"timer": ID}                                           (none)                                EINVAL
//   timer_expire     {"timer": ID | WHICH} (the kernel's act: the trace saw the timer expire; any process)  (none)
//
// WHICH "ITIMER_REAL" | "ITIMER_VIRTUAL" | "ITIMER_PROF" | INT; TV {"sec", "usec"}; TS {"sec", "nsec"}; CLOCK a name
// ("CLOCK_REALTIME", "CLOCK_MONOTONIC", …) or a number; NOTIFY "SIGEV_SIGNAL" (default) | "SIGEV_NONE" |
// "SIGEV_THREAD" | "SIGEV_THREAD_ID" (to the receiver's thread) | INT; "value": sigev_value.sival_int; ID the timer's
// id as timer_create returned it (an integer or a string). A delivery of a timer's signal: {"signal", "code":
// "SI_KERNEL"} (interval timers) or {"signal", "code": "SI_TIMER", "timer": ID?, "overrun": N?, "value": INT}.
extension SignalModel {
    static let clockNames: [(String, Int)] = [
        ("CLOCK_REALTIME", 0), ("CLOCK_MONOTONIC", 1), ("CLOCK_PROCESS_CPUTIME_ID", 2), ("CLOCK_THREAD_CPUTIME_ID", 3),
        ("CLOCK_MONOTONIC_RAW", 4), ("CLOCK_REALTIME_COARSE", 5), ("CLOCK_MONOTONIC_COARSE", 6), ("CLOCK_BOOTTIME", 7),
        ("CLOCK_REALTIME_ALARM", 8), ("CLOCK_BOOTTIME_ALARM", 9), ("CLOCK_TAI", 11),
    ]
    static let notifyNames: [(String, Int)] = [("SIGEV_SIGNAL", 0), ("SIGEV_NONE", 1), ("SIGEV_THREAD", 2), ("SIGEV_THREAD_ID", 4)]

    static func timerCall(_ call: Call) throws(ModelError) -> TimerCall {
        let value = call.value
        switch call.f {
        case "alarm":
            return .alarm(seconds: try value.required("seconds").integer("seconds", in: 0...Int(UInt32.max)))
        case "setitimer":
            return .setitimer(
                which: try which(value.required("which")), value: try time(value.required("value"), field: "value", fraction: "usec"),
                interval: try value.optional("interval").map { (interval) throws(ModelError) in try time(interval, field: "interval", fraction: "usec") } ?? .zero)
        case "getitimer":
            return .getitimer(which: try which(value.required("which")))
        case "timer_create":
            let notify = try value.optional("notify").map { (notify) throws(ModelError) in
                try named(notify, field: "notify", names: notifyNames)
            } ?? notifySignal
            let signal = try value.optional("signal").map { (signal) throws(ModelError) in try Self.signal(signal, field: "signal") }
            if signal == nil && notify != notifyNone { throw ModelError("timer_create: field 'signal' is required unless 'notify' is SIGEV_NONE") }
            return .create(
                clock: try named(value.required("clock"), field: "clock", names: clockNames), notify: notify, signal: signal ?? 0,
                value: Int32(try value.optional("value")?.integer("value", in: Int(Int32.min)...Int(Int32.max)) ?? 0))
        case "timer_settime":
            let flags: Int
            switch try value.optional("flags") {
            case nil: flags = 0
            case .string("TIMER_ABSTIME")?: flags = timerAbsolute
            case let other?: flags = try other.integer("flags", in: Int(Int32.min)...Int(Int32.max))
            }
            return .settime(
                timer: try timerID(value.required("timer"), field: "timer"), flags: flags,
                value: try time(value.required("value"), field: "value", fraction: "nsec"),
                interval: try value.optional("interval").map { (interval) throws(ModelError) in try time(interval, field: "interval", fraction: "nsec") } ?? .zero)
        case "timer_gettime":
            return .gettime(timer: try timerID(value.required("timer"), field: "timer"))
        case "timer_getoverrun":
            return .getoverrun(timer: try timerID(value.required("timer"), field: "timer"))
        case "timer_delete":
            return .delete(timer: try timerID(value.required("timer"), field: "timer"))
        default:  // timer_expire
            let timer = try value.required("timer")
            if case .string(let text) = timer, let which = itimerNames.firstIndex(of: text) { return .expire(.interval(which)) }
            if case .string("alarm") = timer { return .expire(.real) }
            return .expire(.posix(try timerID(timer, field: "timer")))
        }
    }

    static func timerOutput(_ value: JSONValue?, for call: TimerCall) throws(ModelError) -> Output {
        switch call {
        case .alarm:
            return .timerReport(.seconds(try value.required("remaining").integer("remaining", in: 0...Int(UInt32.max))))
        case .setitimer, .settime:
            guard let old = try value.optional("old") else { return .returned }
            return try setting(old, fraction: call.name == "setitimer" ? "usec" : "nsec")
        case .getitimer:
            return try setting(value ?? .null, fraction: "usec")
        case .gettime:
            return try setting(value ?? .null, fraction: "nsec")
        case .create:
            return .timerReport(.created(try timerID(value.required("timer"), field: "timer")))
        case .getoverrun:
            return .timerReport(.overrun(try value.required("overrun").integer("overrun", in: 0...Int(Int32.max))))
        case .delete, .expire:
            return .returned
        }
    }

    /// A reported value and interval, in the call's unit (`"usec"` or `"nsec"`; the other is read too, as the model
    /// writes every report in nanoseconds).
    static func setting(_ value: JSONValue, fraction: String) throws(ModelError) -> Output {
        let object: JSONValue? = value
        func nanoseconds(_ field: String) throws(ModelError) -> Int {
            guard let time = try object.optional(field) else { return 0 }
            let timeObject: JSONValue? = time
            let unit = try timeObject.optional(fraction) != nil ? fraction : (fraction == "usec" ? "nsec" : "usec")
            return try Self.time(time, field: field, fraction: unit).nanoseconds(perSecond: unit == "usec" ? 1_000_000 : nanosecondsPerSecond)
        }
        _ = try object.required("value")
        return .timerReport(.setting(value: try nanoseconds("value"), interval: try nanoseconds("interval")))
    }

    static func timerValue(_ call: TimerCall) -> JSONValue? {
        func json(_ time: TimeValue, _ fraction: String) -> JSONValue { ["sec": .int(time.seconds), fraction: .int(time.fraction)] }
        func which(_ which: Int) -> JSONValue { itimerNames.indices.contains(which) ? .string(itimerNames[which]) : .int(which) }
        switch call {
        case .alarm(let seconds): return ["seconds": .int(seconds)]
        case .setitimer(let number, let value, let interval):
            return ["which": which(number), "value": json(value, "usec"), "interval": json(interval, "usec")]
        case .getitimer(let number): return ["which": which(number)]
        case .create(let clock, let notify, let signal, let value):
            var object: JSONObject = [
                "clock": clockNames.first { $0.1 == clock }.map { .string($0.0) } ?? .int(clock),
                "notify": notifyNames.first { $0.1 == notify }.map { .string($0.0) } ?? .int(notify),
            ]
            if notify != notifyNone { object["signal"] = Self.json(signal) }
            if value != 0 { object["value"] = .int(Int(value)) }
            return .object(object)
        case .settime(let id, let flags, let value, let interval):
            return ["timer": timerJSON(id), "flags": flags == timerAbsolute ? "TIMER_ABSTIME" : .int(flags),
                "value": json(value, "nsec"), "interval": json(interval, "nsec")]
        case .gettime(let id), .getoverrun(let id), .delete(let id): return ["timer": timerJSON(id)]
        case .expire(let name): return ["timer": timerJSON(name.text)]
        }
    }

    static func json(_ report: TimerReport) -> JSONValue? {
        switch report {
        case .seconds(let seconds): return ["remaining": .int(seconds)]
        case .setting(let value, let interval):
            // Written in nanoseconds: `timer_gettime`'s form (the worker writes `getitimer`'s in microseconds).
            func json(_ ns: Int) -> JSONValue { ["sec": .int(ns / nanosecondsPerSecond), "nsec": .int(ns % nanosecondsPerSecond)] }
            return ["value": json(value), "interval": json(interval)]
        case .created(let id): return ["timer": timerJSON(id)]
        case .overrun(let count): return ["overrun": .int(count)]
        }
    }

    static func timerJSON(_ id: String) -> JSONValue { Int(id).map { .int($0) } ?? .string(id) }

    static func timerID(_ value: JSONValue, field: String) throws(ModelError) -> String {
        switch value {
        case .integer: return String(try value.integer(field, in: Int(Int32.min)...Int(Int32.max)))
        case .string(let text): return text
        default: throw ModelError("field '\(field)' must be a timer id (an integer or a string), not \(value.typeName)")
        }
    }

    static func which(_ value: JSONValue) throws(ModelError) -> Int {
        if case .string(let text) = value {
            guard let which = itimerNames.firstIndex(of: text) else { throw ModelError("field 'which': unknown timer \"\(text)\"") }
            return which
        }
        return try value.integer("which", in: Int(Int32.min)...Int(Int32.max))
    }

    static func named(_ value: JSONValue, field: String, names: [(String, Int)]) throws(ModelError) -> Int {
        if case .string(let text) = value {
            guard let entry = names.first(where: { $0.0 == text }) else { throw ModelError("field '\(field)': unknown name \"\(text)\"") }
            return entry.1
        }
        return try value.integer(field, in: Int(Int32.min)...Int(Int32.max))
    }

    static func time(_ value: JSONValue, field: String, fraction: String) throws(ModelError) -> TimeValue {
        let object: JSONValue? = value
        return TimeValue(
            seconds: try object.required("sec").integer("\(field).sec", in: Int(Int32.min)...Int(Int64(Int32.max) * 4)),
            fraction: try object.required(fraction).integer("\(field).\(fraction)", in: Int(Int32.min)...Int(Int32.max)))
    }
}
