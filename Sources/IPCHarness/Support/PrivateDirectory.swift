import Glibc
import IPCSyscalls
import SystemPackage

/// A directory only this user can enter, in a place (`/tmp`) where anyone can create names: made 0700 if missing,
/// and used only when it is a real directory (not a symbolic link), owned by this user and closed to everyone else.
///
/// `mkdir` failing with `EEXIST` says nothing about who made the name: another local user may have made it first, as
/// a directory of theirs or a link to one, to read or plant what the harness keeps there. So an existing name is
/// checked with `lstat` and refused, with one line saying why, unless it is this user's private directory.
public enum PrivateDirectory {
    public static func ensure(_ path: String) throws(HarnessError) {
        do {
            try Syscall.makeDirectory(path, mode: 0o700)
        } catch {
            // A name already there is checked below, like any directory found in place.
            if error != .fileExists { throw HarnessError("cannot create the private directory \(path): \(error)") }
        }
        if let problem = problem(with: path) { throw HarnessError(problem) }
    }

    /// Why `path` is not this user's private directory; nil when it is (or nil with `missingIsFine` when absent).
    public static func problem(with path: String, missingIsFine: Bool = false) -> String? {
        let status: FileStatus
        do {
            status = try Syscall.fileStatus(path)
        } catch {
            return missingIsFine && error == .noSuchFileOrDirectory ? nil : "cannot inspect \(path): \(error)"
        }
        guard status.kind == .directory else {
            return
                "\(path) is not a directory of this user's (\(status.kind == .symbolicLink ? "a symbolic link" : "another kind of file")); remove it and try again"
        }
        guard status.owner == getuid() else {
            return "\(path) belongs to uid \(status.owner), not to this user (\(getuid())); remove it and try again"
        }
        guard status.isPrivate else {
            return
                "\(path) has mode 0\(String(status.permissions, radix: 8)); it must be 0700 (chmod 700 it, or remove it)"
        }
        return nil
    }
}
