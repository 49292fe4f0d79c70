import Atomics
import IPCSyscalls
import SystemPackage

/// The real backend of ``SharedAccess``: a `MAP_SHARED` mapping of a memory file, accessed word by word through
/// swift-atomics' `UnsafeAtomic(at:)` (never `create`/`destroy`: the memory is the mapping's, released with
/// `munmap`), and kernel copy channels.
///
/// Each process maps the file wherever its kernel chooses; the reference implementations only ever store
/// offsets, so the same structure works at every address.
public final class MappedSharedAccess: SharedAccess {
    public let base: UnsafeMutableRawPointer
    public let size: Int
    private let channels: [Int: any CopyChannel]

    /// Maps `size` bytes of the memory file `descriptor`; `channels` are this process's copy channels by number.
    public init(descriptor: FileDescriptor, size: Int, channels: [Int: any CopyChannel] = [:]) throws(Errno) {
        self.base = try Syscall.mapShared(descriptor, size: size)
        self.size = size
        self.channels = channels
    }

    deinit { try? Syscall.unmap(base, size: size) }

    @inline(__always)
    private func atomic(_ offset: Int) -> UnsafeAtomic<UInt64> {
        precondition(offset >= 0 && offset + 8 <= size && offset & 7 == 0, "offset \(offset) outside the region or unaligned")
        return UnsafeAtomic<UInt64>(at: (base + offset).assumingMemoryBound(to: UInt64.AtomicRepresentation.self))
    }

    public func load(_ offset: Int, _ ordering: LoadOrdering) -> UInt64 {
        let word = atomic(offset)
        switch ordering {
        case .relaxed: return word.load(ordering: .relaxed)
        case .acquiring: return word.load(ordering: .acquiring)
        case .sequentiallyConsistent: return word.load(ordering: .sequentiallyConsistent)
        }
    }

    public func store(_ offset: Int, _ value: UInt64, _ ordering: StoreOrdering) {
        let word = atomic(offset)
        switch ordering {
        case .relaxed: word.store(value, ordering: .relaxed)
        case .releasing: word.store(value, ordering: .releasing)
        case .sequentiallyConsistent: word.store(value, ordering: .sequentiallyConsistent)
        }
    }

    public func compareExchange(_ offset: Int, expected: UInt64, desired: UInt64, _ ordering: UpdateOrdering)
        -> (exchanged: Bool, original: UInt64)
    {
        let word = atomic(offset)
        switch ordering {
        case .relaxed: return word.compareExchange(expected: expected, desired: desired, ordering: .relaxed)
        case .acquiring: return word.compareExchange(expected: expected, desired: desired, ordering: .acquiring)
        case .releasing: return word.compareExchange(expected: expected, desired: desired, ordering: .releasing)
        case .acquiringAndReleasing:
            return word.compareExchange(expected: expected, desired: desired, ordering: .acquiringAndReleasing)
        case .sequentiallyConsistent:
            return word.compareExchange(expected: expected, desired: desired, ordering: .sequentiallyConsistent)
        }
    }

    public func wrappingAdd(_ offset: Int, _ delta: UInt64, _ ordering: UpdateOrdering) -> UInt64 {
        let word = atomic(offset)
        switch ordering {
        case .relaxed: return word.loadThenWrappingIncrement(by: delta, ordering: .relaxed)
        case .acquiring: return word.loadThenWrappingIncrement(by: delta, ordering: .acquiring)
        case .releasing: return word.loadThenWrappingIncrement(by: delta, ordering: .releasing)
        case .acquiringAndReleasing: return word.loadThenWrappingIncrement(by: delta, ordering: .acquiringAndReleasing)
        case .sequentiallyConsistent: return word.loadThenWrappingIncrement(by: delta, ordering: .sequentiallyConsistent)
        }
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
