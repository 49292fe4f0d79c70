import CIPCShims
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `mlock`, `mlock2`, `munlock`, `mlockall` and `munlockall` on a POSIX shared memory object's mapping (this kernel;
/// C probes first; LTP's `mlock`, `mlock2`, `munlock`, `mlockall` tests as the checklist), as the posix-shm model's
/// lock calls take them. A lock is seen through `msync(MS_INVALIDATE)`, which fails `EBUSY` over a locked page.
///
/// Measured as root (`CAP_IPC_LOCK`: `RLIMIT_MEMLOCK`, 8 MiB here, is not met), in a forked child: the holes it makes
/// must not be filled by another thread's mapping meanwhile, and `mlockall` must not lock the test process.
/// `mlockall(MCL_CURRENT)` without `MCL_ONFAULT` (which would fault in every page of the child) was measured by the
/// probe: it locks `PROT_NONE` pages too and succeeds.
@Suite struct SharedMemoryMemoryLockFactsTests {
    @Test func locksAreSeenByMsyncAndFollowTheKernelsRules() throws {
        try Syscall.withoutConcurrentSpawns { () throws in try measure() }
    }

    private func measure() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("mlock", pages: 4)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let words = try PosixSharedMemory.map(descriptor, size: 4 * 4096)
        let base = words.base
        let fd = descriptor.rawValue
        defer { munmap(base, 4 * 4096) }
        let facts = SharedMemoryFactsTests.factsInChild {
            // Plain C calls only (no lock of the runtime's in a forked child).
            let page = 4096
            func locked(_ address: UnsafeMutableRawPointer) -> Bool { msync(address, page, MS_INVALIDATE) == -1 && errno == EBUSY }
            func fails(_ result: CInt, _ code: CInt) -> Bool { result == -1 && errno == code }
            var held: UInt16 = 0
            func fact(_ bit: UInt16, _ holds: Bool) { if holds { held |= 1 << bit } }
            fact(0, mlock(base, 0) == 0 && !locked(base))
            // An address inside a page is rounded down, the length up from there: a length of 0 locks the page.
            fact(1, mlock(base + 8, 0) == 0 && locked(base) && munlock(base + 8, 0) == 0 && !locked(base))
            fact(2, mlock(base + 8, page) == 0 && locked(base) && locked(base + page) && munlock(base, 2 * page) == 0)
            // mlock2: a flag other than MLOCK_ONFAULT (1) fails EINVAL, nothing locked.
            fact(3, fails(ipc_mlock2(base, page, 2), EINVAL) && fails(ipc_mlock2(base, 0, 3), EINVAL) && !locked(base))
            // PROT_NONE: mlock fails ENOMEM faulting it in, the page locked all the same; MLOCK_ONFAULT succeeds.
            mprotect(base, page, PROT_NONE)
            fact(4, fails(mlock(base, page), ENOMEM) && locked(base) && munlock(base, page) == 0 && ipc_mlock2(base, page, 1) == 0
                && locked(base) && munlock(base, page) == 0)
            mprotect(base, page, PROT_READ | PROT_WRITE)
            // Locks do not nest; mprotect keeps them.
            fact(5, mlock(base, page) == 0 && mlock(base, page) == 0 && munlock(base, page) == 0 && !locked(base))
            fact(6, mlock(base, page) == 0 && mprotect(base, page, PROT_READ) == 0 && locked(base) && munlock(base, page) == 0)
            mprotect(base, page, PROT_READ | PROT_WRITE)
            // A hole at page 1: locked up to it, then ENOMEM; a hole first: ENOMEM, nothing changed.
            let unmapped = munmap(base + page, page) == 0
            fact(7, unmapped && fails(mlock(base, 4 * page), ENOMEM) && locked(base) && !locked(base + 2 * page) && !locked(base + 3 * page))
            fact(8, fails(mlock(base + page, page), ENOMEM) && fails(mlock(base + page + 8, 0), ENOMEM) && mlock(base + page, 0) == 0
                && locked(base) && !locked(base + 2 * page))
            fact(9, mlock(base + 2 * page, 2 * page) == 0 && fails(munlock(base, 4 * page), ENOMEM) && !locked(base)
                && locked(base + 2 * page) && locked(base + 3 * page))
            // MS_INVALIDATE over a locked page past the hole: EBUSY, not the hole's ENOMEM, which other flags give.
            fact(10, fails(msync(base, 4 * page, MS_INVALIDATE), EBUSY) && fails(msync(base, 4 * page, MS_SYNC | MS_INVALIDATE), EBUSY)
                && fails(msync(base, 4 * page, MS_SYNC), ENOMEM) && fails(msync(base + 8, page, MS_INVALIDATE), EINVAL))
            // Pages wholly past the object's end: mlock fails ENOMEM faulting them in, locked all the same; MLOCK_ONFAULT
            // succeeds.
            fact(11, munlock(base + 2 * page, 2 * page) == 0 && ftruncate(fd, off_t(page)) == 0 && fails(mlock(base + 2 * page, page), ENOMEM)
                && locked(base + 2 * page) && ipc_mlock2(base + 3 * page, page, 1) == 0 && locked(base + 3 * page))
            fact(12, munlockall() == 0 && !locked(base + 2 * page) && !locked(base + 3 * page))
            // mlockall: EINVAL without MCL_CURRENT or MCL_FUTURE, or with another bit.
            fact(13, fails(mlockall(0), EINVAL) && fails(mlockall(4), EINVAL) && fails(mlockall(MCL_CURRENT | 8), EINVAL))
            fact(14, mlockall(MCL_CURRENT | 4) == 0 && locked(base) && locked(base + 2 * page) && munlockall() == 0 && !locked(base))
            // MCL_FUTURE: a new mapping starts locked, the old ones not; an mlockall without it ends it.
            var future = false
            if mlockall(MCL_FUTURE) == 0, let new = mmap(nil, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), new != MAP_FAILED {
                future = locked(new) && !locked(base)
                if mlockall(MCL_CURRENT | 4) == 0, let newer = mmap(nil, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), newer != MAP_FAILED {
                    future = future && !locked(newer) && locked(new)
                    munmap(newer, page)
                } else {
                    future = false
                }
                munmap(new, page)
            }
            fact(15, future && munlockall() == 0)
            return held
        }
        let missing = (0..<16).filter { facts & (1 << $0) == 0 }
        #expect(missing.isEmpty, "facts that did not hold: \(missing)")
    }
}
