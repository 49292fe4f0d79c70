import CIPCShims
import Glibc
import SystemPackage

/// The calling thread's alternate signal stack (`sigaltstack`), on a static 1 MiB area of the shims': the kernel
/// checks a new stack's size and flags, not its memory, which only a handler with `SA_ONSTACK` would touch.
extension Syscall {
    /// `SS_AUTODISARM`, the kernel's flag (1 << 31) that glibc's headers leave out.
    public static var altStackAutoDisarm: Int32 { ipc_ss_autodisarm() }

    /// What `sigaltstack` reports: `ss_flags` and `ss_size` (the pointer is the shims' area or none).
    public struct AltStack: Hashable, Sendable {
        public var flags: Int32
        public var size: Int

        public init(flags: Int32, size: Int) {
            self.flags = flags
            self.size = size
        }
    }

    /// `sigaltstack` setting a stack of `size` bytes with `flags` (nil: only asking); the old one. `E2BIG` (the shims',
    /// not the kernel's) for a size past the area.
    ///
    /// The corresponding C function is `sigaltstack`.
    public static func alternateStack(setting new: AltStack?) throws(Errno) -> AltStack {
        var flags: CInt = 0
        var size: CUnsignedLong = 0
        _ = try perform(.sigaction, retryOnInterrupt: false) { _ in
            ipc_sigaltstack(new == nil ? 0 : 1, new?.flags ?? 0, CUnsignedLong(new?.size ?? 0), &flags, &size)
        }
        return AltStack(flags: flags, size: Int(size))
    }

    /// A probing handler for `signal` (which the caller has unblocked), with `SA_ONSTACK` when `onStack`, raised once:
    /// whether it ran on the alternate stack, the `ss_flags` `sigaltstack` reported inside it, and the error of
    /// setting a stack inside it (nil: it succeeded).
    public static func probeAltStackHandler(_ signal: Int32, onStack: Bool) throws(Errno) -> (ranOnStack: Bool, flagsInside: Int32, errorInside: Errno?) {
        var ran: CInt = 0, flags: CInt = 0, error: CInt = 0
        _ = try perform(.sigaction, retryOnInterrupt: false) { _ in ipc_alt_stack_handler_probe(signal, onStack ? 1 : 0, &ran, &flags, &error) }
        return (ran == 1, flags, error == 0 ? nil : Errno(rawValue: error))
    }
}

extension Syscall {
    /// The machine's `AT_MINSIGSTKSZ` (the largest signal frame the kernel may push, padding included; 3376 bytes
    /// here), nil when the kernel does not say.
    ///
    /// The corresponding C function is `getauxval`.
    public static var minimumSignalStackSize: Int? {
        let size = Int(ipc_min_signal_stack_size())
        return size == 0 ? nil : size
    }

    /// Whether an `SA_ONSTACK` delivery fits an alternate stack of `size` bytes: a forked child sets such a stack (a
    /// fresh mapping behind a guard page, page-aligned), raises `SIGUSR2` to a handler on it and exits; nil when the
    /// handler ran and returned, else the signal that killed the child. For an exit test's child only: it forks.
    ///
    /// The corresponding C functions are `fork`, `sigaltstack`, `sigaction` and `raise`.
    public static func probeAltStackDelivery(size: Int) throws(Errno) -> Int32? {
        let result = try perform(.sigaction, retryOnInterrupt: false) { _ in ipc_alt_stack_delivery_probe(CUnsignedLong(size)) }
        return result == 0 ? nil : result
    }
}
