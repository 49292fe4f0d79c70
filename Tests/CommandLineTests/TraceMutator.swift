import Foundation
import IPCHarness
import IPCModels

/// A seeded generator of malformed traces: truncations, type flips, out-of-range numbers, invalid UTF-8, unknown
/// names, lines out of order, processes that do not exist, and messages too large for a simulated construction.
///
/// Each mutant says whether the format's rules (traces/README.md) refuse it for certain, or whether it may be a
/// legal trace (a trace cut at a line boundary is a shorter trace; `null` for an optional field is the field left
/// out; an operation's `value` is the model's to read, and a changed one may be an allowed history or a violation).
struct TraceMutator {
    enum Expectation: String {
        /// The rules refuse it: exit status 2, one line naming the file and line.
        case refused
        /// It may be a legal trace (see traces/README.md, "What a reader accepts").
        case either
    }

    struct Mutant {
        var kind: String
        var bytes: [UInt8]
        var expectation: Expectation
    }

    private var generator: SeededGenerator

    init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    private mutating func pick(_ count: Int) -> Int { generator.next(below: count) }
    private mutating func pick<T>(_ elements: [T]) -> T { elements[pick(elements.count)] }

    /// Fields every event has, whose type is fixed.
    static let coreEventFields = ["index", "time", "process", "type"]
    /// Fields an event of `type` must have.
    static func requiredFields(of type: String) -> [String] {
        switch type {
        case "invoke", "ok", "info": ["f", "object"]
        case "fail": ["f", "object", "error"]
        case "kill": ["signal", "point"]
        case "fault": ["fault"]
        default: []
        }
    }
    static let requiredHeaderFields = [
        "format", "version", "model", "params", "mechanism", "seed", "strategy", "faults",
    ]
    static let replacements: [JSONValue] = ["x", 7, .number(21.0), .number(-0.0), true, .null, [], [:]]

    /// One mutant of `trace` (its lines, header first, without newlines).
    mutating func mutate(_ lines: [[UInt8]]) -> Mutant {
        let kinds = [
            "truncate-mid-line", "truncate-at-line", "drop-line", "duplicate-line", "swap-lines", "blank-line",
            "invalid-utf8", "type-flip", "out-of-range", "unknown-name", "unknown-process", "header-name",
            "fault-config",
            "verdict", "oversized-message",
        ]
        while true {
            if let mutant = mutate(lines, kind: pick(kinds)) { return mutant }
        }
    }

    private func joined(_ lines: [[UInt8]]) -> [UInt8] {
        lines.flatMap { $0 + [0x0A] }
    }

    private static func object(_ line: [UInt8]) -> JSONObject? {
        (try? JSONParser.parse(line))?.objectValue
    }

    private static func isVerdict(_ line: [UInt8]) -> Bool {
        object(line)?["type"] == "verdict"
    }

    private mutating func mutate(_ lines: [[UInt8]], kind: String) -> Mutant? {
        var lines = lines
        let eventLines = Array(lines.indices.dropFirst().filter { !Self.isVerdict(lines[$0]) })
        guard !eventLines.isEmpty else { return nil }
        switch kind {
        case "truncate-mid-line":
            let line = pick(lines.count)
            guard lines[line].count > 2 else { return nil }
            let cut = 1 + pick(lines[line].count - 2)
            var bytes = joined(Array(lines[..<line]))
            bytes += lines[line][..<cut]
            return Mutant(kind: kind, bytes: bytes, expectation: .refused)
        case "truncate-at-line":
            return Mutant(kind: kind, bytes: joined(Array(lines[..<(1 + pick(lines.count - 1))])), expectation: .either)
        case "drop-line":
            // Not the last event: the indices after it then have a gap.
            let candidates = eventLines.dropLast()
            guard !candidates.isEmpty else { return nil }
            lines.remove(at: pick(Array(candidates)))
            return Mutant(kind: kind, bytes: joined(lines), expectation: .refused)
        case "duplicate-line":
            let line = pick(lines.count)
            lines.insert(lines[line], at: line)
            return Mutant(kind: kind, bytes: joined(lines), expectation: .refused)
        case "swap-lines":
            let line = pick(lines.count - 1)
            lines.swapAt(line, line + 1)
            return Mutant(kind: kind, bytes: joined(lines), expectation: .refused)
        case "blank-line":
            lines.insert([], at: 1 + pick(lines.count - 1))
            return Mutant(kind: kind, bytes: joined(lines), expectation: .refused)
        case "invalid-utf8":
            let line = pick(lines.count)
            let quotes = lines[line].indices.filter { lines[line][$0] == UInt8(ascii: "\"") }
            guard !quotes.isEmpty else { return nil }
            lines[line].insert(pick([0xFF, 0xC3, 0x80, 0xED]), at: pick(quotes) + 1)
            return Mutant(kind: kind, bytes: joined(lines), expectation: .refused)
        case "type-flip":
            let line = pick(lines.count)
            guard var object = Self.object(lines[line]) else { return nil }
            let field = pick(object.keys)
            let original = object[field]!
            let replacement = pick(Self.replacements)
            guard !Self.sameType(original, replacement) else { return nil }
            object[field] = replacement
            lines[line] = JSONValue.object(object).serialized()
            let required: [String]
            if line == 0 {
                required = Self.requiredHeaderFields + ["workload", "sim", "threads"]
            } else if Self.isVerdict(lines[line]) || object["type"] == nil {
                required = ["type", "result", "model"]
            } else if case .string(let type)? = object["type"] {
                required = Self.coreEventFields + Self.requiredFields(of: type)
            } else {
                required = Self.coreEventFields
            }
            // `null` is a missing field: refused only where the field is required.
            let refused =
                required.contains(field)
                || (replacement != .null && field != "value" && !Self.isExtra(field, line: line))
            return Mutant(kind: "\(kind) \(field)", bytes: joined(lines), expectation: refused ? .refused : .either)
        case "out-of-range":
            let line = pick(eventLines)
            guard var object = Self.object(lines[line]) else { return nil }
            let field = pick(Self.coreEventFields.dropLast())
            let value = pick(["-1", "100000000000000000000", "9223372036854775808", field == "process" ? "0" : "-7"])
            object[field] = "\u{1}"
            let text = String(decoding: JSONValue.object(object).serialized(), as: UTF8.self)
            lines[line] = Array(text.replacingFirst(#""\u0001""#, with: value).utf8)
            return Mutant(kind: "\(kind) \(field)=\(value)", bytes: joined(lines), expectation: .refused)
        case "unknown-name":
            let line = pick(eventLines)
            guard var object = Self.object(lines[line]), case .string(let type)? = object["type"] else { return nil }
            let fields = ["type"] + Self.requiredFields(of: type)
            let field = pick(fields)
            object[field] = "zz-unknown"
            lines[line] = JSONValue.object(object).serialized()
            return Mutant(kind: "\(kind) \(field)", bytes: joined(lines), expectation: .refused)
        case "unknown-process":
            let line = pick(eventLines)
            guard var object = Self.object(lines[line]) else { return nil }
            object["process"] = pick([0, 99, 1_000])
            lines[line] = JSONValue.object(object).serialized()
            return Mutant(kind: kind, bytes: joined(lines), expectation: .refused)
        case "header-name":
            guard var header = Self.object(lines[0]) else { return nil }
            let field = pick(["format", "model", "mechanism", "seed", "strategy", "mode", "version"])
            header[field] =
                pick(["zz-unknown", "pct:0", "exhaustive:999999", "-1", "18446744073709551616", "2"]) as JSONValue
            if field == "version" { header[field] = 2 }
            lines[0] = JSONValue.object(header).serialized()
            return Mutant(kind: "\(kind) \(field)", bytes: joined(lines), expectation: .refused)
        case "fault-config":
            guard var header = Self.object(lines[0]), var faults = header["faults"]?.objectValue else { return nil }
            switch pick(4) {
            case 0: faults["kinds"] = ["gremlins"]
            case 1: faults["rate"] = 7
            case 2: faults["kill-rate"] = .number(-0.5)
            default: faults["kinds"] = nil
            }
            header["faults"] = .object(faults)
            lines[0] = JSONValue.object(header).serialized()
            return Mutant(kind: kind, bytes: joined(lines), expectation: .refused)
        case "verdict":
            guard let last = lines.indices.last, var verdict = Self.object(lines[last]), verdict["type"] == "verdict"
            else {
                return nil
            }
            verdict["result"] = pick(["maybe", "OK"])
            lines[last] = JSONValue.object(verdict).serialized()
            return Mutant(kind: kind, bytes: joined(lines), expectation: .refused)
        case "oversized-message":
            // A simulation's send of more bytes than its construction's slots (issue 14, item 1).
            guard let header = Self.object(lines[0]), header["mode"] == "sim",
                let line = eventLines.first(where: {
                    Self.object(lines[$0])?["f"] == "send" && Self.object(lines[$0])?["type"] == "invoke"
                }),
                var object = Self.object(lines[line]), var value = object["value"]?.objectValue
            else { return nil }
            value["data"] = .string(String(repeating: "D", count: 4_100))
            object["value"] = .object(value)
            lines[line] = JSONValue.object(object).serialized()
            return Mutant(kind: kind, bytes: joined(lines), expectation: .refused)
        default:
            return nil
        }
    }

    /// Fields the format does not define are kept as they are, whatever their type.
    private static func isExtra(_ field: String, line: Int) -> Bool {
        let known =
            line == 0
            ? [
                "format", "version", "model", "params", "mechanism", "seed", "strategy", "faults", "harness", "mode",
                "scenario",
                "workload", "sim", "threads", "invariants",
            ]
            : [
                "index", "time", "process", "type", "f", "object", "value", "error", "signal", "point", "fault", "call",
                "result",
                "model", "explanation", "resolves",
            ]
        return !known.contains(field)
    }

    private static func sameType(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null), (.bool, .bool), (.integer, .integer), (.string, .string), (.array, .array),
            (.object, .object):
            true
        case (.number, .number): true
        default: false
        }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
