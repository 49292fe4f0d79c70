import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `poll` and `select` on pipe and FIFO ends, measured on this kernel (`pipe_poll` of Linux 6.18): what
/// ``PipeModel/readiness(of:_:in:hangUpSuppressed:)`` and the FIFO model's `POLLHUP` rule encode. Every call here has
/// a zero timeout, so nothing waits.
@Suite struct KernelReadinessFactsTests {
    let readable = Int16(POLLIN), writable = Int16(POLLOUT), hangUp = Int16(POLLHUP), error = Int16(POLLERR)

    func revents(_ descriptor: FileDescriptor, _ events: Int16) throws -> Int16 {
        try KernelPipe.poll(descriptor, events: events, timeoutMilliseconds: 0)
    }

    func withPipe(flags: CInt = O_CLOEXEC, _ body: (FileDescriptor, FileDescriptor) throws -> Void) throws {
        let (readEnd, writeEnd) = try Syscall.pipe(flags: flags)
        defer { try? Syscall.close(readEnd); try? Syscall.close(writeEnd) }
        try body(readEnd, writeEnd)
    }

    @Test func theReadEndIsReadableWhileBytesAreBufferedAndHungUpWithoutWriters() throws {
        // Its closes must be the last: held off from spawns (a spawn's child holds a copy until its exec).
        try Syscall.withoutConcurrentSpawns { () throws in
            Syscall.ignoreBrokenPipeSignal()
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
            defer { try? Syscall.close(readEnd) }
            #expect(try revents(readEnd, readable | writable) == 0)
            _ = try KernelPipe.write(writeEnd, [1, 2], nonblocking: true)
            #expect(try revents(readEnd, readable | writable) == readable)
            #expect(try revents(readEnd, writable) == 0)  // POLLIN only when asked
            try Syscall.close(writeEnd)
            // No writer: POLLHUP, with bytes left and without, asked for or not.
            #expect(try revents(readEnd, readable) == readable | hangUp)
            #expect(try revents(readEnd, 0) == hangUp)
            _ = try KernelPipe.read(readEnd, max: 10, nonblocking: true)
            #expect(try revents(readEnd, readable) == hangUp)
        }
    }

    /// Writable means a page slot is free, not that `PIPE_BUF` bytes fit: a one-page pipe holding one byte is not
    /// writable, yet a nonblocking write of one byte succeeds (it merges into that page).
    @Test func theWriteEndIsWritableWhileAPageSlotIsFree() throws {
        try withPipe { readEnd, writeEnd in
            #expect(try revents(writeEnd, readable | writable) == writable)
            try Syscall.setPipeSize(writeEnd, 4096)
            _ = try KernelPipe.write(writeEnd, [1], nonblocking: true)
            #expect(try revents(writeEnd, writable) == 0)
            #expect(try KernelPipe.write(writeEnd, [2], nonblocking: true) == .completed(1))
            _ = try KernelPipe.read(readEnd, max: 1, nonblocking: true)
            #expect(try revents(writeEnd, writable) == 0)  // the page still holds a byte
            _ = try KernelPipe.read(readEnd, max: 1, nonblocking: true)
            #expect(try revents(writeEnd, writable) == writable)
        }
        // The default 16 slots: fifteen whole pages and a one-byte one fill it, though 4095 bytes would merge.
        try withPipe { readEnd, writeEnd in
            _ = try KernelPipe.write(writeEnd, [1], nonblocking: true)
            for _ in 0..<15 { _ = try KernelPipe.write(writeEnd, [UInt8](repeating: 2, count: 4096), nonblocking: true) }
            #expect(try revents(writeEnd, writable) == 0)
            _ = try KernelPipe.read(readEnd, max: 1, nonblocking: true)
            #expect(try revents(writeEnd, writable) == writable)
        }
    }

    @Test func theWriteEndIsInErrorWithoutReaders() throws {
        // Its closes must be the last: held off from spawns (a spawn's child holds a copy until its exec).
        try Syscall.withoutConcurrentSpawns { () throws in
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
            defer { try? Syscall.close(writeEnd) }
            try Syscall.close(readEnd)
            #expect(try revents(writeEnd, writable) == writable | error)
            #expect(try revents(writeEnd, readable) == error)
        }
    }

    @Test func aPacketPipeIsReadyAsAnOrdinaryOne() throws {
        try withPipe(flags: O_CLOEXEC | Syscall.directFlag) { readEnd, writeEnd in
            _ = try KernelPipe.write(writeEnd, [1, 2], nonblocking: true)
            #expect(try revents(readEnd, readable | writable) == readable)
            #expect(try revents(writeEnd, readable | writable) == writable)
        }
    }

    /// A descriptor that is not open: `POLLNVAL` from `poll` (the call succeeds), `EBADF` from `select`. The number
    /// is one far above what the test process has open (checked first), made and closed with `dup2` so that the
    /// descriptor table covers it, and no other test's thread is given it meanwhile (the kernel hands out the lowest
    /// free number). Beyond the table, `select` does not look at it at all: nothing ready, no `EBADF`.
    @Test func aClosedDescriptorIsPOLLNVALForPollAndEBADFForSelect() throws {
        let number: CInt = 1021
        try #require(fcntl(number, F_GETFD) == -1 && errno == EBADF)
        let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
        defer { try? Syscall.close(readEnd); try? Syscall.close(writeEnd) }
        try #require(dup2(readEnd.rawValue, number) == number)
        let closed = FileDescriptor(rawValue: number)
        try Syscall.close(closed)
        #expect(try revents(closed, readable) == Int16(POLLNVAL))
        #expect(try revents(closed, 0) == Int16(POLLNVAL))
        #expect(throws: Errno.badFileDescriptor) { _ = try KernelPipe.select(closed, read: true, write: false, timeoutMilliseconds: 0) }
    }

    @Test func selectReportsTheSameReadiness() throws {
        Syscall.ignoreBrokenPipeSignal()
        let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
        defer { try? Syscall.close(readEnd) }
        #expect(try KernelPipe.select(readEnd, read: true, write: true, timeoutMilliseconds: 0) == (false, false))
        #expect(try KernelPipe.select(writeEnd, read: true, write: true, timeoutMilliseconds: 0) == (false, true))
        _ = try KernelPipe.write(writeEnd, [1], nonblocking: true)
        #expect(try KernelPipe.select(readEnd, read: true, write: false, timeoutMilliseconds: 0) == (true, false))
        try Syscall.close(writeEnd)
        _ = try KernelPipe.read(readEnd, max: 1, nonblocking: true)
        // Hung up, nothing to read: select calls it readable (a read would return end of file).
        #expect(try KernelPipe.select(readEnd, read: true, write: false, timeoutMilliseconds: 0) == (true, false))
        let (otherRead, otherWrite) = try Syscall.pipe(flags: O_CLOEXEC)
        defer { try? Syscall.close(otherWrite) }
        try Syscall.close(otherRead)
        // No reader: POLLERR, which select counts as both readable and writable.
        #expect(try KernelPipe.select(otherWrite, read: true, write: true, timeoutMilliseconds: 0) == (true, true))
    }

    // MARK: FIFOs

    final class Path {
        let value = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-fifo"
        init() throws { try KernelFIFO.create(at: value) }
        deinit { unlink(value) }
    }

    /// A FIFO's read end opened with `O_NONBLOCK` while no writer had it open reports no `POLLHUP` until a writer
    /// opens — even one that closes again at once; a reader that opened after that writer left waits for the next.
    @Test func aNonblockingFIFOReaderSeesNoHangUpUntilAWriterHasOpened() throws {
        // Its closes must be the last: held off from spawns (a spawn's child holds a copy until its exec).
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            let first = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
            defer { try? Syscall.close(first) }
            #expect(try revents(first, readable) == 0)
            let writer = try KernelFIFO.open(path.value, for: .write, nonblocking: true)
            #expect(try revents(first, readable) == 0)
            #expect(try revents(writer, readable | writable) == writable)
            try Syscall.close(writer)
            #expect(try revents(first, readable) == hangUp)
            let second = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
            defer { try? Syscall.close(second) }
            #expect(try revents(second, readable) == 0)
            try Syscall.close(try KernelFIFO.open(path.value, for: .write, nonblocking: true))
            #expect(try revents(second, readable) == hangUp)
            #expect(try revents(first, readable) == hangUp)
        }
    }

    @Test func aFIFOWriterIsInErrorOnceTheReadersLeave() throws {
        // Its closes must be the last: held off from spawns (a spawn's child holds a copy until its exec).
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            let reader = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
            let writer = try KernelFIFO.open(path.value, for: .write, nonblocking: true)
            defer { try? Syscall.close(writer) }
            try Syscall.close(reader)
            #expect(try revents(writer, writable) == writable | error)
        }
    }
}

/// `poll` and `select` asleep on an empty pipe: a handled signal ends them with `EINTR`, with or without `SA_RESTART`
/// (signal(7): never restarted after a handler), having changed nothing. The model allows `EINTR` for a readiness
/// call that finds nothing ready; a call that finds something ready returns it (measured with a pending signal and
/// a zero timeout through `ppoll` in a C probe: `EINTR` with nothing ready, the `revents` otherwise).
extension InterruptionFactsTests {
    @Test(arguments: [false, true], [false, true])
    func pollAndSelectAsleepFailEINTREvenWithSA_RESTART(restart: Bool, select: Bool) throws {
        let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
        defer { try? Syscall.close(readEnd); try? Syscall.close(writeEnd) }
        let ending = try ending(restart: restart, of: { () throws(Errno) in
            if select {
                _ = try KernelPipe.select(readEnd, read: true, write: false, timeoutMilliseconds: -1)
            } else {
                _ = try KernelPipe.poll(readEnd, events: Int16(POLLIN), timeoutMilliseconds: -1)
            }
        }, release: { _ = try KernelPipe.write(writeEnd, [1], nonblocking: true) })
        #expect(ending == .interrupted)
        #expect(try Syscall.bytesReadable(readEnd) == 0)
        let model = PipeModel(pipes: [("p", .init(readers: [1], writers: [1]))])
        let empty = model.initialState(of: "p")
        let call: PipeModel.ReadinessCall = select ? .select(read: true, write: false, timeout: -1) : .poll(events: .input, timeout: -1)
        #expect(model.step(empty, .readiness(process: 1, end: .read, call: call), .failed(.EINTR)) == [.completed(empty)])
        #expect(model.step(empty, .readiness(process: 1, end: .write, call: .poll(events: .output, timeout: 0)), .failed(.EINTR)).isEmpty)
    }
}
