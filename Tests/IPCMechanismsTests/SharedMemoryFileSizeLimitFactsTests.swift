import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `ftruncate` of a POSIX shared memory object and its size limits, as this kernel answers them (C probes first; LTP
/// `ftruncate04`; setrlimit(2), the kernel's `inode_newsize_ok`), each sequence judged call for call by the posix-shm
/// model (``FileSizeLimit``). The limit is the whole process's: each sequence under one runs in a forked child.
///
/// The kernel's surprises: on tmpfs every size up to 2^63 − 1 succeeds (no `EFBIG` at `MAX_LFS_FILESIZE`: an `off_t`
/// cannot pass it), and a shrink is never checked against `RLIMIT_FSIZE` — even to a size above it.
@Suite struct SharedMemoryFileSizeLimitFactsTests {
    typealias Input = PosixSharedMemoryModel.Input
    typealias Output = PosixSharedMemoryModel.Output

    /// A model of one object of a page, held by process 1 from the start, whose `RLIMIT_FSIZE` the setup gives.
    static func history(limit: Int) -> DirectedHistory<PosixSharedMemoryModel> {
        var setup = PosixSharedMemoryModel.Setup(words: 512, mapped: [1])
        setup.fileSizeLimits = [1: FileSizeLimit(soft: limit)]
        return DirectedHistory(model: PosixSharedMemoryModel(objects: [("s0", setup)]), object: "s0")
    }

    static func truncate(_ size: Int, _ outcome: Int) -> (input: Input, output: Output) {
        (.truncate(process: 1, size: size), outcome == 0 ? .done : .failed(outcome == Int(EFBIG) ? .EFBIG : .EINVAL))
    }

    /// Without a limit: 2^63 − 1 and every size below succeed, a negative one fails `EINVAL`; `fstat` reports them.
    @Test func everySizeAnOffTCanHoldSucceeds() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("huge", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let sizes = [Int.max, Int.max - 1, 1 << 40 + 1, -1, Int.min, 4096]
        var calls: [(input: Input, output: Output)] = []
        for size in sizes {
            let outcome = ftruncate(descriptor.rawValue, off_t(size)) == 0 ? 0 : Int(errno)
            #expect(outcome == (size < 0 ? Int(EINVAL) : 0), "ftruncate \(size)")
            var status = stat()
            #expect(fstat(descriptor.rawValue, &status) == 0)
            #expect(Int(status.st_size) == (size < 0 ? 1 << 40 + 1 : size))
            calls += [Self.truncate(size, outcome), (.stat(process: 1), .size(Int(status.st_size), mode: nil))]
        }
        #expect(Self.history(limit: MemoryLockLimit.unlimited).firstRefusal(calls) == nil)
    }

    /// Under a soft limit of 10000 bytes, with `SIGXFSZ` ignored: growing to the limit succeeds, past it fails `EFBIG`
    /// (the size unchanged); from 50000 (above it), shrinking to 40000 succeeds and growing back fails; a limit of 0
    /// still lets the size stay 0.
    @Test func growingPastTheLimitFailsEFBIGAndShrinkingIsNeverChecked() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("fsize", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        #expect(ftruncate(fd, 50000) == 0)
        let sizes = [40000, 50000, 40001, 8192, 10000, 10001, 20000, 4096]
        let slots = try #require(ForkedChildren.run(count: 1, slots: sizes.count + 2) { _, slots in
            var bounds = rlimit(rlim_cur: 10000, rlim_max: rlim_t.max)
            guard setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &bounds) == 0 else { return }
            signal(SIGXFSZ, SIG_IGN)
            for (index, size) in sizes.enumerated() { slots[index] = ftruncate(fd, off_t(size)) == 0 ? 0 : Int(errno) }
            bounds.rlim_cur = 0
            guard setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &bounds) == 0, ftruncate(fd, 0) == 0 else { return }
            slots[sizes.count] = ftruncate(fd, 0) == 0 ? 0 : Int(errno)
            slots[sizes.count + 1] = ftruncate(fd, 1) == 0 ? 0 : Int(errno)
        }).first
        let efbig = Int(EFBIG)
        #expect(slots == [0, efbig, efbig, 0, 0, efbig, efbig, 0, 0, efbig])
        let unlimited = MemoryLockLimit.unlimited
        let outcomes = slots ?? []
        var calls: [(input: Input, output: Output)] = [Self.truncate(50000, 0), (.setFileSizeLimit(process: 1, soft: 10000, hard: unlimited), .done)]
        calls += zip(sizes, outcomes).map { Self.truncate($0, $1) }
        calls += [(.setFileSizeLimit(process: 1, soft: 0, hard: unlimited), .done), Self.truncate(0, 0)]
        calls += zip([0, 1], outcomes.dropFirst(sizes.count)).map { Self.truncate($0, $1) }
        #expect(Self.history(limit: unlimited).firstRefusal(calls) == nil)
        // A model that checks every call against the limit (the shrink from 50000 to 40000 refused) fails here.
        #expect(Self.history(limit: 10000).firstRefusal([Self.truncate(50000, 0)]) != nil)
    }

    /// Past the limit the call sends `SIGXFSZ`: blocked, it is pending (where a handler would run) and the call fails
    /// `EFBIG`; with its default action the process dies of it in the call.
    @Test func pastTheLimitSIGXFSZIsSent() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("fsize-signal", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        let handled = try #require(ForkedChildren.run(count: 1, slots: 2) { _, slots in
            var bounds = rlimit(rlim_cur: 4096, rlim_max: rlim_t.max)
            guard setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &bounds) == 0 else { return }
            var blocked = sigset_t()
            sigemptyset(&blocked)
            sigaddset(&blocked, SIGXFSZ)
            sigprocmask(SIG_BLOCK, &blocked, nil)  // held pending: the call's signal, seen without a handler's globals
            slots[0] = ftruncate(fd, 8192) == 0 ? 0 : Int(errno)
            var pending = sigset_t()
            sigpending(&pending)
            slots[1] = Int(sigismember(&pending, SIGXFSZ))
            signal(SIGXFSZ, SIG_IGN)  // discards it before the unblock
            sigprocmask(SIG_UNBLOCK, &blocked, nil)
        }).first
        #expect(handled == [Int(EFBIG), 1])
        var status: CInt = 0
        let child = Syscall.withoutConcurrentSpawns { () -> pid_t in
            let child = fork()
            if child == 0 {
                var bounds = rlimit(rlim_cur: 4096, rlim_max: rlim_t.max)
                // The default action, the signal not blocked (a test runner's thread may block it: the mask is inherited).
                signal(SIGXFSZ, SIG_DFL)
                var blocked = sigset_t()
                sigemptyset(&blocked)
                sigaddset(&blocked, SIGXFSZ)
                sigprocmask(SIG_UNBLOCK, &blocked, nil)
                if setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &bounds) == 0 { _ = ftruncate(fd, 8192) }
                _exit(0)
            }
            return child
        }
        try #require(child > 0)
        #expect(waitpid(child, &status, 0) == child)
        #expect(status & 0x7f == SIGXFSZ)  // killed by the signal (a core dump may set 0x80)
    }

    /// `setrlimit(RLIMIT_FSIZE)`: soft above hard fails `EINVAL`, a hard limit raised `EPERM` (no `CAP_SYS_RESOURCE`
    /// here, root too) and so does `RLIM_INFINITY` then; a forked child inherits the limit.
    @Test func setrlimitRefusalsAndAForkedChildInheritsTheLimit() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("fsize-set", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        // Made here: the child makes C calls only (no allocation).
        let limits: [(soft: rlim_t, hard: rlim_t)] = [(5000, 6000), (5000, 7000), (6001, 6000), (rlim_t.max, rlim_t.max)]
        let slots = try #require(ForkedChildren.run(count: 1, slots: 5) { _, slots in
            signal(SIGXFSZ, SIG_IGN)
            let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
            for index in limits.indices {
                var bounds = rlimit(rlim_cur: limits[index].soft, rlim_max: limits[index].hard)
                slots[index] = setrlimit(resource, &bounds) == 0 ? 0 : Int(errno)
            }
            let grandchild = fork()
            if grandchild == 0 { _exit(ftruncate(fd, 6000) == 0 ? 0 : CInt(errno)) }
            var status: CInt = 0
            slots[4] = waitpid(grandchild, &status, 0) == grandchild ? Int(status >> 8) : -2
        }).first
        #expect(slots == [0, Int(EPERM), Int(EINVAL), Int(EPERM), Int(EFBIG)])
        #expect(Self.history(limit: MemoryLockLimit.unlimited).firstRefusal([
            (.setFileSizeLimit(process: 1, soft: 5000, hard: 6000), .done), (.setFileSizeLimit(process: 1, soft: 5000, hard: 7000), .failed(.EPERM)),
            (.setFileSizeLimit(process: 1, soft: 6001, hard: 6000), .failed(.EINVAL)),
            (.setFileSizeLimit(process: 1, soft: MemoryLockLimit.unlimited, hard: MemoryLockLimit.unlimited), .failed(.EPERM)),
            (.fork(process: 1, child: 2), .done), (.truncate(process: 2, size: 6000), .failed(.EFBIG)),
        ]) == nil)
    }
}
