import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The harness's brief `O_NONBLOCK` on a shared socket description (a nonblocking `accept` or `connect`, which have
/// no per-call flag) must not turn a sibling's blocking call into `EAGAIN` the model would never allow: the window is
/// marked with `O_APPEND`, and a blocking call that meets it waits it out. Each test drives
/// `KernelUnixSocket.blocking` with an attempt that sets the description's flags as a sibling would, so the order of
/// events is fixed: no thread, no time.
@Suite struct NonblockingWindowTests {
    /// A marked window: the attempt's `EAGAIN` is not reported; the call waits in `poll` (a byte makes it return)
    /// and tries again.
    @Test func aBlockingCallWaitsOutASiblingsMarkedWindow() throws {
        let (a, b) = try KernelUnixSocket.pair(.stream)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        var attempts = 0
        let result = try KernelUnixSocket.blocking(a, waitingFor: Int16(POLLIN), retryOnInterrupt: true) { () throws(Errno) -> TransferResult<Int> in
            attempts += 1
            if attempts == 1 {
                try Syscall.setStatusFlags(a, O_NONBLOCK | O_APPEND)  // a sibling's window opens
                _ = try KernelUnixSocket.send(b, [7], nonblocking: true)  // and something arrives for poll
                return .wouldBlock
            }
            try Syscall.setStatusFlags(a, 0)  // the window closes
            return .completed(1)
        }
        #expect(result == .completed(1))
        #expect(attempts == 2)
    }

    /// The user's own `O_NONBLOCK` (no mark): `EAGAIN` is the kernel's answer for that description, reported at once.
    @Test func theUsersOwnFlagIsReported() throws {
        let (a, b) = try KernelUnixSocket.pair(.stream)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        try Syscall.setStatusFlags(a, O_NONBLOCK)
        var attempts = 0
        let result = try KernelUnixSocket.blocking(a, waitingFor: Int16(POLLIN), retryOnInterrupt: true) { () throws(Errno) -> TransferResult<Int> in
            attempts += 1
            return .wouldBlock
        }
        #expect(result == .wouldBlock)
        #expect(attempts == 1)
    }

    /// The flag off when the call looks (the window closed after the kernel answered): one more try at once; an
    /// `EAGAIN` then, with the flag still off, is returned rather than tried forever.
    @Test func aWindowThatClosedGetsOneMoreTry() throws {
        let (a, b) = try KernelUnixSocket.pair(.stream)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        var attempts = 0
        let retried = try KernelUnixSocket.blocking(a, waitingFor: Int16(POLLIN), retryOnInterrupt: true) { () throws(Errno) -> TransferResult<Int> in
            attempts += 1
            return attempts == 1 ? .wouldBlock : .completed(2)
        }
        #expect(retried == .completed(2))
        #expect(attempts == 2)
        attempts = 0
        let genuine = try KernelUnixSocket.blocking(a, waitingFor: Int16(POLLIN), retryOnInterrupt: true) { () throws(Errno) -> TransferResult<Int> in
            attempts += 1
            return .wouldBlock
        }
        #expect(genuine == .wouldBlock)
        #expect(attempts == 2)
    }

    /// `withNonblockingWindow` marks its window and puts the flags back; on a description the user made
    /// nonblocking it changes nothing.
    @Test func theWindowIsMarkedAndUndone() throws {
        let (a, b) = try KernelUnixSocket.pair(.stream)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        let inside = try KernelUnixSocket.withNonblockingWindow(a) { () throws(Errno) in try Syscall.statusFlags(a) }
        #expect(inside == O_RDWR | O_NONBLOCK | O_APPEND)
        #expect(try Syscall.statusFlags(a) == O_RDWR)
        try Syscall.setStatusFlags(a, O_NONBLOCK)
        let own = try KernelUnixSocket.withNonblockingWindow(a) { () throws(Errno) in try Syscall.statusFlags(a) }
        #expect(own == O_RDWR | O_NONBLOCK)
        #expect(try Syscall.statusFlags(a) == O_RDWR | O_NONBLOCK)
    }
}
