import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `read`, `write`, `pread`, `pwrite` and `lseek` of a POSIX shared memory object's descriptor, as this kernel answers
/// them (C probes first; read(2), write(2), pread(2), lseek(2)), each sequence judged call for call by the posix-shm
/// model (``PosixSharedMemoryModel+DescriptorIO``).
///
/// The kernel's surprises: a write at or past `RLIMIT_FSIZE` fails `EFBIG` even where it does not grow the object
/// (`ftruncate` checks only a growth); `pwrite` with `O_APPEND` appends, ignoring its offset; `write` through an
/// `O_RDONLY` descriptor fails `EBADF` for 0 bytes too; tmpfs has holes page by page (`SEEK_HOLE`).
@Suite struct SharedMemoryDescriptorIOFactsTests {
    typealias IO = SharedMemoryDescriptorIO

    /// One object that exists, no one holding it: process 1 opens it (`shm_open`, `mmap` of `pages` pages) as the
    /// kernel sequence does.
    static func history(pages: Int = 1, fileSizeLimit: Int? = nil) -> DirectedHistory<PosixSharedMemoryModel> {
        var setup = PosixSharedMemoryModel.Setup(words: pages * 512, mapped: [])
        if let fileSizeLimit { setup.fileSizeLimits = [1: FileSizeLimit(soft: fileSizeLimit)] }
        return DirectedHistory(model: PosixSharedMemoryModel(objects: [("s0", setup)]), object: "s0")
    }

    /// The file offset: `write` and `read` move it, `read` stops at the size (0 at or past it), `pread` and `pwrite`
    /// leave it; `lseek`'s `SEEK_SET`, `SEEK_CUR`, `SEEK_END` and their `EINVAL` for a result below 0 or a `whence` it
    /// does not know; a negative `pread`/`pwrite` offset `EINVAL`.
    @Test func readsStopAtTheSizeAndTheOffsetMoves() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("io-offset", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = shm_open(name, O_RDWR, 0)
        defer { close(fd) }
        try #require(fd >= 0 && ftruncate(fd, 0) == 0)
        let calls: [IO.Call] = [
            IO.write(fd, "abcdefghij"), IO.seek(fd, 0, SEEK_CUR), IO.seek(fd, 0, SEEK_SET), IO.read(fd, max: 4),
            IO.read(fd, max: 64), IO.read(fd, max: 64), IO.seek(fd, 100, SEEK_SET), IO.read(fd, max: 64),
            IO.seek(fd, -1, SEEK_SET), IO.seek(fd, -200, SEEK_CUR), IO.seek(fd, -5, SEEK_END), IO.seek(fd, -11, SEEK_END),
            IO.seek(fd, 5, SEEK_END), IO.seek(fd, 0, 7), IO.pread(fd, max: 4, at: -1), IO.pwrite(fd, "x", at: -1),
            IO.pread(fd, max: 4, at: 8), IO.seek(fd, 0, SEEK_CUR),
        ]
        #expect(calls.map(\.output) == [
            .written(10), .offset(10), .offset(0), .data(Array("abcd".utf8)), .data(Array("efghij".utf8)), .data([]), .offset(100),
            .data([]), .failed(.EINVAL), .failed(.EINVAL), .offset(5), .failed(.EINVAL), .offset(15), .failed(.EINVAL),
            .failed(.EINVAL), .failed(.EINVAL), .data(Array("ij".utf8)), .offset(15),
        ])
        let history = Self.history()
        #expect(history.firstRefusal([(.open(process: 1), .done), (.truncate(process: 1, size: 0), .done)] + calls) == nil)
        // A model whose read went on past the size (the rest of the page) fails here.
        #expect(history.firstRefusal([
            (.open(process: 1), .done), (.truncate(process: 1, size: 0), .done), (.descriptorIO(process: 1, .write(data: Array("ab".utf8))), .written(2)),
            (.descriptorIO(process: 1, .positionedRead(max: 4, offset: 0)), .data(Array("ab".utf8) + [0, 0])),
        ]) != nil)
    }

    /// A write grows the object, zeroing nothing (a store past the old end in its page shows), and a mapping's loads
    /// and stores are coherent with the descriptor's reads and writes; a page wholly beyond the old end raises
    /// `SIGBUS` before the write that reaches it and holds its data after.
    @Test func writesGrowTheObjectAndAMappingSeesThem() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("io-mapping", pages: 3)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        let words = try PosixSharedMemory.map(descriptor, size: 3 * 4096)
        defer { munmap(words.base, 3 * 4096) }
        #expect(ftruncate(fd, 10) == 0)
        var calls: [IO.Call] = [(.open(process: 1), .done), (.truncate(process: 1, size: 10), .done)]
        func load(_ index: Int) -> PosixSharedMemoryModel.Output {
            do throws(Errno) {
                return .accessed(.value(Int64(bitPattern: try words.guardedLoad(index))))
            } catch { return .failed(error == .memoryAccess(SIGBUS) ? .SIGBUS : .EFAULT) }
        }
        words.base.storeBytes(of: 0x1111_1111_1111_1111, toByteOffset: 24, as: Int64.self)
        calls.append((.access(process: 1, .store(index: 3, value: 0x1111_1111_1111_1111)), .accessed(.stored)))
        calls += [IO.pwrite(fd, "A", at: 40), IO.pread(fd, max: 8, at: 24), (.access(process: 1, .load(index: 1024)), load(1024))]
        calls += [IO.pwrite(fd, "12345678", at: 8192), (.access(process: 1, .load(index: 1024)), load(1024))]
        words.base.storeBytes(of: 0x4847_4645_4443_4241, toByteOffset: 8, as: Int64.self)
        calls.append((.access(process: 1, .store(index: 1, value: 0x4847_4645_4443_4241)), .accessed(.stored)))
        calls += [IO.pread(fd, max: 8, at: 8), IO.pwrite(fd, "QQ", at: 0), (.access(process: 1, .load(index: 0)), load(0))]
        var status = stat()
        #expect(fstat(fd, &status) == 0)
        calls.append((.stat(process: 1), .size(Int(status.st_size))))
        #expect(calls.dropFirst(3).map(\.output) == [
            .written(1), .data([UInt8](repeating: 0x11, count: 8)), .failed(.SIGBUS), .written(8), .accessed(.value(0x3837_3635_3433_3231)),
            .accessed(.stored), .data(Array("ABCDEFGH".utf8)), .written(2), .accessed(.value(Int64(bitPattern: 0x0000_0000_0000_5151))), .size(8200),
        ])
        #expect(Self.history(pages: 3).firstRefusal(calls) == nil)
    }

    /// `O_APPEND`: `write` goes to the end and leaves the offset there; `pwrite` appends too, ignoring its offset, and
    /// leaves the offset alone. The offset is the open file description's: a forked child's `read` moves its parent's,
    /// another `shm_open` starts at 0. Through an `O_RDONLY` descriptor `write` and `pwrite` fail `EBADF`, 0 bytes
    /// too; `read` of 0 bytes returns 0.
    @Test func appendTheSharedOffsetAndAReadOnlyDescriptor() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("io-append", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = shm_open(name, O_RDWR, 0)
        defer { close(fd) }
        try #require(fd >= 0 && ftruncate(fd, 10) == 0)
        var calls: [IO.Call] = [(.open(process: 1), .done), (.truncate(process: 1, size: 10), .done)]
        let append = PosixSharedMemoryModel.StatusFlags.append
        #expect(fcntl(fd, F_SETFL, CInt(append.rawValue)) == 0)
        calls.append((.statusFlags(process: 1, set: append), .done))
        calls += [IO.seek(fd, 0, SEEK_SET), IO.write(fd, "AP"), IO.seek(fd, 0, SEEK_CUR), IO.pwrite(fd, "PW", at: 0), IO.pread(fd, max: 4, at: 10), IO.seek(fd, 0, SEEK_CUR)]
        #expect(fcntl(fd, F_SETFL, 0) == 0)
        calls.append((.statusFlags(process: 1, set: []), .done))
        calls.append(IO.seek(fd, 0, SEEK_SET))
        let child = try #require(ForkedChildren.run(count: 1, slots: 1) { _, slots in
            var buffer = [UInt8](repeating: 0, count: 3)
            slots[0] = IO.slot(buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 3) })
        }).first
        #expect(child == [3])
        calls += [(.fork(process: 1, child: 2), .done), (.descriptorIO(process: 2, .read(max: 3)), .data(Array("\0\0\0".utf8))), IO.seek(fd, 0, SEEK_CUR)]
        let other = shm_open(name, O_RDWR, 0)
        let readOnly = shm_open(name, O_RDONLY, 0)
        defer { close(other); close(readOnly) }
        try #require(other >= 0 && readOnly >= 0)
        calls += [(.open(process: 1), .done), IO.seek(other, 0, SEEK_CUR), (.open(process: 1, .init(readOnly: true)), .done)]
        calls += [IO.write(readOnly, "x"), IO.pwrite(readOnly, "x", at: 0), IO.write(readOnly, ""), IO.read(readOnly, max: 0), IO.pread(readOnly, max: 2, at: 12)]
        #expect(calls.dropFirst(3).map(\.output) == [
            .offset(0), .written(2), .offset(12), .written(2), .data(Array("APPW".utf8)), .offset(12), .done, .offset(0), .done, .data([0, 0, 0]),
            .offset(3), .done, .offset(0), .done, .failed(.EBADF), .failed(.EBADF), .failed(.EBADF), .data([]), .data(Array("PW".utf8)),
        ])
        let history = Self.history()
        #expect(history.firstRefusal(calls) == nil)
        // A model whose pwrite wrote at its offset with O_APPEND (as POSIX says) fails here: the object would end at 12.
        #expect(history.firstRefusal(Array(calls.prefix(7)) + [(calls[7].input, .data(Array("AP".utf8)))]) != nil)
    }

    /// Positions near 2^63: `lseek` to 2^63 − 1 succeeds, one step past it `EINVAL`; a read or write whose position
    /// and count pass 2^63 − 1 fails `EINVAL` (a count of 0 never); a write ending at 2^63 − 1 makes that the size.
    @Test func positionsPastTheLargestOffsetFailEINVAL() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("io-overflow", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = shm_open(name, O_RDWR, 0)
        defer { close(fd) }
        try #require(fd >= 0)
        let calls: [IO.Call] = [
            IO.seek(fd, Int.max, SEEK_SET), IO.seek(fd, 1, SEEK_CUR), IO.read(fd, max: 1), IO.write(fd, "x"),
            IO.pwrite(fd, "xy", at: Int.max - 1), IO.pwrite(fd, "", at: Int.max), IO.pread(fd, max: 1, at: Int.max),
            IO.pwrite(fd, "xy", at: Int.max - 2), IO.seek(fd, 0, SEEK_END), IO.seek(fd, 1, SEEK_END),
        ]
        #expect(calls.map(\.output) == [
            .offset(Int.max), .failed(.EINVAL), .failed(.EINVAL), .failed(.EINVAL), .failed(.EINVAL), .written(0), .failed(.EINVAL),
            .written(2), .offset(Int.max), .failed(.EINVAL),
        ])
        #expect(Self.history().firstRefusal([(.open(process: 1), .done)] + calls) == nil)
    }

    /// Under `RLIMIT_FSIZE` (100 bytes, `SIGXFSZ` ignored, in a forked child): a write starting below the limit is cut
    /// short at it; one at or past it fails `EFBIG` — also where the object is already bigger (it does not grow); 0
    /// bytes return 0 anywhere; `O_APPEND` at a size of 100 fails `EFBIG`.
    @Test func writesStopAtTheFileSizeLimit() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("io-fsize", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        func run(size: Int, _ body: @escaping (UnsafeMutablePointer<Int>) -> Void) throws -> [Int] {
            try #require(ftruncate(fd, off_t(size)) == 0)
            return try #require(ForkedChildren.run(count: 1, slots: 6) { _, slots in
                var bounds = rlimit(rlim_cur: 100, rlim_max: rlim_t.max)
                guard setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &bounds) == 0 else { return }
                signal(SIGXFSZ, SIG_IGN)
                body(slots)
            }?.first)
        }
        func pwrite(_ text: String, _ offset: Int) -> Int { IO.slot(Glibc.pwrite(fd, text, text.utf8.count, off_t(offset))) }
        let grown = try run(size: 0) { slots in
            slots[0] = pwrite("0123456789", 95)
            slots[1] = pwrite("0123456789", 100)
            slots[2] = pwrite("0123456789", 50)
            slots[3] = pwrite("", 300)
            guard fcntl(fd, F_SETFL, O_APPEND) == 0 else { return }
            slots[4] = IO.slot(Glibc.write(fd, "x", 1))
            slots[5] = Int(fcntl(fd, F_SETFL, 0))
        }
        let efbig = -Int(EFBIG)
        #expect(grown == [5, efbig, 10, 0, efbig, 0])
        let bigger = try run(size: 500) { slots in
            slots[0] = pwrite("x", 200)
            slots[1] = pwrite("xy", 99)
        }
        #expect(bigger == [efbig, 1, -1, -1, -1, -1])
        let unlimited = MemoryLockLimit.unlimited
        func written(_ data: String, at offset: Int, _ slot: Int) -> IO.Call {
            (.descriptorIO(process: 1, .positionedWrite(data: Array(data.utf8), offset: offset)), IO.outcome(slot) { .written($0) })
        }
        var calls: [IO.Call] = [(.open(process: 1), .done), (.truncate(process: 1, size: 0), .done)]
        calls += [(.setFileSizeLimit(process: 1, soft: 100, hard: unlimited), .done), written("0123456789", at: 95, grown[0]), written("0123456789", at: 100, grown[1])]
        calls += [written("0123456789", at: 50, grown[2]), written("", at: 300, grown[3]), (.statusFlags(process: 1, set: .append), .done)]
        calls += [(.descriptorIO(process: 1, .write(data: [UInt8](repeating: 120, count: 1))), IO.outcome(grown[4]) { .written($0) })]
        calls += [(.statusFlags(process: 1, set: []), .done), (.setFileSizeLimit(process: 1, soft: unlimited, hard: unlimited), .done)]
        calls += [(.truncate(process: 1, size: 500), .done), (.setFileSizeLimit(process: 1, soft: 100, hard: unlimited), .done)]
        calls += [written("x", at: 200, bigger[0]), written("xy", at: 99, bigger[1])]
        let history = Self.history(fileSizeLimit: unlimited)
        #expect(history.firstRefusal(calls) == nil)
        // A model that checked only a growth, as ftruncate's, fails on the write at 200 within the size.
        #expect(history.firstRefusal(Array(calls.dropLast(2)) + [written("x", at: 200, 1)]) != nil)
    }

    /// tmpfs has holes, page by page: after a write at 3 × 4096 + 5 into an empty object, `SEEK_HOLE` from 0 finds
    /// 4096 and `SEEK_DATA` from 4096 finds 12288; `ENXIO` at or past the size. Which pages are holes follows every
    /// access through a mapping and `fallocate`, which the model does not keep: it refuses `SEEK_DATA` and `SEEK_HOLE`.
    @Test func tmpfsHasHolesAndTheModelRefusesSeekDataAndSeekHole() throws {
        let (name, descriptor) = try SharedMemoryFactsTests.object("io-holes", pages: 1)
        defer { try? Syscall.close(descriptor); try? Syscall.shmUnlink(name) }
        let fd = descriptor.rawValue
        try #require(ftruncate(fd, 0) == 0)
        #expect(pwrite(fd, "a", 1, 0) == 1 && pwrite(fd, "Z", 1, 3 * 4096 + 5) == 1)
        let seekData: CInt = 3, seekHole: CInt = 4
        #expect(lseek(fd, 0, seekHole) == 4096)
        #expect(lseek(fd, 4096, seekData) == 3 * 4096)
        #expect(lseek(fd, 3 * 4096 + 6, seekData) == -1 && errno == ENXIO)
        let model = PosixSharedMemoryModel(objects: [("s0", .init(words: 512, mapped: []))])
        #expect(throws: ModelError.self) { try model.input(from: Call(process: 1, object: "s0", f: "lseek", value: ["offset": 0, "whence": "SEEK_HOLE"])) }
        // A setup's descriptor has an offset the model does not know: read refused, pread judged.
        let held = PosixSharedMemoryModel(objects: [("s0", .init(words: 512, mapped: [1]))])
        #expect(throws: ModelError.self) { try held.input(from: Call(process: 1, object: "s0", f: "read", value: ["max": 4])) }
        #expect(try held.input(from: Call(process: 1, object: "s0", f: "pread", value: ["max": 4, "offset": 0])) == .descriptorIO(process: 1, .positionedRead(max: 4, offset: 0)))
    }
}
