import IPCModels

/// A directed history measured on this kernel (the calls of one or more processes — across a `fork`, say — in the order
/// they were made, each with what the kernel gave), judged by a model call by call: the kernel's answers must be among
/// the model's.
struct DirectedHistory<M: Model> {
    let model: M
    let object: String

    /// The first call whose recorded output the model does not allow (its index and description), or nil.
    func firstRefusal(_ calls: [(input: M.Input, output: M.Output)]) -> String? {
        var states: Set<M.State> = [model.initialState(of: object)]
        for (index, call) in calls.enumerated() {
            let next = Set(states.flatMap { state in
                model.step(state, call.input, call.output).compactMap { step -> M.State? in
                    if case .completed(let state) = step { return state } else { return nil }
                }
            })
            guard !next.isEmpty else {
                return "call \(index): \(model.describe(call.input, call.output)) is not allowed after \(states.map(model.describe).sorted())"
            }
            states = next
        }
        return nil
    }

    /// Whether the model allows `calls` one after another, each taking effect in as many pieces (partial steps) as it
    /// needs — a socket's send or receive may — up to `piecesPerCall` pieces a call.
    func allows(_ calls: [(input: M.Input, output: M.Output)], piecesPerCall: Int) -> Bool {
        var states: Set<M.State> = [model.initialState(of: object)]
        for call in calls {
            var done: Set<M.State> = []
            var frontier = states
            var rounds = 0
            while !frontier.isEmpty && rounds < piecesPerCall {
                rounds += 1
                var more: Set<M.State> = []
                for state in frontier {
                    for step in model.step(state, call.input, call.output) {
                        switch step {
                        case .completed(let next): done.insert(next)
                        case .partial(let next): more.insert(next)
                        }
                    }
                }
                frontier = more
            }
            if done.isEmpty { return false }
            states = done
        }
        return true
    }
}
