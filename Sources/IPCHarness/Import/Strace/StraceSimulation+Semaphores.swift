import IPCModels

/// System V semaphore sets as the `sysv-sem` model's operations: `semop`/`semtimedop`, and the `semctl` commands
/// that change the set (`SETVAL`, `IPC_RMID`). Commands that only look (`GETVAL`, `GETALL`, `IPC_STAT`, …) are
/// left out: strace shows GETALL's array only as an address, so what they saw cannot be checked, and leaving out
/// an observation never makes a verdict wrong. `SETALL` (its values not shown) and `IPC_SET` are not followed.
extension StraceSimulation {
    mutating func simulateSystemVSemaphores(_ call: StraceLog.Call, _ arguments: [StraceValue]) {
        guard let id = arguments.first?.integer, let object = systemVSemaphoreIDs[id] else {
            unchecked["System V semaphore sets the log did not make", default: []].append(call.line)
            return
        }
        if case .error(let error) = call.result, Self.withoutEffect.contains(error) { return }
        func argument(_ index: Int) -> StraceValue? { index < arguments.count ? arguments[index] : nil }
        switch call.name {
        case "semop", "semtimedop":
            guard case .array(let entries)? = argument(1) else {
                objects[object].exclude("\(call.name) at line \(call.line) does not show its operations")
                return
            }
            var operations: [JSONValue] = []
            var waiting = 0
            for entry in entries {
                guard let number = Self.field(entry, "sem_num", 0)?.integer, let change = Self.field(entry, "sem_op", 1)?.integer,
                    let flags = Self.field(entry, "sem_flg", 2)?.integer
                else {
                    objects[object].exclude("\(call.name) at line \(call.line): an operation the importer cannot read (record with -X raw)")
                    return
                }
                guard flags & ~0o4000 & ~0x1000 == 0 else {
                    objects[object].exclude("\(call.name) at line \(call.line): sem_flg \(flags) is not in the sysv-sem model")
                    return
                }
                var operation: JSONObject = ["num": .integer(number), "op": .integer(change)]
                if flags & 0x1000 != 0 { operation["undo"] = true }  // SEM_UNDO
                if flags & 0o4000 != 0 { waiting += 1 }  // IPC_NOWAIT
                operations.append(.object(operation))
            }
            // The model's "nonblocking" puts IPC_NOWAIT on every operation; a semop with it on some only is not in it.
            guard waiting == 0 || waiting == entries.count else {
                objects[object].exclude("\(call.name) at line \(call.line) has IPC_NOWAIT on some of its operations only, which the sysv-sem model cannot say")
                return
            }
            var value: JSONObject = ["ops": .array(operations)]
            var nonblocking = waiting > 0
            // A semtimedop whose time ran out fails EAGAIN, as a non-blocking one that could not proceed at some
            // moment of its interval: the model's reading of it.
            if call.name == "semtimedop", case .error("EAGAIN") = call.result, let timeout = argument(3), !timeout.isNull {
                nonblocking = true
            }
            if nonblocking { value["nonblocking"] = true }
            record(object, call, f: "semop", value: .object(value), outcome: outcome(call) { nil })
        case "semctl":
            guard let given = argument(2)?.integer else {
                objects[object].exclude("semctl at line \(call.line): a command the importer cannot read")
                return
            }
            switch given & 0xff {
            case 0:  // IPC_RMID
                record(object, call, f: "remove", value: nil, outcome: outcome(call) { nil })
            case 16:  // SETVAL
                guard let number = argument(1)?.integer, let value = argument(3)?.integer else {
                    objects[object].exclude("semctl(SETVAL) at line \(call.line) does not show its value")
                    return
                }
                record(object, call, f: "setval", value: ["num": .integer(number), "value": .integer(value)], outcome: outcome(call) { nil })
            case 17:  // SETALL
                objects[object].exclude("semctl(SETALL) at line \(call.line): strace does not show the values")
            default:
                break
            }
        default:
            break
        }
    }

    /// A field of a `sembuf` by name (`{sem_num=0, sem_op=-1, sem_flg=0}`) or, without names, by position.
    private static func field(_ value: StraceValue, _ name: String, _ position: Int) -> StraceValue? {
        if let named = value[name] { return named }
        guard case .structure(let fields) = value, position < fields.count, fields[position].key == nil else { return nil }
        return fields[position].value
    }
}
