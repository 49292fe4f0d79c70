import CIPCShims
import Glibc
import IPCModels

/// The names of one POSIX queue, named semaphore and shared memory object a forked child makes and removes again
/// (``CreationUmaskFactsTests``, ``CreationModeBitsFactsTests``), as C strings made before the fork: the child makes
/// C calls only.
struct PosixCreationNames {
    let queue: UnsafeMutablePointer<CChar>
    let semaphore: UnsafeMutablePointer<CChar>
    /// The file glibc makes for the semaphore, which `stat` reads.
    let semaphoreFile: UnsafeMutablePointer<CChar>
    let object: UnsafeMutablePointer<CChar>

    /// `base`: a name with its leading slash.
    init(_ base: String) {
        queue = strdup("\(base)-mq")!
        semaphore = strdup("\(base)-sem")!
        semaphoreFile = strdup("/dev/shm/sem.\(base.dropFirst())-sem")!
        object = strdup("\(base)-shm")!
    }

    /// Removes whatever a failed child left, and frees the strings.
    func release() {
        ipc_mq_unlink(queue)
        sem_unlink(semaphore)
        shm_unlink(object)
        for name in [queue, semaphore, semaphoreFile, object] { free(name) }
    }

    /// Makes the queue (`mq_open`), the semaphore (`sem_open`) and the object (`shm_open`), each `O_CREAT | O_EXCL`
    /// with `mode` under the process's umask, writes the mode each got (`fstat`; the semaphore's file `stat`) into
    /// `slots[0...2]` (-1 when the create failed), and removes them again. C calls only: it runs in a forked child.
    func create(mode: Int, into slots: UnsafeMutablePointer<Int>) {
        var status = stat()
        let queue = ipc_mq_create_default(self.queue, O_RDWR | O_EXCL | O_CLOEXEC, UInt32(mode))
        if queue >= 0 && fstat(queue, &status) == 0 { slots[0] = Int(status.st_mode & 0o7777) }
        if queue >= 0 { ipc_mq_close(queue) }
        ipc_mq_unlink(self.queue)
        if let semaphore = ipc_sem_create(self.semaphore, O_EXCL, UInt32(mode), 0) {
            if stat(semaphoreFile, &status) == 0 { slots[1] = Int(status.st_mode & 0o7777) }
            sem_close(semaphore.assumingMemoryBound(to: sem_t.self))
        }
        sem_unlink(self.semaphore)
        let object = shm_open(self.object, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
        if object >= 0 && fstat(object, &status) == 0 { slots[2] = Int(status.st_mode & 0o7777) }
        if object >= 0 { close(object) }
        shm_unlink(self.object)
    }
}

/// The mode each POSIX model (posix-mq, posix-sem, posix-shm, objects that do not exist yet, with the setup's
/// `umask` and `users`) gives the object process `creator` makes with `mode` after its `umask` call setting `newMask`
/// (none when nil) — and what that call returned (nil without one). Nil modes: the model took no create.
struct PosixCreationModels {
    let umask: JSONValue
    var users: JSONValue = [:]

    func modes(creator: Int, mode: Int, newMask: Int? = nil) throws -> (modes: [Int?], old: [Int?]) {
        let queues = try PosixMessageQueueModel(parameters: ["objects": ["q": ["exists": false, "umask": umask, "users": users]]])
        var queue = queues.initialState(of: "q")
        var old: [Int?] = [nil, nil, nil]
        if let newMask, let set = queues.transitions(queue, .umask(process: creator, mask: newMask)).first {
            queue = set.state
            if case .oldUmask(let mask) = set.output { old[0] = mask }
        }
        let queueMode = queues.transitions(queue, .open(process: creator, creation: .init(exclusive: true, mode: mode)))
            .first { $0.output == .done }?.state.permissions.mode

        let semaphores = try PosixSemaphoreModel(
            parameters: ["objects": ["s": ["named": true, "exists": false, "umask": umask, "users": users]]])
        var semaphore = semaphores.initialState(of: "s")
        if let newMask, let set = semaphores.transitions(semaphore, .umask(process: creator, mask: newMask)).first {
            semaphore = set.state
            if case .oldUmask(let mask) = set.output { old[1] = mask }
        }
        let semaphoreMode = semaphores.transitions(semaphore, .open(process: creator, creation: .init(exclusive: true, value: 0, mode: mode)))
            .first { $0.output == .done }?.state.permissions.mode

        let objects = try PosixSharedMemoryModel(parameters: ["objects": ["m": ["words": 1, "exists": false, "umask": umask, "users": users]]])
        var object = objects.initialState(of: "m")
        if let newMask, let set = objects.transitions(object, .umask(process: creator, mask: newMask)).first {
            object = set.state
            if case .oldUmask(let mask) = set.output { old[2] = mask }
        }
        let objectMode = objects.transitions(object, .open(process: creator, .init(create: true, exclusive: true, mode: mode)))
            .first { $0.output == .done }?.state.permissions.mode
        return ([queueMode, semaphoreMode, objectMode], old)
    }
}
