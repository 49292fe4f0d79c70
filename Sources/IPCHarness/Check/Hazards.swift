import IPCModels

/// Dangers a run shows that are not violations: the kernel did what it promises, but a program relying on the
/// mechanism would be hurt. Reported beside the verdict, never changing it.
///
/// One so far: a POSIX semaphore unit held by a process that died. POSIX semaphores have no undo (System V's
/// `SEM_UNDO` is the remedy), so a holder killed between `sem_wait` and `sem_post` takes its unit with it and the
/// count stays low for good.
struct HazardDetector {
    private let model: String
    /// Units each process holds on each semaphore: successful waits minus posts since its last `sem_init`.
    private var held: [Int: [String: Int]] = [:]
    private(set) var hazards: [String] = []

    init(model: String) {
        self.model = model
    }

    mutating func observe(_ event: Trace.Event, line: Int) {
        guard model == PosixSemaphoreModel.name else { return }
        switch event.type {
        case .ok:
            guard let object = event.object else { break }
            if event.f == "wait" { held[event.process, default: [:]][object, default: 0] += 1 }
            if event.f == "post" { held[event.process, default: [:]][object, default: 0] -= 1 }
            // sem_init sets a new count: units taken before are no longer missing from it.
            if event.f == "init" { for process in held.keys { held[process]?[object] = nil } }
        case .kill:
            for (object, units) in (held[event.process] ?? [:]).sorted(by: { $0.key < $1.key }) where units > 0 {
                hazards.append("process \(event.process) was killed holding \(units) unit\(units == 1 ? "" : "s") of POSIX semaphore \(object) (line \(line)): POSIX semaphores have no undo, so \(units == 1 ? "it is" : "they are") lost for good")
            }
            held[event.process] = nil
        default:
            break
        }
    }
}
