/// A System V semaphore set of this kernel's `ipc/sem.c`.
///
/// What it allows, and why (each fact is a test on the real kernel):
/// - A `semop` applies its operations in order, all or none: a negative change waits until the value can pay
///   it, a zero change waits for the value to be 0 (`EAGAIN` with `IPC_NOWAIT`); a value above 32767 (`SEMVMX`)
///   fails `ERANGE`, as does an undo adjustment outside −32768…32767. Operations on one semaphore see the
///   effect of the ones before them in the same call.
/// - No operations fails `EINVAL`, more than 500 (`SEMOPM`) `E2BIG`, a semaphore number outside the set `EFBIG`.
/// - `SEM_UNDO` records the opposite of the change in the calling process's adjustment; the kernel adds the
///   adjustments when the *process* exits — SIGKILL included, not when a thread exits — clamping the value to
///   0…32767. `SETVAL` sets a value and clears every process's adjustment of that semaphore.
/// - The set outlives every process until `IPC_RMID`; from then on calls fail `EINVAL`, and calls asleep in it
///   when it went fail `EIDRM` (the model allows `EIDRM` for any blocking `semop` after the removal).
/// - A `semop` asleep that a handled signal interrupts fails `EINTR` with no effect, `SA_RESTART` or not (signal(7):
///   never restarted; `SemaphoreInterruptionFactsTests`). One that can proceed never fails `EINTR`.
/// - `semtimedop` (a `timeout`) ends asleep with `EAGAIN` — not `ETIMEDOUT` — when the timeout passes. An invalid
///   timeout fails `EINVAL` even when the operations could proceed; it is checked after the operation count
///   (`EINVAL`, `E2BIG`) and before the set and the semaphore numbers.
/// - `GETVAL` reads one value (`EINVAL` for a number outside the set). `SETALL` sets every value, refusing the
///   whole call with `ERANGE` when any is above 32767, and clears every process's undo adjustments for the set:
///   a process that took a unit with `SEM_UNDO` and exits after a `SETALL` gives nothing back (`SemaphoreFactsTests`).
/// - `GETNCNT` and `GETZCNT` count the processes asleep in a `semop` whose *blocking* operation — the first of its
///   operations that cannot proceed on the current values, which the kernel works out again whenever the values
///   change — is on that semaphore and waits for it to grow (`GETNCNT`) or to be 0 (`GETZCNT`); a sleeper is counted
///   once, on one semaphore (Linux since 4.1, as SUS says; `SemaphoreWaiterCountFactsTests`). So the model knows who
///   sleeps: a blocking `semop` that cannot proceed goes to sleep as a first piece of its effect (a partial step).
/// - Permissions (`Permissions`, in the setup): a `semop` that changes a value needs write ("alter") permission,
///   one that only waits for 0 read (`EACCES` after `EFBIG`); `GETVAL`, `GETALL`, `GETNCNT`, `GETZCNT`, `GETPID` and
///   `IPC_STAT` need read (before the number is checked); `SETVAL` write (after its `ERANGE` and `EINVAL`), `SETALL`
///   write (before its `ERANGE`); `IPC_RMID` the owner (`EPERM`); `semget` with `IPC_CREAT` read and write, after
///   `EEXIST` and the count.
/// - `GETPID` (`sempid`) names the last process whose `semop` succeeded on the semaphore — any of its operations,
///   a wait for zero included — that set it (`SETVAL`, `SETALL`), or whose undo adjustment of it applied at its
///   exit; a failed `semop` sets nothing. Before any worker did, it is 0 (the driver's own `SETALL` is not a
///   worker's): the model records process numbers, and the workers map pids to them.
/// - `IPC_STAT` also reports `sem_otime` and `sem_ctime` as a trace can judge them (``StatTimes``): `sem_otime` reads
///   0 until a `semop` succeeds — any, a wait for zero too, a sleeping one when it completes; a failed one sets
///   nothing — and is set again at the exit of every process that made a `semop` with `SEM_UNDO` on the set (the
///   kernel gave it an undo record, even when the call then failed `EAGAIN`, `EFBIG` or `ERANGE`, but not `E2BIG`;
///   even with nothing left to undo). `sem_ctime` is the creation's until `SETVAL`, `SETALL` or `IPC_SET` succeeds;
///   `semop`, `GETVAL` and `GETALL` leave it (`SystemVTimesFactsTests`, and a C probe for the failed `SEM_UNDO` calls).
///   An `EACCES` `semop` with `SEM_UNDO` (not measured: root passes every check here) and one whose process died in
///   it may or may not have left a record: that exit may or may not set `sem_otime`.
/// - `info` is `semctl(IPC_INFO)` or, with `counts`, `SEM_INFO` (`SystemVInfoFactsTests`): namespace-wide. Both report
///   the limits — `semmni` and `semmsl` 32000, `semmns`, `semmap`, `semmnu` 1024000000, `semopm` and `semume` 500,
///   `semvmx` 32767 — and `IPC_INFO` also `semusz` 20 and `semaem` 32767, where `SEM_INFO` reports the sets and
///   semaphores in use: at least this set and its semaphores while it exists (the namespace's others are outside the
///   trace). Both return the highest set index in use (the model does not know this set's: any ≥ 0), need no
///   permission and work after the removal. `stat` with `"command": "SEM_STAT"` or `"SEM_STAT_ANY"` is `semctl` of
///   the set's own index: `IPC_STAT`'s answer, `EINVAL` once removed; `SEM_STAT` needs read permission, `SEM_STAT_ANY`
///   none.
public struct SystemVSemaphoreModel: TransitionModel, TraceModel {
    public static let name = "sysv-sem"
    /// What `IPC_INFO` reports in `struct seminfo`, by field; `SEM_INFO` replaces `semusz` and `semaem` by the
    /// namespace's sets and semaphores in use.
    public static let infoLimits = [
        "semmap": 1_024_000_000, "semmni": 32000, "semmns": 1_024_000_000, "semmnu": 1_024_000_000, "semmsl": maximumSetSize,
        "semopm": maximumOperations, "semume": 500, "semusz": 20, "semvmx": maximumValue, "semaem": maximumValue,
    ]
    /// The fields `SEM_INFO` fills with the namespace's use.
    public static let infoCounts: Set<String> = ["semusz", "semaem"]
    /// The names of `stat`'s times, in ``StatTimes`` order: `sem_otime`, `sem_ctime`.
    public static let timeFields = ["operationTime", "changeTime"]
    /// `SEMVMX`, also `SEMAEM`.
    public static let maximumValue = 32767
    /// `SEMOPM`: operations per call.
    public static let maximumOperations = 500
    /// `SEMMSL` here (`/proc/sys/kernel/sem`): semaphores per set.
    public static let maximumSetSize = 32000

    public struct Operation: Hashable, Sendable {
        public var number: Int
        public var change: Int
        public var undo: Bool

        public init(number: Int, change: Int, undo: Bool) {
            self.number = number
            self.change = change
            self.undo = undo
        }
    }

    /// A process's undo adjustments, one per semaphore.
    public struct Adjustment: Hashable, Sendable {
        public var process: Int
        public var amounts: [Int]
    }

    /// A process asleep in a `semop`, and its operations.
    public struct Sleeper: Hashable, Sendable {
        public var process: Int
        public var operations: [Operation]
    }

    public struct State: Hashable, Sendable {
        public var values: [Int]
        /// Processes asleep in a `semop`, by process.
        public var sleepers: [Sleeper] = []
        /// Non-zero adjustments, by process, sorted.
        public var adjustments: [Adjustment] = []
        public var removed = false
        /// False until a `semget` creates the set (a setup with `exists` false; ``SystemVSemaphoreModel+Creation``):
        /// until then `removed` is true too, every call on an id fails `EINVAL`.
        public var created = true
        /// The model no longer judges this set (a `SETALL` of fewer values than the set has: the kernel reads past
        /// them, whatever the caller's memory holds there): every outcome is allowed from then on.
        public var unjudged = false
        /// Whether a create after the removal made a set under the key that the trace does not follow (so the
        /// namespace's counts are no longer known: ``inUse(_:)``).
        public var untracked = false
        /// `GETPID` of each semaphore: the process number of the last to change it, 0 for none.
        public var lastProcesses: [Int]
        public var permissions = Permissions()
        /// `sem_otime`, `sem_ctime` (``timeFields``): the harness made and set the set before the trace, no `semop`.
        public var times = StatTimes([.zero, .setSince(0)])
        /// Processes with an undo record for the set (a `semop` with `SEM_UNDO`), whose exit sets `sem_otime`; and
        /// those that may have one. Sorted.
        public var undoRecords: [Int] = []
        public var possibleUndoRecords: [Int] = []

        public init(values: [Int]) {
            self.values = values
            self.lastProcesses = [Int](repeating: 0, count: values.count)
        }

        /// The operation a sleeper's `semop` waits on at the current values: the first that cannot proceed.
        func blocking(_ operations: [Operation]) -> Operation? {
            var values = self.values
            for operation in operations {
                guard values.indices.contains(operation.number) else { return nil }
                let current = values[operation.number]
                if operation.change == 0 && current != 0 || current + operation.change < 0 { return operation }
                values[operation.number] = current + operation.change
            }
            return nil
        }

        /// `GETNCNT` (`zero` false) or `GETZCNT` of semaphore `number`.
        func waiters(on number: Int, zero: Bool) -> Int {
            sleepers.filter { sleeper in
                guard let operation = blocking(sleeper.operations), operation.number == number else { return false }
                return zero ? operation.change == 0 : operation.change < 0
            }.count
        }

        /// `process` made a `semop` with `operations` that reached the kernel's undo allocation (after the count
        /// and timeout checks, on a set not removed): with any `SEM_UNDO` it now has an undo record.
        mutating func recordUndo(of process: Int, _ operations: [Operation], certain: Bool = true) {
            guard !removed, operations.contains(where: \.undo), !undoRecords.contains(process) else { return }
            if certain {
                undoRecords.insertSorted(process)
                possibleUndoRecords.removeAll { $0 == process }
            } else if !possibleUndoRecords.contains(process) {
                possibleUndoRecords.insertSorted(process)
            }
        }

        mutating func wake(_ process: Int) {
            sleepers.removeAll { $0.process == process }
        }

        func adjustment(of process: Int) -> [Int] {
            adjustments.first { $0.process == process }?.amounts ?? [Int](repeating: 0, count: values.count)
        }

        mutating func setAdjustment(of process: Int, _ amounts: [Int]) {
            adjustments.removeAll { $0.process == process }
            if amounts.contains(where: { $0 != 0 }) {
                adjustments.insert(Adjustment(process: process, amounts: amounts),
                                   at: adjustments.firstIndex { $0.process > process } ?? adjustments.endIndex)
            }
        }
    }

    public enum Input: Hashable, Sendable {
        /// `semop`, or `semtimedop` with a `timeout`.
        case semop(process: Int, operations: [Operation], nonblocking: Bool, timeout: Timeout? = nil)
        /// `GETALL`.
        case values(process: Int)
        /// `SETVAL`.
        case setValue(process: Int, number: Int, value: Int)
        /// `GETVAL`.
        case value(process: Int, number: Int)
        /// `SETALL`: one value per semaphore of the set.
        case setValues(process: Int, values: [Int])
        /// `IPC_RMID`.
        case remove(process: Int)
        /// `GETNCNT` (`zero` false) or `GETZCNT`: how many processes sleep waiting on semaphore `number`.
        case waiters(process: Int, number: Int, zero: Bool)
        /// `IPC_STAT`: `sem_nsems`, the set's size.
        case status(process: Int)
        /// `IPC_SET` of the permission bits, the owner (`sem_perm.uid`) and the group (`sem_perm.gid`, which later
        /// checks use; the owner may set any group, one it is not in too: `SystemVGroupFactsTests`), when given.
        case setPermissions(process: Int, mode: Int?, owner: Int?, group: Int? = nil)
        /// `IPC_INFO` (`counts` false) or `SEM_INFO`.
        case info(process: Int, counts: Bool)
        /// `SEM_STAT` (`any` false) or `SEM_STAT_ANY` of the set's own index.
        case statusAtIndex(process: Int, any: Bool)
        /// `GETPID`: the last process to operate on or set semaphore `number`.
        case lastProcess(process: Int, number: Int)
        /// `semget` of the set's key asking for `count` semaphores: `EINVAL` for a count above `semmsl` (32000)
        /// first; while the set exists `EEXIST` with `create` and `exclusive`, `EINVAL` for more semaphores than it
        /// has; once removed `ENOENT` without `create`, `EINVAL` creating 0, else a new set under the key that is
        /// not this object (the worker removes it at once).
        case get(process: Int, count: Int, create: Bool, exclusive: Bool, mode: Int? = nil)
        /// The process exited: its adjustments apply.
        case exit(process: Int)
        /// `fork`: `child` starts with no adjustments of its own (``SystemVSemaphoreModel+Fork``).
        case fork(process: Int, child: Int)
        /// `semctl` with a command it does not have, or `semctl` or `semop` with a negative id: `EINVAL` before
        /// anything else (a `semop` of more than 500 operations `E2BIG`), no effect (``SystemVInvalidCall``).
        case invalid(process: Int, call: SystemVInvalidCall)
    }

    public enum Output: Hashable, Sendable {
        case done
        case values([Int])
        case value(Int)
        /// `IPC_STAT`'s `sem_nsems`, and `sem_perm`'s permission bits, `uid` and `gid` (nil in a recorded status that
        /// left them out, which then matches whatever they are); `times`, `sem_otime` and `sem_ctime` (each nil when
        /// left out), judged by ``State/times``.
        case size(Int, mode: Int? = nil, owner: Int? = nil, group: Int? = nil, times: [Int?] = [nil, nil])
        /// `GETPID`'s process number (0: none of the workers).
        case process(Int)
        /// `IPC_INFO`'s or `SEM_INFO`'s result (the highest set index in use) and the `struct seminfo` fields recorded;
        /// as the model's output, the least index and counts possible and the exact limits.
        case info(index: Int, fields: [String: Int])
        case failed(ErrorCode)
    }

    public let setups: [(name: String, values: [Int])]
    /// Each set's permissions, when not the defaults.
    public let permissions: [String: Permissions]
    /// The sets that do not exist when the trace begins (`"exists": false`): the first `semget` with `IPC_CREAT`
    /// makes the set the trace follows (``SystemVSemaphoreModel+Creation``). Their `values` are empty.
    public let absent: Set<String>
    /// The trace's own IPC namespace, when the header gives it: `kernel.sem`'s limits are then judged (``inUse(_:)``).
    public let namespace: IPCNamespace?

    public init(
        sets: [(name: String, values: [Int])], permissions: [String: Permissions] = [:], absent: Set<String> = [],
        namespace: IPCNamespace? = nil
    ) {
        self.setups = sets
        self.permissions = permissions
        self.absent = absent
        self.namespace = namespace
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        var state = State(values: setups.first { $0.name == object }?.values ?? [])
        state.permissions = permissions[object] ?? Permissions()
        if absent.contains(object) {
            state.created = false
            state.removed = true
        }
        return state
    }

    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        if let creation = creationTransitions(state, input) { return creation }
        var next = state
        switch input {
        case .invalid(_, let call):
            return [Transition(.failed(call.error), state)]
        case .semop(let process, let operations, let nonblocking, let timeout):
            if operations.isEmpty { return [Transition(.failed(.EINVAL), state)] }
            if operations.count > operationsLimit { return [Transition(.failed(.E2BIG), state)] }
            if timeout == .invalid { return [Transition(.failed(.EINVAL), state)] }
            if state.removed {
                let invalid = Transition<State, Output>(.failed(.EINVAL), state)
                return nonblocking ? [invalid] : [invalid, Transition(.failed(.EIDRM), state)]
            }
            // From here on a SEM_UNDO semop has its undo record, whatever it ends with (measured for EFBIG, EAGAIN,
            // ERANGE; EACCES is not measured, so there it is only possible).
            var recorded = state
            recorded.recordUndo(of: process, operations)
            next = recorded
            if operations.contains(where: { $0.number < 0 || $0.number >= state.values.count }) {
                return [Transition(.failed(.EFBIG), recorded)]
            }
            let alters = operations.contains { $0.change != 0 }
            if !state.permissions.allows(process, read: !alters, write: alters) {
                var refused = state
                refused.recordUndo(of: process, operations, certain: false)
                return [Transition(.failed(.EACCES), refused)]
            }
            var adjustment = state.adjustment(of: process)
            for operation in operations {
                let current = next.values[operation.number]
                if operation.change == 0 && current != 0 || current + operation.change < 0 {
                    return nonblocking ? [Transition(.failed(.EAGAIN), recorded)] : []
                }
                if current + operation.change > Self.maximumValue { return [Transition(.failed(.ERANGE), recorded)] }
                if operation.undo {
                    let undo = adjustment[operation.number] - operation.change
                    if undo < -Self.maximumValue - 1 || undo > Self.maximumValue { return [Transition(.failed(.ERANGE), recorded)] }
                    adjustment[operation.number] = undo
                }
                next.values[operation.number] = current + operation.change
                next.lastProcesses[operation.number] = process
            }
            next.setAdjustment(of: process, adjustment)
            next.times.set(0)
            return [Transition(.done, next)]
        case .values(let process):
            if let refused = refusedRead(state, process) { return [refused] }
            return [Transition(.values(state.values), state)]
        case .setValue(let process, let number, let value):
            // The value is checked before the set is looked up.
            if value < 0 || value > Self.maximumValue { return [Transition(.failed(.ERANGE), state)] }
            if state.removed || number < 0 || number >= state.values.count { return [Transition(.failed(.EINVAL), state)] }
            if !state.permissions.allows(process, write: true) { return [Transition(.failed(.EACCES), state)] }
            next.values[number] = value
            next.lastProcesses[number] = process
            next.times.set(1)
            for adjustment in state.adjustments {
                var amounts = adjustment.amounts
                amounts[number] = 0
                next.setAdjustment(of: adjustment.process, amounts)
            }
            return [Transition(.done, next)]
        case .value(let process, let number):
            if let refused = refusedRead(state, process, number: number) { return [refused] }
            return [Transition(.value(state.values[number]), state)]
        case .info(_, let counts):
            var fields = infoLimits
            if counts { (fields["semusz"], fields["semaem"]) = inUse(state) ?? (state.removed ? (0, 0) : (1, state.values.count)) }
            return [Transition(.info(index: 0, fields: fields), state)]
        case .statusAtIndex(_, true):
            if state.removed { return [Transition(.failed(.EINVAL), state)] }
            return [Transition(.size(
                state.values.count, mode: state.permissions.mode, owner: state.permissions.owner, group: state.permissions.group), state)]
        case .status(let process), .statusAtIndex(let process, false):
            if let refused = refusedRead(state, process) { return [refused] }
            return [Transition(.size(
                state.values.count, mode: state.permissions.mode, owner: state.permissions.owner, group: state.permissions.group), state)]
        case .setPermissions(let process, let mode, let owner, let group):
            if state.removed { return [Transition(.failed(.EINVAL), state)] }
            if !state.permissions.isOwner(process) { return [Transition(.failed(.EPERM), state)] }
            if let mode { next.permissions.mode = mode }
            if let owner { next.permissions.owner = owner }
            if let group { next.permissions.group = group }
            next.times.set(1)
            return [Transition(.done, next)]
        case .lastProcess(let process, let number):
            if let refused = refusedRead(state, process, number: number) { return [refused] }
            return [Transition(.process(state.lastProcesses[number]), state)]
        case .get(let process, let count, let create, let exclusive, let mode):
            if count < 0 || count > setSizeLimit { return [Transition(.failed(.EINVAL), state)] }
            if !state.removed {
                if create && exclusive { return [Transition(.failed(ErrorCode("EEXIST")), state)] }
                if count > state.values.count { return [Transition(.failed(.EINVAL), state)] }
                if !state.permissions.allowsAsking(process, mode ?? (create ? 0o600 : 0)) { return [Transition(.failed(.EACCES), state)] }
                return [Transition(.done, state)]
            }
            if !create { return [Transition(.failed(.ENOENT), state)] }
            if count == 0 { return [Transition(.failed(.EINVAL), state)] }
            // A new set (not this object), or semmni/semmns met (ENOSPC), which only the namespace shows.
            var made = state
            made.untracked = true
            return creating(state, made: made, count: count)
        case .waiters(let process, let number, let zero):
            if let refused = refusedRead(state, process, number: number) { return [refused] }
            return [Transition(.value(state.waiters(on: number, zero: zero)), state)]
        case .setValues(let process, let values):
            if state.removed { return [Transition(.failed(.EINVAL), state)] }
            if !state.permissions.allows(process, write: true) { return [Transition(.failed(.EACCES), state)] }
            if values.contains(where: { $0 > Self.maximumValue }) { return [Transition(.failed(.ERANGE), state)] }
            next.values = values
            next.lastProcesses = [Int](repeating: process, count: values.count)
            next.adjustments = []
            next.times.set(1)
            return [Transition(.done, next)]
        case .remove(let process):
            if state.removed { return [Transition(.failed(.EINVAL), state)] }
            if !state.permissions.isOwner(process) { return [Transition(.failed(.EPERM), state)] }
            next.removed = true
            next.adjustments = []
            return [Transition(.done, next)]
        case .fork(let process, let child):
            return forkTransitions(state, process: process, child: child)
        case .exit(let process):
            next.wake(process)
            guard !state.removed else { return [Transition(.done, next)] }
            for (number, amount) in state.adjustment(of: process).enumerated() where amount != 0 {
                next.values[number] = min(max(next.values[number] + amount, 0), Self.maximumValue)
                next.lastProcesses[number] = process
            }
            next.setAdjustment(of: process, [])
            // Its undo record goes: the kernel's update at that exit sets sem_otime, adjustments or not.
            if next.undoRecords.removeOne(process) {
                next.times.set(0)
            } else if next.possibleUndoRecords.removeOne(process) {
                next.times.maySet(0)
            }
            return [Transition(.done, next)]
        }
    }

    /// A reading `semctl`'s refusal: `EINVAL` once removed, `EACCES` without read permission, then `EINVAL` for a
    /// number outside the set; nil when it may read.
    private func refusedRead(_ state: State, _ process: Int, number: Int? = nil) -> Transition<State, Output>? {
        if state.removed { return Transition(.failed(.EINVAL), state) }
        if !state.permissions.allows(process, read: true) { return Transition(.failed(.EACCES), state) }
        if let number, number < 0 || number >= state.values.count { return Transition(.failed(.EINVAL), state) }
        return nil
    }

    /// As ``TransitionModel``'s step, and a blocking `semop` that cannot proceed may also go to sleep (a piece of
    /// effect the waiter counts see); any end of the `semop` takes its process out of the sleepers.
    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        if let unjudged = unjudgedStep(state, input) { return unjudged }
        let transitions = transitions(state, input)
        guard case .semop(let process, let operations, let nonblocking, _) = input else {
            if transitions.isEmpty {
                let wakeUps = wakeUps(of: input)
                return (output.map { wakeUps.contains($0) } ?? !wakeUps.isEmpty) ? [.completed(state)] : []
            }
            return transitions.compactMap { transition in
                guard let output else { return .completed(transition.state) }
                // An IPC_STAT recorded without the mode, the owner or the group matches whatever they are; its times
                // are judged, and then seen, by the state's times.
                if case .size(let count, let mode, let owner, let group, let times) = output,
                    case .size(count, let fullMode, let fullOwner, let fullGroup, _)? = transition.output
                {
                    guard (mode == nil || mode == fullMode) && (owner == nil || owner == fullOwner) && (group == nil || group == fullGroup)
                    else { return nil }
                    return Step.completed(transition.state).observing(times, at: \.times)
                }
                // IPC_INFO and SEM_INFO: the limits exact, the index and SEM_INFO's counts at least the model's.
                if case .info(let index, let fields) = output, case .info(let least, let expected)? = transition.output,
                    case .info(_, let counts) = input
                {
                    let exact = inUse(state) != nil  // the namespace's sets and semaphores in use are known
                    let matches = index >= least && fields.allSatisfy { name, value in
                        guard let model = expected[name] else { return false }
                        return counts && Self.infoCounts.contains(name) && !exact ? value >= model : value == model
                    }
                    return matches ? .completed(transition.state) : nil
                }
                return transition.output == output ? .completed(transition.state) : nil
            }
        }
        guard transitions.isEmpty else {
            return transitions.compactMap { transition in
                guard output == nil || transition.output == output else { return nil }
                var after = transition.state
                after.wake(process)
                return .completed(after)
            }
        }
        var steps: [Step<State>] = []
        let wakeUps = wakeUps(of: input)
        // A semop that cannot proceed has passed every check: a SEM_UNDO one has its undo record.
        var state = state
        state.recordUndo(of: process, operations)
        if output.map({ wakeUps.contains($0) }) ?? !wakeUps.isEmpty {
            var awake = state
            awake.wake(process)
            steps.append(.completed(awake))
        }
        if !nonblocking && !state.sleepers.contains(where: { $0.process == process }) {
            var asleep = state
            asleep.sleepers.append(Sleeper(process: process, operations: operations))
            asleep.sleepers.sort { $0.process < $1.process }
            steps.append(.partial(asleep))
        }
        return steps
    }

    /// A `semop` whose process died in it is no longer asleep.
    public func abandon(_ state: State, _ input: Input) -> State {
        guard case .semop(let process, let operations, _, _) = input else { return state }
        var next = state
        next.wake(process)
        // Whether it reached the kernel's undo allocation before its process died, the trace cannot tell.
        next.recordUndo(of: process, operations, certain: false)
        return next
    }

    /// A blocking `semop` asleep may be interrupted (`EINTR`); a `semtimedop` may also time out (`EAGAIN`).
    public func wakeUps(of input: Input) -> [Output] {
        guard case .semop(_, _, false, let timeout) = input else { return [] }
        return timeout == nil ? [.failed(.EINTR)] : [.failed(.EINTR), .failed(.EAGAIN)]
    }

    public func describe(_ state: State) -> String {
        if !state.created { return "not created yet" }
        if state.unjudged { return "not judged (a SETALL of fewer values than the set has)" }
        if state.removed { return "removed" }
        let adjustments = state.adjustments.map { "process \($0.process) undo \($0.amounts)" }
        let sleepers = state.sleepers.isEmpty ? [] : ["asleep in semop: \(state.sleepers.map(\.process))"]
        let times = zip(Self.timeFields, state.times.text).map { "\($0) \($1)" }.joined(separator: ", ")
        return (["values \(state.values)"] + adjustments + sleepers + [times]).joined(separator: "; ")
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .semop(_, let operations, let nonblocking, let timeout):
            let text = operations.map { "sem \($0.number) \($0.change >= 0 ? "+" : "")\($0.change)\($0.undo ? " SEM_UNDO" : "")" }
            call = "\(timeout == nil ? "semop" : "semtimedop") [\(text.joined(separator: ", "))]\(nonblocking ? " IPC_NOWAIT" : "")"
                + (timeout.map { " \($0.text)" } ?? "")
        case .values: call = "GETALL"
        case .setValue(_, let number, let value): call = "SETVAL sem \(number) = \(value)"
        case .value(_, let number): call = "GETVAL sem \(number)"
        case .waiters(_, let number, let zero): call = "\(zero ? "GETZCNT" : "GETNCNT") sem \(number)"
        case .status: call = "IPC_STAT"
        case .info(_, let counts): call = counts ? "SEM_INFO" : "IPC_INFO"
        case .statusAtIndex(_, let any): call = any ? "SEM_STAT_ANY of its index" : "SEM_STAT of its index"
        case .setPermissions(_, let mode, let owner, let group):
            call = "IPC_SET" + (mode.map { " mode 0\(String($0, radix: 8))" } ?? "") + (owner.map { " uid \($0)" } ?? "")
                + (group.map { " gid \($0)" } ?? "")
        case .lastProcess(_, let number): call = "GETPID sem \(number)"
        case .get(_, let count, let create, let exclusive, let mode):
            call = "semget \(count)" + (mode.map { " 0\(String($0, radix: 8))" } ?? "") + (create ? (exclusive ? " IPC_CREAT|IPC_EXCL" : " IPC_CREAT") : "")
        case .setValues(_, let values): call = "SETALL \(values)"
        case .invalid(_, let invalid): call = invalid.summary
        case .remove: call = "IPC_RMID"
        case .exit: call = "exit (undo adjustments apply)"
        case .fork(_, let child): call = "fork (child: process \(child))"
        }
        let result = output.described { output in
            switch output {
            case .done: "ok"
            case .values(let values): "\(values)"
            case .value(let value): "\(value)"
            case .size(let count, let mode, let owner, let group, let times):
                "\(count) semaphores" + (mode.map { ", mode 0\(String($0, radix: 8))" } ?? "") + (owner.map { ", owner \($0)" } ?? "")
                    + (group.map { ", group \($0)" } ?? "")
                    + zip(Self.timeFields, times).compactMap { name, time in time.map { ", \(name) \($0)" } }.joined()
            case .process(let process): process == 0 ? "no worker" : "process \(process)"
            case .info(let index, let fields): "\(index) " + fields.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
            case .failed(let code): code.rawValue
            }
        }
        return "\(call) → \(result)"
    }
}

// Trace form (documented in traces/README.md):
//   semop {"ops": [{"num": INT, "op": INT, "undo": BOOL?}], "nonblocking": BOOL?, "timeout": MS | "invalid"?}
//   (EAGAIN, ERANGE, EFBIG, E2BIG, EINVAL, EIDRM; blocking: EINTR); getval {"num": INT} → {"value": INT} (EINVAL);
//   setall {"values": [INT]} (ERANGE, EINVAL); getall → {"values": [INT]}; setval {"num": INT, "value": INT}; remove;
//   getncnt, getzcnt {"num": INT} → {"value": INT} (EINVAL); stat → {"semaphores": INT, "mode": "0600"?, "owner": UID?,
//   "group": GID?, "operationTime": S?, "changeTime": S?} (sem_otime, sem_ctime in seconds; EINVAL);
//   getpid {"num": INT} → {"process": INT, 0 for none of the workers} (EINVAL).
//   fork {"child": N}: the process forks; the child N starts with no undo adjustments (SystemVSemaphoreModel+Fork).
//   control {"command": INT} (semctl with a command it does not have: EINVAL); "id": a negative INT beside the fields
//   of any call but get: that call made with a negative id (EINVAL; a semop of more than 500 operations E2BIG).
// params: {"objects": {"v0": {"values": [1, 0], "mode", "owner", "group", "users" (Permissions)}}}; or
//   {"v0": {"exists": false, "users"?}}: no set yet, the first semget with IPC_CREAT makes it (SystemVSemaphoreModel+Creation);
//   "ipcNamespace": {"sets": K, "semaphores": S, "semmsl", "semmns", "semopm", "semmni"?}? beside "objects" (the trace's
//   own IPC namespace, one object: kernel.sem's limits judged; SystemVSemaphoreModel+Namespace.swift).
extension SystemVSemaphoreModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        var sets: [(name: String, values: [Int])] = []
        var permissions: [String: Permissions] = [:]
        var absent: Set<String> = []
        for (name, setup) in try ModelParameters.objects(parameters, model: Self.name) {
            let access = try Permissions(setup: setup)
            if access != Permissions() { permissions[name] = access }
            if try setup.optional("exists")?.boolean("exists") == false {
                try Self.refuseSetupOfAbsentSet(name, setup)
                sets.append((name, []))
                absent.insert(name)
                continue
            }
            let values = try setup.required("values").integers("values", in: 0...Self.maximumValue)
            guard !values.isEmpty else { throw ModelError("semaphore set '\(name)' needs at least one value") }
            sets.append((name, values))
        }
        self.init(
            sets: sets, permissions: permissions, absent: absent,
            namespace: try IPCNamespace.parse(parameters, model: Self.name, objects: sets.count, fields: Self.namespaceFields))
    }

    public var parameters: JSONValue {
        namespace.json(adding: ModelParameters.json(setups.map { name, values in
            let start: [(String, JSONValue)] = absent.contains(name) ? [("exists", false)] : [("values", .ints(values))]
            return (name, .object(JSONObject(start + (permissions[name]?.json ?? []))))
        }))
    }

    /// `semctl`'s commands: `IPC_RMID`, `IPC_SET`, `IPC_STAT`, `IPC_INFO`, `GETPID` … `SETALL` (11–17), `SEM_STAT`,
    /// `SEM_INFO`, `SEM_STAT_ANY`.
    public static let controlCommands: Set<Int> = SystemVInvalidCall.commonCommands.union(11...20)

    public func input(from call: Call) throws(ModelError) -> Input {
        if let invalid = try SystemVInvalidCall.parse(
            call, commands: Self.controlCommands,
            idCalls: ["semop", "getall", "setval", "remove", "getval", "stat", "info", "set", "getpid", "getncnt", "getzcnt", "setall"],
            operationsLimit: operationsLimit) {
            return .invalid(process: call.process, call: invalid)
        }
        switch call.f {
        case "fork": return .fork(process: call.process, child: try call.forkedChild())
        case "semop":
            let operations = try call.value.required("ops").elements("ops").map { (element) throws(ModelError) -> Operation in
                let operation: JSONValue? = element
                return Operation(
                    number: try operation.required("num").integer("num", in: -32768...65535),
                    change: try operation.required("op").integer("op", in: -32768...32767),
                    undo: try operation.optional("undo")?.boolean("undo") ?? false)
            }
            return .semop(
                process: call.process, operations: operations,
                nonblocking: try call.value.optional("nonblocking")?.boolean("nonblocking") ?? false,
                timeout: try Timeout.field(of: call.value))
        case "getall": return .values(process: call.process)
        case "setval":
            return .setValue(
                process: call.process, number: try call.value.required("num").integer("num", in: Int(Int32.min)...Int(Int32.max)),
                value: try call.value.required("value").integer("value", in: Int(Int32.min)...Int(Int32.max)))
        case "remove": return .remove(process: call.process)
        case "getval": return .value(process: call.process, number: try call.value.required("num").integer("num", in: Int(Int32.min)...Int(Int32.max)))
        case "stat":
            guard let any = try SystemVCommand.statAtIndex(call.value, prefix: "SEM") else { return .status(process: call.process) }
            return .statusAtIndex(process: call.process, any: any)
        case "info":
            return .info(process: call.process, counts: try SystemVCommand.infoCounts(call.value, prefix: "SEM"))
        case "set":
            return .setPermissions(process: call.process, mode: try Permissions.mode(in: call.value), owner: try call.value.optional("owner")?.integer("owner"),
                group: try call.value.optional("group")?.integer("group"))
        case "getpid": return .lastProcess(process: call.process, number: try call.value.required("num").integer("num", in: Int(Int32.min)...Int(Int32.max)))
        case "get":
            return .get(
                process: call.process, count: try call.value.required("count").integer("count", in: Int(Int32.min)...Int(Int32.max)),
                create: try call.value.optional("create")?.boolean("create") ?? false,
                exclusive: try call.value.optional("exclusive")?.boolean("exclusive") ?? false, mode: try Permissions.mode(in: call.value))
        case "getncnt", "getzcnt":
            return .waiters(
                process: call.process, number: try call.value.required("num").integer("num", in: Int(Int32.min)...Int(Int32.max)), zero: call.f == "getzcnt")
        case "setall":
            let values = try call.value.required("values").integers("values", in: 0...65535)
            let size = setups.first { $0.name == call.object }?.values.count
            // A set made during the trace: its size is the creating semget's (judged then).
            guard values.count == size || absent.contains(call.object) && !values.isEmpty else {
                throw ModelError("setall on \(call.object) needs one value per semaphore (\(size ?? 0)), not \(values.count)")
            }
            return .setValues(process: call.process, values: values)
        default:
            throw ModelError("the sysv-sem model has no operation '\(call.f)' (it has semop, getall, getval, getncnt, getzcnt, getpid, stat, info, set, get, setall, setval, remove, control and fork)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok(let value), .values): return .values(try value.required("values").integers("values"))
        case (.ok(let value), .value), (.ok(let value), .waiters): return .value(try value.required("value").integer("value"))
        case (.ok(let value), .info):
            var fields: [String: Int] = [:]
            for name in Self.infoLimits.keys { if let field = try value.optional(name) { fields[name] = try field.integer(name) } }
            return .info(index: try value.required("index").integer("index", in: Int.min...Int.max), fields: fields)
        case (.ok(let value), .status), (.ok(let value), .statusAtIndex):
            return .size(
                try value.required("semaphores").integer("semaphores"), mode: try Permissions.mode(in: value),
                owner: try value.optional("owner")?.integer("owner"), group: try value.optional("group")?.integer("group"),
                times: try Self.timeFields.map { (name) throws(ModelError) in try value.optional(name)?.integer(name) })
        case (.ok(let value), .lastProcess): return .process(try value.required("process").integer("process"))
        case (.ok, _): return .done
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .semop(_, let operations, let nonblocking, let timeout):
            var value: JSONObject = ["ops": .array(operations.map { operation in
                var entry: JSONObject = ["num": .int(operation.number), "op": .int(operation.change)]
                if operation.undo { entry["undo"] = true }
                return .object(entry)
            })]
            if nonblocking { value["nonblocking"] = true }
            if let timeout { value["timeout"] = timeout.json }
            return ("semop", .object(value))
        case .values: return ("getall", nil)
        case .setValue(_, let number, let value): return ("setval", ["num": .int(number), "value": .int(value)])
        case .remove: return ("remove", nil)
        case .value(_, let number): return ("getval", ["num": .int(number)])
        case .waiters(_, let number, let zero): return (zero ? "getzcnt" : "getncnt", ["num": .int(number)])
        case .status: return ("stat", nil)
        case .statusAtIndex(_, let any): return ("stat", ["command": any ? "SEM_STAT_ANY" : "SEM_STAT"])
        case .info(_, let counts): return ("info", ["command": counts ? "SEM_INFO" : "IPC_INFO"])
        case .setPermissions(_, let mode, let owner, let group):
            var value = JSONObject()
            if let mode { value["mode"] = Permissions.text(ofMode: mode) }
            if let owner { value["owner"] = .int(owner) }
            if let group { value["group"] = .int(group) }
            return ("set", .object(value))
        case .lastProcess(_, let number): return ("getpid", ["num": .int(number)])
        case .get(_, let count, let create, let exclusive, let mode):
            var value: JSONObject = ["count": .int(count)]
            if create { value["create"] = true }
            if exclusive { value["exclusive"] = true }
            if let mode { value["mode"] = Permissions.text(ofMode: mode) }
            return ("get", .object(value))
        case .setValues(_, let values): return ("setall", ["values": .ints(values)])
        case .exit: return ("exit", nil)
        case .fork(_, let child): return ("fork", ["child": .int(child)])
        case .invalid(_, let invalid): return (invalid.f, invalid.value)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .done: .ok(nil)
        case .values(let values): .ok(["values": .ints(values)])
        case .value(let value): .ok(["value": .int(value)])
        case .size(let count, let mode, let owner, let group, let times):
            .ok(.object(JSONObject([("semaphores", .int(count))] + (mode.map { [("mode", Permissions.text(ofMode: $0))] } ?? [])
                + (owner.map { [("owner", JSONValue.int($0))] } ?? []) + (group.map { [("group", JSONValue.int($0))] } ?? [])
                + zip(Self.timeFields, times).compactMap { name, time in time.map { (name, JSONValue.int($0)) } })))
        case .process(let process): .ok(["process": .int(process)])
        case .info(let index, let fields):
            .ok(.object(JSONObject([("index", .int(index))] + fields.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int($0.value)) })))
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? { .exit(process: process) }
}
