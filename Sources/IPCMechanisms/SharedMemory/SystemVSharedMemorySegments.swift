import Glibc
import IPCSyscalls
import SystemPackage

/// System V shared memory (`shmget`, `shmat`, `shmdt`, `shmctl`), through the syscall layer.
///
/// `IPC_RMID` only marks a segment: it lives while attached (and Linux still lets processes attach it by id)
/// and is destroyed when the attachment count reaches 0; its key is freed at once. A process's exit detaches
/// everything it had attached.
public enum SystemVSharedMemorySegments {
    /// Creates a segment of `size` bytes for `key` exclusively, mode 0600.
    public static func create(key: key_t, size: Int) throws(Errno) -> SystemVSharedMemory {
        try Syscall.shmget(key, size: size, flags: IPC_CREAT | IPC_EXCL | 0o600)
    }

    /// Attaches the segment of `size` bytes; the whole pages it spans, as words. `shmat` maps whole pages, and the
    /// words past `size` in the last page are the segment's own (shared by every attachment, kept across detaches:
    /// `SystemVSharedMemoryTailFactsTests`), so they are reachable; the next page is not the segment's.
    public static func attach(_ segment: SystemVSharedMemory, size: Int, readOnly: Bool = false) throws(Errno) -> SharedWords {
        SharedWords(base: try Syscall.shmat(segment, readOnly: readOnly), count: attachedWords(size))
    }

    /// The words an attachment of a segment of `size` bytes reaches: its whole pages'.
    public static func attachedWords(_ size: Int) -> Int {
        let page = PartlyMappedWords.pageSize
        return (max(size, 1) + page - 1) / page * page / 8
    }

    /// Where ``attach(_:size:at:flags:)`` is asked to put the segment.
    public enum Placement: Sendable {
        /// `NULL`: the kernel chooses.
        case kernel
        /// A page-aligned address where nothing is mapped (one just reserved and given back).
        case free
        /// 100 bytes into such a place: aligned neither to `SHMLBA` nor to a page.
        case unaligned
        /// Exactly at `words`' attachment.
        case at(SharedWords)
    }

    /// Attaches the segment of `size` bytes at `placement` with `shmat`'s `flags`; its whole pages as words.
    public static func attach(_ segment: SystemVSharedMemory, size: Int, at placement: Placement, flags: CInt) throws(Errno) -> SharedWords {
        func attach(at address: UnsafeMutableRawPointer?) throws(Errno) -> SharedWords {
            SharedWords(base: try Syscall.shmat(segment, at: address, flags: flags), count: attachedWords(size))
        }
        switch placement {
        case .kernel: return try attach(at: nil)
        case .at(let words): return try attach(at: words.base)
        case .free, .unaligned:
            // A place nothing uses (a page more: an unaligned address's attachment, rounded or not, fits too). Taken
            // by another thread meanwhile, it fails EINVAL (an attachment there without SHM_REMAP): tried again.
            // With SHM_REMAP, which would replace whatever another thread put there, the place is a reservation of
            // this process's own instead, unmapped after unless the attachment replaced it.
            let offset = if case .unaligned = placement { 100 } else { 0 }
            if flags & SHM_REMAP != 0 {
                let bytes = max(size, 1) + 4096
                let reserved = try FreeAddress.reservation(bytes)
                do throws(Errno) {
                    let attached = try attach(at: reserved + offset)
                    let covered = attachedWords(size) * 8
                    munmap(reserved + covered, bytes - covered)
                    return attached
                } catch {
                    munmap(reserved, bytes)
                    throw error
                }
            }
            return try FreeAddress.attempt(max(size, 1) + 4096, { (place) throws(Errno) in try attach(at: place + offset) },
                raced: { $0 == .invalidArgument })
        }
    }

    public static func detach(_ words: SharedWords) throws(Errno) {
        try Syscall.shmdt(words.base)
    }

    public static func status(_ segment: SystemVSharedMemory) throws(Errno) -> SharedMemoryStatus {
        try Syscall.shmStatus(segment)
    }

    public static func remove(_ segment: SystemVSharedMemory) throws(Errno) {
        try Syscall.shmRemove(segment)
    }
}
