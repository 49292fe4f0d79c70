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
}
