import Glibc
import SystemPackage

extension Syscall {
    /// Gives the kernel `advice` (an `MADV_*` number, passed as it is: an unknown one fails `EINVAL`) for the pages
    /// of `size` bytes from `address`. No fault is injected into it.
    ///
    /// The corresponding C function is `madvise`.
    public static func advise(_ address: UnsafeMutableRawPointer, size: Int, advice: CInt) throws(Errno) {
        _ = try perform(.madvise, retryOnInterrupt: false) { _ in Glibc.madvise(address, size, advice) }
    }

    /// Whether each page of `size` bytes from `address` (rounded up to whole pages) is in memory. No fault is
    /// injected into it.
    ///
    /// The corresponding C function is `mincore`.
    public static func residency(_ address: UnsafeMutableRawPointer, size: Int) throws(Errno) -> [Bool] {
        let pages = (size + 4095) / 4096
        var vector = [UInt8](repeating: 0, count: max(pages, 1))
        _ = try perform(.mincore, retryOnInterrupt: false) { _ in
            vector.withUnsafeMutableBufferPointer { Glibc.mincore(address, size, $0.baseAddress) }
        }
        return vector.prefix(pages).map { $0 & 1 != 0 }
    }
}
