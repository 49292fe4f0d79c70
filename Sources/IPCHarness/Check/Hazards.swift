import IPCModels

/// Dangers a run shows that are not violations: the kernel did what it promises, but a program relying on the
/// mechanism would be hurt. Reported beside the verdict, never changing it.
///
/// Three so far:
/// - a POSIX semaphore unit held by a process that died. POSIX semaphores have no undo (System V's `SEM_UNDO` is the remedy), so a
///   holder killed between `sem_wait` and `sem_post` takes its unit with it and the count stays low for good;
/// - a process killed asleep in a blocking wait on a semaphore initialised with pshared 0 after another process
///   posted it: glibc then wakes through a private futex, keyed by the poster's memory, so that post never reaches
///   the sleeper (`PrivateSemaphoreRealModeTests`) — the process may sleep for good with units available;
/// - a mutex made without `pthread_mutexattr_setrobust` (`PTHREAD_MUTEX_STALLED`) whose holder was killed: the
///   kernel knows nothing of it, so it stays locked for good and the next locker sleeps forever;
/// - a locker aborted by glibc's assertion (`SIGABRT` in `pthread_mutex_lock`, `trylock` or `timedlock`): a mutex
///   destroyed or re-initialised while held does that (undefined in POSIX; the model stops judging that mutex and
///   takes the death as glibc's, ``RobustMutexModel/mayKillItsCaller(_:with:)``), so it is said here, not hidden.
///   A stalled priority-inheriting mutex whose holder died or exited does it too (the kernel hands a process asleep
///   in `lock` the futex marked owner-died, and glibc's assertion aborts it and every later locker: measured by a C
///   probe, `MutexStalledProtocolFactsTests`; the model judges no such completion). Where neither explains the abort,
///   nothing the trace shows does: it is a crash (``crashes``), as any other death by a signal the harness did not
///   send.
struct HazardDetector {
    private let model: String
    /// The robust-mutex model's objects that are stalled now: set up so, or re-initialised so during the run.
    private var stalledMutexes: Set<String>
    /// The robustness each process's outstanding `init` asked for.
    private var initialising: [Int: Bool] = [:]
    /// The stalled mutexes each process holds: locked and not yet unlocked.
    private var heldMutexes: [Int: Set<String>] = [:]
    /// Each process's outstanding lock call on a mutex: its `f`, object and line.
    private var locking: [Int: (f: String, object: String, line: Int)] = [:]
    /// The mutexes an `init` or `destroy` completed on: where glibc's aborting a locker is the mechanism's own.
    private var remade: Set<String> = []
    /// The stalled priority-inheriting mutexes of the setup (`"robust": false, "protocol": "inherit"`).
    private let inheritingStalled: Set<String>
    /// The processes that acquired each of those: any may have ended holding it (completions of a lock and of
    /// another's unlock may be recorded in either order, and a recursive one's unlock may leave it held).
    private var acquirers: [String: Set<Int>] = [:]
    /// Those a process that acquired them died or exited after: glibc may abort their lockers.
    private var orphaned: Set<String> = []
    /// The stalled priority-protect mutexes of the setup, and those whose ceiling a `setprioceiling` changed: a
    /// `setprioceiling` asleep across the change leaves glibc's loop without the lock and frees the word under its
    /// holder, and the next locker's assertion (`__owner == 0`) aborts it.
    private let protectStalled: Set<String>
    private var ceilingChanged: Set<String> = []
    /// Deaths the trace does not explain, described: the checker reports them as crashes.
    private(set) var crashes: [String] = []
    /// Units each process holds on each semaphore: successful waits minus posts since its last `sem_init`.
    private var held: [Int: [String: Int]] = [:]
    /// The semaphores whose latest `sem_init` (the driver's, or one in the trace) had pshared 0.
    private var privateSemaphores: Set<String>
    /// Each process's outstanding invoke, with the processes that posted its object since.
    private var outstanding: [Int: (event: Trace.Event, posters: Set<Int>)] = [:]
    private(set) var hazards: [String] = []

    init(
        model: String, privateSemaphores: Set<String> = [], stalledMutexes: Set<String> = [],
        inheritingStalledMutexes: Set<String> = [], protectStalledMutexes: Set<String> = []
    ) {
        self.model = model
        self.privateSemaphores = privateSemaphores
        self.stalledMutexes = stalledMutexes
        self.inheritingStalled = inheritingStalledMutexes
        self.protectStalled = protectStalledMutexes
    }

    mutating func observe(_ event: Trace.Event, line: Int) {
        if model == RobustMutexModel.name { return observeMutex(event, line: line) }
        guard model == PosixSemaphoreModel.name else { return }
        switch event.type {
        case .invoke:
            outstanding[event.process] = (event, [])
        case .ok:
            let invoke = outstanding.removeValue(forKey: event.process)?.event
            guard let object = event.object else { break }
            if event.f == "wait" { held[event.process, default: [:]][object, default: 0] += 1 }
            if event.f == "post" {
                held[event.process, default: [:]][object, default: 0] -= 1
                for process in outstanding.keys where outstanding[process]?.event.object == object && process != event.process {
                    outstanding[process]?.posters.insert(event.process)
                }
            }
            if event.f == "init" {
                // A new count: units taken before are no longer missing from it.
                for process in held.keys { held[process]?[object] = nil }
                if invoke?.value?["pshared"] == .bool(false) { privateSemaphores.insert(object) } else { privateSemaphores.remove(object) }
            }
        case .fail, .info:
            outstanding[event.process] = nil
        case .kill:
            for (object, units) in (held[event.process] ?? [:]).sorted(by: { $0.key < $1.key }) where units > 0 {
                hazards.append("process \(event.process) was killed holding \(units) unit\(units == 1 ? "" : "s") of POSIX semaphore \(object) (line \(line)): POSIX semaphores have no undo, so \(units == 1 ? "it is" : "they are") lost for good")
            }
            held[event.process] = nil
            if event.point == "blocked", let (invoke, posters) = outstanding[event.process], invoke.f == "wait",
                invoke.value?["nonblocking"] != .bool(true), let object = invoke.object, privateSemaphores.contains(object),
                !posters.isEmpty
            {
                hazards.append("process \(event.process) was killed asleep in a wait on POSIX semaphore \(object) (line \(line)) after process\(posters.count == 1 ? "" : "es") \(posters.sorted().map(String.init).joined(separator: ", ")) posted it: the semaphore was initialised with pshared 0, so glibc wakes through a private futex and a post never wakes another process's sleeper")
            }
            outstanding[event.process] = nil
        default:
            break
        }
    }

    private mutating func observeMutex(_ event: Trace.Event, line: Int) {
        if event.type == .ok, let f = event.f, ["lock", "trylock", "timedlock"].contains(f),
            let object = event.object, inheritingStalled.contains(object) {
            acquirers[object, default: []].insert(event.process)
        }
        if event.type == .kill || event.type == .exit {
            for (object, processes) in acquirers where processes.contains(event.process) { orphaned.insert(object) }
        }
        if event.type == .ok, event.f == "setprioceiling", let object = event.object, protectStalled.contains(object) {
            ceilingChanged.insert(object)
        }
        if event.type == .kill { return reportStalled(event, line: line) }
        if event.type == .invoke, event.f == "init" { initialising[event.process] = event.value?["robust"] != .bool(false) }
        if event.type == .invoke, let f = event.f, ["lock", "trylock", "timedlock"].contains(f), let object = event.object {
            locking[event.process] = (f, object, line)
        } else if event.type == .ok || event.type == .fail {
            locking[event.process] = nil
        }
        if event.type == .ok, event.f == "init" || event.f == "destroy", let object = event.object { remade.insert(object) }
        if event.type == .exit, event.value?["signal"] == "SIGABRT", let call = locking.removeValue(forKey: event.process) {
            if orphaned.contains(call.object) {
                hazards.append("process \(event.process) died of SIGABRT in \(call.f) on mutex \(call.object) (invoked at line \(call.line)): glibc's assertion on a stalled priority-inheriting mutex whose holder died — the kernel hands a locker the futex marked owner-died, which glibc refuses for a mutex that is not robust, aborting it and every later locker")
            } else if ceilingChanged.contains(call.object) {
                hazards.append("process \(event.process) died of SIGABRT in \(call.f) on mutex \(call.object) (invoked at line \(call.line)): glibc's assertion on a priority-protect mutex whose ceiling was changed — a setprioceiling asleep across the change leaves glibc's loop without the lock and frees the word under its holder, and the next locker finds an owner (undefined from then on; the model no longer judges the mutex)")
            } else if remade.contains(call.object) {
                hazards.append("process \(event.process) died of SIGABRT in \(call.f) on mutex \(call.object) (invoked at line \(call.line)): glibc's assertion, as a mutex destroyed or re-initialised while held gives (undefined in POSIX; the model no longer judges such a mutex)")
            } else {
                crashes.append("process \(event.process) died of SIGABRT in \(call.f) on mutex \(call.object) (invoked at line \(call.line), exit at line \(line)): glibc's assertion, and no init or destroy of that mutex in the trace explains it — its memory was corrupted by the code under test (or the harness)")
            }
        }
        guard event.type == .ok, let object = event.object else { return }
        if event.f == "init" {
            // A new mutex: nobody holds it, and it is stalled or robust as the call asked.
            for process in heldMutexes.keys { heldMutexes[process]?.remove(object) }
            if initialising.removeValue(forKey: event.process) ?? true { stalledMutexes.remove(object) } else { stalledMutexes.insert(object) }
            return
        }
        guard stalledMutexes.contains(object) else { return }
        switch event.f {
        case "lock", "trylock", "timedlock": heldMutexes[event.process, default: []].insert(object)
        // Anyone's unlock may free a normal mutex; a recursive one's first unlock may not (a hazard then goes unsaid).
        case "unlock": for process in heldMutexes.keys { heldMutexes[process]?.remove(object) }
        default: break
        }
    }

    private mutating func reportStalled(_ event: Trace.Event, line: Int) {
        for object in (heldMutexes[event.process] ?? []).sorted() {
            hazards.append("process \(event.process) was killed holding mutex \(object) (line \(line)), made without PTHREAD_MUTEX_ROBUST: nothing marks its owner's death, so it stays locked and every later locker sleeps for good")
        }
        heldMutexes[event.process] = nil
    }
}
