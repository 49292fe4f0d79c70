import IPCHarness
import IPCModels
import Testing

/// The built-in scenarios reach the calls issue 15's creation rows added: across a few seeds, `sigwait` in the
/// signal scenarios, `mkfifo` and `unlink` in `fifo-basic`, `pipe` and `pipe2` (refused flags among them) in
/// `pipe-made-during-run`, `sem_close` in `posix-sem-handles`, `sem_init` and `sem_destroy` in `posix-sem-init-destroy`, `pause` in `signal-robust-pause`; the obsolete signal calls in `signal-robust-handler-flags`; `sigrelse`, `sigset` and BSD `sigpause` in `signal-robust-sigrelse`; the timer calls in `signal-robust-timer-bounded-wait`.
@Suite struct CreationCallsScenarioReachTests {
    /// Every call's `f` the scenario's workloads hold over seeds 1...40.
    func calls(of name: String) throws -> Set<String> {
        let setup = try #require(Scenarios.named(name)?.realSetup, "no real scenario \(name)")
        var seen: Set<String> = []
        for seed in 1...40 {
            var generator = SeededGenerator(seed: UInt64(seed))
            for process in setup.makeWorkload(&generator).processes {
                for call in process.program { seen.insert(call.f) }
            }
        }
        return seen
    }

    @Test(arguments: [
        ("signal-rt-queue", ["sigwait", "wait"]), ("signal-robust-thread-directed", ["sigwait", "wait", "tgkill"]),
        ("fifo-basic", ["mkfifo", "unlink", "open"]), ("posix-sem-handles", ["open", "close", "post"]), ("posix-sem-robust-closes-counted", ["open", "close"]), ("fifo-robust-reads-after-unlink", ["unlink", "read", "open"]),
        ("pipe-made-during-run", ["pipe", "pipe2", "write", "read", "dup", "close"]),
        ("signal-robust-sigwait", ["sigwait", "kill", "sigqueue"]), ("signal-robust-actions", ["killpg", "sigaction", "sigprocmask", "sigsuspend", "kill", "sigqueue"]),
        ("signal-robust-handler-flags", ["signal", "sigignore", "sighold", "siginterrupt", "sigpause", "sigaction"]), ("signal-robust-pause", ["pause", "sigsuspend", "wait"]),
        ("signal-robust-sigrelse", ["sigrelse", "sigset", "sigpause", "pending", "kill", "sigqueue", "sigaltstack"]), ("pipe-robust-made-nonblocking", ["pipe2", "write"]),
        ("posix-sem-init-destroy", ["init", "destroy", "wait", "post"]), ("posix-shm-mappings", ["open", "protect", "unmap", "sync", "truncate"]),
        ("posix-shm-memory-locks", ["lock", "unlock", "lockall", "unlockall", "sync"]),
        (
            "signal-robust-timer-bounded-wait",
            ["alarm", "setitimer", "getitimer", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete", "wait"]
        ),
    ])
    func scenarioReaches(name: String, expected: [String]) throws {
        let seen = try calls(of: name)
        #expect(Set(expected).isSubset(of: seen), "\(name) never makes \(Set(expected).subtracting(seen).sorted())")
    }
}
