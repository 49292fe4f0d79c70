import CURCU
import IPCMechanisms
import IPCModels
import IPCSyscalls
import Synchronization

/// Runs an ``RCUWorkload`` on real OS threads against one RCU implementation and records the trace: one updater
/// thread, one thread per reader, and the implementation's callback thread (liburcu's call_rcu thread, or the
/// updater itself for the Swift RCU's deferred callbacks) recorded as a process of its own.
///
/// Reclaimed versions are poisoned and kept (quarantined) until every thread has ended, so a reader that reaches
/// reclaimed memory finds poison, never a recycled block that happens to look whole.
final class RCUThreadsRun<Flavor: RCUFlavor>: @unchecked Sendable {
    let flavor: Flavor
    let workload: RCUWorkload
    let log = ThreadEventLog(object: "r0")
    private let slot = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: 1)
    /// Threads that have reached the start line; they all start together.
    private let ready = Atomic<Int>(0)
    private let reclaimer: Reclaimer

    init(flavor: Flavor, workload: RCUWorkload) {
        self.flavor = flavor
        self.workload = workload
        self.reclaimer = Reclaimer(callbackLog: log.buffer(for: workload.callbackProcess))
    }

    /// Runs every thread to completion and returns the merged events.
    func run() -> [Trace.Event] {
        slot.initialize(to: VersionBlock.allocate(version: 0, owner: reclaimer.context))
        reclaimer.recordForCallbacks(.spawn, ["thread": "callbacks"])
        let threadCount = workload.readers.count + 1
        var threads = [OSThread { self.runUpdater(threads: threadCount) }]
        for (offset, program) in workload.readers.enumerated() {
            threads.append(OSThread { self.runReader(process: offset + 2, program: program, threads: threadCount) })
        }
        for thread in threads { thread.join() }
        reclaimer.recordForCallbacks(.exit, ["code": 0])
        VersionBlock.deallocate(slot.pointee!)
        slot.deallocate()
        reclaimer.freeQuarantine()
        return log.events()
    }

    private func startTogether(threads: Int) {
        ready.add(1, ordering: .acquiringAndReleasing)
        while ready.load(ordering: .acquiring) < threads { OSThread.yield() }
    }

    private func runReader(process: Int, program: [RCUWorkload.ReaderStep], threads: Int) {
        let buffer = log.buffer(for: process)
        buffer.record(.spawn, nil, ["thread": "reader"])
        let reader = flavor.registerReader()
        startTogether(threads: threads)
        var pendingDelay: InjectedDelay?
        for step in program {
            switch step {
            case .delay(let delay):
                pendingDelay = delay
                continue
            case .lock:
                performDelay(&pendingDelay, buffer, before: "lock")
                buffer.record(.invoke, "lock")
                flavor.threadOnline(reader)
                flavor.readLock(reader)
                buffer.record(.ok, "lock")
            case .read:
                performDelay(&pendingDelay, buffer, before: "read")
                buffer.record(.invoke, "read")
                let seen = flavor.dereference(slot).map { VersionBlock.inspect($0) } ?? .torn
                buffer.record(.ok, "read", Self.json(seen))
            case .quiescent:
                performDelay(&pendingDelay, buffer, before: "quiescent")
                buffer.record(.invoke, "quiescent")
                flavor.readUnlock(reader)
                flavor.quiescentState(reader)
                flavor.readLock(reader)
                buffer.record(.ok, "quiescent")
            case .unlock:
                performDelay(&pendingDelay, buffer, before: "unlock")
                buffer.record(.invoke, "unlock")
                flavor.readUnlock(reader)
                flavor.threadOffline(reader)
                buffer.record(.ok, "unlock")
            }
        }
        flavor.unregisterReader(reader)
        buffer.record(.exit, nil, ["code": 0])
    }

    static func json(_ seen: VersionBlock.Seen) -> JSONValue {
        switch seen {
        case .whole(let version): ["version": .int(version)]
        case .poisoned: ["poisoned": true]
        case .torn: ["torn": true]
        }
    }

    private func performDelay(_ delay: inout InjectedDelay?, _ buffer: ThreadEventLog.Buffer, before operation: String) {
        guard let pending = delay else { return }
        delay = nil
        buffer.recordDelay(pending, before: operation)
        pending.perform()
    }

    private func runUpdater(threads: Int) {
        let buffer = log.buffer(for: 1)
        buffer.record(.spawn, nil, ["thread": "updater"])
        flavor.registerUpdater()
        startTogether(threads: threads)
        var retired: [UnsafeMutableRawPointer] = []
        var pendingDelay: InjectedDelay?
        for step in workload.updater {
            switch step {
            case .delay(let delay):
                pendingDelay = delay
            case .publish(let version):
                performDelay(&pendingDelay, buffer, before: "publish")
                let block = VersionBlock.allocate(version: version, owner: reclaimer.context)
                buffer.record(.invoke, "publish", ["version": .int(version)])
                let replaced = flavor.exchange(slot, block)!
                buffer.record(.ok, "publish", ["replaced": .int(VersionBlock.version(of: replaced))])
                retired.append(replaced)
            case .synchronize:
                performDelay(&pendingDelay, buffer, before: "synchronize")
                buffer.record(.invoke, "synchronize")
                flavor.synchronize()
                buffer.record(.ok, "synchronize")
            case .reclaimOldest:
                performDelay(&pendingDelay, buffer, before: "reclaim")
                reclaimer.reclaim(retired.removeFirst(), buffer)
            case .callRCUOldest:
                performDelay(&pendingDelay, buffer, before: "call-rcu")
                let block = retired.removeFirst()
                let version = VersionBlock.version(of: block)
                buffer.record(.invoke, "call-rcu", ["version": .int(version)])
                flavor.callRCU(VersionBlock.head(of: block), reclaimInCallback)
                buffer.record(.ok, "call-rcu")
            case .barrier:
                performDelay(&pendingDelay, buffer, before: "barrier")
                buffer.record(.invoke, "barrier")
                flavor.barrier()
                buffer.record(.ok, "barrier")
            }
        }
        flavor.unregisterUpdater()
        buffer.record(.exit, nil, ["code": 0])
    }
}

/// Reclaims retired versions: poisons each and keeps its memory until the run ends. Callbacks find it through the
/// owner pointer every block carries, and record on the callback process's buffer under a lock.
final class Reclaimer: @unchecked Sendable {
    private let quarantine = Mutex<[UnsafeMutableRawPointerBox]>([])
    private let callbackLog: Mutex<ThreadEventLog.Buffer>

    struct UnsafeMutableRawPointerBox: @unchecked Sendable {
        var pointer: UnsafeMutableRawPointer
    }

    init(callbackLog: ThreadEventLog.Buffer) {
        self.callbackLog = Mutex(callbackLog)
    }

    /// What blocks carry as their owner (unretained: the run outlives every callback, after its barrier).
    var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    func recordForCallbacks(_ type: Trace.EventType, _ value: JSONValue) {
        callbackLog.withLock { $0.record(type, nil, value) }
    }

    /// Reclaims `block` as the callback process.
    func reclaimAsCallback(_ block: UnsafeMutableRawPointer) {
        callbackLog.withLock { reclaim(block, $0) }
    }

    /// Poisons a retired version and quarantines its memory until the run ends.
    func reclaim(_ block: UnsafeMutableRawPointer, _ buffer: ThreadEventLog.Buffer) {
        buffer.record(.invoke, "reclaim", ["version": .int(VersionBlock.version(of: block))])
        VersionBlock.poisonWords(block)
        quarantine.withLock { $0.append(UnsafeMutableRawPointerBox(pointer: block)) }
        buffer.record(.ok, "reclaim")
    }

    func freeQuarantine() {
        for box in quarantine.withLock({ $0 }) { VersionBlock.deallocate(box.pointer) }
    }
}

/// The call_rcu callback: reclaims the block whose record it is given, on behalf of the block's owner.
let reclaimInCallback: RCUCallback = { head in
    let block = UnsafeMutableRawPointer(head!)
    Unmanaged<Reclaimer>.fromOpaque(VersionBlock.owner(of: block)!).takeUnretainedValue().reclaimAsCallback(block)
}
