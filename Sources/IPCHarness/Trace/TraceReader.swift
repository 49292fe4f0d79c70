import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage

/// Reads a trace line by line, never holding more than the current line and one read buffer in memory, and
/// checks each line as it goes: JSON syntax and UTF-8, field types and ranges, consecutive indices, times that
/// never go backwards, and the verdict (if any) as the last line. Every error names the line.
public final class TraceReader {
    /// A line after the header.
    public enum Line: Sendable, Hashable {
        case event(Trace.Event)
        case verdict(Trace.Verdict)
    }

    /// Lines longer than this are rejected rather than buffered (a trace line is an event, not a bulk transfer).
    public static let maximumLineLength = 64 << 20
    private static let chunkSize = 64 << 10

    public let path: String
    /// The header, read when the reader opens.
    public private(set) var header: Trace.Header!
    /// The 1-based line number of the line most recently returned.
    public private(set) var lineNumber = 0
    /// The most bytes the reader has buffered at once; stays near one chunk plus the longest line.
    public private(set) var peakBufferedBytes = 0

    private var descriptor: FileDescriptor?
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var atEndOfInput = false
    private var nextIndex = 0
    private var lastTime: UInt64 = 0
    private var sawVerdict = false
    private var rules: TraceRules?
    /// The events and verdict of a trace held in memory (``init(trace:name:)``), returned in turn.
    private var heldEvents: [Trace.Event]?
    private var heldVerdict: Trace.Verdict?
    private var heldPosition = 0
    /// Whether lines in the plain form are read by ``EventLineParser`` (tests turn it off to compare).
    var readsPlainLinesDirectly = true

    /// Opens a trace file and reads its header.
    public init(path: String) throws(TraceError) {
        self.path = path
        self.buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        do {
            descriptor = try Syscall.open(path, flags: O_RDONLY | O_CLOEXEC)
        } catch {
            throw TraceError(path: path, "cannot open: \(error)")
        }
        try readHeader()
    }

    /// Reads a trace held in memory (for tests and small tools).
    public init(bytes: [UInt8], name: String = "trace") throws(TraceError) {
        self.path = name
        self.buffer = bytes
        self.end = bytes.count
        self.atEndOfInput = true
        try readHeader()
    }

    /// Reads a trace's events as they would read from its text, without writing it: each event is checked by the
    /// rules reading applies (ranges, the fields its type needs, indices in order, times that never go back) and
    /// its `value` is what reading would give back. Errors name `name` and the line the event would be on.
    /// Checking a run's trace as it is recorded goes this way (a simulation run's trace of ~100 events took
    /// 0.11 ms to write out and parse again, most of its check).
    public init(trace: Trace, name: String = "trace") throws(TraceError) {
        self.path = name
        self.buffer = []
        self.atEndOfInput = true
        self.header = trace.header
        do {
            rules = try TraceRules(header: trace.header)
        } catch {
            throw TraceError(path: name, line: 1, error.message)
        }
        // Parameters as reading them gives them (a model reads its configuration from them).
        self.header.parameters = (try? trace.header.parameters?.readBack(depth: 1)) ?? trace.header.parameters
        self.lineNumber = 1
        self.heldEvents = trace.events
        self.heldVerdict = trace.verdict
    }

    deinit {
        if let descriptor { try? Syscall.close(descriptor) }
    }

    private func readHeader() throws(TraceError) {
        guard let (bytes, complete) = try nextRawLine() else {
            throw TraceError(path: path, line: 1, "the trace is empty (the first line must be the header)")
        }
        lineNumber = 1
        let json = try parse(bytes, complete: complete)
        do {
            header = try Trace.Header(json: json)
            rules = try TraceRules(header: header)
        } catch {
            throw TraceError(path: path, line: 1, error.message)
        }
    }

    /// The next event or the verdict; nil at the end of the trace.
    public func next() throws(TraceError) -> Line? {
        if let heldEvents { return try nextHeld(heldEvents) }
        var line: Line?
        guard try readLine(event: { line = .event(copy $0) }, verdict: { line = .verdict($0) }) else { return nil }
        return line
    }

    /// Reads the next line of the file, handing its event or verdict to the closure for it; false at the end.
    private func readLine(
        event: (borrowing Trace.Event) throws(TraceError) -> Void, verdict: (Trace.Verdict) -> Void
    ) throws(TraceError) -> Bool {
        guard let (bytes, complete) = try nextRawLine() else { return false }
        lineNumber += 1
        if bytes.isEmpty {
            if !complete { return false }
            throw TraceError(path: path, line: lineNumber, "blank line (every line must be one JSON object)")
        }
        if sawVerdict { throw TraceError(path: path, line: lineNumber, "nothing may follow the verdict line") }
        if readsPlainLinesDirectly, let plain = EventLineParser.event(bytes) {
            try checkOrder(of: plain)
            try event(plain)
            return true
        }
        let json = try parse(bytes, complete: complete)
        if case .string("verdict")? = json["type"] {
            sawVerdict = true
            do {
                verdict(try Trace.Verdict(json: json))
            } catch {
                throw TraceError(path: path, line: lineNumber, error.message)
            }
            return true
        }
        let parsed: Trace.Event
        do {
            parsed = try Trace.Event(json: json)
        } catch {
            throw TraceError(path: path, line: lineNumber, error.message)
        }
        try checkOrder(of: parsed)
        try event(parsed)
        return true
    }

    /// The rest of the trace's events, each read and checked as ``next()`` reads and checks it, handed to `body`
    /// without the copies that returning each in a ``Line`` makes (an event is about 200 bytes: copying them was
    /// a twentieth of reading a file, and a fifth of checking a simulation run's trace). The verdict is left out.
    func forEachEvent(_ body: (borrowing Trace.Event) throws(TraceError) -> Void) throws(TraceError) {
        if let events = heldEvents {
            while heldPosition < events.count {
                heldPosition += 1
                try body(try checkedHeld(events[heldPosition - 1]))
            }
            return
        }
        while try readLine(event: body, verdict: { _ in }) {}
    }

    private func nextHeld(_ events: [Trace.Event]) throws(TraceError) -> Line? {
        guard heldPosition < events.count else {
            guard let verdict = heldVerdict else { return nil }
            heldVerdict = nil
            lineNumber += 1
            return .verdict(verdict)
        }
        heldPosition += 1
        return .event(try checkedHeld(events[heldPosition - 1]))
    }

    /// A held event as reading its line would give it, or that line's error.
    private func checkedHeld(_ event: Trace.Event) throws(TraceError) -> Trace.Event {
        lineNumber += 1
        do {
            let readBack = try event.asReadBack()
            try checkOrder(of: readBack)
            return readBack
        } catch {
            throw TraceError(path: path, line: lineNumber, error.message)
        }
    }

    /// Checks that `event`'s index follows the previous event's and its time does not go back.
    private func checkOrder(of event: borrowing Trace.Event) throws(TraceError) {
        guard event.index == nextIndex else {
            throw TraceError(path: path, line: lineNumber, "event index \(event.index) out of order (expected \(nextIndex))")
        }
        guard event.time >= lastTime else {
            throw TraceError(path: path, line: lineNumber, "time \(event.time) is earlier than the previous event's \(lastTime)")
        }
        do {
            try rules?.check(event)
        } catch {
            throw TraceError(path: path, line: lineNumber, error.message)
        }
        nextIndex += 1
        lastTime = event.time
    }

    private func parse(_ bytes: UnsafeBufferPointer<UInt8>, complete: Bool) throws(TraceError) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            if !complete && (error.message.hasPrefix("unexpected end") || error.message.hasPrefix("unterminated")) {
                throw TraceError(path: path, line: lineNumber, "truncated line (the file ends inside a JSON value)")
            }
            throw TraceError(path: path, line: lineNumber, "invalid JSON: \(error)")
        }
    }

    /// The next line's bytes (without the newline, or a trailing "\r\n") and whether a newline ended it.
    /// The returned buffer is valid until the next call.
    private func nextRawLine() throws(TraceError) -> (UnsafeBufferPointer<UInt8>, Bool)? {
        var searchFrom = start
        while true {
            if let newline = buffer[searchFrom..<end].firstIndex(of: 0x0A) {
                var lineEnd = newline
                if lineEnd > start, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = lineBuffer(start, lineEnd)
                start = newline + 1
                return (line, true)
            }
            if atEndOfInput {
                guard start < end else { return nil }
                let line = lineBuffer(start, end)
                start = end
                return (line, false)
            }
            // Everything before `end` has been searched; filling may move the pending line to the front.
            let searched = end - start
            try fill()
            searchFrom = start + searched
        }
    }

    private func lineBuffer(_ from: Int, _ to: Int) -> UnsafeBufferPointer<UInt8> {
        buffer.withUnsafeBufferPointer { UnsafeBufferPointer(rebasing: $0[from..<to]) }
    }

    /// Reads more input, first moving the unfinished line to the front of the buffer.
    private func fill() throws(TraceError) {
        guard let descriptor else {
            atEndOfInput = true
            return
        }
        if start > 0 {
            let pending = end - start
            buffer.withUnsafeMutableBufferPointer { raw in
                _ = memmove(raw.baseAddress!, raw.baseAddress! + start, pending)
            }
            start = 0
            end = pending
        }
        if buffer.count - end < Self.chunkSize / 2 {
            guard end < Self.maximumLineLength else {
                throw TraceError(path: path, line: lineNumber + 1, "line longer than \(Self.maximumLineLength) bytes")
            }
            buffer.append(contentsOf: repeatElement(0, count: buffer.count))
        }
        peakBufferedBytes = Swift.max(peakBufferedBytes, buffer.count)
        let count: Int
        do {
            count = try buffer.withUnsafeMutableBytes { (raw) throws(Errno) -> Int in
                try Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: raw[end...]))
            }
        } catch {
            throw TraceError(path: path, "cannot read: \(error)")
        }
        if count == 0 { atEndOfInput = true } else { end += count }
    }
}
