import CIPCShims
import Glibc
import SystemPackage

/// A System V shared memory segment's identifier.
public struct SystemVSharedMemory: Sendable, Hashable {
    public var id: CInt
    public init(id: CInt) { self.id = id }
}

/// What `shmctl(IPC_STAT)` tells of a segment.
public struct SharedMemoryStatus: Sendable, Hashable {
    public var size: Int
    public var attachments: Int
    /// `SHM_DEST`: removed, destroyed when the last attachment goes.
    public var markedForRemoval: Bool
    public var key: key_t
    public var ownerUID: uid_t
    /// `shm_perm.gid`: the group whose bits later checks give its members (the creator's, until `IPC_SET` changes it).
    public var groupGID: gid_t = 0
    public var mode: mode_t
    /// `shm_cpid` and `shm_lpid`: the creator, and the last process to attach or detach (0 before any).
    public var creatorPID: pid_t = 0
    public var lastPID: pid_t = 0
    /// `shm_atime`, `shm_dtime`, `shm_ctime` in seconds: the last attach and detach (0 before any), the last change.
    public var attachTime = 0
    public var detachTime = 0
    public var changeTime = 0
    /// `SHM_LOCKED` in `shm_perm.mode`: locked in memory by `SHM_LOCK`.
    public var locked = false
}

extension Syscall {
    // MARK: POSIX shared memory and mappings

    /// Opens (or with `O_CREAT | O_EXCL` creates) a POSIX shared memory object. Pass `O_CLOEXEC` in `flags`
    /// (glibc adds it anyway).
    ///
    /// The corresponding C function is `shm_open`.
    public static func shmOpen(_ name: String, flags: CInt, mode: mode_t = 0) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.shmOpen, retryOnInterrupt: false) { _ in Glibc.shm_open(name, flags, mode) })
    }

    /// Removes a POSIX shared memory object's name; mappings and descriptors keep the memory alive.
    ///
    /// The corresponding C function is `shm_unlink`.
    public static func shmUnlink(_ name: String) throws(Errno) {
        _ = try perform(.shmUnlink, retryOnInterrupt: false) { _ in Glibc.shm_unlink(name) }
    }

    /// Creates anonymous memory to share by descriptor, close-on-exec.
    ///
    /// The corresponding C function is `memfd_create`.
    public static func memfdCreate(_ name: String) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.memfdCreate, retryOnInterrupt: false) { _ in ipc_memfd_create(name) })
    }

    /// Sets a file's size (new bytes read as zero).
    ///
    /// The corresponding C function is `ftruncate`.
    public static func truncate(_ descriptor: FileDescriptor, size: Int) throws(Errno) {
        _ = try perform(.ftruncate, descriptor: descriptor, retryOnInterrupt: true) { _ in
            Glibc.ftruncate(descriptor.rawValue, off_t(size))
        }
    }

    /// Maps `size` bytes of `descriptor` shared, readable and writable.
    ///
    /// The corresponding C function is `mmap`.
    public static func mapShared(_ descriptor: FileDescriptor, size: Int, writable: Bool = true) throws(Errno) -> UnsafeMutableRawPointer {
        try map(descriptor, size: size, protection: writable ? PROT_READ | PROT_WRITE : PROT_READ, flags: MAP_SHARED)
    }

    /// Maps `size` bytes of `descriptor` from byte `offset` with `protection` and `flags` as given (`MAP_SHARED`,
    /// `MAP_PRIVATE`, or neither, which the kernel refuses), at `address` (a hint, or with `MAP_FIXED` the place,
    /// replacing what is mapped there) when given.
    ///
    /// The corresponding C function is `mmap`.
    public static func map(
        _ descriptor: FileDescriptor, size: Int, protection: CInt, flags: CInt, offset: Int = 0, at address: UnsafeMutableRawPointer? = nil
    ) throws(Errno) -> UnsafeMutableRawPointer {
        let address = try perform(.mmap, descriptor: descriptor, retryOnInterrupt: false) { _ -> Int in
            let result = Glibc.mmap(address, size, protection, flags, descriptor.rawValue, off_t(offset))
            return result == MAP_FAILED ? -1 : Int(bitPattern: result)
        }
        return UnsafeMutableRawPointer(bitPattern: address)!
    }

    /// Changes the protection of `size` bytes from `address` (a page boundary, or `EINVAL`).
    ///
    /// The corresponding C function is `mprotect`.
    public static func protect(_ address: UnsafeMutableRawPointer, size: Int, protection: CInt) throws(Errno) {
        _ = try perform(.mprotect, retryOnInterrupt: false) { _ in Glibc.mprotect(address, size, protection) }
    }

    /// Writes `size` bytes from `address` back to their object, as `flags` (`MS_SYNC`, `MS_ASYNC`, `MS_INVALIDATE`)
    /// say. No fault is injected into it.
    ///
    /// The corresponding C function is `msync`.
    public static func sync(_ address: UnsafeMutableRawPointer, size: Int, flags: CInt) throws(Errno) {
        _ = try perform(.msync, retryOnInterrupt: false) { _ in Glibc.msync(address, size, flags) }
    }

    /// Locks the pages of `size` bytes from `address` in memory (`address` rounded down to its page); with `flags`,
    /// `mlock2` (`MLOCK_ONFAULT`: without faulting them in). No fault is injected into it.
    ///
    /// The corresponding C functions are `mlock` and `mlock2`.
    public static func lockMemory(_ address: UnsafeMutableRawPointer, size: Int, flags: CUnsignedInt? = nil) throws(Errno) {
        _ = try perform(.mlock, retryOnInterrupt: false) { _ in
            flags.map { ipc_mlock2(address, size, $0) } ?? Glibc.mlock(address, size)
        }
    }

    /// Unlocks the pages of `size` bytes from `address`. No fault is injected into it.
    ///
    /// The corresponding C function is `munlock`.
    public static func unlockMemory(_ address: UnsafeMutableRawPointer, size: Int) throws(Errno) {
        _ = try perform(.munlock, retryOnInterrupt: false) { _ in Glibc.munlock(address, size) }
    }

    /// Locks every page of the process (`MCL_CURRENT`), the pages it maps later (`MCL_FUTURE`), or both; `MCL_ONFAULT`
    /// without faulting them in. No fault is injected into it.
    ///
    /// The corresponding C function is `mlockall`.
    public static func lockAllMemory(flags: CInt) throws(Errno) {
        _ = try perform(.mlockall, retryOnInterrupt: false) { _ in Glibc.mlockall(flags) }
    }

    /// Undoes `mlockall` and every `mlock` of the process. No fault is injected into it.
    ///
    /// The corresponding C function is `munlockall`.
    public static func unlockAllMemory() throws(Errno) {
        _ = try perform(.munlockall, retryOnInterrupt: false) { _ in Glibc.munlockall() }
    }

    /// Whether this process may lock memory without `RLIMIT_MEMLOCK` in the way: it has `CAP_IPC_LOCK` in its
    /// effective set (root has, as the harness's workers run in CI, unless it dropped it) or no limit.
    public static var locksMemoryWithoutLimit: Bool {
        var limit = rlimit()
        return ipc_has_ipc_lock_capability() == 1
            || (getrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &limit) == 0 && limit.rlim_cur == rlim_t.max)
    }

    /// Makes this process lock memory as an unprivileged one does: `RLIMIT_MEMLOCK`'s soft limit set to `bytes` (the
    /// hard limit too, when it is lower) and `CAP_IPC_LOCK` dropped from its effective and permitted sets, for good —
    /// and `CAP_SYS_RESOURCE`, so that raising its hard limit fails `EPERM` as for an unprivileged process.
    ///
    /// The corresponding C functions are `setrlimit` and `capset`.
    public static func limitMemoryLocking(to bytes: Int) throws(Errno) {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &limit) == 0 else { throw Errno(rawValue: Glibc.errno) }
        limit.rlim_cur = rlim_t(bytes)
        if limit.rlim_max < limit.rlim_cur { limit.rlim_max = limit.rlim_cur }
        guard setrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &limit) == 0 else { throw Errno(rawValue: Glibc.errno) }
        guard ipc_drop_ipc_lock_capability() == 0, ipc_drop_sys_resource_capability() == 0 else { throw Errno(rawValue: Glibc.errno) }
    }

    /// Sets this process's `RLIMIT_MEMLOCK`: `soft` and `hard` in bytes, nil for `RLIM_INFINITY`.
    ///
    /// The corresponding C function is `setrlimit`.
    public static func setMemoryLockLimit(soft: Int?, hard: Int?) throws(Errno) {
        var limit = rlimit(rlim_cur: soft.map { rlim_t($0) } ?? rlim_t.max, rlim_max: hard.map { rlim_t($0) } ?? rlim_t.max)
        _ = try perform(.setrlimit, retryOnInterrupt: false) { _ in setrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &limit) }
    }

    /// Unmaps a mapping.
    ///
    /// The corresponding C function is `munmap`.
    public static func unmap(_ address: UnsafeMutableRawPointer, size: Int) throws(Errno) {
        _ = try perform(.munmap, retryOnInterrupt: false) { _ in Glibc.munmap(address, size) }
    }

    /// A descriptor's size and permission bits.
    ///
    /// The corresponding C function is `fstat`.
    public static func fileStatus(_ descriptor: FileDescriptor) throws(Errno) -> (size: Int, mode: mode_t, owner: uid_t, group: gid_t) {
        var info = stat()
        guard fstat(descriptor.rawValue, &info) == 0 else { throw Errno(rawValue: Glibc.errno) }
        return (Int(info.st_size), info.st_mode & 0o7777, info.st_uid, info.st_gid)
    }

    // MARK: System V shared memory

    /// Creates (with `IPC_CREAT | IPC_EXCL` in `flags`) or finds the segment of `key`.
    ///
    /// The corresponding C function is `shmget`.
    public static func shmget(_ key: key_t, size: Int, flags: CInt) throws(Errno) -> SystemVSharedMemory {
        SystemVSharedMemory(id: try perform(.shmget, retryOnInterrupt: false) { _ in Glibc.shmget(key, size, flags) })
    }

    /// Attaches the segment, readable and writable, or only readable (`SHM_RDONLY`): a store then raises `SIGSEGV`.
    ///
    /// The corresponding C function is `shmat`.
    public static func shmat(_ segment: SystemVSharedMemory, readOnly: Bool = false) throws(Errno) -> UnsafeMutableRawPointer {
        let address = try perform(.shmat, retryOnInterrupt: false) { _ -> Int in
            Int(bitPattern: Glibc.shmat(segment.id, nil, readOnly ? SHM_RDONLY : 0))
        }
        return UnsafeMutableRawPointer(bitPattern: address)!
    }

    /// Attaches the segment at `address` (nil: the kernel chooses) with `flags` (`SHM_RDONLY`, `SHM_RND`,
    /// `SHM_REMAP`, `SHM_EXEC`).
    ///
    /// The corresponding C function is `shmat`.
    public static func shmat(
        _ segment: SystemVSharedMemory, at address: UnsafeMutableRawPointer?, flags: CInt
    ) throws(Errno) -> UnsafeMutableRawPointer {
        let attached = try perform(.shmat, retryOnInterrupt: false) { _ -> Int in Int(bitPattern: Glibc.shmat(segment.id, address, flags)) }
        return UnsafeMutableRawPointer(bitPattern: attached)!
    }

    /// Detaches the segment attached at `address`.
    ///
    /// The corresponding C function is `shmdt`.
    public static func shmdt(_ address: UnsafeMutableRawPointer) throws(Errno) {
        _ = try perform(.shmdt, retryOnInterrupt: false) { _ in Glibc.shmdt(address) }
    }

    /// The segment's size, attachment count, removal mark, key, owner and mode.
    ///
    /// The corresponding C function is `shmctl(IPC_STAT)`.
    public static func shmStatus(_ segment: SystemVSharedMemory) throws(Errno) -> SharedMemoryStatus {
        var info = shmid_ds()
        _ = try perform(.shmctl, retryOnInterrupt: false) { _ in Glibc.shmctl(segment.id, IPC_STAT, &info) }
        return status(info)
    }

    /// The segment at `index` in the namespace's table (`SHM_STAT`, which needs read permission, or `SHM_STAT_ANY`,
    /// which does not): its id, and what `IPC_STAT` would report.
    ///
    /// The corresponding C function is `shmctl(SHM_STAT)` or `shmctl(SHM_STAT_ANY)`.
    public static func shmStatus(index: Int, any: Bool) throws(Errno) -> (id: CInt, status: SharedMemoryStatus) {
        var info = shmid_ds()
        let id = try perform(.shmctl, retryOnInterrupt: false) { _ in ipc_shmctl_stat_index(CInt(truncatingIfNeeded: index), any ? 1 : 0, &info) }
        return (id, status(info))
    }

    /// The namespace's shared memory limits (`IPC_INFO`: `struct shminfo`) or, with `counts`, its use (`SHM_INFO`:
    /// `struct shm_info`), by field name — `shmmax` and `shmall` exceed `Int`, so all are `UInt`; and the call's
    /// result, the highest segment index in use.
    ///
    /// The corresponding C function is `shmctl(IPC_INFO)` or `shmctl(SHM_INFO)`.
    public static func shmInfo(counts: Bool) throws(Errno) -> (index: Int, fields: [String: UInt]) {
        var values = [UInt](repeating: 0, count: 6)
        let index = try perform(.shmctl, retryOnInterrupt: false) { _ in ipc_shmctl_info(counts ? 1 : 0, &values) }
        let names = counts
            ? ["used_ids", "shm_tot", "shm_rss", "shm_swp", "swap_attempts", "swap_successes"]
            : ["shmmax", "shmmin", "shmmni", "shmseg", "shmall"]
        return (Int(index), Dictionary(uniqueKeysWithValues: zip(names, values)))
    }

    /// `IPC_STAT`'s `struct shmid_ds` as a ``SharedMemoryStatus``.
    private static func status(_ info: shmid_ds) -> SharedMemoryStatus {
        SharedMemoryStatus(
            size: Int(info.shm_segsz), attachments: Int(info.shm_nattch),
            markedForRemoval: Int32(info.shm_perm.mode) & SHM_DEST != 0, key: info.shm_perm.__key,
            ownerUID: info.shm_perm.uid, groupGID: info.shm_perm.gid, mode: mode_t(info.shm_perm.mode) & 0o777, creatorPID: info.shm_cpid, lastPID: info.shm_lpid,
            attachTime: Int(info.shm_atime), detachTime: Int(info.shm_dtime), changeTime: Int(info.shm_ctime),
            locked: Int32(info.shm_perm.mode) & Self.sharedMemoryLocked != 0)
    }

    /// Sets what is given of the permission bits, the owner (`shm_perm.uid`) and the group (`shm_perm.gid`), keeping the rest as `IPC_STAT`
    /// reports it; only the owner, the creator or a privileged process may (`EPERM`).
    ///
    /// The corresponding C function is `shmctl(IPC_SET)`.
    public static func shmSet(_ segment: SystemVSharedMemory, mode: mode_t?, owner: uid_t?, group: gid_t? = nil) throws(Errno) {
        var info = shmid_ds()
        // SHM_STAT_ANY, not IPC_STAT, which needs read permission (see ``msgSet(_:capacity:mode:owner:group:)``).
        _ = try perform(.shmctl, retryOnInterrupt: false) { _ in ipc_shmctl_stat_index(segment.id, 1, &info) }
        if let mode { info.shm_perm.mode = (info.shm_perm.mode & ~0o777) | UInt32(mode & 0o777) }
        if let owner { info.shm_perm.uid = owner }
        if let group { info.shm_perm.gid = group }
        _ = try perform(.shmctl, retryOnInterrupt: false) { _ in Glibc.shmctl(segment.id, IPC_SET, &info) }
    }

    /// Locks the segment's pages in memory (`SHM_LOCK`; `SHM_LOCKED` then shows in its mode) or unlocks them
    /// (`SHM_UNLOCK`); only the owner, the creator or a process with `CAP_IPC_LOCK` may (`EPERM`).
    ///
    /// The corresponding C function is `shmctl(SHM_LOCK)` or `shmctl(SHM_UNLOCK)`.
    public static func shmLock(_ segment: SystemVSharedMemory, lock: Bool) throws(Errno) {
        _ = try perform(.shmctl, retryOnInterrupt: false) { _ in Glibc.shmctl(segment.id, lock ? SHM_LOCK : SHM_UNLOCK, nil) }
    }

    /// `SHM_LOCKED`, the mode bit of a locked segment (`<linux/shm.h>`; glibc's header names it too).
    static let sharedMemoryLocked: Int32 = 0o2000

    /// Marks the segment for removal: it goes when the last attachment does (new attaches still work until then).
    ///
    /// The corresponding C function is `shmctl(IPC_RMID)`.
    public static func shmRemove(_ segment: SystemVSharedMemory) throws(Errno) {
        _ = try perform(.shmctl, retryOnInterrupt: false) { _ in Glibc.shmctl(segment.id, IPC_RMID, nil) }
    }

    /// `shmctl` of the raw `command` on the raw `id`, with a buffer as large as any command's: for a command the
    /// kernel does not have or a negative id, which it refuses (`EINVAL`) before looking at anything.
    ///
    /// The corresponding C function is `shmctl`.
    public static func shmControl(id: CInt, command: CInt) throws(Errno) {
        var buffer = shmid_ds()
        _ = try perform(.shmctl, retryOnInterrupt: false) { _ in Glibc.shmctl(id, command, &buffer) }
    }
}
