import Glibc
import IPCSyscalls
import Testing

/// `poll` and `select` on a signalfd, as this kernel's `signalfd_poll` reports them: the facts behind the signal
/// model's `signalfd-poll` and `signalfd-select` (which `KernelSignalFactsTests` also checks against the model through
/// the signal kind's worker).
@Suite struct SignalDescriptorReadinessFactsTests {
    /// `POLLIN` alone while the signal is pending for the calling thread (never `POLLRDNORM`, `POLLOUT` or
    /// `POLLWRNORM`), nothing with none pending; another thread polling the same descriptor does not see a signal
    /// pending for the first thread only: the readiness is the *calling* thread's pending signals (and its
    /// process's), not the descriptor's. `select` agrees: readable, never writable.
    @Test func pollInOnlyForTheCallingThreadsPendingSignals() throws {
        let signal = Syscall.realtimeSignalMinimum + 11
        let measured = try Syscall.signalDescriptorReadiness(signal)
        #expect(measured.alone == 0)
        #expect(measured.pending == Int16(POLLIN))
        #expect(measured.otherThread == 0)
        #expect(measured.readable && !measured.writable)
    }
}
