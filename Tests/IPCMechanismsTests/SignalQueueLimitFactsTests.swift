import Glibc
import Testing

/// `RLIMIT_SIGPENDING` counts the queued signals of the receiver's *user*, every process of it, against the receiver's
/// limit — measured on this kernel (issue 15: the signal model's `EAGAIN` before `queueLimit`, `SignalModel+QueueLimit.swift`;
/// a C probe first): with a limit of 3, three real-time signals queued to one process of a user leave no slot for a
/// `sigqueue` to another process of that user (`EAGAIN`), and once the first is reaped the same `sigqueue` succeeds.
///
/// It runs in an exit test's child under a user id of its own (no other process of that user holds pending signals:
/// root's count moves with everything else the machine runs), with two `sleep` processes as receivers, spawned with
/// the signal blocked so that it stays pending.
@Suite struct SignalQueueLimitFactsTests {
    @Test func theLimitCountsEveryProcessOfTheUser() async {
        await #expect(processExitsWith: .success) {
            let signal: CInt = 40  // SIGRTMIN+6
            // A user id no other process has, not even this test's in another checkout running beside it: a fixed
            // one was shared by two such runs once, and their queued signals counted against each other's limit.
            guard setuid(uid_t(200_000 + getpid())) == 0 else { exit(1) }
            var limit = rlimit(rlim_cur: 3, rlim_max: 3)
            guard setrlimit(__rlimit_resource_t(__RLIMIT_SIGPENDING.rawValue), &limit) == 0 else { exit(2) }
            func spawnBlocking() -> pid_t {
                var attributes = posix_spawnattr_t()
                posix_spawnattr_init(&attributes)
                defer { posix_spawnattr_destroy(&attributes) }
                var mask = sigset_t()
                sigemptyset(&mask)
                sigaddset(&mask, signal)
                posix_spawnattr_setsigmask(&attributes, &mask)
                posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
                var pid: pid_t = 0
                let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("sleep"), strdup("60"), nil]
                defer { arguments.forEach { free($0) } }
                guard posix_spawn(&pid, "/bin/sleep", nil, &attributes, arguments, nil) == 0 else { exit(3) }
                return pid
            }
            func queue(_ pid: pid_t) -> CInt { sigqueue(pid, signal, sigval(sival_int: 0)) == 0 ? 0 : errno }
            let first = spawnBlocking(), second = spawnBlocking()
            defer {
                kill(second, SIGKILL)
                waitpid(second, nil, 0)
            }
            for _ in 0..<3 { guard queue(first) == 0 else { exit(4) } }
            guard queue(second) == EAGAIN else { exit(5) }
            kill(first, SIGKILL)
            guard waitpid(first, nil, 0) == first else { exit(6) }
            guard queue(second) == 0 else { exit(7) }
        }
    }
}
