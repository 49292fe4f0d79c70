import IPCModels

extension Workload {
    /// Throws for the first call of a program that its shared-memory object cannot perform at all (a message larger
    /// than the construction's slots, ``SharedMemoryKind/refusal(of:by:)``).
    ///
    /// Such a call would reach a precondition of the construction — a trap in a worker, which the real driver then
    /// reports as a crash of the user's code, or a crash of the harness in a simulation — so it is a malformed
    /// workload, refused before anything is created: the simulator, the real driver and a trace's reader make the same
    /// refusal. `modelParameters` gives the model parameters of a kind by its name.
    func refuseCallsItsObjectsCannotPerform(
        implementations: [String: String], modelParameters: (String) throws(HarnessError) -> JSONValue?
    ) throws(HarnessError) {
        for object in objects {
            guard let kind = KindRegistry.kind(named: object.kind) as? any SharedMemoryKind.Type else { continue }
            let setup = SharedObjectSetup(object, implementations: implementations)
            let parameters = try modelParameters(object.kind)
            for process in processes {
                for call in process.program where call.object == object.name {
                    if let refusal = kind.refusal(of: call, by: setup, modelParameters: parameters) {
                        throw HarnessError(
                            "process \(process.id) cannot perform \(call.f) on \(object.name): \(refusal)",
                            input: .operation(process: process.id))
                    }
                }
            }
        }
    }
}

extension SharedObjectSetup {
    /// `object`'s setup, running the implementation the run chose for it.
    init(_ object: Workload.Object, implementations: [String: String]) {
        self.init(
            name: object.name, implementation: implementations[object.name] ?? object.implementation ?? "",
            parameters: object.parameters)
    }
}
