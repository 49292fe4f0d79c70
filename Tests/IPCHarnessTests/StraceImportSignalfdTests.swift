import IPCModels
import Testing

@testable import IPCHarness

/// strace logs of signals taken through a signalfd (`StraceSimulation+Signalfd.swift`): each `read` is the signal
/// model's `signalfd-read`, its `struct signalfd_siginfo`s decoded from the bytes strace shows (`-xx`).
@Suite struct StraceImportSignalfdTests {
    /// One `struct signalfd_siginfo` as `-xx` prints it: `ssi_signo`, `ssi_code`, `ssi_pid`, `ssi_int`, zeros elsewhere.
    static func siginfo(signal: UInt32, code: Int32, pid: UInt32, value: Int32 = 0) -> String {
        var bytes = [UInt8](repeating: 0, count: 128)
        func put(_ word: UInt32, at offset: Int) { for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: word >> (8 * index)) } }
        put(signal, at: 0)
        put(UInt32(bitPattern: code), at: 8)
        put(pid, at: 12)
        put(UInt32(bitPattern: value), at: 44)
        return bytes.map { "\\x" + String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    static let taken = siginfo(signal: 10, code: 0, pid: 101) + siginfo(signal: 35, code: -1, pid: 101, value: 7)

    /// A parent blocks SIGUSR1 and SIGRTMIN+1 and makes a nonblocking signalfd for them; its child kills and
    /// sigqueues it; the parent reads both in one read (standard first), then finds nothing.
    static func log(flags: String = "SFD_CLOEXEC|SFD_NONBLOCK", taken: String = taken, cut: Bool = false, extra: String = "") -> String {
        """
        100 1.000100 rt_sigprocmask(SIG_BLOCK, [USR1 RT_3], NULL, 8) = 0 <0.000005>
        100 1.000150 signalfd4(-1, [USR1 RT_3], 8, \(flags)) = 3<anon_inode:[signalfd]> <0.000005>\(extra)
        100 1.000200 clone(child_stack=NULL, flags=SIGCHLD) = 101 <0.000010>
        101 1.000300 kill(100, SIGUSR1) = 0 <0.000005>
        101 1.000400 rt_sigqueueinfo(100, SIGRT_3, {si_signo=SIGRT_3, si_code=SI_QUEUE, si_pid=101, si_uid=0, si_int=7, si_ptr=0x7}) = 0 <0.000005>
        101 1.000500 exit_group(0) = ?
        101 1.000600 +++ exited with 0 +++
        100 1.000700 read(3<anon_inode:[signalfd]>, "\(taken)"\(cut ? "..." : ""), 256) = \(cut ? 256 : taken.count / 4) <0.000005>
        100 1.000800 read(3<anon_inode:[signalfd]>, 0x7ffd0000, 256) = -1 EAGAIN (Resource temporarily unavailable) <0.000005>
        100 1.000900 +++ exited with 0 +++
        """
    }

    @Test func aSignalfdReadIsTheSignalModels() throws {
        let trace = try StraceImportTests.convert(Self.log())
        #expect(trace.header.model == "signal")
        #expect(StraceImportTests.notChecked(trace).isEmpty, "\(StraceImportTests.notChecked(trace))")
        #expect(trace.events.filter { $0.f == "signalfd-read" && $0.type == .invoke }.count == 2)
        let report = try TraceChecker.check(trace)
        #expect(report.result == .ok, "\(report.explanation)")
    }

    @Test func wrongReadsAreViolations() throws {
        // The real-time signal taken before the standard one, which the kernel hands out first.
        let reordered = Self.siginfo(signal: 35, code: -1, pid: 101, value: 7) + Self.siginfo(signal: 10, code: 0, pid: 101)
        #expect(try StraceImportTests.check(Self.log(taken: reordered)).result == .violation)
        // Another value than the one queued.
        let otherValue = Self.siginfo(signal: 10, code: 0, pid: 101) + Self.siginfo(signal: 35, code: -1, pid: 101, value: 8)
        #expect(try StraceImportTests.check(Self.log(taken: otherValue)).result == .violation)
        // A blocking signalfd (no SFD_NONBLOCK) never fails EAGAIN: the importer follows the descriptor's flag.
        #expect(try StraceImportTests.check(Self.log(flags: "SFD_CLOEXEC")).result == .violation)
        // … unless fcntl made it nonblocking.
        let madeNonblocking = Self.log(flags: "0", extra: "\n100 1.000160 fcntl(3<anon_inode:[signalfd]>, F_SETFL, O_RDWR|O_NONBLOCK) = 0 <0.000005>")
        #expect(try StraceImportTests.check(madeNonblocking).result == .ok)
    }

    @Test(arguments: [
        (String(taken.prefix(taken.count / 2)), "did not show whole"),
        (siginfo(signal: 10, code: -2, pid: 101) + siginfo(signal: 35, code: -1, pid: 101, value: 7), "an si_code no kill, sigqueue or tgkill"),
        (siginfo(signal: 10, code: 0, pid: 555) + siginfo(signal: 35, code: -1, pid: 101, value: 7), "a process the log does not show"),
    ])
    func aReadTheImporterCannotDecodeLeavesTheReceiverUnchecked(taken: String, reason: String) throws {
        let log = Self.log(taken: taken, cut: taken.count < Self.taken.count)
        let trace = try StraceImportTests.convert(log)
        #expect(StraceImportTests.notChecked(trace).contains { $0.contains(reason) }, "\(StraceImportTests.notChecked(trace))")
        #expect(try TraceChecker.check(trace).result == .unknown)
    }

    /// The set changed by passing the descriptor back: not followed, the receiver left unchecked.
    @Test func aSignalfdWhoseSetChangesLeavesTheReceiverUnchecked() throws {
        let log = Self.log(extra: "\n100 1.000160 signalfd4(3<anon_inode:[signalfd]>, [USR1], 8, 0) = 3<anon_inode:[signalfd]> <0.000005>")
        let trace = try StraceImportTests.convert(log)
        #expect(StraceImportTests.notChecked(trace).contains { $0.contains("used a signalfd at line 3") }, "\(StraceImportTests.notChecked(trace))")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
