import Glibc
import IPCHarness
import IPCSyscalls
import SystemPackage
import Testing
import TestSupport

/// `clean` removes only what a ledger of this user's names, only while it is still this user's object of the kind
/// recorded, and reports only what happened (issue 14, items 8, 9, 12).
@Suite(.serialized, .cleanLock) struct LeftoverCleanerTests {
    func deadPID() throws -> pid_t {
        let pid = try Syscall.spawn(SpawnRequest(path: "/bin/true"))
        _ = try Syscall.wait(pid)
        return pid
    }

    func writeLedger(pid: pid_t, _ lines: [String]) throws -> String {
        try PrivateDirectory.ensure(RunNamespace.ledgerDirectory)
        let path = "\(RunNamespace.ledgerDirectory)/ipch-\(pid)-c1ea4.ledger"
        let text = Array(lines.map { $0 + "\n" }.joined().utf8)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return path
    }

    /// Item 8: every `ftok(path, 'I')` key has the harness's tag byte; `clean` removed such objects of this user's
    /// that no ledger named.
    @Test func aTaggedSystemVKeyNoLedgerNamesIsLeftAlone() throws {
        let key = key_t(bitPattern: 0x49 << 24 | UInt32(getpid() & 0xFFFF) << 4 | 0x7)
        let queue = try Syscall.msgget(key, flags: IPC_CREAT | IPC_EXCL | 0o600)
        defer { try? Syscall.msgRemove(queue) }
        let report = LeftoverCleaner.clean()
        #expect((try? Syscall.msgStatus(queue)) != nil, "clean removed a key no ledger names")
        #expect(!report.removed.contains { $0.contains(RunNamespace.keyName(key)) })
    }

    /// Item 9: as root, `clean` removed other users' `/tmp/ipch-<dead pid>-…` files of any type, and reported a
    /// directory it could not remove as removed.
    @Test func onlyThisUsersFIFOsAndSocketsAreRemovedFromTmp() throws {
        let dead = try deadPID()
        let stem = "/tmp/ipch-\(dead)-5eed-"
        let theirs = stem + "theirs"
        let regular = stem + "regular"
        let directory = stem + "directory"
        let ours = stem + "ours"
        mkfifo(theirs, 0o600)
        close(open(regular, O_WRONLY | O_CREAT | O_EXCL, 0o600))
        mkdir(directory, 0o700)
        mkfifo(ours, 0o600)
        let strangerMadeIt = getuid() == 0 && chown(theirs, 65534, 65534) == 0
        defer {
            for path in [theirs, regular, ours] { unlink(path) }
            rmdir(directory)
        }
        let report = LeftoverCleaner.clean()
        #expect(report.removed.contains("path \(ours)"))
        #expect(access(ours, F_OK) != 0)
        for path in [regular, directory] + (strangerMadeIt ? [theirs] : []) {
            #expect(access(path, F_OK) == 0, "\(path) was removed")
            #expect(!report.removed.contains { $0.hasSuffix(path) }, "\(path) reported removed")
        }
        if !strangerMadeIt { print("skipped the stranger's FIFO: making a file another user owns needs root") }
    }

    /// A ledger line naming anything but what its own process could have made (another pid's name, a path outside
    /// /tmp) is ignored: a ledger is a list of the harness's own names, not a list of files to delete.
    @Test func aLedgerNamesOnlyItsOwnProcesssObjects() throws {
        let dead = try deadPID()
        let other = try deadPID()
        let foreign = "/tmp/ipch-\(other)-5eed-foreign"
        let outside = "/var/tmp/ipch-\(dead)-5eed-outside"
        mkfifo(foreign, 0o600)
        mkfifo(outside, 0o600)
        defer {
            unlink(foreign)
            unlink(outside)
        }
        let ledger = try writeLedger(pid: dead, ["path \(foreign)", "path \(outside)"])
        defer { unlink(ledger) }
        let report = LeftoverCleaner.clean(dryRun: true)
        #expect(!report.removed.contains("path \(outside)"))
        #expect(report.removed.allSatisfy { !$0.contains(outside) })
    }

    /// Item 12: a writer killed before its final rename leaves `.NAME.tmp-<pid>-<n>`; its ledger names the file
    /// before it exists, and `clean` removes it once the writer is gone.
    @Test func aTemporaryTraceIsNamedInALedgerWhileItIsWritten() throws {
        let destination = "/tmp/ipc-harness-cleaner-\(getpid()).jsonl"
        let writer = try TraceWriter(
            path: destination,
            header: Trace.Header(model: "pipe", mechanism: "kernel.pipe", seed: "1", strategy: "random"))
        defer { writer.abandon() }
        let ledgers = try Syscall.directoryEntries(RunNamespace.ledgerDirectory).filter {
            $0.hasPrefix("ipch-\(getpid())-tmp")
        }
        let named = ledgers.flatMap { LeftoverCleanerTests.lines("\(RunNamespace.ledgerDirectory)/\($0)") }
            .filter { $0.hasPrefix("temporary /tmp/.ipc-harness-cleaner-\(getpid()).jsonl.tmp-\(getpid())-") }
        #expect(named.count == 1)
        let temporary = String(try #require(named.first).dropFirst("temporary ".count))
        let status = try Syscall.fileStatus(temporary)
        #expect(status.kind == .regular && status.permissions == 0o600)
    }

    @Test func cleanRemovesATemporaryFileAKilledWriterLeft() throws {
        let dead = try deadPID()
        let temporary = "/tmp/.ipc-harness-cleaner-\(getpid()).jsonl.tmp-\(dead)-77"
        close(open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600))
        defer { unlink(temporary) }
        let ledger = try writeLedger(pid: dead, ["temporary \(temporary)"])
        defer { unlink(ledger) }
        let report = LeftoverCleaner.clean()
        #expect(report.removed.contains("temporary \(temporary)"))
        #expect(access(temporary, F_OK) != 0)
    }

    static func lines(_ path: String) -> [String] {
        guard let descriptor = try? Syscall.open(path, flags: O_RDONLY | O_CLOEXEC) else { return [] }
        defer { try? Syscall.close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count =
            (try? buffer.withUnsafeMutableBytes { (raw) throws(Errno) -> Int in try Syscall.read(descriptor, into: raw)
            }) ?? 0
        return String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
