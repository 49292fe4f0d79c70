/// A process's descriptor table, which no trace shows: any call that makes a descriptor (`mq_open`, `shm_open`,
/// `sem_open`'s `open` of its file) fails `EMFILE` when the caller's table is full below its `RLIMIT_NOFILE` — before
/// it looks the name up (the number is taken first: measured, `DescriptorExhaustionFactsTests`) — and changes nothing.
/// A model that does not know the table must allow it beside every other outcome, or a process that leaked its
/// descriptors would be reported as a violation of the mechanism it never reached. (The pipe and FIFO models, which
/// can be told the tables, count them: ``PipeModel/DescriptorLimit``.)
enum DescriptorTable {
    static let exhausted = ErrorCode("EMFILE")

    /// `outcomes` of a call that makes a descriptor, by a process with `free` numbers free below its limit (nil:
    /// unknown): with none, only `EMFILE`; unknown, `EMFILE` too (with `state` unchanged) if they do not already allow
    /// it; known free, as they are.
    static func withExhaustion<State, Output: PlainOutcomes>(
        _ outcomes: [Transition<State, Output>], in state: State, free: Int? = nil
    ) -> [Transition<State, Output>] {
        let full = Transition(Output.failed(exhausted), state)
        if let free { return free <= 0 ? [full] : outcomes }
        return outcomes.contains { $0.output == full.output } ? outcomes : outcomes + [full]
    }
}
