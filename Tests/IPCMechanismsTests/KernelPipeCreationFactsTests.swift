import Foundation
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `pipe2` as this kernel does it, measured (the pipe model's creation rules, `PipeModel+Creation`): of the 32 flag
/// bits only `O_NONBLOCK`, `O_DIRECT` and `O_CLOEXEC` make a pipe; `O_NOTIFICATION_PIPE` (bit 7) fails `ENOPKG` (no
/// `CONFIG_WATCH_QUEUE`), every other bit `EINVAL` — checked before the descriptors, so even a full table gives
/// `EINVAL`; `O_NONBLOCK` is set on both new descriptions, `O_DIRECT` on the write end's alone; and with exactly one
/// free descriptor number below `RLIMIT_NOFILE` the call fails `EMFILE` and that number stays free.
@Suite struct KernelPipeCreationFactsTests {
    /// What `pipe2(flags)` does now: made (both ends closed again at once) or its error.
    static func outcome(_ flags: CInt) -> PipeModel.Output {
        do {
            let (read, write) = try Syscall.pipe(flags: flags)
            try? Syscall.close(read)
            try? Syscall.close(write)
            return .created
        } catch {
            return .failed(ErrorCode(error.name))
        }
    }

    @Test func everyFlagBitAsTheKernelAndTheModelSeeIt() throws {
        let model = PipeModel(pipes: [("p", .init(readers: [], writers: [], createdBy: 1))])
        let start = model.initialState(of: "p")
        var made: [Int] = []
        for bit in 0..<32 {
            let value = 1 << bit
            let kernel = Self.outcome(CInt(truncatingIfNeeded: UInt32(value)))
            if kernel == .created { made.append(value) }
            var flags = PipeModel.CreationFlags(otherBits: value)
            switch CInt(truncatingIfNeeded: UInt32(value)) {
            case O_NONBLOCK: flags = .init(nonblocking: true)
            case Syscall.directFlag: flags = .init(direct: true)
            case O_CLOEXEC: flags = .init(closeOnExec: true)
            default: break
            }
            // No descriptor limits in the setup: EMFILE is allowed beside the kernel's answer, never instead of it.
            let outputs = model.outcomes(of: .create(process: 1, flags: flags), in: start).compactMap(\.output)
            #expect(outputs.first == kernel, "bit \(bit): kernel \(kernel), model \(outputs)")
        }
        #expect(made == [Int(O_NONBLOCK), Int(Syscall.directFlag), Int(O_CLOEXEC)])
        #expect(Self.outcome(0x80) == .failed(ErrorCode("ENOPKG")))
        #expect(Self.outcome(0x80 | 0x1000_0000) == .failed(.EINVAL))
    }

    @Test func nonblockingOnBothDescriptionsDirectOnTheWriteEndsAlone() throws {
        let (read, write) = try Syscall.pipe(flags: O_NONBLOCK | Syscall.directFlag | O_CLOEXEC)
        defer { try? Syscall.close(read); try? Syscall.close(write) }
        let readFlags = try KernelPipe.flags(read)
        let writeFlags = try KernelPipe.flags(write)
        #expect(readFlags.nonblocking && !readFlags.direct)
        #expect(writeFlags.nonblocking && writeFlags.direct)
        let model = PipeModel(pipes: [("p", .init(readers: [], writers: [], createdBy: 1))])
        let flags = PipeModel.CreationFlags(nonblocking: true, direct: true, closeOnExec: true)
        guard case .completed(let made)? = model.outcomes(of: .create(process: 1, flags: flags), in: model.initialState(of: "p")).first?.step else {
            Issue.record("the model does not make the pipe")
            return
        }
        for (end, expected) in [(PipeModel.End.read, readFlags), (.write, writeFlags)] {
            let outputs = model.outcomes(of: .fcntl(process: 1, end: end, command: .getFlags), in: made).compactMap(\.output)
            #expect(outputs == [.flags(nonblocking: expected.nonblocking, direct: expected.direct)])
        }
    }

    /// In a child process (the limit is the whole process's): `RLIMIT_NOFILE` lowered to a little above the highest
    /// open descriptor, every free number below it taken but one — `pipe2` fails `EMFILE` and that number is still
    /// free; with two free it succeeds with those two; with none, bad flags are still `EINVAL`. Exit status 0 when
    /// all held, else the number of the first check that failed.
    @Test func withOneFreeNumberPipe2FailsEMFILEAndLeaksNothing() async {
        await #expect(processExitsWith: .exitCode(0)) {
            var taken = DescriptorExhaustion.fillTable()
            guard let secondLast = taken.popLast() else { exit(11) }
            func failure(_ flags: CInt) -> Errno? {
                do { _ = try Syscall.pipe(flags: flags); return nil } catch { return error }
            }
            guard failure(0x1000_0000) == .invalidArgument else { exit(12) }
            // One number free: EMFILE, and the number still free (a pipe made through a number the runtime freed
            // keeps both: the next try refills around them).
            var last: CInt = -1
            let leaksNothing = DescriptorExhaustion.holdsWithFullTable(&taken) { taken in
                guard let number = taken.popLast() else { return false }
                close(number)
                last = number
                return failure(O_CLOEXEC) == .tooManyOpenFiles && fcntl(number, F_GETFD) == -1 && errno == EBADF
            }
            guard leaksNothing else { exit(13) }
            close(secondLast)
            guard let made = try? Syscall.pipe(flags: O_CLOEXEC), Set([made.read.rawValue, made.write.rawValue]) == [last, secondLast] else { exit(15) }
            exit(0)
        }
        let limits = [PipeModel.DescriptorLimit(process: 1, free: 1, limit: 64)]
        let model = PipeModel(pipes: [("p", .init(readers: [], writers: [], descriptorLimits: limits, createdBy: 1))])
        let outputs = model.outcomes(of: .create(process: 1, flags: .init(flagged: false)), in: model.initialState(of: "p")).compactMap(\.output)
        #expect(outputs == [.failed(ErrorCode("EMFILE"))])
    }
}
