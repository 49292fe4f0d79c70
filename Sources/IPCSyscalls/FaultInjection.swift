import Synchronization
import SystemPackage

/// The system calls the fault-injection point can see.
public enum SystemCall: String, Sendable, CaseIterable, Hashable, Codable {
    case read, write, close, open, pipe2, fcntl, ioctl, poll, send, receive, socketpair
    case fsync, rename, unlink, mkdir, lstat, rmdir, lseek, pread, pwrite, shutdown
    case mkfifo, socket, bind, listen, connect, accept, sendmsg, recvmsg, getsockopt, fchmod
    case eventfd, fstat, kill, sigqueue, sigtimedwait, sigprocmask, setrlimit
    case tgkill, sigpending, signalfdRead, killpg, sigaction, setpgid, sigsuspend, pause
    case mqOpen, mqSend, mqReceive, mqUnlink, mqGetAttributes, mqSetAttributes
    case mqNotify
    case msgget, msgsnd, msgrcv, msgctl
    case shmOpen, shmUnlink, memfdCreate, ftruncate, mmap, munmap, mprotect, shmget, shmat, shmdt, shmctl
    case semOpen, semClose, semUnlink, semInit, semDestroy, semWait, semTryWait, semPost, semGetValue, semget, semop, semctl
    case mutexInit, mutexLock, mutexTryLock, mutexUnlock, mutexConsistent, mutexDestroy
    case chmod, setuid, setgid, unshare, setns
    case membarrier, futex
    /// No fault is injected into these yet (``FaultFeasibility`` gives them no direction).
    case splice, tee, vmsplice, dup3, msync, mlock, munlock, mlockall, munlockall, mutexCeiling, pidfdOpen, pidfdSendSignal, tgsigqueueinfo
    case sendmmsg, recvmmsg
    case madvise, mincore
}

/// What a fault injector is told about a call that is about to be made.
public struct SyscallContext: Sendable, Hashable {
    public var call: SystemCall
    /// The descriptor the call works on, when it has one.
    public var descriptor: FileDescriptor?
    /// The byte count requested, for calls that transfer bytes.
    public var count: Int?
    /// Whether the call, as made, may sleep: false when its own flags say not to wait (`MSG_DONTWAIT`,
    /// `IPC_NOWAIT`, a zero poll timeout, `sem_trywait`), true when it always may (`sem_wait`); nil when that
    /// depends on the descriptor's `O_NONBLOCK`, which ``FaultFeasibility`` reads.
    public var mayBlock: Bool?
    /// Whether the call, made at this moment, would sleep — the only place the kernel can interrupt it with `EINTR`:
    /// worked out by the wrapper from the object's state (a semaphore's value, a System V queue's counts, a poll's
    /// descriptors) when an injector is installed; nil where ``FaultFeasibility`` reads it off the descriptor, or
    /// cannot tell.
    public var sleepsNow: Bool?

    public init(
        call: SystemCall, descriptor: FileDescriptor? = nil, count: Int? = nil, mayBlock: Bool? = nil, sleepsNow: Bool? = nil
    ) {
        self.call = call
        self.descriptor = descriptor
        self.count = count
        self.mayBlock = mayBlock
        self.sleepsNow = sleepsNow
    }
}

/// What happens to one call.
public enum FaultAction: Sendable, Hashable {
    /// Make the real call unchanged.
    case proceed
    /// Do not make the call; fail it with this error.
    case fail(Errno)
    /// Make the real call with at most this many bytes (a short read or write).
    case shorten(to: Int)
    /// Wait this long, then make the real call.
    case delay(nanoseconds: UInt64)
}

/// Decides, call by call, which faults to inject. ``FaultPlan`` is the standard one.
public protocol FaultInjector: AnyObject, Sendable {
    func decide(_ context: SyscallContext) -> FaultAction
    /// A call this injector shortened moved nothing — a real signal interrupted it, or it ran out (`EAGAIN`, as a
    /// receive past its `SO_RCVTIMEO`): its retry, the wrappers' own or the caller's, is the same call and must be
    /// shortened the same way. (The syscall wrappers report it; the worker's interposer reports the calls made
    /// straight to libc.)
    func interrupted(_ context: SyscallContext)
}

extension FaultInjector {
    public func interrupted(_ context: SyscallContext) {}
}

/// Where the syscall wrappers look for a fault injector.
///
/// A task-local injector (for tests that run side by side in one process) takes precedence over the
/// process-wide one (for worker processes, which install their plan once). When neither is set, the check is
/// one relaxed atomic load and one task-local read.
public enum FaultInjection {
    @TaskLocal public static var taskInjector: (any FaultInjector)?

    private static let processInjector = Mutex<(any FaultInjector)?>(nil)
    private static let processInjectorInstalled = Atomic<Bool>(false)

    /// Installs `injector` for every thread of this process (nil removes it).
    public static func installProcessWide(_ injector: (any FaultInjector)?) {
        processInjector.withLock { $0 = injector }
        processInjectorInstalled.store(injector != nil, ordering: .releasing)
    }

    @inline(__always)
    package static func decide(_ context: SyscallContext) -> FaultAction {
        if let injector = taskInjector { return injector.decide(context) }
        guard processInjectorInstalled.load(ordering: .acquiring) else { return .proceed }
        guard let injector = processInjector.withLock({ $0 }) else { return .proceed }
        return injector.decide(context)
    }

    /// Whether any injector could see a call now: wrappers work out costly context (``SyscallContext/sleepsNow``)
    /// only then.
    @inline(__always)
    package static var isInstalled: Bool {
        taskInjector != nil || processInjectorInstalled.load(ordering: .acquiring)
    }

    /// Passes a shortened call's interruption on to the injector that shortened it.
    package static func interrupted(_ context: SyscallContext) {
        if let injector = taskInjector { return injector.interrupted(context) }
        guard processInjectorInstalled.load(ordering: .acquiring), let injector = processInjector.withLock({ $0 }) else { return }
        injector.interrupted(context)
    }
}
