import Glibc
import SystemPackage

extension Syscall {
    /// Installs a handler for `signal` that does nothing, so that the signal's only effect is to interrupt the
    /// system call the thread is blocked in: with `restart` false the call fails with EINTR (or returns what it
    /// had already moved); with `restart` true the kernel restarts it where it can (SA_RESTART).
    ///
    /// The corresponding C function is `sigaction`.
    public static func installInterruptingHandler(for signal: CInt, restart: Bool) throws(Errno) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = restart ? CInt(SA_RESTART) : 0
        guard sigaction(signal, &action, nil) == 0 else { throw Errno(rawValue: Glibc.errno) }
    }
}
