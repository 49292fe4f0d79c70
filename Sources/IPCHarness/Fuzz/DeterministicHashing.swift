import Glibc

/// Coverage is recorded as hashes of model states (``Coverage``), and Swift seeds its `Hasher` afresh in every
/// process: two shards' hashes of the same state differ, and a union of their coverage would count every state once
/// per shard. With `SWIFT_DETERMINISTIC_HASHING` set before the process starts, every process hashes alike, so
/// coverage from shards on different machines can be merged. The runtime reads the variable at start-up only, so a
/// fuzzing command restarts itself with it set.
public enum DeterministicHashing {
    public static let environmentVariable = "SWIFT_DETERMINISTIC_HASHING"

    /// Whether this process hashes deterministically.
    public static var isOn: Bool {
        guard let value = getenv(environmentVariable) else { return false }
        return String(cString: value) != "" && String(cString: value) != "0"
    }

    /// Restarts this executable, with the same arguments, hashing deterministically; returns only when it already
    /// does, or when the restart failed (the session then runs with coverage it cannot merge, and says so).
    public static func restartIfNeeded() {
        guard !isOn else { return }
        setenv(environmentVariable, "1", 1)
        let arguments = CommandLine.arguments
        var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        pointers.append(nil)
        execv("/proc/self/exe", &pointers)
        for pointer in pointers { free(pointer) }
    }
}
