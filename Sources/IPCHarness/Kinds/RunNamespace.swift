import Glibc
import IPCSyscalls
import SystemPackage

/// Names for the IPC objects one run creates, and a ledger of them so that nothing outlives the run.
///
/// Every name is `ipch-<pid>-<random>-<object>`: the `ipch-` prefix marks the harness's objects (`ipc-harness
/// clean` touches nothing else), the creating driver's pid tells a finished run from a live one, and 64 random bits
/// make names unguessable (another user cannot pre-create or squat them). Objects are created with exclusive
/// creation and mode 0600 by the provisioners.
///
/// Before a provisioner creates an object it records it in the run's ledger file; the driver removes every
/// recorded object when the run ends, however it ends, and then deletes the ledger. A run that was killed leaves
/// its ledger behind for `ipc-harness clean`.
public final class RunNamespace {
    /// The prefix of every name the harness gives an object.
    public static let prefix = "ipch-"
    /// Where ledgers live (one file per run, mode 0600, in this user's private directory: see ``Ledger``).
    public static var ledgerDirectory: String { Ledger.directory }
    /// SysV IPC keys the harness uses carry these top 8 bits. They mark the harness's keys in ledgers only: any
    /// program's `ftok(path, 'I')` key has the same top byte, so `clean` never removes a key no ledger names.
    public static let sysvKeyTag: Int32 = 0x49

    /// What kind of object a ledger entry names; each kind knows how to remove its objects.
    public enum Kind: String, Sendable, CaseIterable {
        /// A file-system path: a FIFO or a bound Unix socket.
        case path
        /// A POSIX message queue name (`/ipch-…`); /dev/mqueue is not mounted here, so only the ledger finds them.
        case posixMessageQueue = "posix-mq"
        /// A POSIX shared memory object name (`/ipch-…`, found in /dev/shm).
        case posixSharedMemory = "posix-shm"
        /// A named POSIX semaphore (`/ipch-…`, found in /dev/shm as `sem.ipch-…`).
        case posixSemaphore = "posix-sem"
        /// A System V message queue key (`0x49……`, found in /proc/sysvipc/msg).
        case sysvMessageQueue = "sysv-msg"
        /// A System V semaphore set key (/proc/sysvipc/sem).
        case sysvSemaphore = "sysv-sem"
        /// A System V shared memory segment key (/proc/sysvipc/shm).
        case sysvSharedMemory = "sysv-shm"
        /// A trace's or report's hidden temporary file (`.NAME.tmp-<pid>-<n>`), renamed into place when complete.
        case temporaryFile = "temporary"
        /// A private directory in /tmp holding a run's paths that only some users may reach (see
        /// ``RunNamespace/privateDirectory(_:group:)``).
        case directory

        /// True for the System V kinds, whose ledger names are keys.
        public var isSystemV: Bool { rawValue.hasPrefix("sysv-") }
    }

    public let runID: String
    public let pid: pid_t
    private let ledger: Ledger
    private var entries: [(Kind, String)] = []

    public init() {
        pid = Syscall.processID
        var generator = SystemRandomNumberGenerator()
        runID = String(generator.next(), radix: 16)
        ledger = Ledger(id: runID)
    }

    deinit { removeAll() }

    /// The stem every name of this run starts with: `ipch-<pid>-<random>-`.
    public var stem: String { "\(Self.prefix)\(pid)-\(runID)-" }

    /// A POSIX IPC name (`mq_open`, `shm_open`, `sem_open`): `/ipch-<pid>-<random>-<object>-<random>`.
    public func posixName(_ object: String) -> String { "/\(stem)\(Self.unique(object))" }

    /// A path in /tmp for a FIFO or a Unix socket (short enough for `sockaddr_un`'s 108 bytes):
    /// `/tmp/ipch-<pid>-<random>-<object>-<random>`.
    public func path(_ object: String) -> String { "/tmp/\(stem)\(Self.unique(object))" }

    /// `object` with 32 random bits of its own: a run's first path in /tmp shows its stem to everyone, and a name
    /// made of the stem and the object's name alone would let another user create the run's next objects first.
    static func unique(_ object: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return "\(object)-\(String(UInt32.random(in: 0...UInt32.max, using: &generator), radix: 16))"
    }

    /// A fresh System V key: ``sysvKeyTag`` in the top 8 bits, 24 random bits below. Keys cannot be unguessable
    /// (32 bits); exclusive creation with mode 0600 is what protects them.
    public func sysvKey() -> key_t {
        var generator = SystemRandomNumberGenerator()
        return key_t(bitPattern: UInt32(bitPattern: Self.sysvKeyTag) << 24 | UInt32.random(in: 1...0xFF_FFFF, using: &generator))
    }

    /// The ledger name of a System V key: `0x49…`.
    public static func keyName(_ key: key_t) -> String {
        "0x" + String(UInt32(bitPattern: key), radix: 16)
    }

    /// Records that the run is about to create `name`; call before creating it.
    public func record(_ kind: Kind, _ name: String) throws(HarnessError) {
        try appendToLedger("\(kind.rawValue) \(name)")
        entries.append((kind, name))
    }

    /// Takes back a record whose creation failed (the name was taken: `EEXIST`), so that neither the run nor
    /// `clean` removes an object the run did not create.
    public func withdraw(_ kind: Kind, _ name: String) {
        entries.removeAll { $0 == (kind, name) }
        try? appendToLedger("\(Self.withdrawn) \(kind.rawValue) \(name)")
    }

    /// The ledger line that takes back a record.
    static let withdrawn = "withdrawn"

    private func appendToLedger(_ text: String) throws(HarnessError) {
        try ledger.append(text)
    }

    /// Removes every recorded object (newest first) and the ledger. Safe to call more than once.
    public func removeAll() {
        for (kind, name) in entries.reversed() { _ = Self.remove(kind, name) }
        entries.removeAll()
        ledger.discard()
    }

    /// Removes one object, if it is this user's and of the kind the ledger says; returns why not when it was there
    /// and could not be (an object already gone is no failure: nil). A System V object is removed only while it
    /// belongs to this user (its key may have been freed and taken by someone else's object since); a path only
    /// when it is a FIFO or socket (a temporary file: a regular file) owned by this user.
    @discardableResult
    static func remove(_ kind: Kind, _ name: String) -> String? {
        func attempt(_ body: () throws(Errno) -> Void) -> String? {
            do {
                try body()
                return nil
            } catch {
                return error == .noSuchFileOrDirectory ? nil : "\(error)"
            }
        }
        switch kind {
        case .path, .temporaryFile:
            guard let status = try? Syscall.fileStatus(name) else { return nil }
            let expected: Set<FileStatus.Kind> = kind == .path ? [.fifo, .socket] : [.regular]
            guard status.owner == getuid() else { return "it belongs to uid \(status.owner)" }
            guard expected.contains(status.kind) else { return "it is a \(status.kind), not what the harness made there" }
            return attempt { () throws(Errno) in try Syscall.unlink(name) }
        case .directory:
            guard let status = try? Syscall.fileStatus(name) else { return nil }
            guard status.owner == getuid() else { return "it belongs to uid \(status.owner)" }
            guard status.kind == .directory else { return "it is a \(status.kind), not a directory" }
            return attempt { () throws(Errno) in try Syscall.removeDirectory(name) }
        case .posixMessageQueue: return attempt { () throws(Errno) in try Syscall.mqUnlink(name) }
        case .posixSharedMemory, .posixSemaphore:
            let file = kind == .posixSemaphore ? "/dev/shm/sem.\(name.dropFirst())" : "/dev/shm\(name)"
            if let status = try? Syscall.fileStatus(file), status.owner != getuid() { return "it belongs to uid \(status.owner)" }
            return attempt { () throws(Errno) in
                if kind == .posixSemaphore { try Syscall.semUnlink(name) } else { try Syscall.shmUnlink(name) }
            }
        case .sysvMessageQueue, .sysvSemaphore, .sysvSharedMemory:
            guard let key = SystemVKeys.key(from: name) else { return "not a harness key" }
            SystemVKeys.remove(kind, key: key)
            return nil
        }
    }
}

/// Finding and removing System V objects by key.
enum SystemVKeys {
    /// The key in a ledger name (`0x49…`), if it carries the harness's tag.
    static func key(from name: String) -> key_t? {
        guard name.hasPrefix("0x"), let value = UInt32(name.dropFirst(2), radix: 16), value >> 24 == UInt32(RunNamespace.sysvKeyTag) else {
            return nil
        }
        return key_t(bitPattern: value)
    }

    static func remove(_ kind: RunNamespace.Kind, key: key_t) {
        switch kind {
        case .sysvMessageQueue:
            guard let queue = try? Syscall.msgget(key, flags: 0), let status = try? Syscall.msgStatus(queue),
                status.msg_perm.uid == getuid()
            else { return }
            try? Syscall.msgRemove(queue)
        case .sysvSemaphore:
            guard let set = try? Syscall.semget(key, count: 0, flags: 0), let status = try? Syscall.semStatus(set),
                status.ownerUID == getuid()
            else { return }
            try? Syscall.semRemove(set)
        case .sysvSharedMemory:
            guard let segment = try? Syscall.shmget(key, size: 0, flags: 0), let status = try? Syscall.shmStatus(segment),
                status.ownerUID == getuid()
            else { return }
            try? Syscall.shmRemove(segment)
        default:
            return
        }
    }
}
