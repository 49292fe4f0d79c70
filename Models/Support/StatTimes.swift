/// The times `IPC_STAT` reports (`msg_stime`, `shm_atime`, `sem_otime`, the `*_ctime`s …: seconds of the wall
/// clock) as a trace can judge them, though the models keep no clock.
///
/// What can be judged honestly without one (measured: `SystemVTimesFactsTests`): a time the kernel has not set since
/// the object was made reads 0; once set it reads the wall clock's seconds at that call, so it is not 0; a stat
/// that comes after another, with no call setting the time between them, reads the same value again; and a call that
/// sets it after a stat showed some time T — of any of the object's fields — sets it to at least T, since the
/// clock read at least T then. That last rule assumes the wall clock is not stepped back during the trace
/// (`settimeofday`, an NTP step), which the workers never do.
public struct StatTimes: Hashable, Sendable {
    /// What one field may read.
    public enum Field: Hashable, Sendable {
        /// Never set: 0.
        case zero
        /// Set or not before the trace began (the harness made and used the object): any value.
        case unknown
        /// Set since the last stat that recorded it: not 0, and at least this (the latest time a stat showed).
        case setSince(Int)
        /// A stat showed this, and nothing set it since.
        case seen(Int)
        /// Either: a call may or may not have set it (one whose effect on the time the trace cannot tell).
        indirect case either(Field, Field)

        func allows(_ value: Int) -> Bool {
            switch self {
            case .zero: value == 0
            case .unknown: value >= 0
            case .setSince(let floor): value > 0 && value >= floor
            case .seen(let seen): value == seen
            case .either(let one, let other): one.allows(value) || other.allows(value)
            }
        }
    }

    public private(set) var fields: [Field]
    /// The latest time any recorded stat of the object showed.
    public private(set) var latest = 0

    /// `fields` as they are when the trace begins: `.zero` for a time no call has set yet, `.setSince(0)` for
    /// one set before (a creation time), `.unknown` when the trace cannot tell.
    public init(_ fields: [Field]) {
        self.fields = fields
    }

    /// A call set field `index` to the wall clock's seconds.
    public mutating func set(_ index: Int) {
        fields[index] = .setSince(latest)
    }

    /// A call may have set field `index` to the wall clock's seconds, or not.
    public mutating func maySet(_ index: Int) {
        if fields[index] != .setSince(latest) { fields[index] = .either(fields[index], .setSince(latest)) }
    }

    /// Whether a stat may read `values` (one per field, nil where the trace left it out).
    public func allows(_ values: [Int?]) -> Bool {
        zip(fields, values).allSatisfy { field, value in value.map(field.allows) ?? true }
    }

    /// A stat read `values` (nil: not recorded): from now on those fields read the same until a call sets them.
    public mutating func observe(_ values: [Int?]) {
        for (index, value) in values.enumerated() {
            guard let value else { continue }
            fields[index] = .seen(value)
            latest = max(latest, value)
        }
    }

    /// For reports: `0`, `?`, `≥ T`, `T`, `0 or ≥ T`.
    public var text: [String] { fields.map(\.text) }
}

extension StatTimes.Field {
    var text: String {
        switch self {
        case .zero: "0"
        case .unknown: "?"
        case .setSince(let floor): floor == 0 ? "set" : "≥ \(floor)"
        case .seen(let value): "\(value)"
        case .either(let one, let other): "\(one.text) or \(other.text)"
        }
    }
}

extension Step {
    /// This step of a stat that read `values` (nil where not recorded), if its state's times allow them, with those
    /// values then seen; nil when they cannot be what the stat read.
    public func observing(_ values: [Int?], at times: WritableKeyPath<State, StatTimes>) -> Step<State>? {
        guard state[keyPath: times].allows(values) else { return nil }
        var next = state
        next[keyPath: times].observe(values)
        switch self {
        case .completed: return .completed(next)
        case .partial: return .partial(next)
        }
    }
}
