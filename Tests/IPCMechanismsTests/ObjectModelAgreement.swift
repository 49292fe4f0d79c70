import Glibc
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

/// One thread's handles of a named POSIX semaphore in the agreement tests — glibc maps a name once and counts its
/// opens, so the handles are one address and a count — and `sem_open` as the worker performs it.
final class NamedSemaphoreHandles: @unchecked Sendable {
    var pointer: UnsafeMutablePointer<sem_t>?
    var count = 0

    init(pointer: UnsafeMutablePointer<sem_t>? = nil, count: Int = 0) {
        self.pointer = pointer
        self.count = count
    }

    /// `sem_open` of `name` (with `O_CREAT`, and `O_EXCL` if asked, when `creation` is given), kept when it is the
    /// followed semaphore: the first one `createsIt` (the trace's create), or the same address as the handles held
    /// (a first open without a create, when none is held). Another semaphore — made after the unlink — goes at once, as
    /// the worker does.
    func open(_ name: String, creation: PosixSemaphoreModel.Creation?, createsIt: Bool = false) -> PosixSemaphoreModel.Output {
        do {
            let opened =
                if let creation {
                    try Syscall.semCreate(name, flags: creation.exclusive ? O_EXCL : 0, mode: 0o600, value: UInt32(truncatingIfNeeded: creation.value))
                } else {
                    try Syscall.semOpen(name)
                }
            guard createsIt || (count == 0 ? creation == nil : opened == pointer && creation?.exclusive != true) else {
                try? Syscall.semClose(opened)
                if creation != nil { try? Syscall.semUnlink(name) }
                return .done
            }
            pointer = opened
            count += 1
            return .done
        } catch { return .failed(errorCode(error)) }
    }

    /// Closes every handle still held (only while mapped: a stale address may by now be another test's semaphore).
    func closeAll() {
        while count > 0, let pointer { try? Syscall.semClose(pointer); count -= 1 }
    }
}
