import IPCModels

/// A named, runnable test: what runs (the mechanism or the client under test), against which model, with
/// which workloads. Broken scenarios run a deliberately faulty implementation the harness must catch.
public struct Scenario: Sendable {
    public enum Mode: String, Sendable, Hashable {
        /// Worker processes; the kernel does the IPC.
        case real
        /// In-process simulation.
        case sim
    }

    public var name: String
    public var mode: Mode
    /// The model the trace is checked against (a ``ModelRegistry`` name).
    public var model: String
    /// What runs: the mechanism or client implementation, as written in the trace header's `mechanism`.
    public var implementation: String
    /// One sentence: what it exercises.
    public var summary: String
    /// True for a deliberately broken implementation: finding a violation is the expected outcome.
    public var isBroken: Bool
    /// Builds a run's workload from its generator.
    public var makeWorkload: @Sendable (inout SeededGenerator) -> Workload
    /// The model's parameters for a workload (which objects, who holds them).
    public var modelParameters: @Sendable (Workload) -> JSONValue

    public init(
        name: String, mode: Mode = .real, model: String, implementation: String, summary: String,
        isBroken: Bool = false, makeWorkload: @escaping @Sendable (inout SeededGenerator) -> Workload,
        modelParameters: @escaping @Sendable (Workload) -> JSONValue
    ) {
        self.name = name
        self.mode = mode
        self.model = model
        self.implementation = implementation
        self.summary = summary
        self.isBroken = isBroken
        self.makeWorkload = makeWorkload
        self.modelParameters = modelParameters
    }
}

/// Every built-in scenario.
public enum Scenarios {
    public static let all: [Scenario] = PipeScenarios.all

    public static func named(_ name: String) -> Scenario? {
        all.first { $0.name == name }
    }
}

/// Payload bytes for workloads: printable (traces stay readable), and distinct per write so that a lost,
/// duplicated or reordered piece shows in the data: a tag `<process.sequence>` then letters.
public enum PayloadMaker {
    public static func make(process: Int, sequence: Int, count: Int, generator: inout SeededGenerator) -> [UInt8] {
        let tag = Array("<\(process).\(sequence)>".utf8)
        let alphabet = Array((process % 2 == 0 ? "abcdefghijklmnopqrstuvwxyz" : "ABCDEFGHIJKLMNOPQRSTUVWXYZ").utf8)
        let offset = generator.next(below: alphabet.count)
        return (0..<count).map { index in
            index < tag.count && count > tag.count ? tag[index] : alphabet[(index + offset + sequence) % alphabet.count]
        }
    }
}
