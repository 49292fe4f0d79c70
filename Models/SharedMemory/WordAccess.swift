/// An access to one 64-bit word of shared memory, as both shared-memory models record it. Accesses are atomic
/// (the harness loads and stores whole aligned words), so a history of them is linearizable exactly when every
/// process sees one memory.
public enum WordAccess: Hashable, Sendable {
    case load(index: Int)
    case store(index: Int, value: Int64)
    /// Fetch-and-add (wrapping): the read and the write are one step, so no concurrent add is lost.
    case add(index: Int, delta: Int64)

    /// Whether the access writes (a store or an add), which a read-only mapping refuses.
    public var writes: Bool {
        if case .load = self { return false }
        return true
    }

    public var index: Int {
        switch self {
        case .load(let index), .store(let index, _), .add(let index, _): index
        }
    }

    /// The output and the words after the access.
    func apply(to words: [Int64]) -> (output: WordResult, words: [Int64]) {
        var next = words
        switch self {
        case .load(let index): return (.value(words[index]), words)
        case .store(let index, let value):
            next[index] = value
            return (.stored, next)
        case .add(let index, let delta):
            next[index] = words[index] &+ delta
            return (.value(words[index]), next)
        }
    }

    var text: String {
        switch self {
        case .load(let index): "load word \(index)"
        case .store(let index, let value): "store \(value) in word \(index)"
        case .add(let index, let delta): "add \(delta) to word \(index)"
        }
    }

    // Trace form: f "load" {"index"}, "store" {"index", "value"}, "add" {"index", "delta"}; ok {"value"} for load
    // and add (the value before), nothing for store.
    public static let names: Set<String> = ["load", "store", "add"]

    public init(f: String, value: JSONValue?, words: Int) throws(ModelError) {
        let index = try value.required("index").integer("index", in: 0...Swift.max(0, words - 1))
        switch f {
        case "load": self = .load(index: index)
        case "store": self = .store(index: index, value: Int64(try value.required("value").integer("value", in: Int.min...Int.max)))
        default: self = .add(index: index, delta: Int64(try value.required("delta").integer("delta", in: Int.min...Int.max)))
        }
    }

    var call: (f: String, value: JSONValue?) {
        switch self {
        case .load(let index): ("load", ["index": .int(index)])
        case .store(let index, let value): ("store", ["index": .int(index), "value": .integer(value)])
        case .add(let index, let delta): ("add", ["index": .int(index), "delta": .integer(delta)])
        }
    }

    func result(from value: JSONValue?) throws(ModelError) -> WordResult {
        if case .store = self { return .stored }
        return .value(Int64(try value.required("value").integer("value", in: Int.min...Int.max)))
    }
}

/// What a word access returns.
public enum WordResult: Hashable, Sendable {
    /// A load's value, or the value an add found.
    case value(Int64)
    case stored

    var json: JSONValue? {
        switch self {
        case .value(let value): ["value": .integer(value)]
        case .stored: nil
        }
    }

    var text: String {
        switch self {
        case .value(let value): "\(value)"
        case .stored: "ok"
        }
    }
}

extension WordAccess {
    /// The words of a segment or object as a violation report shows them: each one while there are few, else only
    /// those not 0 with their indexes (a 4 KiB segment is 512 words, most of them 0).
    static func describe(words: [Int64]) -> String {
        if words.count <= 16 { return "\(words)" }
        let set = words.indices.filter { words[$0] != 0 }.map { "\($0): \(words[$0])" }
        return "(\(words.count) of them, " + (set.isEmpty ? "all 0)" : "those not 0: [\(set.joined(separator: ", "))])")
    }

    /// The same for sparse words (zeros left out) of which the first `count` are the setup's: as an array while
    /// those are few and nothing lies beyond them.
    static func describe(words: [Int: Int64], count: Int) -> String {
        let last = words.keys.max() ?? -1
        if last < count && count <= 16 { return describe(words: (0..<count).map { words[$0] ?? 0 }) }
        let set = words.keys.sorted().map { "\($0): \(words[$0]!)" }
        return "(" + (set.isEmpty ? "all 0)" : "those not 0: [\(set.joined(separator: ", "))])")
    }
}
