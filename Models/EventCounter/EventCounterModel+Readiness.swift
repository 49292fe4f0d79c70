/// Readiness of an eventfd as `poll` and `select` report it: this kernel's `eventfd_poll`, measured in
/// `KernelEventCounterReadinessFactsTests`.
///
/// - `POLLIN` while the count is above 0; `POLLOUT` while it is below the ceiling 2^64 − 2 (so a write of 1 fits; at
///   the ceiling there is none, though a write of 0 still succeeds). Never `POLLRDNORM` or `POLLWRNORM`, unlike a
///   pipe's. A semaphore eventfd is the same.
/// - `POLLERR` only at 2^64 − 1, which no write reaches (`EINVAL` for that value, and sums stop one short): only the
///   kernel's own `eventfd_signal` (the model's `signal`, an AIO completion) takes the count there (measured:
///   `POLLIN | POLLERR`, `POLLERR` unasked, `select` readable and writable).
/// - The call's shape is a pipe's (``PipeModel/ReadinessCall``): `POLLNVAL` or `EBADF` for a process holding no
///   descriptor; a call that finds nothing ready returns 0 at once with a non-negative timeout and sleeps with a
///   negative one; a signal may interrupt it only while nothing is ready (`EINTR`, no effect).
extension EventCounterModel {
    public typealias PollEvents = PipeModel.PollEvents
    public typealias ReadinessCall = PipeModel.ReadinessCall

    /// `eventfd_poll`'s mask for `process`'s descriptor; nil when it holds none.
    public func readiness(of process: Int, in state: State) -> PollEvents? {
        guard state.holders.contains(process) else { return nil }
        var mask: PollEvents = []
        if state.count > 0 { mask.insert(.input) }
        if state.count < Self.maximum { mask.insert(.output) }
        if state.count == .max { mask.insert(.error) }
        return mask
    }

    /// What `call` returns when `process` finds the eventfd in `state`.
    func readinessResult(_ call: ReadinessCall, process: Int, in state: State) -> Output {
        switch call.result(for: readiness(of: process, in: state)) {
        case .ready(let events): .ready(events)
        case .selected(let readable, let writable): .selected(readable: readable, writable: writable)
        case .failed(let code): .failed(code)
        default: .failed(.EBADF)
        }
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
