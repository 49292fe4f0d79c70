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

    private func runReader(process: Int, program: [RCUWorkload.ReaderStep], threads: Int) {
        let buffer = log.buffer(for: process)
        buffer.record(.spawn, nil, ["thread": "reader"])
        let reader = flavor.registerReader()
        log.startTogether(threads: threads)
        var delays: [InjectedDelay] = []
        for step in program {
            switch step {
            case .delay(let delay):
                delays.append(delay)
                continue
            case .lock:
                buffer.perform("lock", after: delays) {
                    flavor.threadOnline(reader)
                    flavor.readLock(reader)
                }
            case .read:
                buffer.perform("read", after: delays, { flavor.dereference(slot).map { VersionBlock.inspect($0) } ?? .torn },
                               recorded: { .ok(Self.json($0)) })
            case .quiescent:
                buffer.perform("quiescent", after: delays) {
                    flavor.readUnlock(reader)
                    flavor.quiescentState(reader)
                    flavor.readLock(reader)
                }
            case .unlock:
                buffer.perform("unlock", after: delays) {
                    flavor.readUnlock(reader)
                    flavor.threadOffline(reader)
                }
            }
            delays.removeAll()
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

    private func runUpdater(threads: Int) {
        let buffer = log.buffer(for: 1)
        buffer.record(.spawn, nil, ["thread": "updater"])
        flavor.registerUpdater()
        log.startTogether(threads: threads)
        var retired: [UnsafeMutableRawPointer] = []
        var delays: [InjectedDelay] = []
        for step in workload.updater {
            switch step {
            case .delay(let delay):
                delays.append(delay)
                continue
            case .publish(let version):
                let block = VersionBlock.allocate(version: version, owner: reclaimer.context)
                let replaced = buffer.perform(
                    "publish", arguments: ["version": .int(version)], after: delays, { flavor.exchange(slot, block)! },
                    recorded: { .ok(["replaced": .int(VersionBlock.version(of: $0))]) })
                retired.append(replaced)
            case .synchronize:
                buffer.perform("synchronize", after: delays) { flavor.synchronize() }
            case .reclaimOldest:
                let block = retired.removeFirst()
                buffer.perform("reclaim", arguments: ["version": .int(VersionBlock.version(of: block))], after: delays) {
                    reclaimer.reclaim(block)
                }
            case .callRCUOldest:
                let block = retired.removeFirst()
                buffer.perform("call-rcu", arguments: ["version": .int(VersionBlock.version(of: block))], after: delays) {
                    flavor.callRCU(VersionBlock.head(of: block), reclaimInCallback)
                }
            case .barrier:
                buffer.perform("barrier", after: delays) { flavor.barrier() }
            }
            delays.removeAll()
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

    /// Reclaims `block` as the callback process, recording the operation on its buffer.
    func reclaimAsCallback(_ block: UnsafeMutableRawPointer) {
        callbackLog.withLock { buffer in
            buffer.perform("reclaim", arguments: ["version": .int(VersionBlock.version(of: block))]) { reclaim(block) }
        }
    }

    /// Poisons a retired version and quarantines its memory until the run ends.
    func reclaim(_ block: UnsafeMutableRawPointer) {
        VersionBlock.poisonWords(block)
        quarantine.withLock { $0.append(UnsafeMutableRawPointerBox(pointer: block)) }
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
