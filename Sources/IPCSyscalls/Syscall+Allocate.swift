import CIPCShims
import Glibc
import SystemPackage

extension Syscall {
    /// Allocates, keeps the size or punches a hole (`mode`'s `FALLOC_FL_*` bits) over the bytes from `offset` up to
    /// `offset + length` of a regular file (a POSIX shared memory object's tmpfs file). Not retried.
    ///
    /// The corresponding C function is `fallocate`.
    public static func allocate(_ descriptor: FileDescriptor, mode: CInt, offset: Int, length: Int) throws(Errno) {
        guard ipc_fallocate(descriptor.rawValue, mode, Int64(offset), Int64(length)) == 0 else { throw Errno(rawValue: errno) }
    }

    /// Allocates the bytes from `offset` up to `offset + length`, growing the file to their end. It returns its error
    /// rather than setting errno.
    ///
    /// The corresponding C function is `posix_fallocate`.
    public static func posixAllocate(_ descriptor: FileDescriptor, offset: Int, length: Int) throws(Errno) {
        let error = Glibc.posix_fallocate(descriptor.rawValue, off_t(offset), off_t(length))
        if error != 0 { throw Errno(rawValue: error) }
    }
}
