import IPCModels

/// One run a fuzzing session makes: generated afresh from a seed, or derived from a corpus entry — the same seed
/// under another strategy or other faults, or the entry's recorded run edited (its programs, kill points, faults or
/// schedule) and executed again.
struct FuzzRun {
    var seed: UInt64
    var strategy: StrategySpec
    var mode: Scenario.Mode
    var faults: FaultOptions?
    /// A simulation's timing, when not the seed's (``ScenarioRun/timingSeed``).
    var timingSeed: UInt64?
    /// With a timing seed: the seed the simulation's slow process is drawn from, when not `seed`.
    var slowProcessSeed: UInt64?
    /// A simulation's slow process, chosen by the session's arms (``GenerationArms``) rather than drawn.
    var slowProcess: Int?
    /// Its number in the session (1, 2, …, in the order runs are drawn): unique, so it keeps the saved traces of
    /// two runs of one seed apart whichever job makes them.
    var number = 0
    /// The recorded run, edited; nil: the scenario generates the run from the seed.
    var edit: EditedRun?
    /// The mutation that made it (``FuzzMutator``), nil for fresh generation.
    var mutation: String?
    /// The corpus entry it was derived from (``CorpusEntry/id``); nil for a fresh run.
    var parent: Int?

    /// A recorded run edited by the mutator, run as the shrinker runs its candidates: real-mode runs on the kernel
    /// (the driver invokes the edited moves in order), simulations in the simulator (the edited steps, leniently).
    enum EditedRun {
        case real(RealRunSpec)
        case sim(SimulationRunSpec)
    }

    /// Executes the run and checks it; nil when an edited run cannot be set up from its own trace (an edit the
    /// setup refuses is not a finding, and the run is not counted).
    func execute(_ scenario: Scenario, worker: WorkerCommand, budget: CheckBudget) throws(HarnessError) -> RunResult? {
        guard let edit else {
            var result = try ScenarioRunner.runOnce(
                scenario, seed: seed, strategy: strategy, worker: worker, checkBudget: budget, faults: faults, mode: mode,
                timingSeed: timingSeed, slowProcessSeed: slowProcessSeed, slowProcess: slowProcess)
            if let mutation { result.trace.header.extra[Self.mutationKey] = .string(mutation) }
            return result
        }
        do {
            var result: RunResult
            switch edit {
            case .real(let spec): result = try spec.run(worker: worker, budget: budget)
            case .sim(let spec): result = try spec.run(worker: worker, budget: budget)
            }
            result.seed = seed
            if let mutation { result.trace.header.extra[Self.mutationKey] = .string(mutation) }
            return result
        } catch {
            // An edit the run's own setup or a worker refuses (a payload grown past a construction's slots) is not
            // a finding: the run is dropped. Any other harness error is the harness's, and ends the session.
            switch error {
            case .harness(let harness) where harness.input == nil: throw harness
            default: return nil
            }
        }
    }

    /// The header field naming the mutation that produced a saved trace's run.
    static let mutationKey = "fuzzMutation"
}
