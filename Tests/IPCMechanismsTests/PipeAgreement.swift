import IPCMechanisms
import IPCModels
import SystemPackage
import Testing

/// The step every pipe agreement property takes after a call on the real pipe: the model must give exactly one
/// completion, with the kernel's output.
enum PipeAgreement {
    /// The model's state after `input`, or nil (and an issue naming `context`) when the model disagrees with `kernel`.
    static func next(
        _ model: PipeModel, from state: PipeModel.State, _ input: PipeModel.Input, kernel: PipeModel.Output, context: @autoclosure () -> String
    ) -> PipeModel.State? {
        let outcomes = model.outcomes(of: input, in: state)
        guard outcomes.count == 1, case .completed(let next) = outcomes[0].step, outcomes[0].output == kernel else {
            Issue.record("\(context()): kernel \(kernel), model \(outcomes.map { $0.output.map { "\($0)" } ?? "piece" })")
            return nil
        }
        return next
    }
}

extension PipeAgreement {
    /// A `write` on the real pipe as the model's output: the count, or `EAGAIN` (other errors are thrown).
    static func write(_ descriptor: FileDescriptor, _ data: [UInt8], nonblocking: Bool) throws(Errno) -> PipeModel.Output {
        switch try KernelPipe.write(descriptor, data, nonblocking: nonblocking) {
        case .completed(let count): .wrote(count)
        case .wouldBlock: .failed(.EAGAIN)
        }
    }

    /// A `read` on the real pipe as the model's output: the bytes, or `EAGAIN`.
    static func read(_ descriptor: FileDescriptor, max: Int, nonblocking: Bool) throws(Errno) -> PipeModel.Output {
        switch try KernelPipe.read(descriptor, max: max, nonblocking: nonblocking) {
        case .completed(let bytes): .read(bytes)
        case .wouldBlock: .failed(.EAGAIN)
        }
    }
}
