import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `epoll_create`, `epoll_create1`, `epoll_pwait` and `epoll_pwait2`, measured on this kernel (`fs/eventpoll.c` of
/// Linux 6.18; LTP's epoll_create01/02, epoll_create1_01/02 and epoll_pwait01-05 are the checklist), on a pipe's read
/// end: what the shared epoll trace form (`Models/Support/EpollCalls.swift`) says of them. No wait here sleeps: every
/// timeout is zero or invalid, or something is ready.
@Suite struct EpollCreateAndPwaitFactsTests {
    static let closeOnExec = Int(ipc_epoll_cloexec())

    /// The errno of `make` (0: it made a descriptor, whose `FD_CLOEXEC` is `closeOnExec`, closed at once).
    static func creation(_ make: () throws(Errno) -> FileDescriptor) -> (errno: CInt, closeOnExec: Bool?) {
        do throws(Errno) {
            let made = try make()
            defer { try? Syscall.close(made) }
            return (0, try KernelEpoll.closeOnExec(made.rawValue))
        } catch {
            return (error.rawValue, nil)
        }
    }

    /// `epoll_create(size)`: `EINVAL` for a size ≤ 0, any positive size makes an instance, never `FD_CLOEXEC`.
    @Test func epollCreateTakesAnyPositiveSize() {
        for size: CInt in [0, -1, CInt.min] {
            #expect(Self.creation { () throws(Errno) in try KernelEpoll.create(size: size) }.errno == EINVAL, "size \(size)")
            #expect(Epoll.Creation.size(Int(size)).outcomes(free: nil) == [.failed(.EINVAL)])
        }
        for size: CInt in [1, 2, 1 << 30, CInt.max] {
            let made = Self.creation { () throws(Errno) in try KernelEpoll.create(size: size) }
            #expect(made.errno == 0 && made.closeOnExec == false, "size \(size)")
            #expect(Epoll.Creation.size(Int(size)).outcomes(free: 3) == [.created(closeOnExec: false)])
        }
    }

    /// `epoll_create1(flags)`: 0 or `EPOLL_CLOEXEC` (0x80000, which sets `FD_CLOEXEC` on the new descriptor); every
    /// other bit of the 32 `EINVAL` (`O_NONBLOCK` too), with `EPOLL_CLOEXEC` beside it as well.
    @Test func epollCreate1TakesEpollCloexecOnly() {
        #expect(Self.closeOnExec == Epoll.Creation.closeOnExec)
        let plain = Self.creation { () throws(Errno) in try KernelEpoll.create(flags: 0) }
        #expect(plain.errno == 0 && plain.closeOnExec == false)
        let cloexec = Self.creation { () throws(Errno) in try KernelEpoll.create(flags: CInt(Self.closeOnExec)) }
        #expect(cloexec.errno == 0 && cloexec.closeOnExec == true)
        #expect(Epoll.Creation.flags(0).outcomes(free: 1) == [.created(closeOnExec: false)])
        #expect(Epoll.Creation.flags(Self.closeOnExec).outcomes(free: 1) == [.created(closeOnExec: true)])
        for bit in 0..<32 where 1 << bit != Self.closeOnExec {
            let flags = CInt(truncatingIfNeeded: 1 << bit)
            #expect(Self.creation { () throws(Errno) in try KernelEpoll.create(flags: flags) }.errno == EINVAL, "bit \(bit)")
            #expect(Self.creation { () throws(Errno) in try KernelEpoll.create(flags: flags | CInt(Self.closeOnExec)) }.errno == EINVAL, "bit \(bit)")
            #expect(Epoll.Creation.flags(Int(flags)).outcomes(free: nil) == [.failed(.EINVAL)])
        }
        #expect(Self.creation { () throws(Errno) in try KernelEpoll.create(flags: -1) }.errno == EINVAL)
    }

    /// With the table full (in a child: the limit is the whole process's), `epoll_create(1)` and `epoll_create1(0)`
    /// fail `EMFILE`; `epoll_create(0)` and `epoll_create1(1)` still `EINVAL`: the arguments are checked first.
    @Test func withAFullTableCreationFailsEMFILEAfterTheArguments() async {
        await #expect(processExitsWith: .exitCode(0)) {
            var taken = DescriptorExhaustion.fillTable()
            let checks: [(CInt, () -> CInt)] = [
                (EMFILE, { ipc_epoll_create(1) }), (EINVAL, { ipc_epoll_create(0) }),
                (EMFILE, { ipc_epoll_create1(0) }), (EMFILE, { ipc_epoll_create1(ipc_epoll_cloexec()) }), (EINVAL, { ipc_epoll_create1(1) }),
            ]
            for (index, (expected, make)) in checks.enumerated() {
                let held = DescriptorExhaustion.holdsWithFullTable(&taken) { _ in
                    errno = 0
                    let made = make()
                    if made >= 0 { close(made) }
                    return made < 0 && errno == expected
                }
                guard held else { exit(Int32(20 + index)) }
            }
            exit(0)
        }
        #expect(Epoll.Creation.size(1).outcomes(free: 0) == [.failed(ErrorCode("EMFILE"))])
        #expect(Epoll.Creation.size(0).outcomes(free: 0) == [.failed(.EINVAL)])
        #expect(Epoll.Creation.flags(1).outcomes(free: 0) == [.failed(.EINVAL)])
    }

    /// A pipe whose read end is registered for `EPOLLIN` on a fresh instance; `body` gets (instance, write end).
    func withRegisteredPipe(_ body: (CInt, CInt) throws -> Void) throws {
        let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
        defer {
            try? Syscall.close(readEnd)
            try? Syscall.close(writeEnd)
        }
        let instance = try KernelEpoll.create()
        defer { try? Syscall.close(instance) }
        try KernelEpoll.control(instance.rawValue, KernelEpoll.add, readEnd.rawValue, events: .input)
        try body(instance.rawValue, writeEnd.rawValue)
    }

    func failure(_ call: () throws(Errno) -> [KernelEpoll.Event]) -> CInt {
        do throws(Errno) { _ = try call(); return 0 } catch { return error.rawValue }
    }

    /// `epoll_pwait` gives what `epoll_wait` gives, with a mask or a null one: `maxevents` ≤ 0 `EINVAL`, nothing
    /// ready 0 at once with timeout 0, the readable end once bytes are there, at most `maxevents`.
    @Test func epollPwaitIsEpollWait() throws {
        try withRegisteredPipe { instance, writeEnd in
            for signals: [CInt]? in [nil, [SIGUSR1], [SIGUSR1, SIGINT, SIGKILL]] {
                for maxEvents in [0, -1] {
                    #expect(failure { () throws(Errno) in try KernelEpoll.pwait(instance, maxEvents: maxEvents, timeoutMilliseconds: 0, signals: signals) } == EINVAL)
                }
                #expect(try KernelEpoll.pwait(instance, maxEvents: 16, timeoutMilliseconds: 0, signals: signals).isEmpty)
            }
            #expect(Glibc.write(writeEnd, "x", 1) == 1)
            for signals: [CInt]? in [nil, [SIGUSR1]] {
                let events = try KernelEpoll.pwait(instance, maxEvents: 1, timeoutMilliseconds: -1, signals: signals)
                #expect(events.map(\.events) == [.input])
                #expect(try KernelEpoll.wait(instance, maxEvents: 16, timeoutMilliseconds: 0).map(\.events) == [.input])
            }
        }
        #expect(Epoll.Call<PipeModel.End>.wait(maxEvents: 0, timeout: 0, form: .pwait(signals: [10])).waitRefusal == .EINVAL)
        #expect(Epoll.Call<PipeModel.End>.wait(maxEvents: 1, timeout: 0, form: .pwait(signals: nil)).waitRefusal == nil)
    }

    /// `epoll_pwait2`: a null timeout waits (here something is ready: it reports), a zero timespec returns at once; a
    /// timespec with `tv_nsec` ≥ 10^9 or < 0, or `tv_sec` < 0, fails `EINVAL` before anything — with something ready,
    /// with `maxevents` 0 (the same code), and even on a descriptor that is no instance (-1), where a valid timespec
    /// gives `EBADF` — and a bad descriptor's `EBADF` comes before `maxevents`' `EINVAL` (a surprise: the code reads
    /// `maxevents` first).
    @Test func epollPwait2ChecksItsTimespecFirst() throws {
        let invalid: [(seconds: Int, nanoseconds: Int)] = [(0, 1_000_000_000), (0, -1), (-1, 0), (-1, 999_999_999), (5, Int(Int32.max))]
        try withRegisteredPipe { instance, writeEnd in
            let nothing = try KernelEpoll.pwait2(instance, maxEvents: 16, timeout: (0, 0), signals: nil)
            let nothingMasked = try KernelEpoll.pwait2(instance, maxEvents: 16, timeout: (0, 0), signals: [SIGUSR1])
            #expect(nothing.isEmpty && nothingMasked.isEmpty)
            #expect(failure { () throws(Errno) in try KernelEpoll.pwait2(instance, maxEvents: 0, timeout: (0, 0), signals: nil) } == EINVAL)
            #expect(Glibc.write(writeEnd, "x", 1) == 1)
            for timeout in invalid {
                #expect(failure { () throws(Errno) in try KernelEpoll.pwait2(instance, maxEvents: 16, timeout: timeout, signals: nil) } == EINVAL, "\(timeout)")
                #expect(failure { () throws(Errno) in try KernelEpoll.pwait2(instance, maxEvents: 0, timeout: timeout, signals: nil) } == EINVAL, "\(timeout)")
                #expect(failure { () throws(Errno) in try KernelEpoll.pwait2(-1, maxEvents: 16, timeout: timeout, signals: nil) } == EINVAL, "\(timeout)")
            }
            #expect(failure { () throws(Errno) in try KernelEpoll.pwait2(-1, maxEvents: 16, timeout: (0, 0), signals: nil) } == EBADF)
            #expect(failure { () throws(Errno) in try KernelEpoll.pwait2(-1, maxEvents: 0, timeout: (0, 0), signals: nil) } == EBADF)
            let forever = try KernelEpoll.pwait2(instance, maxEvents: 16, timeout: nil, signals: nil)
            let atOnce = try KernelEpoll.pwait2(instance, maxEvents: 16, timeout: (0, 0), signals: [SIGUSR1])
            let almostASecond = try KernelEpoll.pwait2(instance, maxEvents: 16, timeout: (0, 999_999_999), signals: nil)
            for events in [forever, atOnce, almostASecond] { #expect(events.map(\.events) == [.input]) }
        }
        for timeout in invalid {
            let spec = Epoll.Timespec(seconds: timeout.seconds, nanoseconds: timeout.nanoseconds)
            #expect(!spec.isValid)
            #expect(Epoll.Call<PipeModel.End>.wait(maxEvents: 16, timeout: 0, form: .pwait2(timeout: spec, signals: nil)).waitRefusal == .EINVAL)
        }
        #expect(Epoll.Timespec(seconds: 0, nanoseconds: 0).milliseconds == 0)
        #expect(Epoll.Timespec(seconds: 0, nanoseconds: 1).milliseconds > 0)
    }
}
