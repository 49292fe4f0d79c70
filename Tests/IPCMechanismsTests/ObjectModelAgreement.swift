import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// Runs operations on a kernel object and on a model side by side, from one process, and reports the first
/// operation whose outputs differ. The model may be in several states (where it allowed several outcomes: a create
/// that may meet the namespace's limit, say), each kept while the kernel's answers fit it. An operation the model says
/// may block in one of them (no transition), or would crash the caller (a transition no completion can report), is
/// skipped on both sides: one process cannot wait for itself.
struct ModelAgreement<M: TransitionModel> {
    let model: M
    let object: String

    /// `steps`: each operation's model input and the kernel call that performs it.
    func firstDisagreement(_ steps: [(input: M.Input, kernel: () throws -> M.Output)]) -> String? {
        var states: Set<M.State> = [model.initialState(of: object)]
        for (index, step) in steps.enumerated() {
            // This process's descriptor table is never full: the EMFILE a model allows for a table it cannot see is
            // not an answer the kernel can give here.
            let options = states.map { state in
                model.transitions(state, step.input).filter { ($0.output as? any PlainOutcomes)?.isDescriptorTableFull != true }
            }
            guard options.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.output != nil } }) else { continue }
            let actual: M.Output
            do {
                actual = try step.kernel()
            } catch {
                return "operation \(index) \(model.describe(step.input, nil)): the kernel call threw \(error)"
            }
            // What the model's step accepts as recorded: an equal output, or one with a field the model leaves open
            // (it then also keeps what the output showed: a stat's times).
            let accepted = Set(states.flatMap { state in
                model.step(state, step.input, actual).compactMap { step -> M.State? in
                    if case .completed(let next) = step { return next } else { return nil }
                }
            })
            if accepted.isEmpty {
                let expected = Set(options.flatMap { $0.compactMap(\.output) }).map { model.describe(step.input, $0) }.sorted()
                return "operation \(index) of \(steps.count): kernel \(model.describe(step.input, actual)), model \(expected.joined(separator: " or ")); states before: \(states.map(model.describe).sorted())"
            }
            states = accepted
        }
        return nil
    }
}

/// The model's failure output for a thrown errno.
func errorCode(_ error: any Error) -> ErrorCode { ErrorCode((error as? Errno)?.name ?? "\(error)") }

extension PlainOutcomes {
    /// `EMFILE`: the caller's descriptor table is full.
    var isDescriptorTableFull: Bool { self == .failed(ErrorCode("EMFILE")) }
}
