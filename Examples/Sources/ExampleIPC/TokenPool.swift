import Glibc
import SystemPackage

/// A pool of interchangeable tokens shared by processes — connections, buffers, licences — guarded by a counting
/// semaphore: `acquire` takes one if any is free (never waiting), `release` gives it back. This is the code under
/// test; it knows nothing of the harness and calls libc directly.
public protocol TokenPool {
    /// Takes a token; false when none is free.
    func acquire() throws(Errno) -> Bool
    /// Gives one back.
    func release() throws(Errno)
}

/// A System V semaphore whose every change carries `SEM_UNDO`: when a process dies holding tokens — killed, or
/// crashed before it released them — the kernel gives them back as it reaps it.
public struct UndoTokenPool: TokenPool {
    public let set: CInt

    public init(set: CInt) {
        self.set = set
    }

    /// A new set under `key` (created exclusively, mode 0600) holding `tokens` tokens; its id.
    public static func create(key: key_t, tokens: Int) throws(Errno) -> CInt {
        let set = semget(key, 1, IPC_CREAT | IPC_EXCL | 0o600)
        guard set >= 0 else { throw Errno(rawValue: errno) }
        // The initial tokens are nobody's: no SEM_UNDO.
        var fill = sembuf(sem_num: 0, sem_op: Int16(tokens), sem_flg: 0)
        guard semop(set, &fill, 1) == 0 else { throw Errno(rawValue: errno) }
        return set
    }

    public func acquire() throws(Errno) -> Bool {
        var take = sembuf(sem_num: 0, sem_op: -1, sem_flg: Int16(IPC_NOWAIT | SEM_UNDO))
        while semop(set, &take, 1) != 0 {
            let error = Errno(rawValue: errno)
            if error == .resourceTemporarilyUnavailable { return false }
            if error != .interrupted { throw error }
        }
        return true
    }

    public func release() throws(Errno) {
        var give = sembuf(sem_num: 0, sem_op: 1, sem_flg: Int16(SEM_UNDO))
        while semop(set, &give, 1) != 0 {
            let error = Errno(rawValue: errno)
            if error != .interrupted { throw error }
        }
    }
}

/// The same pool on a POSIX semaphore in shared memory — and so broken under kills: a POSIX semaphore has no undo,
/// and a process killed between `sem_trywait` and `sem_post` takes its token with it. The pool shrinks for good.
public struct PosixTokenPool: TokenPool {
    public let semaphore: UnsafeMutablePointer<sem_t>

    public init(at address: UnsafeMutableRawPointer) {
        semaphore = address.assumingMemoryBound(to: sem_t.self)
    }

    /// Sets up the semaphore, shared between processes, in memory they all map.
    public static func initialize(at address: UnsafeMutableRawPointer, tokens: Int) throws(Errno) {
        guard sem_init(address.assumingMemoryBound(to: sem_t.self), 1, UInt32(tokens)) == 0 else { throw Errno(rawValue: errno) }
    }

    public func acquire() throws(Errno) -> Bool {
        while sem_trywait(semaphore) != 0 {
            let error = Errno(rawValue: errno)
            if error == .resourceTemporarilyUnavailable { return false }
            if error != .interrupted { throw error }
        }
        return true
    }

    public func release() throws(Errno) {
        guard sem_post(semaphore) == 0 else { throw Errno(rawValue: errno) }
    }
}
