import Glibc
import IPCSyscalls
import SystemPackage

/// A work queue with acknowledgements in one page of shared memory, for processes that may be killed at any
/// moment: a message a consumer has taken stays recorded as *its* message in flight until it acknowledges it,
/// and comes back to the queue when the consumer dies. This is the construction the `ack-queue` model describes.
///
/// How it survives kills:
/// - Every operation runs under one process-shared robust mutex. A holder killed inside leaves the state half
///   updated; the next locker gets `EOWNERDEAD` and *repairs* before going on. Each operation therefore
///   commits with one final word store (the ring's head or tail, the given-back count, a slot's state), and the
///   repair can tell from the words alone whether the dead holder's commit happened.
/// - Each process holds its own robust *lease* mutex from setup until it dies. A lease another process can
///   lock (the kernel walked the dead holder's robust list, `EOWNERDEAD`) means its holder is gone: a receiver
///   gives a dead process's message in flight back before taking one itself.
///
/// The fragile variant (`forgetsOnDeath`) is the consumer of a kernel queue: `receive` takes the message out of
/// the ring and keeps it only in its own memory, so a consumer killed before its `ack` loses it.
public struct SharedAckQueue: @unchecked Sendable {
    /// Processes numbered 1 through this may use the queue.
    public static let maximumProcesses = 16
    public static let maximumCapacity = 256
    /// The page this lives in.
    public static let size = 4096

    public enum ReceiveError: Error, Equatable {
        /// Nothing queued and nothing given back (`EAGAIN`).
        case empty
        /// This process already holds a message it has not acknowledged (`EBUSY`).
        case holding
    }

    // Layout: the lock, one lease per process, then 64-bit words.
    private static let mutexStride = 64
    private static let leasesOffset = mutexStride
    private static let wordsOffset = leasesOffset + maximumProcesses * mutexStride
    private enum Word {
        static let capacity = 0, head = 1, tail = 2, givenBack = 3
        /// Each process's slot: state, message, source (0: the ring, 1: the given-back list), position.
        static let slots = 4
        static let slotWords = 4
        static let givenBackList = slots + maximumProcesses * slotWords
        static let ring = givenBackList + maximumProcesses
    }

    /// A slot's state.
    private enum Slot {
        static let empty: UInt64 = 0
        /// Recording a take: the message is the process's if the commit word says so (see ``commitHappened``).
        /// Seen only by a repairer, right after its maker died inside the lock, before the word can change again.
        static let taken: UInt64 = 1
        /// Its message is being given back into the list at `position` (also seen only by a repairer).
        static let givingBack: UInt64 = 2
        /// Holds the process's message in flight: the take committed.
        static let held: UInt64 = 3
    }

    private let base: UnsafeMutableRawPointer
    private let words: SharedWords
    private let process: Int
    private let forgetsOnDeath: Bool
    /// The fragile variant's message in flight, in this process's memory only.
    private var remembered: UInt64?
    /// Where a kill lands, for the repair tests: after this many stores to the shared words the process stops
    /// storing and leaves the lock held, as a process killed at that instruction would (its thread then exits,
    /// and the kernel walks its robust list). Nil: never.
    private let crash: CrashPoint?

    /// Counts stores down to a simulated death (a class: the count outlives the non-mutating operations).
    final class CrashPoint: @unchecked Sendable {
        var storesLeft: Int
        var crashed: Bool { storesLeft < 0 }
        init(afterStores: Int) { storesLeft = afterStores }
    }

    /// Lays the queue out in `base` (a fresh, zeroed page of shared memory): the lock, the leases, the capacity.
    public static func initialize(at base: UnsafeMutableRawPointer, capacity: Int) throws(Errno) {
        precondition((1...maximumCapacity).contains(capacity), "an ack queue holds 1 to \(maximumCapacity) messages")
        _ = try RobustMutex.initialize(at: base)
        for index in 0..<maximumProcesses {
            _ = try RobustMutex.initialize(at: base + leasesOffset + index * mutexStride)
        }
        words(base).store(Word.capacity, UInt64(capacity))
    }

    private static func words(_ base: UnsafeMutableRawPointer) -> SharedWords {
        SharedWords(base: base + wordsOffset, count: Word.ring + maximumCapacity)
    }

    /// Joins the queue in `base` as `process`, taking its lease (held until this process dies).
    public init(at base: UnsafeMutableRawPointer, process: Int, forgetsOnDeath: Bool = false) throws(Errno) {
        try self.init(at: base, process: process, forgetsOnDeath: forgetsOnDeath, crashAfterStores: nil)
    }

    /// Joins as `process`, to die after `crashAfterStores` stores (see ``CrashPoint``).
    init(at base: UnsafeMutableRawPointer, process: Int, forgetsOnDeath: Bool = false, crashAfterStores: Int?) throws(Errno) {
        self.crash = crashAfterStores.map(CrashPoint.init(afterStores:))
        precondition((1...Self.maximumProcesses).contains(process), "processes 1 to \(Self.maximumProcesses) may use an ack queue")
        self.base = base
        self.words = Self.words(base)
        self.process = process
        self.forgetsOnDeath = forgetsOnDeath
        switch try lease(of: process).lock(tryOnly: true) {
        case .acquired: break
        case .acquiredOwnerDied: try lease(of: process).consistent()
        case .busy: throw Errno.resourceBusy  // another live process uses this number
        }
    }

    private var capacity: UInt64 { words.load(Word.capacity) }
    private var lock: RobustMutex { RobustMutex.existing(at: base) }
    private func lease(of process: Int) -> RobustMutex {
        RobustMutex.existing(at: base + Self.leasesOffset + (process - 1) * Self.mutexStride)
    }
    private func slot(_ process: Int, _ field: Int) -> Int { Word.slots + (process - 1) * Word.slotWords + field }

    /// Appends `message`; false when `capacity` messages are queued.
    public func send(_ message: UInt64) throws(Errno) -> Bool {
        try locked { () throws(Errno) -> Bool in
            let head = words.load(Word.head), tail = words.load(Word.tail)
            guard tail - head < capacity else { return false }
            store(Word.ring + Int(tail % capacity), message)
            store(Word.tail, tail + 1)  // commit
            return true
        }
    }

    /// Takes a message given back by a dead consumer, else the oldest queued one, as this process's message in
    /// flight.
    public mutating func receive() throws(Errno) -> Result<UInt64, ReceiveError> {
        if forgetsOnDeath {
            guard remembered == nil else { return .failure(.holding) }
            let taken = try locked { () throws(Errno) -> UInt64? in
                let head = words.load(Word.head)
                guard head < words.load(Word.tail) else { return nil }
                let message = words.load(Word.ring + Int(head % capacity))
                store(Word.head, head + 1)
                return message
            }
            remembered = taken
            return taken.map { .success($0) } ?? .failure(.empty)
        }
        return try locked { () throws(Errno) -> Result<UInt64, ReceiveError> in
            guard words.load(slot(process, 0)) == Slot.empty else { return .failure(.holding) }
            giveBackDeadConsumersMessages()
            let givenBack = words.load(Word.givenBack)
            let head = words.load(Word.head)
            let message: UInt64
            if givenBack > 0 {
                message = words.load(Word.givenBackList + Int(givenBack - 1))
                record(message, source: 1, position: givenBack - 1)
                store(Word.givenBack, givenBack - 1)  // commit
                store(slot(process, 0), Slot.held)
            } else if head < words.load(Word.tail) {
                message = words.load(Word.ring + Int(head % capacity))
                record(message, source: 0, position: head)
                store(Word.head, head + 1)  // commit
                store(slot(process, 0), Slot.held)
            } else {
                return .failure(.empty)
            }
            return .success(message)
        }
    }

    /// Consumes this process's message in flight for good; false when it holds none.
    public mutating func acknowledge() throws(Errno) -> Bool {
        if forgetsOnDeath {
            defer { remembered = nil }
            return remembered != nil
        }
        return try locked { () throws(Errno) -> Bool in
            guard words.load(slot(process, 0)) == Slot.held else { return false }
            store(slot(process, 0), Slot.empty)  // commit
            return true
        }
    }

    /// Stores a shared word, unless this process has (in a repair test) already been killed.
    private func store(_ index: Int, _ value: UInt64) {
        if let crash {
            crash.storesLeft -= 1
            guard !crash.crashed else { return }
        }
        words.store(index, value)
    }

    /// Whether this process has been killed (in a repair test): it stores nothing more and keeps the lock.
    var hasCrashed: Bool { crash?.crashed ?? false }

    private func record(_ message: UInt64, source: UInt64, position: UInt64) {
        store(slot(process, 1), message)
        store(slot(process, 2), source)
        store(slot(process, 3), position)
        store(slot(process, 0), Slot.taken)
    }

    /// Runs `body` holding the lock; a holder that died inside is repaired after first.
    private func locked<T>(_ body: () throws(Errno) -> T) throws(Errno) -> T {
        if try lock.lock(tryOnly: false) == .acquiredOwnerDied {
            giveBackDeadConsumersMessages()
            try lock.consistent()
        }
        defer { if !hasCrashed { try? lock.unlock() } }
        return try body()
    }

    /// Gives back the message of every process whose lease can be locked (it died, or never joined and so holds
    /// nothing). Idempotent, so a repairer killed in here is repaired by the next.
    private func giveBackDeadConsumersMessages() {
        for other in 1...Self.maximumProcesses where other != process && words.load(slot(other, 0)) != Slot.empty {
            guard isDead(other) else { continue }
            settle(other)
        }
    }

    private func isDead(_ other: Int) -> Bool {
        let lease = lease(of: other)
        guard let acquisition = try? lease.lock(tryOnly: true), acquisition != .busy else { return false }
        if acquisition == .acquiredOwnerDied { try? lease.consistent() }
        try? lease.unlock()
        return true
    }

    /// Finishes what a dead process's slot says: a take that never committed is undone (the message is still
    /// where it was), a committed one is given back; a give-back is completed. (A dead process's slot is settled
    /// before the words `taken` and `givingBack` depend on can change: its death inside the lock makes the next
    /// locker a repairer.)
    private func settle(_ other: Int) {
        let state = words.load(slot(other, 0))
        let message = words.load(slot(other, 1))
        let position = words.load(slot(other, 3))
        if state == Slot.taken || state == Slot.held {
            if state == Slot.taken && !commitHappened(source: words.load(slot(other, 2)), position: position) {
                store(slot(other, 0), Slot.empty)
                return
            }
            let index = words.load(Word.givenBack)
            store(slot(other, 3), index)
            store(slot(other, 0), Slot.givingBack)
            giveBack(other, message, at: index)
        } else if state == Slot.givingBack {
            if words.load(Word.givenBack) > position {
                store(slot(other, 0), Slot.empty)
            } else {
                giveBack(other, message, at: position)
            }
        }
    }

    private func giveBack(_ other: Int, _ message: UInt64, at index: UInt64) {
        store(Word.givenBackList + Int(index), message)
        store(Word.givenBack, index + 1)  // commit
        store(slot(other, 0), Slot.empty)
    }

    /// Whether a take recorded with this source and position committed: the ring's head moved past it, or the
    /// given-back count dropped to it.
    private func commitHappened(source: UInt64, position: UInt64) -> Bool {
        source == 0 ? words.load(Word.head) > position : words.load(Word.givenBack) <= position
    }
}
