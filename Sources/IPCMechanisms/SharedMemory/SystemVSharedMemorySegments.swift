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

    /// Attaches the segment; its first `size` bytes as words.
    public static func attach(_ segment: SystemVSharedMemory, size: Int, readOnly: Bool = false) throws(Errno) -> SharedWords {
        SharedWords(base: try Syscall.shmat(segment, readOnly: readOnly), count: size / 8)
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
