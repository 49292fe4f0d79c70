import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage

/// A network namespace of a run's own, for workloads whose Unix sockets have abstract names.
///
/// An abstract name has no file and no permissions: any local user can list it (`/proc/net/unix`), connect to it
/// or send to it, and a stranger's connection or datagram then looks like one of the run's (it turned a correct run
/// into a violation). Abstract names are scoped by network namespace, so the driver creates such a run's sockets
/// and starts its workers from a thread moved into a fresh namespace, then moves the thread back: only the run's
/// processes can reach the names, and the namespace ends with them. Creating a namespace needs root; without it,
/// such a scenario is skipped (see ``ScenarioAvailability``).
enum PrivateNetwork {
    /// Whether `workload` has a Unix socket with an abstract name.
    static func isNeeded(for workload: Workload) -> Bool {
        workload.objects.contains { $0.kind == "unix-socket" && $0.parameters["address"] == .string("abstract") }
    }

    /// Runs `body` on this thread, inside a new network namespace when `workload` needs one.
    static func run<T>(for workload: Workload, _ body: () throws(HarnessError) -> T) throws(HarnessError) -> T {
        guard isNeeded(for: workload) else { return try body() }
        let original: FileDescriptor
        do {
            original = try Syscall.open("/proc/thread-self/ns/net", flags: O_RDONLY | O_CLOEXEC)
            try Syscall.unshareNetwork()
        } catch {
            throw HarnessError(
                "cannot give the run's abstract socket names a network namespace of their own: \(error)", input: .setup)
        }
        defer {
            // Back to the process's own namespace; a thread that could not return must not go on to make other
            // runs' sockets in this one.
            do { try Syscall.enterNetwork(original) } catch {
                fatalError("cannot return to the driver's network namespace: \(error)")
            }
            try? Syscall.close(original)
        }
        return try body()
    }
}
