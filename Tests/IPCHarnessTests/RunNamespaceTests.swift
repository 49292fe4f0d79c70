import Glibc
import IPCHarness
import IPCSyscalls
import Testing
import TestSupport

/// Hygiene: names carry the harness prefix and the creator's pid; a run removes what it created; `clean` removes
/// what dead runs left and never anything else.
@Suite(.serialized, .cleanLock) struct RunNamespaceTests {
    func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    func touch(_ path: String) {
        close(open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600))
    }

    /// The pid of a process that has exited and been reaped.
    func deadPID() throws -> pid_t {
        let pid = try Syscall.spawn(SpawnRequest(path: "/bin/true"))
        _ = try Syscall.wait(pid)
        return pid
    }

    @Test func namesCarryThePrefixThePIDAndRandomness() {
        let first = RunNamespace()
        let second = RunNamespace()
        #expect(first.posixName("q").hasPrefix("/ipch-\(getpid())-"))
        #expect(first.path("fifo").hasPrefix("/tmp/ipch-\(getpid())-"))
        #expect(first.posixName("q") != second.posixName("q"))
    }

    /// Issue 14, item 7: the stem of a run is visible in /tmp once it has made a path there; another user who knew
    /// it squatted the run's next names. Each name has randomness of its own.
    @Test func aRunsNamesCannotBeGuessedFromItsStem() {
        let namespace = RunNamespace()
        #expect(namespace.path("s0") != namespace.path("s0"))
        #expect(namespace.posixName("q0") != namespace.posixName("q0"))
        #expect(namespace.path("s0").hasPrefix("/tmp/" + namespace.stem + "s0-"))
    }

    @Test func aRunRemovesWhatItRecordedAndItsLedger() throws {
        let namespace = RunNamespace()
        let path = namespace.path("thing")
        try namespace.record(.path, path)
        mkfifo(path, 0o600)
        let ledger = try Syscall.directoryEntries(RunNamespace.ledgerDirectory).filter { $0.contains(namespace.runID) }
        #expect(ledger.count == 1)
        namespace.removeAll()
        #expect(!exists(path))
        #expect(try Syscall.directoryEntries(RunNamespace.ledgerDirectory).filter { $0.contains(namespace.runID) }.isEmpty)
    }

    @Test func cleanRemovesADeadRunsObjectsAndNothingElse() throws {
        let dead = try deadPID()
        let stem = "/tmp/ipch-\(dead)-feedface-"
        let leftover = stem + "fifo"
        let outsider = "/tmp/not-the-harness-\(getpid())"
        mkfifo(leftover, 0o600)
        touch(outsider)
        defer {
            unlink(leftover)
            unlink(outsider)
        }
        try Syscall.createDirectories(RunNamespace.ledgerDirectory, mode: 0o700)
        let ledger = "\(RunNamespace.ledgerDirectory)/ipch-\(dead)-feedface.ledger"
        let text = Array("path \(leftover)\npath \(outsider)\n".utf8)
        let fd = open(ledger, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        defer { unlink(ledger) }

        let dryRun = LeftoverCleaner.clean(dryRun: true)
        #expect(dryRun.removed.contains("path \(leftover)"))
        #expect(exists(leftover))

        let report = LeftoverCleaner.clean()
        #expect(report.removed.contains("path \(leftover)"))
        #expect(!report.removed.contains("path \(outsider)"))
        #expect(!exists(leftover))
        #expect(exists(outsider))
        #expect(!exists(ledger))
    }

    @Test func cleanLeavesALiveRunAlone() throws {
        let namespace = RunNamespace()
        let path = namespace.path("busy")
        try namespace.record(.path, path)
        mkfifo(path, 0o600)
        defer { namespace.removeAll() }
        let report = LeftoverCleaner.clean()
        #expect(report.liveRuns >= 1)
        #expect(exists(path))
    }
}
