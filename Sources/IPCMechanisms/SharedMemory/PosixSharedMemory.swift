import Glibc
import IPCSyscalls
import SystemPackage

/// POSIX shared memory objects (`shm_open`, `ftruncate`, `mmap`), through the syscall layer.
///
/// The object outlives every process that maps it until `shm_unlink`; after that, mappings keep the memory and
/// new opens fail `ENOENT`. A fresh object reads as zeros.
public enum PosixSharedMemory {
    /// Creates an object exclusively, mode 0600, of `size` bytes; returns a close-on-exec descriptor.
    public static func create(_ name: String, size: Int) throws(Errno) -> FileDescriptor {
        let descriptor = try Syscall.shmOpen(name, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o600)
        do {
            try Syscall.truncate(descriptor, size: size)
        } catch {
            try? Syscall.close(descriptor)
            throw error
        }
        return descriptor
    }

    /// Opens an existing object for reading and writing, close-on-exec.
    public static func open(_ name: String) throws(Errno) -> FileDescriptor {
        try Syscall.shmOpen(name, flags: O_RDWR | O_CLOEXEC)
    }

    /// Maps `size` bytes of the object shared (only readable with `writable` false: stores then raise `SIGSEGV`);
    /// the mapping stays after the descriptor is closed.
    public static func map(_ descriptor: FileDescriptor, size: Int, writable: Bool = true) throws(Errno) -> SharedWords {
        SharedWords(base: try Syscall.mapShared(descriptor, size: size, writable: writable), count: size / 8)
    }

    /// Maps `size` bytes of the object from byte `offset` (a multiple of the page size, or `EINVAL`): `MAP_PRIVATE`
    /// with `isPrivate` (the process's stores are its own, copied page by page), `MAP_SHARED` otherwise.
    public static func map(
        _ descriptor: FileDescriptor, size: Int, writable: Bool, isPrivate: Bool, offset: Int = 0
    ) throws(Errno) -> SharedWords {
        let address = try Syscall.map(
            descriptor, size: size, protection: writable ? PROT_READ | PROT_WRITE : PROT_READ,
            flags: isPrivate ? MAP_PRIVATE : MAP_SHARED, offset: offset)
        return SharedWords(base: address, count: size / 8)
    }

    /// Opens, maps and closes: the usual way to get at an object by name.
    public static func mapNamed(_ name: String, size: Int) throws(Errno) -> SharedWords {
        let descriptor = try open(name)
        defer { try? Syscall.close(descriptor) }
        return try map(descriptor, size: size)
    }

    public static func unmap(_ words: SharedWords) throws(Errno) {
        try Syscall.unmap(words.base, size: words.count * 8)
    }

    public static func unlink(_ name: String) throws(Errno) {
        try Syscall.shmUnlink(name)
    }
}
