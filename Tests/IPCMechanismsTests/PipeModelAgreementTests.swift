import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// Random sequences of operations run on a real pipe and on the pipe model must give the same outputs, call for
/// call: the model agrees with this kernel, not just with a reading of the man page.
@Suite struct PipeModelAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case write(Int)
        case read(Int)
        case closeWrite
        case closeRead

        var description: String {
            switch self {
            case .write(let size): "write(\(size))"
            case .read(let max): "read(\(max))"
            case .closeWrite: "close(write)"
            case .closeRead: "close(read)"
            }
        }
    }

    static let operations = Gen.oneOf(
        Gen.int(in: 1...64).map { Operation.write($0) }.eraseToAny(),
        Gen.int(in: 65...5000).map { Operation.write($0) }.eraseToAny(),
        Gen.int(in: 5001...70000).map { Operation.write($0) }.eraseToAny(),
        Gen.int(in: 0...100).map { Operation.read($0) }.eraseToAny(),
        Gen.int(in: 101...70000).map { Operation.read($0) }.eraseToAny(),
        Gen.int(in: 1...40).map { _ in Operation.write(4096) }.eraseToAny(),
        Gen.int(in: 0...60).map { $0 == 0 ? Operation.closeWrite : $0 == 1 ? Operation.closeRead : .read(4096) }.eraseToAny()
    )

    /// A write's bytes: its sequence number, repeated, so every write's bytes differ from its neighbours'.
    static func payload(_ size: Int, _ sequence: Int) -> [UInt8] {
        [UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: size)
    }

    /// Runs `operations` on the kernel; each output in the model's terms.
    func kernelOutputs(_ operations: [Operation]) throws -> [PipeModel.Output] {
        Syscall.ignoreBrokenPipeSignal()
        var (readEnd, writeEnd): (FileDescriptor?, FileDescriptor?) = try KernelPipe.create()
        defer {
            if let readEnd { try? Syscall.close(readEnd) }
            if let writeEnd { try? Syscall.close(writeEnd) }
        }
        var sequence = 0
        return try operations.map { operation -> PipeModel.Output in
            sequence += 1
            do {
                switch operation {
                case .write(let size):
                    guard let end = writeEnd else { return .failed(.EBADF) }
                    let data = Self.payload(size, sequence)
                    switch try KernelPipe.write(end, data, nonblocking: true) {
                    case .completed(let count): return .wrote(count)
                    case .wouldBlock: return .failed(.EAGAIN)
                    }
                case .read(let max):
                    guard let end = readEnd else { return .failed(.EBADF) }
                    switch try KernelPipe.read(end, max: max, nonblocking: true) {
                    case .completed(let bytes): return .read(bytes)
                    case .wouldBlock: return .failed(.EAGAIN)
                    }
                case .closeWrite:
                    guard let end = writeEnd else { return .failed(.EBADF) }
                    writeEnd = nil
                    try Syscall.close(end)
                    return .closed
                case .closeRead:
                    guard let end = readEnd else { return .failed(.EBADF) }
                    readEnd = nil
                    try Syscall.close(end)
                    return .closed
                }
            } catch let error as Errno {
                return .failed(ErrorCode(error.name))
            }
        }
    }

    /// Runs `operations` on the model, which must allow exactly one completion each time.
    func modelOutputs(_ operations: [Operation]) -> [PipeModel.Output?] {
        let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [1]))])
        var state = model.initialState(of: "p0")
        var sequence = 0
        return operations.map { operation in
            sequence += 1
            let input: PipeModel.Input
            switch operation {
            case .write(let size):
                input = .write(process: 1, data: Self.payload(size, sequence), nonblocking: true)
            case .read(let max): input = .read(process: 1, max: max, nonblocking: true)
            case .closeWrite: input = .close(process: 1, end: .write)
            case .closeRead: input = .close(process: 1, end: .read)
            }
            let outcomes = model.outcomes(of: input, in: state)
            guard outcomes.count == 1, case .completed(let next) = outcomes[0].step else { return nil }
            state = next
            return outcomes[0].output
        }
    }

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        await checkProperty(count: 200, input: Self.operations.array(of: 1...60)) { operations throws in
            // No spawn may hold a copy of these descriptors: their closes must be the last.
            try Syscall.withoutConcurrentSpawns {
                let kernel = try kernelOutputs(operations)
                let model = modelOutputs(operations)
                for index in operations.indices where kernel[index] != model[index] {
                    Issue.record("operation \(index) \(operations[index]) of \(operations): kernel \(short(kernel[index])), model \(short(model[index]))")
                    return
                }
            }
        }
    }

    func short(_ output: PipeModel.Output?) -> String {
        switch output {
        case .read(let bytes)?: "read \(bytes.count) bytes"
        case let other?: "\(other)"
        case nil: "no single completion"
        }
    }
}
