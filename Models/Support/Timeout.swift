/// The timeout of a timed wait (`mq_timedsend`, `mq_timedreceive`, `sem_timedwait`, `semtimedop`) as a trace
/// records it: `"timeout": MILLISECONDS`, or `"timeout": "invalid"` for a `timespec` whose `tv_nsec` is outside
/// 0 ..< 1 000 000 000.
///
/// Models do not keep time: a timed call that would sleep may end with its timeout error at any point (the
/// kernel's clock is not in the trace), and one that can proceed proceeds whatever its timeout, even one already
/// past. An invalid timeout fails `EINVAL` even when the call could proceed — measured on this kernel and glibc
/// for all four calls (`TimedWaitFactsTests`), though POSIX lets `sem_timedwait` skip the check.
public enum Timeout: Hashable, Sendable {
    case milliseconds(Int)
    case invalid

    /// The `"timeout"` field of an invoke value, if present.
    public static func field(of value: JSONValue?) throws(ModelError) -> Timeout? {
        guard let field = try value.optional("timeout") else { return nil }
        if case .string("invalid") = field { return .invalid }
        return .milliseconds(try field.integer("timeout", in: 0...Int(Int32.max)))
    }

    /// The value written into an invoke's `"timeout"` field.
    public var json: JSONValue {
        switch self {
        case .milliseconds(let milliseconds): .int(milliseconds)
        case .invalid: "invalid"
        }
    }

    /// For reports: `timeout 20 ms`, `invalid timeout`.
    public var text: String {
        switch self {
        case .milliseconds(let milliseconds): "timeout \(milliseconds) ms"
        case .invalid: "invalid timeout"
        }
    }
}
