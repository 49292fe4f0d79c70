import IPCMechanisms
import IPCModels

/// RCU scenarios: the published-pointer workload (``RCUWorkload``) on OS threads, against the project's own RCU,
/// liburcu's memb and qsbr flavours, and two broken twins the checker must catch.
public enum RCUScenarios {
    public static let all: [Scenario] = [swift, urcuMemb, urcuQSBR, brokenNoGrace, brokenEarlyReturn]

    public static let swift = threads(
        name: "rcu-swift", summary: "1-3 reader threads and an updater on the project's Swift RCU; delays injected",
        makeFlavor: { SwiftRCU() })

    public static let urcuMemb = threads(
        name: "rcu-urcu-memb", summary: "the same workload on liburcu's memb flavour (call_rcu on its callback thread)",
        makeFlavor: { URCUMemb() })

    public static let urcuQSBR = threads(
        name: "rcu-urcu-qsbr", summary: "the same workload on liburcu's qsbr flavour: readers go online, pass quiescent states",
        makeFlavor: { URCUQSBR() })

    public static let brokenNoGrace = threads(
        name: "rcu-broken-no-grace", summary: "BROKEN: the updater poisons and frees a replaced version at once, without a grace period",
        isBroken: true, retirement: .immediately, makeFlavor: { SwiftRCU(name: "client.rcu-no-grace") })

    public static let brokenEarlyReturn = threads(
        name: "rcu-broken-early-return",
        summary: "BROKEN: synchronize stops waiting for a reader that has not moved for 256 polls (a preempted one)",
        isBroken: true,
        makeFlavor: { SwiftRCU(name: "swift.rcu-early-return", waitPolicy: .givesUpAfter(polls: 256)) })

    /// A threads-mode scenario: each run generates the workload from its seed and runs it on `makeFlavor()`.
    static func threads<Flavor: RCUFlavor>(
        name: String, summary: String, isBroken: Bool = false, retirement: RCUWorkload.Retirement = .afterGracePeriod,
        makeFlavor: @escaping @Sendable () -> Flavor
    ) -> Scenario {
        let implementation = makeFlavor().name
        return Scenario(
            name: name, mode: .threads, model: RCUModel.name, implementation: implementation, summary: summary,
            isBroken: isBroken
        ) { run in
            let flavor = makeFlavor()
            var generator = SeededGenerator(seed: run.seed)
            let workload = RCUWorkload.generate(
                generator: &generator, strategy: run.strategy, quiescentStates: flavor.hasQuiescentStates,
                retirement: retirement)
            let events = RCUThreadsRun(flavor: flavor, workload: workload).run()
            var header = Trace.Header(
                model: RCUModel.name, parameters: RCUModel(objects: [("r0", 0)]).parameters, mechanism: implementation,
                seed: String(run.seed), strategy: run.strategy.description, faults: ["kinds": ["delay"]],
                mode: Scenario.Mode.threads.rawValue, scenario: name)
            header.extra["threads"] = [
                "updater": 1, "readers": .array((0..<workload.readers.count).map { .int($0 + 2) }),
                "callbacks": .int(workload.callbackProcess),
            ]
            header.extra["invariants"] = ["poison": [:]]
            return Trace(header: header, events: events)
        }
    }
}
