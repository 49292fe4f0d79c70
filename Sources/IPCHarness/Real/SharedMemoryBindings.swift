import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// Word loads, stores and fetch-and-adds on this process's newest mapping or attachment: the part both shared
/// memory bindings share. Without one the worker refuses with `EFAULT` rather than touch unmapped memory.
private func access(_ f: String, _ value: JSONValue?, _ words: SharedWords?) throws -> Completion {
    guard let words else { return .fail("EFAULT") }
    guard case .object = value else { throw BindingError("\(f) needs a value with an 'index'") }
    switch try WordAccess(f: f, value: value, words: words.count) {
    case .load(let index): return .ok(["value": .integer(Int64(bitPattern: words.load(index)))])
    case .store(let index, let stored):
        words.store(index, UInt64(bitPattern: stored))
        return .ok(nil)
    case .add(let index, let delta):
        return .ok(["value": .integer(Int64(bitPattern: words.add(index, UInt64(bitPattern: delta))))])
    }
}

/// POSIX shared memory operations in a worker (model `posix-shm`): `load`, `store`, `add` on words of the
/// object the driver created and handed over by descriptor (mapped while setting up); `open` maps it again by
/// name, `unmap` drops the newest mapping, `unlink` removes the name.
struct PosixSharedMemoryBinding: WorkerBinding {
    private let name: String
    private let size: Int
    private var mappings: [SharedWords] = []

    init(setup: JSONValue) throws(BindingError) {
        let setup: JSONValue? = setup
        name = try setup.setupText("name")
        size = try setup.setupInteger("words") * 8
        if setup?["fd"] != nil {
            let descriptor = try setup.descriptor("fd")
            defer { try? Syscall.close(descriptor) }
            do {
                mappings.append(try PosixSharedMemory.map(descriptor, size: size))
            } catch {
                throw BindingError("cannot map shared memory \(name): \(error)")
            }
        }
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        try completing(f) {
            switch f {
            case "load", "store", "add":
                return try access(f, value, mappings.last)
            case "open":
                mappings.append(try PosixSharedMemory.mapNamed(name, size: size))
                return .ok(nil)
            case "unmap":
                guard let mapping = mappings.popLast() else { return .fail("EINVAL") }
                try PosixSharedMemory.unmap(mapping)
                return .ok(nil)
            case "unlink":
                try PosixSharedMemory.unlink(name)
                return .ok(nil)
            default:
                throw BindingError("the posix-shm binding has no operation '\(f)'")
            }
        }
    }
}

/// System V shared memory operations in a worker (model `sysv-shm`): `load`, `store`, `add` on the newest
/// attachment (a holder attaches while setting up), `attach`, `detach`, `status` and `remove` by the id the
/// driver created. `detach` with no attachment fails `EINVAL`, as `shmdt` of an unattached address does.
struct SystemVSharedMemoryBinding: WorkerBinding {
    private let segment: SystemVSharedMemory
    private let size: Int
    private var attachments: [SharedWords] = []

    init(setup: JSONValue) throws(BindingError) {
        let setup: JSONValue? = setup
        segment = SystemVSharedMemory(id: CInt(try setup.setupInteger("id")))
        size = try setup.setupInteger("words") * 8
        if case .bool(true)? = setup?["attach"] {
            do {
                attachments.append(try SystemVSharedMemorySegments.attach(segment, size: size))
            } catch {
                throw BindingError("cannot attach shared memory segment \(segment.id): \(error)")
            }
        }
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        try completing(f) {
            switch f {
            case "load", "store", "add":
                return try access(f, value, attachments.last)
            case "attach":
                attachments.append(try SystemVSharedMemorySegments.attach(segment, size: size))
                return .ok(nil)
            case "detach":
                guard let attachment = attachments.popLast() else { return .fail("EINVAL") }
                try SystemVSharedMemorySegments.detach(attachment)
                return .ok(nil)
            case "status":
                let status = try SystemVSharedMemorySegments.status(segment)
                return .ok(["attachments": .int(status.attachments), "removed": .bool(status.markedForRemoval)])
            case "remove":
                try SystemVSharedMemorySegments.remove(segment)
                return .ok(nil)
            default:
                throw BindingError("the sysv-shm binding has no operation '\(f)'")
            }
        }
    }
}
