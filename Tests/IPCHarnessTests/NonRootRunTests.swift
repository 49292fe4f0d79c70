import Glibc
import IPCHarness
import Testing

/// Runs as a user other than root judge that user's objects as that user's (`Permissions.ofThisRun`).
///
/// Before, every model's setup took the driver's objects for root's and the workers for root: run as uid 65534,
/// `sysv-msg-selection` reported its own `MSG_STAT_ANY` ("owner 65534") as a violation in its first run, because
/// the model expected owner 0. CI runs as root, which is why this test drops to another user to see it.
@Suite struct NonRootRunTests {
    /// The correct scenarios whose workers report an object's owner and group (`IPC_STAT`, `SHM_STAT`, `SEM_STAT`,
    /// `MSG_STAT`, posix-shm's `fstat`) or meet permission checks, each a few runs as uid 65534: none may report a
    /// violation. Skipped where uid 65534 cannot reach the worker executable (a checkout under a private home).
    @Test(.enabled(if: NonRootRun.workerIsReachable, "uid 65534 cannot reach the worker executable"))
    func correctScenariosPassAsAnotherUser() async {
        await #expect(processExitsWith: .exitCode(0)) {
            let user: uid_t = 65534
            let directory = "/tmp/ipc-harness-nonroot-\(getpid())"
            guard mkdir(directory, 0o700) == 0, chown(directory, user, gid_t(user)) == 0 else { exit(3) }
            if geteuid() == 0 {
                guard setgroups(0, nil) == 0, setgid(gid_t(user)) == 0, setuid(user) == 0 else { exit(4) }
            }
            guard geteuid() == user, let worker = try? WorkerLocator.workerCommand() else { exit(5) }
            let names = [
                "sysv-msg-selection", "sysv-msg-removal", "sysv-sem-undo", "sysv-shm-robust-checked-shmat", "posix-shm-truncate",
            ]
            for (index, name) in names.enumerated() {
                guard let scenario = Scenarios.named(name), ScenarioAvailability.reason(scenario) == nil else { exit(Int32(20 + index)) }
                let options = RunOptions(seed: 11, runs: 3, outputDirectory: directory, checkBudget: CheckBudget(seconds: 60))
                guard let summary = try? ScenarioRunner.run(scenario, options: options, worker: worker) else { exit(Int32(30 + index)) }
                if summary.violations != 0 || summary.unknowns != 0 {
                    let text = "\(name): \(summary.firstViolation.map { "\($0.path)\n\($0.explanation)" } ?? "unknown")\n"
                    _ = text.withCString { write(2, $0, strlen($0)) }
                    exit(Int32(40 + index))
                }
            }
            rmdir(directory)
            exit(0)
        }
    }
}

enum NonRootRun {
    /// Whether uid 65534 may execute the worker: every directory on its path searchable by others, and the file
    /// executable by others (as a fresh clone in /tmp is).
    static var workerIsReachable: Bool {
        guard let path = try? WorkerLocator.workerCommand().path else { return false }
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            var status = stat()
            guard stat(prefix, &status) == 0, status.st_mode & 0o001 != 0 else { return false }
        }
        return true
    }
}
