/// The IPC namespace a trace ran in, when it had one of its own (params `"ipcNamespace"`): a process that made it
/// with `unshare(CLONE_NEWIPC)` (or `clone`), set its limits through `/proc/sys`, and made some objects before the
/// trace began. The limits that `ipc(7)` and `mq_overview(7)` count per namespace — `msgmni` for System V message
/// queues, `semmni` and `semmns` for semaphore sets, `queues_max` for POSIX queues — can then be judged: what the
/// namespace holds is the `others` the header gives plus what the trace itself makes. Without it the namespace's
/// other objects are outside the trace and those limits' `ENOSPC` is allowed beside every create (issue 15: "limits
/// counted against whom they are counted against … per namespace"; measured, `IPCNamespaceLimitFactsTests`).
///
/// Form: `{"ipcNamespace": {COUNT: N, …, SETTING: N, …}}`: each of the model's counts (the objects of its kind the
/// namespace held besides the trace's own when the trace began; nobody outside the trace makes or removes one during
/// it) is required, each setting optional (this kernel's default). The trace must follow one object: each object is
/// judged alone, and a count would cross them.
public struct IPCNamespace: Hashable, Sendable {
    /// A value the namespace form reads: its name, its default (nil: required, unless `optional`: then absent is
    /// unknown) and the values the kernel takes.
    public struct Field: Sendable {
        public var name: String
        public var defaultValue: Int?
        public var optional: Bool
        public var range: ClosedRange<Int>

        public init(_ name: String, default defaultValue: Int? = nil, optional: Bool = false, in range: ClosedRange<Int>) {
            self.name = name
            self.defaultValue = defaultValue
            self.optional = optional
            self.range = range
        }
    }

    /// Each field's value: the header's, or the default.
    public var values: [String: Int]

    public init(values: [String: Int]) { self.values = values }

    /// A required or defaulted field's value.
    public subscript(_ name: String) -> Int { values[name] ?? 0 }

    /// An optional field's value; nil when the header leaves it out (not known).
    public func value(_ name: String) -> Int? { values[name] }

    /// The header's `"ipcNamespace"` as `model` reads it (`fields`), nil when it has none. A member the model does not
    /// read, a value outside its range, or a header with more than one object is refused.
    public static func parse(
        _ parameters: JSONValue?, model: String, objects: Int, fields: [Field]
    ) throws(ModelError) -> IPCNamespace? {
        guard let value = try parameters.optional("ipcNamespace") else { return nil }
        guard case .object(let members) = value else {
            throw ModelError("field 'ipcNamespace' must be an object of the namespace's counts and settings")
        }
        let names = fields.map(\.name)
        if let unknown = members.map(\.key).sorted().first(where: { !names.contains($0) }) {
            throw ModelError("ipcNamespace's '\(unknown)' is not one the \(model) model reads (it reads \(names.joined(separator: ", ")))")
        }
        guard objects == 1 else {
            throw ModelError("'ipcNamespace' needs a trace of one \(model) object: each object is judged alone, and the namespace's count crosses them (this one has \(objects))")
        }
        var values: [String: Int] = [:]
        let given: JSONValue? = value
        for field in fields {
            if let given = try given.optional(field.name) {
                values[field.name] = try given.integer("ipcNamespace's \(field.name)", in: field.range)
            } else if let defaultValue = field.defaultValue {
                values[field.name] = defaultValue
            } else if !field.optional {
                throw ModelError("ipcNamespace needs '\(field.name)': how many the namespace held besides the trace's own when it began")
            }
        }
        return IPCNamespace(values: values)
    }

    /// The header's form: every value, the defaults too.
    public var json: JSONValue { .object(JSONObject(values.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })) }
}

extension IPCNamespace? {
    /// `parameters` (the header's `{"objects": …}`) with this namespace's `"ipcNamespace"` beside them, if any.
    public func json(adding parameters: JSONValue) -> JSONValue {
        guard let self, case .object(var top) = parameters else { return parameters }
        top["ipcNamespace"] = self.json
        return .object(top)
    }
}
