import IPCModels

/// Which faults a real-mode run injects, and how often: the `--faults` and `--kill-rate` options, and the
/// header's `faults` field, so a trace says what it was exposed to.
public struct FaultOptions: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable, Comparable {
        /// The fault plan fails an operation's first system call with EINTR, as an interrupted call would.
        case eintr
        /// … with EAGAIN, as a nonblocking call finding no room or no data would.
        case eagain
        /// … with ENOMEM, as a kernel short of memory would.
        case enomem
        /// … cuts the call's byte count to a random smaller one (a short read or write).
        case short
        /// … delays the call by up to 2 ms before making it (a slow peer, a preempted thread).
        case delay
        /// A real SIGUSR1 reaches a worker blocked inside an operation; its handler has no SA_RESTART, so the
        /// kernel fails the call with EINTR (or returns the bytes already moved).
        case signal
        /// The same with SA_RESTART: the kernel restarts the call where it can.
        case signalRestart = "signal-restart"
        /// SIGKILL a worker before an operation, while blocked in one, or after its call returned but before it
        /// reported the result.
        case kill

        public static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }

        /// The errno an injected failure of this kind returns.
        var injectedErrno: String? {
            switch self {
            case .eintr: "EINTR"
            case .eagain: "EAGAIN"
            case .enomem: "ENOMEM"
            default: nil
            }
        }
    }

    public var kinds: Set<Kind>
    /// The chance, per operation, that the plan injects one of the enabled call faults (and, per operation a
    /// worker is blocked in, that it is sent a signal).
    public var rate: Double
    /// The chance, at each point where the driver decides, that it kills a worker.
    public var killRate: Double
    /// Swarm testing: each run enables a random non-empty subset of `kinds`.
    public var swarm: Bool

    public static let none = FaultOptions(kinds: [], rate: 0, killRate: 0, swarm: false)

    public init(kinds: Set<Kind>, rate: Double = 0.25, killRate: Double = 0.04, swarm: Bool = false) {
        self.kinds = kinds
        self.rate = rate
        self.killRate = kinds.contains(.kill) ? killRate : 0
        self.swarm = swarm
    }

    /// Parses `--faults` (`eintr,short,kill`, `all`, or `none`) and `--kill-rate` (which implies `kill`).
    public init(parsing list: String?, killRate: Double?, swarm: Bool = false) throws(HarnessError) {
        var kinds: Set<Kind> = []
        for name in (list ?? "").split(separator: ",").map({ String($0).trimmingSpaces }) where name != "none" {
            if name == "all" {
                kinds.formUnion(Kind.allCases)
                continue
            }
            guard let kind = Kind(rawValue: name) else {
                throw HarnessError("unknown fault kind '\(name)' (known: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")), all, none)")
            }
            kinds.insert(kind)
        }
        if let killRate {
            guard killRate >= 0, killRate <= 1 else { throw HarnessError("--kill-rate must be between 0 and 1, not \(killRate)") }
            if killRate > 0 { kinds.insert(.kill) }
        }
        self.init(kinds: kinds, killRate: killRate ?? 0.04, swarm: swarm)
    }

    public var isEmpty: Bool { kinds.isEmpty }

    /// These options with only the kinds in `allowed`; nil when none is left.
    func restricted(to allowed: Set<Kind>) -> FaultOptions? {
        let kept = kinds.intersection(allowed)
        guard !kept.isEmpty else { return nil }
        return FaultOptions(kinds: kept, rate: rate, killRate: killRate, swarm: swarm)
    }

    /// As the command line names them: `eintr,kill` (`swarm of …` under swarm testing).
    public var description: String {
        let list = kinds.sorted().map(\.rawValue).joined(separator: ",")
        return swarm ? "swarm of \(list)" : list
    }

    /// The options of one run: under swarm testing, each kind kept with probability 1/2 (at least one kept).
    public func forRun(_ generator: inout SeededGenerator) -> FaultOptions {
        guard swarm, kinds.count > 1 else { return self }
        let ordered = kinds.sorted()
        var kept = Set(ordered.filter { _ in generator.chance(0.5) })
        if kept.isEmpty { kept.insert(generator.pick(ordered)) }
        return FaultOptions(kinds: kept, rate: rate, killRate: killRate, swarm: false)
    }

    /// The call faults the plan may inject (not signals or kills).
    var callFaults: [Kind] { kinds.sorted().filter { $0.injectedErrno != nil || $0 == .short || $0 == .delay } }

    /// Whether a worker's SIGUSR1 handler restarts calls, when signals are enabled at all: with both kinds on,
    /// the run's generator chooses.
    func signalRestarts(_ generator: inout SeededGenerator) -> Bool? {
        switch (kinds.contains(.signal), kinds.contains(.signalRestart)) {
        case (true, true): generator.chance(0.5)
        case (true, false): false
        case (false, true): true
        case (false, false): nil
        }
    }

    /// The header's `faults` field; `signalRestarts` says how the run's workers handled signals.
    public func headerJSON(signalRestarts: Bool? = nil) -> JSONValue {
        var object: JSONObject = ["kinds": .array(kinds.sorted().map { .string($0.rawValue) })]
        if !kinds.isEmpty { object["rate"] = .number(rate) }
        if kinds.contains(.kill) { object["kill-rate"] = .number(killRate) }
        if let signalRestarts { object["sa-restart"] = .bool(signalRestarts) }
        return .object(object)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
