import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// The posix-shm model against the kernel, call for call: one object, 32 bytes long at first, mapped 8000 bytes
/// long (1000 words: two pages, the last one partly asked for, whose every word the mapping reaches) by processes
/// 1 and 2 — both played by this process, each mapping its own (a private mapping's
/// copies belong to the mapping, so two of one process behave as two processes' would).
@Suite struct PosixSharedMemoryAgreementTests {
    static let words = 1000
    /// `mmap`'s and `mprotect`'s bits for a protection (as the worker gives them).
    static func bits(_ protection: PosixSharedMemoryMapping.Protection) -> CInt {
        PartlyMappedWords.protection(readable: protection != .none, writable: protection.writes, executable: protection.executes)
    }

    /// The words of the mapping's two whole pages.
    static let reachable = 1024

    /// A mapping of `length` bytes at `address` (every word of its pages reachable; the pages past it holes).
    static func mapping(_ address: UnsafeMutableRawPointer, length: Int) -> PartlyMappedWords {
        PartlyMappedWords(SharedWords(base: address, count: reachable), mappedPages: (length + 4095) / 4096)
    }

    /// Where the kernel and the model first disagree on `operations`, if anywhere: each (choice, index, amount),
    /// process 2's for a choice of 12 or more (less 12) — 0…4 an access (words 0…3, 600 in the second page for
    /// index 3 and an amount above 2, 1023 — past the
    /// mapping's length, in its last page — below −3); 5…6 `shm_open` and `mmap` (5: `O_CREAT` from index 2,
    /// `O_EXCL` at 3, `O_TRUNC` for amount 4, `PROT_EXEC` for index 0 and amount 3 (`PROT_READ` with it) or −1,
    /// and for index 2 and amount −3 or −4 (5 only), `O_RDONLY` below −2 with `PROT_WRITE` at −3, `O_RDWR` with
    /// `PROT_READ` for index 0 and amount 1 (5 only), refused names at ±5,
    /// neither `MAP_SHARED` nor `MAP_PRIVATE` for index 1 and amount 3, length 0 for index 1 and amount −1, 100
    /// (one page) for index 0 and amount 2, 4097 (two) for index 1 and amount 2; 6: as 5
    /// but `MAP_PRIVATE` for an odd amount, offset 4096 for index 1, for index 0 offset 100 (amount 2), 2^30 (3),
    /// 2^63 − 12288 (4: two pages fit), 2^63 − 8192 (−4: `EOVERFLOW`, one page would fit), −4096 (−2:
    /// `EOVERFLOW`); for index 2 `MAP_FIXED` at the newest mapping (amount 0, 1, and 2: one page from 4096), an
    /// unaligned `MAP_FIXED` (−2), an unaligned hint (3); for index 3, without `O_CREAT`, `mmap`'s other flags
    /// (``mapFlags``));
    /// 7 `fstat` (negative amount: `st_size`, the mode, `st_uid`, `st_gid`; at index 2 `F_GETFD`, at 3 `F_SETFD`
    /// of `FD_CLOEXEC` for an even amount, of 0 for an odd) or `munmap` and `close` (at index 3 and an odd amount `close` alone: the mapping stays); 8 `ftruncate` (0, 8, 12, 40, 4096, 8192 or −1); 9
    /// `shm_unlink`; 10 `mprotect` (`PROT_NONE`, `PROT_READ`, both, by amount) of page 0, page 1, both, or at index
    /// 3 none (amount −5), an unaligned address (5) or both — page 0 as 100 bytes for index 0 and an amount above
    /// 2; 11 a partial `munmap` of page 0, page 1, both (as 4097 bytes for an even amount), or at index 3 none
    /// (amount below 0) or an unaligned address; 24…27 a lock call (``lockStep``); 28…31 `pread`, `pwrite`, `lseek`
    /// or `fallocate` of the descriptor (``descriptorStep``).
    static func disagreement(_ operations: [(Int, Int, Int)]) throws -> String? {
        let words = Self.words
        let name = "/ipch-test-\(getpid())-words-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = try PosixSharedMemory.create(name, size: 32)
        let inode = try Syscall.inode(of: descriptor)
        var handles: [Int: [(FileDescriptor, PartlyMappedWords)]] = [:]
        defer {
            for handle in handles.values.joined() {
                var mapping = handle.1
                try? mapping.unmapAll()
                if handle.0.rawValue >= 0 { try? Syscall.close(handle.0) }
            }
            try? Syscall.shmUnlink(name)
        }
        handles[1] = [(descriptor, Self.mapping(try PosixSharedMemory.map(descriptor, size: words * 8).base, length: words * 8))]
        let second = try Syscall.shmOpen(name, flags: O_RDWR | O_CLOEXEC)
        handles[2] = [(second, Self.mapping(try PosixSharedMemory.map(second, size: words * 8).base, length: words * 8))]
        let model = PosixSharedMemoryModel(objects: [("s", .init(words: words, mapped: [1, 2], size: 32))])
        let steps = operations.map { choice, index, amount -> (PosixSharedMemoryModel.Input, () throws -> PosixSharedMemoryModel.Output) in
            if choice >= 28 { return Self.descriptorStep(choice, index, amount, handles: { handles }) }
            if choice >= 24 { return Self.lockStep(choice, index, amount, handles: { handles }) }
            let process = choice >= 12 ? 2 : 1
            switch choice % 12 {
            case 0...4:
                let word = index == 3 && amount > 2 ? 600 : index == 3 && amount < -3 ? 1023 : index
                let access = ObjectModelAgreementTests.access(choice % 12, word, amount)
                return (.access(process: process, access), {
                    guard let mapping = handles[process]?.last?.1 else { return .failed(.EFAULT) }
                    do {
                        return ObjectModelAgreementTests.perform(access, try mapping.words(reaching: word))
                    } catch { return .failed(errorCode(error)) }
                })
            case 5...6:
                let invalid: PosixSharedMemoryModel.InvalidName? = amount == -5 ? (index == 1 ? .overNameMax : .withSlash) : amount == 5 ? .tooLong : nil
                // Choice 6 at index 3: no O_CREAT, but mmap's other flags (mapFlags).
                let otherFlags = choice % 12 == 6 && index == 3
                var opening = PosixSharedMemoryModel.Opening(
                    create: index >= 2 && !otherFlags, exclusive: index == 3 && !otherFlags, truncate: amount == 4, readOnly: amount < -2,
                    writableMapping: amount == -3 ? true : choice % 12 == 5 && index == 0 && (amount == 1 || amount == 3) ? false : nil,
                    invalidName: invalid)
                if choice % 12 == 5 {
                    opening.executable = index == 0 && [3, -1].contains(amount) || index == 2 && [-3, -4].contains(amount)
                    opening.neitherSharedNorPrivate = index == 1 && amount == 3
                    opening.length = index == 1 && amount == -1 ? 0 : amount == 2 && index < 2 ? [100, 4097][index] : nil
                } else {
                    opening.isPrivate = amount % 2 != 0
                    let top = Int.max & ~4095  // 2^63 − 4096: not even one page fits; two fit from top − 8192
                    let offsets = [2: 100, 3: 1 << 30, 4: top - 8192, -4: top - 4096, -2: -4096]
                    opening.offset = index == 1 ? 4096 : index == 0 ? offsets[amount] ?? 0 : 0
                    let addresses: [Int: PosixSharedMemoryModel.Address] = [
                        0: .fixed, 1: process == 1 ? .fixed : .unalignedNoReplace, 2: .fixed, -2: .unalignedFixed, 3: .hint,
                        -1: .noReplace, -3: .noReplace, -4: .freeNoReplace, 4: .freeFixed,
                    ]
                    if index == 2, let address = addresses[amount] {
                        opening.address = address
                        if amount == 2 { (opening.offset, opening.length) = (4096, 4096) }
                    }
                    if otherFlags { (opening.validate, opening.mapFlags) = Self.mapFlags[amount] ?? (false, []) }
                }
                return (.open(process: process, opening), {
                    var flags = (opening.readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC
                    if opening.create { flags |= O_CREAT }
                    if opening.exclusive { flags |= O_EXCL }
                    if opening.truncate { flags |= O_TRUNC }
                    let path = invalid.map { $0.path(for: name) } ?? name
                    do {
                        let opened = try Syscall.shmOpen(path, flags: flags, mode: 0o600)
                        guard try Syscall.inode(of: opened) == inode else {
                            try? Syscall.close(opened)
                            try? Syscall.shmUnlink(name)
                            return .done
                        }
                        do {
                            let length = opening.length ?? words * 8
                            let replaced = 0..<(length + 4095) / 4096
                            let address = try PartlyMappedWords.map(
                                opened, length: length, protection: Self.bits(opening.protection),
                                flags: (opening.neitherSharedNorPrivate ? 0 : opening.isPrivate ? MAP_PRIVATE : opening.validate ? MAP_SHARED_VALIDATE : MAP_SHARED)
                                    | CInt(truncatingIfNeeded: opening.mapFlags.rawValue), offset: opening.offset,
                                at: .init(address: opening.address?.rawValue) ?? .none, over: handles[process]?.last?.1, pages: replaced)
                            if opening.address == .fixed { handles[process]![handles[process]!.count - 1].1.lose(replaced) }
                            handles[process, default: []].append((opened, Self.mapping(address, length: length)))
                        } catch {
                            try? Syscall.close(opened)
                            throw error
                        }
                        return .done
                    } catch { return .failed(errorCode(error)) }
                })
            case 7:
                if amount < 0 && index == 2 { return (.descriptorFlags(process: process, set: nil), {
                    guard let handle = handles[process]?.last(where: { $0.0.rawValue >= 0 }) else { return .failed(.EBADF) }
                    return .closeOnExec(try Syscall.closesOnExec(handle.0))
                }) }
                if amount < 0 && index == 3 { return (.descriptorFlags(process: process, set: amount % 2 == 0), {
                    guard let handle = handles[process]?.last(where: { $0.0.rawValue >= 0 }) else { return .failed(.EBADF) }
                    try Syscall.setClosesOnExec(handle.0, amount % 2 == 0)
                    return .done
                }) }
                if amount < 0 { return (.stat(process: process), {
                    guard let handle = handles[process]?.last(where: { $0.0.rawValue >= 0 }) else { return .failed(.EBADF) }
                    let status = try Syscall.fileStatus(handle.0)
                    return .size(status.size, mode: Int(status.mode & 0o777), owner: Int(status.owner), group: Int(status.group))
                }) }
                if index == 3 && amount % 2 == 1 { return (.close(process: process), {
                    // The descriptor is closed and marked -1; the mapping stays.
                    guard let newest = handles[process]?.lastIndex(where: { $0.0.rawValue >= 0 }) else { return .failed(.EBADF) }
                    try Syscall.close(handles[process]![newest].0)
                    handles[process]![newest].0 = FileDescriptor(rawValue: -1)
                    return .done
                }) }
                return (.unmap(process: process), {
                    guard var handle = handles[process]?.popLast() else { return .failed(.EINVAL) }
                    try handle.1.unmapAll()
                    if handle.0.rawValue >= 0 { try Syscall.close(handle.0) }
                    return .done
                })
            case 8:
                let size = [0, 8, 12, 40, 4096, 8192, -1][(index + amount + 5) % 7]
                return (.truncate(process: process, size: size), {
                    guard let handle = handles[process]?.last(where: { $0.0.rawValue >= 0 }) else { return .failed(size < 0 ? .EINVAL : .EBADF) }
                    do { try Syscall.truncate(handle.0, size: size); return .done } catch { return .failed(errorCode(error)) }
                })
            case 9 where index > 0 && amount >= -3:
                // msync (SharedMemorySyncFactsTests): page 1, pages 0-1, or no pages, unaligned, 100 bytes; the flags
                // one of seven, two of them refused.
                let flags = [
                    PosixSharedMemoryMapping.SyncFlags(sync: true), .init(async: true), .init(invalidate: true), .init(),
                    .init(sync: true, invalidate: true), .init(sync: true, async: true), .init(async: true, otherBits: 0x10),
                ][(amount + 3) % 7]
                let pages = index == 3
                    ? amount == 3 ? PosixSharedMemoryMapping.Pages(count: 0) : amount == 2 ? .init(count: 1, unaligned: true) : .init(length: 100)
                    : PosixSharedMemoryMapping.Pages(first: index == 1 ? 1 : 0, count: index)
                return (.sync(process: process, pages, flags), {
                    guard let mapping = handles[process]?.last?.1 else {
                        return pages.unaligned || flags.refused ? .failed(.EINVAL) : pages.count == 0 ? .done : .failed(.ENOMEM)
                    }
                    let bits = (flags.sync ? MS_SYNC : 0) | (flags.async ? MS_ASYNC : 0) | (flags.invalidate ? MS_INVALIDATE : 0) | CInt(flags.otherBits)
                    do {
                        try mapping.sync(first: pages.first, count: pages.count, unaligned: pages.unaligned, length: pages.length, flags: bits)
                        return .done
                    } catch { return .failed(errorCode(error)) }
                })
            case 9:
                let invalid: PosixSharedMemoryModel.InvalidName? = amount == -5 && index == 1 ? .overNameMax : amount < -3 ? .withSlash : nil
                return (.unlink(process: process, invalidName: invalid), {
                    do { try Syscall.shmUnlink(invalid.map { $0.path(for: name) } ?? name); return .done } catch { return .failed(errorCode(error)) }
                })
            case 10:
                // PROT_EXEC with it for page 1 and amount ±4.
                let protection: PosixSharedMemoryMapping.Protection = index == 1 && amount == 4 ? .readExec
                    : index == 1 && amount == -4 ? .readWriteExec : [.none, .read, .readWrite][(amount + 6) % 3]
                let pages = index == 3
                    ? PosixSharedMemoryMapping.Pages(count: amount == -5 ? 0 : 2, unaligned: amount == 5)
                    : index == 0 && amount > 2 ? PosixSharedMemoryMapping.Pages(length: 100)
                    : PosixSharedMemoryMapping.Pages(first: index == 1 ? 1 : 0, count: index == 2 ? 2 : 1)
                return (.protect(process: process, pages, protection), {
                    guard let mapping = handles[process]?.last?.1 else {
                        return pages.unaligned ? .failed(.EINVAL) : pages.count == 0 ? .done : .failed(.ENOMEM)
                    }
                    let bits = Self.bits(protection)
                    do {
                        try mapping.protect(first: pages.first, count: pages.count, unaligned: pages.unaligned, length: pages.length, protection: bits)
                        return .done
                    } catch { return .failed(errorCode(error)) }
                })
            default:
                let pages = index == 3
                    ? PosixSharedMemoryMapping.Pages(count: amount < 0 ? 0 : 1, unaligned: amount >= 0)
                    : index == 2 && amount % 2 == 0 ? PosixSharedMemoryMapping.Pages(length: 4097)
                    : PosixSharedMemoryMapping.Pages(first: index == 1 ? 1 : 0, count: index == 2 ? 2 : 1)
                return (.unmapPages(process: process, pages), {
                    guard handles[process]?.isEmpty == false else { return .failed(.EINVAL) }
                    do {
                        try handles[process]![handles[process]!.count - 1].1.unmap(
                            first: pages.first, count: pages.count, unaligned: pages.unaligned, length: pages.length)
                        return .done
                    } catch { return .failed(errorCode(error)) }
                })
            }
        }
        return ModelAgreement(model: model, object: "s").firstDisagreement(steps)
    }

    /// Hand-written sequences, each aimed at one measured fact (and so at the plausible wrong model beside it).
    static let directed: [(String, [(Int, Int, Int)])] = [
        // Process 2 maps privately (an odd amount), reads what process 1 stores, then stores to word 1 (a copy of
        // page 0); process 1's store no longer shows, word 600 (page 1, only read) still follows; its own store
        // never reaches process 1; after munmap its older shared mapping sees the object again.
        ("MAP_PRIVATE follows until it stores", [
            (8, 0, 0), (18, 0, 1), (1, 0, 3), (12, 0, 0), (13, 1, 9), (1, 0, 4), (12, 0, 0), (0, 1, 0),
            (1, 3, 5), (12, 3, 5), (13, 3, 5), (1, 3, 4), (12, 3, 4), (19, 0, 0), (12, 1, 0),
        ]),
        // A private copy of page 1, the object shrunk to 4096 and grown again: the copy is gone (SIGBUS, then the
        // object's zeros, then following it); page 0's copy stays through a shrink inside it (to 40), and goes
        // with a shrink to 0.
        ("a shrink drops copies wholly beyond the end", [
            (8, 0, 0), (18, 0, 1), (13, 3, 5), (13, 0, 7), (8, 0, -1), (12, 3, 5), (12, 0, 0), (8, 0, 0), (12, 3, 5),
            (1, 3, 4), (12, 3, 4), (8, 0, -2), (12, 0, 0), (12, 3, -5), (8, 0, 2), (12, 0, 0),
        ]),
        // O_TRUNC (process 1's open, amount 4) drops process 2's private copy as a shrink to 0 does.
        ("O_TRUNC drops copies", [(8, 0, 0), (18, 0, 1), (13, 0, 7), (5, 0, 4), (12, 0, 0), (8, 0, 0), (12, 0, 0)]),
        // O_RDONLY: a MAP_PRIVATE PROT_WRITE mapping is allowed and its stores are its own; a MAP_SHARED one
        // EACCES; ftruncate through the read-only descriptor EINVAL.
        ("a private writable mapping of a read-only descriptor", [
            (8, 0, 0), (5, 0, -3), (18, 0, -3), (13, 0, 6), (12, 0, 0), (0, 0, 0), (8, 0, 0), (20, 0, 0),
        ]),
        // Offsets: 100 is refused EINVAL; 4096 maps the object's second page at word 0 (what process 2 stores there
        // process 1's private mapping from the same offset reads), and SIGBUS starts at the object's end counted
        // from the offset; a shrink to 4096 leaves nothing mapped there, and growing again reads zeros.
        ("offsets", [
            (8, 0, 0), (6, 0, 2), (18, 1, 0), (13, 3, 5), (13, 0, 3), (6, 1, 1), (0, 0, 0), (12, 3, 5), (8, 0, -1),
            (0, 0, 0), (12, 0, 0), (8, 0, 0), (0, 0, 0), (12, 0, 0),
        ]),
        // mmap's refusals: neither MAP_SHARED nor MAP_PRIVATE, length 0, and the O_RDONLY ones before EACCES.
        ("mmap refusals", [(5, 1, 3), (5, 1, -1), (5, 1, -3), (0, 0, 0)]),
        // An O_RDWR descriptor's PROT_READ mapping refuses stores, but ftruncate through the descriptor works.
        ("PROT_READ of an O_RDWR descriptor", [(5, 0, 1), (1, 0, 1), (8, 0, 0), (0, 3, 5), (17, 0, 0), (8, 0, 0)]),
        // mprotect: PROT_NONE refuses loads, PROT_READ stores, page by page; unaligned EINVAL; none pages done;
        // PROT_WRITE on a shared mapping of an O_RDONLY descriptor EACCES, on a private one allowed.
        ("mprotect", [
            (10, 0, 0), (0, 0, 0), (1, 0, 1), (0, 3, 5), (10, 3, 1), (0, 0, 0), (1, 0, 2), (10, 3, 5), (10, 3, -5),
            (10, 3, 2), (1, 0, 3), (5, 0, -4), (10, 2, 2), (1, 0, 1), (6, 0, -7), (10, 2, 2), (1, 0, 1), (0, 0, 0),
            (12, 0, 0),
        ]),
        // A partial munmap: the page SIGSEGV, the other keeps its words; again succeeds; none or unaligned EINVAL;
        // mprotect across the hole ENOMEM after changing page 0; then the whole munmap succeeds.
        ("partial munmap", [
            (8, 0, 0), (1, 0, 5), (11, 1, 0), (0, 0, 0), (0, 3, 5), (11, 1, 0), (11, 3, -1), (11, 3, 1), (10, 2, 1),
            (1, 0, 1), (0, 0, 0), (10, 1, 2), (11, 0, 0), (0, 0, 0), (7, 0, 0), (0, 0, 0), (11, 0, 0), (10, 0, 0),
        ]),
    ]

    /// `mmap`'s other flags for choice 6, index 3, by amount (an odd amount is `MAP_PRIVATE`, below −2 `O_RDONLY`,
    /// −3 with `PROT_WRITE`, 4 `O_TRUNC`): `MAP_LOCKED` with a bit plain `MAP_SHARED` drops (0), `MAP_SHARED_VALIDATE`
    /// with `MAP_LOCKED` (−2), with `MAP_SYNC` (2: `EOPNOTSUPP`), alone (4), with `MAP_GROWSDOWN` and `MAP_SYNC` of a
    /// read-only descriptor (−4: `EOPNOTSUPP` first); private `MAP_LOCKED` (1), `MAP_GROWSDOWN` (3; −3, after the
    /// private mapping's allowed `PROT_WRITE`: `EINVAL`), `MAP_HUGETLB` (−1: `EINVAL`) (±5 are refused names).
    /// `MAP_LOCKED` only where this process may lock (`CAP_IPC_LOCK`): elsewhere `MAP_POPULATE` instead.
    static let mapFlags: [Int: (Bool, PosixSharedMemoryModel.MapFlags)] = {
        let locked: PosixSharedMemoryModel.MapFlags = Syscall.locksMemoryWithoutLimit ? .locked : .populate
        let dropped = PosixSharedMemoryModel.MapFlags(rawValue: 0x200)
        return [
            0: (false, [locked, dropped]), -2: (true, locked), 2: (true, .sync), 4: (true, []), -4: (true, [.growsDown, .sync]),
            1: (false, [locked, .noReserve]), 3: (false, .growsDown), -3: (false, .growsDown), -1: (false, .hugeTLB),
        ]
    }()

    /// `mmap`'s other flags (`SharedMemoryMapFlagsFactsTests`).
    static let flags: [(String, [(Int, Int, Int)])] = [
        // A validated MAP_LOCKED mapping shares the object (process 2's store read through it, and back) and locks
        // both pages (MS_INVALIDATE EBUSY; process 1's first mapping, once it is the newest again, not); MAP_SYNC
        // refused EOPNOTSUPP, MAP_GROWSDOWN EINVAL after a read-only descriptor's refusals, MAP_HUGETLB EINVAL,
        // MAP_GROWSDOWN with MAP_SYNC EOPNOTSUPP; private and plain shared MAP_LOCKED lock too.
        ("mmap's other flags", [
            (13, 0, 5), (6, 3, -2), (0, 0, 0), (1, 1, 7), (12, 1, 0), (9, 2, -1), (7, 0, 0), (9, 2, -1), (6, 3, 2),
            (6, 3, 3), (6, 3, -3), (6, 3, -1), (6, 3, -4), (6, 3, 1), (9, 1, -1), (7, 0, 0), (6, 3, 0), (9, 2, -1),
            (0, 0, 0),
        ]),
        // SharedMemoryPopulateFactsTests: mlock of page 0 of process 1's private mapping copies that page (process 2's
        // store of 5 unseen there), page 1 still follows (600); a private MAP_LOCKED mapping copies both (the 5 kept,
        // process 2's 7 unseen).
        ("populating a writable private mapping copies its pages", [
            (6, 0, 1), (24, 0, 0), (13, 0, 5), (0, 0, 0), (13, 3, 5), (0, 3, 3), (6, 3, 1), (13, 0, 7), (0, 0, 0), (0, 3, 3),
        ]),
    ]

    /// Lengths that are not whole pages (`SharedMemoryMappingFactsTests`), each aimed at one fact.
    static let lengths: [(String, [(Int, Int, Int)])] = [
        // Word 1023, past the 8000 bytes mapped, in the last page: stored by process 1, read by process 2. A
        // 100-byte mapping is one page (600 SIGSEGV, both ways); mprotect of 100 bytes changes page 0 only, and a
        // munmap of 4097 bytes takes both pages.
        ("a mapping reaches its whole last page", [
            (8, 0, 0), (1, 3, -4), (12, 3, -4), (5, 0, 2), (0, 3, 5), (0, 0, 0), (1, 3, 3), (7, 0, 0), (10, 0, 4),
            (1, 0, 1), (1, 3, 4), (10, 0, 5), (1, 0, 1), (11, 2, 0), (0, 3, -4), (12, 3, -4), (5, 1, 2), (0, 3, 5),
        ]),
        // The object 8 bytes long: word 2, past its end in its page, stored by process 1 is read by process 2, and
        // by process 1's next mapping; it is the object's once grown to 8192, and zeroed by a shrink back to 8.
        ("the object's partial last page", [
            (8, 0, -4), (1, 2, 5), (12, 2, 0), (7, 0, 0), (5, 2, 0), (0, 2, 0), (8, 0, 0), (0, 2, 0), (8, 0, -4),
            (0, 2, 0), (12, 3, 5),
        ]),
    ]

    /// Offsets far along the object, and their overflow (`SharedMemoryMappingFactsTests`).
    static let offsets: [(String, [(Int, Int, Int)])] = [
        // 2^30 (private) and 2^63 − 12288 (after O_TRUNC) map, every word SIGBUS; 2^63 − 8192 and −4096 fail
        // EOVERFLOW, 100 EINVAL; the object grown, word 0 of a mapping from 4096 is its word 512.
        ("large offsets and EOVERFLOW", [
            (6, 0, 3), (0, 0, 0), (1, 3, -4), (6, 0, -4), (6, 0, -2), (6, 0, 2), (7, 0, 0), (6, 0, 4), (0, 0, 0),
            (12, 3, 0), (8, 0, 0), (13, 3, 3), (6, 1, 0), (0, 0, 0), (0, 3, -4),
        ]),
    ]

    /// `PROT_EXEC` (`SharedMemoryMappingFactsTests.protExecIsAllowedOnAnObjectOfAnExecutableMount`).
    static let exec: [(String, [(Int, Int, Int)])] = [
        // PROT_READ|PROT_EXEC maps and refuses stores; with PROT_WRITE too it stores; mprotect adds PROT_EXEC to
        // page 1 (stores refused) and PROT_WRITE|PROT_EXEC gives them back; of an O_RDONLY descriptor
        // PROT_READ|PROT_EXEC maps, mprotect to PROT_WRITE|PROT_EXEC fails EACCES, and so does mmap with it.
        ("PROT_EXEC", [
            (5, 0, 3), (0, 0, 0), (1, 0, 2), (7, 0, 0), (5, 0, -1), (1, 0, 2), (12, 0, 0), (10, 1, 4), (1, 3, 3),
            (0, 3, 3), (10, 1, -4), (1, 3, 3), (5, 2, -4), (0, 0, 0), (1, 0, 1), (10, 1, -4), (5, 2, -3), (0, 3, 3),
        ]),
    ]

    /// `MAP_FIXED` and address hints (`SharedMemoryMappingFactsTests.mapFixedReplacesThePagesItCovers`).
    static let addresses: [(String, [(Int, Int, Int)])] = [
        // Process 1's private mapping copies page 0 (3); a MAP_FIXED shared mapping over it reads the object (5),
        // and once unmapped leaves both pages gone (SIGSEGV), where a MAP_FIXED is refused (the worker's EFAULT).
        // Over its first mapping, a one-page MAP_FIXED from 4096 reads the object's word 512 (0, not 5); once
        // unmapped, page 0 is gone and page 1 keeps its words (4). An unaligned MAP_FIXED fails EINVAL; a hint
        // maps elsewhere.
        ("MAP_FIXED replaces the newest mapping's pages", [
            (8, 0, 0), (13, 0, 5), (6, 0, 1), (1, 0, 3), (0, 0, 0), (6, 2, 0), (0, 0, 0), (7, 0, 0), (0, 0, 0),
            (0, 3, 5), (6, 2, 0), (7, 0, 0), (13, 3, 4), (6, 2, 2), (0, 0, 0), (7, 0, 0), (0, 0, 0), (0, 3, 5),
            (6, 2, -2), (6, 2, 3), (0, 3, 5), (0, 0, 0),
        ]),
        // MAP_FIXED_NOREPLACE (SharedMemoryNoReplaceFactsTests) over process 1's mapping fails EEXIST twice (the
        // second of an O_RDONLY descriptor with PROT_WRITE, private), leaving it; at a free place it maps there
        // (read-only: a store SIGSEGV), and so does MAP_FIXED (after O_TRUNC: 0); process 2's unaligned one fails
        // EINVAL; with no mapping left, the worker's EFAULT.
        // msync (SharedMemorySyncFactsTests): every flag on page 1; page 1 unmapped, then ENOMEM for it and for
        // pages 0-1 whatever the flags, EINVAL for MS_SYNC|MS_ASYNC and an unaligned address first, no pages 0;
        // process 2's refused bits EINVAL.
        ("msync", [
            (9, 1, -3), (9, 1, -2), (9, 1, -1), (9, 1, 0), (9, 1, 1), (9, 1, 2), (11, 1, 0), (9, 1, -3), (9, 2, -1),
            (9, 1, 2), (9, 3, 2), (9, 3, 3), (9, 3, 0), (21, 2, 3),
        ]),
        ("MAP_FIXED_NOREPLACE and free places", [
            (1, 0, 3), (6, 2, -1), (6, 2, -3), (0, 0, 0), (6, 2, -4), (0, 0, 0), (1, 0, 2), (7, 0, 0), (6, 2, 4),
            (0, 0, 0), (18, 2, 1), (7, 0, 0), (7, 0, 0), (6, 2, -1),
        ]),
    ]

    /// A lock call (`SharedMemoryMemoryLockFactsTests`) for choices 24…27: process 1 (24, 25) or 2 (26, 27); `mlock`
    /// (even) or `munlock` (odd) of page 0 (index 0), pages 0-1 (1), page 1 (2), or at index 3 from an address 8
    /// bytes into page 0: length 0 (amount 0 or more, 5: 4096, two pages), 100 (below 0). `mlock2` with
    /// `MLOCK_ONFAULT` for an amount above 2, with the refused flag 2 below −3. (`mlockall` would lock the whole test
    /// process and its other tests' memory: the model's own tests and the facts cover it.)
    static func lockStep(
        _ choice: Int, _ index: Int, _ amount: Int, handles: @escaping () -> [Int: [(FileDescriptor, PartlyMappedWords)]]
    ) -> (PosixSharedMemoryModel.Input, () throws -> PosixSharedMemoryModel.Output) {
        let process = choice >= 26 ? 2 : 1
        let locking = choice % 2 == 0
        let pages = index == 3
            ? amount == 5 ? PosixSharedMemoryMapping.Pages(length: 4096, unaligned: true)
                : amount >= 0 ? PosixSharedMemoryMapping.Pages(length: 0, unaligned: true) : .init(length: 100, unaligned: true)
            : PosixSharedMemoryMapping.Pages(first: index == 2 ? 1 : 0, count: index == 1 ? 2 : 1)
        let flags: PosixSharedMemoryModel.LockFlags? = !locking ? nil : amount > 2 ? .init(onFault: true) : amount < -3 ? .init(otherBits: 2) : nil
        let call: PosixSharedMemoryModel.LockCall = locking ? .lock(pages, flags: flags) : .unlock(pages)
        return (.lock(process: process, call), {
            let bits = flags.map { CUnsignedInt(($0.onFault ? 1 : 0) | $0.otherBits) }
            guard let mapping = handles()[process]?.last?.1 else {
                if let bits, bits & ~1 != 0 { return .failed(.EINVAL) }
                return PosixSharedMemoryMapping.lockRange(pages).isEmpty ? .done : .failed(.ENOMEM)
            }
            do {
                try mapping.lock(locking, first: pages.first, count: pages.count, unaligned: pages.unaligned, length: pages.length, flags: bits)
                return .done
            } catch { return .failed(errorCode(error)) }
        })
    }

    static let locks: [(String, [(Int, Int, Int)])] = [
        // Page 1 lies wholly past the 32-byte object: mlock faults it in and fails ENOMEM, locked all the same
        // (msync MS_INVALIDATE EBUSY); MLOCK_ONFAULT does not fault. Page 0 locked: EBUSY for MS_INVALIDATE, not
        // for MS_SYNC; an unaligned mlock of length 0 locks the page; munlock undoes one or two; mlock2's flag 2
        // EINVAL; PROT_NONE faults ENOMEM; a hole (page 1 unmapped) ENOMEM after page 0; with no mapping, ENOMEM.
        ("mlock", [
            (24, 2, 0), (9, 2, -1), (25, 2, 0), (24, 2, 3), (9, 2, -1), (24, 0, 0), (9, 1, -1), (9, 1, -3), (25, 3, 0),
            (9, 1, -1), (24, 3, 0), (24, 3, -1), (9, 1, -1), (25, 1, 0), (9, 2, -1), (24, 1, -4), (9, 2, -1),
            (10, 0, -6), (24, 0, 0), (9, 1, -1), (25, 0, 0), (24, 0, 3), (10, 0, -4), (11, 1, 0), (24, 1, 0),
            (9, 2, -1), (24, 2, 0), (25, 1, 0), (24, 3, 5), (9, 1, -1), (26, 0, 0), (21, 1, -1), (7, 0, 0),
            (24, 0, 0), (25, 3, 0), (24, 3, -1),
        ]),
    ]

    /// The mapping surface measured in `SharedMemoryMappingFactsTests`, one set of sequences per part.
    static let mappings = lengths + offsets + exec + addresses + locks + flags + descriptorIO

    @Test(arguments: mappings.map(\.0)) func mappingSequencesAgree(_ name: String) throws {
        let operations = try #require(Self.mappings.first { $0.0 == name }).1
        if let problem = try Self.disagreement(operations) { Issue.record("\(problem)") }
    }

    @Test(arguments: directed.map(\.0)) func directedSequencesAgree(_ name: String) throws {
        let operations = try #require(Self.directed.first { $0.0 == name }).1
        if let problem = try Self.disagreement(operations) { Issue.record("\(problem)") }
    }

    /// Random sequences over both processes and every operation above.
    /// The worker and these sequences place a mapping by the trace's name for it: every name the model knows has
    /// a placement.
    @Test func everyAddressHasAPlacement() {
        for address in PosixSharedMemoryModel.Address.allCases {
            #expect(PartlyMappedWords.Placement(address: address.rawValue) != nil, "\(address.rawValue)")
        }
        #expect(PartlyMappedWords.Placement(address: "elsewhere") == nil)
    }

    @Test func randomSequencesAgree() async {
        let operations = zip(Gen.int(in: 0...31), Gen.int(in: 0...3), Gen.int(in: -5...5))
        await checkProperty(count: ObjectModelAgreementTests.cases, input: operations.array(of: 1...40)) { operations throws in
            if let problem = try Self.disagreement(operations) { Issue.record("\(problem)") }
        }
    }
}
