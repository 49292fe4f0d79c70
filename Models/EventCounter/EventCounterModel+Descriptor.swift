/// `pwrite` and the `ioctl`s on an eventfd, as this kernel does them (`KernelEventCounterDescriptorFactsTests`):
/// - `pwrite`, like `pread`, fails `ESPIPE` whatever its size, and changes nothing.
/// - An eventfd has no `ioctl` of its own: `FIONREAD` fails `ENOTTY`, and so does `FIOASYNC` of 1 (no `fasync`);
///   `FIOASYNC` of 0 succeeds, since the kernel asks for `fasync` only when `O_ASYNC` would change and it is never set
///   on an eventfd (`fcntl(F_SETFL)` of `O_ASYNC` succeeds and silently drops it).
/// - The generic ones work: `FIONBIO` sets or clears `O_NONBLOCK` of the one open file description, for every holder,
///   as `F_SETFL` does; `FIOCLEX`/`FIONCLEX` set and clear the caller's close-on-exec flag, which no eventfd call sees.
/// - A process holding no descriptor gets `EBADF` from all of them, before anything else.
extension EventCounterModel {
    /// The `ioctl` requests a trace can carry.
    public enum IoctlRequest: Hashable, Sendable {
        case fionread
        case fionbio(Bool)
        case fioasync(Bool)
        case fioclex
        case fionclex

        public var name: String {
            switch self {
            case .fionread: "FIONREAD"
            case .fionbio: "FIONBIO"
            case .fioasync: "FIOASYNC"
            case .fioclex: "FIOCLEX"
            case .fionclex: "FIONCLEX"
            }
        }
    }

    /// The outcome of `pwrite` and `ioctl` (nil for the other inputs).
    func descriptorOutcome(of input: Input, in state: State) -> (output: Output, next: State)? {
        switch input {
        case .pwrite(let process, _, let position):
            return (.failed(position.positionedFailure(held: state.holders.contains(process))), state)
        case .ioctl(let process, let request):
            guard state.holders.contains(process) else { return (.failed(.EBADF), state) }
            switch request {
            case .fionread, .fioasync(true): return (.failed(.ENOTTY), state)
            case .fioclex, .fionclex, .fioasync(false): return (.flagsSet, state)
            case .fionbio(let on):
                var next = state
                next.nonblocking = on
                return (.flagsSet, next)
            }
        default:
            return nil
        }
    }
}
