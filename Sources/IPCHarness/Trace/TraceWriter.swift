import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage

/// Writes a trace as it is recorded, atomically: lines go to a hidden temporary file beside the destination,
/// which is flushed and renamed over the destination only by ``finish(verdict:)``. A run that dies half-way
/// leaves the destination untouched (and a `.NAME.tmp-*` file that `ipc-harness clean` removes: a ledger names it
/// before it is created). A trace holds every payload of the run, so only its owner may read it (mode 0600).
public final class TraceWriter {
    public let path: String
    private let temporaryPath: String
    private let ledger: Ledger
    private var descriptor: FileDescriptor?
    private var pending: [UInt8] = []
    private var nextIndex = 0
    private static let flushThreshold = 64 << 10

    /// Starts a trace at `path` (creating missing directories) and writes its header.
    public init(path: String, header: Trace.Header) throws(TraceError) {
        self.path = path
        let (directory, _) = Self.split(path)
        do {
            (ledger, temporaryPath) = try Ledger.forTemporaryFile(beside: path)
        } catch {
            throw TraceError(path: path, "cannot create: \(error)")
        }
        do {
            try Syscall.createDirectories(directory)
            descriptor = try Syscall.open(
                temporaryPath, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode: 0o600)
        } catch {
            ledger.discard()
            throw TraceError(path: path, "cannot create: \(error)")
        }
        header.json.write(into: &pending)
        pending.append(0x0A)
    }

    deinit { abandon() }

    /// Appends one event. Indices must run 0, 1, 2, ... as in the trace.
    public func append(_ event: Trace.Event) throws(TraceError) {
        guard descriptor != nil else { throw TraceError(path: path, "the trace is already finished") }
        guard event.index == nextIndex else {
            throw TraceError(path: path, "event index \(event.index) out of order (expected \(nextIndex))")
        }
        nextIndex += 1
        event.json.write(into: &pending)
        pending.append(0x0A)
        if pending.count >= Self.flushThreshold { try flush() }
    }

    /// Writes the verdict (if any), flushes the file to storage and renames it into place.
    public func finish(verdict: Trace.Verdict? = nil) throws(TraceError) {
        guard let descriptor else { throw TraceError(path: path, "the trace is already finished") }
        if let verdict {
            verdict.json.write(into: &pending)
            pending.append(0x0A)
        }
        try flush()
        do {
            try Syscall.fsync(descriptor)
            try Syscall.close(descriptor)
            self.descriptor = nil
            try Syscall.rename(temporaryPath, to: path)
            ledger.discard()
        } catch {
            abandon()
            throw TraceError(path: path, "cannot finish: \(error)")
        }
    }

    /// Discards the unfinished trace; the destination is left as it was.
    public func abandon() {
        if let descriptor {
            try? Syscall.close(descriptor)
            self.descriptor = nil
            try? Syscall.unlink(temporaryPath)
        }
        ledger.discard()
    }

    private func flush() throws(TraceError) {
        guard let descriptor else { return }
        var offset = 0
        while offset < pending.count {
            do {
                offset += try pending.withUnsafeBytes { (raw) throws(Errno) -> Int in
                    try Syscall.write(descriptor, UnsafeRawBufferPointer(rebasing: raw[offset...]))
                }
            } catch {
                throw TraceError(path: path, "cannot write: \(error)")
            }
        }
        pending.removeAll(keepingCapacity: true)
    }

    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}

extension Trace {
    /// Reads a whole trace into memory.
    public static func load(path: String) throws(TraceError) -> Trace {
        try collect(try TraceReader(path: path))
    }

    /// Parses a whole trace from its text.
    public static func parse(_ bytes: [UInt8], name: String = "trace") throws(TraceError) -> Trace {
        try collect(try TraceReader(bytes: bytes, name: name))
    }

    private static func collect(_ reader: TraceReader) throws(TraceError) -> Trace {
        var trace = Trace(header: reader.header)
        while let line = try reader.next() {
            switch line {
            case .event(let event): trace.events.append(event)
            case .verdict(let verdict): trace.verdict = verdict
            }
        }
        return trace
    }

    /// The trace as JSON Lines text.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        header.json.write(into: &output)
        output.append(0x0A)
        for event in events {
            event.json.write(into: &output)
            output.append(0x0A)
        }
        if let verdict {
            verdict.json.write(into: &output)
            output.append(0x0A)
        }
        return output
    }

    /// Writes the trace to `path` atomically.
    public func write(to path: String) throws(TraceError) {
        let writer = try TraceWriter(path: path, header: header)
        for event in events { try writer.append(event) }
        try writer.finish(verdict: verdict)
    }
}
