import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `dup2`/`dup3` of an eventfd on the kernel and in the eventfd model: sequences of copies onto the descriptor's own
/// number, a free one, `/dev/null`'s, or another of the process's descriptors of the eventfd (which the call closes),
/// with `F_GETFD`, writes and closes of the newest descriptor. Every output the kernel gives must be one the model
/// allows; the model's states that allow it are followed.
@Suite struct EventCounterDuplicateAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case onto(PipeModel.DuplicateTarget, dup3: Bool?, bits: Int = 0)
        case getCloseOnExec
        case write
        case close

        var description: String {
            switch self {
            case .onto(let target, let dup3, let bits):
                (dup3 == nil ? "dup2" : "dup3") + "(\(target)\(dup3 == true ? ", O_CLOEXEC" : "")\(bits != 0 ? ", \(bits)" : ""))"
            case .getCloseOnExec: "F_GETFD"
            case .write: "write(1)"
            case .close: "close"
            }
        }
    }

    /// Directed sequences: each target with dup2 and dup3, dup3's errors, a copy onto another descriptor closing it
    /// (the holders as many as before: two closes leave none), the flag of each copy.
    static let sequences: [[Operation]] = [
        [.onto(.itself, dup3: nil), .onto(.itself, dup3: false), .onto(.free, dup3: false, bits: Int(O_NONBLOCK)), .getCloseOnExec, .write],
        [.onto(.free, dup3: nil), .getCloseOnExec, .onto(.same, dup3: nil), .getCloseOnExec, .close, .write, .close, .write, .onto(.free, dup3: nil)],
        [.onto(.free, dup3: true), .getCloseOnExec, .onto(.same, dup3: true), .getCloseOnExec, .close, .getCloseOnExec, .close, .getCloseOnExec],
        [.onto(.other, dup3: nil), .getCloseOnExec, .write, .close, .write, .onto(.other, dup3: true), .getCloseOnExec, .close, .close, .write],
        [.onto(.free, dup3: nil), .onto(.free, dup3: true), .onto(.same, dup3: nil), .close, .close, .write, .close, .onto(.same, dup3: nil)],
    ]

    @Test func modelAndKernelAgree() throws {
        for operations in Self.sequences { try Self.check(operations) }
    }

    static func check(_ operations: [Operation]) throws {
        try Syscall.withoutConcurrentSpawns {
            let model = EventCounterModel(counters: [("e0", .init(nonblocking: true, holders: [1], closeOnExec: true))])
            var states = [model.initialState(of: "e0")]
            let made = ipc_eventfd_exact(0, O_CLOEXEC | O_NONBLOCK)
            try #require(made >= 0)
            var held = [FileDescriptor(rawValue: made)]  // newest last
            defer { for descriptor in held { try? Syscall.close(descriptor) } }
            for (index, operation) in operations.enumerated() {
                let input: EventCounterModel.Input
                let kernel: EventCounterModel.Output
                let newest = held.last ?? FileDescriptor(rawValue: -1)
                switch operation {
                case .onto(let target, let dup3, let bits):
                    let call = PipeModel.DuplicateCall(target: target, closeOnExec: dup3, otherBits: dup3 == nil ? 0 : Int(bits))
                    input = .duplicateOnto(process: 1, call: call)
                    if target == .same && held.count == 1 {
                        // No other descriptor to name: the model must have no outcome for it.
                        #expect(states.allSatisfy { model.step($0, input, nil).isEmpty }, "\(operation) with one descriptor")
                        continue
                    }
                    var placeholder: FileDescriptor?
                    defer { if let placeholder { try? Syscall.close(placeholder) } }
                    do throws(Errno) {
                        let onto = try Self.target(target, source: newest, held: held, placeholder: &placeholder)
                        let flags = dup3.map { ($0 ? O_CLOEXEC : 0) | CInt(bits) }
                        let copy = try Syscall.duplicate(newest, onto: onto.rawValue, flags: flags)
                        placeholder = nil
                        if target != .itself {
                            held.removeAll { $0 == copy }
                            held.append(copy)
                        }
                        kernel = .duplicated
                    } catch {
                        kernel = .failed(ErrorCode(error.name))
                    }
                case .getCloseOnExec:
                    input = .descriptorFlags(process: 1, setCloseOnExec: nil)
                    do throws(Errno) { kernel = .closeOnExec(try Syscall.closesOnExec(newest)) } catch { kernel = .failed(ErrorCode(error.name)) }
                case .write:
                    input = .write(process: 1, value: 1, size: 8)
                    var one: UInt64 = 1
                    kernel = Glibc.write(newest.rawValue, &one, 8) == 8 ? .wrote(8) : .failed(errno == EBADF ? .EBADF : ErrorCode("errno \(errno)"))
                case .close:
                    input = .close(process: 1)
                    if let last = held.popLast() { try Syscall.close(last); kernel = .closed } else { kernel = .failed(.EBADF) }
                }
                let next = states.flatMap { model.step($0, input, kernel).map(\.state) }
                if next.isEmpty {
                    let allowed = states.map { model.outcome(of: input, in: $0).map { "\($0.output)" } ?? "asleep" }
                    Issue.record("operation \(index) \(operation) of \(operations): kernel \(kernel), model \(allowed)")
                    return
                }
                states = Array(Set(next))
            }
        }
    }

    /// The number the binding would pick (``PipeBinding``'s rule): its own, a free one, `/dev/null`'s, or the newest
    /// other descriptor of the eventfd.
    static func target(
        _ target: PipeModel.DuplicateTarget, source: FileDescriptor, held: [FileDescriptor], placeholder: inout FileDescriptor?
    ) throws(Errno) -> FileDescriptor {
        switch target {
        case .itself: return source
        case .free:
            // A number far above what the test process holds, not the lowest free one the binding would pick (the model
            // does not see numbers): a `dup2` onto a number freed a moment before may close the descriptor another
            // test's thread was given in between.
            guard let free = (850..<900).first(where: { number in !held.contains { $0.rawValue == number } && fcntl(number, F_GETFD) == -1 })
            else { throw Errno.tooManyOpenFiles }
            return FileDescriptor(rawValue: free)
        case .other:
            placeholder = try Syscall.open("/dev/null", flags: O_RDONLY | O_CLOEXEC)
            return placeholder!
        case .same, .end: return held.last { $0 != source } ?? FileDescriptor(rawValue: 1000)  // none held: EBADF for the old one
        }
    }
}
