import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import Synchronization
import SystemPackage
import Testing

/// Random sequences of `F_DUPFD`/`F_DUPFD_CLOEXEC` (minimums 0, 10, -1 and the limit) and `dup2`/`dup3` (onto the
/// descriptor itself, a free number, one at the limit, a descriptor of something else, another of the process's
/// descriptors of the FIFO; `dup3` with `O_CLOEXEC` or a bad flag) among nonblocking opens of either end and `O_RDWR`
/// ones, reads, writes, closes and `F_GETFD`, by one process on a real FIFO and on the fifo model: the same outputs,
/// call for call — a copy keeps its open's end open (no end of file, no `EPIPE`) until its last descriptor closes, a
/// `dup2` onto another open's descriptor closes that open (its last descriptor: a release), and each copy has the
/// `FD_CLOEXEC` of the call that made it. Calls go through the newest descriptor of an end, as the worker's do.
@Suite struct FIFODuplicateAgreementTests {
    typealias Target = PipeDuplicateAgreementTests.Target

    enum Operation: Sendable, CustomStringConvertible {
        case open(PipeModel.End)
        case openReadWrite
        case write(Int)
        case read(Int)
        case close(PipeModel.End)
        case duplicate(PipeModel.End, minimum: Int, closeOnExec: Bool)
        case onto(PipeModel.End, Target, dup3: CInt?)
        case getDescriptorFlags(PipeModel.End)

        var description: String {
            switch self {
            case .open(let end): "open(\(end))"
            case .openReadWrite: "open(O_RDWR)"
            case .write(let size): "write(\(size))"
            case .read(let max): "read(\(max))"
            case .close(let end): "close(\(end))"
            case .duplicate(let end, let minimum, let closeOnExec): "\(closeOnExec ? "F_DUPFD_CLOEXEC" : "F_DUPFD")(\(end), \(minimum))"
            case .onto(let end, let target, let flags): "\(flags == nil ? "dup2" : "dup3")(\(end) onto \(target)\(flags.map { ", \($0)" } ?? ""))"
            case .getDescriptorFlags(let end): "F_GETFD(\(end))"
            }
        }
    }

    static let ends: [PipeModel.End] = [.read, .write]
    static let minimums = [0, 10, -1, Int.max]  // Int.max: the limit

    static let operations = Gen.oneOf(
        Gen.int(in: 0...3).map { Operation.open(ends[$0 % 2]) }.eraseToAny(),
        Gen.int(in: 0...0).map { _ in Operation.openReadWrite }.eraseToAny(),
        Gen.int(in: 1...300).map { Operation.write($0) }.eraseToAny(),
        Gen.int(in: 1...300).map { Operation.read($0) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.close(ends[$0 % 2]) }.eraseToAny(),
        Gen.int(in: 0...15).map { Operation.duplicate(ends[$0 % 2], minimum: minimums[$0 / 4], closeOnExec: $0 % 4 >= 2) }.eraseToAny(),
        Gen.int(in: 0...(2 * 7 * 6 - 1)).map {
            Operation.onto(ends[$0 % 2], PipeDuplicateAgreementTests.targets[$0 / 2 % 7], dup3: PipeDuplicateAgreementTests.dup3Flags[$0 / 14])
        }.eraseToAny(),
        Gen.int(in: 0...1).map { Operation.getDescriptorFlags(ends[$0]) }.eraseToAny()
    ).array(of: 1...40)

    /// What `KernelFIFODescriptorFactsTests` measured, first: `dup2` of the read end onto the write end's number (no
    /// writer: end of file after the bytes) and of the write end onto the read end's (no reader: `EPIPE`); an
    /// `F_DUPFD` copy keeping the write end open after its open's descriptor closes, `F_DUPFD_CLOEXEC`'s flag, the
    /// minimum's `EINVAL`s; `dup2`/`dup3` onto themselves, a free number, the limit, `/dev/null`; `dup3`'s bad flag;
    /// `O_RDWR` copies and a `dup2` onto an `O_RDWR` descriptor.
    static let directedSequences: [[Operation]] = [
        [.open(.read), .open(.write), .write(3), .onto(.read, .end(.write), dup3: nil), .read(10), .read(10), .close(.read), .close(.read)],
        [.open(.read), .open(.write), .write(2), .onto(.write, .end(.read), dup3: nil), .write(1), .close(.write), .open(.read)],
        [.open(.read), .open(.write), .duplicate(.write, minimum: 10, closeOnExec: false), .getDescriptorFlags(.write), .onto(.write, .end(.write), dup3: nil),
         .close(.write), .write(4), .read(10), .close(.write), .read(10), .duplicate(.read, minimum: -1, closeOnExec: false),
         .duplicate(.read, minimum: Int.max, closeOnExec: true), .duplicate(.read, minimum: 0, closeOnExec: true), .getDescriptorFlags(.read)],
        [.open(.read), .onto(.read, .itself, dup3: nil), .onto(.read, .itself, dup3: 0), .onto(.read, .free, dup3: O_CLOEXEC), .getDescriptorFlags(.read),
         .onto(.read, .free, dup3: O_NONBLOCK), .onto(.read, .limit, dup3: nil), .onto(.read, .other, dup3: nil), .getDescriptorFlags(.read),
         .onto(.write, .free, dup3: nil)],
        [.openReadWrite, .duplicate(.read, minimum: 0, closeOnExec: false), .write(5), .open(.read), .onto(.write, .end(.read), dup3: nil),
         .read(2), .close(.read), .read(2), .close(.write), .close(.write), .open(.write), .onto(.write, .end(.read), dup3: nil), .write(1)],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        Syscall.ignoreBrokenPipeSignal()
        let limit = PipeDuplicateAgreementTests.descriptorLimit
        let seen = Mutex<Set<String>>([])
        for operations in Self.directedSequences {
            try Self.check(limit: limit, operations: operations, seen: seen)
        }
        await checkProperty(count: 300, input: Self.operations) { operations throws in
            try Self.check(limit: limit, operations: operations, seen: seen)
        }
        let missing = Set([
            "duplicated", "EINVAL", "EBADF", "end of file", "EPIPE", "FD_CLOEXEC set", "FD_CLOEXEC clear", "dup2 onto the FIFO",
            "dup2 onto an O_RDWR descriptor",
        ]).subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the generated sequences never met \(missing.sorted())")
    }

    static func check(limit: Int, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try FIFOModelAgreementTests.withFreshFIFO { path, held in
            held = [.read: [], .write: []]
            // Far more free numbers than a sequence makes: a copy without a high minimum never fails EMFILE.
            let model = FIFOModel(fifos: [("f0", FIFOModel.Setup(descriptorLimits: [.init(process: 1, free: 1000, limit: limit)], closeOnExec: true))])
            var state = model.initialState(of: "f0")
            for (index, operation) in operations.enumerated() {
                var mark: String?
                let input: FIFOModel.Input
                let kernel: FIFOModel.Output
                switch operation {
                case .open(let end): (input, kernel) = FIFOModelAgreementTests.open(end, path: path, &held)
                case .openReadWrite:
                    input = .openReadWrite(process: 1, nonblocking: true)
                    kernel = FIFOModelAgreementTests.outcome {
                        let descriptor = try KernelFIFO.open(path, for: .readWrite, nonblocking: true)
                        held[.read]!.append(descriptor)
                        held[.write]!.append(descriptor)
                        return .opened
                    }
                case .write(let size): (input, kernel) = FIFOModelAgreementTests.write(Array(FIFOModelAgreementTests.pattern[0..<size]), held)
                case .read(let max): (input, kernel) = FIFOModelAgreementTests.read(max, held)
                case .close(let end): (input, kernel) = FIFOModelAgreementTests.close(end, &held)
                case .getDescriptorFlags(let end):
                    input = .fcntl(process: 1, end: end, command: .getDescriptorFlags)
                    kernel = held[end]!.last.map { descriptor in
                        FIFOModelAgreementTests.outcome { .descriptorFlags(closeOnExec: try Syscall.closesOnExec(descriptor)) }
                    } ?? .failed(.EBADF)
                case .duplicate(let end, let minimum, let closeOnExec):
                    let actual = minimum == Int.max ? limit : minimum
                    input = .fcntl(process: 1, end: end, command: .duplicate(minimum: actual, closeOnExec: closeOnExec))
                    kernel = held[end]!.last.map { descriptor in
                        FIFOModelAgreementTests.outcome {
                            hold(try Syscall.duplicate(descriptor, minimum: actual, closeOnExec: closeOnExec), copyOf: descriptor, end, &held)
                            return .duplicated
                        }
                    } ?? .failed(.EBADF)
                case .onto(let end, let target, let flags):
                    guard let (call, number) = PipeDuplicateAgreementTests.target(target, of: end, held: held, limit: limit) else { continue }
                    input = .fcntl(process: 1, end: end, command: .duplicateOnto(PipeDuplicateAgreementTests.call(call, number: number, flags: flags)))
                    if case .end(let replaced) = target, let number, let source = held[end]!.last, source.rawValue != number {
                        mark = held[.read]!.contains(FileDescriptor(rawValue: CInt(number))) && held[.write]!.contains(FileDescriptor(rawValue: CInt(number)))
                            ? "dup2 onto an O_RDWR descriptor" : "dup2 onto the FIFO"
                        _ = replaced
                    }
                    kernel = FIFOModelAgreementTests.outcome {
                        let source = held[end]!.last ?? FileDescriptor(rawValue: PipeDuplicateAgreementTests.reservedNumber(limit))
                        let made = try PipeDuplicateAgreementTests.duplicate(source, onto: target, number: number, flags: flags)
                        if case .itself = target { return .duplicated }
                        for side in Self.ends { held[side]!.removeAll { $0 == made } }
                        hold(made, copyOf: source, end, &held)
                        return .duplicated
                    }
                }
                guard let next = FIFOModelAgreementTests.agreedStep(model, state, input, kernel, "operation \(index) \(operation) of \(operations)") else { return }
                seen.withLock { seen in
                    if let mark, kernel == .duplicated { seen.insert(mark) }
                    switch (operation, kernel) {
                    case (.read, .read(let bytes)) where bytes.isEmpty: seen.insert("end of file")
                    case (_, .failed(let code)): seen.insert(code.rawValue)
                    case (.duplicate, .duplicated), (.onto, .duplicated): seen.insert("duplicated")
                    case (_, .descriptorFlags(let on)): seen.insert(on ? "FD_CLOEXEC set" : "FD_CLOEXEC clear")
                    default: break
                    }
                }
                state = next
            }
        }
    }

    /// `copy` is the newest descriptor of `end`; a copy of an `O_RDWR` descriptor is one of both ends, held next to the
    /// original under the other end (as the worker holds it).
    static func hold(_ copy: FileDescriptor, copyOf descriptor: FileDescriptor, _ end: PipeModel.End, _ held: inout FIFOModelAgreementTests.Held) {
        held[end, default: []].append(copy)
        let other: PipeModel.End = end == .read ? .write : .read
        if let index = held[other]?.lastIndex(of: descriptor) { held[other]?.insert(copy, at: index + 1) }
    }
}
