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
    /// Where ledgers live (one file per run, mode 0600, in a 0700 directory).
    public static var ledgerDirectory: String { "/tmp/ipc-harness-ledgers-\(getuid())" }
    /// SysV IPC keys the harness uses carry these top 8 bits, so `clean` can find them in /proc/sysvipc.
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

        /// True for the System V kinds, whose ledger names are keys.
        public var isSystemV: Bool { rawValue.hasPrefix("sysv-") }
    }

    public let runID: String
    public let pid: pid_t
    private let ledgerPath: String
    private var ledger: FileDescriptor?
    private var entries: [(Kind, String)] = []

    public init() {
        pid = Syscall.processID
        var generator = SystemRandomNumberGenerator()
        runID = String(generator.next(), radix: 16)
        ledgerPath = "\(Self.ledgerDirectory)/\(Self.prefix)\(pid)-\(runID).ledger"
    }

    deinit { removeAll() }

    /// The stem every name of this run starts with: `ipch-<pid>-<random>-`.
    public var stem: String { "\(Self.prefix)\(pid)-\(runID)-" }

    /// A POSIX IPC name (`mq_open`, `shm_open`, `sem_open`): `/ipch-<pid>-<random>-<object>`.
    public func posixName(_ object: String) -> String { "/\(stem)\(object)" }

    /// A path in /tmp for a FIFO or a Unix socket (short enough for `sockaddr_un`'s 108 bytes).
    public func path(_ object: String) -> String { "/tmp/\(stem)\(object)" }

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
        do {
            if ledger == nil {
                try Syscall.createDirectories(Self.ledgerDirectory, mode: 0o700)
                ledger = try Syscall.open(ledgerPath, flags: O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_APPEND, mode: 0o600)
            }
            let line = Array("\(text)\n".utf8)
            _ = try line.withUnsafeBufferPointer { (raw) throws(Errno) -> Int in
                try Syscall.write(ledger!, UnsafeRawBufferPointer(raw))
            }
        } catch {
            throw HarnessError("cannot write \"\(text)\" to the run's ledger \(ledgerPath): \(error)")
        }
    }

    /// Removes every recorded object (newest first) and the ledger. Safe to call more than once.
    public func removeAll() {
        for (kind, name) in entries.reversed() { Self.remove(kind, name) }
        entries.removeAll()
        if let ledger {
            try? Syscall.close(ledger)
            self.ledger = nil
            try? Syscall.unlink(ledgerPath)
        }
    }

    /// Removes one object; an object already gone is not an error. A System V object is removed only while it
    /// belongs to this user (its key may have been freed and taken by someone else's object since).
    static func remove(_ kind: Kind, _ name: String) {
        switch kind {
        case .path: try? Syscall.unlink(name)
        case .posixMessageQueue: try? Syscall.mqUnlink(name)
        case .posixSharedMemory: try? Syscall.shmUnlink(name)
        case .posixSemaphore: try? Syscall.semUnlink(name)
        case .sysvMessageQueue, .sysvSemaphore, .sysvSharedMemory:
            guard let key = SystemVKeys.key(from: name) else { return }
            SystemVKeys.remove(kind, key: key)
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

    /// The tagged keys of this user's System V objects of `kind` that exist now, read from /proc/sysvipc.
    static func existing(_ kind: RunNamespace.Kind) -> [key_t] {
        let file: String
        switch kind {
        case .sysvMessageQueue: file = "/proc/sysvipc/msg"
        case .sysvSemaphore: file = "/proc/sysvipc/sem"
        case .sysvSharedMemory: file = "/proc/sysvipc/shm"
        default: return []
        }
        let lines = LeftoverCleaner.readLines(file)
        guard let header = lines.first?.split(separator: " ").map(String.init),
            let uidColumn = header.firstIndex(of: "uid")
        else { return [] }
        return lines.dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > uidColumn, let key = Int32(fields[0]), UInt32(bitPattern: key) >> 24 == UInt32(RunNamespace.sysvKeyTag),
                uid_t(fields[uidColumn]) == getuid()
            else { return nil }
            return key
        }
    }
}

/// `ipc-harness clean`: removes what runs that were killed left behind — only objects named with the harness's
/// prefix, and only those of runs whose driver is no longer alive.
public enum LeftoverCleaner {
    public struct Report: Sendable {
        /// What was removed, one `kind name` line each.
        public var removed: [String] = []
        /// Ledgers skipped because their run is still going.
        public var liveRuns = 0
    }

    public static func clean(dryRun: Bool = false) -> Report {
        var report = Report()
        func remove(_ kind: RunNamespace.Kind, _ name: String) {
            let line = "\(kind.rawValue) \(name)"
            guard !report.removed.contains(line) else { return }
            if !dryRun { RunNamespace.remove(kind, name) }
            report.removed.append(line)
        }
        // System V objects carry no creator pid, so they are told apart by the ledgers of live runs. Scan first,
        // read the ledgers after: an object seen by the scan was recorded before it was created, so its live run's
        // ledger already names it.
        let systemVKinds = RunNamespace.Kind.allCases.filter(\.isSystemV)
        let existingKeys = systemVKinds.map { ($0, SystemVKeys.existing($0)) }
        let directory = RunNamespace.ledgerDirectory
        var deadLedgers: [(path: String, entries: [(RunNamespace.Kind, String)])] = []
        var liveNames = Set<String>()
        for file in (try? Syscall.directoryEntries(directory)) ?? [] where file.hasPrefix(RunNamespace.prefix) && file.hasSuffix(".ledger") {
            guard let pid = creatorPID(of: file) else { continue }
            let path = "\(directory)/\(file)"
            let entries = ledgerEntries(path)
            if isAlive(pid) {
                report.liveRuns += 1
                liveNames.formUnion(entries.map { $0.1 })
            } else {
                deadLedgers.append((path, entries))
            }
        }
        for ledger in deadLedgers {
            for (kind, name) in ledger.entries.reversed() where !(kind.isSystemV && liveNames.contains(name)) {
                remove(kind, name)
            }
            if !dryRun { try? Syscall.unlink(ledger.path) }
        }
        // Objects whose ledger was lost: harness-named paths in /tmp and names in /dev/shm of dead runs.
        for file in (try? Syscall.directoryEntries("/tmp")) ?? [] where file.hasPrefix(RunNamespace.prefix) {
            guard let pid = creatorPID(of: file), !isAlive(pid) else { continue }
            remove(.path, "/tmp/\(file)")
        }
        for file in (try? Syscall.directoryEntries("/dev/shm")) ?? [] {
            let isSemaphore = file.hasPrefix("sem.\(RunNamespace.prefix)")
            let name = isSemaphore ? String(file.dropFirst(4)) : file
            guard name.hasPrefix(RunNamespace.prefix), let pid = creatorPID(of: name), !isAlive(pid) else { continue }
            remove(isSemaphore ? .posixSemaphore : .posixSharedMemory, "/\(name)")
        }
        for (kind, keys) in existingKeys {
            for key in keys where !liveNames.contains(RunNamespace.keyName(key)) { remove(kind, RunNamespace.keyName(key)) }
        }
        return report
    }

    /// A ledger's records, less the ones withdrawn, oldest first; lines naming anything but a harness object are
    /// ignored.
    static func ledgerEntries(_ path: String) -> [(RunNamespace.Kind, String)] {
        var entries: [(RunNamespace.Kind, String)] = []
        for line in readLines(path) {
            var parts = line.split(separator: " ").map(String.init)
            let withdrawn = parts.first == RunNamespace.withdrawn
            if withdrawn { parts.removeFirst() }
            guard parts.count == 2, let kind = RunNamespace.Kind(rawValue: parts[0]) else { continue }
            let isHarnessObject = kind.isSystemV ? SystemVKeys.key(from: parts[1]) != nil : isHarnessName(parts[1])
            guard isHarnessObject else { continue }
            if withdrawn {
                entries.removeAll { $0 == (kind, parts[1]) }
            } else {
                entries.append((kind, parts[1]))
            }
        }
        return entries
    }

    /// The pid in `ipch-<pid>-...`, or nil for any other name.
    static func creatorPID(of name: String) -> pid_t? {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        guard base.hasPrefix(RunNamespace.prefix) else { return nil }
        return base.dropFirst(RunNamespace.prefix.count).split(separator: "-").first.flatMap { pid_t($0) }
    }

    /// True for a name the harness could have given (so nothing else is ever removed).
    static func isHarnessName(_ name: String) -> Bool {
        creatorPID(of: name) != nil
    }

    static func isAlive(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    static func readLines(_ path: String) -> [String] {
        guard let descriptor = try? Syscall.open(path, flags: O_RDONLY | O_CLOEXEC) else { return [] }
        defer { try? Syscall.close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while let count = try? chunk.withUnsafeMutableBufferPointer({ (raw) throws(Errno) -> Int in
            try Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(raw))
        }), count > 0 {
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
