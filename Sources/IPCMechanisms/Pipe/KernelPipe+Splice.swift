import Glibc
import IPCSyscalls
import SystemPackage

/// `splice`, `tee` and `vmsplice` between a pipe and something no trace follows: `/dev/null`, a file made for the call,
/// a pipe made for the call, memory kept for the pipe. What each does to the pipe is measured in
/// `KernelSpliceFactsTests`.
extension KernelPipe {
    /// `O_TMPFILE` (with `O_DIRECTORY`, as Linux defines it): a file with no name, gone at its last close.
    static let unnamedFile: CInt = 0o20_000_000 | O_DIRECTORY

    /// The flags word of a call: `SPLICE_F_NONBLOCK` when asked, and `otherBits` as given.
    public static func spliceFlags(nonblocking: Bool, otherBits: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: otherBits) | (nonblocking ? Syscall.spliceNonblocking : 0)
    }

    /// `splice` of up to `max` bytes from `readEnd` into `/dev/null`, or into `writeEnd` (the same pipe's) when given;
    /// `offset`: an input offset is given (`ESPIPE` on a pipe).
    public static func spliceOut(
        _ readEnd: FileDescriptor, max: Int, flags: UInt32, offset: Bool, into writeEnd: FileDescriptor? = nil,
        retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        if let writeEnd {
            return try Syscall.splice(
                from: readEnd, to: writeEnd, length: max, flags: flags, sourceOffset: offset,
                retryOnInterrupt: retryOnInterrupt)
        }
        let sink = try Syscall.open("/dev/null", flags: O_WRONLY | O_CLOEXEC)
        defer { try? Syscall.close(sink) }
        return try Syscall.splice(
            from: readEnd, to: sink, length: max, flags: flags, sourceOffset: offset, retryOnInterrupt: retryOnInterrupt
        )
    }

    /// `splice` of up to `max` bytes into `writeEnd` from a regular file (unnamed, under `/tmp`) whose bytes from
    /// `position` to its end are `data`, read from that position. `offset`: an output offset is given (`ESPIPE`).
    public static func spliceIn(
        _ writeEnd: FileDescriptor, max: Int, data: [UInt8], position: Int, flags: UInt32, offset: Bool,
        retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        let file = try Syscall.open("/tmp", flags: unnamedFile | O_RDWR | O_CLOEXEC, mode: 0o600)
        defer { try? Syscall.close(file) }
        var written = 0
        while written < data.count {
            let result = data.withUnsafeBytes { raw in
                Result { () throws(Errno) in
                    try Syscall.write(file, UnsafeRawBufferPointer(rebasing: raw[written...]), at: position + written)
                }
            }
            written += try result.get()
        }
        _ = try Syscall.seek(file, offset: position, whence: SEEK_SET)
        if offset {
            return try Syscall.splice(
                from: file, to: writeEnd, length: max, flags: flags, sinkOffset: true,
                retryOnInterrupt: retryOnInterrupt)
        }
        return try Syscall.splice(
            from: file, to: writeEnd, length: max, flags: flags, retryOnInterrupt: retryOnInterrupt)
    }

    /// `tee` of up to `max` bytes from `readEnd` into a pipe made for the call (16 free slots, blocking), or into
    /// `writeEnd` (the same pipe's) when given.
    public static func tee(
        _ readEnd: FileDescriptor, max: Int, flags: UInt32, into writeEnd: FileDescriptor? = nil,
        retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        if let writeEnd {
            return try Syscall.tee(
                from: readEnd, to: writeEnd, length: max, flags: flags, retryOnInterrupt: retryOnInterrupt)
        }
        let (privateRead, privateWrite) = try create()
        defer {
            try? Syscall.close(privateRead)
            try? Syscall.close(privateWrite)
        }
        return try Syscall.tee(
            from: readEnd, to: privateWrite, length: max, flags: flags, retryOnInterrupt: retryOnInterrupt)
    }

    /// `vmsplice` of `pieces` into `writeEnd`, each from memory starting `offsets[i]` bytes into a page (0 when left
    /// out). The memory is never freed nor changed: the pipe holds its pages until a reader takes the bytes, and
    /// reads what they hold then.
    public static func vmspliceIn(
        _ writeEnd: FileDescriptor, pieces: [[UInt8]], offsets: [Int], flags: UInt32, retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        let pageSize = 4096
        var layout: [(start: Int, length: Int)] = []
        var end = 0
        for (index, piece) in pieces.enumerated() {
            let within = index < offsets.count ? offsets[index] % pageSize : 0
            let start = (end + pageSize - 1) / pageSize * pageSize + within
            layout.append((start, piece.count))
            end = start + piece.count
        }
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(end, 1), alignment: pageSize)
        for (piece, place) in zip(pieces, layout) {
            memory.baseAddress!.advanced(by: place.start).copyMemory(from: piece, byteCount: piece.count)
        }
        return try Syscall.vmsplice(
            writeEnd, memory: memory, vectors: layout, flags: flags, retryOnInterrupt: retryOnInterrupt)
    }

    /// `vmsplice` from `readEnd` into buffers of `sizes`, filled in order; the bytes taken.
    public static func vmspliceOut(
        _ readEnd: FileDescriptor, sizes: [Int], flags: UInt32, retryOnInterrupt: Bool = true
    ) throws(Errno) -> [UInt8] {
        let total = sizes.reduce(0, +)
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(total, 1), alignment: 16)
        defer { memory.deallocate() }
        var layout: [(start: Int, length: Int)] = []
        var start = 0
        for size in sizes {
            layout.append((start, size))
            start += size
        }
        let count = try Syscall.vmsplice(
            readEnd, memory: memory, vectors: layout, flags: flags, retryOnInterrupt: retryOnInterrupt)
        return Array(memory.prefix(count))
    }
}
