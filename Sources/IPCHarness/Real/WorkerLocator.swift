import Glibc
import IPCSyscalls

/// Finds the worker executable: `$IPC_HARNESS_WORKER`, else `ipc-harness-worker` beside the running executable
/// (the CLI, or the test bundle in `.build/debug`).
public enum WorkerLocator {
    public static let environmentVariable = "IPC_HARNESS_WORKER"
    public static let executableName = "ipc-harness-worker"

    public static func workerPath() throws(HarnessError) -> String {
        if let override = getenv(environmentVariable) {
            let path = String(cString: override)
            guard access(path, X_OK) == 0 else {
                throw HarnessError("\(environmentVariable)=\(path) is not an executable file")
            }
            return path
        }
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { throw HarnessError("cannot read /proc/self/exe to find \(executableName)") }
        let executable = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let directory = executable.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let path = directory + "/" + executableName
        guard access(path, X_OK) == 0 else {
            throw HarnessError("cannot find the worker executable \(path): build it with `swift build` or set \(environmentVariable)")
        }
        return path
    }
}
