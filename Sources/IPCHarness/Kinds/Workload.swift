import IPCModels

/// What a real-mode run does: which objects exist, which process holds what, and each process's program.
///
/// The objects and holdings are written into the trace header (`"workload"`), so a trace alone is enough to set
/// a run up again; the programs are the trace's invoke events.
public struct Workload: Sendable, Hashable {
    public struct Object: Sendable, Hashable {
        public var name: String
        /// The name of the object's kind in the ``KindRegistry`` ("pipe").
        public var kind: String
        public var parameters: JSONObject
        /// The implementation this object runs; nil: the run's, if the kind runs it, else the kind's default (see
        /// ``Workload/implementations(running:)``).
        public var implementation: String?

        public init(name: String, kind: String, parameters: JSONObject = JSONObject(), implementation: String? = nil) {
            self.name = name
            self.kind = kind
            self.parameters = parameters
            self.implementation = implementation
        }

        /// An object of `kind`.
        public init(name: String, kind: any ObjectKind.Type, parameters: JSONObject = JSONObject(), implementation: String? = nil) {
            self.init(name: name, kind: kind.name, parameters: parameters, implementation: implementation)
        }
    }

    public struct Process: Sendable, Hashable {
        public var id: Int
        /// For each object, the roles the process holds it in (for a pipe: "read", "write").
        public var holds: [String: [String]]
        public var program: [Call]

        public init(id: Int, holds: [String: [String]], program: [Call] = []) {
            self.id = id
            self.holds = holds
            self.program = program
        }

        /// A process whose program is written in `model`'s typed inputs, each on the object it names: the model
        /// writes each as the call the driver sends (its trace form), so a program never spells JSON.
        public init<M: TraceModel>(id: Int, holds: [String: [String]], model: M, program: [(object: String, input: M.Input)]) {
            self.init(id: id, holds: holds, program: program.map { step in
                let (f, value) = model.call(for: step.input)
                return Call(process: id, object: step.object, f: f, value: value)
            })
        }
    }

    public var objects: [Object]
    public var processes: [Process]

    public init(objects: [Object], processes: [Process]) {
        self.objects = objects
        self.processes = processes
    }

    /// Which processes hold `object` in `role`, ascending.
    public func holders(of object: String, role: String) -> [Int] {
        processes.filter { $0.holds[object]?.contains(role) ?? false }.map(\.id)
    }

    /// The objects and holdings (not the programs), as written in trace headers.
    public var setupJSON: JSONValue {
        .object([
            "objects": .array(objects.map { object in
                var entry: JSONObject = ["name": .string(object.name), "kind": .string(object.kind), "params": .object(object.parameters)]
                if let implementation = object.implementation { entry["implementation"] = .string(implementation) }
                return .object(entry)
            }),
            "processes": .array(processes.map { process in
                var holds = JSONObject()
                for name in process.holds.keys.sorted() { holds[name] = .array(process.holds[name]!.map { .string($0) }) }
                return .object(["id": .int(process.id), "holds": .object(holds)])
            }),
        ])
    }

    /// A workload set up as `json` describes (programs empty).
    public init(setupJSON json: JSONValue) throws(ModelError) {
        let value: JSONValue? = json
        var objects: [Object] = []
        for object in try value.required("objects").elements("objects") {
            let entry: JSONValue? = object
            let parameters = try entry.optional("params")?.objectValue ?? JSONObject()
            objects.append(Object(
                name: try entry.required("name").text("name"), kind: try entry.required("kind").text("kind"),
                parameters: parameters, implementation: try entry.optional("implementation")?.text("implementation")))
        }
        var processes: [Process] = []
        for process in try value.required("processes").elements("processes") {
            let entry: JSONValue? = process
            var holds: [String: [String]] = [:]
            for member in try entry.required("holds").objectValue ?? JSONObject() {
                holds[member.key] = try member.value.elements("holds").map { (role) throws(ModelError) in try role.text("holds") }
            }
            processes.append(Process(id: try entry.required("id").integer("id", in: 1...10_000), holds: holds))
        }
        self.init(objects: objects, processes: processes)
    }
}

extension JSONObject {
    /// The integer member `key`, if present and an integer (workload parameters are written by the harness).
    func integer(_ key: String) -> Int? {
        if case .integer(let value)? = self[key] { return Int(value) }
        return nil
    }
}

extension Workload {
    /// Which implementation each object runs in a run that names `implementation` (its trace header's
    /// `mechanism`): the object's own if it names one; else `implementation`, if its kind runs it; else the kind's
    /// default (a workload of several kinds tests one of them). Refused — never quietly replaced — when an object's
    /// kind is unknown, when an object names what its kind does not run, or when no object runs `implementation` at
    /// all: the run would report on code it did not run.
    public func implementations(running implementation: String) throws(HarnessError) -> [String: String] {
        var chosen: [String: String] = [:]
        for object in objects {
            let kind = try KindRegistry.requireKind(named: object.kind)
            if let named = object.implementation {
                guard KindRegistry.runs(kind, named) else {
                    throw HarnessError("object \(object.name): \(KindRegistry.refusal(of: named, by: kind))")
                }
                chosen[object.name] = named
            } else if KindRegistry.runs(kind, implementation) {
                chosen[object.name] = implementation
            } else if let fallback = kind.implementations.first {
                chosen[object.name] = fallback
            } else {
                throw HarnessError("object \(object.name): its kind \(kind.name) names no implementation of its own")
            }
        }
        guard chosen.values.contains(implementation) else {
            let kinds = Set(objects.map(\.kind)).sorted()
            throw HarnessError("no object of this run runs '\(implementation)': its objects are of kind \(kinds.joined(separator: ", ")), whose implementations are \(kinds.compactMap { KindRegistry.kind(named: $0) }.flatMap { $0.implementations + KindRegistry.clients(for: $0.name).map(\.name) }.joined(separator: ", ")) — a run must not report on code it did not run (register a client implementation of the kind, or a kind of your own, in this process and the worker's)")
        }
        return chosen
    }
}
