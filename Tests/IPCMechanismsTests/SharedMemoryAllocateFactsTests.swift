import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `fallocate` and `posix_fallocate` of a POSIX shared memory object's descriptor, as this kernel (6.18) answers them
/// (C probes first; LTP `fallocate01`–`06`; fallocate(2), `vfs_fallocate`, `shmem_fallocate`), each sequence judged
/// call for call by the posix-shm model (``PosixSharedMemoryModel+Allocate``).
///
/// The kernel's surprises: `FALLOC_FL_KEEP_SIZE` meets `RLIMIT_FSIZE` too (`EFBIG` for an allocation past the size
/// and the limit, though the size stays); which unsupported modes fail `EOPNOTSUPP` before `EBADF` (`vfs_fallocate`'s:
/// `PUNCH_HOLE` alone, `NO_HIDE_STALE`, `COLLAPSE_RANGE`/`INSERT_RANGE`/`WRITE_ZEROES` with `KEEP_SIZE`, several
/// modes, unknown bits) and which after (tmpfs's: `ZERO_RANGE`, `UNSHARE_RANGE`, `COLLAPSE_RANGE`, `INSERT_RANGE`,
/// `WRITE_ZEROES`); a punched hole zeroes what a mapping stored past the end too.
@Suite struct SharedMemoryAllocateFactsTests {
    typealias IO = SharedMemoryDescriptorIO
    static let keepSize = 0x1, punchHole = 0x2

    /// Mode 0 grows the size (never shrinks it), zeroing nothing: a store past the old end in its page shows after;
    /// `KEEP_SIZE` leaves the size; `PUNCH_HOLE | KEEP_SIZE` zeroes its bytes, which the mapping's loads see, the size
    /// unchanged, past the end too.
    @Test func modeZeroGrowsKeepSizeKeepsAndAPunchedHoleReadsZero() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("fallocate", pages: 2)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        let words = try PosixSharedMemory.map(descriptor, size: 2 * 4096)
        defer { munmap(words.base, 2 * 4096) }
        try #require(ftruncate(fd, 0) == 0)
        func size() -> IO.Call {
            var status = stat()
            return (.stat(process: 1), fstat(fd, &status) == 0 ? .size(Int(status.st_size)) : .failed(IO.code(errno)))
        }
        func store(_ index: Int, _ value: Int64) -> IO.Call {
            words.base.storeBytes(of: value, toByteOffset: index * 8, as: Int64.self)
            return (.access(process: 1, .store(index: index, value: value)), .accessed(.stored))
        }
        func load(_ index: Int) -> IO.Call {
            (.access(process: 1, .load(index: index)), .accessed(.value(words.base.load(fromByteOffset: index * 8, as: Int64.self))))
        }
        var calls: [IO.Call] = [(.open(process: 1), .done), (.truncate(process: 1, size: 0), .done)]
        calls += [IO.allocate(fd, 0, 100), size(), IO.allocate(fd, mode: Self.keepSize, 0, 10000), size(), IO.allocate(fd, 50, 10), size()]
        calls += [store(20, 0x2222_2222_2222_2222), IO.allocate(fd, 150, 50), IO.pread(fd, max: 8, at: 160), IO.allocate(fd, 8000, 10), size()]
        calls += [store(0, 0x0807_0605_0403_0201), store(1, 88), IO.allocate(fd, mode: Self.punchHole | Self.keepSize, 2, 4), load(0), load(1)]
        calls += [IO.allocate(fd, mode: Self.punchHole | Self.keepSize, 0, 4096), load(1), size()]
        calls += [store(1010, 7), IO.allocate(fd, mode: Self.punchHole | Self.keepSize, 8010, 100), load(1010), size()]
        let outputs = calls.map(\.output)
        #expect(Array(outputs[2...7]) == [.done, .size(100), .done, .size(100), .done, .size(100)])
        #expect(Array(outputs[9...12]) == [.done, .data([UInt8](repeating: 0x22, count: 8)), .done, .size(8010)])
        #expect(Array(outputs[15...22]) == [.done, .accessed(.value(0x0807_0000_0000_0201)), .accessed(.value(88)), .done, .accessed(.value(0)), .size(8010), .accessed(.stored), .done])
        #expect(Array(outputs[23...]) == [.accessed(.value(0)), .size(8010)])
        let history = DirectedHistory(model: PosixSharedMemoryModel(objects: [("s0", .init(words: 1024, mapped: []))]), object: "s0")
        #expect(history.firstRefusal(calls) == nil)
        // A model whose KEEP_SIZE grew the size fails here.
        #expect(history.firstRefusal(Array(calls.prefix(4)) + [calls[4], (.stat(process: 1), .size(10000))]) != nil)
    }

    /// The refusals, in the kernel's order: an offset below 0 or a length of 0 or less `EINVAL` (through an `O_RDONLY`
    /// descriptor too); `vfs_fallocate`'s unsupported modes `EOPNOTSUPP` before the `O_RDONLY` descriptor's `EBADF`,
    /// tmpfs's after it; an end past 2^63 − 1 `EFBIG`; `posix_fallocate` returns the same numbers.
    @Test func refusalsComeInTheKernelsOrder() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("fallocate-refusals", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = shm_open(name, O_RDWR, 0)
        let readOnly = shm_open(name, O_RDONLY, 0)
        defer { close(fd); close(readOnly) }
        try #require(fd >= 0 && readOnly >= 0)
        var calls: [IO.Call] = [(.open(process: 1), .done), (.open(process: 2, .init(readOnly: true)), .done)]
        let unsupported: Set<Int> = [0x2, 0x4, 0x9, 0x21, 0x81, 0x100, 0x12, -1]  // vfs_fallocate's, before EBADF
        let modes = [0x0, 0x1, 0x3, 0x2, 0x4, 0x8, 0x9, 0x10, 0x11, 0x20, 0x21, 0x40, 0x41, 0x80, 0x81, 0x100, 0x12, -1]
        for mode in modes {
            let refused = IO.allocate(readOnly, mode: mode, 0, 10, process: 2)
            let expected: ErrorCode = unsupported.contains(mode) ? ErrorCode("EOPNOTSUPP") : .EBADF
            #expect(refused.output == .failed(expected), "mode \(mode) through O_RDONLY")
            calls.append(refused)
            if ![0, 1, 3].contains(mode) {
                let writable = IO.allocate(fd, mode: mode, 0, 10)
                #expect(writable.output == .failed(ErrorCode("EOPNOTSUPP")), "mode \(mode)")
                calls.append(writable)
            }
        }
        let invalid = [IO.allocate(readOnly, 0, 0, process: 2), IO.allocate(readOnly, -1, 10, process: 2), IO.allocate(fd, 0, -1), IO.allocate(fd, mode: 0x100, -1, 0)]
        #expect(invalid.allSatisfy { $0.output == .failed(.EINVAL) })
        let tooLarge = [IO.allocate(fd, Int.max, 1), IO.allocate(fd, 1, Int.max), IO.posixAllocate(fd, 1, Int.max)]
        #expect(tooLarge.allSatisfy { $0.output == .failed(.EFBIG) })
        let posix = [IO.posixAllocate(readOnly, 0, 10, process: 2), IO.posixAllocate(fd, 0, 0), IO.posixAllocate(fd, -1, 1), IO.allocate(fd, 1 << 40, 10)]
        #expect(posix.map(\.output) == [.failed(.EBADF), .failed(.EINVAL), .failed(.EINVAL), .done])
        calls += invalid + tooLarge + posix + [(.stat(process: 1), .size(1 << 40 + 10))]
        var status = stat()
        #expect(fstat(fd, &status) == 0 && status.st_size == 1 << 40 + 10)
        let history = DirectedHistory(model: PosixSharedMemoryModel(objects: [("s0", .init(words: 512, mapped: []))]), object: "s0")
        #expect(history.firstRefusal(calls) == nil)
        // A model that looked at the descriptor first (EBADF for PUNCH_HOLE alone through O_RDONLY) fails here.
        #expect(history.firstRefusal(Array(calls.prefix(2)) + [(.allocate(process: 2, .init(mode: 0x2, offset: 0, length: 10)), .failed(.EBADF))]) != nil)
    }

    /// Under `RLIMIT_FSIZE` (100 bytes, `SIGXFSZ` ignored, in a forked child): an allocation ending past the size and
    /// the limit fails `EFBIG` — `KEEP_SIZE` too, and `posix_fallocate`; one ending within the size is not checked,
    /// even past the limit; a punched hole never is.
    @Test func allocationsPastTheSizeMeetTheFileSizeLimit() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("fallocate-fsize", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        try #require(ftruncate(fd, 0) == 0)
        let calls: [(mode: Int, offset: Int, length: Int, posix: Bool)] = [
            (0, 0, 101, false), (0, 0, 100, false), (Self.keepSize, 0, 200, false), (Self.punchHole | Self.keepSize, 0, 200, false),
            (0, 200, 1, false), (0, 0, 101, true), (0, 50, 50, false),
        ]
        let grown = try #require(ForkedChildren.run(count: 1, slots: calls.count) { _, slots in
            var bounds = rlimit(rlim_cur: 100, rlim_max: rlim_t.max)
            guard setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &bounds) == 0 else { return }
            signal(SIGXFSZ, SIG_IGN)
            for (index, call) in calls.enumerated() {
                slots[index] = call.posix
                    ? -Int(posix_fallocate(fd, off_t(call.offset), off_t(call.length)))
                    : IO.slot(Int(ipc_fallocate(fd, CInt(call.mode), Int64(call.offset), Int64(call.length))))
            }
        }?.first)
        let efbig = -Int(EFBIG)
        #expect(grown == [efbig, 0, efbig, 0, efbig, efbig, 0])
        try #require(ftruncate(fd, 500) == 0)
        let bigger = try #require(ForkedChildren.run(count: 1, slots: 2) { _, slots in
            var bounds = rlimit(rlim_cur: 100, rlim_max: rlim_t.max)
            guard setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &bounds) == 0 else { return }
            signal(SIGXFSZ, SIG_IGN)
            slots[0] = IO.slot(Int(ipc_fallocate(fd, 0, 150, 10)))
            slots[1] = IO.slot(Int(ipc_fallocate(fd, 0, 450, 100)))
        }?.first)
        #expect(bigger == [0, efbig])
        let unlimited = MemoryLockLimit.unlimited
        func allocation(_ call: (mode: Int, offset: Int, length: Int, posix: Bool), _ slot: Int) -> IO.Call {
            (.allocate(process: 1, .init(mode: call.mode, offset: call.offset, length: call.length, posix: call.posix)), IO.outcome(slot) { _ in .done })
        }
        var judged: [IO.Call] = [(.open(process: 1), .done), (.truncate(process: 1, size: 0), .done), (.setFileSizeLimit(process: 1, soft: 100, hard: unlimited), .done)]
        judged += zip(calls, grown).map { allocation($0, $1) }
        judged += [(.setFileSizeLimit(process: 1, soft: unlimited, hard: unlimited), .done), (.truncate(process: 1, size: 500), .done)]
        judged += [(.setFileSizeLimit(process: 1, soft: 100, hard: unlimited), .done)]
        let within: [(mode: Int, offset: Int, length: Int, posix: Bool)] = [(0, 150, 10, false), (0, 450, 100, false)]
        judged += zip(within, bigger).map { allocation($0, $1) }
        var setup = PosixSharedMemoryModel.Setup(words: 512, mapped: [])
        setup.fileSizeLimits = [1: FileSizeLimit(soft: unlimited)]
        let history = DirectedHistory(model: PosixSharedMemoryModel(objects: [("s0", setup)]), object: "s0")
        #expect(history.firstRefusal(judged) == nil)
        // A model whose KEEP_SIZE was never checked (the size stays) fails here.
        #expect(history.firstRefusal(Array(judged.prefix(5)) + [allocation(calls[2], 0)]) != nil)
    }
}
