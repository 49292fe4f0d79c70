import CIPCShims
import CURCU
import IPCSyscalls
import Synchronization

/// The project's own RCU: an epoch-based design over sys_membarrier, as liburcu's memb flavour.
///
/// - Each registered reader owns a cache line holding its *epoch*: 0 outside a read-side section, otherwise the
///   global epoch it read on entering. Entering is a load and a store plus a compiler barrier; leaving is one
///   release store. No read-modify-write, no fence, no thread-local lookup (the reader handle is passed in).
/// - `synchronize` issues `membarrier(PRIVATE_EXPEDITED)`, which makes every running reader execute the full
///   barrier its read side leaves out (so either the reader's epoch store is visible or its later loads see the
///   new pointer), advances the global epoch, then waits for each reader whose epoch is older than the new one to
///   leave its section, and issues a second membarrier before returning (the reader's section loads are over).
///   A reader that read the old epoch but had not yet stored it when scanned starts its section after the first
///   membarrier, so it sees the new pointer: 64-bit epochs never wrap, so one pass suffices where liburcu's
///   one-bit phase needs two.
/// - Without membarrier (an old kernel, a seccomp filter), readers add a full fence.
/// - Callbacks (`callRCU`) are deferred: each synchronize runs, after its grace period, the callbacks queued
///   before it began; `barrier` is a synchronize. They run on the updating thread (liburcu's defer_rcu model).
///
/// Threads are registered explicitly with ``registerReader()`` and pass the handle to every read-side call;
/// never hold a section across an `await`.
public final class SwiftRCU: RCUFlavor, @unchecked Sendable {
    /// A registered reader: its own cache line in the domain's reader table.
    public struct Reader {
        @usableFromInline let epoch: UnsafeMutablePointer<Atomic<UInt64>>
        let index: Int
    }

    /// How `synchronize` waits for a reader still in an older section.
    public enum WaitPolicy: Sendable, Hashable {
        /// Until it leaves: correct.
        case untilItLeaves
        /// BROKEN on purpose: gives up after this many polls, taking a reader that has not moved for preempted or
        /// stuck and not worth waiting for. The rcu-broken-early-return scenario must catch it.
        case givesUpAfter(polls: Int)
    }

    public let name: String
    let waitPolicy: WaitPolicy
    @usableFromInline let globalEpoch: UnsafeMutablePointer<Atomic<UInt64>>
    @usableFromInline let fenceInReaders: Bool
    /// Reader cache lines: the epoch at offset 0, an in-use flag at offset 8.
    private let table: UnsafeMutableRawPointer
    private let capacity: Int
    private static let lineSize = 64
    private let updater = Mutex<DeferredCallbacks>(DeferredCallbacks())

    struct DeferredCallbacks: @unchecked Sendable {
        var queue: [(head: UnsafeMutablePointer<curcu_head>, callback: RCUCallback)] = []
    }

    /// A domain for at most `capacity` registered readers at a time.
    public init(name: String = "swift.rcu", capacity: Int = 64, waitPolicy: WaitPolicy = .untilItLeaves) {
        self.name = name
        self.capacity = capacity
        self.waitPolicy = waitPolicy
        let global = UnsafeMutableRawPointer.allocate(byteCount: Self.lineSize, alignment: Self.lineSize)
        globalEpoch = global.bindMemory(to: Atomic<UInt64>.self, capacity: 1)
        globalEpoch.initialize(to: Atomic(1))
        table = UnsafeMutableRawPointer.allocate(byteCount: capacity * Self.lineSize, alignment: Self.lineSize)
        for index in 0..<capacity {
            let line = (table + index * Self.lineSize).bindMemory(to: Atomic<UInt64>.self, capacity: 2)
            line.initialize(to: Atomic(0))
            (line + 1).initialize(to: Atomic(0))
        }
        fenceInReaders = (try? Syscall.registerForMembarrier()) == nil
    }

    deinit {
        globalEpoch.deallocate()
        table.deallocate()
    }

    private func line(_ index: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        (table + index * Self.lineSize).assumingMemoryBound(to: Atomic<UInt64>.self)
    }

    public func registerReader() -> Reader {
        for index in 0..<capacity {
            let inUse = line(index) + 1
            if inUse.pointee.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged {
                return Reader(epoch: line(index), index: index)
            }
        }
        preconditionFailure("SwiftRCU: more than \(capacity) readers registered at once")
    }

    public func unregisterReader(_ reader: Reader) {
        reader.epoch.pointee.store(0, ordering: .releasing)
        (reader.epoch + 1).pointee.store(0, ordering: .releasing)
    }

    public func registerUpdater() {}
    public func unregisterUpdater() {}

    @inlinable
    public func readLock(_ reader: Reader) {
        reader.epoch.pointee.store(globalEpoch.pointee.load(ordering: .acquiring), ordering: .relaxed)
        if fenceInReaders { atomicMemoryFence(ordering: .sequentiallyConsistent) }
        ipc_compiler_barrier()
    }

    @inlinable
    public func readUnlock(_ reader: Reader) {
        ipc_compiler_barrier()
        reader.epoch.pointee.store(0, ordering: .releasing)
    }

    @inlinable
    public func dereference(_ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(slot).assumingMemoryBound(to: Atomic<UInt>.self).pointee.load(ordering: .acquiring)
            .rawPointer
    }

    public func exchange(_ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ value: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(slot).assumingMemoryBound(to: Atomic<UInt>.self).pointee
            .exchange(UInt(bitPattern: value), ordering: .acquiringAndReleasing).rawPointer
    }

    public func synchronize() {
        updater.withLock { deferred in
            let due = deferred.queue
            deferred.queue.removeAll()
            gracePeriod()
            for (head, callback) in due { callback(head) }
        }
    }

    public func callRCU(_ head: UnsafeMutablePointer<curcu_head>, _ callback: RCUCallback) {
        updater.withLock { $0.queue.append((head, callback)) }
    }

    public func barrier() { synchronize() }

    private func fullBarrierOnEveryReader() {
        if fenceInReaders || (try? Syscall.membarrier()) == nil { atomicMemoryFence(ordering: .sequentiallyConsistent) }
    }

    /// Waits until every reader in a section that began before it has left it. Callers hold the updater lock.
    private func gracePeriod() {
        fullBarrierOnEveryReader()
        let target = globalEpoch.pointee.add(1, ordering: .sequentiallyConsistent).newValue
        for index in 0..<capacity where (line(index) + 1).pointee.load(ordering: .acquiring) != 0 {
            let epoch = line(index)
            var polls = 0
            while true {
                let seen = epoch.pointee.load(ordering: .acquiring)
                if seen == 0 || seen >= target { break }
                polls += 1
                if case .givesUpAfter(let limit) = waitPolicy, polls >= limit { break }
                if polls >= 128 { OSThread.yield() }
            }
        }
        fullBarrierOnEveryReader()
    }
}

extension UInt {
    @usableFromInline var rawPointer: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: self) }
}
