import IPCModels
import IPCSyscalls
import SystemPackage

/// The rules of traces/README.md that no single field's type expresses, checked by ``TraceReader`` for every
/// command that reads a trace (`check`, `report`, `replay`, `shrink`), so that all of them refuse the same files
/// with the same one-line error: the header's `seed`, `strategy`, `mode` and `faults`; each event's names (`point`,
/// `signal`, `error`, `fault`) and the shapes of `spawn`, `exit`, `schedule` and `fault` values; and which processes
/// may have events at all (numbered from 1; in real mode each spawned before anything else happens to it; where the
/// header lists the processes, one of those).
///
/// Errors carry no line; the reader adds it.
struct TraceRules {
    /// The processes the header declares (the workload's, the simulation's, the threads'); nil when it names none.
    private let declared: Set<Int>?
    /// Whether every process must spawn before its other events (real mode).
    private let spawnRequired: Bool
    private var spawned: Set<Int> = []
    /// Processes that had events before the trace's first spawn, with the first such event's index.
    private var unspawnedEvents: [Int: Int] = [:]

    /// The kill points of the format.
    static let killPoints: Set<String> = ["before", "blocked", "during", "after", "hung", "exiting"]
    /// The fault kinds a header's `faults.kinds` may list.
    static let faultKinds: Set<String> = [
        "eintr", "eagain", "enomem", "short", "delay", "signal", "signal-restart", "kill",
    ]
    /// The threads a threads-mode spawn may start.
    static let threadRoles: Set<String> = ["updater", "reader", "callbacks"]
    /// The largest process number a trace may use.
    static let processRange: ClosedRange<Int64> = 1...1_000_000

    init(header: Trace.Header) throws(TraceError) {
        try Self.checkSeed(header.seed)
        try Self.checkStrategy(header.strategy)
        if let mode = header.mode, !["real", "sim", "threads"].contains(mode) {
            throw TraceError("the header's mode must be \"real\", \"sim\" or \"threads\", not \"\(mode)\"")
        }
        if let faults = header.faults { try Self.checkFaults(faults) }
        if let notChecked = header.extra["notChecked"] {
            guard case .array(let entries) = notChecked, entries.allSatisfy({ if case .string = $0 { true } else { false } }) else {
                throw TraceError("the header's notChecked must be an array of strings (what the source showed that no model checks), not \(notChecked)")
            }
        }
        // What makes a trace re-executable belongs to its modes: a trace that lost its mode is not a hand-made one.
        for (field, modes) in [("workload", ["real", "sim"]), ("sim", ["sim"]), ("threads", ["threads"])]
        where header.extra[field] != nil {
            guard let mode = header.mode, modes.contains(mode) else {
                throw TraceError(
                    "a header with '\(field)' is a \(modes.joined(separator: "- or ")) mode trace, but its mode is \(header.mode.map { "\"\($0)\"" } ?? "missing")"
                )
            }
        }
        spawnRequired = header.mode == "real"
        declared = try Self.declaredProcesses(header)
    }

    /// Checks one event against the header and the events before it.
    mutating func check(_ event: borrowing Trace.Event) throws(TraceError) {
        let process = event.process
        if let declared, !declared.contains(process) {
            throw TraceError(
                "process \(process) is not one of the header's processes (\(declared.sorted().map(String.init).joined(separator: ", ")))"
            )
        }
        switch event.type {
        case .spawn:
            guard !spawned.contains(process) else { throw TraceError("process \(process) spawns twice") }
            if let earlier = unspawnedEvents[process] {
                throw TraceError(
                    "process \(process) spawns after its own event \(earlier); a process spawns before anything else happens to it"
                )
            }
            if spawned.isEmpty, let (other, earlier) = unspawnedEvents.min(by: { $0.value < $1.value }) {
                throw TraceError(
                    "the trace records spawns, but process \(other) has an event (\(earlier)) before it spawned")
            }
            spawned.insert(process)
            try Self.checkSpawnValue(event.value)
        default:
            if !spawned.contains(process) {
                if spawnRequired || !spawned.isEmpty {
                    throw TraceError("process \(process) has a \(event.type.rawValue) event but never spawned")
                }
                unspawnedEvents[process] = unspawnedEvents[process] ?? event.index
            }
            try checkFields(event)
        }
    }

    private func checkFields(_ event: Trace.Event) throws(TraceError) {
        switch event.type {
        case .fail:
            try Self.checkCompletionThread(event)
            guard let error = event.error, Errno(name: error) != nil else {
                throw TraceError("unknown errno name \"\(event.error ?? "")\" in 'error'")
            }
        case .kill:
            // A threads-mode watchdog abandons a stuck thread (point `hung`) without a signal: nothing can kill it.
            // An imported process that began to exit by itself (point `exiting`: it entered exit_group, or let go
            // of a descriptor) was not killed either.
            if let signal = event.signal {
                try Self.checkSignal(signal, field: "signal")
            } else if event.point != "hung" && event.point != "exiting" {
                throw TraceError("a kill event needs the field 'signal'")
            }
            guard let point = event.point else { throw TraceError("a kill event needs the field 'point'") }
            guard Self.killPoints.contains(point) else {
                throw TraceError(
                    "unknown kill point \"\(point)\" (expected one of \(Self.killPoints.sorted().joined(separator: ", ")))"
                )
            }
        case .fault:
            try Self.checkFault(event)
        case .exit:
            try Self.checkExitValue(event.value)
        case .schedule:
            try Self.checkScheduleValue(event.value)
        case .invoke:
            if event.extra["thread"] != nil {
                throw TraceError("an invoke names its thread in its value ({\"thread\": NAME}, where the model reads threads), not beside it: the top-level 'thread' is a completion's")
            }
            if let resolves = event.extra["resolves"] {
                guard case .integer(let process) = resolves, Self.processRange.contains(process) else {
                    throw TraceError("the field 'resolves' must be a process number, not \(resolves)")
                }
            }
        case .ok, .info, .spawn:
            if event.type != .spawn { try Self.checkCompletionThread(event) }
        }
    }

    /// A completion's `"thread"`: the thread whose outstanding call it ends (needed when two threads of its process
    /// have one each), a non-empty name.
    private static func checkCompletionThread(_ event: Trace.Event) throws(TraceError) {
        guard let thread = event.extra["thread"] else { return }
        guard case .string(let name) = thread, !name.isEmpty else {
            throw TraceError("a completion's 'thread' must name the thread whose call it ends (\"main\", \"t2\", …), not \(thread)")
        }
    }

    // MARK: Header

    private static func checkSeed(_ seed: String) throws(TraceError) {
        guard !seed.isEmpty, seed.utf8.allSatisfy({ (0x30...0x39).contains($0) }), UInt64(seed) != nil else {
            throw TraceError("the header's seed must be a decimal 64-bit integer in a string, not \"\(seed)\"")
        }
    }

    private static func checkStrategy(_ strategy: String) throws(TraceError) {
        func bounded(_ prefix: String, _ range: ClosedRange<Int>) -> Bool {
            strategy.hasPrefix(prefix) && Int(strategy.dropFirst(prefix.count)).map(range.contains) == true
        }
        let known =
            ["random", "pct", "exhaustive", "threads", "imported"].contains(strategy) || bounded("pct:", 1...64)
            || bounded("exhaustive:", 0...16)
        guard known else {
            throw TraceError(
                "unknown strategy \"\(strategy)\" in the header (expected random, pct:1 to pct:64, exhaustive:0 to exhaustive:16, threads, or imported)"
            )
        }
    }

    private static func checkFaults(_ faults: JSONValue) throws(TraceError) {
        guard case .object(let object) = faults else {
            throw TraceError("the header's faults must be an object, not \(faults.typeName)")
        }
        guard case .array(let kinds)? = object["kinds"] else {
            throw TraceError("the header's faults need 'kinds', an array of fault kinds")
        }
        for kind in kinds {
            guard case .string(let name) = kind, faultKinds.contains(name) else {
                throw TraceError(
                    "unknown fault kind \(kind) in the header's faults (expected \(faultKinds.sorted().joined(separator: ", ")))"
                )
            }
        }
        for key in ["rate", "kill-rate"] {
            guard let value = object[key] else { continue }
            let number: Double? =
                switch value {
                case .integer(let integer): Double(integer)
                case .number(let number): number
                default: nil
                }
            guard let number, (0...1).contains(number) else {
                throw TraceError("the header's faults.\(key) must be a number from 0 to 1, not \(value)")
            }
        }
        if let restart = object["sa-restart"], case .bool = restart {
        } else if let restart = object["sa-restart"] {
            throw TraceError("the header's faults.sa-restart must be a boolean, not \(restart)")
        }
    }

    /// The processes a real-mode workload, a simulation setup or a threads map names, when the header has one.
    private static func declaredProcesses(_ header: Trace.Header) throws(TraceError) -> Set<Int>? {
        func numbers(_ value: JSONValue?, _ field: String) throws(TraceError) -> [Int] {
            guard case .array(let elements)? = value else {
                throw TraceError("the header's \(field) must be an array of process numbers")
            }
            return try elements.map { (element) throws(TraceError) -> Int in
                guard case .integer(let number) = element, processRange.contains(number) else {
                    throw TraceError("the header's \(field) must hold process numbers from 1, not \(element)")
                }
                return Int(number)
            }
        }
        switch header.mode {
        case "sim", "real":
            if header.mode == "sim", header.extra["sim"]?.objectValue == nil {
                throw TraceError("a simulation header needs its 'sim' object (the simulation's options: {\"memory\": \"weak\"})")
            }
            guard case .object(let workload)? = header.extra["workload"] else {
                throw TraceError("a \(header.mode!)-mode header needs its 'workload' object (the objects and who holds them)")
            }
            guard case .array(let processes)? = workload["processes"] else {
                throw TraceError("the header's workload needs 'processes', an array")
            }
            var ids = Set<Int>()
            for process in processes {
                let id = try numbers(.array([process["id"] ?? .null]), "workload's process ids")[0]
                guard ids.insert(id).inserted else {
                    throw TraceError("the header's workload lists process \(id) twice")
                }
            }
            return ids
        case "threads":
            guard case .object(let threads)? = header.extra["threads"] else { return nil }
            var all: [Int] = []
            for key in ["updater", "callbacks"] where threads[key] != nil {
                all += try numbers(.array([threads[key]!]), "threads.\(key)")
            }
            all += try numbers(threads["readers"] ?? .array([]), "threads.readers")
            return Set(all)
        default:
            return nil
        }
    }

    // MARK: Events

    private static func checkSignal(_ name: String, field: String) throws(TraceError) {
        guard SignalName.number(of: name) != nil, name.hasPrefix("SIG") else {
            throw TraceError("unknown signal name \"\(name)\" in '\(field)'")
        }
    }

    private static func checkFault(_ event: Trace.Event) throws(TraceError) {
        guard let fault = event.fault else { throw TraceError("a fault event needs the field 'fault'") }
        switch fault {
        case "short":
            guard case .integer(let count)? = event.value?["count"], count >= 0 else {
                throw TraceError("a short fault needs {\"count\": N} in its value, N from 0")
            }
            if let requested = event.value?["requested"] {
                guard case .integer(let number) = requested, number >= count else {
                    throw TraceError(
                        "a short fault's 'requested' must be an integer no smaller than its count, not \(requested)")
                }
            }
        case "delay":
            guard case .object(let value)? = event.value, !value.members.isEmpty else {
                throw TraceError(
                    "a delay fault needs a value saying which delay ({\"microseconds\": N}, {\"spin\": N}, {\"yield\": true} or {\"sleep\": N})"
                )
            }
            for member in value where ["microseconds", "spin", "sleep"].contains(member.key) {
                guard case .integer(let amount) = member.value, amount >= 0 else {
                    throw TraceError(
                        "a delay fault's '\(member.key)' must be a non-negative integer, not \(member.value)")
                }
            }
        case "signal":
            guard let signal = event.signal else { throw TraceError("a signal fault needs the field 'signal'") }
            try checkSignal(signal, field: "signal")
        default:
            guard Errno(name: fault) != nil else {
                throw TraceError(
                    "unknown fault \"\(fault)\" (expected an errno name such as \"EINTR\", short, delay or signal)")
            }
        }
    }

    private static func checkSpawnValue(_ value: JSONValue?) throws(TraceError) {
        guard let value else { return }
        guard case .object(let object) = value else {
            throw TraceError(
                "a spawn event's value must be an object ({\"pid\": N, \"holds\": {...}} or {\"thread\": ROLE})")
        }
        if let pid = object["pid"] {
            guard case .integer(let number) = pid, number >= 1, number <= Int64(Int32.max) else {
                throw TraceError("a spawn's pid must be a positive integer, not \(pid)")
            }
        }
        if let holds = object["holds"] {
            guard case .object(let held) = holds else {
                throw TraceError("a spawn's holds must be an object, not \(holds.typeName)")
            }
            for member in held {
                guard case .array(let roles) = member.value,
                    roles.allSatisfy({ if case .string = $0 { true } else { false } })
                else {
                    throw TraceError("a spawn's holds.\(member.key) must be an array of role names")
                }
            }
        }
        if let thread = object["thread"] {
            guard case .string(let role) = thread, threadRoles.contains(role) else {
                throw TraceError(
                    "a spawn's thread must be one of \(threadRoles.sorted().joined(separator: ", ")), not \(thread)")
            }
        }
    }

    private static func checkExitValue(_ value: JSONValue?) throws(TraceError) {
        let shape = "an exit's value must be {\"code\": 0-255}, {\"signal\": NAME} (with a \"reason\" text when the simulation knows why), {\"status\": \"unknown\"} or {\"status\": \"released\"}"
        guard case .object(var object)? = value else { throw TraceError(shape) }
        if object["signal"] != nil, let reason = object["reason"] {
            guard case .string = reason else { throw TraceError("\(shape), not \(JSONValue.object(object))") }
            object["reason"] = nil
        }
        guard object.count == 1, let member = object.members.first else {
            throw TraceError(shape)
        }
        switch (member.key, member.value) {
        case ("code", .integer(let code)) where (0...255).contains(code): return
        case ("signal", .string(let name)): try checkSignal(name, field: "value.signal")
        case ("status", .string("unknown")), ("status", .string("released")): return
        default: throw TraceError("\(shape), not \(JSONValue.object(object))")
        }
    }

    private static func checkScheduleValue(_ value: JSONValue?) throws(TraceError) {
        guard let value else { return }
        guard case .object(let object) = value else {
            throw TraceError(
                "a schedule event's value must be an object ('enabled': the processes that could go), not \(value.typeName)"
            )
        }
        guard let listed = object["enabled"] else { return }
        guard case .array(let enabled) = listed else {
            throw TraceError("a schedule's 'enabled' must be an array of process numbers, not \(listed.typeName)")
        }
        for element in enabled {
            guard case .integer(let process) = element, processRange.contains(process) else {
                throw TraceError("a schedule's 'enabled' must hold process numbers from 1, not \(element)")
            }
        }
        if let access = object["access"], case .object = access {
        } else if let access = object["access"] {
            throw TraceError("a schedule's 'access' must be an object, not \(access.typeName)")
        }
    }
}
