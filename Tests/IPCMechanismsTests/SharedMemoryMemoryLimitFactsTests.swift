import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `RLIMIT_MEMLOCK` as an unprivileged process meets it on this kernel (C probes first; LTP `mlock02`, `mlock203`,
/// `mlockall02`, `mlockall03` and `mmap`'s `MAP_LOCKED` `EAGAIN` as the checklist; mlock(2), mmap(2), setrlimit(2)),
/// as the posix-shm model's `"memlock"` setup takes it (``MemoryLockLimit``), and the model judging the same calls.
///
/// Each sequence runs in a forked child (plain C calls only) that lowers its `RLIMIT_MEMLOCK` and, as root, drops to
/// the user nobody (65534, without `CAP_IPC_LOCK`): the limit and the user are the whole process's. The child maps
/// nothing else and locks nothing else, so the object's pages are its whole count (`"locksNothingElse"`).
///
/// The kernel's surprises: a length of 0 fails `EPERM` under a limit of 0 (the check comes first); a limit under a page
/// counts as none (`ENOMEM`, not `EPERM`); `MAP_LOCKED` past the limit fails `EAGAIN`, not `mlock`'s `ENOMEM`, and a
/// `MAP_FIXED` over locked pages still counts them; `mlockall(MCL_CURRENT)` counts every page the process maps
/// (`total_vm`): it fails under a limit the locked pages are far from, and with `MCL_FUTURE` beside it sets nothing.
@Suite struct SharedMemoryMemoryLimitFactsTests {
    static let page = 4096
    /// What a child's call gave: 0 for success, else its errno; -1 where the child could not set itself up.
    typealias Outcomes = [CInt]

    /// Runs `body` in a forked child that first sets `RLIMIT_MEMLOCK` to `limit` bytes and, unless `privileged`, drops
    /// to `user` (nobody unless given) when it is root; `body` writes each call's outcome (0 or errno) in turn. Returns them (at most 32).
    static func outcomesInChild(limit: Int, hard: Int? = nil, privileged: Bool = false, user: uid_t = 65534, _ body: (_ record: (CInt) -> Void) -> Void) -> Outcomes {
        let capacity = 32
        let buffer = UnsafeMutablePointer<CInt>.allocate(capacity: capacity + 1)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0, count: capacity + 1)
        var report: [CInt] = [0, 0]
        #expect(pipe(&report) == 0)
        defer { close(report[0]) }
        let writeEnd = report[1]
        let child = fork()
        if child == 0 {
            // Only C calls and integers here: a child forked from a threaded process must not enter the Swift runtime.
            var count: CInt = 0
            var bounds = rlimit(rlim_cur: rlim_t(limit), rlim_max: rlim_t(hard ?? limit))
            if setrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &bounds) != 0 { count = -1 }
            if count == 0 && !privileged && geteuid() == 0 && (setgid(65534) != 0 || setuid(user) != 0) { count = -1 }
            if count == 0 {
                body { outcome in
                    if count < capacity { buffer[Int(count) + 1] = outcome; count += 1 }
                }
            }
            buffer[0] = count
            _ = Glibc.write(writeEnd, buffer, (capacity + 1) * MemoryLayout<CInt>.size)
            _exit(0)
        }
        close(report[1])
        var received = 0
        while received < (capacity + 1) * MemoryLayout<CInt>.size {
            let got = read(report[0], UnsafeMutableRawPointer(buffer) + received, (capacity + 1) * MemoryLayout<CInt>.size - received)
            if got <= 0 { break }
            received += got
        }
        var status: CInt = 0
        #expect(waitpid(child, &status, 0) == child)
        guard received == (capacity + 1) * MemoryLayout<CInt>.size, buffer[0] >= 0 else { return [-1] }
        return Array(UnsafeBufferPointer(start: buffer + 1, count: Int(buffer[0])))
    }

    /// `setrlimit(RLIMIT_MEMLOCK)`'s outcome (nil: `RLIM_INFINITY`).
    static func limited(soft: Int?, hard: Int?) -> CInt {
        var bounds = rlimit(rlim_cur: soft.map { rlim_t($0) } ?? rlim_t.max, rlim_max: hard.map { rlim_t($0) } ?? rlim_t.max)
        return setrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &bounds) == 0 ? 0 : errno
    }
    /// A call's outcome: 0, or errno.
    static func outcome(_ result: CInt) -> CInt { result == 0 ? 0 : errno }
    /// An `mmap`'s outcome (the mapping left in place: the child exits).
    static func mapped(_ descriptor: CInt, pages: Int, flags: CInt, offset: off_t = 0, at address: UnsafeMutableRawPointer? = nil) -> CInt {
        mmap(address, pages * page, PROT_READ | PROT_WRITE, MAP_SHARED | flags, descriptor, offset) == MAP_FAILED ? errno : 0
    }
    static func locked(_ address: UnsafeMutableRawPointer) -> CInt {
        msync(address, page, MS_INVALIDATE) == -1 && errno == EBUSY ? 1 : 0
    }

    /// The object (4 pages) and a shared mapping of it, made before the fork; `measure` gets the mapping's address and
    /// the descriptor.
    static func withObject(_ label: String, _ measure: (UnsafeMutableRawPointer, CInt) -> Outcomes) throws -> Outcomes {
        try Syscall.withoutConcurrentSpawns { () throws -> Outcomes in
            let (name, descriptor) = try SharedMemoryFactsTests.object(label, pages: 4)
            defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
            let words = try PosixSharedMemory.map(descriptor, size: 4 * page)
            defer { munmap(words.base, 4 * page) }
            return measure(words.base, descriptor.rawValue)
        }
    }

    // MARK: The sequences, each with the model's inputs for the same calls (process 1, a 4-page mapping).

    typealias Input = PosixSharedMemoryModel.Input
    static func lock(_ first: Int, _ count: Int, onFault: Bool = false, bits: Int = 0) -> Input {
        .lock(process: 1, .lock(.init(first: first, count: count), flags: onFault || bits != 0 ? .init(onFault: onFault, otherBits: bits) : nil))
    }
    static func unlock(_ first: Int, _ count: Int) -> Input { .lock(process: 1, .unlock(.init(first: first, count: count))) }
    static func invalidate(_ first: Int) -> Input { .sync(process: 1, .init(first: first, count: 1), .init(invalidate: true)) }
    static func mapLocked(pages: Int, offset: Int = 0, address: PosixSharedMemoryModel.Address? = nil, flags: PosixSharedMemoryModel.MapFlags = .locked) -> Input {
        var opening = PosixSharedMemoryModel.Opening()
        opening.mapFlags = flags
        opening.length = pages * page
        opening.offset = offset
        opening.address = address
        return .open(process: 1, opening)
    }

    /// Under a 2-page limit: `mlock`, `mlock2`, `munlock`, `MAP_LOCKED`, `MCL_FUTURE` and `MCL_CURRENT`, each on the
    /// newest mapping (as the model's and the worker's calls are).
    static func twoPages(_ base: UnsafeMutableRawPointer, _ fd: CInt) -> Outcomes {
        outcomesInChild(limit: 2 * page) { record in
            var newest = base
            func map(pages: Int, flags: CInt) -> CInt {
                guard let address = mmap(nil, pages * page, PROT_READ | PROT_WRITE, MAP_SHARED | flags, fd, 0), address != MAP_FAILED else { return errno }
                newest = address
                return 0
            }
            record(outcome(mlock(newest, 2 * page)))
            record(outcome(mlock(newest, 2 * page)))  // re-locked: counted once
            record(outcome(mlock(newest + page, 2 * page)))  // one new page past the limit: ENOMEM, nothing changed
            record(locked(newest + 2 * page))
            record(outcome(munlock(newest, page)))  // room given back
            record(outcome(mlock(newest + 2 * page, page)))
            record(locked(newest + 2 * page))
            record(outcome(ipc_mlock2(newest + 3 * page, page, 1)))  // MLOCK_ONFAULT counts the same
            record(outcome(mlock(newest, 3 * page)))  // 2 locked + page 0
            record(outcome(munlock(newest, 4 * page)))
            record(outcome(ipc_mlock2(newest, 2 * page, 1)))
            record(map(pages: 1, flags: MAP_LOCKED))  // EAGAIN, not ENOMEM
            record(outcome(munlock(newest, 4 * page)))
            record(map(pages: 2, flags: MAP_LOCKED))  // fits: locked
            record(outcome(mlock(newest, page)))  // its page, locked already
            record(map(pages: 1, flags: MAP_LOCKED))
            record(outcome(munlockall()))
            record(outcome(mlockall(MCL_CURRENT)))  // the whole process: far past 2 pages
            record(locked(newest))
            record(outcome(mlockall(MCL_CURRENT | MCL_FUTURE)))  // nothing set: the next mmap is not locked
            record(map(pages: 4, flags: 0))
            record(outcome(mlockall(MCL_FUTURE)))
            record(map(pages: 4, flags: 0))  // EAGAIN: MCL_FUTURE counts a new mapping
            record(outcome(munlockall()))
            record(map(pages: 4, flags: 0))
            record(outcome(mlock(newest, 0)))
        }
    }

    static let twoPagesInputs: [Input] = [
        lock(0, 2), lock(0, 2), lock(1, 2), invalidate(2), unlock(0, 1), lock(2, 1), invalidate(2), lock(3, 1, onFault: true),
        lock(0, 3), unlock(0, 4), lock(0, 2, onFault: true), mapLocked(pages: 1), unlock(0, 4), mapLocked(pages: 2), lock(0, 1),
        mapLocked(pages: 1), .lock(process: 1, .unlockAll), .lock(process: 1, .lockAll(.init(current: true))), invalidate(0),
        .lock(process: 1, .lockAll(.init(current: true, future: true))), mapLocked(pages: 4, flags: []),
        .lock(process: 1, .lockAll(.init(future: true))), mapLocked(pages: 4, flags: []), .lock(process: 1, .unlockAll),
        mapLocked(pages: 4, flags: []), .lock(process: 1, .lock(.init(first: 0, length: 0), flags: nil)),
    ]
    /// In the calls' order; what `msync(MS_INVALIDATE)` saw (outcomes 3, 6 and 18) is 1 for locked (`EBUSY`).
    static let twoPagesExpected: Outcomes = [
        0, 0, ENOMEM, 0, 0, 0, 1, ENOMEM, ENOMEM, 0, 0, EAGAIN, 0, 0, 0, EAGAIN, 0, ENOMEM, 0, ENOMEM, 0, 0, EAGAIN, 0, 0, 0,
    ]

    /// Under a limit of 0: `EPERM` (a length of 0 too), after `mlock2`'s and `mlockall`'s `EINVAL`; `MAP_LOCKED` `EPERM`
    /// after the unaligned offset's `EINVAL` and `MAP_FIXED_NOREPLACE`'s `EEXIST`, before a negative offset's
    /// `EOVERFLOW`; `munlock` and `munlockall` succeed.
    static func zero(_ base: UnsafeMutableRawPointer, _ fd: CInt) -> Outcomes {
        outcomesInChild(limit: 0) { record in
            record(outcome(mlock(base, 0)))
            record(outcome(ipc_mlock2(base, page, 2)))
            record(outcome(ipc_mlock2(base, page, 1)))
            record(outcome(munlock(base, page)))
            record(outcome(mlockall(0)))
            record(outcome(mlockall(MCL_FUTURE)))
            record(outcome(munlockall()))
            record(mapped(fd, pages: 1, flags: MAP_LOCKED))
            record(mapped(fd, pages: 1, flags: MAP_LOCKED, offset: -4096))
            record(mapped(fd, pages: 1, flags: MAP_LOCKED, offset: 8))
            record(mapped(fd, pages: 1, flags: MAP_LOCKED | MAP_FIXED_NOREPLACE, at: base))
        }
    }

    static let zeroInputs: [Input] = [
        .lock(process: 1, .lock(.init(first: 0, length: 0), flags: nil)), lock(0, 1, bits: 2), lock(0, 1, onFault: true), unlock(0, 1),
        .lock(process: 1, .lockAll(.init())), .lock(process: 1, .lockAll(.init(future: true))), .lock(process: 1, .unlockAll),
        mapLocked(pages: 1), mapLocked(pages: 1, offset: -4096), mapLocked(pages: 1, offset: 8), mapLocked(pages: 1, address: .noReplace),
    ]
    static let zeroExpected: Outcomes = [EPERM, EINVAL, EPERM, 0, EINVAL, EPERM, 0, EPERM, EPERM, EINVAL, EEXIST]

    static func setLimit(_ soft: Int, _ hard: Int) -> Input { .setMemoryLockLimit(process: 1, soft: soft, hard: hard) }

    /// `setrlimit` in mid-sequence, from a soft limit of 4 pages and a hard one of 8: lowered below the 3 pages locked,
    /// it succeeds and they stay locked; every lock then fails (`mmap` `EAGAIN`) — a re-lock of a locked page too —
    /// until `munlock` brings them within it; a soft limit above the hard one fails `EINVAL` (`RLIM_INFINITY` too); a
    /// hard limit raised fails `EPERM` (no `CAP_SYS_RESOURCE`), once lowered too; a soft limit of 0 fails locks `EPERM`
    /// and leaves the locked pages.
    static func lowered(_ base: UnsafeMutableRawPointer, _ fd: CInt) -> Outcomes {
        outcomesInChild(limit: 4 * page, hard: 8 * page) { record in
            record(outcome(mlock(base, 3 * page)))
            record(limited(soft: page, hard: 8 * page))  // below the 3 locked pages: allowed
            record(locked(base))
            record(locked(base + 2 * page))
            record(outcome(mlock(base, page)))  // a re-lock of a locked page: ENOMEM, 3 > 1
            record(outcome(mlock(base + 3 * page, page)))
            record(outcome(ipc_mlock2(base, page, 1)))
            record(mapped(fd, pages: 1, flags: MAP_LOCKED))  // EAGAIN
            record(outcome(munlock(base, 2 * page)))
            record(outcome(mlock(base + 2 * page, page)))  // 1 locked, limit 1: the re-lock fits
            record(outcome(mlock(base, page)))
            record(limited(soft: 9 * page, hard: 8 * page))  // EINVAL
            record(limited(soft: 4 * page, hard: 16 * page))  // EPERM
            record(limited(soft: nil, hard: 8 * page))  // EINVAL
            record(limited(soft: 8 * page, hard: 8 * page))
            record(outcome(mlock(base, 4 * page)))
            record(limited(soft: 0, hard: 8 * page))
            record(outcome(mlock(base, page)))  // EPERM, locked or not
            record(outcome(mlock(base, 0)))
            record(outcome(munlock(base + 3 * page, page)))
            record(locked(base))
            record(limited(soft: 2 * page, hard: 2 * page))  // the hard limit lowered
            record(limited(soft: 2 * page, hard: 8 * page))  // and never raised again: EPERM
            record(outcome(mlock(base, page)))  // 3 locked > 2
            record(outcome(munlock(base, 4 * page)))
            record(outcome(mlock(base, 2 * page)))
            record(mapped(fd, pages: 1, flags: MAP_LOCKED))  // EAGAIN
            record(limited(soft: 2 * page, hard: 2 * page))  // the same hard limit: no raise
            record(limited(soft: nil, hard: nil))  // EPERM
        }
    }

    static let loweredInputs: [Input] = [
        lock(0, 3), setLimit(page, 8 * page), invalidate(0), invalidate(2), lock(0, 1), lock(3, 1), lock(0, 1, onFault: true),
        mapLocked(pages: 1), unlock(0, 2), lock(2, 1), lock(0, 1), setLimit(9 * page, 8 * page), setLimit(4 * page, 16 * page),
        setLimit(MemoryLockLimit.unlimited, 8 * page), setLimit(8 * page, 8 * page), lock(0, 4), setLimit(0, 8 * page), lock(0, 1),
        .lock(process: 1, .lock(.init(first: 0, length: 0), flags: nil)), unlock(3, 1), invalidate(0), setLimit(2 * page, 2 * page),
        setLimit(2 * page, 8 * page), lock(0, 1), unlock(0, 4), lock(0, 2), mapLocked(pages: 1), setLimit(2 * page, 2 * page),
        setLimit(MemoryLockLimit.unlimited, MemoryLockLimit.unlimited),
    ]
    static let loweredExpected: Outcomes = [
        0, 0, 1, 1, ENOMEM, ENOMEM, ENOMEM, EAGAIN, 0, 0, ENOMEM, EINVAL, EPERM, EINVAL, 0, 0, 0, EPERM, EPERM, 0, 1, 0, EPERM,
        ENOMEM, 0, 0, EAGAIN, 0, EPERM,
    ]

    @Test func aLimitLoweredBelowTheLockedPagesKeepsThemAndRefusesMore() throws {
        #expect(try Self.withObject("memlock-lowered", Self.lowered) == Self.loweredExpected)
    }

    @Test func underALimitLockedPagesCountOnceAndMapLockedFailsEAGAIN() throws {
        #expect(try Self.withObject("memlock-two", Self.twoPages) == Self.twoPagesExpected)
    }

    @Test func aLimitOfZeroFailsEPERMEvenForALengthOfZero() throws {
        #expect(try Self.withObject("memlock-zero", Self.zero) == Self.zeroExpected)
    }

    /// A limit under a page is not 0: `ENOMEM`, as for any page past it.
    @Test func aLimitUnderAPageCountsNoPage() throws {
        let outcomes = try Self.withObject("memlock-bytes") { base, _ in
            Self.outcomesInChild(limit: 100) { record in record(Self.outcome(mlock(base, Self.page))) }
        }
        #expect(outcomes == [ENOMEM])
    }

    /// With `CAP_IPC_LOCK` (root) a limit of 0 refuses nothing (measured only as root).
    @Test(.enabled(if: geteuid() == 0)) func capIpcLockIgnoresTheLimit() throws {
        let outcomes = try Self.withObject("memlock-root") { base, fd in
            Self.outcomesInChild(limit: 0, privileged: true) { record in
                record(Self.outcome(mlock(base, 4 * Self.page)))
                record(Self.mapped(fd, pages: 2, flags: MAP_LOCKED))
                record(Self.outcome(mlockall(MCL_FUTURE)))
                record(Self.mapped(fd, pages: 4, flags: 0))
                record(Self.outcome(munlockall()))
            }
        }
        #expect(outcomes == [0, 0, 0, 0, 0])
    }
}
