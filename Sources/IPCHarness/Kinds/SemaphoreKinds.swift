import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// The page of shared memory the driver initialises an unnamed semaphore, a mutex or an ack queue in, and hands
/// to each holder (a `memfd`).
public enum SharedObjectMemory {
    public static let size = 4096
}

/// A POSIX semaphore (model `posix-sem`): named (parameter `named`, a fresh name, `sem_open` while setting up) or
/// unnamed (`sem_init` in a page of shared memory each holder maps: pshared 1, or 0 with `"pshared": false`);
/// parameter `value`. The workers make an unnamed one's `sem_init` and `sem_destroy` too (`init`, `destroy`).
///
/// `client.sem-close-unmaps-all` is a user with a plausible wrong belief about glibc: that `sem_close` unmaps the
/// process's semaphore whatever it opened, so after its first close any further one is an error — it reports
/// `EINVAL` without making the call. glibc counts the opens: the later close succeeds while handles remain.
///
/// `client.libc-sem-wait-any-return` and `client.libc-sem-wait-retrying` make their blocking waits with `Glibc.sem_wait`
/// straight to libc, past the harness's wrappers, so injected faults reach them only through the worker's interposer:
/// the first takes any return for a unit (an interrupted wait too), the second retries `EINTR`.
///
/// `client.sem-pool-pshared0` sets up a pool shared by several processes with `sem_init(pshared = 0)` (the
/// argument copied from threaded code) though its protocol (the trace) says pshared 1: glibc then wakes sleepers
/// through a private futex, so a post never wakes another process's sleeper.
public enum PosixSemaphoreKind: MechanismKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``).
    public static let parameterNames: Set<String>? = ["value", "named", "pshared", "exists"]
    public typealias Model = PosixSemaphoreModel

    public static let implementations = [
        "kernel.posix-sem", "client.sem-close-unmaps-all", "client.libc-sem-wait-any-return", "client.libc-sem-wait-retrying",
        "client.sem-pool-pshared0",
    ]

    /// `sem_getvalue`: what a killed process's wait or post left.
    public static let resolutionProbe: ResolutionProbe? = ResolutionProbe(f: "getvalue", role: nil)

    public static func model(for workload: Workload) -> PosixSemaphoreModel {
        PosixSemaphoreModel(semaphores: workload.objects.filter { $0.kind == name }.map { object in
            (object.name, PosixSemaphoreModel.Setup(
                value: object.integer("value") ?? 0, named: object.parameters["named"] == .bool(true),
                shared: object.parameters["pshared"] != .bool(false)))
        })
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        try refuseAbsent(object)
        let value = object.integer("value") ?? 0
        if object.parameters["named"] == .bool(true) {
            let name = objects.namespace.posixName(object.name)
            let semaphore = try objects.createNamed(.posixSemaphore, name) { () throws(Errno) in
                try PosixSemaphore.create(name, value: value)
            }
            try? semaphore.close()
            objects.tellHolders(of: object, in: workload, ["name": .string(name)])
        } else {
            // pshared 1 unless the workload says `"pshared": false` (a user's mistake the harness can reproduce).
            let shared = object.parameters["pshared"] != .bool(false) && object.implementation != "client.sem-pool-pshared0"
            let memory = try objects.shareMemory(size: SharedObjectMemory.size) { address in
                _ = try PosixSemaphore.initialize(at: address, value: value, shared: shared)
            }
            objects.tellHolders(of: object, in: workload, handing: ["fd": memory])
        }
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<PosixSemaphoreModel> {
        if let name = try? object.text("name") {
            do {
                var binding = PosixSemaphoreBinding(name: name, semaphore: try PosixSemaphore.open(name))
                binding.closeUnmapsAll = implementation == "client.sem-close-unmaps-all"
                return binding
            } catch {
                throw BindingError("cannot open semaphore \(name): \(error)")
            }
        }
        let address = try object.mapSharedMemory("fd", size: SharedObjectMemory.size)
        var binding = PosixSemaphoreBinding(name: nil, semaphore: PosixSemaphore.existing(at: address))
        binding.libcWait = PosixSemaphoreBinding.LibcWait(rawValue: implementation)
        return binding
    }
}

/// POSIX semaphore operations: `wait` (blocking on the main thread, or `sem_trywait`), `post`, `getvalue`; for a
/// named one also `open`, `unlink` and `close`.
///
/// glibc maps a named semaphore once per process and counts its `sem_open`s: the binding counts the handles too (the
/// one it opened at set-up, one more per `open` of this semaphore, one fewer per `close`). With none left the
/// mapping is gone, so a `wait`, `post` or `getvalue` — undefined behaviour — is refused, not performed, and so is a
/// further `close` (its address may by then be another semaphore's) and an `open` with `O_CREAT` but not `O_EXCL`
/// (the binding could not tell this semaphore from a new one by its address).
struct PosixSemaphoreBinding: ObjectBinding {

    typealias Model = PosixSemaphoreModel
    let name: String?
    var semaphore: PosixSemaphore
    /// The handles this process holds of a named semaphore.
    var handles = 1
    /// `client.sem-close-unmaps-all`'s wrong belief, and whether it has closed once.
    var closeUnmapsAll = false
    private var closedOnce = false
    /// A client whose blocking waits call `Glibc.sem_wait` itself.
    var libcWait: LibcWait?

    enum LibcWait: String {
        /// Takes any return of `sem_wait` for a unit: an interrupted wait (-1, `EINTR`) took nothing.
        case anyReturn = "client.libc-sem-wait-any-return"
        /// Retries a wait that `EINTR` interrupted.
        case retrying = "client.libc-sem-wait-retrying"

        func wait(_ semaphore: UnsafeMutablePointer<sem_t>) throws(Errno) {
            while Glibc.sem_wait(semaphore) == -1 {
                if self == .anyReturn { return }
                let error = Errno(rawValue: Glibc.errno)
                if error != .interrupted { throw error }
            }
        }
    }

    init(name: String?, semaphore: PosixSemaphore) {
        self.name = name
        self.semaphore = semaphore
    }

    mutating func perform(_ input: PosixSemaphoreModel.Input) throws(Errno) -> PosixSemaphoreModel.Output {
        switch input {
        case .wait, .post, .getValue:
            if handles == 0 {
                BindingFailure.abandon("\(input) after this process's last sem_close: undefined behaviour (glibc has unmapped the semaphore)")
            }
        default: break
        }
        switch input {
        case .wait(_, false, nil, nil) where libcWait != nil:
            try libcWait!.wait(semaphore.pointer)
            return .done
        case .wait(_, let nonblocking, let timeout, let clock):
            let deadline = clock.flatMap { clock in timeout?.deadline(on: clock) } ?? timeout?.deadline
            guard try semaphore.wait(nonblocking: nonblocking, deadline: deadline, clock: clock?.identifier) else { throw .wouldBlock }
            return .done
        case .post:
            try semaphore.post()
            return .done
        case .getValue:
            return .value(try semaphore.value())
        case .open(_, let creation):
            guard let name else { BindingFailure.abandon("'open' of an unnamed semaphore") }
            if let creation, !creation.exclusive, handles == 0 {
                BindingFailure.abandon("sem_open with O_CREAT after this process's last sem_close: the binding cannot tell this semaphore from a new one")
            }
            let opened =
                if let creation {
                    try Syscall.semCreate(
                        name, flags: creation.exclusive ? O_EXCL : 0, mode: mode_t(creation.mode ?? 0o600),
                        value: UInt32(truncatingIfNeeded: creation.value))
                } else {
                    try Syscall.semOpen(name)
                }
            // glibc maps a semaphore once per process: while this process holds it, another address is another
            // semaphore, made under the name after it was unlinked (so is any O_EXCL success); not the object the
            // trace follows, so it goes at once. With no handle left, a plain open finds this semaphore.
            let same = handles == 0 ? creation == nil : opened == semaphore.pointer && creation?.exclusive != true
            guard same else {
                try? Syscall.semClose(opened)
                if creation != nil { try? Syscall.semUnlink(name) }
                return .done
            }
            semaphore = PosixSemaphore(pointer: opened)
            handles += 1
            return .done
        case .close:
            guard name != nil else { BindingFailure.abandon("'close' of an unnamed semaphore") }
            if closeUnmapsAll && closedOnce { throw .invalidArgument }
            guard handles > 0 else {
                BindingFailure.abandon("a sem_close after this process's last one: its address may now be another semaphore's")
            }
            closedOnce = true
            try Syscall.semClose(semaphore.pointer)
            handles -= 1
            return .done
        case .unlink:
            guard let name else { BindingFailure.abandon("'unlink' of an unnamed semaphore") }
            try PosixSemaphore.unlink(name)
            return .done
        case .initialize(_, let value, let shared):
            guard name == nil else { BindingFailure.abandon("'init' (sem_init) of a named semaphore") }
            try Syscall.semInit(semaphore.pointer, shared: shared, value: UInt32(truncatingIfNeeded: value))
            return .done
        case .destroy:
            guard name == nil else { BindingFailure.abandon("'destroy' (sem_destroy) of a named semaphore") }
            try Syscall.semDestroy(semaphore.pointer)
            return .done
        case .refusedName(_, let open, let refused):
            guard let name else { BindingFailure.abandon("'\(open ? "open" : "unlink")' of an unnamed semaphore") }
            if open {
                // glibc refuses the name before it opens anything: nothing to close.
                _ = try PosixSemaphore.open(refused.path(for: name))
            } else {
                try PosixSemaphore.unlink(refused.path(for: name))
            }
            return .done
        case .exit, .asleep:
            BindingFailure.abandon("a worker is never asked to perform '\(input)': it is no call")
        case .fork:
            BindingFailure.abandon("the posix-sem worker does not fork: a trace's fork is judged by the model only")
        case .umask:
            BindingFailure.abandon("the posix-sem worker does not call umask: a trace's umask is judged by the model only")
        }
    }
}

/// A System V semaphore set (model `sysv-sem`) under a fresh tagged key; parameter `values` (one per semaphore).
/// Implementations: `kernel.sysv-sem`, and the fragile `client.sem-pool-without-undo`, a pool user that takes and
/// gives back its units without `SEM_UNDO` though its protocol (the trace) says `SEM_UNDO`, so a unit it holds
/// when it dies is never given back.
public enum SystemVSemaphoreKind: MechanismKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``).
    public static let parameterNames: Set<String>? = ["values", "exists"]
    public typealias Model = SystemVSemaphoreModel

    public static let implementations = ["kernel.sysv-sem", "client.sem-pool-without-undo"]

    /// `GETALL`: what a killed process's semop left.
    public static let resolutionProbe: ResolutionProbe? = ResolutionProbe(f: "getall", role: nil)

    public static func model(for workload: Workload) -> SystemVSemaphoreModel {
        let sets = workload.objects.filter { $0.kind == name }
        return SystemVSemaphoreModel(
            sets: sets.map { ($0.name, values(of: $0)) },
            permissions: Dictionary(uniqueKeysWithValues: sets.map { ($0.name, Permissions.ofThisRun(for: workload)) }))
    }

    static func values(of object: Workload.Object) -> [Int] {
        guard case .array(let array)? = object.parameters["values"] else { return [0] }
        return array.compactMap { if case .integer(let value) = $0 { Int(value) } else { nil } }
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        try refuseAbsent(object)
        let values = values(of: object)
        var key: key_t = 0
        let set = try objects.createKeyed(.sysvSemaphore) { (candidate) throws(Errno) in
            key = candidate
            return try SystemVSemaphores.create(key: candidate, values: values)
        }
        objects.tellHolders(of: object, in: workload, ["id": .int(Int(set.id)), "count": .int(values.count), "key": .int(Int(key))])
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<SystemVSemaphoreModel> {
        SystemVSemaphoreBinding(
            set: SystemVSemaphoreSet(id: CInt(try object.integer("id"))), count: try object.integer("count"),
            key: key_t(truncatingIfNeeded: try object.integer("key")), context: object.context,
            forgetsUndo: implementation == "client.sem-pool-without-undo")
    }
}

/// System V semaphore operations: `semop` (blocking on the main thread unless `nonblocking`), `getall`, `setval`
/// and `remove`.
struct SystemVSemaphoreBinding: ObjectBinding {

    typealias Model = SystemVSemaphoreModel
    let set: SystemVSemaphoreSet
    let count: Int
    /// The key the driver created the set under (`semget`).
    let key: key_t
    /// The workers' pids, which `GETPID` reports as process numbers.
    let context: WorkerContext
    /// `client.sem-pool-without-undo`: every `semop` is made without `SEM_UNDO`, whatever the trace asks.
    var forgetsUndo = false

    mutating func perform(_ input: SystemVSemaphoreModel.Input) throws(Errno) -> SystemVSemaphoreModel.Output {
        switch input {
        case .semop(_, let operations, let nonblocking, let timeout):
            let done = try SystemVSemaphores.perform(
                set, operations.map { SemaphoreOperation(number: $0.number, change: $0.change, undo: $0.undo && !forgetsUndo) },
                nonblocking: nonblocking, timeout: timeout?.interval)
            guard done else { throw .wouldBlock }
            return .done
        case .values:
            return .values(try SystemVSemaphores.values(set, count: count))
        case .setValue(_, let number, let value):
            try SystemVSemaphores.setValue(set, number: number, value: value)
            return .done
        case .remove:
            try SystemVSemaphores.remove(set)
            return .done
        case .value(_, let number):
            return .value(try Syscall.semValue(set, number: number))
        case .waiters(_, let number, let zero):
            return .value(try Syscall.semWaiters(set, number: number, zero: zero))
        case .info(_, let counts):
            let info = try Syscall.semInfo(counts: counts)
            return .info(index: info.index, fields: info.fields)
        case .statusAtIndex(_, let any):
            let found = try Syscall.semStatus(index: Int(set.id & 0x7fff), any: any)
            // Another set at the index (this one removed, its index reused): for this object the index is free.
            guard found.id == set.id else { throw .invalidArgument }
            return .size(
                found.count, mode: Int(found.mode), owner: Int(found.ownerUID), group: Int(found.groupGID),
                times: [found.operationTime, found.changeTime])
        case .status:
            let status = try Syscall.semStatus(set)
            return .size(
                status.count, mode: Int(status.mode), owner: Int(status.ownerUID), group: Int(status.groupGID),
                times: [status.operationTime, status.changeTime])
        case .setPermissions(_, let mode, let owner, let group):
            try Syscall.semSet(set, mode: mode.map { mode_t($0) }, owner: owner.map { uid_t($0) }, group: group.map { gid_t($0) })
            return .done
        case .lastProcess(_, let number):
            // 0 (no process yet) and a pid outside the run (the driver's SETALL) are both "none of the workers".
            return .process(context.process(of: try Syscall.semLastProcess(set, number: number)) ?? 0)
        case .get(_, let count, let create, let exclusive, let mode):
            let found = try Syscall.semget(key, count: count, flags: (create ? IPC_CREAT : 0) | (exclusive ? IPC_EXCL : 0) | CInt(mode ?? (create ? 0o600 : 0)))
            // After the removal, a new set under the key: not the object the trace follows, so it goes at once.
            if found != set { try? SystemVSemaphores.remove(found) }
            return .done
        case .setValues(_, let values):
            try Syscall.semSetValues(set, values)
            return .done
        case .exit:
            BindingFailure.abandon("a worker is never asked to perform 'exit'")
        case .fork:
            BindingFailure.abandon("the sysv-sem worker does not fork: a trace's fork is judged by the model only")
        case .invalid(let process, let invalid):
            // The kernel refuses these (EINVAL; E2BIG for too many operations) before looking at anything: made as
            // recorded, a control command raw, any other call as the ordinary one with the negative id in place.
            if let command = invalid.command {
                try Syscall.semControl(id: CInt(truncatingIfNeeded: invalid.id ?? Int(set.id)), command: CInt(truncatingIfNeeded: command))
                return .done
            }
            let model = SystemVSemaphoreModel(sets: [("s", [Int](repeating: 0, count: count))])
            guard let id = invalid.id, let call = invalid.ordinaryCall(process: process, object: "s"),
                  let input = try? model.input(from: call) else {
                BindingFailure.abandon("an invalid call the worker cannot make: \(invalid.summary)")
            }
            var other = SystemVSemaphoreBinding(
                set: SystemVSemaphoreSet(id: CInt(truncatingIfNeeded: id)), count: count, key: key, context: context, forgetsUndo: forgetsUndo)
            return try other.perform(input)
        }
    }
}

/// A robust, process-shared mutex (model `robust-mutex`) initialised by the driver in a page each holder maps.
/// Implementations: `kernel.robust-mutex` (each call as it returns; `EOWNERDEAD` is reported as a failure of
/// `lock`/`trylock`, as the call returns it, though the lock is then held) and the fragile
/// `client.mutex-ignores-owner-death`, a lock user that takes `EOWNERDEAD` for an ordinary acquisition and never
/// makes the mutex consistent (so its unlock leaves it unrecoverable for everyone), and the fragile
/// `client.mutex-timeout-taken-for-lock`, which takes a timed lock's `ETIMEDOUT` for the lock, and the fragile
/// `client.mutex-ceiling-failure-taken-for-lock`, which takes a priority-protect lock's `EINVAL` for the lock.
public enum RobustMutexKind: MechanismKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``).
    public static let parameterNames: Set<String>? = ["robust", "type", "protocol", "ceiling", "scheduling"]
    public typealias Model = RobustMutexModel

    public static let implementations = [
        "kernel.robust-mutex", "client.mutex-ignores-owner-death", "client.mutex-timeout-taken-for-lock",
        "client.mutex-ceiling-failure-taken-for-lock",
    ]

    public static func model(for workload: Workload) -> RobustMutexModel {
        let mutexes = workload.objects.filter { $0.kind == name }
        return RobustMutexModel(
            mutexes: mutexes.map(\.name), stalled: Set(mutexes.filter { $0.parameters["robust"] == .bool(false) }.map(\.name)),
            types: Dictionary(uniqueKeysWithValues: mutexes.compactMap { object in
                mutexType(of: object).map { (object.name, $0) }
            }),
            protocols: Dictionary(uniqueKeysWithValues: mutexes.compactMap { object in
                mutexProtocol(of: object).map { (object.name, $0) }
            }),
            ceilings: Dictionary(uniqueKeysWithValues: mutexes.compactMap { object in
                mutexProtocol(of: object) == .protect ? object.integer("ceiling").map { (object.name, $0) } : nil
            }),
            schedulingKnown: Set(mutexes.filter { $0.parameters["scheduling"] == "other" }.map(\.name)))
    }

    /// Parameter `protocol`: "inherit", or "protect" for a stalled mutex (glibc makes no robust one); none when left
    /// out or anything else. A priority-protect one's `ceiling` (1...99, 1 when left out); `scheduling` "other": its
    /// lockers (the workers: `SCHED_OTHER` threads) take no other priority-protect mutex, so the model judges their
    /// locks' priority raises exactly.
    static func mutexProtocol(of object: Workload.Object) -> RobustMutexModel.MutexProtocol? {
        switch object.parameters["protocol"] {
        case "inherit": return .inherit
        case "protect" where object.parameters["robust"] == .bool(false): return .protect
        default: return nil
        }
    }

    /// Parameter `type` ("normal", "recursive"; error-checking when left out or not one of those).
    static func mutexType(of object: Workload.Object) -> RobustMutexModel.MutexType? {
        guard case .string(let text)? = object.parameters["type"], let type = RobustMutexModel.MutexType(rawValue: text) else { return nil }
        return type == .errorCheck ? nil : type
    }

    /// Parameter `robust` false: the driver makes the mutex `PTHREAD_MUTEX_STALLED` (glibc's default robustness);
    /// `type`: of that type; `protocol` "inherit": `PTHREAD_PRIO_INHERIT` (robust ones only).
    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        let robust = object.parameters["robust"] != .bool(false)
        let type = RobustMutexBinding.mutexType(mutexType(of: object) ?? .errorCheck)
        let kernelProtocol = RobustMutexBinding.mutexProtocol(mutexProtocol(of: object) ?? .none)
        let ceiling = kernelProtocol == .protect ? object.integer("ceiling").flatMap { Int32(exactly: $0) } : nil
        if let ceiling, !(1...99).contains(ceiling) { throw HarnessError("a priority-protect mutex's ceiling is 1 to 99, not \(ceiling)") }
        let memory = try objects.shareMemory(size: SharedObjectMemory.size) { address in
            _ = try RobustMutex.initialize(at: address, robust: robust, type: type, protocol: kernelProtocol, ceiling: ceiling)
        }
        objects.tellHolders(of: object, in: workload, handing: ["fd": memory])
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<RobustMutexModel> {
        RobustMutexBinding(
            mutex: RobustMutex.existing(at: try object.mapSharedMemory("fd", size: SharedObjectMemory.size)),
            ignoresOwnerDeath: implementation == "client.mutex-ignores-owner-death",
            takesTimeoutForLock: implementation == "client.mutex-timeout-taken-for-lock",
            takesCeilingFailureForLock: implementation == "client.mutex-ceiling-failure-taken-for-lock")
    }
}

struct RobustMutexBinding: ObjectBinding {
    static func mutexType(_ type: RobustMutexModel.MutexType) -> RobustMutex.MutexType {
        switch type {
        case .errorCheck: .errorCheck
        case .normal: .normal
        case .recursive: .recursive
        }
    }

    static func mutexProtocol(_ value: RobustMutexModel.MutexProtocol) -> RobustMutex.MutexProtocol {
        switch value {
        case .none: .none
        case .inherit: .inherit
        case .protect: .protect
        }
    }

    typealias Model = RobustMutexModel
    let mutex: RobustMutex
    let ignoresOwnerDeath: Bool
    let takesTimeoutForLock: Bool
    var takesCeilingFailureForLock = false

    mutating func perform(_ input: RobustMutexModel.Input) throws(Errno) -> RobustMutexModel.Output {
        switch input {
        case .lock, .tryLock:
            let tryOnly: Bool
            if case .tryLock = input { tryOnly = true } else { tryOnly = false }
            do throws(Errno) {
                switch try mutex.lock(tryOnly: tryOnly) {
                case .acquired: return .locked
                case .acquiredOwnerDied: return ignoresOwnerDeath ? .locked : .lockedOwnerDied
                case .busy: throw .resourceBusy
                }
            } catch .invalidArgument where takesCeilingFailureForLock {
                return .locked
            }
        case .timedLock(_, let timeout, let clock):
            do throws(Errno) {
                switch try mutex.timedLock(deadline: clock.map { timeout.deadline(on: $0) } ?? timeout.deadline, clock: clock?.identifier) {
                case .acquired: return .locked
                case .acquiredOwnerDied: return ignoresOwnerDeath ? .locked : .lockedOwnerDied
                case .busy: throw .resourceBusy
                }
            } catch .timedOut where takesTimeoutForLock {
                return .locked
            }
        case .unlock:
            try mutex.unlock()
            return .done
        case .consistent:
            try mutex.consistent()
            return .done
        case .destroy:
            try mutex.destroy()
            return .done
        case .initialize(_, let robust, let type, let value, let ceiling):
            try mutex.initialize(
                robust: robust, type: Self.mutexType(type), protocol: Self.mutexProtocol(value), ceiling: value == .protect ? Int32(ceiling) : nil)
            return .done
        case .getCeiling:
            return .ceiling(Int(try mutex.priorityCeiling()))
        case .setCeiling(_, let ceiling):
            guard let value = Int32(exactly: ceiling) else { throw .invalidArgument }
            return .oldCeiling(Int(try mutex.setPriorityCeiling(value)))
        case .exit:
            BindingFailure.abandon("a worker is never asked to perform 'exit'")
        }
    }
}

/// The seeds' acknowledged queue (model `ack-queue`), laid out by the driver in a page of shared memory (parameter
/// `capacity`); each holder joins it (taking its lease) while setting up. Implementations: `reference.ack-queue`
/// (a consumer's message in flight is recorded in shared memory and given back when it dies) and the fragile
/// `client.consumer-forgets-unacked` (a consumer that takes the message out of the queue and keeps it only in its
/// own memory until it acknowledges).
public enum AckQueueKind: MechanismKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``).
    public static let parameterNames: Set<String>? = ["capacity"]
    public typealias Model = AckQueueModel

    public static let implementations = ["reference.ack-queue", "client.consumer-forgets-unacked"]

    public static func model(for workload: Workload) -> AckQueueModel {
        AckQueueModel(objects: workload.objects.filter { $0.kind == name }.map { ($0.name, $0.integer("capacity") ?? 8) })
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        let capacity = object.integer("capacity") ?? 8
        guard (1...SharedAckQueue.maximumCapacity).contains(capacity) else {
            throw HarnessError("an ack queue holds 1 to \(SharedAckQueue.maximumCapacity) messages, not \(capacity)")
        }
        let memory = try objects.shareMemory(size: SharedObjectMemory.size) { address in
            try SharedAckQueue.initialize(at: address, capacity: capacity)
        }
        objects.tellHolders(of: object, in: workload, handing: ["fd": memory])
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<AckQueueModel> {
        guard (1...SharedAckQueue.maximumProcesses).contains(object.process) else {
            throw BindingError("an ack queue serves processes 1 to \(SharedAckQueue.maximumProcesses), not \(object.process)")
        }
        let address = try object.mapSharedMemory("fd", size: SharedAckQueue.size)
        do {
            return AckQueueBinding(queue: try SharedAckQueue(
                at: address, process: object.process, forgetsOnDeath: implementation == "client.consumer-forgets-unacked"))
        } catch {
            throw BindingError("cannot join the ack queue: \(error)")
        }
    }
}

struct AckQueueBinding: ObjectBinding {

    typealias Model = AckQueueModel
    var queue: SharedAckQueue

    mutating func perform(_ input: AckQueueModel.Input) throws(Errno) -> AckQueueModel.Output {
        switch input {
        case .send(_, let message):
            guard try queue.send(UInt64(message)) else { throw .wouldBlock }
            return .sent
        case .receive:
            switch try queue.receive() {
            case .success(let message): return .received(Int(message))
            case .failure(.empty): throw .wouldBlock
            case .failure(.holding): throw .resourceBusy
            }
        case .ack:
            guard try queue.acknowledge() else { throw .invalidArgument }
            return .acknowledged
        case .exit:
            BindingFailure.abandon("a worker is never asked to perform 'exit'")
        }
    }
}
