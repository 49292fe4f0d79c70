import CIPCShims
import Glibc
import SystemPackage

extension Syscall {
    /// Creates an anonymous memory file (close-on-exec) to be sized, mapped `MAP_SHARED` and handed to other
    /// processes as a descriptor: shared memory without a name to clean up.
    ///
    /// The corresponding C function is `memfd_create`.
    public static func createMemoryFile(name: String) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try perform(.memfd_create, retryOnInterrupt: false) { _ in ipc_memfd_create(name) })
    }

    /// Sets a file's size.
    ///
    /// The corresponding C function is `ftruncate`.
    public static func truncate(_ descriptor: FileDescriptor, size: Int) throws(Errno) {
        _ = try perform(.ftruncate, descriptor: descriptor, retryOnInterrupt: true) { _ in
            Glibc.ftruncate(descriptor.rawValue, off_t(size))
        }
    }

    /// Maps `size` bytes of `descriptor` readable, writable and `MAP_SHARED`, wherever the kernel chooses (so
    /// each process sees the region at its own address: shared structures hold offsets, never pointers).
    ///
    /// The corresponding C function is `mmap`.
    public static func mapShared(_ descriptor: FileDescriptor, size: Int) throws(Errno) -> UnsafeMutableRawPointer {
        var mapped: UnsafeMutableRawPointer?
        _ = try perform(.mmap, descriptor: descriptor, retryOnInterrupt: false) { _ -> CInt in
            let address = Glibc.mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor.rawValue, 0)
            if address == MAP_FAILED { return -1 }
            mapped = address
            return 0
        }
        return mapped!
    }

    /// Removes a mapping made by ``mapShared(_:size:)``.
    ///
    /// The corresponding C function is `munmap`.
    public static func unmap(_ address: UnsafeMutableRawPointer, size: Int) throws(Errno) {
        _ = try perform(.munmap, retryOnInterrupt: false) { _ in Glibc.munmap(address, size) }
    }

    /// Creates a FIFO (named pipe) at `path` with `mode` (less the umask); fails `EEXIST` if anything is there.
    ///
    /// The corresponding C function is `mkfifo`.
    public static func makeFIFO(_ path: String, mode: mode_t) throws(Errno) {
        _ = try perform(.mkfifo, retryOnInterrupt: false) { _ in Glibc.mkfifo(path, mode) }
    }

    /// Changes a file's permission bits.
    ///
    /// The corresponding C function is `chmod`.
    public static func changeMode(_ path: String, _ mode: mode_t) throws(Errno) {
        _ = try perform(.chmod, retryOnInterrupt: false) { _ in Glibc.chmod(path, mode) }
    }

    /// Gives up root for `user` and `group` for good (group first, while still allowed to).
    ///
    /// The corresponding C functions are `setgid` and `setuid`.
    public static func becomeUser(_ user: uid_t, group: gid_t) throws(Errno) {
        _ = try perform(.setgid, retryOnInterrupt: false) { _ in Glibc.setgid(group) }
        _ = try perform(.setuid, retryOnInterrupt: false) { _ in Glibc.setuid(user) }
    }
}
