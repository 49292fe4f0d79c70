import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// The epoll calls' errors that meet no registration, measured on this kernel (`do_epoll_ctl` and `do_epoll_wait` in
/// `fs/eventpoll.c` of Linux 6.18; man 2 epoll_ctl / epoll_wait and LTP's epoll_ctl02, epoll_wait02/03 and
/// epoll_pwait03 are the checklist): a target that cannot be polled (`EPERM`), a descriptor passed as the instance that
/// is not one (`EINVAL`), `maxevents` over `EP_MAX_EVENTS`, and their order against `EBADF`, the op and the flags —
/// each beside what the shared model (``Epoll/Misdirected``, ``Epoll/maxEventsLimit``) says. No call here sleeps.
@Suite struct EpollErrorsFactsTests {
    typealias Events = KernelEpoll.Events

    /// The descriptors a case names: a pipe (both ends), an instance, a regular file (an anonymous one, `memfd`) and a
    /// directory, closed when it goes.
    final class Descriptors {
        let readEnd: CInt, writeEnd: CInt, instance: CInt, regularFile: CInt, directory: CInt

        init() throws {
            let (read, write) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            (readEnd, writeEnd) = (read.rawValue, write.rawValue)
            instance = try KernelEpoll.create().rawValue
            regularFile = ipc_memfd_create("ipch-test-\(getpid())-regular")
            directory = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            try #require(regularFile >= 0 && directory >= 0)
        }

        deinit { for descriptor in [readEnd, writeEnd, instance, regularFile, directory] { Glibc.close(descriptor) } }
    }

    /// `epoll_ctl(epfd, op, target, &{events})`'s errno (0: it succeeded); `withEvent` false passes a null event.
    static func ctl(_ epfd: CInt, _ op: CInt, _ target: CInt, _ events: Events = .input, withEvent: Bool = true) -> CInt {
        do throws(Errno) { try KernelEpoll.control(epfd, op, target, events: events, withEvent: withEvent); return 0 } catch { return error.rawValue }
    }

    /// A zero-timeout wait's errno (0: it returned), `maxevents` passed to the kernel as given.
    static func wait(_ epfd: CInt, maxEvents: Int, form: Epoll.WaitForm = .plain, timeout: Int = 0) -> CInt {
        do throws(Errno) {
            switch form {
            case .plain: _ = try KernelEpoll.wait(epfd, maxEvents: maxEvents, timeoutMilliseconds: timeout)
            case .pwait(let signals): _ = try KernelEpoll.pwait(epfd, maxEvents: maxEvents, timeoutMilliseconds: timeout, signals: signals?.map { CInt($0) })
            case .pwait2(let spec, let signals):
                _ = try KernelEpoll.pwait2(epfd, maxEvents: maxEvents, timeout: spec.map { ($0.seconds, $0.nanoseconds) }, signals: signals?.map { CInt($0) })
            }
            return 0
        } catch {
            return error.rawValue
        }
    }

    static let operations: [(CInt, Epoll.Operation)] = [(KernelEpoll.add, .add), (KernelEpoll.modify, .modify), (KernelEpoll.delete, .delete), (99, .other(99))]

    /// The model's failure of a misdirected call on a pipe whose holder holds `held` ends.
    static func modelled(_ call: Epoll.Misdirected<PipeModel.End>, held: Set<PipeModel.End> = [.read, .write]) -> ErrorCode {
        call.failure { held.contains($0) ? 1 : 0 }
    }

    /// A regular file or a directory as the target: `EPERM` for every op — ADD, MOD, DEL, an unknown one — with any
    /// events, `EPOLLEXCLUSIVE` with a refused bit or in MOD too: `file_can_poll` comes before the op and the flags.
    /// Through a descriptor that is not an instance (the pipe's end, the file itself) it is still `EPERM`: before the
    /// not-an-instance `EINVAL`. Only `EBADF` (the instance's or the target's number) comes first — and `EFAULT` of a
    /// null event for an op that takes one (not in the trace form; DEL takes none).
    @Test func aTargetWithNoPollIsEPERMBeforeEverythingButEBADF() throws {
        let made = try Descriptors()
        for unpollable in [made.regularFile, made.directory] {
            for (op, operation) in Self.operations {
                for events: Events in [.input, [.input, .edgeTriggered, .oneShot], [.exclusive, .input], [.exclusive, .input, Events(rawValue: 0x002)]] {
                    #expect(Self.ctl(made.instance, op, unpollable, events) == EPERM, "op \(op) events \(events.rawValue)")
                    let call = Epoll.Misdirected<PipeModel.End>.control(
                        epfd: .instance, operation: operation, target: .regularFile, events: Epoll.Events(rawValue: Int(events.rawValue)))
                    #expect(Self.modelled(call) == ErrorCode("EPERM"))
                }
            }
            #expect(Self.ctl(made.instance, KernelEpoll.delete, unpollable, withEvent: false) == EPERM)
            #expect(Self.ctl(made.readEnd, KernelEpoll.add, unpollable) == EPERM)
            #expect(Self.ctl(unpollable, KernelEpoll.add, unpollable) == EPERM)
            #expect(Self.ctl(-1, KernelEpoll.add, unpollable) == EBADF)
            #expect(Self.ctl(made.instance, KernelEpoll.add, unpollable, withEvent: false) == EFAULT)
        }
        #expect(Self.modelled(.control(epfd: .target(.read), operation: .add, target: .regularFile, events: .input)) == ErrorCode("EPERM"))
        #expect(Self.modelled(.control(epfd: .regularFile, operation: .add, target: .regularFile, events: .input)) == ErrorCode("EPERM"))
        #expect(Self.modelled(.control(epfd: .target(.read), operation: .add, target: .regularFile, events: .input), held: [.write]) == .EBADF)
        // The same file registers nowhere: a wait reports nothing, and the instance's own calls are as before.
        #expect(Self.wait(made.instance, maxEvents: 16) == 0)
        #expect(Self.ctl(made.instance, KernelEpoll.add, made.readEnd) == 0)
        #expect(Self.ctl(made.instance, KernelEpoll.delete, made.readEnd) == 0)
    }

    /// `epoll_ctl` through a descriptor that is not an instance (a pipe's end, a regular file): `EINVAL` for every op
    /// and target — the other end, the same end, the instance, a number the process does not hold aside — after the
    /// target's `EBADF` and a regular file's `EPERM`; `epoll_ctl` through a number not held `EBADF` first of all.
    @Test func anEpfdThatIsNoInstanceIsEINVALAfterEBADFAndEPERM() throws {
        let made = try Descriptors()
        for epfd in [made.readEnd, made.writeEnd, made.regularFile] {
            for (op, _) in Self.operations {
                for target in [made.readEnd, made.writeEnd, made.instance] {
                    #expect(Self.ctl(epfd, op, target, [.exclusive, .input, Events(rawValue: 0x002)]) == EINVAL, "epfd \(epfd) op \(op) target \(target)")
                }
            }
            #expect(Self.ctl(epfd, KernelEpoll.delete, made.readEnd, withEvent: false) == EINVAL)
            #expect(Self.ctl(epfd, KernelEpoll.add, -1) == EBADF)
            #expect(Self.ctl(epfd, KernelEpoll.add, made.regularFile) == EPERM)
        }
        #expect(Self.ctl(-1, KernelEpoll.add, made.readEnd) == EBADF)
        let named: [Epoll.Descriptor<PipeModel.End>] = [.target(.read), .target(.write), .regularFile]
        for epfd in named {
            for target in [Epoll.Descriptor<PipeModel.End>.target(.read), .target(.write), .instance] {
                for (_, operation) in Self.operations {
                    #expect(Self.modelled(.control(epfd: epfd, operation: operation, target: target, events: [.exclusive, .input, .priority])) == .EINVAL)
                }
            }
        }
        #expect(Self.modelled(.control(epfd: .target(.read), operation: .add, target: .target(.write), events: .input), held: [.read]) == .EBADF)
        #expect(Self.modelled(.control(epfd: .target(.read), operation: .add, target: .target(.write), events: .input), held: [.write]) == .EBADF)
    }

    /// A wait through a descriptor that is not an instance: `EINVAL` at once (a zero timeout, a forever one, every
    /// form), as `maxevents` ≤ 0 or over `EP_MAX_EVENTS` is. A number not held is `EBADF` whatever `maxevents` says —
    /// the kernel looks at the descriptor first (a surprise: `do_epoll_wait` reads as if `maxevents` came first) —
    /// and only `epoll_pwait2`'s invalid timespec comes before that.
    @Test func aWaitThroughNoInstanceIsEINVALAfterItsArguments() throws {
        let made = try Descriptors()
        let over = Epoll.maxEventsLimit + 1
        let forms: [Epoll.WaitForm] = [
            .plain, .pwait(signals: nil), .pwait(signals: [10]), .pwait2(timeout: Epoll.Timespec(seconds: 0, nanoseconds: 0), signals: nil),
            .pwait2(timeout: nil, signals: nil),
        ]
        for epfd in [made.readEnd, made.writeEnd, made.regularFile, made.directory] {
            for form in forms {
                #expect(Self.wait(epfd, maxEvents: 16, form: form) == EINVAL, "\(form.name) through \(epfd)")
                #expect(Self.wait(epfd, maxEvents: 16, form: form, timeout: -1) == EINVAL)
            }
        }
        let invalid = Epoll.WaitForm.pwait2(timeout: Epoll.Timespec(seconds: 0, nanoseconds: 1_000_000_000), signals: nil)
        for form in forms + [invalid] {  // a number not held: EBADF before maxevents (not as the source reads)
            for maxEvents in [0, -1, over, 16] {
                #expect(Self.wait(-1, maxEvents: maxEvents, form: form) == (form == invalid ? EINVAL : EBADF), "\(form.name) \(maxEvents)")
            }
        }
        for (epfd, held) in [(Epoll.Descriptor<PipeModel.End>.target(.read), true), (.target(.write), true), (.regularFile, true), (.target(.read), false)] {
            for form in forms {
                let call = Epoll.Misdirected<PipeModel.End>.wait(epfd: epfd, maxEvents: 16, timeout: 0, form: form)
                #expect(Self.modelled(call, held: held ? [.read, .write] : [.write]) == (held ? .EINVAL : .EBADF))
                #expect(Self.modelled(.wait(epfd: epfd, maxEvents: over, timeout: 0, form: form), held: []) == (epfd == .regularFile ? .EINVAL : .EBADF))
                #expect(Self.modelled(.wait(epfd: epfd, maxEvents: 0, timeout: 0, form: form), held: [.read, .write]) == .EINVAL)
            }
            #expect(Self.modelled(.wait(epfd: epfd, maxEvents: 16, timeout: 0, form: invalid), held: []) == .EINVAL)
        }
    }

    /// `EP_MAX_EVENTS` = `INT_MAX / sizeof(struct epoll_event)`, 178956970 here (12 bytes, packed): a wait with that
    /// many returns (nothing is ready; the kernel writes only ready events), one more `EINVAL` — every form, before
    /// `EBADF` and before a descriptor that is not an instance.
    @Test func maxEventsOverTheLimitIsEINVAL() throws {
        let made = try Descriptors()
        #expect(Int(ipc_epoll_max_events()) == Epoll.maxEventsLimit)
        #expect(Epoll.maxEventsLimit == 178_956_970)
        let forms: [Epoll.WaitForm] = [.plain, .pwait(signals: [10]), .pwait2(timeout: Epoll.Timespec(seconds: 0, nanoseconds: 0), signals: nil)]
        // The waits of `KernelEpoll` cut a valid maxevents to their buffer: the kernel sees the limit itself here.
        errno = 0
        #expect(ipc_epoll_wait_unclamped(made.instance, CInt(Epoll.maxEventsLimit), 0) == 0)
        #expect(ipc_epoll_wait_unclamped(made.instance, CInt(Epoll.maxEventsLimit + 1), 0) == -1 && errno == EINVAL)
        #expect(ipc_epoll_wait_unclamped(made.readEnd, CInt(Epoll.maxEventsLimit), 0) == -1 && errno == EINVAL)
        for form in forms {
            #expect(Self.wait(made.instance, maxEvents: Epoll.maxEventsLimit, form: form) == 0, "\(form.name)")
            #expect(Epoll.Call<PipeModel.End>.wait(maxEvents: Epoll.maxEventsLimit, timeout: 0, form: form).waitRefusal == nil)
            for maxEvents in [Epoll.maxEventsLimit + 1, Int(Int32.max)] {
                #expect(Self.wait(made.instance, maxEvents: maxEvents, form: form) == EINVAL, "\(form.name) \(maxEvents)")
                #expect(Epoll.Call<PipeModel.End>.wait(maxEvents: maxEvents, timeout: 0, form: form).waitRefusal == .EINVAL)
            }
            #expect(Self.wait(made.readEnd, maxEvents: Epoll.maxEventsLimit, form: form) == EINVAL)
        }
        // With something ready, the wait reports it: the limit, not the buffer, is what the kernel checks.
        #expect(Self.ctl(made.instance, KernelEpoll.add, made.writeEnd, .output) == 0)
        #expect(ipc_epoll_wait_unclamped(made.instance, CInt(Epoll.maxEventsLimit), 0) == 1)
    }
}
