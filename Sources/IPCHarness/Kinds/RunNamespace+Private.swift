import Glibc
import IPCSyscalls
import SystemPackage

extension RunNamespace {
    /// A directory for paths only this user and `group` may reach: `/tmp/ipch-<pid>-<random>-<object>.d`, mode 0710,
    /// owned by this user with group `group`. Recorded in the ledger before it is made; removed (after what it
    /// holds, which is recorded after it) when the run ends.
    ///
    /// A path in /tmp itself can be opened by anyone its own mode allows: a FIFO the `fifo-permission` scenario opens
    /// up to 0666 for its unprivileged workers was open to every local user, who could steal and inject bytes. Inside
    /// this directory the FIFO's own mode still decides for the workers (the rule under test), and nobody else gets
    /// past the directory.
    public func privateDirectory(_ object: String, group: gid_t) throws(HarnessError) -> String {
        let path = "/tmp/\(stem)\(object).d"
        try record(.directory, path)
        do {
            try Syscall.makeDirectory(path, mode: 0o700)
            try Syscall.changeOwner(path, user: getuid(), group: group)
            try Syscall.changeMode(path, 0o710)
        } catch {
            throw HarnessError("cannot create the private directory \(path): \(error)")
        }
        return path
    }
}

/// A user id no process and no account uses, for workers that must run without privilege: a worker running as
/// `nobody` could be signalled or traced by anything else running as `nobody`; one running as a fresh id can be
/// reached only by root.
public enum UnusedUser {
    /// The range searched: far above any id an account gets, below the 32-bit `(uid_t)-1`.
    static let range: ClosedRange<UInt32> = 0x4950_0000...0x4950_FFFF

    /// A user id (also used as the group id) that no account in /etc/passwd or /etc/group has and no process runs as.
    public static func pick() throws(HarnessError) -> uid_t {
        var used = Set<UInt32>()
        for file in ["/etc/passwd", "/etc/group"] {
            for line in LeftoverCleaner.readLines(file) {
                let fields = line.split(separator: ":", omittingEmptySubsequences: false)
                if fields.count > 2, let id = UInt32(fields[2]) { used.insert(id) }
            }
        }
        for entry in (try? Syscall.directoryEntries("/proc")) ?? [] where pid_t(entry) != nil {
            for line in LeftoverCleaner.readLines("/proc/\(entry)/status")
            where line.hasPrefix("Uid:") || line.hasPrefix("Gid:") {
                for field in line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst() {
                    if let id = UInt32(field) { used.insert(id) }
                }
            }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<64 {
            let candidate = UInt32.random(in: range, using: &generator)
            if !used.contains(candidate) { return uid_t(candidate) }
        }
        throw HarnessError("found no unused user id in \(range) for the unprivileged workers")
    }
}
