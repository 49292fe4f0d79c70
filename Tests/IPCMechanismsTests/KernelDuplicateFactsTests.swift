import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `dup` and `F_DUPFD` on a pipe's ends, measured on this kernel: a duplicate is one more descriptor of the same open
/// file description — one more holder of the end, sharing its flags — and the numbers it may take are those below
/// `RLIMIT_NOFILE`, counted in the calling process.
@Suite struct KernelDuplicateFactsTests {
    var limit: Int {
        var limits = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits)
        return Int(limits.rlim_cur)
    }

    /// End of file only once every descriptor of every write end is closed; `EPIPE` only once every read end's is.
    @Test func anEndStaysHeldUntilItsLastDuplicateCloses() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            Syscall.ignoreBrokenPipeSignal()
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            let writeCopy = try Syscall.duplicate(writeEnd)
            try Syscall.close(writeEnd)
            #expect(try KernelPipe.read(readEnd, max: 8, nonblocking: true) == .wouldBlock)
            let readCopy = try Syscall.duplicate(readEnd)
            try Syscall.close(readEnd)
            #expect(try KernelPipe.write(writeCopy, [1], nonblocking: true) == .completed(1))
            try Syscall.close(writeCopy)
            #expect(try KernelPipe.read(readCopy, max: 8, nonblocking: true) == .completed([1]))
            #expect(try KernelPipe.read(readCopy, max: 8, nonblocking: true) == .completed([]))
            try Syscall.close(readCopy)
        }
    }

    /// `F_SETFL` through the duplicate changes the original's `O_NONBLOCK`: one description.
    @Test func aDuplicateSharesTheDescriptionsFlags() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
            defer { try? Syscall.close(readEnd); try? Syscall.close(writeEnd) }
            let copy = try Syscall.duplicate(readEnd)
            defer { try? Syscall.close(copy) }
            try KernelPipe.setFlags(copy, nonblocking: true, direct: nil)
            #expect(try KernelPipe.flags(readEnd).nonblocking)
            try KernelPipe.setFlags(readEnd, nonblocking: false, direct: nil)
            #expect(try !KernelPipe.flags(copy).nonblocking)
        }
    }

    /// `F_DUPFD` of a minimum at or above `RLIMIT_NOFILE`, or below 0, is `EINVAL`; of `limit - 1` it takes that
    /// number, and again `EMFILE` (no free number in [limit - 1, limit)); `EBADF` on a closed descriptor comes before
    /// `EINVAL`. (Numbers near the limit: no other test's descriptor is given one of them, as the lowest free is.)
    @Test func theMinimumAndTheLimit() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
            defer { try? Syscall.close(readEnd); try? Syscall.close(writeEnd) }
            let limit = limit
            try #require(fcntl(CInt(limit - 1), F_GETFD) == -1)
            #expect(throws: Errno.invalidArgument) { _ = try Syscall.duplicate(readEnd, minimum: limit) }
            #expect(throws: Errno.invalidArgument) { _ = try Syscall.duplicate(readEnd, minimum: -1) }
            let last = try Syscall.duplicate(readEnd, minimum: limit - 1)
            defer { try? Syscall.close(last) }
            #expect(Int(last.rawValue) == limit - 1)
            #expect(throws: Errno.tooManyOpenFiles) { _ = try Syscall.duplicate(readEnd, minimum: limit - 1) }
            #expect(throws: Errno.badFileDescriptor) { _ = try Syscall.duplicate(FileDescriptor(rawValue: CInt(limit - 2)), minimum: limit) }

            let model = PipeModel(pipes: [("p", .init(readers: [1], writers: [1], descriptorLimits: [.init(process: 1, free: 3, limit: limit)]))])
            let start = model.initialState(of: "p")
            func outputs(_ minimum: Int?) -> [PipeModel.Output?] {
                model.outcomes(of: .fcntl(process: 1, end: .read, command: .duplicate(minimum: minimum)), in: start).map(\.output)
            }
            #expect(outputs(limit) == [.failed(.EINVAL)])
            #expect(outputs(-1) == [.failed(.EINVAL)])
            #expect(outputs(nil) == [.duplicated])
            #expect(outputs(limit - 1) == [.duplicated, .failed(ErrorCode("EMFILE"))])
        }
    }
}
