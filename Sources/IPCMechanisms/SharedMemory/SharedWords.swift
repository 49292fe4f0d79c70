import CIPCShims
import IPCSyscalls
import SystemPackage
import Synchronization

/// 64-bit words in memory shared between processes, accessed atomically (sequentially consistent), so that
/// what one process stores another loads whole: byte-wise copies could tear, words never do.
///
/// The memory belongs to a mapping made elsewhere (`mmap`, `shmat`); this type neither maps nor unmaps.
public struct SharedWords: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let count: Int

    public init(base: UnsafeMutableRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    private func word(_ index: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        precondition(index >= 0 && index < count, "word \(index) is outside the \(count) shared words")
        return (base + index * 8).assumingMemoryBound(to: Atomic<UInt64>.self)
    }

    public func load(_ index: Int) -> UInt64 {
        word(index).pointee.load(ordering: .sequentiallyConsistent)
    }

    public func store(_ index: Int, _ value: UInt64) {
        word(index).pointee.store(value, ordering: .sequentiallyConsistent)
    }

    /// Adds `delta` (wrapping) and returns the value before.
    public func add(_ index: Int, _ delta: UInt64) -> UInt64 {
        word(index).pointee.wrappingAdd(delta, ordering: .sequentiallyConsistent).oldValue
    }

    /// A load, as ``load(_:)``, that reports the signal the kernel refuses it with (`SIGBUS` beyond the end of a
    /// POSIX object that shrank) as ``Errno/memoryAccess(_:)`` instead of dying of it.
    public func guardedLoad(_ index: Int) throws(Errno) -> UInt64 {
        try guarded(IPC_WORD_LOAD, index, 0)
    }

    /// A store, as ``store(_:_:)``, that reports `SIGSEGV` (a read-only mapping or attachment) or `SIGBUS`.
    public func guardedStore(_ index: Int, _ value: UInt64) throws(Errno) {
        _ = try guarded(IPC_WORD_STORE, index, value)
    }

    /// A fetch-and-add, as ``add(_:_:)``, that reports `SIGSEGV` or `SIGBUS`.
    public func guardedAdd(_ index: Int, _ delta: UInt64) throws(Errno) -> UInt64 {
        try guarded(IPC_WORD_ADD, index, delta)
    }

    private func guarded(_ operation: ipc_word_operation, _ index: Int, _ operand: UInt64) throws(Errno) -> UInt64 {
        precondition(index >= 0 && index < count, "word \(index) is outside the \(count) shared words")
        var result: UInt64 = 0
        let signal = ipc_guarded_word(CInt(operation.rawValue), (base + index * 8).assumingMemoryBound(to: UInt64.self), operand, &result)
        if signal != 0 { throw .memoryAccess(signal) }
        return result
    }
}
