/// `poll` and `select` on a message queue descriptor (a Linux `mqd_t` is a file descriptor), as this kernel's
/// `mqueue_poll_file` reports them (`MessageQueueReadinessFactsTests`):
/// - `POLLIN | POLLRDNORM` while the queue holds a message, `POLLOUT | POLLWRNORM` while it has room; never
///   `POLLPRI`, `POLLHUP` or `POLLERR`.
/// - The descriptor's access mode does not matter: an `O_WRONLY` descriptor reports `POLLIN`, an `O_RDONLY` one
///   `POLLOUT`, though a receive or send through them fails `EBADF`.
/// - A message handed straight to a sleeping receiver never sits in the queue, so it makes nothing readable.
/// - The call's shape is a pipe's (``PipeModel/ReadinessCall``): `POLLNVAL` or `EBADF` for a process holding no
///   descriptor; a call that finds nothing ready returns 0 at once with a non-negative timeout and sleeps with a
///   negative one; a signal may interrupt it only while nothing is ready (`EINTR`, no effect).
extension PosixMessageQueueModel {
    public typealias PollEvents = PipeModel.PollEvents
    public typealias ReadinessCall = PipeModel.ReadinessCall

    /// `mqueue_poll_file`'s mask for `process`'s descriptor; nil when it holds none.
    public func readiness(of process: Int, in state: State) -> PollEvents? {
        guard state.name.holders.contains(process) else { return nil }
        var mask: PollEvents = []
        if !state.messages.isEmpty { mask.formUnion([.input, .readNormal]) }
        if state.messages.count < state.maxMessages { mask.formUnion([.output, .writeNormal]) }
        return mask
    }

    /// How `call` by `process` completes from `state`: nothing when it would sleep (nothing ready, no timeout).
    func readinessTransitions(_ call: ReadinessCall, process: Int, in state: State) -> [Transition<State, Output>] {
        let output: Output
        switch call.result(for: readiness(of: process, in: state)) {
        case .ready(let events): output = .ready(events)
        case .selected(let readable, let writable): output = .selected(readable: readable, writable: writable)
        case .failed(let code): output = .failed(code)
        default: output = .failed(.EBADF)
        }
        return Self.nothingReady(output) && call.timeout < 0 ? [] : [Transition(output, state)]
    }

    /// Whether a readiness result reports nothing: what a timeout returns, and when a signal may interrupt.
    static func nothingReady(_ output: Output) -> Bool {
        switch output {
        case .ready(let events): events.isEmpty
        case .selected(let readable, let writable): !readable && !writable
        default: false
        }
    }
}
