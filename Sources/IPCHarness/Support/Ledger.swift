import Glibc
import IPCSyscalls
import Synchronization
import SystemPackage

/// A file in this user's private ledger directory that lists, one `kind name` line each, what a process is about to
/// create, written before it creates it: what the process removes when it ends, and what `ipc-harness clean`
/// removes when it was killed first. Only names listed in a ledger of this user's are ever removed by `clean`.
///
/// A ledger is named `ipch-<pid>-<random>.ledger`: the pid tells a finished process from a live one.
public final class Ledger {
    /// Where ledgers live: `/tmp/ipc-harness-ledgers-<uid>`, a directory only this user can enter (see
    /// ``PrivateDirectory``).
    public static var directory: String { "/tmp/ipc-harness-ledgers-\(getuid())" }

    public let path: String
    private var descriptor: FileDescriptor?

    /// A ledger for this process; the file is created with its first line.
    public init(id: String) {
        // The harness's prefix (`RunNamespace.prefix`) and this process's pid, as every name the harness gives.
        path = "\(Self.directory)/ipch-\(Syscall.processID)-\(id).ledger"
    }

    /// A ledger for a temporary file written beside `destination`, which it records before the file is created;
    /// returns the ledger and the temporary file's path (`.NAME.tmp-<pid>-<random>`, absolute).
    static func forTemporaryFile(beside destination: String) throws(HarnessError) -> (ledger: Ledger, path: String) {
        let (directory, name) = TraceWriter.split(destination)
        let random = UInt32.random(in: 0...UInt32.max)
        let path = absolute("\(directory)/.\(name).tmp-\(Syscall.processID)-\(random)")
        let ledger = Ledger(id: "tmp\(random)")
        try ledger.append("\(RunNamespace.Kind.temporaryFile.rawValue) \(path)")
        return (ledger, path)
    }

    /// `path` made absolute against the working directory, so `clean` finds it from anywhere.
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (directory == "/" ? "" : directory) + "/" + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    deinit { discard() }

    /// Appends one line, creating the ledger (and its directory) first.
    public func append(_ line: String) throws(HarnessError) {
        if descriptor == nil {
            try PrivateDirectory.ensure(Self.directory)
            do {
                descriptor = try Syscall.open(
                    path, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_APPEND, mode: 0o600)
            } catch {
                throw HarnessError("cannot create the ledger \(path): \(error)")
            }
        }
        Self.live.withLock { $0[path, default: []].append(line) }
        let bytes = Array("\(line)\n".utf8)
        do {
            _ = try bytes.withUnsafeBufferPointer { (raw) throws(Errno) -> Int in
                try Syscall.write(descriptor!, UnsafeRawBufferPointer(raw))
            }
        } catch {
            throw HarnessError("cannot write \"\(line)\" to the ledger \(path): \(error)")
        }
    }

    /// Closes and deletes the ledger (once what it lists is gone). Safe to call more than once.
    public func discard() {
        Self.live.withLock { _ = $0.removeValue(forKey: path) }
        guard let descriptor else { return }
        try? Syscall.close(descriptor)
        self.descriptor = nil
        try? Syscall.unlink(path)
    }

    /// The lines of every ledger of this process not yet discarded, by ledger path: what a process stopped by a
    /// signal removes before it exits (see ``StopSignals``).
    private static let live = Mutex<[String: [String]]>([:])

    /// Removes everything the live ledgers of this process name, newest first, and the ledgers, then calls `exit`
    /// with how many objects it removed, still holding the registry: nothing can be recorded (and then created)
    /// behind it by another thread of the process before it ends.
    static func removeEverythingLive(thenExit exit: (Int) -> Never) -> Never {
        live.withLock { ledgers -> Never in
            var removed = 0
            for (path, lines) in ledgers {
                for (kind, name) in LeftoverCleaner.entries(of: lines).reversed()
                where RunNamespace.remove(kind, name) == nil {
                    removed += 1
                }
                try? Syscall.unlink(path)
            }
            exit(removed)
        }
    }
}
