/// An strace log read into system calls with their intervals, and the processes' ends.
///
/// Recorded with `strace -f -ttt -T -yy -xx -X raw -s 1048576 -o LOG -- PROGRAM` (see traces/README.md; `-tt`,
/// `--timestamps=unix,ns`, and logs without `-yy`, `-xx`, `-X raw` or `-T` read too). Every line is either a
/// call (whole, `<unfinished ...>`, or `<... resumed>`), a signal's delivery, or a process's end; anything else is
/// malformed and named by its line.
///
/// **Intervals.** strace stamps a line when it handles the stop the line reports, one stop at a time, so:
/// - a call's effect comes after the stamp of its entry (the tracee is stopped at entry until strace lets it go),
/// - and before the stamp of the *next line of the log*, whatever process it is about: the call's exit stop was
///   handled before it. With `-T` the end is also bounded by entry + duration (+ one unit of the stamps'
///   precision); the smaller bound is used. A stamp is truncated to its precision, and the checker counts
///   operations at equal times as concurrent, which covers the truncation.
struct StraceLog {
    /// One system call, joined from its `<unfinished ...>` and `<... resumed>` halves when strace split it.
    struct Call {
        var pid: Int
        var name: String
        /// The arguments' text between the parentheses (the halves joined).
        var arguments: Substring
        var result: Result
        /// The line of the call (its first half), and of its end (the same line when strace did not split it).
        var line: Int
        var endLine: Int
        /// Nanoseconds: the stamp of its entry, and the bound on its end (see the type's comment).
        var start: Int64
        var end: Int64
        /// The position of the end in the log: calls are simulated in this order (the kernel's order of returns).
        var order: Int
        /// The position of its first half: a call that passes descriptors is simulated here, since a receive that
        /// returns before strace sees the send return may already have them.
        var startOrder: Int = 0
    }

    enum Result: Equatable {
        /// `= 10`, `= 3<pipe:[12]>`, `= 0x7f00…`: the text after `=` (an annotation included).
        case value(Substring)
        /// `= -1 EAGAIN (…)`, `= ? ERESTARTSYS (…)`.
        case error(String)
        /// `= ?` with nothing after it: the process died in the call, or the call does not return (exit_group).
        case unknown
    }

    /// A process's end: `+++ exited with 0 +++` or `+++ killed by SIGKILL +++`.
    struct End {
        var pid: Int
        var line: Int
        var time: Int64
        var order: Int
        var code: Int?
        var signal: String?
    }

    /// A signal strace saw delivered (`--- SIGUSR1 {…} ---`).
    struct Delivery {
        var pid: Int
        var line: Int
        var time: Int64
        var order: Int
        var signal: String
    }

    var calls: [Call] = []
    var ends: [End] = []
    var deliveries: [Delivery] = []
    /// Calls whose first half has no second: the log ends while they are in the kernel.
    var unfinished: [Call] = []
    /// The pids in order of first appearance.
    var pids: [Int] = []
    /// Whether lines carried pids (`-f`).
    var hasPids = false

    static func read(_ text: String, path: String?) throws(TraceError) -> StraceLog {
        var log = StraceLog()
        var parser = LineParser()
        var pending: [Int: (call: Call, prefix: Substring)] = [:]
        /// Positions in `calls` of whole-line calls whose end waits for the next line's stamp.
        var awaitingNext: [Int] = []
        var seen: Set<Int> = []
        /// The line each pid's `+++ exited`/`+++ killed` was on: a later line of that pid is another process.
        var ended: [Int: Int] = [:]
        var order = 0
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.last == "\r" ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " }) { continue }
            func failure(_ message: String) -> TraceError { TraceError(path: path, line: lineNumber, message) }
            let parsed: LineParser.Parsed
            do {
                parsed = try parser.parse(line)
            } catch {
                throw failure(error.message)
            }
            // Every call whose end was waiting is bounded by this stamp.
            for position in awaitingNext { log.calls[position].end = min(log.calls[position].end, parsed.time) }
            awaitingNext.removeAll()
            order += 1
            let pid = parsed.pid ?? 0
            if parsed.pid != nil { log.hasPids = true }
            if let endLine = ended[pid] {
                if case .ignored = parsed.body {} else {
                    // A pid reused: every call naming it (a clone's result, a kill's target, a pidfd's, a wait's)
                    // would be taken for the one that ended, so the log is refused rather than misread.
                    throw failure("pid \(pid) ended at line \(endLine) and appears again: a pid reused within the log is another process, which the importer cannot tell from the first (every call naming the pid would be taken for it)")
                }
            }
            if seen.insert(pid).inserted { log.pids.append(pid) }
            switch parsed.body {
            case .whole(let name, let arguments, let result, let duration):
                if let open = pending[pid] {
                    throw failure("pid \(pid) starts \(name) while its \(open.call.name) of line \(open.call.line) is unfinished")
                }
                let bound = duration.map { parsed.time + $0 + 2 * parser.unit } ?? Int64.max
                log.calls.append(Call(
                    pid: pid, name: name, arguments: arguments, result: result, line: lineNumber, endLine: lineNumber,
                    start: parsed.time, end: bound, order: order, startOrder: order))
                awaitingNext.append(log.calls.count - 1)
            case .unfinished(let name, let prefix):
                if let open = pending[pid] {
                    throw failure("pid \(pid) starts \(name) while its \(open.call.name) of line \(open.call.line) is unfinished")
                }
                pending[pid] = (Call(
                    pid: pid, name: name, arguments: "", result: .unknown, line: lineNumber, endLine: lineNumber,
                    start: parsed.time, end: parsed.time, order: order, startOrder: order), prefix)
            case .resumed(let name, let rest, let result):
                guard let open = pending.removeValue(forKey: pid) else {
                    throw failure("\(name) resumed for pid \(pid), which has no unfinished call")
                }
                guard open.call.name == name else {
                    throw failure("\(name) resumed for pid \(pid), whose unfinished call is \(open.call.name) (line \(open.call.line))")
                }
                var call = open.call
                call.arguments = Substring(String(open.prefix) + String(rest))
                call.result = result
                call.endLine = lineNumber
                call.end = parsed.time
                call.order = order
                log.calls.append(call)
            case .delivery(let signal):
                log.deliveries.append(Delivery(pid: pid, line: lineNumber, time: parsed.time, order: order, signal: signal))
            case .end(let code, let signal):
                if let open = pending.removeValue(forKey: pid) {
                    // Died in the call without strace printing its return.
                    var call = open.call
                    call.arguments = open.prefix
                    call.result = .unknown
                    call.endLine = lineNumber
                    call.end = parsed.time
                    call.order = order
                    log.calls.append(call)
                }
                log.ends.append(End(pid: pid, line: lineNumber, time: parsed.time, order: order, code: code, signal: signal))
                ended[pid] = lineNumber
            case .ignored:
                order -= 1
            }
        }
        // The last whole calls have no next line: they ended by the last stamp plus their duration, or are unbounded.
        for position in awaitingNext where log.calls[position].end == Int64.max {
            log.calls[position].end = log.calls[position].start + parser.unit
        }
        // Calls still in the kernel when the log ends: operations that never returned.
        for (_, open) in pending.sorted(by: { $0.value.call.line < $1.value.call.line }) {
            order += 1
            var call = open.call
            call.arguments = open.prefix
            call.result = .unknown
            call.order = order
            log.calls.append(call)
            log.unfinished.append(call)
        }
        guard !log.calls.isEmpty || !log.ends.isEmpty else {
            throw TraceError(path: path, line: 1, "no system calls: this is not an strace log (record with strace -f -ttt -T -yy -xx -X raw -o FILE)")
        }
        return log
    }

    /// Reads one line's pid, stamp and body.
    struct LineParser {
        struct Failure: Error { var message: String }
        enum Body {
            case whole(name: String, arguments: Substring, result: Result, duration: Int64?)
            case unfinished(name: String, prefix: Substring)
            case resumed(name: String, rest: Substring, result: Result)
            case delivery(signal: String)
            case end(code: Int?, signal: String?)
            /// strace's own notes (`--- stopped by SIGSTOP ---`, `+++ superseded by execve +++`).
            case ignored
        }
        struct Parsed {
            var pid: Int?
            var time: Int64
            var body: Body
        }

        /// The precision of the stamps, in nanoseconds (from the digits after the point of the first stamp).
        private(set) var unit: Int64 = 1
        /// For time-of-day stamps (`-tt`): the days added after midnight passed.
        private var dayOffset: Int64 = 0
        private var lastTime: Int64?
        private var timeOfDay: Bool?

        mutating func parse(_ line: Substring) throws(Failure) -> Parsed {
            var rest = line
            var pid: Int?
            if rest.hasPrefix("[pid ") {
                rest = rest.dropFirst(5).drop(while: { $0 == " " })
                guard let close = rest.firstIndex(of: "]"), let number = Int(rest[..<close]) else {
                    throw Failure(message: "expected '[pid N]' at the start of the line")
                }
                pid = number
                rest = rest[rest.index(after: close)...].drop(while: { $0 == " " })
            } else if let space = rest.firstIndex(of: " "), let number = Int(rest[..<space]), !rest[..<space].contains(".") {
                pid = number
                rest = rest[space...].drop(while: { $0 == " " })
            }
            guard let space = rest.firstIndex(of: " ") else { throw Failure(message: "expected a time stamp and a system call") }
            let time = try stamp(rest[..<space])
            let body = try Self.body(rest[space...].drop(while: { $0 == " " }))
            return Parsed(pid: pid, time: time, body: body)
        }

        /// `1796402835.959814`, `1796402835.959814043` (`-ttt`, `--timestamps=unix,ns`) or `16:44:22.123456` (`-tt`).
        private mutating func stamp(_ text: Substring) throws(Failure) -> Int64 {
            let isTimeOfDay = text.contains(":")
            if let known = timeOfDay, known != isTimeOfDay {
                throw Failure(message: "time stamps change form mid-log (\(text))")
            }
            timeOfDay = isTimeOfDay
            let whole: Int64
            var fraction: Substring = ""
            let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 { fraction = parts[1] }
            if isTimeOfDay {
                let fields = parts[0].split(separator: ":")
                guard fields.count == 3, let h = Int64(fields[0]), let m = Int64(fields[1]), let s = Int64(fields[2]) else {
                    throw Failure(message: "\"\(text)\" is not a time stamp (record with -ttt or -tt)")
                }
                whole = h * 3600 + m * 60 + s
            } else {
                guard let seconds = Int64(parts[0]) else {
                    throw Failure(message: "\"\(text)\" is not a time stamp (record with -ttt or -tt)")
                }
                whole = seconds
            }
            guard fraction.count <= 9, fraction.allSatisfy(\.isNumber), let digits = Int64(fraction.isEmpty ? "0" : fraction) else {
                throw Failure(message: "\"\(text)\" is not a time stamp (record with -ttt or -tt)")
            }
            var scale: Int64 = 1
            for _ in fraction.count..<9 { scale *= 10 }
            if lastTime == nil { unit = scale }
            var time = whole * 1_000_000_000 + digits * scale + dayOffset
            if isTimeOfDay, let lastTime, time + 3600 * 1_000_000_000 < lastTime {
                dayOffset += 86_400 * 1_000_000_000
                time += 86_400 * 1_000_000_000
            }
            lastTime = time
            return time
        }

        private static func body(_ text: Substring) throws(Failure) -> Body {
            if text.hasPrefix("+++ ") {
                if let range = text.firstRange(of: "exited with ") {
                    let digits = text[range.upperBound...].prefix(while: \.isNumber)
                    guard let code = Int(digits) else { throw Failure(message: "expected 'exited with N'") }
                    return .end(code: code, signal: nil)
                }
                if let range = text.firstRange(of: "killed by ") {
                    let name = text[range.upperBound...].prefix(while: { $0 != " " })
                    return .end(code: nil, signal: String(name))
                }
                return .ignored
            }
            if text.hasPrefix("--- ") {
                let name = text.dropFirst(4).prefix(while: { $0 != " " })
                return name.hasPrefix("SIG") ? .delivery(signal: String(name)) : .ignored
            }
            if text.hasPrefix("<... ") {
                let afterMarker = text.dropFirst(5)
                guard let resumed = afterMarker.firstRange(of: " resumed>") else {
                    throw Failure(message: "expected '<... NAME resumed>'")
                }
                let name = String(afterMarker[..<resumed.lowerBound])
                let rest = afterMarker[resumed.upperBound...]
                let (arguments, tail) = try splitArguments(rest)
                let (result, _) = try Self.result(tail)
                return .resumed(name: name, rest: arguments, result: result)
            }
            guard let open = text.firstIndex(of: "("), open > text.startIndex,
                text[..<open].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "?" })
            else {
                throw Failure(message: "expected a system call, a signal (---) or an exit (+++), not \"\(text.prefix(60))\"")
            }
            let name = String(text[..<open])
            let inside = text[text.index(after: open)...]
            if inside.hasSuffix(" <unfinished ...>") {
                return .unfinished(name: name, prefix: inside.dropLast(" <unfinished ...>".count))
            }
            let (arguments, tail) = try splitArguments(inside)
            let (result, duration) = try Self.result(tail)
            return .whole(name: name, arguments: arguments, result: result, duration: duration)
        }

        /// The arguments up to the parenthesis that closes them, and what follows it.
        private static func splitArguments(_ text: Substring) throws(Failure) -> (Substring, Substring) {
            var depth = 0
            var index = text.startIndex
            var previous: Character = " "
            while index < text.endIndex {
                let character = text[index]
                switch character {
                case "\"":
                    index = text.index(after: index)
                    while index < text.endIndex, text[index] != "\"" {
                        if text[index] == "\\" { index = text.index(after: index) }
                        if index < text.endIndex { index = text.index(after: index) }
                    }
                case "<" where previous.isNumber:
                    // A descriptor's annotation: brackets inside it (`[1->2]`) do not count.
                    var inner = 0
                    var angles = 0
                    index = text.index(after: index)
                    while index < text.endIndex {
                        let c = text[index]
                        if c == "[" {
                            inner += 1
                        } else if c == "]" {
                            inner -= 1
                        } else if c == "<" && inner == 0 {
                            angles += 1
                        } else if c == ">" && inner == 0 {
                            if angles == 0 { break }
                            angles -= 1
                        }
                        index = text.index(after: index)
                    }
                case "(", "[", "{": depth += 1
                case ")", "]", "}":
                    if depth == 0 && character == ")" { return (text[..<index], text[text.index(after: index)...]) }
                    depth -= 1
                default: break
                }
                if index < text.endIndex {
                    previous = text[index]
                    index = text.index(after: index)
                }
            }
            throw Failure(message: "the call's ')' is missing")
        }

        /// ` = 10 <0.000021>`, ` = -1 EAGAIN (Resource temporarily unavailable) <0.000010>`, ` = ?`.
        private static func result(_ tail: Substring) throws(Failure) -> (Result, Int64?) {
            var text = tail.drop(while: { $0 == " " })
            guard text.hasPrefix("=") else { throw Failure(message: "expected ' = RESULT' after the call") }
            text = text.dropFirst().drop(while: { $0 == " " })
            var duration: Int64?
            if text.hasSuffix(">"), let open = text.lastIndex(of: "<") {
                let inside = text[text.index(after: open)..<text.index(before: text.endIndex)]
                if let seconds = Self.seconds(inside) {
                    duration = seconds
                    text = text[..<open].reversed().drop(while: { $0 == " " }).reversed().reduce(into: Substring()) { $0.append($1) }
                }
            }
            let words = text.split(separator: " ", maxSplits: 2)
            guard let first = words.first else { throw Failure(message: "the call's result is missing") }
            if first == "?" {
                if words.count > 1, words[1].hasPrefix("E") { return (.error(String(words[1])), duration) }
                return (.unknown, duration)
            }
            if first == "-1", words.count > 1, words[1].hasPrefix("E") { return (.error(String(words[1])), duration) }
            // The value, with an annotation that may contain spaces (`3<UNIX-STREAM:[1->2]>`) and strace's
            // explanation after it (`0 (Timeout)`, `0x1 (flags O_RDONLY)`) dropped.
            var value = text
            if let paren = value.firstRange(of: " (") , !value[..<paren.lowerBound].contains("<") { value = value[..<paren.lowerBound] }
            return (.value(value), duration)
        }

        /// `0.000021` or `0.000044646` seconds, in nanoseconds.
        private static func seconds(_ text: Substring) -> Int64? {
            let parts = text.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let whole = Int64(parts[0]), parts[1].count <= 9, let digits = Int64(parts[1]) else {
                return nil
            }
            var scale: Int64 = 1
            for _ in parts[1].count..<9 { scale *= 10 }
            return whole * 1_000_000_000 + digits * scale
        }
    }
}
