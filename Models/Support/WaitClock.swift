/// The clock a `sem_clockwait` or `pthread_mutex_clocklock` deadline is measured on, as a trace records it:
/// `"clock": "monotonic" | "realtime" | "unsupported"`.
///
/// glibc 2.36 accepts only `CLOCK_MONOTONIC` and `CLOCK_REALTIME` and fails any other clock (`CLOCK_BOOTTIME`,
/// a CPU-time clock, an unknown id) with `EINVAL` before anything else, even when the call could proceed
/// (`TimedWaitFactsTests`). Models keep no time, so the two supported clocks behave alike in them.
public enum WaitClock: String, Hashable, Sendable {
    case monotonic, realtime, unsupported

    /// The `"clock"` field of an invoke value, if present.
    public static func field(of value: JSONValue?) throws(ModelError) -> WaitClock? {
        guard let field = try value.optional("clock") else { return nil }
        guard case .string(let name) = field, let clock = WaitClock(rawValue: name) else {
            throw ModelError("field 'clock' must be \"monotonic\", \"realtime\" or \"unsupported\"")
        }
        return clock
    }

    /// The value written into an invoke's `"clock"` field.
    public var json: JSONValue { .string(rawValue) }
}
