import IPCModels

/// Whether an edited run still runs programs its workload could have: an edit that gives a process a call it never
/// made (a consumer of a single-producer ring made to send, by `follow` or `splice`) or one its object's construction
/// refuses (a doubled message larger than a ring's slots, by `argument`) tests a program nobody wrote, and a
/// violation then would be the fuzzer's own, reported against a correct scenario. It was: doubled messages trapped
/// the slot preconditions of `spsc-ring` and `hybrid` (SIGILL, a CRASH) and `fuzz` said it found a bug in both.
extension FuzzMutator {
    /// True when every call of `edited` is an (object, function) its process also calls in `original`, and no
    /// shared-memory object of `workload` refuses it (``SharedMemoryKind/refusal(of:by:modelParameters:)``, the
    /// check a simulation trace's calls get when read).
    static func isFaithful(_ edited: [Call], to original: [Call], workload: Workload, modelParameters: JSONValue?) -> Bool {
        var made: [Int: Set<[String]>] = [:]
        for call in original { made[call.process, default: []].insert([call.object, call.f]) }
        var constructions: [String: (kind: any SharedMemoryKind.Type, setup: SharedObjectSetup)] = [:]
        for object in workload.objects {
            guard let kind = KindRegistry.kind(named: object.kind) as? any SharedMemoryKind.Type else { continue }
            constructions[object.name] = (kind, SharedObjectSetup(name: object.name, implementation: "", parameters: object.parameters))
        }
        return edited.allSatisfy { call in
            guard made[call.process]?.contains([call.object, call.f]) == true else { return false }
            guard let (kind, setup) = constructions[call.object] else { return true }
            return kind.refusal(of: call, by: setup, modelParameters: modelParameters) == nil
        }
    }

    /// The calls a real-mode run's moves start, in order.
    static func calls(of spec: RealRunSpec) -> [Call] {
        spec.moves.compactMap { move in
            if case .invoke(_, let call, _, _) = move { return call }
            return nil
        }
    }

    /// ``isFaithful(_:to:workload:modelParameters:)`` for a real-mode edit.
    static func isFaithful(_ edited: RealRunSpec, to original: RealRunSpec) -> Bool {
        isFaithful(calls(of: edited), to: calls(of: original), workload: edited.workload, modelParameters: edited.header.parameters)
    }

    /// ``isFaithful(_:to:workload:modelParameters:)`` for a simulation's edit; a workload the trace does not carry
    /// (never the case for a simulation `run` recorded) leaves only the per-process check.
    static func isFaithful(_ edited: SimulationRunSpec, to original: SimulationRunSpec) -> Bool {
        let header = edited.trace.header
        let workload = header.extra["workload"].flatMap { try? Workload(setupJSON: $0) } ?? Workload(objects: [], processes: [])
        return isFaithful(
            edited.programs.values.flatMap { $0 }, to: original.programs.values.flatMap { $0 }, workload: workload,
            modelParameters: header.parameters)
    }
}
