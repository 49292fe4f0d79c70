import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `splice`, `tee` and `vmsplice` with a pipe on one side and, on the other, `/dev/null`, a regular file, user memory
/// or a private pipe, measured on this kernel (6.18): what ``PipeModel`` says in `PipeModel+Splice.swift`. Every call
/// here is nonblocking (`SPLICE_F_NONBLOCK`) unless it is shown not to sleep; sleeping ones are in
/// `InterruptionFactsTests`.
@Suite struct KernelSpliceFactsTests {
    static let nonblocking = Syscall.spliceNonblocking

    /// A pipe whose ends the test may close early (``close(_:)``): each is closed once, never again at the end (a
    /// second close would close whatever a test beside it had opened under that number since).
    final class OwnedPipe {
        let readEnd: FileDescriptor
        let writeEnd: FileDescriptor
        private var open: Set<CInt>

        init(flags: CInt) throws {
            Syscall.ignoreBrokenPipeSignal()  // the EPIPE facts would otherwise end the test process
            (readEnd, writeEnd) = try Syscall.pipe(flags: flags)
            open = [readEnd.rawValue, writeEnd.rawValue]
        }

        func close(_ end: FileDescriptor) throws {
            guard open.remove(end.rawValue) != nil else { return }
            try Syscall.close(end)
        }

        deinit { for number in open { try? Syscall.close(FileDescriptor(rawValue: number)) } }
    }

    func withPipe(flags: CInt = O_CLOEXEC, _ body: (FileDescriptor, FileDescriptor, OwnedPipe) throws -> Void) throws {
        let pipe = try OwnedPipe(flags: flags)
        try withExtendedLifetime(pipe) { try body(pipe.readEnd, pipe.writeEnd, pipe) }
    }

    func bytes(_ count: Int, _ value: UInt8 = 0x61) -> [UInt8] { [UInt8](repeating: value, count: count) }

    func write(_ writeEnd: FileDescriptor, _ text: String) throws {
        #expect(try KernelPipe.write(writeEnd, Array(text.utf8), nonblocking: true) == .completed(text.utf8.count))
    }

    /// Out of the pipe into `/dev/null`: up to `len` bytes across writes (3 of "hello"+"world", then the other 7);
    /// empty with a writer: `EAGAIN` with `SPLICE_F_NONBLOCK` or with the read end's `O_NONBLOCK`; 0 bytes asked: 0;
    /// no writer: 0 (end of file).
    @Test func spliceOutTakesUpToLenLikeARead() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            try withPipe { readEnd, writeEnd, pipe throws in
                try write(writeEnd, "hello")
                try write(writeEnd, "world")
                #expect(try KernelPipe.spliceOut(readEnd, max: 3, flags: 0, offset: false) == 3)
                #expect(try Syscall.bytesReadable(readEnd) == 7)
                #expect(try KernelPipe.spliceOut(readEnd, max: 100, flags: 0, offset: false) == 7)
                #expect(throws: Errno.wouldBlock) {
                    _ = try KernelPipe.spliceOut(readEnd, max: 100, flags: Self.nonblocking, offset: false)
                }
                try Syscall.setNonblocking(readEnd, true)
                #expect(throws: Errno.wouldBlock) {
                    _ = try KernelPipe.spliceOut(readEnd, max: 100, flags: 0, offset: false)
                }
                #expect(try KernelPipe.spliceOut(readEnd, max: 0, flags: 0, offset: false) == 0)
                try pipe.close(writeEnd)
                #expect(try KernelPipe.spliceOut(readEnd, max: 100, flags: 0, offset: false) == 0)
            }
        }
    }

    /// Packets (`O_DIRECT`) are not read alone by `splice` or `vmsplice`: 150 bytes out of two 100-byte packets; the
    /// 50 left stay a packet, so a 10-byte read then discards 40.
    @Test func spliceAndVmspliceOutCrossPackets() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            try withPipe(flags: O_CLOEXEC | Syscall.directFlag) { readEnd, writeEnd, pipe throws in
                try write(writeEnd, String(repeating: "a", count: 100))
                try write(writeEnd, String(repeating: "b", count: 100))
                #expect(try KernelPipe.spliceOut(readEnd, max: 150, flags: Self.nonblocking, offset: false) == 150)
                #expect(try KernelPipe.read(readEnd, max: 10, nonblocking: true) == .completed(bytes(10, 0x62)))
                #expect(try Syscall.bytesReadable(readEnd) == 0)
                try write(writeEnd, "abc")
                try write(writeEnd, "def")
                #expect(try KernelPipe.vmspliceOut(readEnd, sizes: [2, 2], flags: Self.nonblocking) == Array("abcd".utf8))
                #expect(try Syscall.bytesReadable(readEnd) == 2)
            }
            let model = PipeModel(pipes: [("p", .init(readers: [1], writers: [1], packet: true))])
            var state = model.initialState(of: "p")
            for data in [bytes(100), bytes(100, 0x62)] {
                state = try #require(
                    model.outcomes(of: .write(process: 1, data: data, nonblocking: true), in: state).first?.step.state)
            }
            let out = model.outcomes(
                of: .splice(process: 1, call: .init(.toSink(max: 150, intoSelf: false), nonblocking: true)), in: state)
            #expect(out.map(\.output) == [.moved(150)])
            let after = try #require(out.first?.step.state)
            #expect(
                model.outcomes(of: .read(process: 1, max: 10, nonblocking: true), in: after).map(\.output) == [
                    .read(bytes(10, 0x62))
                ])
        }
    }

    /// Into the pipe from a file: each splice takes page slots of its own, split at the file's page boundaries, and
    /// nothing merges into them: 100-byte splices fill a pipe at 1600 bytes; 100000 bytes from position 100 put
    /// 65436 in (a first page of 3996); after a 3-byte write, 61440 (15 slots); a 1-byte write after a 100-byte splice
    /// takes a fresh page (61440 bytes then fit, not 61539).
    @Test func spliceInLendsFilePagesThatNothingMergesInto() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let file = bytes(100_000, 0x41)
            try withPipe { readEnd, writeEnd, pipe throws in
                var total = 0
                while let count = try? KernelPipe.spliceIn(
                    writeEnd, max: 100, data: Array(file.prefix(100)), position: 0, flags: Self.nonblocking, offset: false)
                {
                    total += count
                }
                #expect(total == 1600)
            }
            try withPipe { _, writeEnd, pipe throws in
                #expect(
                    try KernelPipe.spliceIn(
                        writeEnd, max: 100_000, data: file, position: 100, flags: Self.nonblocking, offset: false) == 65436)
            }
            try withPipe { _, writeEnd, pipe throws in
                try write(writeEnd, "abc")
                #expect(
                    try KernelPipe.spliceIn(
                        writeEnd, max: 100_000, data: file, position: 0, flags: Self.nonblocking, offset: false) == 61440)
            }
            try withPipe { readEnd, writeEnd, pipe throws in
                #expect(
                    try KernelPipe.spliceIn(
                        writeEnd, max: 100, data: Array(file.prefix(100)), position: 0, flags: 0, offset: false) == 100)
                var total = 0
                while case .completed(let count) = try KernelPipe.write(writeEnd, [1], nonblocking: true) { total += count }
                #expect(total == 61440)
                #expect(try Syscall.bytesReadable(readEnd) == 61540)
            }
            let model = PipeModel(pipes: [("p", .init(readers: [1], writers: [1]))])
            let start = model.initialState(of: "p")
            let fromPosition100 = SpliceCallFixture.fromFile(max: 100_000, data: file, position: 100)
            #expect(
                model.outcomes(of: .splice(process: 1, call: fromPosition100), in: start).map(\.output) == [.moved(65436)])
        }
    }

    /// Into a full pipe: `EAGAIN` with `SPLICE_F_NONBLOCK` or the write end's `O_NONBLOCK`; with no reader `EPIPE`;
    /// with one slot free a blocking splice takes 4096 of 100000 at once; at the file's end 0; an offset for the pipe
    /// `ESPIPE`; bad flags `EINVAL`; the read end `EBADF`; 0 bytes asked 0 before any check.
    @Test func spliceInErrors() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let file = bytes(100_000, 0x41)
            try withPipe { readEnd, writeEnd, pipe throws in
                for _ in 0..<15 { try write(writeEnd, String(repeating: "x", count: 4096)) }
                #expect(
                    try KernelPipe.spliceIn(writeEnd, max: 100_000, data: file, position: 0, flags: 0, offset: false)
                        == 4096)
                #expect(throws: Errno.wouldBlock) {
                    _ = try KernelPipe.spliceIn(
                        writeEnd, max: 10, data: bytes(10), position: 0, flags: Self.nonblocking, offset: false)
                }
                try Syscall.setNonblocking(writeEnd, true)
                #expect(throws: Errno.wouldBlock) {
                    _ = try KernelPipe.spliceIn(writeEnd, max: 10, data: bytes(10), position: 0, flags: 0, offset: false)
                }
                #expect(throws: Errno.illegalSeek) {
                    _ = try KernelPipe.spliceIn(writeEnd, max: 10, data: bytes(10), position: 0, flags: 0, offset: true)
                }
                #expect(throws: Errno.invalidArgument) {
                    _ = try KernelPipe.spliceIn(
                        writeEnd, max: 10, data: bytes(10), position: 0, flags: 0x100, offset: false)
                }
                #expect(throws: Errno.badFileDescriptor) {
                    _ = try KernelPipe.spliceIn(readEnd, max: 10, data: bytes(10), position: 0, flags: 0, offset: false)
                }
                #expect(try KernelPipe.spliceIn(readEnd, max: 0, data: [], position: 0, flags: 0x100, offset: false) == 0)
            }
            try withPipe { readEnd, writeEnd, pipe throws in
                #expect(try KernelPipe.spliceIn(writeEnd, max: 10, data: [], position: 0, flags: 0, offset: false) == 0)
                try pipe.close(readEnd)
                #expect(throws: Errno.brokenPipe) {
                    _ = try KernelPipe.spliceIn(writeEnd, max: 10, data: bytes(10), position: 0, flags: 0, offset: false)
                }
            }
        }
    }

    /// `splice` out: an input offset on the pipe `ESPIPE`, bad flags `EINVAL` (before `EBADF`), the write end `EBADF`,
    /// the pipe into its own write end `EINVAL`, and 0 bytes asked 0 before any of these.
    @Test func spliceOutErrors() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            try withPipe { readEnd, writeEnd, pipe throws in
                try write(writeEnd, "abc")
                #expect(throws: Errno.illegalSeek) { _ = try KernelPipe.spliceOut(readEnd, max: 3, flags: 0, offset: true) }
                #expect(throws: Errno.invalidArgument) {
                    _ = try KernelPipe.spliceOut(writeEnd, max: 3, flags: 0x100, offset: false)
                }
                #expect(throws: Errno.badFileDescriptor) {
                    _ = try KernelPipe.spliceOut(writeEnd, max: 3, flags: 0, offset: false)
                }
                #expect(throws: Errno.invalidArgument) {
                    _ = try KernelPipe.spliceOut(readEnd, max: 3, flags: 0, offset: false, into: writeEnd)
                }
                #expect(try KernelPipe.spliceOut(writeEnd, max: 0, flags: 0x100, offset: true) == 0)
                #expect(try Syscall.bytesReadable(readEnd) == 3)
            }
        }
    }

    /// `tee` copies without consuming, up to `len`; whole buffers while the private pipe has room (20 pages into a
    /// fresh 16-slot pipe: 65536); empty with a writer `EAGAIN` (flag or `O_NONBLOCK`); no writer 0; into the same
    /// pipe `EINVAL`; the write end `EBADF`; bad flags `EINVAL`, even for 0 bytes (unlike `splice`); 0 bytes 0 before
    /// the descriptors.
    @Test func teeCopiesWithoutConsuming() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            try withPipe { readEnd, writeEnd, pipe throws in
                try write(writeEnd, "hello")
                try write(writeEnd, "world")
                #expect(try KernelPipe.tee(readEnd, max: 3, flags: 0) == 3)
                #expect(try KernelPipe.tee(readEnd, max: 100, flags: 0) == 10)
                #expect(try Syscall.bytesReadable(readEnd) == 10)
                #expect(throws: Errno.invalidArgument) {
                    _ = try KernelPipe.tee(readEnd, max: 100, flags: 0, into: writeEnd)
                }
                #expect(throws: Errno.badFileDescriptor) { _ = try KernelPipe.tee(writeEnd, max: 100, flags: 0) }
                #expect(throws: Errno.invalidArgument) { _ = try KernelPipe.tee(readEnd, max: 100, flags: 0x100) }
                #expect(try KernelPipe.tee(readEnd, max: 0, flags: 0) == 0)
                // Flags before the length, the length before the descriptor.
                #expect(throws: Errno.invalidArgument) { _ = try KernelPipe.tee(writeEnd, max: 0, flags: 0x100) }
                #expect(try KernelPipe.tee(writeEnd, max: 0, flags: 0) == 0)
                _ = try KernelPipe.read(readEnd, max: 10, nonblocking: true)
                #expect(throws: Errno.wouldBlock) { _ = try KernelPipe.tee(readEnd, max: 100, flags: Self.nonblocking) }
                try Syscall.setNonblocking(readEnd, true)
                #expect(throws: Errno.wouldBlock) { _ = try KernelPipe.tee(readEnd, max: 100, flags: 0) }
            }
            try withPipe { readEnd, writeEnd, pipe throws in
                #expect(try Syscall.setPipeSize(readEnd, 1 << 20) == 1 << 20)
                for _ in 0..<20 { try write(writeEnd, String(repeating: "x", count: 4096)) }
                #expect(try KernelPipe.tee(readEnd, max: 1 << 20, flags: 0) == 65536)
                try pipe.close(writeEnd)
                _ = try KernelPipe.read(readEnd, max: 1 << 20, nonblocking: true)
                #expect(try KernelPipe.tee(readEnd, max: 100, flags: 0) == 0)
            }
        }
    }

    /// `vmsplice` into the pipe: one slot per page of each vector (100 aligned bytes take one, 100 across a page
    /// boundary two; 1024 one-byte vectors put 16 bytes in), not atomic (1 MiB: 65536), nothing merged into them;
    /// the pipe's `O_NONBLOCK` is ignored — only `SPLICE_F_NONBLOCK` gives `EAGAIN`; `EPIPE` with no reader; flags
    /// `EINVAL` before `EBADF`; more than 1024 vectors `EINVAL`; 0 vectors 0.
    @Test func vmspliceInLendsUserPages() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            try withPipe { _, writeEnd, pipe throws in
                var total = 0
                while let count = try? KernelPipe.vmspliceIn(
                    writeEnd, pieces: [bytes(100)], offsets: [0], flags: Self.nonblocking)
                { total += count }
                #expect(total == 1600)
            }
            try withPipe { _, writeEnd, pipe throws in
                #expect(try KernelPipe.vmspliceIn(writeEnd, pieces: [bytes(100)], offsets: [4050], flags: 0) == 100)
                var pages = 0
                try Syscall.setNonblocking(writeEnd, true)
                while case .completed = try KernelPipe.write(writeEnd, bytes(4096), nonblocking: true) { pages += 1 }
                #expect(pages == 14)
            }
            try withPipe { _, writeEnd, pipe throws in
                #expect(
                    try KernelPipe.vmspliceIn(
                        writeEnd, pieces: Array(repeating: [1], count: 1024), offsets: [], flags: Self.nonblocking) == 16)
            }
            try withPipe { readEnd, writeEnd, pipe throws in
                #expect(
                    try KernelPipe.vmspliceIn(writeEnd, pieces: [bytes(1 << 20)], offsets: [], flags: Self.nonblocking)
                        == 65536)
                try Syscall.setNonblocking(writeEnd, true)
                #expect(throws: Errno.wouldBlock) {
                    _ = try KernelPipe.vmspliceIn(writeEnd, pieces: [bytes(1)], offsets: [], flags: Self.nonblocking)
                }
                #expect(throws: Errno.invalidArgument) {
                    _ = try KernelPipe.vmspliceIn(readEnd, pieces: [bytes(1)], offsets: [], flags: 0x100)
                }
                #expect(throws: Errno.invalidArgument) {
                    _ = try KernelPipe.vmspliceIn(
                        writeEnd, pieces: Array(repeating: [1], count: 1025), offsets: [], flags: 0)
                }
                #expect(try KernelPipe.vmspliceIn(writeEnd, pieces: [], offsets: [], flags: 0) == 0)
            }
            try withPipe { readEnd, writeEnd, pipe throws in
                try pipe.close(readEnd)
                #expect(throws: Errno.brokenPipe) {
                    _ = try KernelPipe.vmspliceIn(writeEnd, pieces: [bytes(1)], offsets: [], flags: 0)
                }
            }
            let model = PipeModel(pipes: [("p", .init(readers: [1], writers: [1]))])
            let start = model.initialState(of: "p")
            let straddling = PipeModel.SpliceCall(.gather(pieces: [bytes(100)], offsets: [4050]))
            let after = try #require(model.outcomes(of: .splice(process: 1, call: straddling), in: start).first?.step.state)
            #expect(after.pages.count == 2)
            #expect(
                model.outcomes(
                    of: .splice(process: 1, call: .init(.gather(pieces: [bytes(1 << 20)], offsets: []), nonblocking: true)),
                    in: start
                ).map(\.output) == [.moved(65536)])
        }
    }

    /// `vmsplice` out of the pipe is a read into the buffers in order; 0 with no writer; `EAGAIN` only with
    /// `SPLICE_F_NONBLOCK` (the read end's `O_NONBLOCK` lets it sleep: `InterruptionFactsTests`).
    @Test func vmspliceOutIsARead() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            try withPipe { readEnd, writeEnd, pipe throws in
                try write(writeEnd, "hello")
                try write(writeEnd, "world")
                #expect(try KernelPipe.vmspliceOut(readEnd, sizes: [1, 2], flags: 0) == Array("hel".utf8))
                #expect(try KernelPipe.vmspliceOut(readEnd, sizes: [100], flags: 0) == Array("loworld".utf8))
                #expect(throws: Errno.wouldBlock) {
                    _ = try KernelPipe.vmspliceOut(readEnd, sizes: [100], flags: Self.nonblocking)
                }
                #expect(try KernelPipe.vmspliceOut(readEnd, sizes: [0], flags: 0) == [])
                try pipe.close(writeEnd)
                #expect(try KernelPipe.vmspliceOut(readEnd, sizes: [100], flags: 0) == [])
            }
        }
    }
}

/// Splice calls the facts compare with the model.
enum SpliceCallFixture {
    static func fromFile(max: Int, data: [UInt8], position: Int) -> PipeModel.SpliceCall {
        .init(.fromFile(max: max, data: Array(data.prefix(max)), position: position), nonblocking: true)
    }
}
