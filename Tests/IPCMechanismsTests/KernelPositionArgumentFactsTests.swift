import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// Facts about the arguments of `lseek`, `pread` and `pwrite` on files with no position (a pipe, a FIFO, an eventfd),
/// and the order the kernel checks them in, measured on this kernel (a C probe first; LTP's `lseek02`, `pread02`,
/// `pwrite02`). The `pipe`, `fifo` and `eventfd` models encode them through ``FilePosition``; each fact is also asked
/// of the model, so a model that checks the descriptor first fails here.
@Suite struct KernelPositionArgumentFactsTests {
    /// A pipe whose ends process 1 holds, as the model starts it.
    static func pipe() -> (PipeModel, PipeModel.State) {
        let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [1]))])
        return (model, model.initialState(of: "p0"))
    }

    /// An eventfd process 1 holds, as the model starts it.
    static func counter() -> (EventCounterModel, EventCounterModel.State) {
        let model = EventCounterModel(counters: [("e0", .init(semaphore: false, nonblocking: true, holders: [1]))])
        return (model, model.initialState(of: "e0"))
    }

    /// A number no descriptor of this process has: −1.
    let unopened = FileDescriptor(rawValue: -1)

    /// `ksys_pread64` checks the offset before it looks the descriptor up: a negative one fails `EINVAL` on any
    /// file, on a number that is no descriptor too, and `pwrite` alike; with offset 0 the same number is `EBADF`.
    @Test(arguments: [-1, Int.min])
    func aNegativePreadOffsetFailsEINVALBeforeTheDescriptorIsLookedUp(offset: Int) throws {
        let (read, write) = try Syscall.pipe(flags: O_CLOEXEC)
        defer { try? Syscall.close(read); try? Syscall.close(write) }
        let counter = try KernelEventCounter.create(semaphore: false, nonblocking: true)
        defer { try? Syscall.close(counter) }
        for descriptor in [read, write, counter, unopened] {
            #expect(throws: Errno.invalidArgument) { try KernelPipe.readAt(descriptor, max: 8, offset: offset) }
            #expect(throws: Errno.invalidArgument) { try KernelPipe.writeAt(descriptor, [1, 0, 0, 0, 0, 0, 0, 0], offset: offset) }
        }
        #expect(throws: Errno.badFileDescriptor) { try KernelPipe.readAt(unopened, max: 8, offset: 0) }
        #expect(try Syscall.bytesReadable(read) == 0)

        let position = FilePosition(offset: offset)
        let (pipeModel, pipeState) = Self.pipe()
        for process in [1, 2] {  // a holder of the read end, and a process holding nothing
            #expect(pipeModel.outcomes(of: .unseekable(process: process, end: .read, call: .pread(max: 8, at: position)), in: pipeState).map(\.output) == [.failed(.EINVAL)])
        }
        let (counterModel, counterState) = Self.counter()
        #expect(counterModel.outcome(of: .pwrite(process: 3, size: 8, at: position), in: counterState)?.output == .failed(.EINVAL))
        #expect(counterModel.outcome(of: .pwrite(process: 3, size: 8), in: counterState)?.output == .failed(.EBADF))
    }

    /// A `pread` on a pipe's write end, or a `pwrite` on its read end, fails `ESPIPE`, not `EBADF`: the
    /// `FMODE_PREAD` check comes before the access mode's.
    @Test func aPreadOnAPipesWriteEndIsESPIPENotEBADF() throws {
        let (read, write) = try Syscall.pipe(flags: O_CLOEXEC)
        defer { try? Syscall.close(read); try? Syscall.close(write) }
        #expect(throws: Errno.illegalSeek) { try KernelPipe.readAt(write, max: 1, offset: 4096) }
        #expect(throws: Errno.illegalSeek) { try KernelPipe.writeAt(read, [1], offset: 4096) }
    }

    /// `ksys_lseek` looks the descriptor up first (`EBADF` whatever the `whence`), then refuses a `whence` above
    /// `SEEK_HOLE` (4) with `EINVAL` (−1 is 2^32 − 1 to its `unsigned int`), and only then asks the file: a pipe or a
    /// FIFO `ESPIPE` whatever the offset, an eventfd 0 whatever the offset and the known `whence` (`noop_llseek`).
    @Test func lseekChecksTheDescriptorThenTheWhenceThenAsksTheFile() throws {
        let (read, write) = try Syscall.pipe(flags: O_CLOEXEC)
        defer { try? Syscall.close(read); try? Syscall.close(write) }
        let counter = try KernelEventCounter.create(semaphore: false, nonblocking: true)
        defer { try? Syscall.close(counter) }
        let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-position"
        try KernelFIFO.create(at: path)
        defer { unlink(path) }
        let fifo = try KernelFIFO.open(path, for: .read, nonblocking: true)
        defer { try? Syscall.close(fifo) }

        #expect(throws: Errno.badFileDescriptor) { try KernelPipe.position(unopened, whence: 5) }
        for unknown: Int32 in [5, -1, Int32.min] {
            for descriptor in [read, write, fifo, counter] {
                #expect(throws: Errno.invalidArgument) { try KernelPipe.position(descriptor, offset: 0, whence: unknown) }
            }
        }
        for whence: Int32 in 0...4 {
            for offset in [-1, 0, 100, Int.max] {
                #expect(throws: Errno.illegalSeek) { try KernelPipe.position(read, offset: offset, whence: whence) }
                #expect(throws: Errno.illegalSeek) { try KernelPipe.position(fifo, offset: offset, whence: whence) }
                #expect(try KernelPipe.position(counter, offset: offset, whence: whence) == 0)
            }
        }

        let (pipeModel, pipeState) = Self.pipe()
        #expect(pipeModel.outcomes(of: .unseekable(process: 2, end: .read, call: .lseek(FilePosition(whence: 5))), in: pipeState).map(\.output) == [.failed(.EBADF)])
        #expect(pipeModel.outcomes(of: .unseekable(process: 1, end: .write, call: .lseek(FilePosition(whence: -1))), in: pipeState).map(\.output) == [.failed(.EINVAL)])
        #expect(pipeModel.outcomes(of: .unseekable(process: 1, end: .read, call: .lseek(FilePosition(offset: -1, whence: 0))), in: pipeState).map(\.output) == [.failed(.ESPIPE)])
        let (counterModel, counterState) = Self.counter()
        #expect(counterModel.outcome(of: .lseek(process: 1, at: FilePosition(offset: -1, whence: 2)), in: counterState)?.output == .position(0))
        #expect(counterModel.outcome(of: .lseek(process: 1, at: FilePosition(whence: 5)), in: counterState)?.output == .failed(.EINVAL))
        #expect(counterModel.outcome(of: .lseek(process: 2, at: FilePosition(whence: 5)), in: counterState)?.output == .failed(.EBADF))
    }
}
