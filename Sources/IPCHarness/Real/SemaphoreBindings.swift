import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// POSIX semaphore operations in a worker (model `posix-sem`): `wait` (blocking on the main thread, or
/// `sem_trywait`), `post`, `getvalue`; for a named one also `open` and `unlink`. A named semaphore is opened by
/// name while setting up; an unnamed one is mapped from the memory the driver initialised it in.
struct PosixSemaphoreBinding: WorkerBinding {
    private let name: String?
    private let semaphore: PosixSemaphore

    init(setup: JSONValue) throws(BindingError) {
        let setup: JSONValue? = setup
        do {
            if case .string(let name)? = setup?["name"] {
                self.name = name
                semaphore = try PosixSemaphore.open(name)
            } else {
                name = nil
                let descriptor = try setup.descriptor("fd")
                defer { try? Syscall.close(descriptor) }
                semaphore = PosixSemaphore.existing(at: try Syscall.mapShared(descriptor, size: SharedObjectMemory.size))
            }
        } catch let error as BindingError {
            throw error
        } catch {
            throw BindingError("cannot open the semaphore: \(error)")
        }
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        try completing(f) {
            switch f {
            case "wait":
                return try semaphore.wait(nonblocking: try flag(value, "nonblocking")) ? .ok(nil) : .fail("EAGAIN")
            case "post":
                try semaphore.post()
                return .ok(nil)
            case "getvalue":
                return .ok(["value": .int(try semaphore.value())])
            case "open" where name != nil:
                _ = try PosixSemaphore.open(name!)
                return .ok(nil)
            case "unlink" where name != nil:
                try PosixSemaphore.unlink(name!)
                return .ok(nil)
            default:
                throw BindingError("the posix-sem binding has no operation '\(f)' for this semaphore")
            }
        }
    }
}

/// System V semaphore operations in a worker (model `sysv-sem`): `semop` (blocking on the main thread unless
/// `nonblocking`), `getall`, `setval` and `remove` on the set id in the setup.
struct SystemVSemaphoreBinding: WorkerBinding {
    private let set: SystemVSemaphoreSet
    private let count: Int

    init(setup: JSONValue) throws(BindingError) {
        let setup: JSONValue? = setup
        set = SystemVSemaphoreSet(id: CInt(try setup.setupInteger("id")))
        count = try setup.setupInteger("count")
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        try completing(f) {
            switch f {
            case "semop":
                let operations = try value.required("ops").elements("ops").map { (element) throws(ModelError) in
                    let operation: JSONValue? = element
                    return SemaphoreOperation(
                        number: try operation.required("num").integer("num", in: 0...65535),
                        change: try operation.required("op").integer("op", in: -32768...32767),
                        undo: try operation.optional("undo")?.boolean("undo") ?? false)
                }
                let done = try SystemVSemaphores.perform(set, operations, nonblocking: try flag(value, "nonblocking"))
                return done ? .ok(nil) : .fail("EAGAIN")
            case "getall":
                return .ok(["values": .ints(try SystemVSemaphores.values(set, count: count))])
            case "setval":
                try SystemVSemaphores.setValue(
                    set, number: try value.required("num").integer("num", in: 0...65535),
                    value: try value.required("value").integer("value", in: Int(Int32.min)...Int(Int32.max)))
                return .ok(nil)
            case "remove":
                try SystemVSemaphores.remove(set)
                return .ok(nil)
            default:
                throw BindingError("the sysv-sem binding has no operation '\(f)'")
            }
        }
    }
}

/// Robust mutex operations in a worker (model `robust-mutex`): `lock` (blocking on the main thread),
/// `trylock`, `unlock` and `consistent` on the mutex the driver initialised in the memory it handed over.
/// `EOWNERDEAD` is reported as a failure of `lock`/`trylock`, as the call returns it, though the lock is held.
/// Robust-mutex operations in a worker. Implementations: `kernel.robust-mutex` (each call as it returns) and the
/// fragile `client.mutex-ignores-owner-death`, a lock user that takes EOWNERDEAD for an ordinary acquisition and
/// never makes the mutex consistent (so its unlock leaves it unrecoverable for everyone).
struct RobustMutexBinding: WorkerBinding {
    private let mutex: RobustMutex
    private let ignoresOwnerDeath: Bool

    /// `implementation` names what the run tests, which may be another object's (a workload of several kinds):
    /// only the fragile client changes what this binding does.
    init(setup: JSONValue, implementation: String = "kernel.robust-mutex") throws(BindingError) {
        ignoresOwnerDeath = implementation == "client.mutex-ignores-owner-death"
        let descriptor = try (setup as JSONValue?).descriptor("fd")
        defer { try? Syscall.close(descriptor) }
        do {
            mutex = RobustMutex.existing(at: try Syscall.mapShared(descriptor, size: SharedObjectMemory.size))
        } catch {
            throw BindingError("cannot map the mutex: \(error)")
        }
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        try completing(f) {
            switch f {
            case "lock", "trylock":
                switch try mutex.lock(tryOnly: f == "trylock") {
                case .acquired: return .ok(nil)
                case .acquiredOwnerDied: return ignoresOwnerDeath ? .ok(nil) : .fail("EOWNERDEAD")
                case .busy: return .fail("EBUSY")
                }
            case "unlock":
                try mutex.unlock()
                return .ok(nil)
            case "consistent":
                try mutex.consistent()
                return .ok(nil)
            default:
                throw BindingError("the robust-mutex binding has no operation '\(f)'")
            }
        }
    }
}
