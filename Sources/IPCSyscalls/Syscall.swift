import CIPCShims
import Glibc
import SystemPackage

/// Typed wrappers over the system calls the harness and its mechanisms make.
///
/// Every wrapper goes through ``perform(_:descriptor:count:mayBlock:sleeps:retryOnInterrupt:_:)``, which is the single
/// fault-injection point: before each attempt it asks ``FaultInjection`` whether the call should fail, be cut
/// short or be delayed, and it passes straight through to the kernel when no fault is due. Errors come back as
/// swift-system's `Errno`, read immediately after the call. `EINTR` is retried only where the caller asks
/// (`retryOnInterrupt`, true by default as in swift-system); `close` never retries.
public enum Syscall {}

extension Syscall {
    /// Runs one system call through the fault-injection point.
    ///
    /// `body` receives the byte count to use: the requested one, or a shorter one when the fault plan shortens
    /// the call. It must return the C result unchanged, so that errno is still the call's own when read here.
    @inline(__always)
    static func perform<Result: FixedWidthInteger>(
        _ call: SystemCall,
        descriptor: FileDescriptor? = nil,
        count: Int? = nil,
        mayBlock: Bool? = nil,
        sleeps: (() -> Bool)? = nil,
        retryOnInterrupt: Bool,
        _ body: (_ count: Int?) -> Result
    ) throws(Errno) -> Result {
        // A call the kernel interrupted (EINTR) and that is retried is the same call: a shortening applies to the
        // retry too, or the bytes it moves would not be the ones the fault plan reported.
        var shortenedBeforeInterrupt: Int?
        while true {
            var effectiveCount = count
            var context = SyscallContext(call: call, descriptor: descriptor, count: count, mayBlock: mayBlock)
            if let sleeps, FaultInjection.isInstalled { context.sleepsNow = sleeps() }
            switch FaultInjection.decide(context) {
            case .proceed:
                if let limit = shortenedBeforeInterrupt { effectiveCount = limit }
            case .fail(let error):
                if error == .interrupted && retryOnInterrupt { continue }
                throw error
            case .shorten(let limit):
                effectiveCount = Swift.min(limit, count ?? limit)
            case .delay(let nanoseconds):
                MonotonicClock.sleep(nanoseconds: nanoseconds)
                if let limit = shortenedBeforeInterrupt { effectiveCount = limit }
            }
            let result = body(effectiveCount)
            if result != -1 { return result }
            let error = Errno(rawValue: Glibc.errno)
            if effectiveCount != count && (error == .interrupted || error == .wouldBlock) {
                // A shortened call that moved nothing: the caller's own retry (a blocking receive that ran out of
                // its SO_RCVTIMEO tries again once; a client that loops on EINTR) is the same call, and must be
                // shortened the same way, or it moves bytes the fault event does not say.
                FaultInjection.interrupted(context)
            }
            if error == .interrupted && retryOnInterrupt {
                if effectiveCount != count { shortenedBeforeInterrupt = effectiveCount }
                continue
            }
            throw error
        }
    }
}

extension Errno {
    /// The symbolic name of this error ("EAGAIN"), as used in traces.
    ///
    /// The corresponding C function is `strerrorname_np`.
    public var name: String {
        if rawValue > Self.signalBase { return SignalName.name(of: rawValue - Self.signalBase) }
        if let name = ipc_errno_name(rawValue) { return String(cString: name) }
        return "E\(rawValue)"
    }

    /// The error with the given symbolic name ("EAGAIN", "EWOULDBLOCK"; "SIGSEGV" and "SIGBUS" for
    /// ``memoryAccess(_:)``), or nil when the name is unknown.
    public init?(name: String) {
        if name == "SIGSEGV" || name == "SIGBUS", let signal = SignalName.number(of: name) {
            self = .memoryAccess(signal)
            return
        }
        guard let code = Errno.codesByName[name] else { return nil }
        self.init(rawValue: code)
    }

    /// Not an errno: a memory access the kernel refused with a synchronous signal (`SIGSEGV`, `SIGBUS`), which a
    /// guarded access (``SharedWords``) reports instead of dying of it. Its name in a trace is the signal's.
    public static func memoryAccess(_ signal: CInt) -> Errno { Errno(rawValue: signalBase + signal) }

    private static let signalBase: CInt = 1 << 20

    private static let codesByName: [String: CInt] = {
        var table: [String: CInt] = ["EWOULDBLOCK": Glibc.EAGAIN, "EDEADLOCK": Glibc.EDEADLK]
        for code in CInt(1)...CInt(200) {
            if let name = ipc_errno_name(code) { table[String(cString: name)] = code }
        }
        return table
    }()
}
