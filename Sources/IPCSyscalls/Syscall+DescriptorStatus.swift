import Glibc
import SystemPackage

extension Syscall {
    /// A descriptor's file type (`st_mode & S_IFMT`), permission bits and size, from one `fstat`.
    ///
    /// The corresponding C function is `fstat`.
    public static func descriptorStatus(_ descriptor: FileDescriptor) throws(Errno) -> (type: mode_t, permissions: mode_t, size: Int) {
        var info = stat()
        _ = try perform(.fstat, descriptor: descriptor, retryOnInterrupt: false) { _ in Glibc.fstat(descriptor.rawValue, &info) }
        return (info.st_mode & S_IFMT, info.st_mode & 0o7777, Int(info.st_size))
    }
}
