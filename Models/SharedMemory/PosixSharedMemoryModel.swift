/// POSIX shared memory (`shm_open`, `ftruncate`, `mmap`) as processes observe it.
///
/// What it allows, and why (each fact is a test on the real kernel):
/// - Every mapping of the object is one memory: a word stored through one process's mapping is what any
///   process's load returns next, and fetch-and-adds from several processes never lose an update. A fresh
///   object reads as zeros.
/// - The object outlives every mapping and descriptor until `shm_unlink`: a process can store, unmap or die, and
///   another open the name later and find the words. After unlink, existing mappings keep the memory and opens
///   fail `ENOENT`; a second unlink fails `ENOENT`.
/// - A process's death unmaps its mappings and changes nothing else.
/// - The harness's own rule (not the kernel's): an access by a process holding no mapping fails `EFAULT`, and
///   `unmap` with none fails `EINVAL` (the worker refuses rather than touch unmapped memory).
/// - A handle is a descriptor and its mapping of `words` words of the object, its first unless from an offset
///   (`shm_open`, `mmap`; `unmap` drops both). The object has a size (`st_size`, `fstat`): `truncate` (`ftruncate`) grows it (the new bytes
///   read zero) or shrinks it, or keeps its size — either way zeroing the bytes past the end; a word in a page wholly beyond the end is
///   refused with `SIGBUS` (the access's error), while the rest of the last page stays readable and writable and
///   keeps what is stored there when the object grows again. `ftruncate` fails `EINVAL` for a negative size (first)
///   and through a read-only descriptor, and works after `shm_unlink`.
/// - `shm_open` (glibc 2.36): a name with a slash after the first, an empty name, `/` alone or one longer than
///   `NAME_MAX` by more than 4 fails `EINVAL` (not `ENAMETOOLONG`), and `shm_unlink` of such a name `ENOENT`; one of
///   256 to 259 characters after the slash reaches the kernel, which fails both `ENAMETOOLONG` (`over-name-max`). `O_CREAT | O_EXCL`
///   fails `EEXIST` while the name exists; `O_TRUNC` sets the size to 0, even with `O_RDONLY`; a new object has size
///   0. `O_RDONLY` gives a read-only descriptor: `mmap` of it with `PROT_WRITE` fails `EACCES` (after the `O_TRUNC`
///   took effect), a `PROT_READ` mapping refuses stores with `SIGSEGV`, and `ftruncate` fails `EINVAL`.
/// - `mmap` (``PosixSharedMemoryMapping``): `MAP_PRIVATE` copies a page at its first store (a `PROT_WRITE` one of
///   an `O_RDONLY` descriptor is allowed); an offset, a multiple of the page size, shifts the mapping's words (and
///   where `SIGBUS` starts) along the object, however far (`EOVERFLOW` once its page and the mapping's pass
///   2^51 − 1, or negative); a length maps whole pages (any word of the last page may be
///   accessed, and a store past the object's end in its last page is the object's); an unaligned offset, length 0,
///   or neither `MAP_SHARED` nor
///   `MAP_PRIVATE` fails `EINVAL` before `EACCES`. `mprotect` and partial `munmap` act on the newest mapping's pages.
public struct PosixSharedMemoryModel: TransitionModel, TraceModel {
    public static let name = "posix-shm"
    /// The page size: `SIGBUS` starts at the first page wholly beyond the object's end.
    public static let pageSize = 4096

    public struct Setup: Hashable, Sendable {
        /// Size in 64-bit words.
        public var words: Int
        /// Processes that have it mapped at the start, once per mapping.
        public var mapped: [Int]
        /// False: the name does not exist at the start, and the first `open` with `create` makes the object
        /// (size 0) that the trace follows.
        public var exists: Bool
        /// The object's size in bytes at the start (`words` × 8 unless given; 0 when it does not exist yet); the
        /// mappings are `words` words long whatever it is.
        public var size: Int
        /// Who may open the object (`EACCES`) and unlink its name.
        public var permissions: Permissions
        /// The creators' umasks (022 unless given), for an object an `open` makes.
        public var umask: Umasks = 0o022
        /// Anonymous shared memory (``PosixSharedMemoryModel+Fork``): no name, no descriptor, shared by `fork` only.
        public var anonymous = false
        /// The processes that lock under `RLIMIT_MEMLOCK`, without `CAP_IPC_LOCK` (``MemoryLockLimit``); the others
        /// lock as root does.
        public var memoryLockLimits: [Int: MemoryLockLimit] = [:]
        /// The processes' `RLIMIT_FSIZE` (``FileSizeLimit``), when the trace says them; nil: it does not.
        public var fileSizeLimits: [Int: FileSizeLimit]?

        public init(words: Int, mapped: [Int], exists: Bool = true, size: Int? = nil, permissions: Permissions = Permissions()) {
            self.words = words
            self.mapped = mapped.sorted()
            self.exists = exists
            self.size = exists ? size ?? words * 8 : 0
            self.permissions = permissions
        }
    }

    public struct State: Hashable, Sendable {
        /// The object's words by index, zeros left out: an offset may put a mapping far along the object.
        public var words: [Int: Int64]
        /// The name, and the handles (a descriptor and its mapping), by process.
        public var name: NamedObjectHandles
        /// `st_size`, in bytes.
        public var size: Int
        /// Whether the object exists yet (a setup with `exists` false: not until an `open` creates it).
        public var created = true
        /// Each process's handles (a descriptor and its mapping), oldest first.
        public var mappings: [Int: [PosixSharedMemoryMapping]] = [:]
        /// How many words each mapping has (the setup's `words`).
        public var mappingWords = 0
        public var permissions = Permissions()
        /// The umasks of the processes that create the object (`O_CREAT` when it does not exist yet), as the setup
        /// gave them and `umask` calls changed them (``Umasks``).
        public var umask: Umasks = 0o022
        /// The processes whose last `mlockall` had `MCL_FUTURE`: their new mappings start locked.
        public var lockingFuture: Set<Int> = []
        /// Of those, the ones whose `mlockall` had `MCL_ONFAULT` too: locked on fault, not populated.
        public var lockingFutureOnFault: Set<Int> = []
        /// The setup's `RLIMIT_MEMLOCK` limits (``MemoryLockLimit``), by process.
        public var memoryLockLimits: [Int: MemoryLockLimit] = [:]
        /// Processes whose `locksNothingElse` no longer holds: an `mlockall` locked their other memory (until
        /// `munlockall`).
        public var lockCountUnknown: Set<Int> = []
        /// The processes' `RLIMIT_FSIZE` (``FileSizeLimit``); one not named has `RLIM_INFINITY`.
        public var fileSizeLimits: [Int: FileSizeLimit] = [:]
        /// The pages known out of memory, for `mincore` (``PosixSharedMemoryModel+Residency``).
        public var residency = PageResidency()

        /// Whether word `index` lies in a page wholly beyond the end.
        func beyondEnd(_ index: Int) -> Bool {
            // In pages: an offset or a size near 2^63 bytes would overflow in bytes.
            let pageSize = PosixSharedMemoryModel.pageSize
            return index / PosixSharedMemoryMapping.pageWords >= size / pageSize + (size % pageSize == 0 ? 0 : 1)
        }

        /// `ftruncate` to `size`: unless it grows, the bytes past the (new) end are zeroed, the rest of the last page
        /// included — even when the size stays the same (tmpfs truncates from the new size on); growing zeroes
        /// nothing, so what was stored past the old end in its page shows again. (Little-endian words.)
        mutating func resize(to newSize: Int) {
            if newSize <= size {
                // In words: an index near 2^60 (an offset near 2^63) would overflow in bytes.
                for (index, word) in words where index >= newSize / 8 {
                    let kept = index == newSize / 8 ? newSize % 8 : 0
                    let left = kept == 0 ? 0 : word & Int64(bitPattern: (UInt64(1) << UInt64(kept * 8)) - 1)
                    words[index] = left == 0 ? nil : left
                }
            }
            size = newSize
        }

        /// The index of the process's newest mapping whose descriptor is still open: what `ftruncate`, `fstat`
        /// and `fcntl` reach ("the newest descriptor"), nil when it holds none.
        func newestDescriptor(_ process: Int) -> Int? {
            mappings[process]?.lastIndex { $0.descriptorOpen }
        }

        mutating func addHandle(_ process: Int, _ mapping: PosixSharedMemoryMapping) {
            name.holders.insertSorted(process)
            mappings[process, default: []].append(mapping)
        }
    }

    /// A name `shm_open` and `shm_unlink` are given instead of the object's, which glibc refuses (not `noSlash`:
    /// glibc takes it).
    public typealias InvalidName = RefusedName
    static let refusedNames: [RefusedName] = [.withSlash, .empty, .tooLong, .overNameMax]

    /// How `open` opens and maps: `shm_open`'s flags and `mmap`'s protection.
    public struct Opening: Hashable, Sendable {
        public var create = false
        public var exclusive = false
        public var truncate = false
        /// `O_RDONLY` instead of `O_RDWR`.
        public var readOnly = false
        /// `mmap` with `PROT_WRITE` (the default for `O_RDWR`), or `PROT_READ` alone.
        public var writableMapping: Bool
        /// `mmap` with `PROT_EXEC` too (`"protection": "read-exec"` or `"read-write-exec"`).
        public var executable = false
        /// `MAP_PRIVATE` (copy-on-write) instead of `MAP_SHARED`.
        public var isPrivate = false
        /// `mmap` with flags naming neither `MAP_SHARED` nor `MAP_PRIVATE` (`EINVAL`).
        public var neitherSharedNorPrivate = false
        /// `MAP_SHARED_VALIDATE` instead of `MAP_SHARED`: shared, refusing flags it does not know (``MapFlags``).
        public var validate = false
        /// `mmap`'s other flags (``PosixSharedMemoryModel+MapFlags``).
        public var mapFlags: MapFlags = []
        /// `mmap`'s offset in bytes (`EINVAL` unless a multiple of the page size).
        public var offset = 0
        /// `mmap`'s length in bytes, when not the setup's words: 0 fails `EINVAL`; any other maps whole pages, the
        /// last one partly asked for included (measured, `SharedMemoryMappingFactsTests`).
        public var length: Int?
        /// `mmap`'s address, when one is given.
        public var address: Address?
        public var invalidName: InvalidName?
        /// `O_CREAT`'s mode (0600 unless given), less the creator's umask, for an object it makes.
        public var mode: Int?

        public init(create: Bool = false, exclusive: Bool = false, truncate: Bool = false, readOnly: Bool = false,
                    writableMapping: Bool? = nil, invalidName: InvalidName? = nil, mode: Int? = nil) {
            self.mode = mode
            self.create = create
            self.exclusive = exclusive
            self.truncate = truncate
            self.readOnly = readOnly
            self.writableMapping = writableMapping ?? !readOnly
            self.invalidName = invalidName
        }
    }

    /// The address `open`'s `mmap` is given (measured, `SharedMemoryMappingFactsTests.mapFixedReplacesThePagesItCovers`).
    public enum Address: String, Hashable, Sendable, CaseIterable {
        /// `MAP_FIXED` at the process's newest mapping: it replaces the pages it covers there. The worker's rule:
        /// only over pages still that mapping's (else `EFAULT`, without calling: something else may be mapped
        /// there).
        case fixed
        /// `MAP_FIXED` 8 bytes into a page: `EINVAL`, before `EOVERFLOW`, the flags' `EINVAL` and `EACCES`.
        case unalignedFixed = "fixed-unaligned"
        /// An unaligned hint without `MAP_FIXED`: the kernel places the mapping elsewhere, so nothing changes.
        case hint
        /// `MAP_FIXED` at a free page-aligned place (the worker reserves one and gives it back): it maps there, as
        /// with no address (`SharedMemoryNoReplaceFactsTests`).
        case freeFixed = "fixed-free"
        /// `MAP_FIXED_NOREPLACE` at the process's newest mapping: `EEXIST` while any page asked for is still that
        /// mapping's (after the offset's, length 0's and the address's `EINVAL`; before `EOVERFLOW`, the flags'
        /// `EINVAL` and `EACCES`), the mapping left as it was. The worker's rule: with none of them its own, or no
        /// mapping, `EFAULT` without calling (what else is there, the trace cannot say).
        case noReplace = "noreplace"
        /// `MAP_FIXED_NOREPLACE` 8 bytes into a page: `EINVAL`, as `fixed-unaligned`.
        case unalignedNoReplace = "noreplace-unaligned"
        /// `MAP_FIXED_NOREPLACE` at a free place: it maps there, as with no address.
        case freeNoReplace = "noreplace-free"

        /// 8 bytes into a page, with `MAP_FIXED` or `MAP_FIXED_NOREPLACE`: `EINVAL` first.
        var isUnalignedPlace: Bool { self == .unalignedFixed || self == .unalignedNoReplace }
    }

    public enum Input: Hashable, Sendable {
        case access(process: Int, WordAccess)
        /// `shm_open` by name and `mmap`: another handle.
        case open(process: Int, Opening = Opening())
        /// `umask(2)`: the process's file mode creation mask becomes `mask`'s low nine bits (``Umasks``).
        case umask(process: Int, mask: Int)
        /// `munmap` of the process's newest mapping, and `close` of its descriptor.
        case unmap(process: Int)
        case unlink(process: Int, invalidName: InvalidName? = nil)
        /// `ftruncate` of the newest descriptor.
        case truncate(process: Int, size: Int)
        /// `mprotect` of pages of the process's newest mapping.
        case protect(process: Int, PosixSharedMemoryMapping.Pages, PosixSharedMemoryMapping.Protection)
        /// `munmap` of pages of the process's newest mapping (the descriptor stays).
        case unmapPages(process: Int, PosixSharedMemoryMapping.Pages)
        /// `msync` of pages of the process's newest mapping (see ``PosixSharedMemoryModel+Sync``).
        case sync(process: Int, PosixSharedMemoryMapping.Pages, PosixSharedMemoryMapping.SyncFlags)
        /// `mlock`, `mlock2`, `munlock` of pages of the process's newest mapping, `mlockall` and `munlockall` (see
        /// ``PosixSharedMemoryModel+Lock``).
        case lock(process: Int, LockCall)
        /// `fstat` of the newest descriptor: `st_size`.
        case stat(process: Int)
        /// `close` of the newest descriptor still open: its mapping stays (`unmap` later unmaps it).
        case close(process: Int)
        /// `fork`: `child` starts with copies of the process's mappings and descriptors (``PosixSharedMemoryModel+Fork``).
        case fork(process: Int, child: Int)
        /// `fcntl(F_GETFD)` (`set` nil) or `fcntl(F_SETFD)` of the newest descriptor: its own `FD_CLOEXEC`, which
        /// `shm_open` always sets (glibc opens with `O_CLOEXEC`; Open POSIX shm_open 11-1).
        case descriptorFlags(process: Int, set: Bool?)
        /// `fcntl(F_GETFL)` (`set` nil) or `fcntl(F_SETFL)` of the newest descriptor (``PosixSharedMemoryModel+StatusFlags``).
        case statusFlags(process: Int, set: StatusFlags?)
        /// `setrlimit(RLIMIT_FSIZE)` of the process (``FileSizeLimit``).
        case setFileSizeLimit(process: Int, soft: Int, hard: Int)
        /// `fchmod` and `fchown` of the newest descriptor (``PosixSharedMemoryModel+Ownership``; nil: -1).
        case changeMode(process: Int, mode: Int)
        case changeOwner(process: Int, owner: Int?, group: Int?)
        /// `setrlimit(RLIMIT_MEMLOCK)` of the process (``MemoryLockLimit/setting(_:process:soft:hard:)``); bytes,
        /// ``MemoryLockLimit/unlimited`` for `RLIM_INFINITY`.
        case setMemoryLockLimit(process: Int, soft: Int, hard: Int)
        /// `read`, `write`, `pread`, `pwrite`, `lseek` of the newest descriptor (``PosixSharedMemoryModel+DescriptorIO``).
        case descriptorIO(process: Int, DescriptorCall)
        /// `fallocate`, `posix_fallocate` of the newest descriptor (``PosixSharedMemoryModel+Allocate``).
        case allocate(process: Int, Allocation)
        /// `madvise`, `mincore` and `mremap` of the newest mapping (``PosixSharedMemoryModel+Advice``, ``+Residency``, ``+Remap``).
        case advise(process: Int, PosixSharedMemoryMapping.Pages, MemoryAdvice)
        case residency(process: Int, PosixSharedMemoryMapping.Pages)
        case remap(process: Int, Remap)
        case exit(process: Int)
    }

    public enum Output: PlainOutcomes {
        case accessed(WordResult)
        case done
        /// `umask`'s result: the mask before the call.
        case oldUmask(Int)
        /// `st_size`, `st_mode`'s permission bits, `st_uid` and `st_gid` (each nil in a recorded `stat` that left
        /// it out).
        case size(Int, mode: Int? = nil, owner: Int? = nil, group: Int? = nil)
        /// `F_GETFD`'s `FD_CLOEXEC`.
        case closeOnExec(Bool)
        /// `F_GETFL`'s flags, the access mode among them.
        case statusFlags(StatusFlags)
        /// What `read` or `pread` returned; how many bytes `write` or `pwrite` wrote; `lseek`'s new offset.
        case data([UInt8])
        case written(Int)
        case offset(Int)
        /// `mincore`'s answer, a page each (``PageResidency``).
        case residency([PageResidency.Answer])
        case failed(ErrorCode)
    }

    public let setups: [(name: String, setup: Setup)]

    public init(objects: [(name: String, setup: Setup)]) {
        self.setups = objects
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        let setup = setups.first { $0.name == object }?.setup ?? Setup(words: 0, mapped: [])
        var state = State(
            words: [:], name: NamedObjectHandles(holders: []),
            size: setup.size, created: setup.exists)
        state.mappingWords = setup.words
        for process in setup.mapped {
            var mapping = PosixSharedMemoryMapping(words: setup.words, protection: .readWrite)
            mapping.descriptorOpen = !setup.anonymous
            mapping.closeOnExec = nil
            state.addHandle(process, mapping)
        }
        state.permissions = setup.permissions
        state.umask = setup.umask
        state.memoryLockLimits = setup.memoryLockLimits
        state.fileSizeLimits = startingFileSizeLimits
        return state
    }

    /// Every call's outcomes; an `open` may also fail `EMFILE` (``DescriptorTable/withExhaustion(_:of:in:)``).
    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        guard case .open = input else { return callTransitions(state, input).map { noteResidency($0, input, before: state) } }
        return DescriptorTable.withExhaustion(callTransitions(state, input), in: state).map { noteResidency($0, input, before: state) }
    }

    func callTransitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        var next = state
        switch input {
        case .access(let process, let access):
            let output = next.access(access, by: process)
            return [Transition(output, next)]
        case .umask(let process, let mask):
            let old = next.umask.set(process, to: mask)
            return [Transition(.oldUmask(old), next)]
        case .open(let process, let opening):
            // glibc refuses the names it cannot put in its path; one of 256 to 259 characters reaches the kernel.
            if let name = opening.invalidName { return [Transition(.failed(name == .overNameMax ? ErrorCode("ENAMETOOLONG") : .EINVAL), state)] }
            if !state.created || state.name.unlinked {
                guard opening.create else { return [Transition(.failed(.ENOENT), state)] }
                // Once unlinked, a create makes a new object, not this one (the worker closes and unlinks it).
                if state.name.unlinked { return [Transition(.done, state)] }
                next.created = true
                // The new object: the mode asked for less the umask, owned by the creator's user and group.
                next.permissions.mode = Permissions.created(mode: opening.mode, umask: state.umask.of(process))
                next.permissions.ownedByCreator(process)
            } else if opening.create && opening.exclusive {
                return [Transition(.failed(ErrorCode("EEXIST")), state)]
            } else if !state.permissions.allows(process, read: true, write: !opening.readOnly || opening.truncate) {
                // O_TRUNC asks for write permission, with O_RDONLY too (the kernel's build_open_flags adds MAY_WRITE;
                // measured: the owner of a 0444 object gets EACCES, root truncates).
                return [Transition(.failed(.EACCES), state)]
            }
            if opening.truncate {
                next.resize(to: 0)
                next.dropCopiesBeyondEnd()
            }
            // mmap's refusals, in the kernel's order (the worker then closes the descriptor).
            let length = opening.length ?? state.mappingWords * 8
            let replaced = 0..<(length + Self.pageSize - 1) / Self.pageSize
            if opening.offset % Self.pageSize != 0 || opening.length == 0 || opening.address?.isUnalignedPlace == true {
                return [Transition(.failed(.EINVAL), next)]
            }
            if let error = Self.mapFlagsError(opening, at: .first) { return [Transition(.failed(error), next)] }
            if opening.address == .fixed && state.mappings[process]?.last?.maps(replaced) != true {
                return [Transition(.failed(.EFAULT), next)]
            }
            if opening.address == .noReplace {
                let taken = state.mappings[process]?.last?.mapsAny(replaced) == true
                return [Transition(.failed(taken ? .EEXIST : .EFAULT), next)]
            }
            // RLIMIT_MEMLOCK (``MemoryLockLimit``): MAP_LOCKED's EPERM with a limit of 0, then EAGAIN past the limit for
            // a mapping that starts locked (MAP_LOCKED, or MCL_FUTURE) — and where other locked memory may pass it, the
            // EAGAIN beside whatever follows.
            var refusedByLimit: [Transition<State, Output>] = []
            if opening.mapFlags.contains(.locked) || state.lockingFuture.contains(process) {
                if opening.mapFlags.contains(.locked) && state.memoryLockLimits[process]?.bytes == 0 { return [Transition(.failed(.EPERM), next)] }
                switch state.limitVerdict(process, adding: replaced.count) {
                case .exceeds: return [Transition(.failed(.EAGAIN), next)]
                case .mayExceed: refusedByLimit = [Transition(.failed(.EAGAIN), next)]
                case .fits, nil: break
                }
            }
            return refusedByLimit + mapTransitions(next, process: process, opening, length: length, replaced: replaced)
        case .unmap(let process):
            guard next.name.release(process, missing: .EINVAL) == nil else { return [Transition(.failed(.EINVAL), state)] }
            next.mappings[process]?.removeLast()
            if next.mappings[process]?.isEmpty == true { next.mappings[process] = nil }
            return [Transition(.done, next)]
        case .protect(let process, let pages, let protection):
            if pages.unaligned { return [Transition(.failed(.EINVAL), state)] }
            // The harness's rule: with no mapping the worker has no address, and answers as the kernel does for one
            // where nothing is mapped.
            guard var mapping = state.mappings[process]?.last else { return [Transition(pages.count == 0 ? .done : .failed(.ENOMEM), state)] }
            let madeWritable = mapping.lockedPagesMadeWritable(pages, protection)
            let error = mapping.protect(pages, protection)
            mapping = state.populated(mapping, madeWritable.filter { mapping.pages[$0] == protection }, stopping: false)
            next.mappings[process]![next.mappings[process]!.count - 1] = mapping
            return [Transition(error.map { .failed($0) } ?? .done, next)]
        case .sync(let process, let pages, let flags):
            return syncTransitions(state, process: process, pages: pages, flags: flags)
        case .lock(let process, let call):
            return lockTransitions(state, process: process, call)
        case .unmapPages(let process, let pages):
            guard var mapping = state.mappings[process]?.last else { return [Transition(.failed(.EINVAL), state)] }
            let error = mapping.unmap(pages)
            next.mappings[process]![next.mappings[process]!.count - 1] = mapping
            return [Transition(error.map { .failed($0) } ?? .done, next)]
        case .unlink(let process, let invalidName):
            if invalidName == .overNameMax { return [Transition(.failed(ErrorCode("ENAMETOOLONG")), state)] }
            if invalidName != nil || !state.created { return [Transition(.failed(.ENOENT), state)] }
            // Only the owner (or root) may remove the name (the kernel's EPERM, which glibc turns into EACCES).
            if !state.name.unlinked && !state.permissions.isOwner(process) { return [Transition(.failed(.EACCES), state)] }
            return nameTransition(state, \.name) { $0.unlink() }
        case .truncate(let process, let size):
            return truncateTransitions(state, process: process, size: size)
        case .stat(let process):
            guard state.newestDescriptor(process) != nil else { return [Transition(.failed(.EBADF), state)] }
            let permissions = state.permissions
            return [Transition(.size(state.size, mode: permissions.mode, owner: permissions.owner, group: permissions.group), state)]
        case .descriptorFlags(let process, let set):
            guard let newest = state.newestDescriptor(process) else { return [Transition(.failed(.EBADF), state)] }
            guard let set else {
                let known = state.mappings[process]![newest].closeOnExec
                return (known.map { [$0] } ?? [true, false]).map { on in
                    var seen = state
                    seen.mappings[process]![newest].closeOnExec = on
                    return Transition(.closeOnExec(on), seen)
                }
            }
            next.mappings[process]![newest].closeOnExec = set
            return [Transition(.done, next)]
        case .statusFlags(let process, let set):
            return statusFlagsTransitions(state, process: process, set: set)
        case .setFileSizeLimit(let process, let soft, let hard):
            return fileSizeLimitTransitions(state, process: process, soft: soft, hard: hard)
        case .changeMode(let process, let mode):
            return changeModeTransitions(state, process: process, mode: mode)
        case .changeOwner(let process, let owner, let group):
            return changeOwnerTransitions(state, process: process, owner: owner, group: group)
        case .close(let process):
            guard let newest = state.newestDescriptor(process) else { return [Transition(.failed(.EBADF), state)] }
            next.mappings[process]![newest].descriptorOpen = false
            return [Transition(.done, next)]
        case .fork(let process, let child):
            return forkTransitions(state, process: process, child: child).map { Self.leavingDontForkPages($0, child: child) }
        case .descriptorIO(let process, let call):
            return descriptorTransitions(state, process: process, call)
        case .allocate(let process, let allocation):
            return allocateTransitions(state, process: process, allocation)
        case .advise(let process, let pages, let advice):
            return adviseTransitions(state, process: process, pages: pages, advice: advice)
        case .residency(let process, let pages):
            return residencyTransitions(state, process: process, pages: pages)
        case .remap(let process, let remap):
            return remapTransitions(state, process: process, remap)
        case .setMemoryLockLimit(let process, let soft, let hard):
            return MemoryLockLimit.setting(state.memoryLockLimits, process: process, soft: soft, hard: hard).map { error, limits in
                var next = state
                next.memoryLockLimits = limits
                return Transition(error.map { .failed($0) } ?? .done, next)
            }
        case .exit(let process):
            next.mappings[process] = nil
            next.lockingFuture.remove(process)
            next.lockingFutureOnFault.remove(process)
            next.lockCountUnknown.remove(process)
            return nameTransition(next, \.name) { $0.exit(process); return nil }
        }
    }

    /// `mmap`'s refusals after `RLIMIT_MEMLOCK`'s, in the kernel's order, then the new mapping.
    func mapTransitions(_ state: State, process: Int, _ opening: Opening, length: Int, replaced: Range<Int>) -> [Transition<State, Output>] {
        var next = state
        if Self.overflows(offset: opening.offset, length: length) { return [Transition(.failed(.EOVERFLOW), next)] }
        if opening.neitherSharedNorPrivate { return [Transition(.failed(.EINVAL), next)] }
        if let error = Self.mapFlagsError(opening, at: .type) { return [Transition(.failed(error), next)] }
        if opening.readOnly && opening.writableMapping && !opening.isPrivate { return [Transition(.failed(.EACCES), next)] }
        if let error = Self.mapFlagsError(opening, at: .last) { return [Transition(.failed(error), next)] }
        if opening.address == .fixed { next.mappings[process]![next.mappings[process]!.count - 1].lose(replaced) }
        var mapping = PosixSharedMemoryMapping(
            words: state.mappingWords, length: opening.length, protection: opening.protection, readOnlyDescriptor: opening.readOnly,
            isPrivate: opening.isPrivate, firstWord: opening.offset / 8)
        mapping.openFileDescription(opened: opening, in: state)
        if state.lockingFuture.contains(process) || opening.mapFlags.contains(.locked) { mapping.locked = mapping.mappedPages }
        if state.lockingFutureOnFault.contains(process) && !opening.mapFlags.contains(.locked) { mapping.lockedOnFault = mapping.locked }
        if !mapping.locked.subtracting(mapping.lockedOnFault).isEmpty || opening.mapFlags.contains(.populate) {
            mapping = next.populated(mapping, 0..<mapping.pages.count, stopping: false)
        }
        next.addHandle(process, mapping)
        return [Transition(.done, next)]
    }

    /// As ``TransitionModel``'s step, and a recorded `stat` without the mode, the owner or the group matches
    /// whatever it is.
    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        step(state, input, output) { recorded, expected in
            if case .residency(let seen) = recorded, case .residency(let allowed) = expected { return PageResidency.matches(seen, allowed) }
            guard case .size(let size, let mode, let owner, let group) = recorded,
                case .size(size, let fullMode, let fullOwner, let fullGroup) = expected
            else { return recorded == expected }
            return (mode == nil || mode == fullMode) && (owner == nil || owner == fullOwner) && (group == nil || group == fullGroup)
        }
    }

    public func describe(_ state: State) -> String {
        if !state.created { return "not created yet" }
        return "\(state.size) bytes, words \(WordAccess.describe(words: state.words, count: state.mappingWords)); handles \(state.name.text)"
            + state.mappings.keys.sorted().map { process in
                "; process \(process)'s mappings " + state.mappings[process]!.map(Self.describe).joined(separator: ", ")
            }.joined() + MemoryLockLimit.describe(state.memoryLockLimits)
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .access(_, let access): call = access.text
        case .open(_, let opening):
            var flags = [opening.readOnly ? "O_RDONLY" : "O_RDWR"]
            if opening.create { flags.append("O_CREAT") }
            if opening.exclusive { flags.append("O_EXCL") }
            if opening.truncate { flags.append("O_TRUNC") }
            let kind = (opening.neitherSharedNorPrivate ? "neither MAP_SHARED nor MAP_PRIVATE" : opening.isPrivate ? "MAP_PRIVATE" : opening.validate ? "MAP_SHARED_VALIDATE" : "MAP_SHARED")
                + opening.mapFlags.named.map { "|\($0)" }.joined() + (opening.mapFlags.otherBits != 0 ? "|0x" + String(opening.mapFlags.otherBits, radix: 16) : "")
            call = "shm_open\(opening.invalidName.map { " (a name \($0.rawValue))" } ?? "") \(flags.joined(separator: "|")), mmap \(opening.writableMapping ? "PROT_READ|PROT_WRITE" : "PROT_READ")\(opening.executable ? "|PROT_EXEC" : "") \(kind)"
                + (opening.offset != 0 ? " offset \(opening.offset)" : "") + (opening.length.map { " length \($0)" } ?? "")
                + (opening.address.map { " address \($0.rawValue)" } ?? "")
        case .unmap: call = "munmap and close"
        case .unlink(_, let invalidName): call = "shm_unlink" + (invalidName.map { " (a name \($0.rawValue))" } ?? "")
        case .truncate(_, let size): call = "ftruncate \(size)"
        case .protect(_, let pages, let protection): call = "mprotect \(Self.describe(pages)) \(protection.rawValue)"
        case .unmapPages(_, let pages): call = "munmap \(Self.describe(pages))"
        case .sync(_, let pages, let flags):
            call = "msync \(Self.describe(pages)) " + (flags.names + (flags.otherBits == 0 ? [] : ["\(flags.otherBits)"])).joined(separator: "|")
        case .lock(_, let lock): call = Self.describe(lock)
        case .stat: call = "fstat"
        case .umask(_, let mask): call = "umask 0\(String(mask, radix: 8))"
        case .close: call = "close (the mapping stays)"
        case .fork(_, let child): call = "fork (child: process \(child))"
        case .descriptorFlags(_, let set): call = set.map { "fcntl F_SETFD \($0 ? "FD_CLOEXEC" : "0")" } ?? "fcntl F_GETFD"
        case .statusFlags(_, let set): call = set.map { "fcntl F_SETFL \($0.argumentText)" } ?? "fcntl F_GETFL"
        case .setFileSizeLimit(_, let soft, let hard): call = "setrlimit " + FileSizeLimit(soft: soft, hard: hard).text
        case .changeMode(_, let mode): call = "fchmod 0" + String(mode, radix: 8)
        case .changeOwner(_, let owner, let group): call = "fchown \(owner ?? -1) \(group ?? -1)"
        case .setMemoryLockLimit(_, let soft, let hard): call = MemoryLockLimit.describeChange(soft: soft, hard: hard)
        case .descriptorIO(_, let io): call = io.text
        case .allocate(_, let allocation): call = allocation.text
        case .advise(_, let pages, let advice): call = "madvise \(Self.describe(pages)) \(advice.name)"
        case .residency(_, let pages): call = "mincore \(Self.describe(pages))"
        case .remap(_, let remap): call = remap.text
        case .exit: call = "exit (unmaps everything)"
        }
        let result = output.described { output in
            switch output {
            case .accessed(let result): result.text
            case .size(let size, let mode, let owner, let group):
                "st_size \(size)" + (mode.map { ", mode 0\(String($0, radix: 8))" } ?? "") + (owner.map { ", uid \($0)" } ?? "")
                    + (group.map { ", gid \($0)" } ?? "")
            case .closeOnExec(let on): on ? "FD_CLOEXEC" : "no FD_CLOEXEC"
            case .oldUmask(let old): "was 0\(String(old, radix: 8))"
            case .statusFlags(let flags): flags.text
            case .data(let bytes): "\(bytes.count) bytes \(Payload.preview(bytes))"
            case .written(let count): "wrote \(count)"
            case .offset(let offset): "offset \(offset)"
            case .residency(let answers): "resident \(PageResidency.text(answers))"
            case .done: "ok"
            case .failed(let code): code.rawValue
            }
        }
        return "\(call) → \(result)"
    }
}

// Trace form (documented in traces/README.md):
//   load {"index"} → {"value"}; store {"index", "value"}; add {"index", "delta"} → {"value": the value before};
//   open {"create", "exclusive", "truncate": BOOL?, "access": "read" | "read-write"?, "protection": "read" |
//   "read-write" | "read-exec" | "read-write-exec"?, "name": "with-slash" | "empty" | "too-long" | "over-name-max"?, "mapping":
//   "shared" | "shared-validate" | "private" | "neither"?, "flags": ["MAP_LOCKED", ...]?, "bits": INT?, "offset": BYTES?, "length": BYTES?, "address": "fixed" | "fixed-unaligned"
//   | "fixed-free" | "hint" | "noreplace" | "noreplace-unaligned" | "noreplace-free"?}; unmap {"page", "pages" | "length", "unaligned": BOOL?}? (with a value: munmap of those pages only);
//   protect {"protection": "none" | "read" | "read-write" | "read-exec" | "read-write-exec", "page", "pages" |
//   "length", "unaligned"?} (mprotect; page 0 and every page unless given); unlink {"name"?}; truncate {"size"};
//   stat → {"size", "mode"?, "uid"?, "gid"?}; umask {"umask": "0077"} → {"old": "0022"} (the process's mask for its
//   later creates, Models/Support/Umasks.swift; one object only); fchmod {"mode"}; fchown {"uid"?, "gid"?}; fcntl {"cmd": "F_GETFD"} → {"closeOnExec"}, {"cmd": "F_SETFD", "closeOnExec"}; close (the newest
//   descriptor still open; its mapping stays); fork {"child"} (one event per object the parent maps); sync {"flags", "bits"?, pages as protect's}; lock {pages as protect's, "flags": ["MLOCK_ONFAULT"]?,
//   "bits"?} (mlock2 with flags or bits), unlock {pages}, lockall {"flags": ["MCL_CURRENT", "MCL_FUTURE",
//   "MCL_ONFAULT"], "bits"?}, unlockall (one object only); setrlimit {"resource": "RLIMIT_MEMLOCK" | "RLIMIT_FSIZE", "soft", "hard": BYTES |
//   "unlimited"} (one object only; EINVAL, EPERM); fcntl {"cmd": "F_GETFL"} → {"access", "flags", "bits"?}, {"cmd": "F_SETFL", "flags", "bits"?};
//   read {"max"} → {"data"}; write {"data"} → {"written"}; pread {"max", "offset"} → {"data"}; pwrite {"data", "offset"} → {"written"};
//   lseek {"offset", "whence": "SEEK_SET" | "SEEK_CUR" | "SEEK_END" | INT} → {"offset"}; fallocate {"mode": ["FALLOC_FL_KEEP_SIZE", ...]?,
//   "bits"?, "offset", "length"}; posix_fallocate {"offset", "length"}.
//   advise {"advice": "MADV_..." | INT, pages as protect's} (madvise); residency {pages} → {"resident": "1001"} (mincore);
//   remap {"oldPages", "pages", "flags": ["MREMAP_MAYMOVE", "MREMAP_FIXED", "MREMAP_DONTUNMAP"], "bits"?, "unaligned"?} (mremap). EFAULT without a mapping, SIGSEGV storing through a read-only one, SIGBUS beyond the end,
//   EINVAL unmap without one, ENOENT after unlink, EBADF truncate or stat without a descriptor.
// params: {"objects": {"s0": {"words": 8, "mapped": [1, 2], "exists": BOOL?, "size": BYTES?, "anonymous": BOOL?, "umask":
//   "0022" or {"1": "0022", "2": "0077"}?, "fsize": {"1": BYTES}?}}}
extension PosixSharedMemoryModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        var objects: [(name: String, setup: Setup)] = []
        let given = try ModelParameters.objects(parameters, model: Self.name)
        for (name, setup) in given {
            var object = Setup(
                words: try setup.required("words").integer("words", in: 1...1 << 20),
                mapped: try setup.optional("mapped")?.integers("mapped") ?? [],
                exists: try setup.optional("exists")?.boolean("exists") ?? true,
                size: try setup.optional("size")?.integer("size", in: 0...Int.max), permissions: try Permissions(setup: setup))
            object.memoryLockLimits = try Self.memoryLockLimits(setup, objects: given.count)
            object.fileSizeLimits = try Self.fileSizeLimits(setup)
            if try setup.optional("anonymous")?.boolean("anonymous") == true {
                guard object.exists, try setup.optional("size") == nil else {
                    throw ModelError("object \(name) is anonymous: it exists from the start and its size is its mapping's ('exists' and 'size' cannot be given)")
                }
                object.anonymous = true
                object.size = Self.anonymousSize(words: object.words)
            }
            if let umask = try Umasks(setup: setup) { object.umask = umask }
            objects.append((name, object))
        }
        self.init(objects: objects)
    }

    public var parameters: JSONValue {
        ModelParameters.json(setups.map { name, setup in
            var value: JSONObject = ["words": .int(setup.words), "mapped": .ints(setup.mapped)]
            if !setup.exists { value["exists"] = false }
            if setup.anonymous { value["anonymous"] = true }
            if setup.exists && !setup.anonymous && setup.size != setup.words * 8 { value["size"] = .int(setup.size) }
            for (field, json) in setup.permissions.json { value[field] = json }
            if let umask = setup.umask.json { value["umask"] = umask }
            if !setup.memoryLockLimits.isEmpty { value["memlock"] = Self.json(setup.memoryLockLimits) }
            if let limits = setup.fileSizeLimits { value["fsize"] = Self.json(limits) }
            return (name, .object(value))
        })
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        if setups.first(where: { $0.name == call.object })?.setup.anonymous == true { try Self.refuseOnAnonymous(call.f, object: call.object) }
        if WordAccess.names.contains(call.f) {
            // A mapping covers whole pages: every word of its last page may be accessed.
            let words = setups.first { $0.name == call.object }?.setup.words ?? 0
            let reachable = PosixSharedMemoryMapping.pageCount(words: words) * PosixSharedMemoryMapping.pageWords
            return .access(process: call.process, try WordAccess(f: call.f, value: call.value, words: reachable))
        }
        func flag(_ name: String) throws(ModelError) -> Bool { try call.value.optional(name)?.boolean(name) ?? false }
        func invalidName() throws(ModelError) -> InvalidName? { try RefusedName.field(of: call.value, allowed: Self.refusedNames) }
        func readOnly(_ field: String) throws(ModelError) -> Bool? {
            switch try call.value.optional(field)?.text(field) {
            case nil: return nil
            case "read": return true
            case "read-write": return false
            case let other?: throw ModelError("field '\(field)' must be \"read\" or \"read-write\", not \"\(other)\"")
            }
        }
        let mappingPages = PosixSharedMemoryMapping.pageCount(words: setups.first { $0.name == call.object }?.setup.words ?? 0)
        func pages() throws(ModelError) -> PosixSharedMemoryMapping.Pages {
            let first = try call.value.optional("page")?.integer("page", in: 0...max(0, mappingPages - 1)) ?? 0
            if let length = try call.value.optional("length")?.integer("length", in: 0...max(0, mappingPages - first) * Self.pageSize) {
                return PosixSharedMemoryMapping.Pages(first: first, length: length, unaligned: try flag("unaligned"))
            }
            return PosixSharedMemoryMapping.Pages(
                first: first, count: try call.value.optional("pages")?.integer("pages", in: 0...max(0, mappingPages - first)) ?? mappingPages - first,
                unaligned: try flag("unaligned"))
        }
        switch call.f {
        case "open":
            let readOnlyAccess = try readOnly("access") ?? false
            // "protection": "read" or "read-write", or either with "-exec".
            var protection = try call.value.optional("protection")?.text("protection")
            let executable = protection?.hasSuffix("-exec") == true
            if executable { protection?.removeLast(5) }
            guard protection == nil || protection == "read" || protection == "read-write" else {
                throw ModelError("field 'protection' must be \"read\", \"read-write\", \"read-exec\" or \"read-write-exec\"")
            }
            var opening = Opening(
                create: try flag("create"), exclusive: try flag("exclusive"), truncate: try flag("truncate"), readOnly: readOnlyAccess,
                writableMapping: protection.map { $0 == "read-write" }, invalidName: try invalidName(), mode: try Permissions.mode(in: call.value))
            opening.executable = executable
            switch try call.value.optional("mapping")?.text("mapping") {
            case nil, "shared": break
            case "private": opening.isPrivate = true
            case "neither": opening.neitherSharedNorPrivate = true
            case "shared-validate": opening.validate = true
            case let other?: throw ModelError("field 'mapping' must be \"shared\", \"shared-validate\", \"private\" or \"neither\", not \"\(other)\"")
            }
            opening.mapFlags = try MapFlags.parse(call.value) ?? []
            opening.offset = try call.value.optional("offset")?.integer("offset", in: Int.min...Int.max) ?? 0
            opening.length = try call.value.optional("length")?.integer("length", in: 0...mappingPages * Self.pageSize)
            if let text = try call.value.optional("address")?.text("address") {
                guard let address = Address(rawValue: text) else {
                    throw ModelError(
                        "field 'address' must be \"fixed\", \"fixed-unaligned\", \"fixed-free\", \"hint\", \"noreplace\", \"noreplace-unaligned\" or \"noreplace-free\", not \"\(text)\"")
                }
                opening.address = address
            }
            return .open(process: call.process, opening)
        case "unmap":
            for field in ["page", "pages", "length", "unaligned"] where try call.value.optional(field) != nil {
                return .unmapPages(process: call.process, try pages())
            }
            return .unmap(process: call.process)
        case "protect":
            let text = try call.value.required("protection").text("protection")
            guard let protection = PosixSharedMemoryMapping.Protection(rawValue: text) else {
                throw ModelError("field 'protection' must be \"none\", \"read\", \"read-write\", \"read-exec\" or \"read-write-exec\", not \"\(text)\"")
            }
            return .protect(process: call.process, try pages(), protection)
        case "unlink": return .unlink(process: call.process, invalidName: try invalidName())
        case "truncate": return .truncate(process: call.process, size: try call.value.required("size").integer("size", in: Int.min...Int.max))
        case "stat": return .stat(process: call.process)
        case "umask": return .umask(process: call.process, mask: try Umasks.argument(of: call.value, model: Self.name, objects: setups.count))
        case "close": return .close(process: call.process)
        case "fork": return .fork(process: call.process, child: try call.forkedChild())
        case "fcntl":
            switch try call.value.required("cmd").text("cmd") {
            case "F_GETFD": return .descriptorFlags(process: call.process, set: nil)
            case "F_SETFD": return .descriptorFlags(process: call.process, set: try call.value.required("closeOnExec").boolean("closeOnExec"))
            case "F_GETFL": return .statusFlags(process: call.process, set: nil)
            case "F_SETFL": return .statusFlags(process: call.process, set: try StatusFlags.parse(call.value))
            case let other: throw ModelError("the posix-shm model's fcntl takes cmd \"F_GETFD\", \"F_SETFD\", \"F_GETFL\" or \"F_SETFL\", not \"\(other)\"")
            }
        case "sync": return .sync(process: call.process, try pages(), try Self.syncFlags(call.value))
        case "advise": return .advise(process: call.process, try pages(), try MemoryAdvice.parse(call.value, model: Self.name))
        case "residency": return .residency(process: call.process, try pages())
        case "remap": return .remap(process: call.process, try Remap.parse(call.value, pages: mappingPages))
        case "setrlimit":
            if try call.value.optional("resource")?.text("resource") == "RLIMIT_FSIZE" { return try fileSizeLimitChange(call) }
            let change = try MemoryLockLimit.change(call.value, model: Self.name, objects: setups.count)
            return .setMemoryLockLimit(process: call.process, soft: change.soft, hard: change.hard)
        default:
            if let lock = try lockCall(call, pages: pages) { return .lock(process: call.process, lock) }
            if let input = try Self.ownershipInput(call) { return input }
            if let input = try descriptorInput(call) { return input }
            if let input = try allocationInput(call) { return input }
            throw ModelError("the posix-shm model has no operation '\(call.f)' (it has load, store, add, open, unmap, protect, sync, lock, unlock, lockall, unlockall, setrlimit, unlink, truncate, stat, umask, fcntl, fchmod, fchown, close, fork, advise, residency, remap, read, write, pread, pwrite, lseek, fallocate and posix_fallocate)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        try refuseUnfollowedFileSizeLimit(outcome, input)
        try refuseUnfollowedWriteLimit(outcome, input)
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok(let value), .access(_, let access)): return .accessed(try access.result(from: value))
        case (.ok(let value), .stat):
            return .size(
                try value.required("size").integer("size"), mode: try Permissions.mode(in: value), owner: try value.optional("uid")?.integer("uid"),
                group: try value.optional("gid")?.integer("gid"))
        case (.ok(let value), .descriptorFlags(_, nil)): return .closeOnExec(try value.required("closeOnExec").boolean("closeOnExec"))
        case (.ok(let value), .umask): return .oldUmask(try Umasks.old(in: value))
        case (.ok(let value), .statusFlags(_, nil)): return .statusFlags(try StatusFlags(answer: value))
        case (.ok(let value), .descriptorIO(_, let call)): return try Self.descriptorOutput(value, for: call)
        case (.ok(let value), .residency): return .residency(try PageResidency.parse(value).map { $0 ? .resident : .absent })
        case (.ok, _): return .done
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .access(_, let access): access.call
        case .open(_, let opening): ("open", opening.json)
        case .unmap: ("unmap", nil)
        case .unlink(_, let invalidName): ("unlink", invalidName.map { ["name": .string($0.rawValue)] })
        case .truncate(_, let size): ("truncate", ["size": .int(size)])
        case .protect(_, let pages, let protection):
            ("protect", .object(pages.json(protection: protection)))
        case .unmapPages(_, let pages): ("unmap", .object(pages.json()))
        case .sync(_, let pages, let flags): ("sync", .object(pages.json(sync: flags)))
        case .lock(_, let lock): Self.json(lock)
        case .stat: ("stat", nil)
        case .umask(_, let mask): ("umask", Umasks.argumentJSON(mask))
        case .close: ("close", nil)
        case .fork(_, let child): ("fork", ["child": .int(child)])
        case .descriptorFlags(_, let set): ("fcntl", set.map { ["cmd": "F_SETFD", "closeOnExec": .bool($0)] } ?? ["cmd": "F_GETFD"])
        case .setMemoryLockLimit(_, let soft, let hard): ("setrlimit", MemoryLockLimit.changeJSON(soft: soft, hard: hard))
        case .statusFlags(_, let set): ("fcntl", set.map { StatusFlags.setJSON($0) } ?? ["cmd": "F_GETFL"])
        case .setFileSizeLimit(_, let soft, let hard):
            ("setrlimit", ["resource": "RLIMIT_FSIZE", "soft": MemoryLockLimit.json(bytes: soft), "hard": MemoryLockLimit.json(bytes: hard)])
        case .changeMode, .changeOwner: Self.ownershipCall(input)!
        case .descriptorIO(_, let call): (call.name, call.json)
        case .allocate(_, let allocation): allocation.json
        case .advise(_, let pages, let advice): ("advise", .object(pages.json(advice: advice)))
        case .residency(_, let pages): ("residency", .object(pages.json()))
        case .remap(_, let remap): ("remap", remap.json)
        case .exit: ("exit", nil)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .accessed(let result): .ok(result.json)
        case .size(let size, let mode, let owner, let group):
            .ok(.object(JSONObject(
                [("size", JSONValue.int(size))] + (mode.map { [("mode", Permissions.text(ofMode: $0))] } ?? [])
                    + (owner.map { [("uid", .int($0))] } ?? []) + (group.map { [("gid", .int($0))] } ?? []))))
        case .closeOnExec(let on): .ok(["closeOnExec": .bool(on)])
        case .statusFlags(let flags): .ok(flags.json)
        case .data(let bytes): .ok(["data": Payload.json(bytes)])
        case .written(let count): .ok(["written": .int(count)])
        case .offset(let offset): .ok(["offset": .int(offset)])
        case .residency(let answers): .ok(PageResidency.json(answers.map { $0 != .absent }))
        case .done: .ok(nil)
        case .oldUmask(let old): .ok(Umasks.oldJSON(old))
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? { .exit(process: process) }
}

extension PosixSharedMemoryModel.Opening {
    /// The mapping's protection `mmap` is given.
    public var protection: PosixSharedMemoryMapping.Protection {
        switch (writableMapping, executable) {
        case (true, false): .readWrite
        case (false, false): .read
        case (true, true): .readWriteExec
        case (false, true): .readExec
        }
    }
}

extension PosixSharedMemoryModel.Opening {
    /// The invoke value of an `open`: nil for a plain `O_RDWR` open and read-write mapping.
    var json: JSONValue? {
        var value = JSONObject()
        if create { value["create"] = true }
        if exclusive { value["exclusive"] = true }
        if truncate { value["truncate"] = true }
        if readOnly { value["access"] = "read" }
        if writableMapping == readOnly || executable { value["protection"] = .string(protection.rawValue) }
        if let invalidName { value["name"] = .string(invalidName.rawValue) }
        if let mode { value["mode"] = Permissions.text(ofMode: mode) }
        if isPrivate || neitherSharedNorPrivate { value["mapping"] = .string(neitherSharedNorPrivate ? "neither" : "private") }
        if validate { value["mapping"] = "shared-validate" }
        mapFlags.write(into: &value)
        if offset != 0 { value["offset"] = .int(offset) }
        if let length { value["length"] = .int(length) }
        if let address { value["address"] = .string(address.rawValue) }
        return value.count == 0 ? nil : .object(value)
    }
}

extension PosixSharedMemoryMapping.Pages {
    /// The invoke value's page fields (all of them, so that a partial `unmap` is never read as a whole one).
    func json(protection: PosixSharedMemoryMapping.Protection? = nil, sync: PosixSharedMemoryMapping.SyncFlags? = nil) -> JSONObject {
        var value: JSONObject = ["page": .int(first), "pages": .int(count)]
        if let protection { value["protection"] = .string(protection.rawValue) }
        if let sync {
            value["flags"] = .array(sync.names.map { .string($0) })
            if sync.otherBits != 0 { value["bits"] = .int(sync.otherBits) }
        }
        if unaligned { value["unaligned"] = true }
        return value
    }
}

extension PosixSharedMemoryModel {
    /// Whether `mmap` of `length` bytes from `offset` fails `EOVERFLOW` (measured,
    /// `SharedMemoryMappingFactsTests.largeOffsetsMapAndTheirOverflowFailsEOVERFLOW`): the offset's page plus the
    /// mapping's pages pass `MAX_LFS_FILESIZE`'s (2^63 − 1) / 4096 pages; a negative offset is a huge one to the
    /// kernel.
    static func overflows(offset: Int, length: Int) -> Bool {
        offset < 0 || offset / pageSize > Int.max / pageSize - (length + pageSize - 1) / pageSize
    }

    static func describe(_ pages: PosixSharedMemoryMapping.Pages) -> String {
        (pages.count == 1 ? "page \(pages.first)" : "\(pages.count) pages from page \(pages.first)") + (pages.unaligned ? " (an unaligned address)" : "")
    }

    static func describe(_ mapping: PosixSharedMemoryMapping) -> String {
        var text = mapping.isPrivate ? "private" : "shared"
        if mapping.readOnlyDescriptor { text += " of an O_RDONLY descriptor" }
        if mapping.firstWord != 0 { text += " from word \(mapping.firstWord)" }
        let pages = mapping.pages.map { $0?.rawValue ?? "unmapped" }
        // A long mapping's pages all alike read as one.
        text += Set(pages).count == 1 && pages.count > 2 ? " [\(pages[0]) × \(pages.count) pages]" : " [" + pages.joined(separator: ", ") + "]"
        if !mapping.copied.isEmpty { text += " copied pages \(mapping.copied.sorted()) \(mapping.privateWords.sorted { $0.key < $1.key })" }
        return text
    }
}
