import CURCU
import IPCMechanisms
import Synchronization
import Testing

/// The Swift RCU on its own: publishing, registration, deferred callbacks, and a synchronize that waits for a
/// reader in its section (shown without a sleep: the reader leaves only once the updater is asleep waiting for it).
@Suite struct SwiftRCUTests {
    @Test func aReaderSeesWhatWasPublishedWhole() {
        let rcu = SwiftRCU()
        let reader = rcu.registerReader()
        defer { rcu.unregisterReader(reader) }
        let slot = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: 1)
        defer { slot.deallocate() }
        slot.initialize(to: VersionBlock.allocate(version: 1))
        rcu.readLock(reader)
        #expect(VersionBlock.inspect(rcu.dereference(slot)!) == .whole(version: 1))
        rcu.readUnlock(reader)
        let old = rcu.exchange(slot, VersionBlock.allocate(version: 2))!
        #expect(VersionBlock.version(of: old) == 1)
        rcu.synchronize()
        VersionBlock.poisonWords(old)
        #expect(VersionBlock.inspect(old) == .poisoned)
        VersionBlock.deallocate(old)
        rcu.readLock(reader)
        #expect(VersionBlock.inspect(rcu.dereference(slot)!) == .whole(version: 2))
        rcu.readUnlock(reader)
        VersionBlock.deallocate(slot.pointee!)
    }

    @Test func aBlockWithOneWrongWordIsTorn() {
        let block = VersionBlock.allocate(version: 7)
        defer { VersionBlock.deallocate(block) }
        block.storeBytes(of: 12345, toByteOffset: 48, as: UInt64.self)
        #expect(VersionBlock.inspect(block) == .torn)
    }

    @Test func unregisteringFreesTheReadersLine() {
        let rcu = SwiftRCU(capacity: 2)
        let first = rcu.registerReader()
        let second = rcu.registerReader()
        rcu.unregisterReader(first)
        let third = rcu.registerReader()  // would trap if the line were not free again
        rcu.unregisterReader(second)
        rcu.unregisterReader(third)
    }

    nonisolated(unsafe) static var ran: [Int] = []

    @Test func deferredCallbacksRunAfterTheNextGracePeriod() {
        let rcu = SwiftRCU()
        Self.ran = []
        let blocks = [VersionBlock.allocate(version: 1), VersionBlock.allocate(version: 2)]
        for block in blocks {
            rcu.callRCU(VersionBlock.head(of: block)) { head in
                SwiftRCUTests.ran.append(VersionBlock.version(of: UnsafeMutableRawPointer(head!)))
            }
        }
        #expect(Self.ran.isEmpty)
        rcu.barrier()
        #expect(Self.ran == [1, 2])
        blocks.forEach(VersionBlock.deallocate)
    }

    final class Flags: Sendable {
        let finished = Atomic<Bool>(false)
    }

    @Test func synchronizeWaitsForAReaderInItsSection() {
        let rcu = SwiftRCU()
        let reader = rcu.registerReader()
        let flags = Flags()
        rcu.readLock(reader)
        let updater = TestThread {
            rcu.synchronize()
            flags.finished.store(true, ordering: .releasing)
        }
        // Wait until the updater has given up polling and sleeps on the futex, or (if broken) has returned.
        while !rcu.updaterIsSleeping && !flags.finished.load(ordering: .acquiring) {}
        let returnedEarly = flags.finished.load(ordering: .acquiring)
        #expect(!returnedEarly, "synchronize returned while a reader was in its section")
        rcu.readUnlock(reader)  // wakes the updater
        updater.join()
        let returned = flags.finished.load(ordering: .acquiring)
        #expect(returned)
        rcu.unregisterReader(reader)
    }
}
