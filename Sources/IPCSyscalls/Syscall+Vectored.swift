import Glibc
import SystemPackage

extension Syscall {
    /// Writes `pieces` in order with one call and returns how many bytes the kernel took (possibly fewer). The fault
    /// plan treats it as a `write` of the summed size; a shortened call keeps the leading bytes, dropping the pieces'
    /// tails past the limit.
    ///
    /// The corresponding C function is `writev`.
    public static func write(_ descriptor: FileDescriptor, pieces: [[UInt8]], retryOnInterrupt: Bool = true) throws(Errno) -> Int {
        let lengths = pieces.map(\.count)
        var bytes = Array(pieces.joined())
        return try bytes.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
            let buffer = UnsafeMutableRawBufferPointer(raw)
            return try perform(.write, descriptor: descriptor, count: buffer.count, retryOnInterrupt: retryOnInterrupt) { limit in
                withVectors(over: buffer, lengths: lengths, limit: limit) { Glibc.writev(descriptor.rawValue, $0, $1) }
            }
        }
    }

    /// Reads with one call into buffers of `sizes` bytes, filled in order; returns the bytes read, as one array
    /// (empty at end of file). The fault plan treats it as a `read` of the summed size.
    ///
    /// The corresponding C function is `readv`.
    public static func read(_ descriptor: FileDescriptor, sizes: [Int], retryOnInterrupt: Bool = true) throws(Errno) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: sizes.reduce(0, +))
        let count = try bytes.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
            let buffer = UnsafeMutableRawBufferPointer(raw)
            return try perform(.read, descriptor: descriptor, count: buffer.count, retryOnInterrupt: retryOnInterrupt) { limit in
                withVectors(over: buffer, lengths: sizes, limit: limit) { Glibc.readv(descriptor.rawValue, $0, $1) }
            }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    /// Calls `body` with `iovec`s over consecutive stretches of `buffer` of the given lengths, cut after `limit`
    /// bytes in all (every vector kept when there is no limit, even empty ones: their count is the caller's).
    private static func withVectors(
        over buffer: UnsafeMutableRawBufferPointer, lengths: [Int], limit: Int?,
        _ body: (UnsafePointer<iovec>, CInt) -> Int
    ) -> Int {
        var vectors: [iovec] = []
        var offset = 0
        for length in lengths {
            var take = length
            if let limit {
                guard offset < limit else { break }
                take = Swift.min(length, limit - offset)
            }
            vectors.append(iovec(iov_base: buffer.baseAddress.map { $0 + offset }, iov_len: take))
            offset += take
        }
        return vectors.withUnsafeBufferPointer { body($0.baseAddress!, CInt(clamping: $0.count)) }
    }
}
