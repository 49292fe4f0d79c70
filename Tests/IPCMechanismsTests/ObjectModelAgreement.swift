import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// Runs operations on a kernel object and on a model side by side, from one process, and reports the first
/// operation whose outputs differ. An operation the model says would block (no transition), or would crash the
/// caller (a transition no completion can report), is skipped on both sides: one process cannot wait for itself.
struct ModelAgreement<M: TransitionModel> {
    let model: M
    let object: String

    /// `steps`: each operation's model input and the kernel call that performs it.
    func firstDisagreement(_ steps: [(input: M.Input, kernel: () throws -> M.Output)]) -> String? {
        var state = model.initialState(of: object)
        for (index, step) in steps.enumerated() {
            // This process's descriptor table is never full: the EMFILE a model allows for a table it cannot see is
            // not an answer the kernel can give here.
            let transitions = model.transitions(state, step.input).filter { ($0.output as? any PlainOutcomes)?.isDescriptorTableFull != true }
            guard transitions.count == 1, let expected = transitions[0].output else { continue }
            let actual: M.Output
            do {
                actual = try step.kernel()
            } catch {
                return "operation \(index) \(model.describe(step.input, nil)): the kernel call threw \(error)"
            }
            // Equal, or what the model's step accepts as recorded (an output field the model leaves open).
            let accepted = model.step(state, step.input, actual)
            if actual != expected && accepted.isEmpty {
                return "operation \(index) of \(steps.count): kernel \(model.describe(step.input, actual)), model \(model.describe(step.input, expected)); state before: \(model.describe(state))"
            }
            // The step's state when it is the only one: it also keeps what the output showed (a stat's times).
            state = accepted.count == 1 ? accepted[0].state : transitions[0].state
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
