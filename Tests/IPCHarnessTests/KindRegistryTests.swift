import IPCHarness
import IPCModels
import Testing

/// One mechanism, one kind: every built-in kind is registered once, under its model's name, with its own
/// implementations; and no kind runs an implementation it does not have — a run that names one is refused, never
/// quietly run on the kernel's code under the user's name.
@Suite struct KindRegistryTests {
    static let foreign = "mine.not-in-this-harness"

    /// A one-object workload of `kind`, held by two processes in every role the kind's scenarios use.
    static func workload(of kind: any ObjectKind.Type, implementation: String? = nil) -> Workload {
        Workload(
            objects: [Workload.Object(name: "o0", kind: kind, implementation: implementation)],
            processes: [
                Workload.Process(id: 1, holds: ["o0": ["read", "write", "a", "hold", "open", "map", "memory"]]),
                Workload.Process(id: 2, holds: ["o0": ["read", "b", "receive"]]),
            ])
    }

    @Test func everyBuiltInKindIsRegisteredOnceWithItsModel() {
        let names = KindRegistry.kinds.map { $0.name }
        #expect(Set(names).count == names.count)
        for kind in BuiltInKinds.all {
            #expect(KindRegistry.kind(named: kind.name) != nil)
            #expect(!kind.implementations.isEmpty, "\(kind.name) runs nothing")
            if let typed = kind as? any MechanismKind.Type {
                // A kernel kind is named after its model ("pipe"); a shared-memory construction is checked against a
                // general one (the SPSC ring against "queue").
                #expect(ModelRegistry.model(named: modelName(typed)) != nil, "\(kind.name)'s model is unknown to the checker")
            }
        }
        #expect(Set(names).isSuperset(of: [
            "pipe", "fifo", "unix-socket", "eventfd", "signal", "posix-mq", "sysv-msg", "posix-shm", "sysv-shm",
            "posix-sem", "sysv-sem", "robust-mutex", "ack-queue", "spsc-ring", "seqlock", "treiber-stack",
            "sequence-mailbox", "revocable-channel", "hybrid-channel", "snapshot-service",
        ]))
    }

    private func modelName<Kind: MechanismKind>(_ kind: Kind.Type) -> String { Kind.Model.name }

    /// Every built-in kind is exercised: some built-in scenario's workload has an object of it, and every
    /// implementation a kind lists is some scenario's (an implementation nobody runs is code nobody tests).
    @Test func everyBuiltInKindAndImplementationHasAScenario() {
        var kinds: Set<String> = []
        var implementations: Set<String> = []
        for scenario in Scenarios.builtIn {
            implementations.insert(scenario.implementation)
            kinds.formUnion(scenario.kinds)  // a simulation-only scenario has no real setup
            guard let setup = scenario.realSetup else { continue }
            var generator = SeededGenerator(seed: 1)
            for object in setup.makeWorkload(&generator).objects { kinds.insert(object.kind) }
        }
        for kind in BuiltInKinds.all {
            #expect(kinds.contains(kind.name), "no scenario uses kind \(kind.name)")
            for implementation in kind.implementations where implementation != "client.pipe-spins-at-eof" {
                #expect(implementations.contains(implementation), "no scenario runs \(implementation)")
            }
        }
    }

    /// A run naming an implementation no object runs would label the kernel's behaviour with the user's name.
    @Test(arguments: BuiltInKinds.all.map { $0.name })
    func aRunNamingAnImplementationNoObjectRunsIsRefused(kindName: String) throws {
        let kind = try #require(KindRegistry.kind(named: kindName))
        let error = #expect(throws: HarnessError.self) {
            try Self.workload(of: kind).implementations(running: Self.foreign)
        }
        #expect(error?.message.hasPrefix("no object of this run runs '\(Self.foreign)'") == true, "\(error?.message ?? "")")
        // An object that names it itself is refused, naming what its kind runs.
        let named = #expect(throws: HarnessError.self) {
            try Self.workload(of: kind, implementation: Self.foreign).implementations(running: kind.implementations[0])
        }
        #expect(named?.message.contains("do not run implementation '\(Self.foreign)' (they run: \(kind.implementations[0])") == true)
        // And the kind's own default is run by default.
        #expect(try Self.workload(of: kind).implementations(running: kind.implementations[0]) == ["o0": kind.implementations[0]])
    }

    /// In a worker, too: a kind's binding refuses what it does not run, before it touches anything.
    @Test(arguments: BuiltInKinds.all.map { $0.name })
    func aWorkerBindingRefusesAnImplementationItDoesNotRun(kindName: String) throws {
        let kind = try #require(KindRegistry.kind(named: kindName))
        let object = WorkerObject(
            name: "o0", kind: kindName, roles: [], setup: ["implementation": "reference.spsc-ring"], modelParameters: .null,
            context: WorkerContext(process: 1, pids: [1: 1]))
        #expect(throws: BindingError.self) { try kind.workerBinding(for: object, implementation: Self.foreign) }
    }

    /// Mixed workloads test one object's implementation; the others run their kind's default.
    @Test func aMixedWorkloadRunsTheNamedImplementationWhereItsKindHasIt() throws {
        let workload = Workload(
            objects: [Workload.Object(name: "p0", kind: PipeKind.self), Workload.Object(name: "m0", kind: RobustMutexKind.self)],
            processes: [Workload.Process(id: 1, holds: ["p0": ["read", "write"], "m0": ["use"]])])
        #expect(try workload.implementations(running: "client.mutex-ignores-owner-death") == [
            "p0": "kernel.pipe", "m0": "client.mutex-ignores-owner-death",
        ])
    }

    /// The false pass of issue 12: a scenario naming a user's implementation on a built-in kind used to run the
    /// harness's own code and report "no violation" under the user's name.
    @Test func aScenarioNamingAnImplementationNobodyRunsIsAnErrorNotAPass() throws {
        let scenario = Scenario.real(
            name: "mine", kind: PosixSemaphoreKind.self, implementation: "mine.pool", summary: "",
            makeWorkload: { _ in
                Workload(
                    objects: [Workload.Object(name: "s0", kind: PosixSemaphoreKind.self, parameters: ["value": 1])],
                    processes: [Workload.Process(id: 1, holds: ["s0": ["use"]], program: [
                        Call(process: 1, object: "s0", f: "wait"), Call(process: 1, object: "s0", f: "post"),
                    ])])
            })
        let worker = try WorkerLocator.workerCommand()
        let error = #expect(throws: HarnessError.self) {
            try ScenarioRunner.runOnce(scenario, seed: 1, strategy: .random, worker: worker, checkBudget: CheckBudget(seconds: 10))
        }
        #expect(error?.message.contains("no object of this run runs 'mine.pool'") == true, "\(error?.message ?? "")")
    }

    @Test func registeringIsIdempotentAndANameMeansOneKind() throws {
        try KindRegistry.register(PipeKind.self)
        #expect(KindRegistry.kinds.count { $0.name == "pipe" } == 1)
        #expect(throws: HarnessError.self) { try KindRegistry.register(ImpostorPipeKind.self) }
        #expect(throws: HarnessError.self) { try ModelRegistry.register(ImpostorPipeKind.Model.self) }
    }

    /// A kind that claims the pipe's name (and a model that claims the pipe model's): refused.
    enum ImpostorPipeKind: MechanismKind {
        struct Model: TraceModel {
            static let name = "pipe"
            init() {}
            init(parameters: JSONValue?) {}
            var parameters: JSONValue { .null }
            var objects: [String] { [] }
            func initialState(of object: String) -> Int { 0 }
            func step(_ state: Int, _ input: Int, _ output: Int?) -> [Step<Int>] { [] }
            func describe(_ input: Int, _ output: Int?) -> String { "" }
            func describe(_ state: Int) -> String { "" }
            func input(from call: Call) throws(ModelError) -> Int { 0 }
            func output(from outcome: Outcome, for input: Int) throws(ModelError) -> Int { 0 }
            func call(for input: Int) -> (f: String, value: JSONValue?) { ("x", nil) }
            func outcome(for output: Int) -> Outcome { .ok(nil) }
            func exitInput(process: Int, object: String) -> Int? { nil }
        }
        static let name = "pipe"
        static let implementations = ["impostor"]
        static func model(for workload: Workload) -> Model { Model() }
        static func provision(_ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects) {}
        static func binding(for object: WorkerObject, implementation: String) -> any ObjectBinding<Model> {
            BindingFailure.abandon("never made")
        }
    }
}
