import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// Random sequences of `dup`, `F_DUPFD` (minimums 0, 10, -1 and the limit), closes, `F_SETFL`/`F_GETFL` of
/// `O_NONBLOCK`, reads and writes, by one process holding both ends of a real pipe, and on the pipe model: the same
/// outputs, call for call — a duplicate shares its description's flags, and end of file and `EPIPE` wait for the last
/// descriptor of the other end.
@Suite struct PipeDuplicateAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case duplicate(PipeModel.End, minimum: Int?)
        case close(PipeModel.End)
        case setNonblocking(PipeModel.End, Bool)
        case getFlags(PipeModel.End)
        case write(Int)
        case read(Int)
        case status(PipeModel.End)

        var description: String {
            switch self {
            case .duplicate(let end, let minimum): "dup(\(end), \(minimum.map(String.init) ?? "-"))"
            case .close(let end): "close(\(end))"
            case .setNonblocking(let end, let on): "F_SETFL(\(end), \(on))"
            case .getFlags(let end): "F_GETFL(\(end))"
            case .write(let size): "write(\(size))"
            case .read(let max): "read(\(max))"
            case .status(let end): "fstat(\(end))"
            }
        }
    }

    static let ends: [PipeModel.End] = [.read, .write]
    static let minimums: [Int?] = [nil, nil, 0, 10, -1, Int.max]  // Int.max: the limit

    static let operations = Gen.oneOf(
        Gen.int(in: 0...11).map { Operation.duplicate(ends[$0 % 2], minimum: minimums[$0 / 2]) }.eraseToAny(),
        Gen.int(in: 0...1).map { Operation.close(ends[$0]) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.setNonblocking(ends[$0 % 2], $0 < 2) }.eraseToAny(),
        Gen.int(in: 0...1).map { Operation.getFlags(ends[$0]) }.eraseToAny(),
        Gen.int(in: 1...300).map { Operation.write($0) }.eraseToAny(),
        Gen.int(in: 1...300).map { Operation.read($0) }.eraseToAny(),
        Gen.int(in: 0...1).map { Operation.status(ends[$0]) }.eraseToAny()
    ).array(of: 1...50)

    /// Sequences that meet every required kind, run before the random ones so that meeting a kind never depends on the draw.
    static let directedSequences: [[Operation]] = [
        [.setNonblocking(.write, false), .duplicate(.write, minimum: nil), .setNonblocking(.write, true), .getFlags(.write), .read(10),
         .duplicate(.read, minimum: -1), .status(.write), .close(.write), .close(.write), .read(10), .status(.write)],
        [.close(.read), .write(10)],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        Syscall.ignoreBrokenPipeSignal()
        var limits = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits)
        let limit = Int(limits.rlim_cur)
        let seen = Mutex<Set<String>>([])
        for operations in Self.directedSequences {
            try Self.check(limit: limit, operations: operations, seen: seen)
        }
        await propertyCheck(count: 200, input: Self.operations) { operations throws in
            try Self.check(limit: limit, operations: operations, seen: seen)
        }
        let missing = Set(["duplicated", "EINVAL", "fstat", "fstat EBADF", "no end of file while a duplicate holds the write end", "end of file", "EPIPE", "flags through a duplicate"])
            .subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the generated sequences never met \(missing.sorted())")
    }

    /// Runs one sequence on a fresh pipe and the model side by side; records an issue at the first disagreement.
    static func check(limit: Int, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try Syscall.withoutConcurrentSpawns {
            // Nonblocking from the start, so that no read or write sleeps; F_SETFL may turn it off, and then only
            // calls that return at once are made.
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            var held: [PipeModel.End: [FileDescriptor]] = [.read: [readEnd], .write: [writeEnd]]
            defer { for descriptor in held.values.joined() { try? Syscall.close(descriptor) } }
            // Far more free numbers than a sequence makes: a duplicate without a high minimum never fails EMFILE.
            let model = PipeModel(pipes: [(
                "p0", PipeModel.Setup(readers: [1], writers: [1], nonblocking: true, descriptorLimits: [.init(process: 1, free: 1000, limit: limit)])
            )])
            var state = model.initialState(of: "p0")
            for (index, operation) in operations.enumerated() {
                let input: PipeModel.Input
                var kernel: PipeModel.Output
                do throws(Errno) {
                    switch operation {
                    case .duplicate(let end, let minimum):
                        let actual = minimum == Int.max ? limit : minimum
                        input = .fcntl(process: 1, end: end, command: .duplicate(minimum: actual))
                        guard let descriptor = held[end]!.last else { kernel = .failed(.EBADF); break }
                        held[end]!.append(try Syscall.duplicate(descriptor, minimum: actual ?? 0))
                        kernel = .duplicated
                    case .close(let end):
                        input = .close(process: 1, end: end)
                        guard let descriptor = held[end]!.popLast() else { kernel = .failed(.EBADF); break }
                        try Syscall.close(descriptor)
                        kernel = .closed
                    case .setNonblocking(let end, let on):
                        input = .fcntl(process: 1, end: end, command: .setFlags(nonblocking: on, direct: nil))
                        guard let descriptor = held[end]!.last else { kernel = .failed(.EBADF); break }
                        try KernelPipe.setFlags(descriptor, nonblocking: on, direct: nil)
                        kernel = .flagsSet
                    case .getFlags(let end):
                        input = .fcntl(process: 1, end: end, command: .getFlags)
                        guard let descriptor = held[end]!.first else { kernel = .failed(.EBADF); break }
                        let flags = try KernelPipe.flags(descriptor)
                        kernel = .flags(nonblocking: flags.nonblocking, direct: flags.direct)
                    case .write(let size):
                        let data = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: size)
                        input = .write(process: 1, data: data, nonblocking: true)
                        guard let descriptor = held[.write]!.first else { kernel = .failed(.EBADF); break }
                        kernel = try PipeAgreement.write(descriptor, data, nonblocking: true)
                    case .status(let end):
                        input = .status(process: 1, end: end)
                        guard let descriptor = held[end]!.last else { kernel = .failed(.EBADF); break }
                        let status = try KernelPipe.status(descriptor)
                        kernel = .status(type: status.type, mode: status.mode, size: status.size)
                    case .read(let max):
                        input = .read(process: 1, max: max, nonblocking: true)
                        guard let descriptor = held[.read]!.first else { kernel = .failed(.EBADF); break }
                        kernel = try PipeAgreement.read(descriptor, max: max, nonblocking: true)
                    }
                } catch {
                    kernel = .failed(ErrorCode(error.name))
                }
                guard let next = PipeAgreement.next(model, from: state, input, kernel: kernel, context: "operation \(index) \(operation) of \(operations)") else {
                    return
                }
                switch (operation, kernel) {
                case (.duplicate, .duplicated): seen.withLock { _ = $0.insert("duplicated") }
                case (.duplicate, .failed(.EINVAL)): seen.withLock { _ = $0.insert("EINVAL") }
                case (.read, .failed(.EAGAIN)) where held[.write]!.count > 0 && state.writers.count > 1:
                    seen.withLock { _ = $0.insert("no end of file while a duplicate holds the write end") }
                case (.read, .read(let bytes)) where bytes.isEmpty: seen.withLock { _ = $0.insert("end of file") }
                case (.write, .failed(.EPIPE)): seen.withLock { _ = $0.insert("EPIPE") }
                case (.status, .status): seen.withLock { _ = $0.insert("fstat") }
                case (.status, .failed(.EBADF)): seen.withLock { _ = $0.insert("fstat EBADF") }
                case (.getFlags, .flags(true, _)) where state.readers.count + state.writers.count > 2:
                    seen.withLock { _ = $0.insert("flags through a duplicate") }
                default: break
                }
                state = next
            }
        }
    }
}
