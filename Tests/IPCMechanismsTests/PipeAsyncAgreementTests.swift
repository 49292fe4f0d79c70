import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// `O_ASYNC`'s signals on a real pipe and on the pipe model, directed sequences then random ones: every kernel output
/// must be one the model allows. Process 1 (this test's thread) holds the read end and the first writer, process 2 the
/// second writer, a description of its own; every description is nonblocking. An owner is this thread (`F_OWNER_TID`,
/// the model's process 1's main thread) or none, so every signal is the thread's own and stays with it: it keeps them
/// blocked and takes them with a zero-timeout `sigtimedwait`, and takes what is left before unblocking them.
@Suite struct PipeAsyncAgreementTests {
    enum Through: Int, Sendable, CaseIterable, CustomStringConvertible {
        case read, first, second

        var description: String { ["read", "first", "second"][rawValue] }
        var process: Int { self == .second ? 2 : 1 }
        var end: PipeModel.End { self == .read ? .read : .write }
    }

    enum Operation: Sendable, CustomStringConvertible {
        case setAsync(Through, Bool)
        case getFlags(Through)
        case setOwner(Through, Bool)
        case setSignal(Through, Int)
        case write(Through, Int)
        case read(Int)
        case close(Through)
        case take([Int])

        var description: String {
            switch self {
            case .setAsync(let through, let on): "F_SETFL(\(through), \(on ? "O_ASYNC" : "~O_ASYNC"))"
            case .getFlags(let through): "F_GETFL(\(through))"
            case .setOwner(let through, let owned): "F_SETOWN_EX(\(through), \(owned ? "this thread" : "none"))"
            case .setSignal(let through, let signal): "F_SETSIG(\(through), \(signal))"
            case .write(let through, let count): "write(\(through), \(count))"
            case .read(let max): "read(\(max))"
            case .close(let through): "close(\(through))"
            case .take(let signals): "sigtimedwait(\(signals))"
            }
        }
    }

    /// 0 (plain `SIGIO`), `SIGSEGV` (taken first), `SIGUSR1`, `SIGIO`, `SIGRTMIN`, `SIGRTMIN + 1`.
    static var signals: [Int] { [0, 11, 10, 29, Int(Syscall.realtimeSignalMinimum), Int(Syscall.realtimeSignalMinimum) + 1] }
    static var blocked: [CInt] { signals.dropFirst().map(CInt.init) }
    static var takeSets: [[Int]] { [Array(signals.dropFirst()), [29], [10], [Int(Syscall.realtimeSignalMinimum)], [11, 29]] }

    static let operations = Gen.oneOf(
        Gen.int(in: 0...5).map { Operation.setAsync(Through(rawValue: $0 % 3)!, $0 < 3) }.eraseToAny(),
        Gen.int(in: 0...5).map { Operation.setOwner(Through(rawValue: $0 % 3)!, $0 < 4) }.eraseToAny(),
        Gen.int(in: 0...17).map { Operation.setSignal(Through(rawValue: $0 % 3)!, signals[$0 / 3]) }.eraseToAny(),
        Gen.int(in: 0...2).map { Operation.getFlags(Through(rawValue: $0)!) }.eraseToAny(),
        Gen.int(in: 0...19).map { Operation.write($0 % 2 == 0 ? .first : .second, $0 / 2) }.eraseToAny(),
        Gen.int(in: 0...9000).map { Operation.write($0 % 2 == 0 ? .first : .second, $0 / 2) }.eraseToAny(),
        Gen.int(in: 0...6000).map { Operation.read($0) }.eraseToAny(),
        Gen.int(in: 0...4).map { Operation.take(takeSets[$0]) }.eraseToAny(),
        Gen.int(in: 0...4).map { Operation.take(takeSets[$0]) }.eraseToAny(),
        Gen.int(in: 0...20).map { $0 < 3 ? Operation.close(Through(rawValue: $0)!) : Operation.take(takeSets[0]) }.eraseToAny()
    ).array(of: 1...40)

    /// The sequences the issue names first: no owner then an owner (nothing for what is there), a plain `SIGIO`
    /// queued once, `F_SETSIG` of a standard and a real-time signal, a read's `POLL_OUT` to the writer's owner, a full
    /// pipe's refused write, the last writer's and the last reader's release, the order of taking.
    static var directedSequences: [[Operation]] {
        let rt = Int(Syscall.realtimeSignalMinimum)
        let all = takeSets[0]
        return [
            [.setAsync(.read, true), .getFlags(.read), .getFlags(.first), .write(.first, 1), .take(all), .setOwner(.read, true), .take(all),
             .write(.first, 1), .write(.second, 1), .take(all), .take(all), .write(.first, 0), .read(10), .take(all)],
            [.setOwner(.read, true), .setAsync(.read, true), .setSignal(.read, 10), .write(.first, 5), .write(.second, 5), .take(all), .take(all),
             .setSignal(.read, rt), .write(.first, 5), .write(.first, 5), .take([rt]), .take([rt]), .take([rt])],
            [.setOwner(.first, true), .setAsync(.first, true), .setSignal(.first, rt + 1), .write(.first, 3), .take(all), .read(1), .take(all),
             .read(0), .read(10), .read(10), .take(all), .take(all), .take(all)],
            [.setOwner(.read, true), .setAsync(.read, true), .setSignal(.read, rt)] + Array(repeating: .write(.first, 4096), count: 17)
                + [.take(all), .write(.second, 1), .take(all), .take([rt])],
            [.setOwner(.read, true), .setAsync(.read, true), .setSignal(.read, rt), .close(.second), .take(all), .close(.first), .take(all), .take(all)],
            [.setOwner(.second, true), .setAsync(.second, true), .setOwner(.first, true), .setAsync(.first, true), .close(.read), .take(all),
             .take(all), .take(all)],
            [.setOwner(.read, true), .setAsync(.read, true), .setSignal(.read, 10), .write(.first, 1), .setSignal(.read, 0), .write(.first, 1),
             .setSignal(.read, rt), .write(.first, 1), .setSignal(.read, 11), .write(.first, 1), .take(all), .take(all), .take(all), .take(all),
             .take(all)],
            [.setOwner(.read, true), .setAsync(.read, true), .write(.first, 1), .setSignal(.read, 29), .write(.first, 1), .take(all), .take(all)],
            // With no reader left, the first writer's release signals the second writer's owner (pipe_release).
            [.close(.read), .setAsync(.second, true), .setOwner(.second, true), .close(.first), .take(all), .take(all)],
            [.setAsync(.first, true), .setOwner(.first, true), .setSignal(.first, rt), .close(.read), .take(all), .close(.second), .take(all)],
            [.setOwner(.read, true), .setAsync(.read, true), .setSignal(.read, 10), .write(.first, 1), .take([29]), .setAsync(.read, false),
             .write(.first, 1), .take(all), .take(all), .getFlags(.read)],
        ]
    }

    static func kernelOutput(_ operation: Operation, _ descriptors: [Through: FileDescriptor]) throws -> PipeModel.Output {
        func failed(_ error: Errno) -> PipeModel.Output { .failed(ErrorCode(error.name)) }
        switch operation {
        case .setAsync(let through, let on):
            try KernelPipe.setFlags(descriptors[through]!, nonblocking: true, direct: nil, async: on)
            return .flagsSet
        case .getFlags(let through):
            let flags = try KernelPipe.flags(descriptors[through]!)
            return .asyncFlags(nonblocking: flags.nonblocking, direct: flags.direct, async: try KernelPipe.isAsync(descriptors[through]!))
        case .setOwner(let through, let owned):
            try Syscall.setOwnerEx(descriptors[through]!, type: 0, id: owned ? OSThread.currentID : 0)
            return .flagsSet
        case .setSignal(let through, let signal):
            try Syscall.setIOSignal(descriptors[through]!, CInt(signal))
            return .flagsSet
        case .write(let through, let count):
            return try PipeAgreement.write(descriptors[through]!, [UInt8](repeating: UInt8(count % 251), count: count), nonblocking: true)
        case .read(let max):
            switch try KernelPipe.read(descriptors[.read]!, max: max, nonblocking: true) {
            case .completed(let bytes): return .read(bytes)
            case .wouldBlock: return .failed(.EAGAIN)
            }
        case .close(let through):
            try Syscall.close(descriptors[through]!)
            return .closed
        case .take(let signals):
            do {
                let taken = try Syscall.waitForIOSignal(signals.map(CInt.init), timeoutNanoseconds: 0, retryOnInterrupt: false)
                return .signalTaken(PipeModel.TakenSignal(signal: Int(taken.signal), code: Int(taken.code), band: taken.band))
            } catch { return failed(error) }
        }
    }

    static func input(_ operation: Operation) -> PipeModel.Input {
        switch operation {
        case .setAsync(let through, let on):
            .fcntl(process: through.process, end: through.end, command: .setFlagsWithAsync(nonblocking: true, direct: nil, async: on))
        case .getFlags(let through): .fcntl(process: through.process, end: through.end, command: .getFlags)
        case .setOwner(let through, let owned):
            .fcntl(process: through.process, end: through.end, command: .setOwnerEx(.thread, owned ? .process(1) : .none))
        case .setSignal(let through, let signal): .fcntl(process: through.process, end: through.end, command: .setSignal(signal))
        case .write(let through, let count):
            .write(process: through.process, data: [UInt8](repeating: UInt8(count % 251), count: count), nonblocking: true)
        case .read(let max): .read(process: 1, max: max, nonblocking: true)
        case .close(let through): .close(process: through.process, end: through.end)
        case .take(let signals): .takeSignal(process: 1, signals: signals, wait: false)
        }
    }

    /// A disagreement counts only when a second run repeats it (``PipeAgreement/repeatingDisagreements(_:)``).
    static func check(_ operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements { try checkOnce(operations, seen: seen) }
    }

    /// What a kernel output shows of the signals: each `si_code` taken, `sigtimedwait`'s `EAGAIN`.
    static func marks(of output: PipeModel.Output, for operation: Operation) -> [String] {
        switch (output, operation) {
        case (.signalTaken(let taken), _): ["si_code \(taken.code)"] + (taken.signal > 31 ? ["real-time"] : [])
        case (.failed(.EAGAIN), .take): ["nothing pending"]
        case (.failed(.EAGAIN), .write): ["write EAGAIN"]
        default: []
        }
    }

    /// Runs `operations` on a fresh pipe and the model. A call through a descriptor already closed is left out (its
    /// number may be another test's by then), and so is a write once the read end is closed (its `SIGPIPE`).
    static func checkOnce(_ operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try BlockedIOSignals.withBlocked(blocked) { try checkOnceBlocked(operations, seen: seen) }
    }

    /// ``checkOnce(_:seen:)`` with the signals blocked.
    private static func checkOnceBlocked(_ operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (readEnd, firstWriter) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            let secondWriter = try KernelPipe.openEnd(firstWriter, forWriting: true)
            try KernelPipe.setFlags(secondWriter, nonblocking: true, direct: nil)
            var descriptors: [Through: FileDescriptor] = [.read: readEnd, .first: firstWriter, .second: secondWriter]
            defer { for descriptor in descriptors.values { try? Syscall.close(descriptor) } }
            let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [1, 2], nonblocking: true, closeOnExec: true))])
            var states = [model.initialState(of: "p0")]
            for (index, operation) in operations.enumerated() {
                switch operation {
                case .setAsync(let through, _), .getFlags(let through), .setOwner(let through, _), .setSignal(let through, _), .close(let through):
                    if descriptors[through] == nil { continue }
                case .write(let through, _): if descriptors[through] == nil || descriptors[.read] == nil { continue }
                case .read: if descriptors[.read] == nil { continue }
                case .take: break
                }
                let kernel = try kernelOutput(operation, descriptors)
                seen.withLock { $0.formUnion(marks(of: kernel, for: operation)) }
                if case .close(let through) = operation { descriptors[through] = nil }
                if case .getFlags = operation {
                    // F_GETFL with O_ASYNC is judged by `step` (the model's outcomes give F_GETFL without it).
                    let next = states.flatMap { state in
                        model.step(state, input(operation), kernel).map { step in
                            guard case .completed(let after) = step else { return state }
                            return after
                        }
                    }
                    guard !next.isEmpty else {
                        return PipeAgreement.disagreement("operation \(index) \(operation) of \(operations): kernel \(kernel), model refuses it")
                    }
                    states = next
                    continue
                }
                guard let next = PipeAgreement.nextStates(
                    model, from: states, input(operation), kernel: kernel, context: "operation \(index) \(operation) of \(operations)")
                else { return }
                states = next
            }
        }
    }

    @Test func modelAllowsWhatTheKernelDoes() async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations,
            marks: ["si_code 1", "si_code 2", "si_code 128", "real-time", "nothing pending", "write EAGAIN"],
            check: { operations, seen throws in try Self.check(operations, seen: seen) })
    }

    /// LTP's `fcntl31`: `O_ASYNC` on the read end first, then an owner — process 1, its thread, or its process group
    /// — and `F_SETSIG(SIGUSR1)`; process 2's blocking write of one byte (the pipe has room: it never sleeps) must give
    /// process 1 `SIGUSR1` with `POLL_IN`, not `SIGIO` nor nothing.
    @Test func theOwnerOfFcntl31GetsItsSignal() {
        let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [2]))])
        let owners: [PipeModel.FileControl] = [
            .setOwner(.process(1)), .setOwner(.group(1)), .setOwnerEx(.thread, .process(1)), .setOwnerEx(.process, .process(1)),
            .setOwnerEx(.group, .process(1)),
        ]
        for owner in owners {
            var state = model.initialState(of: "p0")
            let calls: [(PipeModel.Input, PipeModel.Output)] = [
                (.fcntl(process: 1, end: .read, command: .setFlagsWithAsync(nonblocking: false, direct: nil, async: true)), .flagsSet),
                (.fcntl(process: 1, end: .read, command: owner), .flagsSet),
                (.fcntl(process: 1, end: .read, command: .setSignal(10)), .flagsSet),
                (.write(process: 2, data: [99], nonblocking: false), .wrote(1)),
            ]
            for (input, output) in calls {
                guard case .completed(let next)? = model.step(state, input, output).first else {
                    Issue.record("\(owner): \(input) → \(output) refused")
                    return
                }
                state = next
            }
            let take = PipeModel.Input.takeSignal(process: 1, signals: [10, 29], wait: false)
            #expect(!model.step(state, take, .signalTaken(PipeModel.TakenSignal(signal: 10, code: 1, band: 0x41))).isEmpty, "\(owner)")
            #expect(model.step(state, take, .signalTaken(PipeModel.TakenSignal(signal: 29, code: 0x80, band: 0))).isEmpty, "\(owner)")
            #expect(model.step(state, take, .failed(.EAGAIN)).isEmpty, "\(owner)")
        }
    }

    /// The plausible wrong outcomes are refused: a signal after a write while `O_ASYNC` is off; `POLL_OUT` for a
    /// write; a write's signal to the write end's owner; a second standard signal queued while one is pending; a plain
    /// `SIGIO` with `POLL_IN` (it is `SI_KERNEL`); `F_GETFL` without `O_ASYNC` after it was set; a higher signal taken
    /// before a lower one; nothing taken when a signal is pending.
    @Test func modelRefusesTheWrongSignal() {
        let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [2], nonblocking: true))])
        let take = PipeModel.Input.takeSignal(process: 1, signals: [10, 29, 34], wait: false)
        let takeWriter = PipeModel.Input.takeSignal(process: 2, signals: [10, 29, 34], wait: false)
        let write = PipeModel.Input.write(process: 2, data: [1], nonblocking: true)
        func after(_ inputs: [(PipeModel.Input, PipeModel.Output)]) -> PipeModel.State? {
            var state = model.initialState(of: "p0")
            for (input, output) in inputs {
                guard case .completed(let next)? = model.step(state, input, output).first else {
                    Issue.record("\(input) → \(output) refused")
                    return nil
                }
                state = next
            }
            return state
        }
        let owned: [(PipeModel.Input, PipeModel.Output)] = [
            (.fcntl(process: 1, end: .read, command: .setOwner(.process(1))), .flagsSet),
            (.fcntl(process: 2, end: .write, command: .setOwner(.process(2))), .flagsSet),
        ]
        let plain = PipeModel.TakenSignal(signal: 29, code: 0x80, band: 0)
        guard let off = after(owned + [(write, .wrote(1))]) else { return }
        #expect(model.step(off, take, .signalTaken(plain)).isEmpty)
        #expect(!model.step(off, take, .failed(.EAGAIN)).isEmpty)
        let async: (PipeModel.Input, PipeModel.Output) = (
            .fcntl(process: 1, end: .read, command: .setFlagsWithAsync(nonblocking: true, direct: nil, async: true)), .flagsSet
        )
        guard let on = after(owned + [async, (write, .wrote(1)), (write, .wrote(1))]) else { return }
        #expect(!model.step(on, take, .signalTaken(plain)).isEmpty)
        #expect(model.step(on, take, .signalTaken(PipeModel.TakenSignal(signal: 29, code: 1, band: 0x41))).isEmpty)
        #expect(model.step(on, takeWriter, .signalTaken(plain)).isEmpty)
        #expect(model.step(on, take, .failed(.EAGAIN)).isEmpty)
        guard case .completed(let once)? = model.step(on, take, .signalTaken(plain)).first else { return }
        #expect(model.step(once, take, .signalTaken(plain)).isEmpty)  // the second write's SIGIO was not queued again
        let getFlags = PipeModel.Input.fcntl(process: 1, end: .read, command: .getFlags)
        #expect(model.step(on, getFlags, .asyncFlags(nonblocking: true, direct: false, async: false)).isEmpty)
        #expect(!model.step(on, getFlags, .asyncFlags(nonblocking: true, direct: false, async: true)).isEmpty)
        let signal: (PipeModel.Input, PipeModel.Output) = (.fcntl(process: 1, end: .read, command: .setSignal(10)), .flagsSet)
        guard let queued = after(owned + [async, signal, (write, .wrote(1)), (write, .wrote(1))]) else { return }
        let user = PipeModel.TakenSignal(signal: 10, code: 1, band: 0x41)
        #expect(model.step(queued, take, .signalTaken(PipeModel.TakenSignal(signal: 10, code: 2, band: 0x304))).isEmpty)
        guard case .completed(let taken)? = model.step(queued, take, .signalTaken(user)).first else {
            Issue.record("SIGUSR1 with POLL_IN refused")
            return
        }
        #expect(model.step(taken, take, .signalTaken(user)).isEmpty)
        let realtime: (PipeModel.Input, PipeModel.Output) = (.fcntl(process: 1, end: .read, command: .setSignal(34)), .flagsSet)
        guard let both = after(owned + [async, realtime, (write, .wrote(1)), signal, (write, .wrote(1))]) else { return }
        #expect(model.step(both, take, .signalTaken(PipeModel.TakenSignal(signal: 34, code: 1, band: 0x41))).isEmpty)
        #expect(!model.step(both, take, .signalTaken(user)).isEmpty)
    }
}
