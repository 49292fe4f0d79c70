import IPCModels

/// The text of `shrink`, beside the shrinker (the run layer's text knows nothing of shrinking).
extension CommandLineText {
    /// Where `shrink` writes by default: `x.jsonl` → `x.shrunk.jsonl`.
    public static func shrunkPath(for path: String) -> String {
        path.hasSuffix(".jsonl") ? String(path.dropLast(6)) + ".shrunk.jsonl" : path + ".shrunk.jsonl"
    }

    /// The report of a shrink.
    public static func shrinkReport(_ shrink: ShrinkResult, path: String) -> String {
        if let unshrunk = shrink.unshrunk { return unshrunk + "\n" + shrink.result.report.explanation }
        return """
        shrunk: \(shrink.eventsBefore) events → \(shrink.eventsAfter) events (\(shrink.candidates) candidate runs)
        \(shrink.result.report.explanation)
        trace: \(path)
        replay: \(replayCommand(path))
        """
    }
}
