import CIPCShims
import Glibc
import IPCSyscalls
import SystemPackage
import Testing

/// `F_SETOWN`/`F_GETOWN` and `F_SETSIG`/`F_GETSIG` on a pipe, measured on this kernel: what the pipe model's owner and
/// signal encode (`PipeModel+Owner`). Both belong to the open file description, not to the number: a `dup`'s or a
/// forked child's `F_SETOWN` is seen through every descriptor of that end, never through the other end's.
@Suite struct KernelDescriptorOwnerFactsTests {
    /// A pid no process has: above `pid_max`'s largest value (4194304), so `find_vpid` finds nothing.
    static let missingPID: CInt = 4_194_305

    func withPipe(_ body: (CInt, CInt) throws -> Void) throws {
        var ends: [CInt] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { for end in ends { close(end) } }
        try body(ends[0], ends[1])
    }

    func result(_ value: CInt) -> CInt { value < 0 ? -errno : value }

    /// No owner at first (0); `F_SETOWN` of a pid is read back by every duplicate of that description, not by the
    /// other end; a negative (a process group) reads back negative; 0 clears.
    @Test func theOwnerBelongsToTheDescription() throws {
        try withPipe { readEnd, writeEnd in
            #expect(fcntl(readEnd, F_GETOWN) == 0)
            #expect(fcntl(writeEnd, F_GETOWN) == 0)
            #expect(fcntl(readEnd, F_SETOWN, getpid()) == 0)
            #expect(fcntl(readEnd, F_GETOWN) == getpid())
            #expect(fcntl(writeEnd, F_GETOWN) == 0)
            let copy = dup(readEnd)
            defer { close(copy) }
            #expect(fcntl(copy, F_GETOWN) == getpid())
            #expect(fcntl(copy, F_SETOWN, -getpgrp()) == 0)
            #expect(fcntl(readEnd, F_GETOWN) == -getpgrp())
            #expect(fcntl(readEnd, F_SETOWN, 0) == 0)
            #expect(fcntl(copy, F_GETOWN) == 0)
        }
    }

    /// A pid or group no process has: `ESRCH`, the owner unchanged; `INT_MIN` (whose negation overflows) `EINVAL`
    /// before the lookup; a descriptor not open `EBADF`. Pid 1 exists, so it is taken.
    @Test func aMissingOwnerFails() throws {
        try withPipe { readEnd, _ in
            #expect(fcntl(readEnd, F_SETOWN, getpid()) == 0)
            #expect(result(fcntl(readEnd, F_SETOWN, Self.missingPID)) == -ESRCH)
            #expect(result(fcntl(readEnd, F_SETOWN, -Self.missingPID)) == -ESRCH)
            #expect(result(fcntl(readEnd, F_SETOWN, CInt.min)) == -EINVAL)
            #expect(fcntl(readEnd, F_GETOWN) == getpid())
            #expect(fcntl(readEnd, F_SETOWN, 1) == 0)
            #expect(fcntl(readEnd, F_GETOWN) == 1)
            var limits = rlimit()
            getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits)
            let closed = CInt(limits.rlim_cur) - 2  // a number no descriptor holds (see KernelDescriptorFlagFactsTests)
            #expect(result(fcntl(closed, F_SETOWN, 0)) == -EBADF)
            #expect(result(fcntl(closed, F_GETOWN)) == -EBADF)
        }
    }

    /// A forked child shares the description: its `F_SETOWN` is the parent's `F_GETOWN` while it lives, and once it
    /// is gone (reaped) the owner reads 0 (`f_getown` reports only an owner with a task).
    @Test func anOwnerThatIsGoneReadsZero() throws {
        try withPipe { readEnd, _ in
            var child: CInt = 0
            try SystemVTimesFactsTests.inChild({ fcntl(readEnd, F_SETOWN, getpid()) == 0 }) { done in
                #expect(done)
                child = fcntl(readEnd, F_GETOWN)
                #expect(child > 0 && child != getpid())
            }
            #expect(fcntl(readEnd, F_GETOWN) == 0)
        }
    }

    /// `F_SETOWN_EX`/`F_GETOWN_EX` (`struct f_owner_ex`): a fresh description reads `{F_OWNER_TID, 0}`; each type is
    /// read back with its id, and `F_GETOWN` gives the thread's or process's id, or minus the group; `F_SETOWN`'s
    /// owner reads back as `F_OWNER_PID` (0 and pids) or `F_OWNER_PGRP` (negatives), and a 0 keeps its type; a type
    /// other than 0, 1, 2 is `EINVAL` even with a missing id, a missing or negative id `ESRCH`, the owner unchanged; a
    /// group with no member reads 0 with its type kept; a thread owner that is gone reads `{F_OWNER_TID, 0}`.
    @Test func theOwnerHasAType() throws {
        try withPipe { readEnd, writeEnd in
            let descriptor = FileDescriptor(rawValue: readEnd)
            func owner() -> [CInt] { ((try? Syscall.ownerEx(descriptor)).map { [$0.type, $0.id] } ?? [-1, -1]) + [fcntl(readEnd, F_GETOWN)] }
            func set(_ type: CInt, _ id: CInt) -> Errno? {
                do { try Syscall.setOwnerEx(descriptor, type: type, id: id) } catch { return error }
                return nil
            }
            let me = getpid(), group = getpgrp()
            #expect(owner() == [0, 0, 0])
            #expect(set(0, me) == nil && owner() == [0, me, me])
            #expect(set(1, me) == nil && owner() == [1, me, me])
            #expect(set(2, group) == nil && owner() == [2, group, -group])
            #expect(set(2, 0) == nil && owner() == [2, 0, 0])
            #expect(set(0, 0) == nil && owner() == [0, 0, 0])
            #expect(fcntl(readEnd, F_SETOWN, -group) == 0 && owner() == [2, group, -group])
            #expect(fcntl(readEnd, F_SETOWN, me) == 0 && owner() == [1, me, me])
            #expect(fcntl(readEnd, F_SETOWN, 0) == 0 && owner() == [1, 0, 0])
            #expect(set(1, me) == nil)
            #expect(set(5, me) == .invalidArgument && set(-1, me) == .invalidArgument && set(5, Self.missingPID) == .invalidArgument)
            #expect(set(1, Self.missingPID) == .noSuchProcess && set(0, Self.missingPID) == .noSuchProcess)
            #expect(set(2, Self.missingPID) == .noSuchProcess && set(1, -me) == .noSuchProcess && set(2, -group) == .noSuchProcess)
            #expect(owner() == [1, me, me])
            #expect(fcntl(writeEnd, F_GETOWN) == 0)
            var child: CInt = 0
            try SystemVTimesFactsTests.inChild({ ipc_set_owner_ex(readEnd, 0, getpid()) == 0 }) { done in
                #expect(done)
                child = fcntl(readEnd, F_GETOWN)
                #expect(child > 0 && child != me && (try? Syscall.ownerEx(descriptor))?.type == 0)
            }
            #expect(owner() == [0, 0, 0])
        }
    }

    /// `F_GETSIG` is 0 (SIGIO) at first; `F_SETSIG` takes 0 through 64 (`_NSIG`), read back through a duplicate but
    /// not the other end; 65 and -1 `EINVAL`, the signal unchanged.
    @Test func theSignalBelongsToTheDescription() throws {
        try withPipe { readEnd, writeEnd in
            #expect(fcntl(readEnd, Syscall.F_GETSIG) == 0)
            #expect(fcntl(readEnd, Syscall.F_SETSIG, SIGUSR1) == 0)
            let copy = dup(readEnd)
            defer { close(copy) }
            #expect(fcntl(copy, Syscall.F_GETSIG) == SIGUSR1)
            #expect(fcntl(writeEnd, Syscall.F_GETSIG) == 0)
            #expect(fcntl(copy, Syscall.F_SETSIG, 64) == 0)
            #expect(result(fcntl(readEnd, Syscall.F_SETSIG, 65)) == -EINVAL)
            #expect(result(fcntl(readEnd, Syscall.F_SETSIG, -1)) == -EINVAL)
            #expect(fcntl(readEnd, Syscall.F_GETSIG) == 64)
            #expect(fcntl(readEnd, Syscall.F_SETSIG, 0) == 0)
            #expect(fcntl(readEnd, Syscall.F_GETSIG) == 0)
        }
    }
}
