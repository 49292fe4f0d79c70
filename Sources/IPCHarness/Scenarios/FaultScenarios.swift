import IPCModels

/// Client code judged under faults: each fragile client carries a bug that shows only when a call is interrupted
/// or cut short, and runs with those faults on by default (`--faults` overrides); its robust twin passes under
/// the same faults.
public enum FaultScenarios {
    public static let all: [Scenario] = [eofOnInterrupt, retryingReader, ignoresShortWrites, writeAllUnderFaults]

    /// Interruptions of blocking reads: injected EINTR and real signals without SA_RESTART (or with it).
    static let interruptions = FaultOptions(kinds: [.eintr, .signal, .signalRestart], rate: 0.3)
    /// Writes cut short: by the fault plan, and by real signals reaching a writer blocked on a full pipe.
    static let shortWrites = FaultOptions(kinds: [.short, .signal], rate: 0.3)

    public static let eofOnInterrupt = Scenario.real(
        name: "pipe-fragile-eof-on-eintr", model: PipeModel.name, implementation: "client.pipe-eof-on-eintr",
        summary: "BROKEN under faults: a read loop that takes any failed read, EINTR included, for end of file",
        isBroken: true, defaultFaults: interruptions,
        makeWorkload: { generator in PipeScenarios.streamingWorkload(f: "write-all", sizes: 200...20_000, generator: &generator) },
        modelParameters: PipeScenarios.parameters)

    public static let retryingReader = Scenario.real(
        name: "pipe-robust-retrying-reader", model: PipeModel.name, implementation: "client.pipe-retrying-reader",
        summary: "robust twin of pipe-fragile-eof-on-eintr: an interrupted read is retried",
        defaultFaults: interruptions,
        makeWorkload: { generator in PipeScenarios.streamingWorkload(f: "write-all", sizes: 200...20_000, generator: &generator) },
        modelParameters: PipeScenarios.parameters)

    public static let ignoresShortWrites = Scenario.real(
        name: "pipe-fragile-ignores-short-writes", model: PipeModel.name, implementation: "client.pipe-ignores-short-writes",
        summary: "BROKEN under faults: one blocking write per message, reported whole whatever count it returned",
        isBroken: true, defaultFaults: shortWrites,
        makeWorkload: { generator in PipeScenarios.streamingWorkload(f: "write-all", sizes: 2_000...90_000, generator: &generator) },
        modelParameters: PipeScenarios.parameters)

    /// The poll-and-retry loop the pipe model's `write-all` describes. (A loop of blocking writes is as correct,
    /// but its later writes do not merge into the last page as the model's pieces do, so the model would
    /// misjudge its page layout under a full pipe.)
    public static let writeAllUnderFaults = Scenario.real(
        name: "pipe-robust-write-all-under-faults", model: PipeModel.name, implementation: "client.write-all",
        summary: "robust twin of pipe-fragile-ignores-short-writes: after a short count the rest is written",
        defaultFaults: shortWrites,
        makeWorkload: { generator in PipeScenarios.streamingWorkload(f: "write-all", sizes: 2_000...90_000, generator: &generator) },
        modelParameters: PipeScenarios.parameters)
}
