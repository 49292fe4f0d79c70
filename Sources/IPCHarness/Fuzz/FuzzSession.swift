/// A fuzzing process from its options to its record: all that `ipc-harness fuzz` (and a user's command line built
/// with IPCHarnessCommand) does once its options are read. The record `fuzz merge` reads is written here, by the code
/// that ran the session, not by each command line that starts one.
public enum FuzzSession {
    /// Runs the session `options` describes: prints its first line, its progress (a live line on a terminal, a plain
    /// line every 10 s otherwise) and its summary, then writes its ``FuzzRecord`` (`fuzz-summary.json`, atomically)
    /// into `options.outputDirectory`, with any harness error in it, so that a merge names the shard that failed.
    /// Throws only when the record cannot be written.
    public static func run(_ options: FuzzOptions, worker: WorkerCommand) throws(HarnessError) -> FuzzSummary {
        print(FuzzText.header(options))
        let terminal = FuzzText.outputIsTerminal
        let summary = Fuzzer(options: options, worker: worker).run(progressInterval: terminal ? 0.25 : 10) { progress in
            if terminal {
                FuzzText.rewriteLine(FuzzText.progressLine(progress))
            } else {
                print(FuzzText.progressLine(progress))
            }
        }
        if terminal { print() }
        print(FuzzText.summary(summary))
        try FuzzRecord(summary: summary, options: options).write(into: options.outputDirectory)
        return summary
    }
}

extension FuzzSummary {
    /// The status a fuzzing command exits with: 2 when a harness error ended the session (its result is unknown), 1
    /// when a scenario not broken on purpose showed a violation (a real finding), 0 otherwise.
    public var exitStatus: Int32 { !errors.isEmpty ? 2 : unexpectedViolations > 0 ? 1 : 0 }
}
