import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import Synchronization
import SystemPackage
import Testing

/// Random sequences of `dup`, `F_DUPFD`/`F_DUPFD_CLOEXEC` (minimums 0, 10, -1 and the limit), `dup2`/`dup3` (onto
/// the descriptor itself, a free number, one at the limit, a descriptor of something else, another of the process's
/// descriptors of the pipe; `dup3` with `O_CLOEXEC` or a bad flag), `F_GETFD`/`F_SETFD`, closes, `F_SETFL`/`F_GETFL`
/// of `O_NONBLOCK`, reads and writes, by one process holding both ends of a real pipe, and on the pipe model: the
/// kernel's output must be one the model allows, call for call — a duplicate shares its description's flags but not
/// its `FD_CLOEXEC`, and end of file and `EPIPE` wait for the last descriptor of the other end. The model does not know
/// which of several descriptors of an end a call reached, so it follows every state it may be in.
@Suite struct PipeDuplicateAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case duplicate(PipeModel.End, minimum: Int?, closeOnExec: Bool = false)
        case onto(PipeModel.End, Target, dup3: CInt?)
        case getDescriptorFlags(PipeModel.End)
        case setDescriptorFlags(PipeModel.End, Bool)
        case close(PipeModel.End)
        case setNonblocking(PipeModel.End, Bool)
        case getFlags(PipeModel.End)
        case write(Int)
        case read(Int)
        case status(PipeModel.End)

        var description: String {
            switch self {
            case .duplicate(let end, let minimum, let closeOnExec): "dup(\(end), \(minimum.map(String.init) ?? "-")\(closeOnExec ? ", CLOEXEC" : ""))"
            case .onto(let end, let target, let flags): "\(flags == nil ? "dup2" : "dup3")(\(end) onto \(target)\(flags.map { ", \($0)" } ?? ""))"
            case .getDescriptorFlags(let end): "F_GETFD(\(end))"
            case .setDescriptorFlags(let end, let on): "F_SETFD(\(end), \(on))"
            case .close(let end): "close(\(end))"
            case .setNonblocking(let end, let on): "F_SETFL(\(end), \(on))"
            case .getFlags(let end): "F_GETFL(\(end))"
            case .write(let size): "write(\(size))"
            case .read(let max): "read(\(max))"
            case .status(let end): "fstat(\(end))"
            }
        }
    }

    /// Where a `dup2`/`dup3` puts its copy: `limit` is a free number at `RLIMIT_NOFILE`.
    enum Target: Sendable, CustomStringConvertible {
        case itself, free, limit, other
        case end(PipeModel.End)

        var description: String {
            switch self {
            case .itself: "self"
            case .free: "free"
            case .limit: "the limit"
            case .other: "/dev/null"
            case .end(let end): "a \(end) end"
            }
        }
    }

    static let ends: [PipeModel.End] = [.read, .write]
    static let targets: [Target] = [.itself, .free, .free, .limit, .other, .end(.read), .end(.write)]
    static let dup3Flags: [CInt?] = [nil, nil, 0, O_CLOEXEC, O_CLOEXEC, O_NONBLOCK]
    static let minimums: [Int?] = [nil, nil, 0, 10, -1, Int.max]  // Int.max: the limit

    static let operations = Gen.oneOf(
        Gen.int(in: 0...23).map { Operation.duplicate(ends[$0 % 2], minimum: minimums[$0 / 4], closeOnExec: $0 % 4 >= 2) }.eraseToAny(),
        Gen.int(in: 0...(2 * 7 * 6 - 1)).map { Operation.onto(ends[$0 % 2], targets[$0 / 2 % 7], dup3: dup3Flags[$0 / 14]) }.eraseToAny(),
        Gen.int(in: 0...1).map { Operation.getDescriptorFlags(ends[$0]) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.setDescriptorFlags(ends[$0 % 2], $0 < 2) }.eraseToAny(),
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
        // FD_CLOEXEC is the descriptor's: a dup clears it, F_DUPFD_CLOEXEC and dup3(O_CLOEXEC) set it, F_SETFD
        // reaches one descriptor, dup2 onto itself changes nothing.
        [.getDescriptorFlags(.read), .duplicate(.read, minimum: nil), .getDescriptorFlags(.read), .close(.read),
         .getDescriptorFlags(.read), .setDescriptorFlags(.read, false), .getDescriptorFlags(.read),
         .duplicate(.read, minimum: 0, closeOnExec: true), .getDescriptorFlags(.read), .onto(.read, .itself, dup3: nil),
         .getDescriptorFlags(.read), .onto(.read, .itself, dup3: 0), .onto(.read, .free, dup3: O_CLOEXEC), .getDescriptorFlags(.read),
         .onto(.write, .free, dup3: O_NONBLOCK), .onto(.write, .limit, dup3: nil), .onto(.write, .other, dup3: nil),
         .getDescriptorFlags(.write)],
        // dup2 of the write end onto the read end's number: no reader left, EPIPE; of the read end onto the write
        // end's: no writer, end of file.
        [.onto(.write, .end(.read), dup3: nil), .write(5), .close(.write), .close(.write)],
        [.write(3), .onto(.read, .end(.write), dup3: O_CLOEXEC), .read(10), .read(10), .getDescriptorFlags(.read)],
        [.duplicate(.write, minimum: nil), .onto(.write, .end(.write), dup3: nil), .close(.write), .read(10)],
    ]

    /// This process's `RLIMIT_NOFILE`.
    static var descriptorLimit: Int {
        var limits = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits)
        return Int(limits.rlim_cur)
    }

    /// The model's `dup2` (`flags` nil) or `dup3` call.
    static func call(_ target: PipeModel.DuplicateTarget, number: Int?, flags: CInt?) -> PipeModel.DuplicateCall {
        .init(target: target, number: number, closeOnExec: flags.map { $0 & O_CLOEXEC != 0 }, otherBits: Int(flags.map { $0 & ~O_CLOEXEC } ?? 0))
    }

    /// `dup2`/`dup3` of `source` onto `target` (`number`, or a number opened on `/dev/null` for `other`, which the copy
    /// then holds): the copy.
    static func duplicate(_ source: FileDescriptor, onto target: Target, number: Int?, flags: CInt?) throws(Errno) -> FileDescriptor {
        var other: FileDescriptor?
        if case .other = target { other = try Syscall.open("/dev/null", flags: O_RDONLY | O_CLOEXEC) }
        do throws(Errno) {
            return try Syscall.duplicate(source, onto: other?.rawValue ?? number.map { CInt($0) } ?? source.rawValue, flags: flags)
        } catch {
            if let other { try? Syscall.close(other) }  // the call failed: the placeholder is still /dev/null
            throw error
        }
    }

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        Syscall.ignoreBrokenPipeSignal()
        let limit = Self.descriptorLimit
        let seen = Mutex<Set<String>>([])
        for operations in Self.directedSequences {
            try Self.check(limit: limit, operations: operations, seen: seen)
        }
        await checkProperty(count: 200, input: Self.operations) { operations throws in
            try Self.check(limit: limit, operations: operations, seen: seen)
        }
        let missing = Set([
            "duplicated", "EINVAL", "fstat", "fstat EBADF", "no end of file while a duplicate holds the write end", "end of file", "EPIPE",
            "flags through a duplicate", "FD_CLOEXEC set", "FD_CLOEXEC clear", "dup2 onto itself", "dup3 onto itself EINVAL",
            "dup3 bad flags EINVAL", "dup2 at the limit EBADF", "dup2 onto the pipe", "dup2 onto something else", "dup2 onto a free number",
        ])
            .subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the generated sequences never met \(missing.sorted())")
    }

    /// A number no other test takes (the lowest free is what every other open gets): a `dup2` onto it is onto a free
    /// number, and as an old descriptor it is one not open.
    static func reservedNumber(_ limit: Int) -> CInt { CInt(limit - 64) }

    /// The model's target and number for a `dup2`/`dup3` onto `target` from the newest descriptor of `end`; nil when
    /// the process holds no other descriptor of the pipe's end named (the call cannot be made).
    static func target(
        _ target: Target, of end: PipeModel.End, held: [PipeModel.End: [FileDescriptor]], limit: Int
    ) -> (PipeModel.DuplicateTarget, Int?)? {
        switch target {
        case .itself: return (.itself, nil)
        case .free:
            let taken = Set(held.values.joined().map(\.rawValue))
            guard let free = (reservedNumber(limit) + 1..<reservedNumber(limit) + 48).first(where: { !taken.contains($0) && fcntl($0, F_GETFD) == -1 })
            else { return nil }
            return (.free, Int(free))
        case .limit: return (.free, limit)
        case .other: return (.other, nil)
        case .end(let replaced):
            guard let source = held[end]!.last, let other = held[replaced]!.last(where: { $0 != source }) else { return nil }
            return (.end(replaced), Int(other.rawValue))
        }
    }

    /// Runs one sequence on a fresh pipe and the model side by side; records an issue at the first disagreement.
    /// A disagreement counts only when a second run repeats it (``PipeAgreement/repeatingDisagreements(_:)``).
    static func check(limit: Int, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements { try checkOnce(limit: limit, operations: operations, seen: seen) }
    }

    static func checkOnce(limit: Int, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try Syscall.withoutConcurrentSpawns {
            // Nonblocking from the start, so that no read or write sleeps; F_SETFL may turn it off, and then only
            // calls that return at once are made.
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            var held: [PipeModel.End: [FileDescriptor]] = [.read: [readEnd], .write: [writeEnd]]
            defer { for descriptor in held.values.joined() { try? Syscall.close(descriptor) } }
            // Far more free numbers than a sequence makes: a duplicate without a high minimum never fails EMFILE.
            let model = PipeModel(pipes: [(
                "p0",
                PipeModel.Setup(
                    readers: [1], writers: [1], nonblocking: true, descriptorLimits: [.init(process: 1, free: 1000, limit: limit)], closeOnExec: true)
            )])
            var states = [model.initialState(of: "p0")]
            for (index, operation) in operations.enumerated() {
                let input: PipeModel.Input
                var kernel: PipeModel.Output
                do throws(Errno) {
                    switch operation {
                    case .duplicate(let end, let minimum, let closeOnExec):
                        let actual = minimum == Int.max ? limit : minimum
                        let closeOnExec = closeOnExec && actual != nil  // dup has no such flag
                        input = .fcntl(process: 1, end: end, command: .duplicate(minimum: actual, closeOnExec: closeOnExec))
                        guard let descriptor = held[end]!.last else { kernel = .failed(.EBADF); break }
                        let made =
                            actual == nil
                            ? dup(descriptor.rawValue)
                            : fcntl(descriptor.rawValue, closeOnExec ? F_DUPFD_CLOEXEC : F_DUPFD, CInt(clamping: actual!))
                        guard made >= 0 else { throw Errno(rawValue: errno) }
                        held[end]!.append(FileDescriptor(rawValue: made))
                        kernel = .duplicated
                    case .getDescriptorFlags(let end):
                        input = .fcntl(process: 1, end: end, command: .getDescriptorFlags)
                        guard let descriptor = held[end]!.last else { kernel = .failed(.EBADF); break }
                        kernel = .descriptorFlags(closeOnExec: try Syscall.closesOnExec(descriptor))
                    case .setDescriptorFlags(let end, let on):
                        input = .fcntl(process: 1, end: end, command: .setDescriptorFlags(closeOnExec: on))
                        guard let descriptor = held[end]!.last else { kernel = .failed(.EBADF); break }
                        try Syscall.setClosesOnExec(descriptor, on)
                        kernel = .flagsSet
                    case .onto(let end, let target, let flags):
                        guard let (call, number) = Self.target(target, of: end, held: held, limit: limit) else { continue }
                        input = .fcntl(process: 1, end: end, command: .duplicateOnto(Self.call(call, number: number, flags: flags)))
                        let source = held[end]!.last ?? FileDescriptor(rawValue: Self.reservedNumber(limit))
                        let made = try Self.duplicate(source, onto: target, number: number, flags: flags)
                        kernel = .duplicated
                        if case .itself = target { break }
                        for side in Self.ends { held[side]!.removeAll { $0 == made } }
                        held[end]!.append(made)
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
                guard
                    let next = PipeAgreement.nextStates(model, from: states, input, kernel: kernel, context: "operation \(index) \(operation) of \(operations)")
                else {
                    return
                }
                let state = states[0]
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
                case (.getDescriptorFlags, .descriptorFlags(true)): seen.withLock { _ = $0.insert("FD_CLOEXEC set") }
                case (.getDescriptorFlags, .descriptorFlags(false)): seen.withLock { _ = $0.insert("FD_CLOEXEC clear") }
                case (.onto(_, .itself, nil), .duplicated): seen.withLock { _ = $0.insert("dup2 onto itself") }
                case (.onto(_, .itself, _?), .failed(.EINVAL)): seen.withLock { _ = $0.insert("dup3 onto itself EINVAL") }
                case (.onto(_, _, let flags?), .failed(.EINVAL)) where flags & ~O_CLOEXEC != 0: seen.withLock { _ = $0.insert("dup3 bad flags EINVAL") }
                case (.onto(_, .limit, _), .failed(.EBADF)): seen.withLock { _ = $0.insert("dup2 at the limit EBADF") }
                case (.onto(_, .end, _), .duplicated): seen.withLock { _ = $0.insert("dup2 onto the pipe") }
                case (.onto(_, .other, _), .duplicated): seen.withLock { _ = $0.insert("dup2 onto something else") }
                case (.onto(_, .free, _), .duplicated): seen.withLock { _ = $0.insert("dup2 onto a free number") }
                default: break
                }
                states = next
            }
        }
    }
}
