import CIPCShims
import Glibc
import SystemPackage

/// The obsolete signal calls a user's code may still make — glibc's BSD `signal`, and System V's `sigignore`,
/// `sighold`, `siginterrupt` and (XPG) `sigpause` — called as they are. glibc builds each on `sigaction`,
/// `sigprocmask` or `sigsuspend`, under whose names a fault would be injected; none is.
extension Syscall {
    /// `signal(signal, action)`: a handler is BSD's (`SA_RESTART`, `sa_mask` holding the signal) and is then made
    /// the recording one, its flags and mask kept. The old action.
    ///
    /// The corresponding C function is `signal`.
    public static func bsdSignal(_ signal: Int32, to action: SignalAction) throws(Errno) -> SignalAction {
        var old: CInt = 0
        _ = try perform(.sigaction, retryOnInterrupt: false) { _ in ipc_signal(signal, action.rawValue, &old) }
        return SignalAction(rawValue: old) ?? .handler
    }

    /// The installed action of `signal`: whether it restarts calls (`SA_RESTART`), whether its `sa_mask` holds the
    /// signal itself, and how many signals that mask holds.
    public static func actionShape(_ signal: Int32) throws(Errno) -> (restarts: Bool, masksItself: Bool, masked: Int) {
        var flags: CInt = 0, itself: CInt = 0, masked: CInt = 0
        _ = try perform(.sigaction, retryOnInterrupt: false) { _ in ipc_signal_flags(signal, &flags, &itself, &masked) }
        return (flags & ipc_sa_restart() != 0, itself != 0, Int(masked))
    }

    /// `sigignore(signal)`: `SIG_IGN`.
    public static func ignoreSignal(_ signal: Int32) throws(Errno) {
        _ = try perform(.sigaction, retryOnInterrupt: false) { _ in ipc_sigignore(signal) }
    }

    /// `sighold(signal)`: the signal added to the mask.
    public static func holdSignal(_ signal: Int32) throws(Errno) {
        _ = try perform(.sigprocmask, retryOnInterrupt: false) { _ in ipc_sighold(signal) }
    }

    /// `siginterrupt(signal, interrupt)`: the action set again with `SA_RESTART` cleared (`interrupt`) or set.
    public static func setInterrupting(_ signal: Int32, _ interrupt: Bool) throws(Errno) {
        _ = try perform(.sigaction, retryOnInterrupt: false) { _ in ipc_siginterrupt(signal, interrupt ? 1 : 0) }
    }

    /// `sigpause(signal)` (XPG: `sigsuspend` with the mask less the signal), the harness's `SIGUSR1` kept out: what
    /// the recording handler saw before it returned; `EINTR` when it saw none.
    public static func pauseForSignal(_ signal: Int32) throws(Errno) -> [SignalInfo] {
        try recorded(.sigsuspend) { numbers, codes, pids, values, capacity in
            ipc_sigpause_recording(signal, numbers, codes, pids, values, capacity)
        }
    }

    /// `sigrelse(signal)`: the signal removed from the mask, and left so; what the recording handler saw before it
    /// returned (the pending instances).
    public static func releaseSignal(_ signal: Int32) throws(Errno) -> [SignalInfo] {
        try recorded(.sigprocmask) { numbers, codes, pids, values, capacity in
            ipc_sigrelse_recording(signal, numbers, codes, pids, values, capacity)
        }
    }

    /// What `sigset` sets and reports.
    public enum Disposition: CInt, Sendable {
        case standard = 0, ignore, handler, hold
    }

    /// `sigset(signal, disposition)`: the previous disposition (`hold` when the signal was blocked) and the signals
    /// whose handler ran inside the call (a handler is then made the recording one, its empty mask kept).
    public static func setDisposition(_ signal: Int32, to disposition: Disposition) throws(Errno) -> (old: Disposition, delivered: [Int32]) {
        var old: CInt = 0
        var numbers = [CInt](repeating: 0, count: 64)
        let count = try perform(.sigaction, retryOnInterrupt: false) { _ in ipc_sigset_recording(signal, disposition.rawValue, &old, &numbers, 64) }
        return (Disposition(rawValue: old) ?? .handler, Array(numbers.prefix(min(Int(count), 64))))
    }

    /// BSD `sigpause(mask)` (glibc's `__sigpause(mask, 0)`), the harness's `SIGUSR1` added to the mask: what the
    /// recording handler saw before it returned; `EINTR` when it saw none.
    public static func pauseWithOldMask(_ signals: [Int32]) throws(Errno) -> [SignalInfo] {
        let mask = signals.reduce(CUnsignedInt(0)) { $0 | (1 << CUnsignedInt($1 - 1)) }
        return try recorded(.sigsuspend) { numbers, codes, pids, values, capacity in
            ipc_bsd_sigpause_recording(mask, numbers, codes, pids, values, capacity)
        }
    }
}
