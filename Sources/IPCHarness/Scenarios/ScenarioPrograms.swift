import IPCModels

/// Building random workloads over one kernel object: a number of processes, what each holds, and a program of
/// calls each, drawn from the run's generator.
enum ScenarioPrograms {
    /// 1 to `most` processes, each making an object of `kind` of its own (`p0`, `p1`, … for prefix `p`; role
    /// `create`: its first call makes it) and using it as `program` says: its calls, made through `call`.
    static func eachMakesItsOwn(
        _ kind: String, prefix: String, most: Int, generator: inout SeededGenerator,
        _ program: (_ process: Int, _ call: (String, JSONValue?) -> Void, _ generator: inout SeededGenerator) -> Void
    ) -> Workload {
        var objects: [Workload.Object] = []
        var processes: [Workload.Process] = []
        for process in 1...generator.next(in: 1...most) {
            let object = "\(prefix)\(process - 1)"
            var calls: [Call] = []
            program(process, { f, value in calls.append(Call(process: process, object: object, f: f, value: value)) }, &generator)
            objects.append(Workload.Object(name: object, kind: kind))
            processes.append(Workload.Process(id: process, holds: [object: ["create"]], program: calls))
        }
        return Workload(objects: objects, processes: processes)
    }

    /// One object of `kind` named `object`, shared by `processes` (2–4 by default); `roles` picks each process's
    /// holding, and `operation` each call of its program (3–8 calls).
    static func workload(
        kind: String, object: String = "o0", parameters: JSONObject = JSONObject(),
        processes: ClosedRange<Int> = 2...4, calls: ClosedRange<Int> = 3...8, generator: inout SeededGenerator,
        roles: (_ process: Int, inout SeededGenerator) -> [String],
        operation: (_ process: Int, _ sequence: Int, inout SeededGenerator) -> (f: String, value: JSONValue?)
    ) -> Workload {
        let count = generator.next(in: processes)
        let programs = (1...count).map { process in
            let held = roles(process, &generator)
            let program = (0..<generator.next(in: calls)).map { sequence in
                let (f, value) = operation(process, sequence, &generator)
                return Call(process: process, object: object, f: f, value: value)
            }
            return Workload.Process(id: process, holds: [object: held], program: program)
        }
        return Workload(objects: [Workload.Object(name: object, kind: kind, parameters: parameters)], processes: programs)
    }

    /// The processes holding `object` in `role`.
    static func holders(_ workload: Workload, role: String) -> [Int] {
        workload.holders(of: workload.objects[0].name, role: role)
    }
}

extension SeededGenerator {
    /// Picks one of `choices` with the given weights and evaluates it.
    mutating func choose<T>(_ choices: [(weight: Int, make: (inout SeededGenerator) -> T)]) -> T {
        let make = pick(weighted: choices.map { ($0.weight, $0.make) })
        return make(&self)
    }
}

extension JSONObject {
    /// Adds `"nonblocking": true` when `nonblocking`.
    func nonblocking(_ nonblocking: Bool) -> JSONValue {
        var object = self
        if nonblocking { object["nonblocking"] = true }
        return .object(object)
    }
}
