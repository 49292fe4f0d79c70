import CIPCShims
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `epoll_create1`, `epoll_ctl` and `epoll_wait` on a pipe's ends, measured on this kernel (`fs/eventpoll.c` and
/// `pipe_poll` of Linux 6.18; LTP's epoll_create*, epoll_ctl0* and epoll_wait0* are the checklist). The pipes are made
/// `O_NONBLOCK` and read and written with plain `read`/`write`, so that nothing else (a reopened description, a
/// sleeping call) wakes the pipe's wait queues while a test counts reports. Every `epoll_wait` here has a zero
/// timeout, except the one a signal interrupts.
@Suite struct KernelEpollFactsTests {
    typealias Events = KernelEpoll.Events

    /// A pipe (both ends `O_NONBLOCK | O_CLOEXEC`) and an epoll instance; each descriptor is closed once (by the test
    /// or at the end), never twice: another test's thread may have been given the number meanwhile.
    final class Fixture {
        let instance: CInt, readEnd: CInt, writeEnd: CInt
        private var open: Set<CInt>

        init() throws {
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            self.readEnd = readEnd.rawValue
            self.writeEnd = writeEnd.rawValue
            do { instance = try KernelEpoll.create().rawValue } catch {
                Glibc.close(readEnd.rawValue)
                Glibc.close(writeEnd.rawValue)
                throw error
            }
            open = [instance, self.readEnd, self.writeEnd]
        }

        /// Closed with forks held off: a child another test forked (`factsInChild`, under the same lock, reaped before
        /// it is let go) would hold a copy, and the hang-up or error a test expects would not come.
        func close(_ descriptor: CInt) {
            if open.remove(descriptor) != nil { Syscall.withoutConcurrentSpawns { _ = Glibc.close(descriptor) } }
        }

        deinit { for descriptor in open { Glibc.close(descriptor) } }
    }

    func withPipe(_ body: (Fixture) throws -> Void) throws {
        Syscall.ignoreBrokenPipeSignal()
        try body(try Fixture())
    }

    func write(_ descriptor: CInt, _ count: Int) -> Int {
        let bytes = [UInt8](repeating: 7, count: count)
        return bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, count) }
    }

    func read(_ descriptor: CInt, _ count: Int) -> Int {
        var bytes = [UInt8](repeating: 0, count: count)
        return bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, count) }
    }

    /// What a zero-timeout `epoll_wait` reports: (descriptor, bits) pairs.
    func reported(_ instance: CInt, maxEvents: Int = 16) throws -> [KernelEpoll.Event] {
        try KernelEpoll.wait(instance, maxEvents: maxEvents, timeoutMilliseconds: 0)
    }

    func event(_ descriptor: CInt, _ events: Events) -> KernelEpoll.Event { .init(descriptor: descriptor, events: events) }

    func failure(_ body: () throws(Errno) -> Void) -> Errno? {
        do throws(Errno) { try body(); return nil } catch { return error }
    }

    // MARK: epoll_create1, epoll_create

    /// Only `EPOLL_CLOEXEC` is a flag; any other bit (`O_NONBLOCK` too) is `EINVAL`. `epoll_create`'s size must be
    /// positive and is otherwise ignored. The descriptor's `FD_CLOEXEC` is what was asked.
    @Test func epollCreate1TakesOnlyEPOLL_CLOEXEC() throws {
        for flags: CInt in [0, KernelEpoll.closeOnExec] {
            let instance = try KernelEpoll.create(flags: flags)
            #expect(fcntl(instance.rawValue, F_GETFD) == (flags == 0 ? 0 : FD_CLOEXEC))
            try Syscall.close(instance)
        }
        for flags: CInt in [1, O_NONBLOCK, KernelEpoll.closeOnExec | 1, -1] {
            #expect(failure { () throws(Errno) in _ = try KernelEpoll.create(flags: flags) } == .invalidArgument)
        }
        for size: CInt in [0, -1] {
            #expect(failure { () throws(Errno) in _ = try KernelEpoll.create(size: size) } == .invalidArgument)
        }
        try Syscall.close(try KernelEpoll.create(size: 1))
    }

    // MARK: epoll_ctl

    /// ADD twice is `EEXIST`; MOD or DEL of an end not registered `ENOENT`; DEL takes a null event. The instance
    /// itself as the target, an unknown op, or a non-epoll descriptor as the instance is `EINVAL`; a closed number
    /// in either place `EBADF` — and `EBADF` comes first: an unknown op on a closed descriptor is `EBADF`, on an open
    /// one `EINVAL` whether registered or not.
    @Test func epollCtlErrorsInTheKernelsOrder() throws {
        try withPipe { fixture in
            let (instance, readEnd, writeEnd) = (fixture.instance, fixture.readEnd, fixture.writeEnd)
            let add = KernelEpoll.add, modify = KernelEpoll.modify, delete = KernelEpoll.delete
            func ctl(_ epfd: CInt, _ op: CInt, _ fd: CInt, _ events: Events = .input, withEvent: Bool = true) -> Errno? {
                failure { () throws(Errno) in try KernelEpoll.control(epfd, op, fd, events: events, withEvent: withEvent) }
            }
            #expect(ctl(instance, modify, readEnd) == .noSuchFileOrDirectory)
            #expect(ctl(instance, delete, readEnd) == .noSuchFileOrDirectory)
            #expect(ctl(instance, add, readEnd) == nil)
            #expect(ctl(instance, add, readEnd, .output) == .fileExists)
            #expect(ctl(instance, modify, readEnd, .output) == nil)
            #expect(ctl(instance, 99, readEnd) == .invalidArgument)
            #expect(ctl(instance, 99, writeEnd) == .invalidArgument)
            #expect(ctl(instance, add, instance) == .invalidArgument)
            #expect(ctl(readEnd, add, writeEnd) == .invalidArgument)  // a pipe is no epoll instance
            #expect(ctl(instance, delete, readEnd, withEvent: false) == nil)
            #expect(ctl(instance, delete, readEnd) == .noSuchFileOrDirectory)
            let number: CInt = 1019
            try #require(fcntl(number, F_GETFD) == -1 && errno == EBADF)
            #expect(ctl(instance, add, number) == .badFileDescriptor)
            #expect(ctl(number, add, readEnd) == .badFileDescriptor)
            #expect(ctl(instance, 99, number) == .badFileDescriptor)
            #expect(ctl(number, 99, number) == .badFileDescriptor)
        }
    }

    /// A regular file cannot be polled: `EPERM` (LTP epoll_ctl02). `EPOLLEXCLUSIVE` may only be added, with no
    /// `EPOLLONESHOT`: MOD of an exclusive registration, or ADD of exclusive with oneshot, is `EINVAL`.
    @Test func aRegularFileIsEPERMAndEPOLLEXCLUSIVEOnlyAdds() throws {
        try withPipe { fixture in
            let (instance, readEnd) = (fixture.instance, fixture.readEnd)
            let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-epoll"
            let file = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
            try #require(file >= 0)
            defer { close(file); unlink(path) }
            #expect(failure { () throws(Errno) in try KernelEpoll.control(instance, KernelEpoll.add, file, events: .input) } == .notPermitted)
            #expect(failure { () throws(Errno) in try KernelEpoll.control(instance, KernelEpoll.add, readEnd, events: [.input, .exclusive, .oneShot]) } == .invalidArgument)
            try KernelEpoll.control(instance, KernelEpoll.add, readEnd, events: [.input, .exclusive])
            #expect(failure { () throws(Errno) in try KernelEpoll.control(instance, KernelEpoll.modify, readEnd, events: .input) } == .invalidArgument)
        }
    }

    // MARK: epoll_wait

    /// `maxevents` of 0 or less is `EINVAL`, checked after the descriptor (a closed one is `EBADF` with `maxevents` 0
    /// too); a pipe as the instance is `EINVAL`. With more ready than `maxevents`, one call
    /// reports `maxevents` of them.
    @Test func epollWaitErrorsAndMaxEvents() throws {
        try withPipe { fixture in
            let (instance, readEnd, writeEnd) = (fixture.instance, fixture.readEnd, fixture.writeEnd)
            for maxEvents in [0, -1] {
                #expect(failure { () throws(Errno) in _ = try KernelEpoll.wait(instance, maxEvents: maxEvents, timeoutMilliseconds: 0) } == .invalidArgument)
            }
            let number: CInt = 1018
            try #require(fcntl(number, F_GETFD) == -1 && errno == EBADF)
            #expect(failure { () throws(Errno) in _ = try KernelEpoll.wait(number, maxEvents: 0, timeoutMilliseconds: 0) } == .badFileDescriptor)
            #expect(failure { () throws(Errno) in _ = try KernelEpoll.wait(number, maxEvents: 1, timeoutMilliseconds: 0) } == .badFileDescriptor)
            #expect(failure { () throws(Errno) in _ = try KernelEpoll.wait(readEnd, maxEvents: 1, timeoutMilliseconds: 0) } == .invalidArgument)
            // Nothing registered, or nothing ready: 0 with a zero timeout and with a short positive one.
            #expect(try reported(instance).isEmpty)
            #expect(try KernelEpoll.wait(instance, timeoutMilliseconds: 1).isEmpty)
            try KernelEpoll.control(instance, KernelEpoll.add, readEnd, events: .input)
            try KernelEpoll.control(instance, KernelEpoll.add, writeEnd, events: .output)
            #expect(try KernelEpoll.wait(instance, timeoutMilliseconds: 1) == [event(writeEnd, .output)])
            #expect(write(writeEnd, 1) == 1)
            #expect(try reported(instance, maxEvents: 1).count == 1)
            #expect(Set(try reported(instance)) == [event(readEnd, .input), event(writeEnd, .output)])
        }
    }

    // MARK: level-triggered readiness

    /// Level-triggered: every wait reports the pipe's poll mask for the registered events, plus `EPOLLHUP` and
    /// `EPOLLERR` whether registered or not (a registration of no events still reports them); `EPOLLRDNORM` is not
    /// reported unless asked for.
    @Test func levelTriggeredReportsThePollMaskEveryTime() throws {
        try withPipe { fixture in
            let (instance, readEnd, writeEnd) = (fixture.instance, fixture.readEnd, fixture.writeEnd)
            try KernelEpoll.control(instance, KernelEpoll.add, readEnd, events: .input)
            #expect(try reported(instance).isEmpty)
            #expect(write(writeEnd, 3) == 3)
            #expect(try reported(instance) == [event(readEnd, .input)])
            #expect(try reported(instance) == [event(readEnd, .input)])
            #expect(read(readEnd, 1) == 1)
            #expect(try reported(instance) == [event(readEnd, .input)])
            #expect(read(readEnd, 2) == 2)
            #expect(try reported(instance).isEmpty)
            try KernelEpoll.control(instance, KernelEpoll.modify, readEnd, events: .output)  // OUT is never a read end's
            #expect(write(writeEnd, 1) == 1)
            #expect(try reported(instance).isEmpty)
            try KernelEpoll.control(instance, KernelEpoll.modify, readEnd, events: [])
            fixture.close(writeEnd)
            #expect(try reported(instance) == [event(readEnd, .hangUp)])
            try KernelEpoll.control(instance, KernelEpoll.modify, readEnd, events: .input)
            #expect(try reported(instance) == [event(readEnd, [.input, .hangUp])])
        }
        try withPipe { fixture in
            let (instance, readEnd, writeEnd) = (fixture.instance, fixture.readEnd, fixture.writeEnd)
            try KernelEpoll.control(instance, KernelEpoll.add, writeEnd, events: [.output, .input])
            #expect(try reported(instance) == [event(writeEnd, .output)])
            try Syscall.setPipeSize(FileDescriptor(rawValue: writeEnd), 4096)
            #expect(write(writeEnd, 1) == 1)
            #expect(try reported(instance).isEmpty)  // the one slot is taken
            fixture.close(readEnd)
            #expect(try reported(instance) == [event(writeEnd, .error)])
            try KernelEpoll.control(instance, KernelEpoll.modify, writeEnd, events: [])
            #expect(try reported(instance) == [event(writeEnd, .error)])
        }
    }

    // MARK: EPOLLET

    /// Edge-triggered on the read end: a report once ready at ADD or MOD, then once after each write (every
    /// write, not only one into an empty pipe: the pipe has been polled, so each wakes the readers — even one that
    /// finds the pipe full and fails `EAGAIN`; a write of 0 bytes returns before that), and after the
    /// last writer's close; a read that leaves bytes, and another wait with nothing new, report nothing.
    @Test func edgeTriggeredReadEndReportsEachWriteOnce() throws {
        try withPipe { fixture in
            let (instance, readEnd, writeEnd) = (fixture.instance, fixture.readEnd, fixture.writeEnd)
            try KernelEpoll.control(instance, KernelEpoll.add, readEnd, events: [.input, .edgeTriggered])
            #expect(try reported(instance).isEmpty)
            #expect(write(writeEnd, 2) == 2)
            #expect(try reported(instance) == [event(readEnd, .input)])
            #expect(try reported(instance).isEmpty)
            #expect(write(writeEnd, 2) == 2)
            #expect(write(writeEnd, 2) == 2)
            #expect(try reported(instance) == [event(readEnd, .input)])  // two writes, one report
            #expect(try reported(instance).isEmpty)
            #expect(read(readEnd, 1) == 1)
            #expect(try reported(instance).isEmpty)  // bytes left, nothing new
            try KernelEpoll.control(instance, KernelEpoll.modify, readEnd, events: [.input, .edgeTriggered])
            #expect(try reported(instance) == [event(readEnd, .input)])  // MOD re-arms what is ready now
            #expect(try reported(instance).isEmpty)
            #expect(read(readEnd, 5) == 5)
            #expect(try reported(instance).isEmpty)
            fixture.close(writeEnd)
            #expect(try reported(instance) == [event(readEnd, .hangUp)])
            #expect(try reported(instance).isEmpty)
        }
        // Ready when added: one report.
        try withPipe { fixture in
            let (instance, readEnd, writeEnd) = (fixture.instance, fixture.readEnd, fixture.writeEnd)
            #expect(write(writeEnd, 1) == 1)
            try KernelEpoll.control(instance, KernelEpoll.add, readEnd, events: [.input, .edgeTriggered])
            #expect(try reported(instance) == [event(readEnd, .input)])
            #expect(try reported(instance).isEmpty)
            // A write of nothing changes nothing.
            #expect(write(writeEnd, 0) == 0)
            #expect(try reported(instance).isEmpty)
            // A write that finds the pipe full writes nothing (EAGAIN), yet wakes the readers: a report.
            try Syscall.setPipeSize(FileDescriptor(rawValue: writeEnd), 4096)
            #expect(write(writeEnd, 4095) == 4095)
            #expect(try reported(instance) == [event(readEnd, .input)])
            #expect(write(writeEnd, 2) == -1 && errno == EAGAIN)
            #expect(try reported(instance) == [event(readEnd, .input)])
            #expect(try reported(instance).isEmpty)
        }
    }

    /// Edge-triggered on the write end: one report once writable at ADD; writes do not report again (they wake the
    /// readers' queue with `EPOLLIN`, which the registration did not ask for); a read reports again only when the
    /// pipe was full before it; the last reader's close reports `EPOLLERR`, and so does, again, any later release of a
    /// writer's description while no reader is left (a `dup`'s close releases nothing: no report).
    @Test func edgeTriggeredWriteEndReportsWhenAFullPipeGainsRoom() throws {
        try withPipe { fixture in
            let (instance, readEnd, writeEnd) = (fixture.instance, fixture.readEnd, fixture.writeEnd)
            // A second writer's description of its own, opened while a reader is there (a nonblocking open for writing
            // without one is ENXIO), before the registration.
            let second = open("/proc/self/fd/\(writeEnd)", O_WRONLY | O_CLOEXEC | O_NONBLOCK)
            try #require(second >= 0)
            try KernelEpoll.control(instance, KernelEpoll.add, writeEnd, events: [.output, .edgeTriggered])
            #expect(try reported(instance) == [event(writeEnd, .output)])
            #expect(try reported(instance).isEmpty)
            #expect(write(writeEnd, 1) == 1)
            #expect(try reported(instance).isEmpty)
            #expect(read(readEnd, 1) == 1)  // not full before: nothing
            #expect(try reported(instance).isEmpty)
            for _ in 0..<16 { #expect(write(writeEnd, 4096) == 4096) }
            #expect(try reported(instance).isEmpty)
            #expect(read(readEnd, 4096) == 4096)  // full before: writable again
            #expect(try reported(instance) == [event(writeEnd, .output)])
            #expect(read(readEnd, 4096) == 4096)
            #expect(try reported(instance).isEmpty)
            fixture.close(readEnd)
            #expect(try reported(instance) == [event(writeEnd, [.output, .error])])
            #expect(try reported(instance).isEmpty)
            // With no reader left, another writer's close (not the last) wakes every registration again.
            let other = dup(writeEnd)
            try #require(other >= 0)
            #expect(try reported(instance).isEmpty)  // a dup is no news
            close(other)  // one of two descriptors of the description: nothing released
            #expect(try reported(instance).isEmpty)
            close(second)  // a description of its own, released with a writer left and no reader
            #expect(try reported(instance) == [event(writeEnd, [.output, .error])])
        }
    }

    // MARK: EPOLLONESHOT

    /// One report, then the registration is disabled — not reported again, level-triggered or not, whatever comes —
    /// until MOD re-arms it; it stays registered (ADD is `EEXIST`, DEL succeeds).
    @Test func oneShotReportsOnceUntilModified() throws {
        try withPipe { fixture in
            let (instance, readEnd, writeEnd) = (fixture.instance, fixture.readEnd, fixture.writeEnd)
            try KernelEpoll.control(instance, KernelEpoll.add, readEnd, events: [.input, .oneShot])
            #expect(write(writeEnd, 1) == 1)
            #expect(try reported(instance) == [event(readEnd, .input)])
            #expect(try reported(instance).isEmpty)
            #expect(write(writeEnd, 1) == 1)
            #expect(try reported(instance).isEmpty)
            #expect(failure { () throws(Errno) in try KernelEpoll.control(instance, KernelEpoll.add, readEnd, events: .input) } == .fileExists)
            try KernelEpoll.control(instance, KernelEpoll.modify, readEnd, events: [.input, .oneShot])
            #expect(try reported(instance) == [event(readEnd, .input)])
            #expect(try reported(instance).isEmpty)
            fixture.close(writeEnd)
            #expect(try reported(instance).isEmpty)  // even a hang-up
            try KernelEpoll.control(instance, KernelEpoll.modify, readEnd, events: .input)
            #expect(try reported(instance) == [event(readEnd, [.input, .hangUp])])
            try KernelEpoll.control(instance, KernelEpoll.delete, readEnd)
            #expect(try reported(instance).isEmpty)
        }
    }

    // MARK: closing a registered descriptor

    /// A registration belongs to the open file description and the number it was added with: closing that number
    /// while a `dup` keeps the description open leaves it registered and reported (with the old number as its data),
    /// yet the dup's number is not registered (DEL is `ENOENT`, ADD succeeds: then two registrations report). Closing
    /// the last descriptor of the description removes them all.
    @Test func aRegistrationOutlivesItsNumberWhileADupHoldsTheDescription() throws {
        try withPipe { fixture in
            let (instance, readEnd, writeEnd) = (fixture.instance, fixture.readEnd, fixture.writeEnd)
            try KernelEpoll.control(instance, KernelEpoll.add, readEnd, events: .input)
            let copy = dup(readEnd)
            try #require(copy >= 0)
            fixture.close(readEnd)
            #expect(write(writeEnd, 1) == 1)
            #expect(try reported(instance) == [event(readEnd, .input)])
            #expect(failure { () throws(Errno) in try KernelEpoll.control(instance, KernelEpoll.delete, copy) } == .noSuchFileOrDirectory)
            try KernelEpoll.control(instance, KernelEpoll.add, copy, events: .input)
            #expect(Set(try reported(instance)) == [event(readEnd, .input), event(copy, .input)])
            close(copy)
            #expect(try reported(instance).isEmpty)
        }
        // Without a dup, closing the number removes the registration.
        try withPipe { fixture in
            let instance = fixture.instance
            let (otherRead, otherWrite) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            defer { try? Syscall.close(otherRead) }
            try KernelEpoll.control(instance, KernelEpoll.add, otherWrite.rawValue, events: .output)
            #expect(try reported(instance) == [event(otherWrite.rawValue, .output)])
            try Syscall.close(otherWrite)
            #expect(try reported(instance).isEmpty)
        }
    }
}

/// `epoll_wait` asleep on an empty pipe: a handled signal ends it with `EINTR`, with or without `SA_RESTART` (signal(7):
/// never restarted), having changed nothing.
extension InterruptionFactsTests {
    @Test(arguments: [false, true])
    func epollWaitAsleepFailsEINTREvenWithSA_RESTART(restart: Bool) throws {
        let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
        let instance = try KernelEpoll.create()
        defer { try? Syscall.close(instance); try? Syscall.close(readEnd); try? Syscall.close(writeEnd) }
        try KernelEpoll.control(instance.rawValue, KernelEpoll.add, readEnd.rawValue, events: .input)
        let ending = try ending(restart: restart, of: { () throws(Errno) in
            _ = try KernelEpoll.wait(instance.rawValue, maxEvents: 1, timeoutMilliseconds: -1)
        }, release: { _ = try KernelPipe.write(writeEnd, [1], nonblocking: true) })
        #expect(ending == .interrupted)
        #expect(try Syscall.bytesReadable(readEnd) == 0)
    }
}
