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

    /// Records that the run is about to create `name`; call before creating it.
    public func record(_ kind: Kind, _ name: String) throws(HarnessError) {
        do {
            if ledger == nil {
                try Syscall.createDirectories(Self.ledgerDirectory, mode: 0o700)
                ledger = try Syscall.open(ledgerPath, flags: O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_APPEND, mode: 0o600)
            }
            let line = Array("\(kind.rawValue) \(name)\n".utf8)
            _ = try line.withUnsafeBufferPointer { (raw) throws(Errno) -> Int in
                try Syscall.write(ledger!, UnsafeRawBufferPointer(raw))
            }
        } catch {
            throw HarnessError("cannot record \(name) in the run's ledger \(ledgerPath): \(error)")
        }
        entries.append((kind, name))
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

    /// Removes one object; an object already gone is not an error.
    static func remove(_ kind: Kind, _ name: String) {
        switch kind {
        case .path: try? Syscall.unlink(name)
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
        let directory = RunNamespace.ledgerDirectory
        for file in (try? Syscall.directoryEntries(directory)) ?? [] where file.hasPrefix(RunNamespace.prefix) && file.hasSuffix(".ledger") {
            guard let pid = creatorPID(of: file) else { continue }
            if isAlive(pid) {
                report.liveRuns += 1
                continue
            }
            let path = "\(directory)/\(file)"
            for line in readLines(path).reversed() {
                let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2, let kind = RunNamespace.Kind(rawValue: parts[0]), isHarnessName(parts[1]) else { continue }
                if !dryRun { RunNamespace.remove(kind, parts[1]) }
                report.removed.append("\(kind.rawValue) \(parts[1])")
            }
            if !dryRun { try? Syscall.unlink(path) }
        }
        // Objects whose ledger was lost: harness-named paths in /tmp of dead runs.
        for file in (try? Syscall.directoryEntries("/tmp")) ?? [] where file.hasPrefix(RunNamespace.prefix) {
            guard let pid = creatorPID(of: file), !isAlive(pid) else { continue }
            let path = "/tmp/\(file)"
            if report.removed.contains("path \(path)") { continue }
            if !dryRun { RunNamespace.remove(.path, path) }
            report.removed.append("path \(path)")
        }
        return report
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

    private static func readLines(_ path: String) -> [String] {
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
