import IPCModels

/// What a real-mode run does: which objects exist, which process holds what, and each process's program.
///
/// The objects and holdings are written into the trace header (`"workload"`), so a trace alone is enough to set
/// a run up again; the programs are the trace's invoke events.
public struct Workload: Sendable, Hashable {
    public struct Object: Sendable, Hashable {
        public var name: String
        /// The object kind a provisioner knows how to create ("pipe").
        public var kind: String
        public var parameters: JSONObject

        public init(name: String, kind: String, parameters: JSONObject = JSONObject()) {
            self.name = name
            self.kind = kind
            self.parameters = parameters
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
                .object(["name": .string(object.name), "kind": .string(object.kind), "params": .object(object.parameters)])
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
                parameters: parameters))
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
