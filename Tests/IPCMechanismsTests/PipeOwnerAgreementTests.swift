import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// `F_SETOWN`/`F_GETOWN` and `F_SETSIG`/`F_GETSIG` on a real pipe and on the pipe model, directed sequences then random
/// ones: every kernel output must be one the model allows. Process 1 (this process) holds the read end, the first
/// writer and a `dup` of it (one description); process 2 holds the second writer, a description of its own.
@Suite struct PipeOwnerAgreementTests {
    /// Which descriptor a call goes through.
    enum Through: Int, Sendable, CaseIterable, CustomStringConvertible {
        case read, first, copy, second

        var description: String { ["read", "first", "copy (dup of first)", "second"][rawValue] }
        var process: Int { self == .second ? 2 : 1 }
        var end: PipeModel.End { self == .read ? .read : .write }
    }

    enum Operation: Sendable, CustomStringConvertible {
        case setOwner(Through, PipeModel.OwnerArgument)
        case getOwner(Through)
        case setSignal(Through, Int)
        case getSignal(Through)
        case setOwnerEx(Through, PipeModel.OwnerType, PipeModel.OwnerArgument)
        case getOwnerEx(Through)

        var description: String {
            switch self {
            case .setOwner(let through, let owner): "F_SETOWN(\(through), \(owner))"
            case .getOwner(let through): "F_GETOWN(\(through))"
            case .setSignal(let through, let signal): "F_SETSIG(\(through), \(signal))"
            case .getSignal(let through): "F_GETSIG(\(through))"
            case .setOwnerEx(let through, let type, let owner): "F_SETOWN_EX(\(through), \(type), \(owner))"
            case .getOwnerEx(let through): "F_GETOWN_EX(\(through))"
            }
        }
    }

    static let owners: [PipeModel.OwnerArgument] = [.none, .process(1), .group(1), .other, .missing, .invalid]
    static let signals = [0, 10, 64, 65, -1]
    static let types: [PipeModel.OwnerType] = [.thread, .process, .group, .invalid(5)]
    static let exOwners: [PipeModel.OwnerArgument] = [.none, .process(1), .other, .missing]

    static let operations = Gen.oneOf(
        Gen.int(in: 0...23).map { Operation.setOwner(Through(rawValue: $0 % 4)!, owners[$0 / 4]) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.getOwner(Through(rawValue: $0)!) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.getOwner(Through(rawValue: $0)!) }.eraseToAny(),
        Gen.int(in: 0...19).map { Operation.setSignal(Through(rawValue: $0 % 4)!, signals[$0 / 4]) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.getSignal(Through(rawValue: $0)!) }.eraseToAny(),
        Gen.int(in: 0...63).map { Operation.setOwnerEx(Through(rawValue: $0 % 4)!, types[$0 / 4 % 4], exOwners[$0 / 16]) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.getOwnerEx(Through(rawValue: $0)!) }.eraseToAny()
    ).array(of: 1...30)

    /// The sequences the issue names first: a `dup`'s `F_SETOWN` read through the original (and not the other
    /// writer's description), a group, a missing pid leaving the owner, the signal's range.
    static let directedSequences: [[Operation]] = [
        [.getOwner(.first), .setOwner(.first, .process(1)), .setOwner(.copy, .group(1)), .getOwner(.first), .getOwner(.second)],
        [.setOwner(.read, .process(1)), .setOwner(.read, .missing), .setOwner(.read, .invalid), .getOwner(.read), .setOwner(.read, .none), .getOwner(.read)],
        [.setOwner(.second, .other), .getOwner(.second), .getOwner(.first)],
        [.getOwnerEx(.read), .setOwnerEx(.read, .thread, .process(1)), .getOwnerEx(.read), .getOwner(.read), .setOwnerEx(.read, .group, .process(1)),
         .getOwner(.read), .getOwnerEx(.read), .setOwnerEx(.read, .invalid(5), .missing), .setOwnerEx(.read, .process, .missing), .getOwnerEx(.read),
         .setOwner(.read, .none), .getOwnerEx(.read), .setOwnerEx(.copy, .group, .none), .getOwnerEx(.first), .getOwnerEx(.second),
         .setOwnerEx(.read, .group, .other), .getOwnerEx(.read), .getOwner(.read), .setOwner(.read, .group(1)), .getOwnerEx(.read)],
        [.getSignal(.read), .setSignal(.copy, 10), .getSignal(.first), .getSignal(.second), .setSignal(.first, 65), .setSignal(.first, -1), .getSignal(.copy), .setSignal(.first, 64), .getSignal(.copy)],
    ]

    /// The kernel's `F_GETOWN` in the trace's terms (process 1 is this process; pid 1 stands for a process outside).
    static func report(_ owner: CInt) -> PipeModel.OwnerReport {
        if owner == 0 { return .none }
        if owner == getpid() { return .process(1) }
        if owner < 0 && -owner == getpgrp() { return .group }
        return .other
    }

    static func argument(_ owner: PipeModel.OwnerArgument) -> CInt {
        switch owner {
        case .none: 0
        case .process: getpid()
        case .group: -getpgrp()
        case .other: 1
        case .missing: KernelDescriptorOwnerFactsTests.missingPID
        case .invalid: CInt.min
        }
    }

    static func kernelOutput(_ operation: Operation, _ descriptors: [Through: CInt]) -> PipeModel.Output {
        let result: CInt
        switch operation {
        case .setOwnerEx(let through, let type, let owner):
            let number: CInt = [PipeModel.OwnerType.thread: 0, .process: 1, .group: 2][type] ?? 5
            let id: CInt = owner == .process(1) ? (type == .group ? getpgrp() : getpid()) : abs(argument(owner))
            do { try Syscall.setOwnerEx(FileDescriptor(rawValue: descriptors[through]!), type: number, id: id) } catch {
                return .failed(ErrorCode(error.name))
            }
            return .flagsSet
        case .getOwnerEx(let through):
            do {
                let owner = try Syscall.ownerEx(FileDescriptor(rawValue: descriptors[through]!))
                let type: PipeModel.OwnerType = [0: .thread, 1: .process, 2: .group][owner.type] ?? .invalid(Int(owner.type))
                return .ownerEx(type, owner.id == 0 ? .none : type == .group ? .group : report(owner.id))
            } catch { return .failed(ErrorCode(error.name)) }
        case .setOwner(let through, let owner): result = fcntl(descriptors[through]!, F_SETOWN, argument(owner))
        case .getOwner(let through):
            result = fcntl(descriptors[through]!, F_GETOWN)
            if result >= 0 || -result == getpgrp() { return .owner(report(result)) }
        case .setSignal(let through, let signal): result = fcntl(descriptors[through]!, Syscall.F_SETSIG, CInt(signal))
        case .getSignal(let through):
            result = fcntl(descriptors[through]!, Syscall.F_GETSIG)
            if result >= 0 { return .signal(Int(result)) }
        }
        return result < 0 ? .failed(ErrorCode(Errno(rawValue: errno).name)) : .flagsSet
    }

    static func input(_ operation: Operation) -> PipeModel.Input {
        switch operation {
        case .setOwner(let through, let owner): .fcntl(process: through.process, end: through.end, command: .setOwner(owner))
        case .getOwner(let through): .fcntl(process: through.process, end: through.end, command: .getOwner)
        case .setSignal(let through, let signal): .fcntl(process: through.process, end: through.end, command: .setSignal(signal))
        case .getSignal(let through): .fcntl(process: through.process, end: through.end, command: .getSignal)
        case .setOwnerEx(let through, let type, let owner): .fcntl(process: through.process, end: through.end, command: .setOwnerEx(type, owner))
        case .getOwnerEx(let through): .fcntl(process: through.process, end: through.end, command: .getOwnerEx)
        }
    }

    /// A disagreement counts only when a second run repeats it (``PipeAgreement/repeatingDisagreements(_:)``).
    static func check(_ operations: [Operation]) throws {
        try PipeAgreement.repeatingDisagreements { try checkOnce(operations) }
    }

    static func checkOnce(_ operations: [Operation]) throws {
        try Syscall.withoutConcurrentSpawns {
            let (readEnd, firstWriter) = try Syscall.pipe(flags: O_CLOEXEC)
            let secondWriter = try KernelPipe.openEnd(firstWriter, forWriting: true)
            let copy = fcntl(firstWriter.rawValue, F_DUPFD_CLOEXEC, 0)
            defer {
                for descriptor in [readEnd, firstWriter, secondWriter] { try? Syscall.close(descriptor) }
                close(copy)
            }
            let descriptors: [Through: CInt] = [.read: readEnd.rawValue, .first: firstWriter.rawValue, .copy: copy, .second: secondWriter.rawValue]
            let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [1, 1, 2], closeOnExec: true))])
            var states = [model.initialState(of: "p0")]
            for (index, operation) in operations.enumerated() {
                let kernel = kernelOutput(operation, descriptors)
                guard let next = PipeAgreement.nextStates(
                    model, from: states, input(operation), kernel: kernel, context: "operation \(index) \(operation) of \(operations)")
                else { return }
                states = next
            }
        }
    }

    @Test func modelAllowsWhatTheKernelDoes() async throws {
        for operations in Self.directedSequences { try Self.check(operations) }
        await checkProperty(count: 200, input: Self.operations) { operations throws in
            try Self.check(operations)
        }
    }

    /// The plausible wrong outcomes are refused: after a `dup`'s `F_SETOWN`, the original reporting its old owner (the
    /// owner is the description's, not the number's); the other writer's own description reporting it; a signal
    /// above `_NSIG - 1` taken.
    @Test func modelRefusesTheWrongOwner() {
        let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [1, 1, 2]))])
        var state = model.initialState(of: "p0")
        for command: PipeModel.FileControl in [.setOwner(.process(1)), .setOwner(.group(1))] {
            guard case .completed(let next)? = model.step(state, .fcntl(process: 1, end: .write, command: command), .flagsSet).first else {
                Issue.record("\(command) refused")
                return
            }
            state = next
        }
        #expect(model.step(state, .fcntl(process: 1, end: .write, command: .getOwner), .owner(.process(1))).isEmpty)
        #expect(!model.step(state, .fcntl(process: 1, end: .write, command: .getOwner), .owner(.group)).isEmpty)
        #expect(model.step(state, .fcntl(process: 2, end: .write, command: .getOwner), .owner(.group)).isEmpty)
        #expect(model.step(state, .fcntl(process: 1, end: .read, command: .setSignal(65)), .flagsSet).isEmpty)
        #expect(model.step(state, .fcntl(process: 1, end: .read, command: .setOwner(.missing)), .flagsSet).isEmpty)
    }

    /// `F_GETOWN_EX`'s plausible wrong answers are refused: a fresh description reporting `F_OWNER_PID` (it is
    /// `F_OWNER_TID`, the zeroed owner), `F_SETOWN`'s group reported as a pid, `F_SETOWN(0)` reporting `F_OWNER_TID`,
    /// a bad type with a missing pid failing `ESRCH` (the type is checked first).
    @Test func modelRefusesTheWrongOwnerType() {
        let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [1]))])
        var state = model.initialState(of: "p0")
        let getEx = PipeModel.Input.fcntl(process: 1, end: .read, command: .getOwnerEx)
        #expect(model.step(state, getEx, .ownerEx(.process, .none)).isEmpty)
        #expect(!model.step(state, getEx, .ownerEx(.thread, .none)).isEmpty)
        #expect(model.step(state, .fcntl(process: 1, end: .read, command: .setOwnerEx(.invalid(5), .missing)), .failed(ErrorCode("ESRCH"))).isEmpty)
        guard case .completed(let grouped)? = model.step(state, .fcntl(process: 1, end: .read, command: .setOwner(.group(1))), .flagsSet).first else {
            Issue.record("F_SETOWN of a group refused")
            return
        }
        state = grouped
        #expect(model.step(state, getEx, .ownerEx(.process, .group)).isEmpty)
        #expect(!model.step(state, getEx, .ownerEx(.group, .group)).isEmpty)
        guard case .completed(let cleared)? = model.step(state, .fcntl(process: 1, end: .read, command: .setOwner(.none)), .flagsSet).first else {
            Issue.record("F_SETOWN 0 refused")
            return
        }
        #expect(model.step(cleared, getEx, .ownerEx(.thread, .none)).isEmpty)
        #expect(!model.step(cleared, getEx, .ownerEx(.process, .none)).isEmpty)
    }
}
