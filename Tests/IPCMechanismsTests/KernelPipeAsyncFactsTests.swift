import CIPCShims
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `O_ASYNC` on a pipe and the signals its owner receives, measured on this kernel: what `PipeModel+Async` encodes.
/// The owner is this test's own thread (`F_OWNER_TID`), which keeps the signals blocked and takes them with a
/// zero-timeout `sigtimedwait`, so nothing reaches another thread of the test process; a process owner is measured in
/// a forked child, which has one thread. Every signal sent is taken before the mask is restored.
@Suite struct KernelPipeAsyncFactsTests {
    static let io = SIGIO, user = SIGUSR1, child = SIGCHLD, segv = SIGSEGV
    static var realtime: CInt { Syscall.realtimeSignalMinimum }
    /// The signals the owner thread keeps blocked, and those it takes unless told (not `SIGCHLD`, which a child's exit
    /// may also leave pending for the process).
    static var blocked: [CInt] { [io, user, child, segv, realtime, realtime + 1] }
    static var signals: [CInt] { [io, user, segv, realtime, realtime + 1] }

    /// One signal taken: number, `si_code`, `si_band`, `si_fd`.
    struct Taken: Equatable, CustomStringConvertible {
        var signal: CInt, code: CInt, band: Int, descriptor: CInt
        var description: String { "signal \(signal) code \(code) band 0x\(String(band, radix: 16)) fd \(descriptor)" }
    }

    /// Every signal of `signals` pending for this thread (or process), in the order `sigtimedwait` takes them.
    /// What is pending, the first `awaiting` waited for (a close's signal may come late: `BlockedIOSignals.takeAll`).
    static func takeAll(_ signals: [CInt] = signals, awaiting: Int = 0) -> [Taken] {
        BlockedIOSignals.takeAll(signals, awaiting: awaiting).map { Taken(signal: $0.signal, code: $0.code, band: $0.band, descriptor: $0.descriptor) }
    }

    /// Runs `body` on this thread with `signals` blocked and a pipe whose ends this thread owns (`F_OWNER_TID`) but
    /// with no `O_ASYNC`; takes whatever is left before unblocking, and holds off spawns so no child shares the ends.
    func withOwnedPipe(_ body: (FileDescriptor, FileDescriptor) throws -> Void) throws {
        try BlockedIOSignals.withBlocked(Self.blocked) {
            try withOwnedEnds(body)
        }
    }

    /// The pipe, its ends owned by this thread, spawns held off.
    private func withOwnedEnds(_ body: (FileDescriptor, FileDescriptor) throws -> Void) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            defer { for end in [readEnd, writeEnd] { try? Syscall.close(end) } }
            for end in [readEnd, writeEnd] { try Syscall.setOwnerEx(end, type: 0, id: OSThread.currentID) }
            try body(readEnd, writeEnd)
        }
    }

    func setAsync(_ descriptor: FileDescriptor, _ on: Bool) throws {
        try KernelPipe.setFlags(descriptor, nonblocking: true, direct: nil, async: on)
    }

    @discardableResult func write(_ descriptor: FileDescriptor, _ count: Int) -> Int {
        let bytes = [UInt8](repeating: 7, count: count)
        return bytes.withUnsafeBytes { Glibc.write(descriptor.rawValue, $0.baseAddress, count) }
    }

    @discardableResult func read(_ descriptor: FileDescriptor, _ count: Int) -> Int {
        var bytes = [UInt8](repeating: 0, count: max(count, 1))
        return bytes.withUnsafeMutableBytes { Glibc.read(descriptor.rawValue, $0.baseAddress, count) }
    }

    /// `O_ASYNC` is the description's: `F_GETFL` reports it through a `dup`, not through the other end; `F_SETFL`
    /// without it clears it; `FIOASYNC` sets and clears it as well.
    @Test func asyncBelongsToTheDescription() throws {
        try withOwnedPipe { readEnd, writeEnd in
            #expect(try !KernelPipe.isAsync(readEnd))
            try setAsync(readEnd, true)
            let copy = try Syscall.duplicate(readEnd, minimum: 0)
            defer { try? Syscall.close(copy) }
            #expect(try KernelPipe.isAsync(copy) && !KernelPipe.isAsync(writeEnd))
            try Syscall.setStatusFlags(copy, O_NONBLOCK)
            #expect(try !KernelPipe.isAsync(readEnd))
            try Syscall.setAsyncByIoctl(writeEnd, true)
            #expect(try KernelPipe.isAsync(writeEnd))
            try Syscall.setAsyncByIoctl(writeEnd, false)
            #expect(try !KernelPipe.isAsync(writeEnd))
        }
    }

    /// A write of at least one byte signals the owner of the read end's `O_ASYNC` description: with `F_SETSIG` 0 a
    /// plain `SIGIO` (`SI_KERNEL`, band 0, fd 0), which a second write does not queue again while it is pending. Nothing
    /// without an owner, nothing for data already there when the owner or `O_ASYNC` is set, nothing for a write of 0
    /// bytes, nothing for a read while only the read end has `O_ASYNC`.
    @Test func aWriteSignalsTheReadEndsOwner() throws {
        try withOwnedPipe { readEnd, writeEnd in
            try Syscall.setOwnerEx(readEnd, type: 0, id: 0)
            try setAsync(readEnd, true)
            write(writeEnd, 1)
            #expect(Self.takeAll().isEmpty)  // no owner
            try Syscall.setOwnerEx(readEnd, type: 0, id: OSThread.currentID)
            #expect(Self.takeAll().isEmpty)  // the byte already there sends nothing
            write(writeEnd, 1)
            write(writeEnd, 1)
            #expect(Self.takeAll() == [Taken(signal: Self.io, code: 0x80, band: 0, descriptor: 0)])
            write(writeEnd, 0)
            read(readEnd, 2)
            #expect(Self.takeAll().isEmpty)
        }
    }

    /// With `F_SETSIG` the signal carries `POLL_IN` (1), band `POLLIN|POLLRDNORM` (0x41) and the read end's number;
    /// `F_SETSIG(SIGIO)` too. A standard signal is queued once while pending (two writes, one `SIGUSR1`); a real-time
    /// one once per write; `SIGCHLD`, which has codes of its own, carries `SI_SIGIO` (-5).
    @Test func theSignalOfFSetsigCarriesTheEvent() throws {
        try withOwnedPipe { readEnd, writeEnd in
            try setAsync(readEnd, true)
            let fd = readEnd.rawValue
            try Syscall.setIOSignal(readEnd, Self.io)
            write(writeEnd, 1)
            #expect(Self.takeAll() == [Taken(signal: Self.io, code: 1, band: 0x41, descriptor: fd)])
            try Syscall.setIOSignal(readEnd, Self.user)
            write(writeEnd, 1)
            write(writeEnd, 1)
            #expect(Self.takeAll() == [Taken(signal: Self.user, code: 1, band: 0x41, descriptor: fd)])
            try Syscall.setIOSignal(readEnd, Self.realtime)
            write(writeEnd, 1)
            write(writeEnd, 1)
            #expect(Self.takeAll() == Array(repeating: Taken(signal: Self.realtime, code: 1, band: 0x41, descriptor: fd), count: 2))
            try Syscall.setIOSignal(readEnd, Self.child)
            write(writeEnd, 1)
            // The thread's own signal is taken before any the process may hold from a child's exit.
            #expect(Self.takeAll([Self.child]).first == Taken(signal: Self.child, code: -5, band: 0x41, descriptor: fd))
        }
    }

    /// Two read-end descriptions with `O_ASYNC` (the second opened through `/proc/self/fd`), one sending a plain `SIGIO`
    /// and one `F_SETSIG(SIGIO)`: a write signals both, and the pending `SIGIO` carries the siginfo of the description
    /// whose `O_ASYNC` was turned on *last* — the kernel's fasync list is newest first (`fasync_insert_entry`), and
    /// setting `O_ASYNC` again while it is on does not move a description. A random agreement sequence found the
    /// model signalling them in a sorted order instead.
    @Test(arguments: [false, true])
    func theDescriptionEnabledLastIsSignalledFirst(plainFirst: Bool) throws {
        try withOwnedPipe { readEnd, writeEnd in
            let other = FileDescriptor(rawValue: Glibc.open("/proc/self/fd/\(readEnd.rawValue)", O_RDONLY | O_NONBLOCK | O_CLOEXEC))
            #expect(other.rawValue >= 0)
            defer { try? Syscall.close(other) }
            try Syscall.setOwnerEx(other, type: 0, id: OSThread.currentID)
            try Syscall.setIOSignal(other, Self.io)
            let (first, last) = plainFirst ? (readEnd, other) : (other, readEnd)
            try setAsync(first, true)
            try setAsync(last, true)
            try setAsync(first, true)  // already on: stays where it is
            write(writeEnd, 1)
            let expected = plainFirst
                ? Taken(signal: Self.io, code: 1, band: 0x41, descriptor: other.rawValue)
                : Taken(signal: Self.io, code: 0x80, band: 0, descriptor: 0)
            #expect(Self.takeAll() == [expected])
        }
    }

    /// A read of at least one byte signals the write end's owner with `POLL_OUT` (2), band
    /// `POLLOUT|POLLWRNORM|POLLWRBAND` (0x304) — a read that fails `EAGAIN` as well; a write does not signal it.
    @Test func aReadSignalsTheWriteEndsOwner() throws {
        try withOwnedPipe { readEnd, writeEnd in
            try setAsync(writeEnd, true)
            try Syscall.setIOSignal(writeEnd, Self.realtime + 1)
            let out = Taken(signal: Self.realtime + 1, code: 2, band: 0x304, descriptor: writeEnd.rawValue)
            write(writeEnd, 3)
            #expect(Self.takeAll().isEmpty)
            read(readEnd, 1)
            #expect(Self.takeAll() == [out])
            read(readEnd, 0)
            #expect(Self.takeAll().isEmpty)
            read(readEnd, 10)
            #expect(read(readEnd, 10) == -1 && errno == EAGAIN)
            #expect(Self.takeAll() == [out, out])
        }
    }

    /// A blocking write that finds room (so never sleeps) signals once, as a nonblocking one: LTP's `fcntl31` case.
    @Test func aBlockingWriteWithRoomSignalsOnce() throws {
        try withOwnedPipe { readEnd, writeEnd in
            try setAsync(readEnd, true)
            try Syscall.setIOSignal(readEnd, Self.realtime)
            try KernelPipe.setFlags(writeEnd, nonblocking: false, direct: nil)
            #expect(write(writeEnd, 1) == 1 && write(writeEnd, 4096) == 4096)
            #expect(Self.takeAll() == Array(repeating: Taken(signal: Self.realtime, code: 1, band: 0x41, descriptor: readEnd.rawValue), count: 2))
        }
    }

    /// A nonblocking write that fails `EAGAIN` on a full pipe still signals `POLL_IN`: filling 16 pages is 16
    /// signals, the refused write one more.
    @Test func aRefusedWriteStillSignals() throws {
        try withOwnedPipe { readEnd, writeEnd in
            try setAsync(readEnd, true)
            try Syscall.setIOSignal(readEnd, Self.realtime)
            var pages = 0
            while write(writeEnd, 4096) == 4096 { pages += 1 }
            #expect(pages == 16 && errno == EAGAIN)
            #expect(Self.takeAll().count == 17)
            #expect(write(writeEnd, 1) == -1 && errno == EAGAIN)
            #expect(Self.takeAll() == [Taken(signal: Self.realtime, code: 1, band: 0x41, descriptor: readEnd.rawValue)])
        }
    }

    /// `si_fd` is the number `O_ASYNC` was turned on through: `F_SETFL` through a `dup` while it is on changes nothing;
    /// off and on again through the `dup` makes it the `dup`'s number, which stays after the `dup` is closed.
    @Test func theDescriptorIsTheOneAsyncWasTurnedOnThrough() throws {
        try withOwnedPipe { readEnd, writeEnd in
            try setAsync(readEnd, true)
            try Syscall.setIOSignal(readEnd, Self.realtime)
            let copy = try Syscall.duplicate(readEnd, minimum: 0)
            try setAsync(copy, true)
            write(writeEnd, 1)
            #expect(Self.takeAll().map(\.descriptor) == [readEnd.rawValue])
            try setAsync(copy, false)
            try setAsync(copy, true)
            write(writeEnd, 1)
            #expect(Self.takeAll().map(\.descriptor) == [copy.rawValue])
            try Syscall.close(copy)
            write(writeEnd, 1)
            #expect(Self.takeAll().map(\.descriptor) == [copy.rawValue])
        }
    }

    /// The release of the last description of one end signals the other end's owner: the last writer's `POLL_IN`, the
    /// last reader's `POLL_OUT`, and with no reader left another writer's release `POLL_OUT` to the writer still open;
    /// closing one of two descriptors of a description sends nothing.
    @Test func theLastCloseOfAnEndSignalsTheOther() throws {
        try withOwnedPipe { readEnd, writeEnd in
            try setAsync(readEnd, true)
            try Syscall.setIOSignal(readEnd, Self.realtime)
            let copy = try Syscall.duplicate(writeEnd, minimum: 0)
            try Syscall.close(copy)
            #expect(Self.takeAll().isEmpty)
            let (otherRead, otherWrite) = try Syscall.pipe(flags: O_CLOEXEC)
            defer { try? Syscall.close(otherWrite) }
            try Syscall.setOwnerEx(otherWrite, type: 0, id: OSThread.currentID)
            try KernelPipe.setFlags(otherWrite, nonblocking: false, direct: nil, async: true)
            try Syscall.setIOSignal(otherWrite, Self.realtime + 1)
            try Syscall.close(otherRead)
            #expect(Self.takeAll(awaiting: 1) == [Taken(signal: Self.realtime + 1, code: 2, band: 0x304, descriptor: otherWrite.rawValue)])
            // The write end of the first pipe is closed by withOwnedPipe; close a duplicate's original here instead.
            let (thirdRead, thirdWrite) = try Syscall.pipe(flags: O_CLOEXEC)
            defer { try? Syscall.close(thirdRead) }
            try Syscall.setOwnerEx(thirdRead, type: 0, id: OSThread.currentID)
            try KernelPipe.setFlags(thirdRead, nonblocking: false, direct: nil, async: true)
            try Syscall.setIOSignal(thirdRead, Self.realtime)
            try Syscall.close(thirdWrite)
            #expect(Self.takeAll(awaiting: 1) == [Taken(signal: Self.realtime, code: 1, band: 0x41, descriptor: thirdRead.rawValue)])
            // With no reader left, a writer's close that leaves another writer signals that one's owner (POLL_OUT).
            let (fourthRead, fourthWrite) = try Syscall.pipe(flags: O_CLOEXEC)
            let otherWriter = try KernelPipe.openEnd(fourthWrite, forWriting: true)
            defer { try? Syscall.close(otherWriter) }
            try Syscall.close(fourthRead)
            try Syscall.setOwnerEx(otherWriter, type: 0, id: OSThread.currentID)
            try KernelPipe.setFlags(otherWriter, nonblocking: false, direct: nil, async: true)
            try Syscall.close(fourthWrite)
            #expect(Self.takeAll(awaiting: 1).map { [$0.signal, $0.code] } == [[Self.io, 0x80]])
        }
    }

    /// `sigtimedwait` takes a synchronous signal (`SIGSEGV`) first, then the lowest-numbered: after writes signalling
    /// `SIGUSR1`, plain `SIGIO`, `SIGRTMIN` and `SIGSEGV` in that order, they come back `SIGSEGV`, `SIGUSR1`, `SIGIO`,
    /// `SIGRTMIN`.
    @Test func theLowestSignalIsTakenFirst() throws {
        try withOwnedPipe { readEnd, writeEnd in
            try setAsync(readEnd, true)
            for signal in [Self.user, 0, Self.realtime, Self.segv] {
                try Syscall.setIOSignal(readEnd, signal)
                write(writeEnd, 1)
            }
            #expect(Self.takeAll().map(\.signal) == [Self.segv, Self.user, Self.io, Self.realtime])
        }
    }

    /// An owner that is a process (`F_SETOWN` of a pid), in a forked child with one thread: the plain `SIGIO` goes to
    /// the process, queued once; a thread owner's (`F_OWNER_TID`) signal is taken before the process's even when its
    /// number is higher (`SIGRTMIN + 1` before `SIGRTMIN`).
    @Test func aProcessOwnerAndAThreadOwner() throws {
        let realtime = Self.realtime
        // The child makes only C calls (ipc_child_async_process_and_thread_owner): forked from a threaded process, it
        // must not enter the Swift runtime.
        try SystemVTimesFactsTests.inChild({ ipc_child_async_process_and_thread_owner(realtime) == 1 }) { measured in
            #expect(measured)
        }
    }
}
