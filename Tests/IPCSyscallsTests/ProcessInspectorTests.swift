import Glibc
import IPCSyscalls
import SystemPackage
import Testing

/// The driver tells a worker blocked inside an operation from one still running by reading /proc. This checks
/// that reading on a real blocked process, waiting for the kernel to say so rather than sleeping.
@Suite struct ProcessInspectorTests {
    @Test func seesAChildAsleepInReadOnItsStandardInput() throws {
        let (read, write) = try Syscall.pipe()
        defer { try? Syscall.close(write) }
        let pid = try Syscall.spawn(SpawnRequest(path: "/bin/cat", descriptors: [(read, 0)]))
        try Syscall.close(read)
        defer {
            try? Syscall.kill(pid, signal: SIGKILL)
            _ = try? Syscall.wait(pid)
        }
        let deadline = MonotonicClock.nanoseconds() + 20_000_000_000
        var blocked = false
        while MonotonicClock.nanoseconds() < deadline {
            if let snapshot = ProcessInspector.snapshot(of: pid), snapshot.isBlocked(inSyscall: SyscallNumber.read, descriptor: 0) {
                blocked = true
                break
            }
            var descriptors: [pollfd] = []
            _ = try Syscall.poll(&descriptors, timeoutMilliseconds: 1)
        }
        #expect(blocked, "cat never showed as asleep in read(0) within 20 s")
    }

    @Test func aProcessThatDoesNotExistHasNoSnapshot() {
        #expect(ProcessInspector.snapshot(of: 999_999_999) == nil)
    }

    @Test func aChildSpinningInUserSpaceIsNotAsleep() throws {
        let pid = try Syscall.spawn(SpawnRequest(path: "/bin/sh", arguments: ["-c", "while :; do :; done"]))
        defer {
            try? Syscall.kill(pid, signal: SIGKILL)
            _ = try? Syscall.wait(pid)
        }
        // It may not have been scheduled yet, but it never sleeps in a system call once its loop runs.
        let deadline = MonotonicClock.nanoseconds() + 20_000_000_000
        var sawRunning = false
        while MonotonicClock.nanoseconds() < deadline && !sawRunning {
            if let snapshot = ProcessInspector.snapshot(of: pid), snapshot.state == "R", !snapshot.isAsleepInSyscall {
                sawRunning = true
            }
        }
        #expect(sawRunning)
    }
}
