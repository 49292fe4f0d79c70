import IPCModels

/// Dangers a run shows that are not violations: the kernel did what it promises, but a program relying on the
/// mechanism would be hurt. Reported beside the verdict, never changing it.
///
/// Two so far, both on POSIX semaphores:
/// - a unit held by a process that died. POSIX semaphores have no undo (System V's `SEM_UNDO` is the remedy), so a
///   holder killed between `sem_wait` and `sem_post` takes its unit with it and the count stays low for good;
/// - a process killed asleep in a blocking wait on a semaphore initialised with pshared 0 after another process
///   posted it: glibc then wakes through a private futex, keyed by the poster's memory, so that post never reaches
///   the sleeper (`PrivateSemaphoreRealModeTests`) — the process may sleep for good with units available.
struct HazardDetector {
    private let model: String
    /// Units each process holds on each semaphore: successful waits minus posts since its last `sem_init`.
    private var held: [Int: [String: Int]] = [:]
    /// The semaphores whose latest `sem_init` (the driver's, or one in the trace) had pshared 0.
    private var privateSemaphores: Set<String>
    /// Each process's outstanding invoke, with the processes that posted its object since.
    private var outstanding: [Int: (event: Trace.Event, posters: Set<Int>)] = [:]
    private(set) var hazards: [String] = []

    init(model: String, privateSemaphores: Set<String> = []) {
        self.model = model
        self.privateSemaphores = privateSemaphores
    }

    mutating func observe(_ event: Trace.Event, line: Int) {
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
}
