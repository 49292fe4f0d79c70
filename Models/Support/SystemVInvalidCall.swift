/// A System V call the kernel refuses before it looks at any object (`SystemVInvalidCallFactsTests`; LTP's `msgctl04`,
/// `msgsnd02`, `msgrcv02`, `semctl03`, `semop02`, `shmctl02`, `shmat02`):
/// - `"control"` with `{"command": N}`: `msgctl`, `semctl` or `shmctl` with a command number the mechanism does not
///   have (−1, 4, 100, `IPC_64 | IPC_STAT`, …): `EINVAL`, whatever the id — the object's, a removed one's, none;
/// - any call that takes the object's id made with a negative id instead (`"id": -1` beside the call's other fields):
///   `EINVAL` — except a `semop` of more than 500 operations, which fails `E2BIG` (the count is checked first).
///
/// Both change nothing and need no permission. An id that is not negative may name another object, outside the
/// trace: the form refuses it.
public struct SystemVInvalidCall: Hashable, Sendable {
    /// The call's `f` (`"control"` for an unknown command) and its recorded value.
    public var f: String
    public var value: JSONValue?
    /// What the kernel answers.
    public var error: ErrorCode

    public init(f: String, value: JSONValue?, error: ErrorCode) {
        self.f = f
        self.value = value
        self.error = error
    }

    /// The command of a `"control"` call, or nil for a call with a negative id.
    public var command: Int? {
        guard f == "control", case .integer(let command)? = try? value.optional("command") else { return nil }
        return Int(exactly: command)
    }

    /// The negative id a call was made with, or nil (a `"control"` call without one).
    public var id: Int? {
        guard case .integer(let id)? = try? value.optional("id") else { return nil }
        return Int(exactly: id)
    }

    /// The commands every System V `*ctl` has: `IPC_RMID`, `IPC_SET`, `IPC_STAT`, `IPC_INFO`.
    public static let commonCommands: Set<Int> = [0, 1, 2, 3]

    /// `call` as an invalid call, or nil when it is an ordinary one: `commands` are the numbers the mechanism's
    /// `*ctl` knows (a `"control"` naming one is refused: it has its own `f`), `idCalls` the calls that take an id.
    /// `operationsLimit`: `semopm`, the namespace's (500 here).
    public static func parse(
        _ call: Call, commands: Set<Int>, idCalls: Set<String>, operationsLimit: Int = 500
    ) throws(ModelError) -> SystemVInvalidCall? {
        if call.f == "control" {
            let command = try call.value.required("command").integer("command", in: Int(Int32.min)...Int(Int32.max))
            guard !commands.contains(command) else {
                throw ModelError("command \(command) is one the model has a call for: record it under that call's f, not 'control'")
            }
            if let id = try call.value.optional("id") { _ = try negative(id) }
            return SystemVInvalidCall(f: call.f, value: call.value, error: .EINVAL)
        }
        // A call without a value may carry null (a worker's command does): no id.
        guard call.value != .null, let id = try call.value.optional("id") else { return nil }
        guard idCalls.contains(call.f) else { throw ModelError("'\(call.f)' takes no id: field 'id' is not allowed") }
        _ = try negative(id)
        // semop: more than semopm (500 here) operations fails E2BIG before the id is looked at.
        if call.f == "semop", let operations = try call.value.optional("ops"), try operations.elements("ops").count > operationsLimit {
            return SystemVInvalidCall(f: call.f, value: call.value, error: .E2BIG)
        }
        return SystemVInvalidCall(f: call.f, value: call.value, error: .EINVAL)
    }

    private static func negative(_ id: JSONValue) throws(ModelError) -> Int {
        let id = try id.integer("id", in: Int(Int32.min)...Int(Int32.max))
        guard id < 0 else {
            throw ModelError("field 'id' is \(id): only a negative id is judged (another may name an object outside the trace)")
        }
        return id
    }

    /// The call as an ordinary one on the object, its `"id"` left out (nil for a `"control"`): what a worker
    /// performs with the negative id in place of the object's.
    public func ordinaryCall(process: Int, object: String) -> Call? {
        guard command == nil, case .object(var fields)? = value else { return nil }
        fields["id"] = nil
        return Call(process: process, object: object, f: f, value: fields.count == 0 ? nil : .object(fields))
    }

    /// A short form for reports: `msgctl(-1, …)`-like.
    public var summary: String {
        if let command { return "control command \(command)" + (id.map { " on id \($0)" } ?? "") }
        return "\(f) on id \(id ?? -1)"
    }
}
