import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// A pipe made during the run: `pipe2` with random flags — any of `O_NONBLOCK`, `O_DIRECT`, `O_CLOEXEC`, sometimes
/// with a bit no pipe takes (`O_NOTIFICATION_PIPE`'s, or an unknown one) — then random writes, reads, `F_GETFL`s and
/// closes on what it made, on the real kernel and on the pipe model (`createdBy`): the same outputs, call for call.
/// Before a successful `pipe2`, every call fails `EBADF` (nothing is held); a failed one makes nothing.
@Suite struct PipeCreationAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case create(nonblocking: Bool, direct: Bool, closeOnExec: Bool, otherBits: Int)
        case write(Int)
        case read(Int)
        case getFlags(PipeModel.End)
        case close(PipeModel.End)

        var description: String {
            switch self {
            case .create(let nonblocking, let direct, let closeOnExec, let other):
                PipeModel.CreationFlags(nonblocking: nonblocking, direct: direct, closeOnExec: closeOnExec, otherBits: other).description
            case .write(let size): "write(\(size))"
            case .read(let max): "read(\(max))"
            case .getFlags(let end): "F_GETFL(\(end))"
            case .close(let end): "close(\(end))"
            }
        }
    }

    static let otherBits = [0, 0, 0, 0, 0x80, 0x1_0000, 0x8000_0000]

    static let operations = zip(
        zip(Gen.int(in: 0...7), Gen.int(in: 0...6)).map { flags, other in
            Operation.create(nonblocking: flags & 1 != 0, direct: flags & 2 != 0, closeOnExec: flags & 4 != 0, otherBits: otherBits[other])
        },
        Gen.oneOf(
            Gen.int(in: 0...9000).map { Operation.write($0) }.eraseToAny(),
            Gen.int(in: 0...9000).map { Operation.read($0) }.eraseToAny(),
            Gen.int(in: 0...1).map { Operation.getFlags($0 == 0 ? .read : .write) }.eraseToAny(),
            Gen.int(in: 0...1).map { Operation.close($0 == 0 ? .read : .write) }.eraseToAny(),
            zip(Gen.int(in: 0...7), Gen.int(in: 0...6)).map { flags, other in
                Operation.create(nonblocking: flags & 1 != 0, direct: flags & 2 != 0, closeOnExec: flags & 4 != 0, otherBits: otherBits[other])
            }.eraseToAny()
        ).array(of: 0...12)
    ).map { [$0] + $1 }

    static let pattern: [UInt8] = (0..<9000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }

    @Test func modelAndKernelAgreeFromThePipeCall() async throws {
        Syscall.ignoreBrokenPipeSignal()
        await checkProperty(count: 400, input: Self.operations) { operations throws in
            // Its closes must be the last (a write after the reader's close fails EPIPE): held off from our spawns,
            // and a disagreement counts only when a second run repeats it (the test library's spawns cannot be held
            // off; a fresh-clone CI run once saw that write succeed).
            try PipeAgreement.repeatingDisagreements { try Syscall.withoutConcurrentSpawns { () throws in try Self.checkOnce(operations) } }
        }
    }

    /// One sequence on a pipe the sequence makes, and the model.
    static func checkOnce(_ operations: [Operation]) throws {
        do {
            var ends: [PipeModel.End: FileDescriptor] = [:]
            defer { for descriptor in ends.values { try? Syscall.close(descriptor) } }
            let model = PipeModel(pipes: [("p", .init(readers: [], writers: [], createdBy: 1))])
            var state = model.initialState(of: "p")
            for (index, operation) in operations.enumerated() {
                let input: PipeModel.Input
                let kernel: PipeModel.Output
                switch operation {
                case .create(let nonblocking, let direct, let closeOnExec, let other):
                    input = .create(process: 1, flags: .init(nonblocking: nonblocking, direct: direct, closeOnExec: closeOnExec, otherBits: other))
                    // A second pipe would be another object: the model allows none, so the step stops here.
                    guard ends.isEmpty && !state.created else { return }
                    var flags = CInt(truncatingIfNeeded: UInt32(other))
                    if nonblocking { flags |= O_NONBLOCK }
                    if direct { flags |= Syscall.directFlag }
                    if closeOnExec { flags |= O_CLOEXEC }
                    do throws(Errno) {
                        let (read, write) = try Syscall.pipe(flags: flags)
                        ends = [.read: read, .write: write]
                        kernel = .created
                    } catch {
                        kernel = .failed(ErrorCode(error.name))
                    }
                case .write(let size):
                    let data = Array(Self.pattern[0..<size])
                    input = .write(process: 1, data: data, nonblocking: true)
                    if let end = ends[.write] {
                        do throws(Errno) {
                            switch try KernelPipe.write(end, data, nonblocking: true) {
                            case .completed(let count): kernel = .wrote(count)
                            case .wouldBlock: kernel = .failed(.EAGAIN)
                            }
                        } catch { kernel = .failed(ErrorCode(error.name)) }
                    } else {
                        kernel = .failed(.EBADF)
                    }
                case .read(let max):
                    input = .read(process: 1, max: max, nonblocking: true)
                    if let end = ends[.read] {
                        do throws(Errno) {
                            switch try KernelPipe.read(end, max: max, nonblocking: true) {
                            case .completed(let bytes): kernel = .read(bytes)
                            case .wouldBlock: kernel = .failed(.EAGAIN)
                            }
                        } catch { kernel = .failed(ErrorCode(error.name)) }
                    } else {
                        kernel = .failed(.EBADF)
                    }
                case .getFlags(let end):
                    input = .fcntl(process: 1, end: end, command: .getFlags)
                    if let descriptor = ends[end] {
                        let flags = try KernelPipe.flags(descriptor)
                        kernel = .flags(nonblocking: flags.nonblocking, direct: flags.direct)
                    } else {
                        kernel = .failed(.EBADF)
                    }
                case .close(let end):
                    input = .close(process: 1, end: end)
                    if let descriptor = ends.removeValue(forKey: end) {
                        try Syscall.close(descriptor)
                        kernel = .closed
                    } else {
                        kernel = .failed(.EBADF)
                    }
                }
                // Without descriptor limits in the setup the model also allows EMFILE for the pipe call; the kernel's
                // answer must be among its outcomes, and the step follows that one.
                let matching = model.outcomes(of: input, in: state).filter { $0.output == kernel }
                guard let match = matching.first, case .completed(let next) = match.step else {
                    PipeAgreement.disagreement("operation \(index) \(operation) of \(operations): kernel \(kernel), model \(model.outcomes(of: input, in: state).map { $0.output.map { "\($0)" } ?? "piece" })")
                    return
                }
                state = next
            }
        }
    }
}
