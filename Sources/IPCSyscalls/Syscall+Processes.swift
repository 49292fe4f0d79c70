import CIPCShims
import Glibc
import SystemPackage

/// How a child process ended.
public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
    case exited(code: Int32)
    case signaled(signal: Int32)

    public var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "killed by \(SignalName.name(of: signal))"
        }
    }
}

/// Symbolic signal names, as written in traces.
public enum SignalName {
    private static let table: [(String, Int32)] = [
        ("SIGHUP", SIGHUP), ("SIGINT", SIGINT), ("SIGQUIT", SIGQUIT), ("SIGILL", SIGILL), ("SIGTRAP", SIGTRAP),
        ("SIGABRT", SIGABRT), ("SIGBUS", SIGBUS), ("SIGFPE", SIGFPE), ("SIGKILL", SIGKILL), ("SIGUSR1", SIGUSR1),
        ("SIGSEGV", SIGSEGV), ("SIGUSR2", SIGUSR2), ("SIGPIPE", SIGPIPE), ("SIGALRM", SIGALRM), ("SIGTERM", SIGTERM),
        ("SIGCHLD", SIGCHLD), ("SIGCONT", SIGCONT), ("SIGSTOP", SIGSTOP), ("SIGTSTP", SIGTSTP), ("SIGTTIN", SIGTTIN),
        ("SIGTTOU", SIGTTOU), ("SIGURG", SIGURG), ("SIGXCPU", SIGXCPU), ("SIGXFSZ", SIGXFSZ),
        ("SIGVTALRM", SIGVTALRM), ("SIGPROF", SIGPROF), ("SIGWINCH", SIGWINCH), ("SIGIO", SIGIO), ("SIGSYS", SIGSYS),
    ]

    public static func name(of signal: Int32) -> String {
        if let entry = table.first(where: { $0.1 == signal }) { return entry.0 }
        let realtimeMinimum = Int32(__libc_current_sigrtmin())
        if signal >= realtimeMinimum { return "SIGRTMIN+\(signal - realtimeMinimum)" }
        return "SIG\(signal)"
    }

    public static func number(of name: String) -> Int32? {
        if let entry = table.first(where: { $0.0 == name }) { return entry.1 }
        if name.hasPrefix("SIGRTMIN+"), let offset = Int32(name.dropFirst(9)) {
            return Int32(__libc_current_sigrtmin()) + offset
        }
        return nil
    }
}

/// What to start and which descriptors the child gets.
public struct SpawnRequest: Sendable {
    public var path: String
    public var arguments: [String]
    /// Descriptors to install in the child: `source` (in this process) becomes `target` (in the child).
    /// The child gets exactly these plus 0, 1 and 2: every other descriptor is closed in the child, whether or
    /// not it is close-on-exec.
    public var descriptors: [(source: FileDescriptor, target: CInt)]
    /// Extra `NAME=value` entries added to this process's environment.
    public var environment: [String]

    public init(
        path: String, arguments: [String] = [], descriptors: [(source: FileDescriptor, target: CInt)] = [],
        environment: [String] = []
    ) {
        self.path = path
        self.arguments = arguments
        self.descriptors = descriptors
        self.environment = environment
    }
}

extension Syscall {
    /// Runs `body` while no ``spawn(_:)`` is under way, for code whose outcome depends on its closes being the last
    /// (a kernel-fact test comparing end of file with a model): a child starts with a copy of the whole descriptor
    /// table and keeps it until its exec, so for that moment it holds every descriptor of the process, and a close
    /// elsewhere in the process is not the last close (no end of file, no `EPIPE`, no discard).
    ///
    /// The gate is the C shims' recursive mutex (`ipc_spawn_gate_enter`), so a spawn inside `body` goes on. Spawns by
    /// other means (Foundation, Subprocess, Swift Testing's exit tests) are held off only where `posix_spawn` itself
    /// takes the gate: the test suite links `Tests/CSpawnGate`, which makes it so for every spawn of its process.
    public static func withoutConcurrentSpawns<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        ipc_spawn_gate_enter()
        defer { ipc_spawn_gate_leave() }
        return try body()
    }

    /// Starts a child process running `request.path`, with every signal at its default action and none blocked,
    /// and returns its process id. `posix_spawn` returns its error rather than setting errno.
    ///
    /// The corresponding C function is `posix_spawn`.
    public static func spawn(_ request: SpawnRequest) throws(Errno) -> pid_t {
        try withoutConcurrentSpawns { () throws(Errno) -> pid_t in try spawnNow(request) }
    }

    private static func spawnNow(_ request: SpawnRequest) throws(Errno) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // File actions run in order in the child, so a source numbered like an earlier target would be overwritten
        // before it is copied (another thread's objects can sit at any number). Move every source to a fresh slot
        // above all sources and targets first, then onto its target, then close the slots.
        let highest = request.descriptors.reduce(CInt(2)) { Swift.max($0, $1.source.rawValue, $1.target) }
        for (offset, (source, _)) in request.descriptors.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, source.rawValue, highest + 1 + CInt(offset))
        }
        for (offset, (_, target)) in request.descriptors.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, highest + 1 + CInt(offset), target)
        }
        // Then close everything else above 2: the slots, and whatever descriptors the process holds without
        // close-on-exec (Foundation's pipes in a test process, a user's code around IPCHarnessTesting). Such a
        // descriptor would otherwise live as long as the child: a write end kept open in a long-lived worker
        // hides EOF from a reader and makes exec of a file being written fail ETXTBSY. Closing a number that is
        // not open is not an error for posix_spawn.
        let targets = Set(request.descriptors.map(\.target))
        let highestTarget = targets.max() ?? 2
        for number in CInt(3)..<Swift.max(3, highestTarget) where !targets.contains(number) {
            posix_spawn_file_actions_addclose(&actions, number)
        }
        ipc_spawn_add_close_from(&actions, Swift.max(3, highestTarget + 1))

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([request.path] + request.arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var inherited: [String] = []
        if let environment = ipc_environ() {
            var index = 0
            while let entry = environment[index] {
                inherited.append(String(cString: entry))
                index += 1
            }
        }
        let envp = (inherited + request.environment).map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }

        var pid: pid_t = 0
        let result = posix_spawn(&pid, request.path, &actions, &attributes, argv, envp)
        if result != 0 { throw Errno(rawValue: result) }
        return pid
    }

    /// Sends `signal` to `pid`.
    ///
    /// The corresponding C function is `kill`.
    public static func kill(_ pid: pid_t, signal: Int32) throws(Errno) {
        _ = try perform(.kill, retryOnInterrupt: false) { _ in Glibc.kill(pid, signal) }
    }

    /// Reaps `pid`. With `block: false` returns nil while the child still runs.
    ///
    /// The corresponding C function is `waitpid`.
    public static func wait(_ pid: pid_t, block: Bool = true) throws(Errno) -> ExitStatus? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, block ? 0 : WNOHANG)
            if result == -1 {
                if Glibc.errno == EINTR { continue }
                throw Errno(rawValue: Glibc.errno)
            }
            if result == 0 { return nil }
            if ipc_wifexited(status) != 0 { return .exited(code: ipc_wexitstatus(status)) }
            if ipc_wifsignaled(status) != 0 { return .signaled(signal: ipc_wtermsig(status)) }
        }
    }

    /// Reaps `pid`, waiting for it, with what it used: its peak resident memory in bytes and its CPU seconds
    /// (user plus system).
    ///
    /// The corresponding C function is `wait4`.
    public static func waitWithUsage(_ pid: pid_t) throws(Errno) -> (status: ExitStatus, peakResidentBytes: Int, cpuSeconds: Double) {
        var status: Int32 = 0
        var usage = rusage()
        while true {
            let result = wait4(pid, &status, 0, &usage)
            if result == -1 {
                if Glibc.errno == EINTR { continue }
                throw Errno(rawValue: Glibc.errno)
            }
            let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
            let peak = usage.ru_maxrss * 1024
            if ipc_wifexited(status) != 0 { return (.exited(code: ipc_wexitstatus(status)), peak, cpu) }
            if ipc_wifsignaled(status) != 0 { return (.signaled(signal: ipc_wtermsig(status)), peak, cpu) }
        }
    }

    /// Ignores `SIGPIPE` in this process, so a write to a pipe without readers fails with `EPIPE` instead of
    /// killing the process (and with it a whole `swift test` run).
    ///
    /// The corresponding C function is `signal(SIGPIPE, SIG_IGN)`.
    public static func ignoreBrokenPipeSignal() {
        _ = signal(SIGPIPE, SIG_IGN)
    }

    /// This process's id.
    public static var processID: pid_t { getpid() }
}
