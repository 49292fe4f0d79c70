import IPCModels

/// What a user adds to the harness, in one value their worker, their CLI and their tests are all given: kinds of
/// object of their own (with their models), client implementations of existing kinds, models for traces recorded
/// elsewhere, invariants checked beside the models, and scenarios.
///
/// ```swift
/// public let components = HarnessComponents(
///     kinds: [TokenPoolKind.self],
///     clients: [ClientImplementation("mine.framing-reader", of: UnixSocketKind.self) { try MyFramingReader($0) }],
///     scenarios: [poolSurvivesKills, brokenPoolLosesTokens])
///
/// // Sources/my-worker/main.swift
/// IPCHarnessWorker.run(components)
/// // Sources/my-harness/main.swift
/// IPCHarnessCommand.main(components)
/// ```
///
/// Registering is idempotent (the same components registered twice are one); a name that means something else
/// already is refused.
public struct HarnessComponents: Sendable {
    public var kinds: [any ObjectKind.Type]
    public var clients: [any AnyClientImplementation]
    public var models: [any TraceModel.Type]
    public var invariants: [any TraceInvariant.Type]
    public var scenarios: [Scenario]

    public init(
        kinds: [any ObjectKind.Type] = [], clients: [any AnyClientImplementation] = [],
        models: [any TraceModel.Type] = [], invariants: [any TraceInvariant.Type] = [], scenarios: [Scenario] = []
    ) {
        self.kinds = kinds
        self.clients = clients
        self.models = models
        self.invariants = invariants
        self.scenarios = scenarios
    }

    /// Nothing beyond the built-in kinds, models and scenarios (which every process knows).
    public static let none = HarnessComponents()

    /// Both sets of components.
    public static func + (left: HarnessComponents, right: HarnessComponents) -> HarnessComponents {
        HarnessComponents(
            kinds: left.kinds + right.kinds, clients: left.clients + right.clients, models: left.models + right.models,
            invariants: left.invariants + right.invariants, scenarios: left.scenarios + right.scenarios)
    }

    /// Makes them known in this process: to the driver and worker (kinds, clients), the checker (models, the
    /// kinds' models), and `list`/`run`/`fuzz` (scenarios).
    public func register() throws(HarnessError) {
        for kind in kinds { try KindRegistry.register(kind) }
        for client in clients { try client.register() }
        for model in models { try ModelRegistry.register(model) }
        for invariant in invariants { try InvariantRegistry.register(invariant) }
        for scenario in scenarios { try Scenarios.register(scenario) }
    }
}
