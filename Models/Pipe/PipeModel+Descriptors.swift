/// What a pipe's descriptors do beyond reading and writing: `fcntl` on the open file description, and the calls that
/// need a file position a pipe does not have. Each rule is a fact measured on this kernel (`KernelPipeFactsTests`).
extension PipeModel {
    /// An `fcntl` command on a pipe's descriptor.
    public enum FileControl: Hashable, Sendable, CustomStringConvertible {
        /// `F_GETFL`: the description's `O_NONBLOCK` and `O_DIRECT`.
        case getFlags
        /// `F_SETFL`: sets `O_NONBLOCK` on the open file description (seen by every process sharing it, not by
        /// other descriptions of the same end), and `O_DIRECT` when given (nil: left as it was).
        case setFlags(nonblocking: Bool, direct: Bool?)
        /// `F_SETFL` recorded with `O_ASYNC` (`async`): as ``setFlags(nonblocking:direct:)``, and `O_ASYNC` set or
        /// cleared on the description (see ``PipeModel+Async``).
        case setFlagsWithAsync(nonblocking: Bool, direct: Bool?, async: Bool)
        /// `F_GETPIPE_SZ`: the capacity in bytes.
        case getPipeSize
        /// `F_SETPIPE_SZ`: the size (an `unsigned int` to the kernel) is rounded up to a power-of-two count of
        /// pages, at least one; above 2^31 it is `EINVAL`; growing beyond `pipe-max-size` is `EPERM`; fewer slots
        /// than the pages in use is `EBUSY`. Returns the new capacity.
        case setPipeSize(Int)
        /// `dup` (nil) or `F_DUPFD`/`F_DUPFD_CLOEXEC` with its lowest acceptable number: one more descriptor of the same
        /// open file description, which is one more holder of the end (end of file or `EPIPE` only once every
        /// descriptor is closed) sharing its flags. `EINVAL` for a minimum below 0 or at least `RLIMIT_NOFILE`;
        /// `EMFILE` when no number below the limit (and at least the minimum) is free.
        /// (`closeOnExec`: `F_DUPFD_CLOEXEC`, whose copy has `FD_CLOEXEC` set; `dup`'s and `F_DUPFD`'s have it clear.)
        case duplicate(minimum: Int?, closeOnExec: Bool = false)
        /// `F_GETFD`: the descriptor's `FD_CLOEXEC` (see `PipeModel+DescriptorFlags`).
        case getDescriptorFlags
        /// `F_SETFD`: sets or clears the descriptor's `FD_CLOEXEC` (its argument's other bits are ignored), that
        /// descriptor's only — not its duplicates', which `F_SETFL` would reach.
        case setDescriptorFlags(closeOnExec: Bool)
        /// `dup2` or `dup3` (see ``DuplicateCall``).
        case duplicateOnto(DuplicateCall)
        /// `F_GETOWN`, `F_SETOWN`: the description's owner (see ``PipeModel+Owner``).
        case getOwner
        case setOwner(OwnerArgument)
        /// `F_GETOWN_EX`, `F_SETOWN_EX`: the owner with its type (a thread, a process, a process group).
        case getOwnerEx
        case setOwnerEx(OwnerType, OwnerArgument)
        /// `F_GETSIG`, `F_SETSIG`: the description's signal for `O_ASYNC` (0: `SIGIO`).
        case getSignal
        case setSignal(Int)
        /// `ioctl`'s generic requests on the descriptor (see ``IORequest``): not `fcntl`, but the same description and
        /// descriptor flags.
        case ioctl(IORequest)

        public var description: String {
            switch self {
            case .duplicate(nil, _): "dup"
            case .duplicate(let minimum?, let closeOnExec): "\(closeOnExec ? "F_DUPFD_CLOEXEC" : "F_DUPFD") \(minimum)"
            case .getFlags: "F_GETFL"
            case .setFlags(let nonblocking, let direct):
                "F_SETFL \(nonblocking ? "O_NONBLOCK" : "~O_NONBLOCK")" + (direct.map { $0 ? "|O_DIRECT" : "|~O_DIRECT" } ?? "")
            case .setFlagsWithAsync(let nonblocking, let direct, let async):
                "F_SETFL \(nonblocking ? "O_NONBLOCK" : "~O_NONBLOCK")" + (direct.map { $0 ? "|O_DIRECT" : "|~O_DIRECT" } ?? "")
                    + (async ? "|O_ASYNC" : "|~O_ASYNC")
            case .getPipeSize: "F_GETPIPE_SZ"
            case .setPipeSize(let size): "F_SETPIPE_SZ \(size)"
            case .getDescriptorFlags: "F_GETFD"
            case .setDescriptorFlags(let closeOnExec): "F_SETFD \(closeOnExec ? "FD_CLOEXEC" : "0")"
            case .duplicateOnto(let call): call.description
            case .getOwner: "F_GETOWN"
            case .setOwner(let owner): "F_SETOWN \(owner)"
            case .getOwnerEx: "F_GETOWN_EX"
            case .setOwnerEx(let type, let owner): "F_SETOWN_EX \(type) \(owner)"
            case .getSignal: "F_GETSIG"
            case .setSignal(let signal): "F_SETSIG \(signal)"
            case .ioctl(let request): "ioctl \(request)"
            }
        }
    }

    /// The `ioctl` requests a pipe's descriptor answers, as measured (`KernelPipeIoctlFactsTests`, a C probe):
    /// `FIONREAD` the bytes in the pipe through either end; `FIONBIO` (any value but 0 sets) `O_NONBLOCK` of the open
    /// file description alone, as `F_SETFL` would with the description's other flags kept (`O_DIRECT` stays);
    /// `FIOASYNC` its `O_ASYNC`, with the I/O signals that follow (``PipeModel+Async``); `FIOCLEX`/`FIONCLEX` the
    /// descriptor's `FD_CLOEXEC`, as `F_SETFD` (a `dup`'s copy keeps its own). `EBADF` for an end not held; any other
    /// request is `ENOTTY` (`TCGETS`, `FIOQSIZE`: not an operation).
    public enum IORequest: Hashable, Sendable, CustomStringConvertible {
        case bytesAvailable
        case nonblocking(Bool)
        case async(Bool)
        case closeOnExec(Bool)

        /// The request's name in a trace (`"request"`).
        public var name: String {
            switch self {
            case .bytesAvailable: "FIONREAD"
            case .nonblocking: "FIONBIO"
            case .async: "FIOASYNC"
            case .closeOnExec(let on): on ? "FIOCLEX" : "FIONCLEX"
            }
        }

        public var description: String {
            switch self {
            case .nonblocking(let on), .async(let on): "\(name) \(on ? 1 : 0)"
            default: name
            }
        }
    }

    /// `fstat` of `process`'s descriptor of `end` (measured in `KernelDescriptorStatusFactsTests`): `S_IFIFO` with the
    /// permission bits `mode` (an anonymous pipe's inode is made 0600; a FIFO's are its own) and an `st_size` of 0
    /// whatever the pipe holds; `EBADF` when it holds no such end.
    public func status(of process: Int, _ end: End, in state: State, mode: Int) -> Output {
        let held = end == .read ? state.readers.contains(process) : state.writers.contains(process)
        return held ? .status(type: "S_IFIFO", mode: mode, size: 0) : .failed(.EBADF)
    }

    /// The calls that need a file position: on a pipe each fails `ESPIPE`, after the checks of their position's
    /// arguments (``FilePosition``: a negative `pread`/`pwrite` offset, an unknown `lseek` `whence`).
    public enum UnseekableCall: Hashable, Sendable {
        case lseek(FilePosition = .start)
        case pread(max: Int, at: FilePosition = .start)
        case pwrite(data: [UInt8], at: FilePosition = .start)

        /// What the call fails with for a process that holds (`held`) or does not hold a descriptor of the end.
        public func failure(held: Bool) -> ErrorCode {
            switch self {
            case .lseek(let position): position.seekFailure(held: held) ?? .ESPIPE
            case .pread(_, let position), .pwrite(_, let position): position.positionedFailure(held: held)
            }
        }

        /// Whether the call has a `whence` (only `lseek`).
        public var readsWhence: Bool {
            if case .lseek = self { true } else { false }
        }

        /// Where the call asks to be (the offset, and `lseek`'s `whence`).
        public var position: FilePosition {
            switch self {
            case .lseek(let position), .pread(_, let position), .pwrite(_, let position): position
            }
        }

        /// The C function's name, which is also the operation's `f`.
        public var name: String {
            switch self {
            case .lseek: "lseek"
            case .pread: "pread"
            case .pwrite: "pwrite"
            }
        }
    }

    func fileControlTransitions(
        _ state: State, process: Int, end: End, command: FileControl
    ) -> [(output: Output?, step: Step<State>)] {
        switch command {
        case .getDescriptorFlags: return getDescriptorFlagTransitions(state, process: process, end: end)
        case .setDescriptorFlags(let closeOnExec):
            return setDescriptorFlagTransitions(state, process: process, end: end, closeOnExec: closeOnExec)
        case .duplicateOnto(let call): return duplicateOntoTransitions(state, process: process, end: end, call: call)
        case .ioctl(.closeOnExec(let on)): return setDescriptorFlagTransitions(state, process: process, end: end, closeOnExec: on)
        default: break
        }
        let held = end == .read ? state.readers.contains(process) : state.writers.contains(process)
        guard held else { return [(.failed(.EBADF), .completed(state))] }
        switch command {
        case .getDescriptorFlags, .setDescriptorFlags, .duplicateOnto, .ioctl(.closeOnExec): return []
        case .ioctl(.bytesAvailable): return [(.available(state.bufferedCount), .completed(state))]
        case .ioctl(.nonblocking(let on)):
            return fileControlTransitions(state, process: process, end: end, command: .setFlags(nonblocking: on, direct: nil))
        case .ioctl(.async(let on)):
            let nonblocking = state.isNonblocking(process, end)
            return fileControlTransitions(state, process: process, end: end, command: .setFlagsWithAsync(nonblocking: nonblocking, direct: nil, async: on))
        case .getOwner: return getOwnerTransitions(state, process: process, end: end)
        case .setOwner(let owner): return setOwnerTransitions(state, process: process, end: end, owner: owner)
        case .getOwnerEx: return getOwnerTransitions(state, process: process, end: end, typed: true)
        case .setOwnerEx(let type, let owner): return setOwnerTransitions(state, process: process, end: end, type: type, owner: owner)
        case .getSignal: return [(getSignal(state, process: process, end: end), .completed(state))]
        case .setSignal(let signal): return setSignalTransitions(state, process: process, end: end, signal: signal)
        case .getFlags:
            return [(.flags(nonblocking: state.isNonblocking(process, end), direct: state.isDirect(process, end)), .completed(state))]
        case .setFlags(let nonblocking, let direct):
            var next = state
            next.setFlag(\.nonblocking, of: process, end, nonblocking)
            if let direct { next.setFlag(\.direct, of: process, end, direct) }
            return [(.flagsSet, .completed(next))]
        case .setFlagsWithAsync(let nonblocking, let direct, let async):
            var next = state
            next.setFlag(\.nonblocking, of: process, end, nonblocking)
            if let direct { next.setFlag(\.direct, of: process, end, direct) }
            next.setFlag(\.async, of: process, end, async)
            return [(.flagsSet, .completed(next))]
        case .getPipeSize:
            return [(.size(state.slots * pageSize), .completed(state))]
        case .setPipeSize(let requested):
            return [setPipeSize(state, requested, by: process)]
        case .duplicate(let minimum, let closeOnExec):
            return duplicateTransitions(state, process: process, end: end, minimum: minimum).map { outcome in
                guard outcome.output == .duplicated, case .completed(var next) = outcome.step else { return outcome }
                next.addDescriptorFlag(of: process, end, closeOnExec ? .set : .clear)
                return (outcome.output, .completed(next))
            }
        }
    }

    /// What is known of one process's descriptor table at the start: how many numbers below its `RLIMIT_NOFILE`
    /// (`limit`) are free. Its ends of the pipe count as below the limit (closing one frees a number).
    public struct DescriptorLimit: Hashable, Sendable {
        public var process: Int
        public var free: Int
        public var limit: Int

        public init(process: Int, free: Int, limit: Int) {
            self.process = process
            self.free = free
            self.limit = limit
        }
    }

    /// `dup` and `F_DUPFD` (measured in `KernelDuplicateFactsTests`): the new descriptor takes the lowest free number
    /// at least `minimum`, so `EMFILE` is certain with no free number below the limit, impossible when more are free
    /// than `minimum` (some must be at or above it), and otherwise depends on where the free numbers are, which no
    /// trace shows: both are allowed. For a process whose table the parameters do not describe, `EMFILE` (and, for
    /// `F_DUPFD`, `EINVAL` of a minimum at or above the unknown limit) may always happen. Failures change nothing.
    private func duplicateTransitions(_ state: State, process: Int, end: End, minimum: Int?) -> [(output: Output?, step: Step<State>)] {
        var next = state
        switch end {
        case .read: next.readers = (next.readers + [process]).sorted()
        case .write: next.writers = (next.writers + [process]).sorted()
        }
        next.changeFreeDescriptors(of: process, by: -1)
        let outcomes = Self.duplicateOutcomes(known: state.descriptorLimits.first { $0.process == process }, minimum: minimum)
        return outcomes.map { $0.map { (.failed($0), .completed(state)) } ?? (.duplicated, .completed(next)) }
    }

    /// What `dup` (`minimum` nil) or `F_DUPFD` may give against what is known of the process's table: nil for the copy,
    /// else the error. `EINVAL` for a minimum below 0 or at least `RLIMIT_NOFILE`; `EMFILE` with no number free below
    /// the limit, or, with fewer free than the minimum, perhaps (where the free numbers lie is not in a trace); with the
    /// table not known, either may happen beside the copy (the FIFO model's copies too).
    static func duplicateOutcomes(known: DescriptorLimit?, minimum: Int?) -> [ErrorCode?] {
        if let minimum, minimum < 0 { return [.EINVAL] }
        let full = ErrorCode("EMFILE")
        guard let known else { return minimum == nil ? [nil, full] : [nil, full, .EINVAL] }
        if let minimum, minimum >= known.limit { return [.EINVAL] }
        if known.free <= 0 { return [full] }
        return known.free > (minimum ?? 0) ? [nil] : [nil, full]
    }

    /// `pipe_set_size`: round, refuse, then resize the ring.
    private func setPipeSize(_ state: State, _ requested: Int, by process: Int) -> (output: Output?, step: Step<State>) {
        let size = Int(UInt32(truncatingIfNeeded: requested))
        guard size <= 1 << 31 else { return (.failed(.EINVAL), .completed(state)) }
        var rounded = pageSize
        while rounded < size { rounded <<= 1 }
        let slots = rounded / pageSize
        if slots > state.slots && rounded > maxSize { return (.failed(.EPERM), .completed(state)) }
        // The user's pages: only growing past what the pipe accounts is held back (PipeUserPages).
        if slots > state.slots, state.userPages?.holdsBack(process, slots: slots) == true { return (.failed(.EPERM), .completed(state)) }
        if slots < state.pages.count { return (.failed(.EBUSY), .completed(state)) }
        var next = state
        next.slots = slots
        return (.size(rounded), .completed(next))
    }
}

extension PipeModel.State {
    /// Counts a descriptor `process` opened (-1) or closed (+1) against its known free numbers, if any.
    mutating func changeFreeDescriptors(of process: Int, by change: Int) {
        guard let index = descriptorLimits.firstIndex(where: { $0.process == process }) else { return }
        descriptorLimits[index].free += change
    }
}
