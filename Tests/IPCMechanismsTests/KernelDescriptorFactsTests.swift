import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Facts about what descriptors of pipes, FIFOs and eventfds do beyond reading and writing — `fcntl` on the open
/// file description, `pipe2`'s flags, packet mode, the calls that need a file position — measured on this kernel.
/// The `pipe`, `fifo` and `eventfd` models encode each of them (issue 15).
@Suite struct KernelDescriptorFactsTests {
    struct Pipe: ~Copyable {
        let read: FileDescriptor
        let write: FileDescriptor
        init(flags: CInt = O_CLOEXEC) throws {
            (read, write) = try Syscall.pipe(flags: flags | O_CLOEXEC)
        }
        deinit {
            try? Syscall.close(read)
            try? Syscall.close(write)
        }
    }

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    // MARK: calls that need a file position

    @Test func lseekPreadAndPwriteOnEitherEndOfAPipeFailESPIPE() throws {
        let pipe = try Pipe()
        for end in [pipe.read, pipe.write] {
            #expect(throws: Errno.illegalSeek) { try KernelPipe.position(end) }
            #expect(throws: Errno.illegalSeek) { try KernelPipe.readAt(end, max: 4) }
            #expect(throws: Errno.illegalSeek) { try KernelPipe.writeAt(end, bytes("x")) }
        }
        // Nothing moved: pwrite on the write end did not write.
        #expect(try Syscall.bytesReadable(pipe.read) == 0)
    }

    @Test func lseekOnAFIFOFailsESPIPE() throws {
        let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-fifo"
        try KernelFIFO.create(at: path)
        defer { unlink(path) }
        let reader = try KernelFIFO.open(path, for: .read, nonblocking: true)
        defer { try? Syscall.close(reader) }
        #expect(throws: Errno.illegalSeek) { try KernelPipe.position(reader) }
        #expect(throws: Errno.illegalSeek) { try KernelPipe.readAt(reader, max: 1) }
    }

    @Test func anEventfdSeeksToZeroButPreadFailsESPIPEAndFIONREADIsENOTTY() throws {
        let counter = try KernelEventCounter.create(semaphore: false, nonblocking: true)
        defer { try? Syscall.close(counter) }
        #expect(try KernelPipe.position(counter) == 0)  // noop_llseek: no error, position 0
        #expect(try KernelEventCounter.write(counter, 5) == .completed(8))
        #expect(try KernelEventCounter.read(counter) == .completed(5))
        #expect(try KernelPipe.position(counter) == 0)  // reads and writes do not move it
        #expect(throws: Errno.illegalSeek) { try KernelPipe.readAt(counter, max: 8) }
        #expect(throws: Errno.inappropriateIOCTLForDevice) { try Syscall.bytesReadable(counter) }
    }

    // MARK: O_NONBLOCK on the open file description

    @Test func setFLAffectsEveryDescriptorOfTheDescriptionButNotAnotherDescription() throws {
        let pipe = try Pipe()
        let duplicate = FileDescriptor(rawValue: fcntl(pipe.read.rawValue, F_DUPFD_CLOEXEC, 0))
        defer { try? Syscall.close(duplicate) }
        let reopened = try KernelPipe.openEnd(pipe.read, forWriting: false)
        defer { try? Syscall.close(reopened) }
        try KernelPipe.setFlags(pipe.read, nonblocking: true, direct: nil)
        #expect(try KernelPipe.flags(duplicate).nonblocking)
        #expect(try !KernelPipe.flags(reopened).nonblocking)
        // The duplicate's read, asked blocking, does not block: it is the description that is nonblocking.
        #expect(try KernelPipe.read(duplicate, max: 4, nonblocking: false) == .wouldBlock)
        try KernelPipe.setFlags(duplicate, nonblocking: false, direct: nil)
        #expect(try !KernelPipe.flags(pipe.read).nonblocking)
    }

    @Test func pipe2NonblockSetsBothEndsButODirectOnlyTheWriteEnd() throws {
        let pipe = try Pipe(flags: O_NONBLOCK | Syscall.directFlag)
        #expect(try KernelPipe.flags(pipe.read) == (nonblocking: true, direct: false))
        #expect(try KernelPipe.flags(pipe.write) == (nonblocking: true, direct: true))
        #expect(try KernelPipe.read(pipe.read, max: 1, nonblocking: false) == .wouldBlock)
    }

    @Test func aReopenedEndStartsWithoutTheFlagsOfTheOriginal() throws {
        let pipe = try Pipe(flags: O_NONBLOCK)
        let reopened = try KernelPipe.openEnd(pipe.write, forWriting: true)
        defer { try? Syscall.close(reopened) }
        #expect(try KernelPipe.flags(reopened) == (nonblocking: false, direct: false))
    }

    // MARK: F_GETPIPE_SZ and F_SETPIPE_SZ

    @Test(arguments: [(0, 4096), (1, 4096), (4096, 4096), (5000, 8192), (65537, 131072), (1 << 20, 1 << 20)])
    func setPipeSizeRoundsUpToAPowerOfTwoPages(requested: Int, got: Int) throws {
        let pipe = try Pipe()
        #expect(try Syscall.setPipeSize(pipe.write, requested) == got)
        #expect(try Syscall.pipeSize(pipe.read) == got)
    }

    @Test func setPipeSizeAbovePipeMaxSizeIsEPERMWithoutCapSysResourceAndAbove2To31IsEINVAL() throws {
        let text = String(decoding: try Self.contents("/proc/sys/fs/pipe-max-size").filter { $0 != 0x0A }, as: UTF8.self)
        let maximum = try #require(Int(text))
        #expect(maximum == 1 << 20)
        let pipe = try Pipe()
        #expect(throws: Errno.notPermitted) { try Syscall.setPipeSize(pipe.write, maximum + 1) }
        #expect(throws: Errno.invalidArgument) { try Syscall.setPipeSize(pipe.write, (1 << 31) + 1) }
        #expect(throws: Errno.invalidArgument) { try Syscall.setPipeSize(pipe.write, -1) }  // 0xffffffff as unsigned int
        // At the maximum, setting the maximum again (no growth) is allowed.
        #expect(try Syscall.setPipeSize(pipe.write, maximum) == maximum)
        #expect(try Syscall.setPipeSize(pipe.write, maximum) == maximum)
    }

    @Test func setPipeSizeBelowThePagesInUseIsEBUSY() throws {
        let pipe = try Pipe(flags: O_NONBLOCK)
        // 8192 bytes fill 2 pages; 1 more byte cannot merge into a full page: 3 pages in use.
        #expect(try KernelPipe.write(pipe.write, [UInt8](repeating: 1, count: 8192), nonblocking: true) == .completed(8192))
        #expect(try KernelPipe.write(pipe.write, [2], nonblocking: true) == .completed(1))
        #expect(throws: Errno.resourceBusy) { try Syscall.setPipeSize(pipe.write, 4096) }
        #expect(throws: Errno.resourceBusy) { try Syscall.setPipeSize(pipe.write, 8192) }
        #expect(try Syscall.setPipeSize(pipe.write, 12288) == 16384)
        #expect(try KernelPipe.read(pipe.read, max: 8193, nonblocking: true) == .completed([UInt8](repeating: 1, count: 8192) + [2]))
        #expect(try Syscall.setPipeSize(pipe.write, 4096) == 4096)
    }

    // MARK: packet mode (O_DIRECT)

    @Test func inPacketModeEachWriteIsReadAloneAndAShortReadDiscardsTheRest() throws {
        let pipe = try Pipe(flags: O_NONBLOCK | Syscall.directFlag)
        #expect(try KernelPipe.write(pipe.write, bytes("0123456789"), nonblocking: true) == .completed(10))
        #expect(try KernelPipe.write(pipe.write, bytes("abcde"), nonblocking: true) == .completed(5))
        #expect(try KernelPipe.read(pipe.read, max: 100, nonblocking: true) == .completed(bytes("0123456789")))
        #expect(try KernelPipe.read(pipe.read, max: 2, nonblocking: true) == .completed(bytes("ab")))
        #expect(try KernelPipe.read(pipe.read, max: 100, nonblocking: true) == .wouldBlock)
    }

    @Test func aLargePacketWriteIsPacketsOfAPageEach() throws {
        let pipe = try Pipe(flags: O_NONBLOCK | Syscall.directFlag)
        #expect(try KernelPipe.write(pipe.write, [UInt8](repeating: 7, count: 5000), nonblocking: true) == .completed(5000))
        #expect(try KernelPipe.read(pipe.read, max: 8192, nonblocking: true).map(\.count) == .completed(4096))
        #expect(try KernelPipe.read(pipe.read, max: 8192, nonblocking: true).map(\.count) == .completed(904))
    }

    /// The merge looks at the last page's flag, not the writer's: a packet writer's bytes join an ordinary page,
    /// while nothing joins a packet. A read takes ordinary bytes and then, at most, one packet.
    @Test func packetWritesMergeIntoOrdinaryPagesButNothingMergesIntoAPacket() throws {
        let pipe = try Pipe(flags: O_NONBLOCK)
        let packetWriter = try KernelPipe.openEnd(pipe.write, forWriting: true)
        defer { try? Syscall.close(packetWriter) }
        try KernelPipe.setFlags(packetWriter, nonblocking: true, direct: true)
        #expect(try KernelPipe.write(pipe.write, bytes("abc"), nonblocking: true) == .completed(3))
        #expect(try KernelPipe.write(packetWriter, bytes("de"), nonblocking: true) == .completed(2))
        #expect(try KernelPipe.read(pipe.read, max: 100, nonblocking: true) == .completed(bytes("abcde")))
        // An ordinary write after a packet goes into a page of its own.
        #expect(try KernelPipe.write(pipe.write, [UInt8](repeating: 0x78, count: 4096), nonblocking: true) == .completed(4096))
        #expect(try KernelPipe.write(packetWriter, [UInt8](repeating: 0x50, count: 4096), nonblocking: true) == .completed(4096))
        #expect(try KernelPipe.write(pipe.write, bytes("rs"), nonblocking: true) == .completed(2))
        let first = try KernelPipe.read(pipe.read, max: 4100, nonblocking: true)
        #expect(first == .completed([UInt8](repeating: 0x78, count: 4096) + bytes("PPPP")))
        #expect(try KernelPipe.read(pipe.read, max: 100, nonblocking: true) == .completed(bytes("rs")))
    }

    // MARK: eventfd

    @Test func setFLOnAnEventfdMakesItsReadsNonblockingForEveryHolder() throws {
        let counter = try KernelEventCounter.create(semaphore: false, nonblocking: false)
        defer { try? Syscall.close(counter) }
        let duplicate = FileDescriptor(rawValue: fcntl(counter.rawValue, F_DUPFD_CLOEXEC, 0))
        defer { try? Syscall.close(duplicate) }
        try KernelPipe.setFlags(counter, nonblocking: true, direct: nil)
        #expect(try KernelPipe.flags(duplicate).nonblocking)
        #expect(try KernelEventCounter.read(duplicate) == .wouldBlock)
        try KernelPipe.setFlags(duplicate, nonblocking: false, direct: nil)
        #expect(try !KernelPipe.flags(counter).nonblocking)
    }

    static func contents(_ path: String) throws -> [UInt8] {
        let descriptor = try Syscall.open(path, flags: O_RDONLY | O_CLOEXEC)
        defer { try? Syscall.close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
            try Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(raw))
        }
        return Array(buffer.prefix(count))
    }
}

extension TransferResult {
    func map<Other: Hashable & Sendable>(_ transform: (Value) -> Other) -> TransferResult<Other> {
        switch self {
        case .completed(let value): .completed(transform(value))
        case .wouldBlock: .wouldBlock
        }
    }
}
