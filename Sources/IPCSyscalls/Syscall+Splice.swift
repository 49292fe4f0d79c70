import CIPCShims
import Glibc
import SystemPackage

extension Syscall {
    /// `SPLICE_F_NONBLOCK`.
    public static let spliceNonblocking: UInt32 = 2

    /// Moves up to `length` bytes from `source` to `sink` (one of them a pipe) at each file's position, or, with
    /// `sourceOffset` or `sinkOffset`, giving an offset of 0 for that side (which fails `ESPIPE` on a pipe); returns
    /// the bytes moved. No fault is injected (see ``SystemCall/splice``).
    ///
    /// The corresponding C function is `splice`.
    public static func splice(
        from source: FileDescriptor, to sink: FileDescriptor, length: Int, flags: UInt32, sourceOffset: Bool = false,
        sinkOffset: Bool = false, retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        try perform(.splice, descriptor: source, retryOnInterrupt: retryOnInterrupt) { _ in
            ipc_splice_at(source.rawValue, sourceOffset ? 1 : 0, sink.rawValue, sinkOffset ? 1 : 0, length, flags)
        }
    }

    /// Copies up to `length` bytes from the pipe `source` into the pipe `sink` without consuming them; returns the
    /// bytes copied.
    ///
    /// The corresponding C function is `tee`.
    public static func tee(
        from source: FileDescriptor, to sink: FileDescriptor, length: Int, flags: UInt32, retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        try perform(.tee, descriptor: source, retryOnInterrupt: retryOnInterrupt) { _ in
            ipc_tee(source.rawValue, sink.rawValue, length, flags)
        }
    }

    /// Lends the stretches of `memory` (each `(start, length)`) to the pipe `descriptor`'s write end, or fills them
    /// from its read end, as the descriptor's direction says; returns the bytes moved.
    ///
    /// The corresponding C function is `vmsplice`.
    public static func vmsplice(
        _ descriptor: FileDescriptor, memory: UnsafeMutableRawBufferPointer, vectors: [(start: Int, length: Int)],
        flags: UInt32,
        retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        let bases: [UnsafeMutableRawPointer?] = vectors.map { vector in memory.baseAddress.map { $0 + vector.start } }
        let lengths = vectors.map(\.length)
        return try perform(.vmsplice, descriptor: descriptor, retryOnInterrupt: retryOnInterrupt) { _ in
            bases.withUnsafeBufferPointer { basePointer in
                lengths.withUnsafeBufferPointer { lengthPointer in
                    ipc_vmsplice(
                        descriptor.rawValue, basePointer.baseAddress, lengthPointer.baseAddress, vectors.count, flags)
                }
            }
        }
    }
}
