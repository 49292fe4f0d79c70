import IPCModels

extension Workload {
    /// Throws for the first object with a parameter its kind does not read (``ObjectKind/parameterNames``).
    ///
    /// Why: kinds read their parameters with defaults (`capacity` 65536, `maxMessages` 10), so a parameter nobody
    /// reads — misspelt, or meant for another kind — is silently dropped and the run made with the default. The trace
    /// records what ran, so its verdict is about that run; but it is not the run the user asked for, and a user who
    /// asked for a tiny queue to reach `EAGAIN` would be told their code never fails there. The real driver, the
    /// simulator and a trace's reader make the same refusal, before anything is created. Kinds that do not list their
    /// names (a user's, by default) and objects of kinds no registry knows (refused elsewhere) are not checked here.
    public func refuseUnknownParameters() throws(HarnessError) {
        for object in objects {
            guard let known = KindRegistry.kind(named: object.kind)?.parameterNames else { continue }
            guard let unknown = object.parameters.keys.first(where: { !known.contains($0) }) else { continue }
            let listed = known.isEmpty ? "none" : known.sorted().joined(separator: ", ")
            throw HarnessError(
                "object \(object.name) (\(object.kind)) has the parameter '\(unknown)', which the kind \(object.kind) does not read (it reads: \(listed)): the run would ignore it and not be the one asked for",
                input: .setup)
        }
    }
}
