/// Read-copy-update on one published pointer: what readers, updaters and reclaimers of RCU-protected versions may
/// be observed to do. It is the contract liburcu documents and the Swift RCU implements:
///
/// - A reader sees one whole published version: a `read` inside a read-side section returns the version current at
///   some instant of the read (a linearizable register), never a torn one, never one whose memory was reclaimed.
///   Traces of the `rcu-*` scenarios also name the `poison` invariant, which points at a torn or poisoned read.
/// - `synchronize` returns only after every reader that was in a read-side section when it began has left it: it
///   takes effect in two pieces, a start that notes the readers in sections, and an end that is possible only once
///   each of them has unlocked (or, in QSBR, passed a quiescent state).
/// - A version may be reclaimed (its memory poisoned and freed, directly or by a `call_rcu` callback) only after a
///   grace period: once every reader that was in a section when the version was unpublished has left it.
/// - `barrier` returns only after every callback queued with `call-rcu` before it has run.
///
/// Sections do not nest (the harness's workloads never nest them). A QSBR reader's section runs from `lock` (going
/// online) through each `quiescent` (which ends one section and begins the next) to `unlock` (going offline).
public struct RCUModel: TraceModel {
    public static let name = "rcu"

    public enum Input: Hashable, Sendable {
        /// Enter a read-side section (rcu_read_lock; QSBR: thread online).
        case lock(process: Int)
        /// Dereference the published pointer and read the version it points to, inside a section.
        case read(process: Int)
        /// Leave the read-side section (rcu_read_unlock; QSBR: thread offline).
        case unlock(process: Int)
        /// QSBR's rcu_quiescent_state: leave the section and enter a new one at once.
        case quiescent(process: Int)
        /// Publish `version` in place of the current one (rcu_xchg_pointer); the output is the version replaced.
        case publish(process: Int, version: Int)
        /// Wait for a grace period (synchronize_rcu).
        case synchronize(process: Int)
        /// The memory of `version` is poisoned and freed.
        case reclaim(process: Int, version: Int)
        /// Queue a callback that will reclaim `version` after a grace period (call_rcu).
        case callRCU(process: Int, version: Int)
        /// Wait until every callback queued before has run (rcu_barrier).
        case barrier(process: Int)
        /// The process (thread) ended: it is no longer in a section.
        case exit(process: Int)

        public var process: Int {
            switch self {
            case .lock(let process), .read(let process), .unlock(let process), .quiescent(let process),
                .publish(let process, _), .synchronize(let process), .reclaim(let process, _),
                .callRCU(let process, _), .barrier(let process), .exit(let process):
                process
            }
        }
    }

    public enum Output: Hashable, Sendable {
        case done
        /// A read saw this version, whole.
        case read(version: Int)
        /// A read saw reclaimed (poisoned) memory.
        case poisoned
        /// A read saw a block whose words do not belong to one version (written after it was published).
        case torn
        /// A publish replaced this version.
        case replaced(Int)
        case failed(ErrorCode)
    }

    /// The versions each object starts with (published before any reader runs).
    public let initialVersions: [(name: String, version: Int)]

    public init(objects: [(name: String, initialVersion: Int)]) {
        self.initialVersions = objects.map { ($0.name, $0.initialVersion) }
    }

    public var objects: [String] { initialVersions.map(\.name) }

    public func initialState(of object: String) -> State {
        State(current: initialVersions.first { $0.name == object }?.version ?? 0)
    }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        guard let (next, result) = transition(state, input) else { return [] }
        switch result {
        case .piece:
            return [.partial(next)]
        case .output(let produced):
            guard output == nil || output == produced else { return [] }
            return [.completed(next)]
        }
    }

    private enum Result {
        case output(Output)
        case piece
    }

    /// How `input` takes effect from `state`: the next state and the output (or a piece of a synchronize); nil when
    /// it cannot take effect now.
    private func transition(_ state: State, _ input: Input) -> (State, Result)? {
        var next = state
        switch input {
        case .lock(let process):
            guard !state.active.contains(process) else { return nil }
            next.active.insertSorted(process)
            return (next, .output(.done))
        case .read(let process):
            guard state.active.contains(process) else { return nil }
            return (state, .output(.read(version: state.current)))
        case .unlock(let process):
            guard state.active.contains(process) else { return nil }
            next.leaveSection(process)
            next.active.removeAll { $0 == process }
            return (next, .output(.done))
        case .quiescent(let process):
            guard state.active.contains(process) else { return nil }
            next.leaveSection(process)
            return (next, .output(.done))
        case .publish(_, let version):
            guard version != state.current, !state.retired.contains(where: { $0.version == version }) else { return nil }
            next.retired.append(RetiredVersion(version: state.current, waitingFor: state.active))
            next.retired.sort { $0.version < $1.version }
            next.current = version
            return (next, .output(.replaced(state.current)))
        case .synchronize(let process):
            if let index = state.synchronizing.firstIndex(where: { $0.process == process }) {
                guard state.synchronizing[index].waitingFor.isEmpty else { return nil }
                next.synchronizing.remove(at: index)
                return (next, .output(.done))
            }
            if state.active.isEmpty { return (state, .output(.done)) }
            next.synchronizing.append(GracePeriod(process: process, waitingFor: state.active))
            next.synchronizing.sort { $0.process < $1.process }
            return (next, .piece)
        case .reclaim(_, let version):
            guard let index = state.retired.firstIndex(where: { $0.version == version }),
                state.retired[index].waitingFor.isEmpty
            else { return nil }
            next.retired.remove(at: index)
            next.queued.removeAll { $0 == version }
            return (next, .output(.done))
        case .callRCU(_, let version):
            guard state.retired.contains(where: { $0.version == version }), !state.queued.contains(version) else {
                return nil
            }
            next.queued.insertSorted(version)
            return (next, .output(.done))
        case .barrier:
            guard state.queued.isEmpty else { return nil }
            return (state, .output(.done))
        case .exit(let process):
            next.leaveSection(process)
            next.active.removeAll { $0 == process }
            next.synchronizing.removeAll { $0.process == process }
            return (next, .output(.done))
        }
    }

    public func abandon(_ state: State, _ input: Input) -> State {
        var next = state
        if case .synchronize(let process) = input { next.synchronizing.removeAll { $0.process == process } }
        return next
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let operation: String
        switch input {
        case .lock: operation = "lock"
        case .read: operation = "read"
        case .unlock: operation = "unlock"
        case .quiescent: operation = "quiescent state"
        case .publish(_, let version): operation = "publish version \(version)"
        case .synchronize: operation = "synchronize"
        case .reclaim(_, let version): operation = "reclaim version \(version)"
        case .callRCU(_, let version): operation = "call_rcu to reclaim version \(version)"
        case .barrier: operation = "barrier"
        case .exit: operation = "exit"
        }
        guard let output else { return operation + " → ?" }
        switch output {
        case .done: return operation
        case .read(let version): return operation + " → version \(version)"
        case .poisoned: return operation + " → POISONED (reclaimed memory)"
        case .torn: return operation + " → TORN"
        case .replaced(let version): return operation + " → replaced \(version)"
        case .failed(let code): return operation + " → \(code)"
        }
    }

    public func describe(_ state: State) -> String {
        var parts = ["version \(state.current) published", "readers in sections \(state.active)"]
        for retired in state.retired {
            parts.append("version \(retired.version) retired, grace period waits for \(retired.waitingFor)")
        }
        for grace in state.synchronizing {
            parts.append("synchronize by \(grace.process) waits for \(grace.waitingFor)")
        }
        if !state.queued.isEmpty { parts.append("callbacks queued for \(state.queued)") }
        return parts.joined(separator: "; ")
    }

    public func estimatedSize(of state: State) -> Int {
        128 + 8 * (state.active.count + state.queued.count)
            + state.retired.reduce(0) { $0 + 24 + 8 * $1.waitingFor.count }
            + state.synchronizing.reduce(0) { $0 + 24 + 8 * $1.waitingFor.count }
    }
}
