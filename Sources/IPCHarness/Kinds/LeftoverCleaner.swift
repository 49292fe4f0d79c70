import Glibc
import IPCSyscalls
import SystemPackage

/// `ipc-harness clean`: removes what processes that were killed left behind — only what a ledger of this user's
/// names (see ``Ledger``), only of processes that have ended, and only while it is still this user's object of the
/// kind recorded; plus this user's harness-named FIFOs and sockets in `/tmp` and objects in `/dev/shm` of ended runs
/// whose ledger was lost. It never removes a System V object no ledger names: a key's tag byte is shared with
/// every `ftok(path, 'I')` key of other programs.
public enum LeftoverCleaner {
    public struct Report: Sendable {
        /// What was removed (or, in a dry run, would be), one `kind name` line each.
        public var removed: [String] = []
        /// What could not be removed, and why, one line each.
        public var failed: [String] = []
        /// Ledgers skipped because their process is still running.
        public var liveRuns = 0
        /// Why the ledgers were not read at all, when they were not (the ledger directory is not private).
        public var ledgerProblem: String?
    }

    public static func clean(dryRun: Bool = false) -> Report {
        var report = Report()
        var seen = Set<String>()
        func remove(_ kind: RunNamespace.Kind, _ name: String) {
            let line = "\(kind.rawValue) \(name)"
            guard seen.insert(line).inserted else { return }
            if dryRun {
                report.removed.append(line)
            } else if let problem = RunNamespace.remove(kind, name) {
                report.failed.append("\(line): \(problem)")
            } else {
                report.removed.append(line)
            }
        }
        let directory = Ledger.directory
        if let problem = PrivateDirectory.problem(with: directory, missingIsFine: true) {
            report.ledgerProblem = problem
        } else {
            for file in (try? Syscall.directoryEntries(directory)) ?? []
            where file.hasPrefix(RunNamespace.prefix) && file.hasSuffix(".ledger") {
                guard let pid = creatorPID(of: file) else { continue }
                let path = "\(directory)/\(file)"
                guard let status = try? Syscall.fileStatus(path), status.kind == .regular, status.owner == getuid()
                else { continue }
                if isAlive(pid) {
                    report.liveRuns += 1
                    continue
                }
                for (kind, name) in ledgerEntries(path, pid: pid).reversed() { remove(kind, name) }
                if !dryRun { try? Syscall.unlink(path) }
            }
        }
        // Objects whose ledger was lost: this user's harness-named FIFOs and sockets in /tmp and names in /dev/shm
        // of ended runs.
        for file in (try? Syscall.directoryEntries("/tmp")) ?? [] where file.hasPrefix(RunNamespace.prefix) {
            guard let pid = creatorPID(of: file), !isAlive(pid) else { continue }
            let path = "/tmp/\(file)"
            guard let status = try? Syscall.fileStatus(path), status.owner == getuid(),
                [.fifo, .socket].contains(status.kind)
            else {
                continue
            }
            remove(.path, path)
        }
        for file in (try? Syscall.directoryEntries("/dev/shm")) ?? [] {
            let isSemaphore = file.hasPrefix("sem.\(RunNamespace.prefix)")
            let name = isSemaphore ? String(file.dropFirst(4)) : file
            guard name.hasPrefix(RunNamespace.prefix), let pid = creatorPID(of: name), !isAlive(pid),
                let status = try? Syscall.fileStatus("/dev/shm/\(file)"), status.owner == getuid(),
                status.kind == .regular
            else { continue }
            remove(isSemaphore ? .posixSemaphore : .posixSharedMemory, "/\(name)")
        }
        return report
    }

    /// A ledger's records, less the ones withdrawn, oldest first. A line is kept only when it names what a process
    /// `pid` of the harness could have created: a harness name (with that pid, for paths and POSIX names; a tagged key
    /// for System V), a path directly in /tmp, a temporary file of that pid's.
    static func ledgerEntries(_ path: String, pid: pid_t) -> [(RunNamespace.Kind, String)] {
        entries(of: readLines(path)) { kind, name in isPlausible(kind, name, pid: pid) }
    }

    /// The records of a ledger's lines, less the ones withdrawn, oldest first, keeping those `keep` accepts.
    static func entries(
        of lines: [String], keeping keep: (RunNamespace.Kind, String) -> Bool = { _, _ in true }
    ) -> [(RunNamespace.Kind, String)] {
        var entries: [(RunNamespace.Kind, String)] = []
        for line in lines {
            var parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            let withdrawn = parts.first == RunNamespace.withdrawn
            if withdrawn { parts.removeFirst() }
            guard parts.count == 2, let kind = RunNamespace.Kind(rawValue: parts[0]), keep(kind, parts[1]) else {
                continue
            }
            if withdrawn {
                entries.removeAll { $0 == (kind, parts[1]) }
            } else {
                entries.append((kind, parts[1]))
            }
        }
        return entries
    }

    static func isPlausible(_ kind: RunNamespace.Kind, _ name: String, pid: pid_t) -> Bool {
        let base = name.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? name
        switch kind {
        case .sysvMessageQueue, .sysvSemaphore, .sysvSharedMemory:
            return SystemVKeys.key(from: name) != nil
        case .path:
            // In /tmp, or one level down in a private directory of the same run.
            let parent = name.split(separator: "/").dropLast().last.map(String.init) ?? ""
            return (name == "/tmp/\(base)" && creatorPID(of: base) == pid)
                || (name == "/tmp/\(parent)/\(base)" && creatorPID(of: parent) == pid && !base.hasPrefix("."))
        case .directory:
            return name == "/tmp/\(base)" && creatorPID(of: base) == pid
        case .posixMessageQueue, .posixSharedMemory, .posixSemaphore:
            return name == "/\(base)" && creatorPID(of: base) == pid
        case .temporaryFile:
            return name.hasPrefix("/") && !name.contains("/../") && base.hasPrefix(".") && base.contains(".tmp-\(pid)-")
        }
    }

    /// The pid in `ipch-<pid>-...`, or nil for any other name.
    static func creatorPID(of name: String) -> pid_t? {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        guard base.hasPrefix(RunNamespace.prefix) else { return nil }
        return base.dropFirst(RunNamespace.prefix.count).split(separator: "-").first.flatMap { pid_t($0) }
    }

    static func isAlive(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    static func readLines(_ path: String) -> [String] {
        guard let descriptor = try? Syscall.open(path, flags: O_RDONLY | O_NOFOLLOW | O_CLOEXEC) else { return [] }
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
