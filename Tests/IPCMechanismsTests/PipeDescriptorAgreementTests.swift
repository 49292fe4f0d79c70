import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// Random sequences of the pipe's descriptor calls — `fcntl` (`O_DIRECT` on and off, `F_GETFL`, both pipe sizes),
/// `lseek`, `pread`, `pwrite` — mixed with reads and writes through descriptions that are nonblocking from
/// `pipe2(O_NONBLOCK)`, on a real pipe and on the pipe model: the same outputs, call for call.
@Suite struct PipeDescriptorAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        /// A write through writer 1 (ordinary) or writer 2 (whose `O_DIRECT` the sequence turns on and off).
        case write(writer: Int, size: Int)
        case read(Int)
        case setDirect(Bool)
        case getFlags(writer: Int)
        case setSize(Int)
        case getSize
        case unseekable(PipeModel.UnseekableCall)
        /// `ioctl` through the read end (process 1's) or writer 2: `FIONREAD`, `FIONBIO` 1 (which keeps writer 2's
        /// `O_DIRECT`), `FIOASYNC` with no owner (nothing sent), `FIOCLEX`/`FIONCLEX`. (`FIONBIO` 0 would make a later
        /// call sleep: the FIFO's agreement draws it.)
        case ioctl(readEnd: Bool, PipeModel.IORequest)

        var description: String {
            switch self {
            case .write(let writer, let size): "write\(writer)(\(size))"
            case .read(let max): "read(\(max))"
            case .setDirect(let on): "F_SETFL(direct: \(on))"
            case .getFlags(let writer): "F_GETFL(\(writer))"
            case .setSize(let size): "F_SETPIPE_SZ(\(size))"
            case .getSize: "F_GETPIPE_SZ"
            case .unseekable(let call): call.name
            case .ioctl(let readEnd, let request): "ioctl(\(readEnd ? "read" : "writer 2"), \(request))"
            }
        }
    }

    static let operations = Gen.oneOf(
        Gen.int(in: 1...9000).map { Operation.write(writer: 1 + $0 % 2, size: $0) }.eraseToAny(),
        Gen.int(in: 1...200).map { Operation.write(writer: 1 + $0 % 2, size: $0) }.eraseToAny(),
        Gen.int(in: 0...9000).map { Operation.read($0) }.eraseToAny(),
        Gen.int(in: 0...300).map { Operation.read($0) }.eraseToAny(),
        Gen.int(in: 0...1).map { Operation.setDirect($0 == 1) }.eraseToAny(),
        Gen.int(in: 1...2).map { Operation.getFlags(writer: $0) }.eraseToAny(),
        Gen.int(in: 0...9).map { Operation.setSize([0, 1, 4096, 5000, 8192, 12288, 65536, 1 << 20, (1 << 20) + 1, -1][$0]) }.eraseToAny(),
        Gen.int(in: 0...0).map { _ in Operation.getSize }.eraseToAny(),
        Gen.int(in: 0...(3 * positions.count - 1)).map { choice in
            let position = positions[choice / 3]
            return Operation.unseekable([.lseek(position), .pread(max: 4, at: position), .pwrite(data: [1], at: position)][choice % 3])
        }.eraseToAny(),
        Gen.int(in: 0...11).map { choice in
            let requests: [PipeModel.IORequest] = [.bytesAvailable, .nonblocking(true), .async(true), .async(false), .closeOnExec(true), .closeOnExec(false)]
            return Operation.ioctl(readEnd: choice % 2 == 0, requests[choice / 2])
        }.eraseToAny()
    )

    /// The harness's own position, negative and huge offsets, and every `whence` with two the kernel does not know.
    static let positions: [FilePosition] = [.start, FilePosition(offset: -1), FilePosition(offset: Int.min), FilePosition(offset: 4096)]
        + [0, 2, 3, 4, 5, -1, 1 << 31].map { FilePosition(offset: 7, whence: $0) }

    static func payload(_ size: Int, _ sequence: Int) -> [UInt8] {
        [UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: size)
    }

    func kernelOutputs(_ operations: [Operation]) throws -> [PipeModel.Output] {
        Syscall.ignoreBrokenPipeSignal()
        let (readEnd, firstWriter) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
        let secondWriter = try KernelPipe.openEnd(firstWriter, forWriting: true)
        defer {
            for descriptor in [readEnd, firstWriter, secondWriter] { try? Syscall.close(descriptor) }
        }
        try KernelPipe.setFlags(secondWriter, nonblocking: true, direct: false)
        var sequence = 0
        return operations.map { operation -> PipeModel.Output in
            sequence += 1
            do throws(Errno) {
                switch operation {
                case .write(let writer, let size):
                    switch try KernelPipe.write(writer == 1 ? firstWriter : secondWriter, Self.payload(size, sequence), nonblocking: false) {
                    case .completed(let count): return .wrote(count)
                    case .wouldBlock: return .failed(.EAGAIN)
                    }
                case .read(let max):
                    switch try KernelPipe.read(readEnd, max: max, nonblocking: false) {
                    case .completed(let bytes): return .read(bytes)
                    case .wouldBlock: return .failed(.EAGAIN)
                    }
                case .setDirect(let on):
                    try KernelPipe.setFlags(secondWriter, nonblocking: true, direct: on)
                    return .flagsSet
                case .getFlags(let writer):
                    let flags = try KernelPipe.flags(writer == 1 ? firstWriter : secondWriter)
                    return .flags(nonblocking: flags.nonblocking, direct: flags.direct)
                case .setSize(let size):
                    return .size(try Syscall.setPipeSize(firstWriter, size))
                case .getSize:
                    return .size(try Syscall.pipeSize(readEnd))
                case .ioctl(let onReadEnd, let request):
                    let descriptor = onReadEnd ? readEnd : secondWriter
                    switch request {
                    case .bytesAvailable: return .available(try Syscall.bytesReadable(descriptor))
                    case .nonblocking(let on): try Syscall.control(descriptor, request: UInt(FIONBIO), argument: on ? 1 : 0)
                    case .async(let on): try Syscall.control(descriptor, request: UInt(FIOASYNC), argument: on ? 1 : 0)
                    case .closeOnExec(let on): try Syscall.control(descriptor, request: UInt(on ? FIOCLEX : FIONCLEX))
                    }
                    return .flagsSet
                case .unseekable(let call):
                    let position = call.position
                    switch call {
                    case .lseek:
                        return .positioned(try KernelPipe.position(readEnd, offset: position.offset, whence: Int32(truncatingIfNeeded: position.whence)))
                    case .pread(let max, _): return .positioned(try KernelPipe.readAt(readEnd, max: max, offset: position.offset))
                    case .pwrite(let data, _): return .positioned(try KernelPipe.writeAt(firstWriter, data, offset: position.offset))
                    }
                }
            } catch {
                return .failed(ErrorCode(error.name))
            }
        }
    }

    func modelOutputs(_ operations: [Operation]) -> [PipeModel.Output?] {
        let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [1, 2], nonblocking: true))])
        var state = model.initialState(of: "p0")
        var sequence = 0
        return operations.map { operation in
            sequence += 1
            let input: PipeModel.Input
            switch operation {
            case .write(let writer, let size):
                input = .write(process: writer, data: Self.payload(size, sequence), nonblocking: false)
            case .read(let max): input = .read(process: 1, max: max, nonblocking: false)
            case .setDirect(let on): input = .fcntl(process: 2, end: .write, command: .setFlags(nonblocking: true, direct: on))
            case .getFlags(let writer): input = .fcntl(process: writer, end: .write, command: .getFlags)
            case .setSize(let size): input = .fcntl(process: 1, end: .write, command: .setPipeSize(size))
            case .getSize: input = .fcntl(process: 1, end: .read, command: .getPipeSize)
            case .ioctl(let onReadEnd, let request):
                input = .fcntl(process: onReadEnd ? 1 : 2, end: onReadEnd ? .read : .write, command: .ioctl(request))
            case .unseekable(let call):
                if case .pwrite = call {
                    input = .unseekable(process: 1, end: .write, call: call)
                } else {
                    input = .unseekable(process: 1, end: .read, call: call)
                }
            }
            let outcomes = model.outcomes(of: input, in: state)
            guard outcomes.count == 1, case .completed(let next) = outcomes[0].step else { return nil }
            state = next
            return outcomes[0].output
        }
    }

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        await checkProperty(count: 200, input: Self.operations.array(of: 1...60)) { operations throws in
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
