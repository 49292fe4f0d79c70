/// A POSIX semaphore, named (`sem_open`) or unnamed in shared memory (`sem_init`, pshared 1 unless told 0).
///
/// What it allows, and why (each fact is a test on the real kernel and glibc):
/// - `wait` takes a unit, sleeping while the value is 0 (`EAGAIN` with `sem_trywait`); `post` adds one and fails
///   `EOVERFLOW` at `SEM_VALUE_MAX` (2^31 − 1); `getvalue` reads 0, never a negative count, while processes wait.
/// - It has no owner: a process that dies after a wait never posts, and the unit is *lost* — nothing gives it
///   back. The model allows it (a process's exit leaves the value alone) and counts the units each process took
///   and did not give back, so a report can name the hazard (`lostUnits`).
/// - A named semaphore outlives every process until `sem_unlink`; after it, processes that have it open keep
///   using it and `sem_open` fails `ENOENT`; a second unlink fails `ENOENT`.
/// - A wait asleep that a handled signal interrupts fails `EINTR` with no effect. With `SA_RESTART` glibc restarts
///   `sem_wait` but not `sem_timedwait` (`SemaphoreInterruptionFactsTests`); the trace does not say how handlers
///   were installed, so the model allows `EINTR` for any wait asleep. `sem_trywait` never sleeps: never `EINTR`.
/// - `sem_timedwait` (a `timeout`) ends asleep with `ETIMEDOUT`; an invalid timeout fails `EINVAL` even when the
///   value is positive (glibc 2.36 checks it first), and a timeout already past still takes an available unit.
/// - `sem_open` with `O_CREAT` (`SemaphoreCreationFactsTests`; glibc 2.36): with `O_EXCL` a value above
///   `SEM_VALUE_MAX` fails `EINVAL` first, then an existing name `EEXIST`; without it an existing semaphore is opened
///   whatever the value asked for, and only a new one's value is checked. Once the name is unlinked a create makes a
///   new semaphore, which is not this object (the worker closes and unlinks it at once).
/// - `sem_close` of a named semaphore gives up one of the process's handles. glibc maps a named semaphore once per
///   process and counts its `sem_open`s (a second `sem_open` returns the same address): each holder starts with the
///   one the driver opened, each successful `open` of this semaphore adds one, and only the last `sem_close` unmaps
///   it — until then the others keep working, and a later `sem_open` finds the semaphore with its value
///   (`SemaphoreCloseFactsTests`). A `sem_close` with none left is given an address glibc no longer knows (`EINVAL`,
///   measured) — or one a later `sem_open` of another semaphore reused, which it then closes: both are allowed. A
///   `wait`, `post` or `getvalue` with none left is undefined behaviour (the mapping is gone); the worker never
///   performs it (``PosixSemaphoreModel+Close``).
/// - `sem_clockwait` (a `timeout` and a `clock`) is `sem_timedwait` on `CLOCK_MONOTONIC` or `CLOCK_REALTIME`; any
///   other clock fails `EINVAL` first, even when the value is positive (`TimedWaitFactsTests`).
/// - An unnamed semaphore's `sem_init` during the run sets the value (`EINVAL` above `SEM_VALUE_MAX` first, changing
///   nothing) and `sem_destroy` returns 0 and changes nothing, with sleepers too; with `pshared` 0 a post wakes no
///   sleeper of another process. What glibc loses there are wake-ups only, never counts
///   (``PosixSemaphoreModel+Initialization``, `SemaphoreInitFactsTests`).
public struct PosixSemaphoreModel: TransitionModel, TraceModel {
    public static let name = "posix-sem"
    /// `SEM_VALUE_MAX`.
    public static let maximumValue = Int(Int32.max)

    public struct Setup: Hashable, Sendable {
        public var value: Int
        public var named: Bool
        /// Who may open a named semaphore (read and write: `EACCES`) and unlink its name.
        public var permissions: Permissions
        /// An unnamed semaphore's `pshared`: the driver's `sem_init` shares it between processes unless told not to.
        public var shared: Bool
        /// An unnamed semaphore in the process's private memory (a global, the stack, `MAP_PRIVATE`) rather than in
        /// shared memory: a `fork` gives the child a copy of its own (``PosixSemaphoreModel+Fork``).
        public var privateMemory: Bool
        /// False: the name does not exist when the trace begins, and no process holds a handle; the first `open`
        /// with `create` makes the semaphore the trace follows (``PosixSemaphoreModel+Creation``). Named only.
        public var exists = true
        /// The creators' umasks (022 unless given), for a semaphore an `open` makes.
        public var umask: Umasks = 0o022

        public init(value: Int, named: Bool, permissions: Permissions = Permissions(), shared: Bool = true, privateMemory: Bool = false) {
            self.value = value
            self.named = named
            self.permissions = permissions
            self.shared = shared
            self.privateMemory = privateMemory
        }
    }

    public struct State: Hashable, Sendable {
        public var value: Int
        public var unlinked = false
        /// One entry per unit a process took with a wait and has not posted back, sorted.
        public var taken: [Int] = []
        /// Units taken by processes that died without posting them back.
        public var lostUnits = 0
        public var permissions = Permissions()
        /// One entry per handle a process opened beyond the one the driver gave it (successful `open`s), sorted.
        public var extraHandles: [Int] = []
        /// The processes that have closed the handle the driver gave it, sorted.
        public var closedHandles: [Int] = []
        /// An unnamed semaphore's `pshared` as its last `sem_init` set it. It changes no outcome the model judges:
        /// with 0 glibc wakes sleepers with a private futex, so a post never wakes a sleeper of another process
        /// (``PosixSemaphoreModel+Initialization``) — a wait that never returns, which a history always allows.
        public var shared = true
        /// Whether a `sem_init` during the run succeeded: glibc then forgets whoever slept on the semaphore.
        public var initialised = false
        /// The values of the copies forked children hold of an unnamed semaphore in private memory, by process: each
        /// child's calls reach its copy only (``PosixSemaphoreModel+Fork``).
        public var copies: [Int: Int] = [:]
        /// Whether the semaphore lies in private memory (the setup's `privateMemory`): a `fork` copies it.
        public var privateMemory = false
        /// False until an `open` with `create` makes the semaphore (a setup with `exists` false).
        public var created = true
        /// Whether each process starts with a handle the driver opened (false when the name did not exist).
        public var driverHandles = true
        /// The processes' umasks (the setup's, as `umask` calls changed them).
        public var umask: Umasks = 0o022
    }

    public enum Input: Hashable, Sendable {
        /// `sem_wait`; `sem_trywait` when `nonblocking`; `sem_timedwait` with a `timeout`, `sem_clockwait` with a
        /// `timeout` and a `clock`.
        case wait(process: Int, nonblocking: Bool, timeout: Timeout? = nil, clock: WaitClock? = nil)
        case post(process: Int)
        case getValue(process: Int)
        /// `sem_open` of the name (named semaphores only); with `creation`, `O_CREAT` (and `O_EXCL`) and a value.
        case open(process: Int, creation: Creation? = nil)
        case unlink(process: Int)
        /// `sem_close` of one of the process's handles of the named semaphore.
        case close(process: Int)
        /// `sem_open` (`open` true) or `sem_unlink` of a name glibc refuses (a slash after the first, empty, longer
        /// than `NAME_MAX`): `EINVAL` from `sem_open`, `ENOENT` from `sem_unlink`; or of one of `NAME_MAX` characters
        /// (`nameMax`), which glibc takes and the kernel refuses once `sem.` is put before it: `ENAMETOOLONG` from both.
        case refusedName(process: Int, open: Bool, name: RefusedName)
        /// `sem_init` of the unnamed semaphore during the run: `value`, and `pshared` (`shared`).
        case initialize(process: Int, value: Int, shared: Bool)
        /// `sem_destroy` of the unnamed semaphore.
        case destroy(process: Int)
        /// Not a call: `process` was found asleep in a blocking wait when the real-mode driver killed it
        /// (``sleeperObservation(_:process:)``).
        case asleep(process: Int)
        case exit(process: Int)
        /// `fork`: `child` starts with its parent's handles of a named semaphore, or reaches an unnamed one in shared
        /// memory, or gets a copy of one in private memory (``PosixSemaphoreModel+Fork``).
        case fork(process: Int, child: Int)
        /// `umask(2)`: the process's file mode creation mask becomes `mask`'s low nine bits (``Umasks``).
        case umask(process: Int, mask: Int)
    }

    /// `sem_open` with `O_CREAT`: `O_EXCL`, the value asked for, and the mode (0600 unless given).
    public struct Creation: Hashable, Sendable {
        public var exclusive: Bool
        public var value: Int
        public var mode: Int?

        public init(exclusive: Bool, value: Int, mode: Int? = nil) {
            self.exclusive = exclusive
            self.value = value
            self.mode = mode
        }
    }

    public enum Output: PlainOutcomes {
        case done
        case value(Int)
        /// `umask`'s result: the mask before the call.
        case oldUmask(Int)
        case failed(ErrorCode)
    }

    public let setups: [(name: String, setup: Setup)]

    public init(semaphores: [(name: String, setup: Setup)]) {
        self.setups = semaphores
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        let setup = setups.first { $0.name == object }?.setup
        var state = State(value: setup?.value ?? 0)
        state.permissions = setup?.permissions ?? Permissions()
        state.shared = setup?.shared ?? true
        state.privateMemory = setup?.privateMemory ?? false
        state.umask = setup?.umask ?? 0o022
        if setup?.exists == false {
            state.created = false
            state.driverHandles = false
        }
        return state
    }

    /// Every call's outcomes; an `open` may also fail `EMFILE` (``DescriptorTable/withExhaustion(_:of:in:)``).
    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        if let copied = copyTransitions(state, input) { return copied }
        if !state.created, let creation = creationTransitions(state, input) {
            guard case .open = input else { return creation }
            return DescriptorTable.withExhaustion(creation, in: state)
        }
        guard case .open = input else { return callTransitions(state, input) }
        return DescriptorTable.withExhaustion(callTransitions(state, input), in: state)
    }

    func callTransitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        var next = state
        switch input {
        case .wait(let process, let nonblocking, let timeout, let clock):
            if timeout == .invalid || clock == .unsupported { return [Transition(.failed(.EINVAL), state)] }
            guard state.value > 0 else { return nonblocking ? [Transition(.failed(.EAGAIN), state)] : [] }
            next.value -= 1
            next.taken.insertSorted(process)
            return [Transition(.done, next)]
        case .post(let process):
            if state.value >= Self.maximumValue { return [Transition(.failed(.EOVERFLOW), state)] }
            next.value += 1
            _ = next.taken.removeOne(process)
            return [Transition(.done, next)]
        case .getValue:
            return [Transition(.value(state.value), state)]
        case .open(let process, let creation):
            // sem_open opens an existing semaphore's file for reading and writing.
            let refused = !state.unlinked && !state.permissions.allows(process, read: true, write: true)
            guard let creation else {
                if state.unlinked { return [Transition(.failed(.ENOENT), state)] }
                if refused { return [Transition(.failed(.EACCES), state)] }
                return [Transition(.done, Self.opening(state, by: process))]
            }
            let tooLarge = creation.value < 0 || creation.value > Self.maximumValue
            if creation.exclusive {
                if tooLarge { return [Transition(.failed(.EINVAL), state)] }
                return [Transition(state.unlinked ? .done : .failed(ErrorCode("EEXIST")), state)]
            }
            // An existing semaphore is opened whatever the value; a new one (not this object) is checked.
            if refused { return [Transition(.failed(.EACCES), state)] }
            if state.unlinked { return [Transition(tooLarge ? .failed(.EINVAL) : .done, state)] }
            return [Transition(.done, Self.opening(state, by: process))]
        case .close(let process):
            return closeTransitions(state, process: process)
        case .refusedName(_, let open, let name):
            if name == .nameMax { return [Transition(.failed(ErrorCode("ENAMETOOLONG")), state)] }
            return [Transition(.failed(open ? .EINVAL : .ENOENT), state)]
        case .initialize(_, let value, let shared):
            return initializeTransitions(state, value: value, shared: shared)
        case .destroy:
            return destroyTransitions(state)
        case .asleep:
            return sleeperTransitions(state)
        case .unlink(let process):
            if state.unlinked { return [Transition(.failed(.ENOENT), state)] }
            if !state.permissions.isOwner(process) { return [Transition(.failed(.EACCES), state)] }
            next.unlinked = true
            return [Transition(.done, next)]
        case .fork(let process, let child):
            return forkTransitions(state, process: process, child: child)
        case .umask(let process, let mask):
            let old = next.umask.set(process, to: mask)
            return [Transition(.oldUmask(old), next)]
        case .exit(let process):
            next.copies[process] = nil
            let before = next.taken.count
            next.taken.removeAll { $0 == process }
            next.lostUnits += before - next.taken.count
            next.extraHandles.removeAll { $0 == process }
            next.closedHandles.removeAll { $0 == process }
            return [Transition(.done, next)]
        }
    }

    /// A blocking wait asleep may be interrupted (`EINTR`); a timed one may also time out (`ETIMEDOUT`).
    public func wakeUps(of input: Input) -> [Output] {
        guard case .wait(_, false, let timeout, _) = input else { return [] }
        return timeout == nil ? [.failed(.EINTR)] : [.failed(.EINTR), .failed(.ETIMEDOUT)]
    }

    public func describe(_ state: State) -> String {
        if !state.created { return "not created yet" }
        var parts = ["value \(state.value)"]
        if !state.taken.isEmpty { parts.append("units taken by \(state.taken)") }
        if state.lostUnits > 0 { parts.append("\(state.lostUnits) lost with processes that died holding them") }
        if state.unlinked { parts.append("unlinked") }
        if !state.extraHandles.isEmpty { parts.append("more handles opened by \(state.extraHandles)") }
        if !state.closedHandles.isEmpty { parts.append("the driver's handle closed by \(state.closedHandles)") }
        if !state.shared { parts.append("pshared 0: a post wakes no sleeper of another process") }
        return parts.joined(separator: "; ")
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .wait(_, let nonblocking, let timeout, let clock):
            call = nonblocking ? "sem_trywait"
                : clock.map { clock in "sem_clockwait (\(clock.rawValue) clock, \(timeout?.text ?? "no timeout"))" }
                ?? timeout.map { "sem_timedwait (\($0.text))" } ?? "sem_wait"
        case .post: call = "sem_post"
        case .getValue: call = "sem_getvalue"
        case .open(_, let creation):
            call = "sem_open" + (creation.map { " O_CREAT\($0.exclusive ? "|O_EXCL" : "") value \($0.value)" + ($0.mode.map { " mode 0\(String($0, radix: 8))" } ?? "") } ?? "")
        case .unlink: call = "sem_unlink"
        case .close: call = "sem_close"
        case .refusedName(_, let open, let name): call = "\(open ? "sem_open" : "sem_unlink") of a name \(name.rawValue)"
        case .initialize(_, let value, let shared): call = "sem_init pshared \(shared ? 1 : 0) value \(value)"
        case .destroy: call = "sem_destroy"
        case .asleep: call = "asleep in a wait when killed (so the value was 0)"
        case .exit: call = "exit"
        case .fork(_, let child): call = "fork (child: process \(child))"
        case .umask(_, let mask): call = "umask 0\(String(mask, radix: 8))"
        }
        let result = output.described { output in
            switch output {
            case .done: "ok"
            case .value(let value): "\(value)"
            case .oldUmask(let old): "was 0\(String(old, radix: 8))"
            case .failed(let code): code.rawValue
            }
        }
        return "\(call) → \(result)"
    }
}

// Trace form (documented in traces/README.md):
//   wait {"nonblocking": BOOL?, "timeout": MS | "invalid"?, "clock": "monotonic" | "realtime" | "unsupported"?}
//   (EAGAIN; blocking: EINTR; timed: ETIMEDOUT, EINVAL; a clock makes it sem_clockwait and needs a timeout), post (EOVERFLOW), getvalue → {"value": INT}; named only: open, unlink
//   (ENOENT), close (EINVAL with no handle left); unnamed only: init {"value": N, "pshared": BOOL?} (EINVAL above
//   2^31 - 1), destroy.
//   fork {"child": N}: the process forks (PosixSemaphoreModel+Fork.swift).
//   umask {"umask": "0077"} → {"old": "0022"}: the process's mask for its later creates (Models/Support/Umasks.swift;
//   a trace with one semaphore only). open's "mode" takes up to 07777 (PosixSemaphoreModel+Creation.swift).
// params: {"objects": {"s0": {"value": 1, "named": true}}}; an unnamed one may say "pshared": false, and
//   "privateMemory": true (it lies in the process's private memory, so a fork copies it); a named one "exists": false
//   (no "value": the name does not exist yet, the first open with "create" makes it; "umask": "0022"? or per process {"1": "0022", "2": "0077"}).
extension PosixSemaphoreModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        var semaphores: [(name: String, setup: Setup)] = []
        for (name, setup) in try ModelParameters.objects(parameters, model: Self.name) {
            if try setup.optional("exists")?.boolean("exists") == false {
                semaphores.append((name, try Self.absentSetup(name, setup)))
                continue
            }
            semaphores.append((name, Setup(
                value: try setup.required("value").integer("value", in: 0...Self.maximumValue),
                named: try setup.optional("named")?.boolean("named") ?? false, permissions: try Permissions(setup: setup),
                shared: try setup.optional("pshared")?.boolean("pshared") ?? true,
                privateMemory: try setup.optional("privateMemory")?.boolean("privateMemory") ?? false)))
        }
        self.init(semaphores: semaphores)
    }

    public var parameters: JSONValue {
        ModelParameters.json(setups.map { name, setup in
            if !setup.exists { return (name, Self.absentParameters(setup)) }
            return (name, .object(JSONObject(
                [("value", .int(setup.value)), ("named", .bool(setup.named))] + (setup.shared ? [] : [("pshared", false)])
                    + (setup.privateMemory ? [("privateMemory", true)] : [])
                    + setup.permissions.json)))
        })
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        switch call.f {
        case "wait":
            let timeout = try Timeout.field(of: call.value)
            let clock = try WaitClock.field(of: call.value)
            if clock != nil && timeout == nil { throw ModelError("a 'clock' (sem_clockwait) needs a 'timeout'") }
            return .wait(
                process: call.process, nonblocking: try call.value.optional("nonblocking")?.boolean("nonblocking") ?? false,
                timeout: timeout, clock: clock)
        case "post": return .post(process: call.process)
        case "fork": return .fork(process: call.process, child: try call.forkedChild())
        case "umask":
            return .umask(process: call.process, mask: try Umasks.argument(of: call.value, model: Self.name, objects: setups.count))
        case "getvalue": return .getValue(process: call.process)
        case "close":
            guard setups.first(where: { $0.name == call.object })?.setup.named == true else {
                throw ModelError("'close' (sem_close) needs a named semaphore, and \(call.object) is unnamed ('destroy' is its sem_destroy)")
            }
            return .close(process: call.process)
        case "init", "destroy":
            guard setups.first(where: { $0.name == call.object })?.setup.named == false else {
                throw ModelError("'\(call.f)' (sem_\(call.f)) needs an unnamed semaphore, and \(call.object) is named or unknown")
            }
            guard call.f == "init" else { return .destroy(process: call.process) }
            return .initialize(
                process: call.process, value: try call.value.required("value").integer("value", in: 0...Int(UInt32.max)),
                shared: try call.value.optional("pshared")?.boolean("pshared") ?? true)
        case "open", "unlink":
            guard setups.first(where: { $0.name == call.object })?.setup.named == true else {
                throw ModelError("'\(call.f)' needs a named semaphore, and \(call.object) is unnamed")
            }
            if let name = try RefusedName.field(of: call.value, allowed: [.withSlash, .empty, .tooLong, .overNameMax, .nameMax]) {
                return .refusedName(process: call.process, open: call.f == "open", name: name)
            }
            guard call.f == "open" else { return .unlink(process: call.process) }
            // A plain open carries no value (or null).
            if case .null? = call.value { return .open(process: call.process) }
            guard try call.value.optional("create")?.boolean("create") == true else { return .open(process: call.process) }
            return .open(process: call.process, creation: Creation(
                exclusive: try call.value.optional("exclusive")?.boolean("exclusive") ?? false,
                value: try call.value.required("value").integer("value", in: 0...Int(UInt32.max)), mode: try Permissions.mode(in: call.value, upTo: 0o7777)))
        default:
            throw ModelError("the posix-sem model has no operation '\(call.f)' (it has wait, post, getvalue, open, unlink, close, init, destroy, fork and umask)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok(let value), .getValue): return .value(try value.required("value").integer("value"))
        case (.ok(let value), .umask): return .oldUmask(try Umasks.old(in: value))
        case (.ok, _): return .done
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .wait(_, let nonblocking, let timeout, let clock): ("wait", Self.waitValue(nonblocking: nonblocking, timeout: timeout, clock: clock))
        case .post: ("post", nil)
        case .getValue: ("getvalue", nil)
        case .open(_, let creation):
            ("open", creation.map { creation in
                var value: JSONObject = ["create": true, "exclusive": .bool(creation.exclusive), "value": .int(creation.value)]
                if let mode = creation.mode { value["mode"] = Permissions.text(ofMode: mode) }
                return .object(value)
            })
        case .unlink: ("unlink", nil)
        case .close: ("close", nil)
        case .refusedName(_, let open, let name): (open ? "open" : "unlink", ["name": .string(name.rawValue)])
        case .initialize(_, let value, let shared): ("init", ["value": .int(value), "pshared": .bool(shared)])
        case .destroy: ("destroy", nil)
        case .asleep: ("asleep", nil)
        case .exit: ("exit", nil)
        case .fork(_, let child): ("fork", ["child": .int(child)])
        case .umask(_, let mask): ("umask", Umasks.argumentJSON(mask))
        }
    }

    static func waitValue(nonblocking: Bool, timeout: Timeout?, clock: WaitClock?) -> JSONValue? {
        var value = JSONObject()
        if nonblocking { value["nonblocking"] = true }
        if let timeout { value["timeout"] = timeout.json }
        if let clock { value["clock"] = clock.json }
        return value.count == 0 ? nil : .object(value)
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .done: .ok(nil)
        case .value(let value): .ok(["value": .int(value)])
        case .oldUmask(let old): .ok(Umasks.oldJSON(old))
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? { .exit(process: process) }
}
