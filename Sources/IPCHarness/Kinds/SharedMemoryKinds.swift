import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// POSIX shared memory (model `posix-shm`): an object of `words` 8-byte words (parameter, 8 by default) under a
/// fresh name. Holders in role `map` get a descriptor and map it while setting up; `open` opens the name and maps
/// it again (keeping the descriptor; shared or private, from an offset), `unmap` drops the newest mapping and its
/// descriptor (or, given pages, `munmap`s those pages only), `protect` `mprotect`s the newest mapping's pages,
/// `truncate` and `stat` use the newest descriptor, `unlink` removes the name.
public enum PosixSharedMemoryKind: MechanismKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``).
    public static let parameterNames: Set<String>? = ["words", "memlock", "exists"]
    public typealias Model = PosixSharedMemoryModel

    /// `kernel.posix-shm`, and the fragile `client.shm-sigbus-as-zero`: a reader that catches `SIGBUS` and takes a
    /// word past the object's end for 0 (and a store there for done); and `client.shm-private-mapping`, whose every
    /// mapping is `MAP_PRIVATE` while it believes it shares memory; and `client.shm-length-rounded-down`, which
    /// maps the object's size rounded down to whole pages, believing the partial last page is not part of it; and
    /// `client.shm-sync-private-fallback`, which maps `MAP_PRIVATE` when `MAP_SHARED_VALIDATE | MAP_SYNC` is refused
    /// and carries on as though it had the mapping it asked for; and `client.shm-mlock-unchecked`, which takes an
    /// `mlock` refused with `ENOMEM` (past `RLIMIT_MEMLOCK`) for done, believing its pages locked; and
    /// `client.shm-setrlimit-unchecked`, which takes a `setrlimit` refused `EPERM` (a hard limit raised without
    /// `CAP_SYS_RESOURCE`) for done, believing its limit restored; and `client.shm-truncate-after-close`, which
    /// closes its descriptor once it has mapped the object and later takes the `ftruncate` that fails `EBADF` for
    /// done, believing it resized the object.
    ///
    /// The parameter `memlock` (bytes) makes every holder lock as an unprivileged process: its worker sets its
    /// `RLIMIT_MEMLOCK` to it and drops `CAP_IPC_LOCK` and `CAP_SYS_RESOURCE` (the model's setup `"memlock"`,
    /// ``MemoryLockLimit``, with `"capSysResource": false`).
    public static let implementations = [
        "kernel.posix-shm", "client.shm-sigbus-as-zero", "client.shm-private-mapping", "client.shm-length-rounded-down",
        "client.shm-sync-private-fallback", "client.shm-mlock-unchecked", "client.shm-setrlimit-unchecked",
        "client.shm-truncate-after-close",
    ]

    public static func model(for workload: Workload) -> PosixSharedMemoryModel {
        PosixSharedMemoryModel(objects: workload.objects.filter { $0.kind == name }.map { object in
            var setup = PosixSharedMemoryModel.Setup(
                words: object.integer("words") ?? 8, mapped: workload.holders(of: object.name, role: "map"), permissions: .ofThisRun(for: workload))
            if let limit = object.integer("memlock") {
                for process in workload.processes where process.holds[object.name] != nil {
                    // The worker drops CAP_SYS_RESOURCE too (Syscall.limitMemoryLocking): a raised hard limit fails EPERM.
                    setup.memoryLockLimits[process.id] = MemoryLockLimit(bytes: limit, capSysResource: false)
                }
            }
            return (object.name, setup)
        })
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        try refuseAbsent(object)
        if object.integer("memlock") != nil {
            // The limit and the dropped CAP_IPC_LOCK are the whole worker's: another object it holds (a second
            // mapping's mlock, a sysv-shm SHM_LOCK) would meet them while its model judges a privileged process.
            for process in workload.processes where process.holds[object.name] != nil && process.holds.count > 1 {
                throw HarnessError(
                    "posix-shm object \(object.name) has memlock, which limits its holders' whole worker: process \(process.id) also holds \(process.holds.keys.filter { $0 != object.name }.sorted().joined(separator: ", "))")
            }
        }
        let name = objects.namespace.posixName(object.name)
        let words = object.integer("words") ?? 8
        let descriptor = try objects.createNamed(.posixSharedMemory, name) { () throws(Errno) in
            try PosixSharedMemory.create(name, size: words * 8)
        }
        objects.keepUntilStarted(descriptor)
        let inode = (try? Syscall.inode(of: descriptor)).map { Int(truncatingIfNeeded: $0) } ?? 0
        for process in workload.processes {
            guard let roles = process.holds[object.name] else { continue }
            var setup: JSONObject = ["name": .string(name), "words": .int(words), "inode": .int(inode)]
            if roles.contains("map") { setup["fd"] = .int(objects.hand(descriptor, to: process.id)) }
            if let limit = object.integer("memlock") { setup["memlock"] = .int(limit) }
            objects.tell(process.id, about: object.name, setup)
        }
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<PosixSharedMemoryModel> {
        var binding = PosixSharedMemoryBinding(
            name: try object.text("name"), size: try object.integer("words") * 8, inode: UInt64(truncatingIfNeeded: try object.integer("inode")),
            takesSIGBUSForZero: implementation == "client.shm-sigbus-as-zero", mapsPrivately: implementation == "client.shm-private-mapping",
            fallsBackPrivately: implementation == "client.shm-sync-private-fallback",
            roundsLengthDown: implementation == "client.shm-length-rounded-down")
        binding.takesLockRefusalForLocked = implementation == "client.shm-mlock-unchecked"
        binding.takesLimitRefusalForSet = implementation == "client.shm-setrlimit-unchecked"
        binding.takesTruncateRefusalForDone = implementation == "client.shm-truncate-after-close"
        if let limit = try? object.integer("memlock") {
            do throws(Errno) {
                try Syscall.limitMemoryLocking(to: limit)
            } catch {
                throw BindingError("cannot limit memory locking to \(limit) bytes: \(error)")
            }
            binding.locksUnderLimit = true
        }
        if let descriptor = object.optionalDescriptor("fd") {
            do {
                let length = binding.length(binding.size)
                let words = try PosixSharedMemory.map(descriptor, size: length, writable: true, isPrivate: binding.mapsPrivately)
                let mapping = PosixSharedMemoryBinding.mapping(at: words.base, length: length, words: binding.size / 8)
                binding.handles.append(.init(descriptor: descriptor, words: mapping))
            } catch {
                try? Syscall.close(descriptor)
                throw BindingError("cannot map shared memory \(binding.name): \(error)")
            }
        }
        return binding
    }
}

/// System V shared memory (model `sysv-shm`): a segment of `words` words under a fresh tagged key. Holders in role
/// `attach` attach it while setting up; operations act on the newest attachment.
public enum SystemVSharedMemoryKind: MechanismKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``).
    public static let parameterNames: Set<String>? = ["words", "memlock", "exists"]
    public typealias Model = SystemVSharedMemoryModel

    /// `kernel.sysv-shm`, and the fragile `client.shmat-unchecked`: a client that never checks `shmat`'s result
    /// (the classic `(void *) -1` not compared), so a refused attach is an attachment it believes it has; and
    /// `client.shm-lock-unchecked`, which takes an `SHM_LOCK` refused `ENOMEM` (past `RLIMIT_MEMLOCK`) for done; and
    /// `client.shm-store-after-detach`, which keeps using the pointer it detached (a use after `shmdt`: a C program's
    /// store there raises `SIGSEGV`, LTP's `shmdt01`) and believes the store landed — the worker never touches the
    /// unmapped address, it reports the belief.
    ///
    /// The parameter `memlock` (bytes) makes every holder lock as an unprivileged process, as posix-shm's does: its
    /// worker sets its `RLIMIT_MEMLOCK` to it and drops `CAP_IPC_LOCK` and `CAP_SYS_RESOURCE`. `SHM_LOCK` counts against
    /// the *user's* locked segments (root's here: every root process's, privileged ones too, outside the trace), which
    /// the model leaves unseen: it must fail only where the segment's pages alone pass the limit (or under a limit of
    /// 0), and may fail `ENOMEM` within it. A lock outlives its worker; the run's cleanup removes the segment, which
    /// gives its pages back.
    public static let implementations = ["kernel.sysv-shm", "client.shmat-unchecked", "client.shm-lock-unchecked", "client.shm-store-after-detach"]

    public static func model(for workload: Workload) -> SystemVSharedMemoryModel {
        SystemVSharedMemoryModel(segments: workload.objects.filter { $0.kind == name }.map { object in
            var setup = SystemVSharedMemoryModel.Setup(
                words: object.integer("words") ?? 8, attached: workload.holders(of: object.name, role: "attach"),
                permissions: .ofThisRun(for: workload))
            if let limit = object.integer("memlock") {
                for process in workload.processes where process.holds[object.name] != nil {
                    setup.memoryLockLimits[process.id] = MemoryLockLimit(bytes: limit, capSysResource: false)
                }
            }
            return (object.name, setup)
        })
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        try refuseAbsent(object)
        if object.integer("memlock") != nil {
            // The limit and the dropped capabilities are the whole worker's (see posix-shm's).
            for process in workload.processes where process.holds[object.name] != nil && process.holds.count > 1 {
                throw HarnessError(
                    "sysv-shm object \(object.name) has memlock, which limits its holders' whole worker: process \(process.id) also holds \(process.holds.keys.filter { $0 != object.name }.sorted().joined(separator: ", "))")
            }
        }
        let words = object.integer("words") ?? 8
        var key: key_t = 0
        let segment = try objects.createKeyed(.sysvSharedMemory) { (candidate) throws(Errno) in
            key = candidate
            return try SystemVSharedMemorySegments.create(key: candidate, size: words * 8)
        }
        for process in workload.processes {
            guard let roles = process.holds[object.name] else { continue }
            var setup: JSONObject = [
                "id": .int(Int(segment.id)), "words": .int(words), "attach": .bool(roles.contains("attach")), "key": .int(Int(key)),
            ]
            if let limit = object.integer("memlock") { setup["memlock"] = .int(limit) }
            objects.tell(process.id, about: object.name, setup)
        }
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<SystemVSharedMemoryModel> {
        var binding = SystemVSharedMemoryBinding(
            segment: SystemVSharedMemory(id: CInt(try object.integer("id"))), size: try object.integer("words") * 8,
            key: key_t(truncatingIfNeeded: try object.integer("key")), context: object.context)
        binding.uncheckedAttach = implementation == "client.shmat-unchecked"
        binding.takesLockRefusalForLocked = implementation == "client.shm-lock-unchecked"
        binding.usesDetachedPointer = implementation == "client.shm-store-after-detach"
        if let limit = try? object.integer("memlock") {
            do throws(Errno) {
                try Syscall.limitMemoryLocking(to: limit)
            } catch {
                throw BindingError("cannot limit memory locking to \(limit) bytes: \(error)")
            }
            binding.locksUnderLimit = true
        }
        if object.flag("attach") {
            do {
                binding.attachments.append(try SystemVSharedMemorySegments.attach(binding.segment, size: binding.size))
            } catch {
                throw BindingError("cannot attach shared memory segment \(binding.segment.id): \(error)")
            }
        }
        return binding
    }
}

/// A word load, store or fetch-and-add on this process's newest mapping or attachment; without one the worker
/// refuses with `EFAULT` rather than touch unmapped memory. An access the kernel refuses with a signal (a store to
/// a read-only attachment or mapping: `SIGSEGV`; beyond the end of a POSIX object: `SIGBUS`) fails with the
/// signal's name instead of killing the worker.
private func access(_ access: WordAccess, _ words: SharedWords?) throws(Errno) -> WordResult {
    guard let words else { throw .badAddress }
    switch access {
    case .load(let index): return .value(Int64(bitPattern: try words.guardedLoad(index)))
    case .store(let index, let value):
        try words.guardedStore(index, UInt64(bitPattern: value))
        return .stored
    case .add(let index, let delta):
        return .value(Int64(bitPattern: try words.guardedAdd(index, UInt64(bitPattern: delta))))
    }
}

struct PosixSharedMemoryBinding: ObjectBinding {

    typealias Model = PosixSharedMemoryModel
    /// A descriptor of the object and its mapping of `size` bytes (less the pages `munmap` took).
    struct Handle {
        var descriptor: FileDescriptor
        var words: PartlyMappedWords
        /// False once `close` closed the descriptor (the mapping stays): it is never closed again, nor used.
        var descriptorOpen = true
    }

    /// The newest handle whose descriptor is still open: what `ftruncate`, `fstat` and `fcntl` reach.
    var newestDescriptor: FileDescriptor? { handles.last { $0.descriptorOpen }?.descriptor }

    let name: String
    let size: Int
    /// The object's inode: an `open` that creates another object under the name (after `unlink`) is not this one.
    let inode: UInt64
    /// `client.shm-sigbus-as-zero`: an access refused with `SIGBUS` is reported as reading 0 (or storing).
    var takesSIGBUSForZero = false
    /// `client.shm-private-mapping`: every mapping is `MAP_PRIVATE`, whatever the call asks for.
    var mapsPrivately = false
    /// `client.shm-sync-private-fallback`: a mapping refused `EOPNOTSUPP` is made again `MAP_PRIVATE` without the
    /// refused flags, and the call reported done.
    var fallsBackPrivately = false
    /// `client.shm-length-rounded-down`: every mapping's length is rounded down to whole pages (at least one).
    var roundsLengthDown = false
    /// The object's parameter `memlock`: this worker dropped `CAP_IPC_LOCK` and locks under that `RLIMIT_MEMLOCK`,
    /// which the model counts (its setup names the process).
    var locksUnderLimit = false
    /// `client.shm-mlock-unchecked`: an `mlock` or `mlock2` refused `ENOMEM` is reported done.
    var takesLockRefusalForLocked = false
    /// `client.shm-setrlimit-unchecked`: a `setrlimit` refused `EPERM` is reported done.
    var takesLimitRefusalForSet = false
    /// `client.shm-truncate-after-close`: an `ftruncate` refused `EBADF` (no descriptor left open) is reported done.
    var takesTruncateRefusalForDone = false
    var handles: [Handle] = []

    /// The length a mapping asked for `length` bytes gets: as asked, or the fragile client's whole pages.
    func length(_ length: Int) -> Int {
        guard roundsLengthDown, length > 0 else { return length }
        return max(PartlyMappedWords.pageSize, length / PartlyMappedWords.pageSize * PartlyMappedWords.pageSize)
    }

    /// A mapping of `length` bytes at `address`, reached as the whole pages of the object's `words` (a mapping
    /// covers whole pages: a trace may access any word of the last one); pages past `length` are holes.
    static func mapping(at address: UnsafeMutableRawPointer, length: Int, words: Int) -> PartlyMappedWords {
        let pageSize = PartlyMappedWords.pageSize
        let pages = (words * 8 + pageSize - 1) / pageSize
        return PartlyMappedWords(SharedWords(base: address, count: pages * pageSize / 8), mappedPages: (length + pageSize - 1) / pageSize)
    }

    /// `mmap`'s and `mprotect`'s bits for a protection.
    static func bits(_ protection: PosixSharedMemoryMapping.Protection) -> CInt {
        PartlyMappedWords.protection(readable: protection != .none, writable: protection.writes, executable: protection.executes)
    }

    /// The name `shm_open` and `shm_unlink` are given: the object's, or one glibc refuses.
    func path(_ invalid: PosixSharedMemoryModel.InvalidName?) -> String { invalid?.path(for: name) ?? name }

    mutating func perform(_ input: PosixSharedMemoryModel.Input) throws(Errno) -> PosixSharedMemoryModel.Output {
        switch input {
        case .access(_, let wordAccess):
            do throws(Errno) {
                return .accessed(try access(wordAccess, try handles.last?.words.words(reaching: wordAccess.index)))
            } catch where takesSIGBUSForZero && error == .memoryAccess(SIGBUS) {
                // The fragile reader's belief: past the end the object reads as zeros.
                if case .store = wordAccess { return .accessed(.stored) }
                return .accessed(.value(0))
            }
        case .open(_, let opening):
            var flags = (opening.readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC
            if opening.create { flags |= O_CREAT }
            if opening.exclusive { flags |= O_EXCL }
            if opening.truncate { flags |= O_TRUNC }
            let descriptor = try Syscall.shmOpen(path(opening.invalidName), flags: flags, mode: mode_t(opening.mode ?? 0o600))
            guard (try? Syscall.inode(of: descriptor)) == inode else {
                // A new object under the name once it was unlinked: not the object the trace follows.
                try? Syscall.close(descriptor)
                try? Syscall.shmUnlink(name)
                return .done
            }
            do throws(Errno) {
                if opening.mapFlags.contains(.locked) && !Syscall.locksMemoryWithoutLimit && !locksUnderLimit {
                    BindingFailure.abandon("MAP_LOCKED needs CAP_IPC_LOCK (root) or no RLIMIT_MEMLOCK: the posix-shm model does not count the limit")
                }
                let type = opening.neitherSharedNorPrivate ? 0 : opening.isPrivate || mapsPrivately ? MAP_PRIVATE : opening.validate ? MAP_SHARED_VALIDATE : MAP_SHARED
                let flags = type | CInt(truncatingIfNeeded: opening.mapFlags.rawValue)
                let length = self.length(opening.length ?? size)
                let replaced = 0..<(length + PartlyMappedWords.pageSize - 1) / PartlyMappedWords.pageSize
                var address: UnsafeMutableRawPointer
                do throws(Errno) {
                    address = try PartlyMappedWords.map(
                        descriptor, length: length, protection: Self.bits(opening.protection), flags: flags, offset: opening.offset,
                        at: .init(address: opening.address?.rawValue) ?? .none, over: handles.last?.words, pages: replaced)
                } catch where fallsBackPrivately && error == .notSupported {
                    address = try Syscall.map(
                        descriptor, size: length, protection: Self.bits(opening.protection), flags: MAP_PRIVATE, offset: opening.offset)
                }
                if opening.address == .fixed { handles[handles.count - 1].words.lose(replaced) }
                handles.append(Handle(descriptor: descriptor, words: Self.mapping(at: address, length: length, words: size / 8)))
            } catch {
                try? Syscall.close(descriptor)
                throw error
            }
            return .done
        case .unmap:
            guard var handle = handles.popLast() else { throw .invalidArgument }
            if handle.descriptorOpen { try? Syscall.close(handle.descriptor) }
            try handle.words.unmapAll()
            return .done
        case .unmapPages(_, let pages):
            guard !handles.isEmpty else { throw .invalidArgument }
            try handles[handles.count - 1].words.unmap(first: pages.first, count: pages.count, unaligned: pages.unaligned, length: pages.length)
            return .done
        case .protect(_, let pages, let protection):
            // With no mapping the worker has no address: the kernel's answers for one where nothing is mapped.
            guard let handle = handles.last else {
                if pages.unaligned { throw .invalidArgument }
                if pages.count == 0 { return .done }
                throw .noMemory
            }
            try handle.words.protect(first: pages.first, count: pages.count, unaligned: pages.unaligned, length: pages.length, protection: PosixSharedMemoryBinding.bits(protection))
            return .done
        case .sync(_, let pages, let flags):
            let bits = (flags.sync ? MS_SYNC : 0) | (flags.async ? MS_ASYNC : 0) | (flags.invalidate ? MS_INVALIDATE : 0) | CInt(flags.otherBits)
            // With no mapping the worker has no address: the kernel's answers for one where nothing is mapped.
            guard let handle = handles.last else {
                if pages.unaligned || flags.refused { throw .invalidArgument }
                if pages.count == 0 { return .done }
                throw .noMemory
            }
            try handle.words.sync(first: pages.first, count: pages.count, unaligned: pages.unaligned, length: pages.length, flags: bits)
            return .done
        case .lock(_, let call):
            try lock(call)
            return .done
        case .advise(_, let pages, let advice): return try Self.advise(handles.last?.words, pages, advice)
        case .residency(_, let pages): return .residency(try Self.residency(handles.last?.words, pages))
        case .remap:
            BindingFailure.abandon("the posix-shm worker does not mremap (its mappings' addresses are its own bookkeeping): a trace's remap is judged by the model only")
        case .unlink(_, let invalidName):
            try Syscall.shmUnlink(path(invalidName))
            return .done
        case .truncate(_, let size):
            // A negative size fails EINVAL before the descriptor is looked at; the worker has none to give otherwise.
            guard let descriptor = newestDescriptor else {
                // The fragile client's belief: it still has the descriptor it closed, and resized the object.
                if takesTruncateRefusalForDone && size >= 0 { return .done }
                throw size < 0 ? .invalidArgument : .badFileDescriptor
            }
            try Syscall.truncate(descriptor, size: size)
            return .done
        case .stat:
            guard let descriptor = newestDescriptor else { throw .badFileDescriptor }
            let status = try Syscall.fileStatus(descriptor)
            // The setup names the run's own user as the owner (Permissions.ofThisRun), so st_uid and st_gid are judged.
            return .size(status.size, mode: Int(status.mode & 0o777), owner: Int(status.owner), group: Int(status.group))
        case .descriptorFlags(_, let set):
            guard let descriptor = newestDescriptor else { throw .badFileDescriptor }
            guard let set else { return .closeOnExec(try Syscall.closesOnExec(descriptor)) }
            try Syscall.setClosesOnExec(descriptor, set)
            return .done
        case .statusFlags(_, let set):
            guard let descriptor = newestDescriptor else { throw .badFileDescriptor }
            guard let set else { return .statusFlags(PosixSharedMemoryModel.StatusFlags(rawValue: Int(try Syscall.statusFlags(descriptor)))) }
            try Syscall.setStatusFlags(descriptor, CInt(set.rawValue))
            return .done
        case .changeMode(_, let mode):
            guard let descriptor = newestDescriptor else { throw .badFileDescriptor }
            try Syscall.changeMode(descriptor, mode_t(mode))
            return .done
        case .changeOwner:
            BindingFailure.abandon("the posix-shm worker does not fchown: a trace's fchown is judged by the model only")
        case .setFileSizeLimit:
            // Past the limit the kernel sends SIGXFSZ, whose default action would kill the worker mid-call.
            BindingFailure.abandon("the posix-shm worker does not set RLIMIT_FSIZE: a trace's setrlimit of it is judged by the model only")
        case .fork:
            BindingFailure.abandon("the posix-shm worker does not fork: a trace's fork is judged by the model only")
        case .umask:
            BindingFailure.abandon("the posix-shm worker does not call umask: a trace's umask is judged by the model only")
        case .close:
            guard let newest = handles.lastIndex(where: \.descriptorOpen) else { throw .badFileDescriptor }
            handles[newest].descriptorOpen = false
            try Syscall.close(handles[newest].descriptor)
            return .done
        case .setMemoryLockLimit(_, let soft, let hard):
            // The model judges a process its setup does not name as root (CAP_IPC_LOCK): its limit changes nothing there.
            func bytes(_ value: Int) -> Int? { value == MemoryLockLimit.unlimited ? nil : value }
            do throws(Errno) {
                try Syscall.setMemoryLockLimit(soft: bytes(soft), hard: bytes(hard))
            } catch where takesLimitRefusalForSet && error == .notPermitted {
                // The fragile client's belief: the limit it set is its limit now.
            }
            return .done
        case .descriptorIO(_, let call): return try perform(call)
        case .allocate(_, let allocation): return try perform(allocation)
        case .exit:
            BindingFailure.abandon("a worker is never asked to perform 'exit'")
        }
    }
}

extension PosixSharedMemoryBinding {
    /// `mlock`, `mlock2`, `munlock` through the newest mapping, `mlockall`, `munlockall`. The model does not count
    /// `RLIMIT_MEMLOCK`: a worker that could meet it (no `CAP_IPC_LOCK`, a limit) refuses the run rather than record
    /// a failure the model would call a violation.
    func lock(_ call: PosixSharedMemoryModel.LockCall) throws(Errno) {
        guard Syscall.locksMemoryWithoutLimit || locksUnderLimit else {
            BindingFailure.abandon("mlock and mlockall need CAP_IPC_LOCK (root) or no RLIMIT_MEMLOCK, unless the object's parameter memlock names the limit: the posix-shm model counts it only then")
        }
        switch call {
        case .lock(let pages, let flags):
            let bits = flags.map { CUnsignedInt(($0.onFault ? 1 : 0) | $0.otherBits) }  // MLOCK_ONFAULT is 1
            // With no mapping the worker has no address: the kernel's answers for one where nothing is mapped.
            guard let handle = handles.last else {
                if let bits, bits & ~1 != 0 { throw .invalidArgument }
                if PosixSharedMemoryMapping.lockRange(pages).isEmpty { return }
                throw .noMemory
            }
            do throws(Errno) {
                try handle.words.lock(true, first: pages.first, count: pages.count, unaligned: pages.unaligned, length: pages.length, flags: bits)
            } catch where takesLockRefusalForLocked && error == .noMemory {
                // The fragile client's belief: the call was made, so the pages are locked.
            }
        case .unlock(let pages):
            guard let handle = handles.last else {
                if PosixSharedMemoryMapping.lockRange(pages).isEmpty { return }
                throw .noMemory
            }
            try handle.words.lock(false, first: pages.first, count: pages.count, unaligned: pages.unaligned, length: pages.length)
        case .lockAll(let flags):
            try Syscall.lockAllMemory(flags: CInt((flags.current ? Int(MCL_CURRENT) : 0) | (flags.future ? Int(MCL_FUTURE) : 0) | (flags.onFault ? 4 : 0) | flags.otherBits))
        case .unlockAll:
            try Syscall.unlockAllMemory()
        }
    }
}

struct SystemVSharedMemoryBinding: ObjectBinding {

    typealias Model = SystemVSharedMemoryModel
    let segment: SystemVSharedMemory
    let size: Int
    /// The key the driver created the segment under (`shmget`).
    let key: key_t
    /// The workers' pids, which `IPC_STAT`'s `shm_lpid` reports as process numbers.
    let context: WorkerContext
    var attachments: [SharedWords] = []
    /// `client.shmat-unchecked`: an attach that failed is reported done (the client never looked).
    var uncheckedAttach = false
    /// The object's parameter `memlock`: this worker dropped `CAP_IPC_LOCK` and locks under that `RLIMIT_MEMLOCK`,
    /// which the model counts (its setup names the process).
    var locksUnderLimit = false
    /// `client.shm-lock-unchecked`: an `SHM_LOCK` refused `ENOMEM` is reported done.
    var takesLockRefusalForLocked = false
    /// `client.shm-store-after-detach`: once it detached, an access with no attachment left is believed made through
    /// the old pointer — a store done, a load or add reading 0 — without touching the unmapped address.
    var usesDetachedPointer = false
    var detachedOnce = false

    mutating func perform(_ input: SystemVSharedMemoryModel.Input) throws(Errno) -> SystemVSharedMemoryModel.Output {
        switch input {
        case .attach, .attachAt:
            do throws(Errno) { return try performChecked(input) } catch where uncheckedAttach { return .done }
        default:
            return try performChecked(input)
        }
    }

    mutating func performChecked(_ input: SystemVSharedMemoryModel.Input) throws(Errno) -> SystemVSharedMemoryModel.Output {
        switch input {
        case .access(_, let wordAccess):
            if usesDetachedPointer, detachedOnce, attachments.isEmpty {
                if case .store = wordAccess { return .accessed(.stored) }
                return .accessed(.value(0))
            }
            return .accessed(try access(wordAccess, attachments.last))
        case .attach(_, let readOnly):
            attachments.append(try SystemVSharedMemorySegments.attach(segment, size: size, readOnly: readOnly))
            return .done
        case .attachAt(_, let hint):
            let placement: SystemVSharedMemorySegments.Placement
            switch hint.address {
            case .null: placement = .kernel
            case .free: placement = .free
            case .unaligned: placement = .unaligned
            case .overlapping: placement = attachments.last.map { .at($0) } ?? .free
            }
            let flags = (hint.readOnly ? SHM_RDONLY : 0) | (hint.round ? SHM_RND : 0) | (hint.remap ? SHM_REMAP : 0) | (hint.exec ? SHM_EXEC : 0)
            let attached = try SystemVSharedMemorySegments.attach(segment, size: size, at: placement, flags: CInt(flags))
            // A remap at the latest attachment replaced it (the kernel counts one attachment for both).
            if case .at = placement, hint.remap { attachments.removeLast() }
            attachments.append(attached)
            return .done
        case .detach:
            guard let attachment = attachments.popLast() else { throw .invalidArgument }
            try SystemVSharedMemorySegments.detach(attachment)
            detachedOnce = true
            return .done
        case .status:
            return output(try SystemVSharedMemorySegments.status(segment))
        case .statusAtIndex(_, let any):
            let found = try Syscall.shmStatus(index: Int(segment.id & 0x7fff), any: any)
            // Another segment at the index (this one destroyed, its index reused): for this object the index is free.
            guard found.id == segment.id else { throw .invalidArgument }
            return output(found.status)
        case .info(_, let counts):
            let info = try Syscall.shmInfo(counts: counts)
            return .info(index: info.index, fields: SystemVSharedMemoryModel.infoFields(info.fields))
        case .setPermissions(_, let mode, let owner, let group):
            try Syscall.shmSet(segment, mode: mode.map { mode_t($0) }, owner: owner.map { uid_t($0) }, group: group.map { gid_t($0) })
            return .done
        case .remove:
            try SystemVSharedMemorySegments.remove(segment)
            return .done
        case .advise(_, let pages, let advice):
            _ = try PosixSharedMemoryBinding.advise(attachedPages, pages, advice)
            return .done
        case .residency(_, let pages): return .residency(try PosixSharedMemoryBinding.residency(attachedPages, pages))
        case .remap:
            BindingFailure.abandon("the sysv-shm worker does not mremap (its attachments' addresses are its own bookkeeping): a trace's remap is judged by the model only")
        case .lock(_, let locked):
            // The model judges a process its setup does not name as root: where RLIMIT_MEMLOCK could refuse the lock,
            // the worker refuses the run rather than record a failure the model would call a violation.
            guard !locked || Syscall.locksMemoryWithoutLimit || locksUnderLimit else {
                BindingFailure.abandon("SHM_LOCK needs CAP_IPC_LOCK (root) or no RLIMIT_MEMLOCK, unless the object's parameter memlock names the limit: the sysv-shm model counts it only then")
            }
            do throws(Errno) {
                try Syscall.shmLock(segment, lock: locked)
            } catch where takesLockRefusalForLocked && error == .noMemory {
                // The fragile client's belief: the call was made, so the segment is locked.
            }
            return .done
        case .setMemoryLockLimit(_, let soft, let hard):
            func bytes(_ value: Int) -> Int? { value == MemoryLockLimit.unlimited ? nil : value }
            try Syscall.setMemoryLockLimit(soft: bytes(soft), hard: bytes(hard))
            return .done
        case .get(_, let size, let create, let exclusive, let mode):
            let found = try Syscall.shmget(key, size: size, flags: (create ? IPC_CREAT : 0) | (exclusive ? IPC_EXCL : 0) | CInt(mode ?? (create ? 0o600 : 0)))
            // After the removal, a new segment under the key: not the object the trace follows, so it goes at once.
            if found != segment { try? Syscall.shmRemove(found) }
            return .done
        case .exit:
            BindingFailure.abandon("a worker is never asked to perform 'exit'")
        case .fork:
            BindingFailure.abandon("the sysv-shm worker does not fork: a trace's fork is judged by the model only")
        case .invalid(let process, let invalid):
            // The kernel refuses these (EINVAL) before looking at anything: made as recorded, a control command raw,
            // any other call as the ordinary one with the negative id in place of the segment's.
            if let command = invalid.command {
                try Syscall.shmControl(id: CInt(truncatingIfNeeded: invalid.id ?? Int(segment.id)), command: CInt(truncatingIfNeeded: command))
                return .done
            }
            let model = SystemVSharedMemoryModel(segments: [("g", .init(words: size / 8, attached: []))])
            guard let id = invalid.id, let call = invalid.ordinaryCall(process: process, object: "g"),
                  let input = try? model.input(from: call) else {
                BindingFailure.abandon("an invalid call the worker cannot make: \(invalid.summary)")
            }
            var other = SystemVSharedMemoryBinding(
                segment: SystemVSharedMemory(id: CInt(truncatingIfNeeded: id)), size: size, key: key, context: context,
                locksUnderLimit: locksUnderLimit)
            return try other.performChecked(input)
        }
    }

    /// `IPC_STAT`'s answer in the model's terms: the pid as a process number.
    private func output(_ status: SharedMemoryStatus) -> SystemVSharedMemoryModel.Output {
        .status(
            attachments: status.attachments, removed: status.markedForRemoval, size: status.size,
            lastProcess: context.process(of: status.lastPID) ?? 0, mode: Int(status.mode), owner: Int(status.ownerUID),
            group: Int(status.groupGID), times: [status.attachTime, status.detachTime, status.changeTime], locked: status.locked)
    }
}

extension PosixSharedMemoryBinding {
    /// `madvise` of pages of a mapping (nil: the worker holds none, and answers as the kernel does where nothing is
    /// mapped, after the same `EINVAL`s).
    static func advise(_ words: PartlyMappedWords?, _ pages: PosixSharedMemoryMapping.Pages, _ advice: MemoryAdvice) throws(Errno) -> PosixSharedMemoryModel.Output {
        let known = if case .invalid = advice { false } else { true }
        guard let words else {
            if pages.unaligned || !known { throw .invalidArgument }
            if pages.count == 0 { return .done }
            throw .noMemory
        }
        try words.advise(first: pages.first, count: pages.count, unaligned: pages.unaligned, length: pages.length, advice: CInt(truncatingIfNeeded: advice.number), known: known)
        return .done
    }

    /// `mincore` of pages of a mapping, as `advise`.
    static func residency(_ words: PartlyMappedWords?, _ pages: PosixSharedMemoryMapping.Pages) throws(Errno) -> [PageResidency.Answer] {
        guard let words else {
            if pages.unaligned { throw .invalidArgument }
            if pages.count == 0 { return [] }
            throw .noMemory
        }
        return try words.residency(first: pages.first, count: pages.count, unaligned: pages.unaligned, length: pages.length).map { $0 ? .resident : .absent }
    }
}

extension SystemVSharedMemoryBinding {
    /// The newest attachment as pages: the segment's, and past them (as far as a trace names) none of its own.
    var attachedPages: PartlyMappedWords? {
        guard let newest = attachments.last else { return nil }
        let pageWords = PartlyMappedWords.pageSize / 8
        let reached = max(SystemVSharedMemoryModel.wordsReached(size / 8), newest.count)
        return PartlyMappedWords(SharedWords(base: newest.base, count: (reached + pageWords - 1) / pageWords * pageWords), mappedPages: newest.count / pageWords)
    }
}
