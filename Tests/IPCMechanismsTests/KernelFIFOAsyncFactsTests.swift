import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `O_ASYNC`, owners and `F_SETSIG` on a FIFO's opens, and the signals they send, measured on this kernel: what
/// `FIFOModel+Async` encodes — the pipe's rules (`KernelPipeAsyncFactsTests`), each open its own description, and no
/// signal for an open. The owner is this test's own thread (`F_OWNER_TID`), which keeps the signals blocked and takes
/// them with a zero-timeout `sigtimedwait`; every signal sent is taken before the mask is restored.
@Suite struct KernelFIFOAsyncFactsTests {
    typealias Taken = KernelPipeAsyncFactsTests.Taken
    static var realtime: CInt { Syscall.realtimeSignalMinimum }

    /// `body` with a fresh FIFO's path, the I/O signals blocked and spawns held off (no child may hold an open).
    func withFIFO(_ body: (String) throws -> Void) throws {
        let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-async-fifo"
        try KernelFIFO.create(at: path)
        defer { unlink(path) }
        try BlockedIOSignals.withBlocked(KernelPipeAsyncFactsTests.blocked) {
            try Syscall.withoutConcurrentSpawns { () throws in try body(path) }
        }
    }

    func open(_ path: String, _ access: KernelFIFO.Direction) throws -> FileDescriptor {
        try KernelFIFO.open(path, for: access, nonblocking: true)
    }

    /// This thread owns `descriptor`'s description, which sends `signal` with `O_ASYNC`.
    func own(_ descriptor: FileDescriptor, signal: CInt) throws {
        try Syscall.setOwnerEx(descriptor, type: 0, id: OSThread.currentID)
        try Syscall.setIOSignal(descriptor, signal)
        try KernelPipe.setFlags(descriptor, nonblocking: true, direct: nil, async: true)
    }

    func takeAll(awaiting: Int = 0) -> [Taken] { KernelPipeAsyncFactsTests.takeAll(awaiting: awaiting) }

    func input(_ descriptor: FileDescriptor, signal: CInt) -> Taken { Taken(signal: signal, code: 1, band: 0x41, descriptor: descriptor.rawValue) }
    func output(_ descriptor: FileDescriptor, signal: CInt) -> Taken { Taken(signal: signal, code: 2, band: 0x304, descriptor: descriptor.rawValue) }

    /// Each open is its own description: a second open of the same end by the same process has no owner (`F_GETOWN`
    /// 0, `F_GETOWN_EX` `{F_OWNER_TID, 0}`), `F_GETSIG` 0 and no `O_ASYNC`, whatever the first has; a `dup` has the
    /// first's.
    @Test func eachOpenHasItsOwnOwnerSignalAndAsync() throws {
        try withFIFO { path in
            let first = try open(path, .read)
            defer { try? Syscall.close(first) }
            try own(first, signal: Self.realtime)
            let second = try open(path, .read)
            defer { try? Syscall.close(second) }
            #expect(try Syscall.owner(second) == 0 && Syscall.ioSignal(second) == 0 && !KernelPipe.isAsync(second))
            let owner = try Syscall.ownerEx(second)
            #expect(owner.type == 0 && owner.id == 0)
            let copy = try Syscall.duplicate(first, minimum: 0)
            defer { try? Syscall.close(copy) }
            #expect(try Syscall.ioSignal(copy) == Self.realtime && KernelPipe.isAsync(copy) && Syscall.ownerEx(copy).id == OSThread.currentID)
        }
    }

    /// An open signals nobody — a writer's open not the readers' owners, a reader's not the writers' — and neither does a
    /// nonblocking writer's that fails `ENXIO`; a write of one byte signals the read end's owner `POLL_IN`, of 0 bytes
    /// nothing; a read signals the write end's owner `POLL_OUT`.
    @Test func anOpenSignalsNobody() throws {
        try withFIFO { path in
            #expect(throws: Errno.noSuchAddressOrDevice) { try open(path, .write) }
            let reader = try open(path, .read)
            defer { try? Syscall.close(reader) }
            try own(reader, signal: Self.realtime)
            let writer = try open(path, .write)
            defer { try? Syscall.close(writer) }
            try own(writer, signal: Self.realtime + 1)
            let other = try open(path, .read)
            defer { try? Syscall.close(other) }
            let otherWriter = try open(path, .write)
            defer { try? Syscall.close(otherWriter) }
            #expect(takeAll().isEmpty)
            _ = try KernelPipe.write(writer, [1], nonblocking: true)
            _ = try KernelPipe.write(writer, [], nonblocking: true)
            #expect(takeAll() == [input(reader, signal: Self.realtime)])
            _ = try KernelPipe.read(other, max: 1, nonblocking: true)
            #expect(takeAll() == [output(writer, signal: Self.realtime + 1)])
        }
    }

    /// A release signals as a pipe's: closing one of two writers or two readers nothing while the other end has some;
    /// the last reader's close `POLL_OUT` to the writers' owners; the last writer's `POLL_IN` to the readers'.
    @Test func theLastCloseOfAnEndSignalsTheOther() throws {
        try withFIFO { path in
            let reader = try open(path, .read)
            let secondReader = try open(path, .read)
            let writer = try open(path, .write)
            // Closed below; here only if the test stops before that (a second close could take the descriptor of
            // another test that got the number meanwhile).
            var writerOpen = true
            defer { if writerOpen { try? Syscall.close(writer) } }
            try own(writer, signal: Self.realtime + 1)
            try Syscall.close(try open(path, .write))
            try Syscall.close(secondReader)
            #expect(takeAll().isEmpty)
            try Syscall.close(reader)
            #expect(takeAll(awaiting: 1) == [output(writer, signal: Self.realtime + 1)])
            let again = try open(path, .read)
            defer { try? Syscall.close(again) }
            #expect(takeAll().isEmpty)
            try own(again, signal: Self.realtime)
            writerOpen = false
            try Syscall.close(writer)
            #expect(takeAll(awaiting: 1) == [input(again, signal: Self.realtime)])
        }
    }

    /// An `O_RDWR` open is one description on both lists: its own write signals it `POLL_IN`, its own read `POLL_OUT`
    /// (one that fails `EAGAIN` too), another writer's write `POLL_IN`; another writer's open and close nothing (it is
    /// itself a writer); its release is a reader's and a writer's at once — with a reader left, `POLL_IN` to it.
    @Test func aReadWriteOpenIsOnBothLists() throws {
        try withFIFO { path in
            let both = try open(path, .readWrite)
            try own(both, signal: Self.realtime)
            _ = try KernelPipe.write(both, [1], nonblocking: true)
            #expect(takeAll() == [input(both, signal: Self.realtime)])
            _ = try KernelPipe.read(both, max: 1, nonblocking: true)
            #expect(takeAll() == [output(both, signal: Self.realtime)])
            #expect(try KernelPipe.read(both, max: 1, nonblocking: true) == .wouldBlock)
            #expect(takeAll() == [output(both, signal: Self.realtime)])
            let writer = try open(path, .write)
            _ = try KernelPipe.write(writer, [1], nonblocking: true)
            try Syscall.close(writer)
            #expect(takeAll() == [input(both, signal: Self.realtime)])
            let reader = try open(path, .read)
            defer { try? Syscall.close(reader) }
            try own(reader, signal: SIGUSR1)
            try Syscall.close(both)
            #expect(takeAll(awaiting: 1) == [input(reader, signal: SIGUSR1)])
        }
    }

    /// `open(O_ASYNC)` sets the bit `F_GETFL` reports but puts the description on no list (`do_dentry_open` never
    /// calls `fasync`): its owner receives nothing. The trace's `open` cannot say `O_ASYNC`, so the model need not.
    @Test func openWithAsyncSetsTheFlagOnly() throws {
        try withFIFO { path in
            let reader = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_ASYNC | O_CLOEXEC)
            try #require(reader >= 0)
            defer { close(reader) }
            let descriptor = FileDescriptor(rawValue: reader)
            try Syscall.setOwnerEx(descriptor, type: 0, id: OSThread.currentID)
            #expect(try KernelPipe.isAsync(descriptor))
            let writer = try open(path, .write)
            defer { try? Syscall.close(writer) }
            _ = try KernelPipe.write(writer, [1], nonblocking: true)
            #expect(takeAll().isEmpty)
        }
    }
}
