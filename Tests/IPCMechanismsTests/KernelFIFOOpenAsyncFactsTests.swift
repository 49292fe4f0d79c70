import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `open(path, … | O_ASYNC)` on a FIFO, measured on this kernel: what `FIFOModel+Async` encodes for an open's
/// `"async"`. The open sets the bit `F_GETFL` reports but calls no `fasync` hook, so the description is on no signal
/// list. The surprise: it can never join one. `setfl` and `FIOASYNC` call `pipe_fasync` only when the requested bit
/// differs from the description's, and the bit is cleared only by `fasync_remove_entry` finding the description on a
/// list — so `F_SETFL` with `O_ASYNC` changes nothing, `F_SETFL` without it (or `FIOASYNC` 0) leaves the bit set, and no
/// sequence of them ever sends a signal. Each check beside a plain open made `O_ASYNC` by `F_SETFL`, which is signalled,
/// so every check can fail. The owner is this test's own thread (`F_OWNER_TID`), the signals kept blocked.
@Suite struct KernelFIFOOpenAsyncFactsTests {
    typealias Taken = KernelPipeAsyncFactsTests.Taken
    let facts = KernelFIFOAsyncFactsTests()

    func open(_ path: String, _ direction: KernelFIFO.Direction, async: Bool) throws -> FileDescriptor {
        try KernelFIFO.open(path, for: direction, nonblocking: true, async: async)
    }

    func ownedByThisThread(_ descriptor: FileDescriptor) throws {
        try Syscall.setOwnerEx(descriptor, type: 0, id: OSThread.currentID)
    }

    func signalCount() -> Int { facts.takeAll().count }

    @Test func anOpenWithAsyncReportsTheFlagAndADupSharesIt() throws {
        try facts.withFIFO { path in
            let reader = try open(path, .read, async: true)
            defer { try? Syscall.close(reader) }
            let plain = try open(path, .read, async: false)
            defer { try? Syscall.close(plain) }
            #expect(try KernelPipe.isAsync(reader))
            #expect(try !KernelPipe.isAsync(plain))
            let copy = try Syscall.duplicate(reader)
            defer { try? Syscall.close(copy) }
            #expect(try KernelPipe.isAsync(copy))
        }
    }

    /// `F_SETOWN` alone after the open: a write signals nobody; the plain open given `O_ASYNC` by `F_SETFL` is signalled.
    @Test func anOwnerAloneStartsNoSignals() throws {
        try facts.withFIFO { path in
            let reader = try open(path, .read, async: true)
            defer { try? Syscall.close(reader) }
            try ownedByThisThread(reader)
            let writer = try open(path, .write, async: false)
            defer { try? Syscall.close(writer) }
            _ = try KernelPipe.write(writer, [1], nonblocking: true)
            #expect(signalCount() == 0)
            let plain = try open(path, .read, async: false)
            defer { try? Syscall.close(plain) }
            try ownedByThisThread(plain)
            try KernelPipe.setFlags(plain, nonblocking: true, direct: nil, async: true)
            _ = try KernelPipe.write(writer, [2], nonblocking: true)
            #expect(signalCount() == 1)
        }
    }

    /// `F_SETFL` with `O_ASYNC`, then without it (the bit stays), then with it again, and `FIOASYNC` off and on: never a
    /// signal for a write, and `F_GETFL` reports `O_ASYNC` throughout; a dup's `F_SETFL` is the same description's.
    @Test func noFileControlEverPutsItOnTheList() throws {
        try facts.withFIFO { path in
            let reader = try open(path, .read, async: true)
            defer { try? Syscall.close(reader) }
            try ownedByThisThread(reader)
            let writer = try open(path, .write, async: false)
            defer { try? Syscall.close(writer) }
            var signals: [Int] = []
            var flags: [Bool] = []
            func writeAndCount() throws {
                _ = try KernelPipe.write(writer, [1], nonblocking: true)
                signals.append(signalCount())
                flags.append(try KernelPipe.isAsync(reader))
            }
            try KernelPipe.setFlags(reader, nonblocking: true, direct: nil, async: true)
            try writeAndCount()
            try KernelPipe.setFlags(reader, nonblocking: true, direct: nil, async: false)
            try writeAndCount()
            try KernelPipe.setFlags(reader, nonblocking: true, direct: nil, async: true)
            try writeAndCount()
            try Syscall.setAsyncByIoctl(reader, false)
            try writeAndCount()
            try Syscall.setAsyncByIoctl(reader, true)
            try writeAndCount()
            let copy = try Syscall.duplicate(reader)
            try KernelPipe.setFlags(copy, nonblocking: true, direct: nil, async: false)
            try KernelPipe.setFlags(copy, nonblocking: true, direct: nil, async: true)
            try Syscall.close(copy)
            try writeAndCount()
            #expect(signals == [0, 0, 0, 0, 0, 0])
            #expect(flags == [true, true, true, true, true, true])
            // F_SETFL still sets the other flags.
            try KernelPipe.setFlags(reader, nonblocking: false, direct: nil, async: false)
            #expect(try !KernelPipe.flags(reader).nonblocking)
        }
    }

    /// A writer opened with `O_ASYNC` and owned: a read's `POLL_OUT` and the last reader's release send nothing (a plain
    /// writer given `O_ASYNC` by `F_SETFL` gets both); an `O_RDWR` open with `O_ASYNC` is not signalled for its own write.
    @Test func writersAndReadWriteOpensAreNotSignalledEither() throws {
        try facts.withFIFO { path in
            let reader = try open(path, .read, async: false)
            let writer = try open(path, .write, async: true)
            defer { try? Syscall.close(writer) }
            try ownedByThisThread(writer)
            let plain = try open(path, .write, async: false)
            defer { try? Syscall.close(plain) }
            _ = try KernelPipe.write(plain, [1, 2], nonblocking: true)
            _ = try KernelPipe.read(reader, max: 1, nonblocking: true)
            #expect(signalCount() == 0)
            try Syscall.close(reader)
            #expect(signalCount() == 0)
            #expect(try KernelPipe.isAsync(writer))
            let both = try open(path, .readWrite, async: true)
            defer { try? Syscall.close(both) }
            try ownedByThisThread(both)
            _ = try KernelPipe.write(both, [3], nonblocking: true)
            _ = try KernelPipe.read(both, max: 8, nonblocking: true)
            #expect(signalCount() == 0)
            #expect(try KernelPipe.isAsync(both))
            // The control: a plain write end owned and given O_ASYNC is signalled POLL_OUT for the O_RDWR open's read.
            try ownedByThisThread(plain)
            try KernelPipe.setFlags(plain, nonblocking: true, direct: nil, async: true)
            _ = try KernelPipe.write(plain, [4], nonblocking: true)
            _ = try KernelPipe.read(both, max: 8, nonblocking: true)
            #expect(signalCount() == 1)
        }
    }
}
