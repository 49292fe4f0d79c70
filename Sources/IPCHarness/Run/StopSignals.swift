import Glibc
import IPCSyscalls
import Synchronization
import SystemPackage

/// How the command line ends when it is told to stop (SIGINT from Ctrl-C, SIGTERM, SIGHUP): it kills its worker
/// processes, removes every object the ledgers of this process name (the runs' IPC objects and the temporary files
/// of unfinished traces), deletes those ledgers, and exits 128 + the signal's number (130, 143, 129). A second
/// signal while it cleans ends it at once.
///
/// The three signals are blocked in every thread (threads inherit the mask of the thread that starts them) and taken
/// by one thread with `sigwait`, so the cleaning runs as ordinary code, not in a signal handler. Spawned workers get
/// an empty mask and default actions (see ``Syscall/spawn(_:)``), so they are not affected.
public enum StopSignals {
    static let signals = [SIGINT, SIGTERM, SIGHUP]
    private static let isStopping = Atomic<Bool>(false)

    /// Ends the process with `status`, unless a stop signal is being handled: then the thread waits for that to end
    /// the process (with 128 + the signal), so an error the stop causes in a run (a worker gone) cannot end it first
    /// with another status and objects left behind.
    public static func exit(_ status: Int32) -> Never {
        while isStopping.load(ordering: .sequentiallyConsistent) { pause() }
        Glibc.exit(status)
    }

    /// Call first thing in `main`, before any other thread starts.
    public static func install() {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
        _ = OSThread {
            var stopping = false
            while true {
                var received: Int32 = 0
                guard sigwait(&set, &received) == 0 else { continue }
                if stopping { _exit(128 + received) }
                stopping = true
                isStopping.store(true, ordering: .sequentiallyConsistent)
                let signal = received
                _ = OSThread { stop(signal) }
            }
        }
    }

    /// Kills the workers, removes what the ledgers name, says so on standard error and exits.
    static func stop(_ signal: Int32) -> Never {
        let workers = killChildren()
        Ledger.removeEverythingLive { removed -> Never in
            let line =
                "stopped by \(SignalName.name(of: signal)): killed \(workers) worker\(workers == 1 ? "" : "s"), removed \(removed) object\(removed == 1 ? "" : "s") and temporary file\(removed == 1 ? "" : "s")\n"
            let bytes = Array(line.utf8)
            _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            _exit(128 + signal)
        }
    }

    /// SIGKILLs every child of this process (its workers) and reaps them; returns how many.
    static func killChildren() -> Int {
        let me = Syscall.processID
        var children: [pid_t] = []
        for entry in (try? Syscall.directoryEntries("/proc")) ?? [] {
            guard let pid = pid_t(entry), let parent = parentPID(of: pid), parent == me else { continue }
            children.append(pid)
        }
        for child in children { kill(child, SIGKILL) }
        for child in children { _ = try? Syscall.wait(child) }
        return children.count
    }

    /// The parent in /proc/PID/stat (the fourth field, after the command name in parentheses).
    static func parentPID(of pid: pid_t) -> pid_t? {
        guard let line = LeftoverCleaner.readLines("/proc/\(pid)/stat").first,
            let close = line.lastIndex(of: ")")
        else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }
}
