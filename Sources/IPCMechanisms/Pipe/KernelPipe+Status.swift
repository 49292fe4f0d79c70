import Glibc
import IPCSyscalls
import SystemPackage

/// `fstat` of a pipe's or FIFO's descriptor: `S_IFIFO`, the inode's permission bits (0600 for an anonymous pipe),
/// and an `st_size` of 0 whatever it holds (measured in `KernelDescriptorStatusFactsTests`).
extension KernelPipe {
    /// The file type's name (`S_IFIFO`, or another for a descriptor that is not a pipe), permission bits and size.
    public static func status(_ descriptor: FileDescriptor) throws(Errno) -> (type: String, mode: Int, size: Int) {
        let status = try Syscall.descriptorStatus(descriptor)
        let names: [(mode_t, String)] = [
            (S_IFIFO, "S_IFIFO"), (S_IFREG, "S_IFREG"), (S_IFSOCK, "S_IFSOCK"), (S_IFCHR, "S_IFCHR"), (S_IFDIR, "S_IFDIR"),
            (S_IFBLK, "S_IFBLK"), (S_IFLNK, "S_IFLNK"),
        ]
        let type = names.first { $0.0 == status.type }?.1 ?? "0\(String(status.type, radix: 8))"
        return (type, Int(status.permissions), status.size)
    }
}
