import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import Synchronization
import SystemPackage
import Testing

/// Random sequences of nonblocking writes and reads, closes of either end by either of two holders, `F_SETPIPE_SZ`,
/// and `poll` and `select` (zero timeout) of either end, on a real pipe and on the pipe model: the same outputs, call
/// for call — `POLLIN`, `POLLOUT` only while a page slot is free, `POLLHUP` once the writers are gone, `POLLERR` once the
/// readers are, `POLLNVAL` and `EBADF` on an end its holder closed.
@Suite struct PipeReadinessAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case write(holder: Int, size: Int)
        case read(Int)
        case close(holder: Int, end: PipeModel.End)
        case setSize(Int)
        case readiness(holder: Int, end: PipeModel.End, call: PipeModel.ReadinessCall)

        var description: String {
            switch self {
            case .write(let holder, let size): "write\(holder)(\(size))"
            case .read(let max): "read(\(max))"
            case .close(let holder, let end): "close\(holder)(\(end))"
            case .setSize(let size): "F_SETPIPE_SZ(\(size))"
            case .readiness(let holder, let end, let call): "\(call) by \(holder) on \(end)"
            }
        }
    }

    static let readinessCalls: [PipeModel.ReadinessCall] = [
        .poll(events: [.input, .output], timeout: 0), .poll(events: [.input, .readNormal], timeout: 0),
        .poll(events: [.output, .writeNormal], timeout: 0), .poll(events: [], timeout: 0),
        .select(read: true, write: true, timeout: 0), .select(read: false, write: true, timeout: 0),
    ]

    static let operations = Gen.oneOf(
        Gen.int(in: 1...9000).map { Operation.write(holder: 1 + $0 % 2, size: $0) }.eraseToAny(),
        Gen.int(in: 1...300).map { Operation.write(holder: 1 + $0 % 2, size: $0) }.eraseToAny(),
        Gen.int(in: 0...9000).map { Operation.read($0) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.close(holder: 1 + $0 % 2, end: $0 < 2 ? .read : .write) }.eraseToAny(),
        Gen.int(in: 0...2).map { Operation.setSize([4096, 8192, 65536][$0]) }.eraseToAny(),
        Gen.int(in: 0...23).map { Operation.readiness(holder: 1 + $0 % 2, end: $0 % 4 < 2 ? .read : .write, call: Self.readinessCalls[$0 / 4]) }.eraseToAny(),
        Gen.int(in: 0...23).map { Operation.readiness(holder: 1 + $0 % 2, end: $0 % 4 < 2 ? .read : .write, call: Self.readinessCalls[$0 / 4]) }.eraseToAny()
    ).array(of: 1...50)

    /// Sequences that meet every required kind, run before the random ones so that meeting a kind never depends on the draw.
    static let directedSequences: [[Operation]] = [
        [.write(holder: 1, size: 10), .readiness(holder: 1, end: .read, call: .poll(events: [.input, .readNormal], timeout: 0)),
         .readiness(holder: 1, end: .write, call: .poll(events: [.output, .writeNormal], timeout: 0)),
         .readiness(holder: 1, end: .read, call: .select(read: true, write: true, timeout: 0)), .setSize(4096),
         .readiness(holder: 1, end: .write, call: .poll(events: [.output, .writeNormal], timeout: 0)),
         .close(holder: 1, end: .read), .close(holder: 2, end: .read),
         .readiness(holder: 2, end: .write, call: .poll(events: [.input, .output], timeout: 0)),
         .readiness(holder: 1, end: .read, call: .poll(events: [], timeout: 0))],
        [.close(holder: 1, end: .write), .close(holder: 2, end: .write),
         .readiness(holder: 1, end: .read, call: .poll(events: [.input, .output], timeout: 0))],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        Syscall.ignoreBrokenPipeSignal()
        let seen = Mutex<Set<String>>([])
        for operations in Self.directedSequences {
            try Self.check(operations: operations, seen: seen)
        }
        await checkProperty(count: 200, input: Self.operations) { operations throws in
            try Self.check(operations: operations, seen: seen)
        }
        let missing = Set(["POLLIN", "POLLRDNORM", "POLLOUT", "POLLWRNORM", "POLLHUP", "POLLERR", "POLLNVAL", "full", "selected readable"])
            .subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the generated sequences never met \(missing.sorted())")
    }

    /// Runs one sequence on a fresh pipe and the model side by side; records an issue at the first disagreement.
    /// A disagreement counts only when a second run repeats it (``PipeAgreement/repeatingDisagreements(_:)``).
    static func check(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements { try checkOnce(operations: operations, seen: seen) }
    }

    static func checkOnce(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try Syscall.withoutConcurrentSpawns {
            let pipe = try HeldPipeEnds()
            let model = HeldPipeEnds.model
            var state = model.initialState(of: "p0")
            for (index, operation) in operations.enumerated() {
                let input: PipeModel.Input
                let kernel: PipeModel.Output
                do throws(Errno) {
                    switch operation {
                    case .write(let holder, let size): (input, kernel) = pipe.write(holder: holder, size: size, fill: UInt8(truncatingIfNeeded: index))
                    case .read(let max): (input, kernel) = pipe.read(max: max)
                    case .close(let holder, let end): (input, kernel) = pipe.close(holder: holder, end: end)
                    case .setSize(let size): (input, kernel) = pipe.setSize(size)
                    case .readiness(let holder, let end, let call):
                        input = .readiness(process: holder, end: end, call: call)
                        switch call {
                        case .poll(let events, _):
                            guard let descriptor = pipe.ends[end]![holder] else { kernel = .ready(.invalid); break }
                            let revents = try KernelPipe.poll(descriptor, events: Int16(events.rawValue), timeoutMilliseconds: 0)
                            kernel = .ready(PipeModel.PollEvents(rawValue: Int(revents)))
                        case .select(let read, let write, _):
                            guard let descriptor = pipe.ends[end]![holder] else { kernel = .failed(.EBADF); break }
                            let (readable, writable) = try KernelPipe.select(descriptor, read: read, write: write, timeoutMilliseconds: 0)
                            kernel = .selected(readable: readable, writable: writable)
                        }
                    }
                } catch {
                    kernel = .failed(ErrorCode(error.name))
                }
                guard let next = PipeAgreement.next(model, from: state, input, kernel: kernel, context: "operation \(index) \(operation) of \(operations)") else {
                    return
                }
                if case .ready(let events) = kernel { seen.withLock { $0.formUnion(events.names) } }
                if case .ready([]) = kernel, case .readiness(_, .write, _) = operation, !state.pages.isEmpty { seen.withLock { _ = $0.insert("full") } }
                if case .selected(true, _) = kernel { seen.withLock { _ = $0.insert("selected readable") } }
                state = next
            }
        }
    }
}
