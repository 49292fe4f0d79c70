import Glibc
import IPCSyscalls

/// How to start a worker process: an executable and its arguments.
public struct WorkerCommand: Sendable, Hashable {
    public var path: String
    public var arguments: [String]

    public init(path: String, arguments: [String] = []) {
        self.path = path
        self.arguments = arguments
    }
}

/// Finds the worker executable: `$IPC_HARNESS_WORKER`, else `ipc-harness-worker` beside the running executable
/// (the CLI, or the test bundle in `.build/debug`), else — when the running executable can serve as a worker itself
/// (the CLI can: `swift run ipc-harness` builds only the CLI) — the running executable with ``selfServeArgument``.
public enum WorkerLocator {
    public static let environmentVariable = "IPC_HARNESS_WORKER"
    public static let executableName = "ipc-harness-worker"
    /// The first argument that makes the `ipc-harness` CLI run as a worker.
    public static let selfServeArgument = "--serve-as-worker"

    public static func workerCommand(runningExecutableCanServe: Bool = false) throws(HarnessError) -> WorkerCommand {
        if let override = getenv(environmentVariable) {
            let path = String(cString: override)
            guard access(path, X_OK) == 0 else {
                throw HarnessError("\(environmentVariable)=\(path) is not an executable file")
            }
            return WorkerCommand(path: path)
        }
        let executable = try runningExecutable()
        let directory = executable.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let path = directory + "/" + executableName
        // A worker built before the CLI (`swift build --product ipc-harness` rebuilds only the CLI) may not know
        // what the CLI now sends; the CLI serves instead.
        let stale = runningExecutableCanServe && modificationTime(path) < modificationTime(executable)
        if access(path, X_OK) == 0 && !stale { return WorkerCommand(path: path) }
        if runningExecutableCanServe { return WorkerCommand(path: executable, arguments: [selfServeArgument]) }
        throw HarnessError("cannot find the worker executable \(path): build it with `swift build` or set \(environmentVariable)")
    }

    /// The worker executable named `name` (a user's, built from the `IPCHarnessWorker` product) beside the running
    /// executable — in `swift test`, beside the test bundle, where SwiftPM puts every executable a test target
    /// depends on — unless `$IPC_HARNESS_WORKER` names another.
    public static func workerCommand(named name: String) throws(HarnessError) -> WorkerCommand {
        if let override = getenv(environmentVariable) {
            let path = String(cString: override)
            guard access(path, X_OK) == 0 else { throw HarnessError("\(environmentVariable)=\(path) is not an executable file") }
            return WorkerCommand(path: path)
        }
        let executable = try runningExecutable()
        let path = executable.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/") + "/" + name
        guard access(path, X_OK) == 0 else {
            throw HarnessError("cannot find the worker executable \(path): make your test target depend on the executable target '\(name)' (SwiftPM then builds it for swift test), or set \(environmentVariable)")
        }
        return WorkerCommand(path: path)
    }

    /// The running executable, serving as its own worker (``selfServeArgument``): a command line built with
    /// components of its own, which a separately built worker would lack.
    public static func runningExecutableAsWorker() throws(HarnessError) -> WorkerCommand {
        WorkerCommand(path: try runningExecutable(), arguments: [selfServeArgument])
    }

    private static func modificationTime(_ path: String) -> Int {
        var status = stat()
        guard stat(path, &status) == 0 else { return 0 }
        return status.st_mtim.tv_sec
    }

    /// The path of the executable this process runs.
    public static func runningExecutable() throws(HarnessError) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { throw HarnessError("cannot read /proc/self/exe to find \(executableName)") }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
