import IPCSyscalls
import Synchronization
import SystemPackage

/// The real ``SharedMemory``: a `MAP_SHARED` mapping of a memory file, each word accessed through the
/// `Synchronization` module's `Atomic<UInt64>`, blocking through the kernel's futex, and kernel copy channels.
/// What production code, worker processes and the harness's tests of the real backend all run.
///
/// Why `Synchronization` (and not the swift-atomics package) for shared memory, here and in the whole project: it
/// ships with the toolchain, so the library and a user's package need no atomics dependency; its orderings are the
/// C11 ones this protocol names; the project already used it for its own RCU and ``SharedWords`` over mapped
/// memory. The price is that it has no view type over memory it did not allocate (swift-atomics' `UnsafeAtomic`): a
/// word is reached as `UnsafeMutablePointer<Atomic<UInt64>>`, which is sound because `Atomic<UInt64>` is laid out
/// as a `UInt64` and a memory file starts zeroed, so every word already holds a valid atomic.
///
/// Each process maps the file wherever its kernel chooses; constructions store offsets only, so the same structure
/// works at every address.
public final class MappedSharedMemory: SharedMemory, @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let size: Int
    private let channels: [Int: any CopyChannel]
    private let unmapsOnDeinit: Bool

    /// Maps `size` bytes of the memory file `descriptor` (unmapped when this goes); `channels` are this process's
    /// copy channels by number.
    public init(descriptor: FileDescriptor, size: Int, channels: [Int: any CopyChannel] = [:]) throws(Errno) {
        self.base = try Syscall.mapShared(descriptor, size: size)
        self.size = size
        self.channels = channels
        self.unmapsOnDeinit = true
    }

    /// Uses a mapping made elsewhere (`mmap`, `shmat`), which stays the caller's to unmap.
    public init(mapping base: UnsafeMutableRawPointer, size: Int, channels: [Int: any CopyChannel] = [:]) {
        self.base = base
        self.size = size
        self.channels = channels
        self.unmapsOnDeinit = false
    }

    deinit { if unmapsOnDeinit { try? Syscall.unmap(base, size: size) } }

    @inline(__always)
    private func word(_ offset: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        precondition(offset >= 0 && offset + 8 <= size && offset & 7 == 0, "offset \(offset) is outside the region of \(size) bytes or not a multiple of 8")
        return (base + offset).assumingMemoryBound(to: Atomic<UInt64>.self)
    }

    public func load(_ offset: Int, _ ordering: LoadOrdering) -> UInt64 {
        let word = word(offset)
        switch ordering {
        case .relaxed: return word.pointee.load(ordering: .relaxed)
        case .acquiring: return word.pointee.load(ordering: .acquiring)
        case .sequentiallyConsistent: return word.pointee.load(ordering: .sequentiallyConsistent)
        }
    }

    public func store(_ offset: Int, _ value: UInt64, _ ordering: StoreOrdering) {
        let word = word(offset)
        switch ordering {
        case .relaxed: word.pointee.store(value, ordering: .relaxed)
        case .releasing: word.pointee.store(value, ordering: .releasing)
        case .sequentiallyConsistent: word.pointee.store(value, ordering: .sequentiallyConsistent)
        }
    }

    public func compareExchange(_ offset: Int, expected: UInt64, desired: UInt64, _ ordering: UpdateOrdering)
        -> (exchanged: Bool, original: UInt64)
    {
        let word = word(offset)
        switch ordering {
        case .relaxed: return word.pointee.compareExchange(expected: expected, desired: desired, ordering: .relaxed)
        case .acquiring: return word.pointee.compareExchange(expected: expected, desired: desired, ordering: .acquiring)
        case .releasing: return word.pointee.compareExchange(expected: expected, desired: desired, ordering: .releasing)
        case .acquiringAndReleasing:
            return word.pointee.compareExchange(expected: expected, desired: desired, ordering: .acquiringAndReleasing)
        case .sequentiallyConsistent:
            return word.pointee.compareExchange(expected: expected, desired: desired, ordering: .sequentiallyConsistent)
        }
    }

    public func readModifyWrite(_ offset: Int, _ operation: ReadModifyWrite, _ operand: UInt64, _ ordering: UpdateOrdering) -> UInt64 {
        // Synchronization wants each ordering spelled out where it is used: one case per pair.
        let word = word(offset)
        switch ordering {
        case .relaxed:
            switch operation {
            case .add: return word.pointee.wrappingAdd(operand, ordering: .relaxed).oldValue
            case .subtract: return word.pointee.wrappingSubtract(operand, ordering: .relaxed).oldValue
            case .or: return word.pointee.bitwiseOr(operand, ordering: .relaxed).oldValue
            case .and: return word.pointee.bitwiseAnd(operand, ordering: .relaxed).oldValue
            }
        case .acquiring:
            switch operation {
            case .add: return word.pointee.wrappingAdd(operand, ordering: .acquiring).oldValue
            case .subtract: return word.pointee.wrappingSubtract(operand, ordering: .acquiring).oldValue
            case .or: return word.pointee.bitwiseOr(operand, ordering: .acquiring).oldValue
            case .and: return word.pointee.bitwiseAnd(operand, ordering: .acquiring).oldValue
            }
        case .releasing:
            switch operation {
            case .add: return word.pointee.wrappingAdd(operand, ordering: .releasing).oldValue
            case .subtract: return word.pointee.wrappingSubtract(operand, ordering: .releasing).oldValue
            case .or: return word.pointee.bitwiseOr(operand, ordering: .releasing).oldValue
            case .and: return word.pointee.bitwiseAnd(operand, ordering: .releasing).oldValue
            }
        case .acquiringAndReleasing:
            switch operation {
            case .add: return word.pointee.wrappingAdd(operand, ordering: .acquiringAndReleasing).oldValue
            case .subtract: return word.pointee.wrappingSubtract(operand, ordering: .acquiringAndReleasing).oldValue
            case .or: return word.pointee.bitwiseOr(operand, ordering: .acquiringAndReleasing).oldValue
            case .and: return word.pointee.bitwiseAnd(operand, ordering: .acquiringAndReleasing).oldValue
            }
        case .sequentiallyConsistent:
            switch operation {
            case .add: return word.pointee.wrappingAdd(operand, ordering: .sequentiallyConsistent).oldValue
            case .subtract: return word.pointee.wrappingSubtract(operand, ordering: .sequentiallyConsistent).oldValue
            case .or: return word.pointee.bitwiseOr(operand, ordering: .sequentiallyConsistent).oldValue
            case .and: return word.pointee.bitwiseAnd(operand, ordering: .sequentiallyConsistent).oldValue
            }
        }
    }

    public func fence(_ ordering: UpdateOrdering) {
        switch ordering {
        case .relaxed: break  // orders nothing
        case .acquiring: atomicMemoryFence(ordering: .acquiring)
        case .releasing: atomicMemoryFence(ordering: .releasing)
        case .acquiringAndReleasing: atomicMemoryFence(ordering: .acquiringAndReleasing)
        case .sequentiallyConsistent: atomicMemoryFence(ordering: .sequentiallyConsistent)
        }
    }

    public func wait(_ offset: Int, whileEquals expected: UInt32) {
        // The futex is the word's first four bytes: its low half on this little-endian machine.
        _ = try? Syscall.futexWait(UnsafeRawPointer(word(offset)), expected: Int32(bitPattern: expected), shared: true)
    }

    public func wake(_ offset: Int, count: Int) {
        _ = try? Syscall.futexWake(UnsafeRawPointer(word(offset)), count: Int32(clamping: count), shared: true)
    }

    public func send(channel: Int, _ message: [UInt8]) -> Bool {
        guard let copy = channels[channel] else { preconditionFailure("this process holds no sending end of channel \(channel)") }
        return copy.send(message)
    }

    public func receive(channel: Int) -> [UInt8]? {
        guard let copy = channels[channel] else { preconditionFailure("this process holds no receiving end of channel \(channel)") }
        return copy.receive()
    }

    /// Forgets the channels' failures: call before each operation, whose outcome they are.
    public func clearChannelFailures() {
        for channel in channels.values { channel.clearFailure() }
    }

    /// The first error a channel met other than "full" or "empty", for the caller to report.
    public var channelFailure: Errno? {
        channels.keys.sorted().lazy.compactMap { self.channels[$0]!.failure }.first
    }
}
