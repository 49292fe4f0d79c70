import Glibc
import IPCHarness
import IPCSyscalls
import Testing

/// Item 7 of issue 14: the ledger directory was used whoever had made it (`mkdir`'s EEXIST ignored), so another local
/// user who made it first read every run's names and planted ledgers for `clean`. A private directory is used only
/// when it is this user's own real directory, closed to everyone else.
@Suite struct PrivateDirectoryTests {
    func scratch(_ name: String) -> String { "/tmp/ipc-harness-private-\(getpid())-\(name)" }

    @Test func aMissingDirectoryIsMadeForThisUserOnly() throws {
        let path = scratch("fresh")
        defer { rmdir(path) }
        try PrivateDirectory.ensure(path)
        let status = try Syscall.fileStatus(path)
        #expect(status.kind == .directory && status.owner == getuid() && status.permissions == 0o700)
        try PrivateDirectory.ensure(path)  // and is used again
    }

    @Test func aDirectoryOpenToOthersIsRefused() throws {
        let path = scratch("open")
        mkdir(path, 0o700)
        chmod(path, 0o755)
        defer { rmdir(path) }
        #expect(throws: HarnessError.self) { try PrivateDirectory.ensure(path) }
        #expect(PrivateDirectory.problem(with: path)?.contains("mode 0755") == true)
    }

    @Test func aSymbolicLinkIsRefusedEvenToThisUsersDirectory() throws {
        let target = scratch("target")
        let link = scratch("link")
        mkdir(target, 0o700)
        symlink(target, link)
        defer {
            unlink(link)
            rmdir(target)
        }
        #expect(PrivateDirectory.problem(with: link)?.contains("symbolic link") == true)
        #expect(throws: HarnessError.self) { try PrivateDirectory.ensure(link) }
    }

    @Test func aDirectoryAnotherUserMadeIsRefused() throws {
        guard getuid() == 0 else {
            print("skipped: making a directory another user owns needs root")
            return
        }
        let path = scratch("theirs")
        mkdir(path, 0o700)
        chown(path, 65534, 65534)
        defer { rmdir(path) }
        #expect(PrivateDirectory.problem(with: path)?.contains("belongs to uid 65534") == true)
        #expect(throws: HarnessError.self) { try PrivateDirectory.ensure(path) }
    }

    @Test func theLedgerDirectoryARunUsesIsPrivate() throws {
        let namespace = RunNamespace()
        try namespace.record(.path, namespace.path("probe"))
        defer { namespace.removeAll() }
        let status = try Syscall.fileStatus(RunNamespace.ledgerDirectory)
        #expect(status.kind == .directory && status.owner == getuid() && status.isPrivate)
    }

    /// An attacker test: another local user (`nobody`) cannot list the ledgers, so cannot learn the runs' names.
    @Test func anotherUserCannotListTheLedgers() throws {
        guard getuid() == 0, access("/usr/bin/setpriv", X_OK) == 0 else {
            print("skipped: running a command as another user needs root and setpriv")
            return
        }
        let namespace = RunNamespace()
        try namespace.record(.path, namespace.path("probe"))
        defer { namespace.removeAll() }
        let pid = try Syscall.spawn(
            SpawnRequest(
                path: "/usr/bin/setpriv",
                arguments: [
                    "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/ls", RunNamespace.ledgerDirectory,
                ]))
        #expect(try Syscall.wait(pid) != .exited(code: 0), "nobody listed \(RunNamespace.ledgerDirectory)")
    }
}
