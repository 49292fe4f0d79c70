import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The signals a Unix stream socket's `MSG_OOB` send gives the receiving socket's owner, measured on this kernel (6.18):
/// what the `unix-socket` model would need to judge them (it keeps no owner and no signals yet). As in
/// `KernelPipeAsyncFactsTests`, the owner is this test's thread (`F_OWNER_TID`), which keeps the signals blocked and
/// takes them with a zero-timeout `sigtimedwait`. `sk_send_sigurg` sends `SIGURG` itself (`SI_KERNEL`, whatever
/// `F_SETSIG` says, with or without `O_ASYNC`), queued once while pending; with `O_ASYNC` it also sends the
/// description's `F_SETSIG` signal with `POLL_PRI` (band `POLLPRI|POLLRDBAND`, 0x82), and the data's own `POLL_IN`.
@Suite struct UnixSocketUrgentSignalFactsTests {
    static var realtime: CInt { Syscall.realtimeSignalMinimum }
    static var signals: [CInt] { [SIGURG, SIGIO, realtime] }

    /// Every signal taken, as [number, si_code, si_band].
    static func takeAll() -> [[Int]] {
        BlockedIOSignals.takeAll(signals).map { [Int($0.signal), Int($0.code), $0.band] }
    }

    @Test func anOutOfBandSendSignalsTheReceiversOwner() throws {
        try BlockedIOSignals.withBlocked(Self.signals) { try measure() }
    }

    /// The measurement, with the signals blocked.
    private func measure() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (sender, receiver) = try Syscall.socketPair(.stream)
            defer { for socket in [sender, receiver] { try? Syscall.close(socket) } }
            let send = UnixSocketOutOfBandFactsTests.send
            let urgent = [Int(SIGURG), 0x80, 0]
            #expect(send(sender, "x", true) == "1" && Self.takeAll().isEmpty)  // no owner
            try Syscall.setOwnerEx(receiver, type: 0, id: OSThread.currentID)
            #expect(send(sender, "y", true) == "1" && Self.takeAll() == [urgent])
            #expect(send(sender, "y", true) == "1" && send(sender, "y", true) == "1" && Self.takeAll() == [urgent])  // coalesced
            #expect(send(sender, "abc", false) == "3" && Self.takeAll().isEmpty)  // ordinary data: no SIGURG
            try Syscall.setIOSignal(receiver, Self.realtime)
            #expect(send(sender, "y", true) == "1" && Self.takeAll() == [urgent])  // F_SETSIG does not change SIGURG
            try Syscall.setStatusFlags(receiver, try Syscall.statusFlags(receiver) | O_ASYNC)
            let realtime = Int(Self.realtime)
            #expect(send(sender, "y", true) == "1" && Self.takeAll() == [urgent, [realtime, 5, 0x82], [realtime, 1, 0x41]])
            #expect(send(sender, "abc", false) == "3" && Self.takeAll() == [[realtime, 1, 0x41]])
            // The sender's own socket owned, not the receiver's: its send signals nobody.
            try Syscall.setOwnerEx(receiver, type: 0, id: 0)
            try Syscall.setOwnerEx(sender, type: 0, id: OSThread.currentID)
            #expect(send(sender, "y", true) == "1" && Self.takeAll().isEmpty)
        }
    }
}
