import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// `O_ASYNC`'s signals on a real FIFO and on the fifo model, directed sequences then random ones: every kernel output
/// must be one the model allows. Process 1 (this test's thread) makes every call, each through its latest open of the
/// end as the worker does: nonblocking opens of either end and `O_RDWR` ones (with `O_ASYNC` or without), reads, writes, closes, owners (this thread,
/// `F_OWNER_TID`, or none), `F_SETSIG`, `O_ASYNC`, `F_GETOWN_EX`, `F_GETFL` and zero-timeout `sigtimedwait`s — the
/// signals kept blocked, and whatever is left taken before they are unblocked.
@Suite struct FIFOAsyncAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case open(PipeModel.End)
        case openReadWrite
        /// `open` with `O_ASYNC` (`KernelFIFOOpenAsyncFactsTests`): of an end, or (nil) `O_RDWR`.
        case openAsync(PipeModel.End?)
        case write(Int)
        case read(Int)
        case close(PipeModel.End)
        case setAsync(PipeModel.End, Bool)
        case setOwner(PipeModel.End, Bool)
        case setSignal(PipeModel.End, Int)
        case getOwner(PipeModel.End)
        case getFlags(PipeModel.End)
        case take([Int])

        var description: String {
            switch self {
            case .open(let end): "open(\(end))"
            case .openReadWrite: "open(O_RDWR)"
            case .openAsync(let end): "open(\(end.map { "\($0)" } ?? "O_RDWR")|O_ASYNC)"
            case .write(let count): "write(\(count))"
            case .read(let max): "read(\(max))"
            case .close(let end): "close(\(end))"
            case .setAsync(let end, let on): "F_SETFL(\(end), \(on ? "O_ASYNC" : "~O_ASYNC"))"
            case .setOwner(let end, let owned): "F_SETOWN_EX(\(end), \(owned ? "this thread" : "none"))"
            case .setSignal(let end, let signal): "F_SETSIG(\(end), \(signal))"
            case .getOwner(let end): "F_GETOWN_EX(\(end))"
            case .getFlags(let end): "F_GETFL(\(end))"
            case .take(let signals): "sigtimedwait(\(signals))"
            }
        }
    }

    static var signals: [Int] { PipeAsyncAgreementTests.signals }
    static var takeSets: [[Int]] { PipeAsyncAgreementTests.takeSets }
    static func end(_ number: Int) -> PipeModel.End { number % 2 == 0 ? .read : .write }

    static let operations = Gen.oneOf(
        Gen.int(in: 0...1).map { Operation.open(end($0)) }.eraseToAny(),
        Gen.int(in: 0...0).map { _ in Operation.openReadWrite }.eraseToAny(),
        Gen.int(in: 0...2).map { Operation.openAsync($0 == 2 ? nil : end($0)) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.close(end($0)) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.setAsync(end($0), $0 < 2) }.eraseToAny(),
        Gen.int(in: 0...5).map { Operation.setOwner(end($0), $0 < 4) }.eraseToAny(),
        Gen.int(in: 0...11).map { Operation.setSignal(end($0), signals[$0 / 2]) }.eraseToAny(),
        Gen.int(in: 0...1).map { Operation.getOwner(end($0)) }.eraseToAny(),
        Gen.int(in: 0...1).map { Operation.getFlags(end($0)) }.eraseToAny(),
        Gen.int(in: 0...9).map { Operation.write($0) }.eraseToAny(),
        Gen.int(in: 0...6000).map { Operation.write($0) }.eraseToAny(),
        Gen.int(in: 0...3000).map { Operation.read($0) }.eraseToAny(),
        Gen.int(in: 0...4).map { Operation.take(takeSets[$0]) }.eraseToAny(),
        Gen.int(in: 0...4).map { Operation.take(takeSets[$0]) }.eraseToAny()
    ).array(of: 1...40)

    /// What `KernelFIFOAsyncFactsTests` measured, one sequence each: no signal for an open and a write's `POLL_IN`; a
    /// second open of the end with none of the first's settings, which are back once it closes; a read's `POLL_OUT`
    /// (an `EAGAIN` one too) and the last reader's and last writer's releases; an `O_RDWR` open on both lists, and its
    /// release leaving a reader.
    static var directedSequences: [[Operation]] {
        let rt = Int(Syscall.realtimeSignalMinimum)
        let all = takeSets[0]
        return [
            [.open(.read), .setOwner(.read, true), .setAsync(.read, true), .setSignal(.read, rt), .open(.write), .open(.read), .take(all),
             .write(1), .write(0), .take(all), .take(all)],
            [.open(.read), .setOwner(.read, true), .setAsync(.read, true), .open(.read), .getOwner(.read), .getFlags(.read), .open(.write),
             .write(1), .take(all), .close(.read), .getOwner(.read), .getFlags(.read), .setSignal(.read, 10), .write(1), .take(all), .take(all)],
            [.open(.read), .open(.write), .setOwner(.write, true), .setAsync(.write, true), .setSignal(.write, rt + 1), .read(1), .take(all),
             .open(.read), .close(.read), .take(all), .close(.read), .take(all), .open(.read), .setOwner(.read, true), .setAsync(.read, true),
             .close(.write), .take(all), .take(all)],
            [.openReadWrite, .setOwner(.read, true), .setAsync(.write, true), .setSignal(.read, rt), .write(1), .take(all), .read(1), .take(all),
             .read(1), .take(all), .open(.write), .write(1), .close(.write), .take(all), .open(.read), .setOwner(.read, true), .setAsync(.read, true),
             .setSignal(.read, 10), .close(.write), .take(all), .take(all), .getOwner(.write)],
            // O_ASYNC given at open: the bit reported for good, no F_SETFL puts it on a list, nothing sent.
            [.openAsync(.read), .getFlags(.read), .setOwner(.read, true), .open(.write), .write(1), .take(all), .setAsync(.read, true),
             .write(1), .take(all), .setAsync(.read, false), .getFlags(.read), .setAsync(.read, true), .write(1), .take(all),
             .openAsync(.write), .setOwner(.write, true), .setAsync(.write, true), .read(1), .take(all), .getFlags(.write),
             .close(.read), .take(all), .openAsync(nil), .setOwner(.read, true), .write(1), .read(1), .take(all), .getFlags(.write)],
        ]
    }

    @Test func modelAllowsWhatTheKernelDoes() async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations,
            marks: ["si_code 1", "si_code 2", "si_code 128", "real-time", "nothing pending", "owner", "O_ASYNC from open"],
            check: { operations, seen throws in
                // Blocked around the FIFO's last closes too, whose releases may signal; what a first run left is taken
                // before the second (see PipeAgreement.repeatingDisagreements).
                try BlockedIOSignals.withBlocked(PipeAsyncAgreementTests.blocked) {
                    try FIFOModelAgreementTests.withFreshFIFO { path, held in
                        _ = BlockedIOSignals.takeAll(PipeAsyncAgreementTests.blocked)
                        try Self.check(operations, path: path, held: &held, seen: seen)
                    }
                }
            })
    }

    /// The kernel's output of `operation` through the latest descriptor of its end (`EBADF` without one).
    static func kernelOutput(_ operation: Operation, path: String, held: inout FIFOModelAgreementTests.Held) -> (FIFOModel.Input, FIFOModel.Output) {
        func through(_ end: PipeModel.End, _ command: PipeModel.FileControl, _ body: (FileDescriptor) throws -> FIFOModel.Output) -> (FIFOModel.Input, FIFOModel.Output) {
            let input = FIFOModel.Input.fcntl(process: 1, end: end, command: command)
            guard let descriptor = held[end]?.last else { return (input, .failed(.EBADF)) }
            return (input, FIFOModelAgreementTests.outcome { try body(descriptor) })
        }
        switch operation {
        case .open(let end): return FIFOModelAgreementTests.open(end, path: path, &held)
        case .openAsync(let end?):
            return (.open(process: 1, end: end, nonblocking: true, async: true), FIFOModelAgreementTests.outcome {
                held[end, default: []].append(try KernelFIFO.open(path, for: end == .read ? .read : .write, nonblocking: true, async: true))
                return .opened
            })
        case .openAsync(nil):
            return (.openReadWrite(process: 1, nonblocking: true, async: true), FIFOModelAgreementTests.outcome {
                let descriptor = try KernelFIFO.open(path, for: .readWrite, nonblocking: true, async: true)
                held[.read, default: []].append(descriptor)
                held[.write, default: []].append(descriptor)
                return .opened
            })
        case .openReadWrite:
            return (.openReadWrite(process: 1, nonblocking: true), FIFOModelAgreementTests.outcome {
                let descriptor = try KernelFIFO.open(path, for: .readWrite, nonblocking: true)
                held[.read, default: []].append(descriptor)
                held[.write, default: []].append(descriptor)
                return .opened
            })
        case .write(let count): return FIFOModelAgreementTests.write([UInt8](repeating: UInt8(count % 251), count: count), held)
        case .read(let max): return FIFOModelAgreementTests.read(max, held)
        case .close(let end): return FIFOModelAgreementTests.close(end, &held)
        case .setAsync(let end, let on):
            return through(end, .setFlagsWithAsync(nonblocking: true, direct: nil, async: on)) { descriptor in
                try KernelPipe.setFlags(descriptor, nonblocking: true, direct: nil, async: on)
                return .flagsSet
            }
        case .setOwner(let end, let owned):
            return through(end, .setOwnerEx(.thread, owned ? .process(1) : .none)) { descriptor in
                try Syscall.setOwnerEx(descriptor, type: 0, id: owned ? OSThread.currentID : 0)
                return .flagsSet
            }
        case .setSignal(let end, let signal):
            return through(end, .setSignal(signal)) { descriptor in
                try Syscall.setIOSignal(descriptor, CInt(signal))
                return .flagsSet
            }
        case .getOwner(let end):
            return through(end, .getOwnerEx) { descriptor in
                let owner = try Syscall.ownerEx(descriptor)
                let type: PipeModel.OwnerType = [0: .thread, 1: .process, 2: .group][owner.type] ?? .invalid(Int(owner.type))
                return .ownerEx(type, owner.id == 0 ? .none : owner.id == OSThread.currentID ? .process(1) : .other)
            }
        case .getFlags(let end):
            return through(end, .getFlags) { descriptor in
                let flags = try KernelPipe.flags(descriptor)
                return .asyncFlags(nonblocking: flags.nonblocking, direct: flags.direct, async: try KernelPipe.isAsync(descriptor))
            }
        case .take(let signals):
            return (.takeSignal(process: 1, signals: signals, wait: false), FIFOModelAgreementTests.outcome {
                let taken = try Syscall.waitForIOSignal(signals.map(CInt.init), timeoutNanoseconds: 0, retryOnInterrupt: false)
                return .signalTaken(PipeModel.TakenSignal(signal: Int(taken.signal), code: Int(taken.code), band: taken.band))
            })
        }
    }

    /// Runs `operations` on the fresh FIFO at `path` and on the model, every state the model may be in followed.
    static func check(
        _ operations: [Operation], path: String, held: inout FIFOModelAgreementTests.Held, seen: borrowing Mutex<Set<String>>
    ) throws {
        let model = FIFOModel(fifos: [("f0", FIFOModel.Setup(closeOnExec: true))])
        var states = [model.initialState(of: "f0")]
        for (index, operation) in operations.enumerated() {
            let (input, kernel) = kernelOutput(operation, path: path, held: &held)
            guard let next = FIFOModelAgreementTests.nextStates(model, from: states, input, kernel: kernel, context: "operation \(index) \(operation) of \(operations)") else {
                return
            }
            seen.withLock { seen in
                switch (kernel, operation) {
                case (.signalTaken(let taken), _):
                    seen.insert("si_code \(taken.code)")
                    if taken.signal > 31 { seen.insert("real-time") }
                case (.failed(.EAGAIN), .take): seen.insert("nothing pending")
                case (.ownerEx(_, .process), _): seen.insert("owner")
                case (.asyncFlags(_, _, true), .getFlags) where states.contains(where: { $0.opens.contains(where: \.asyncFromOpen) }):
                    seen.insert("O_ASYNC from open")
                default: break
                }
            }
            states = next
        }
    }
}
