/// The Linux eventfd: a 64-bit counter shared by everyone holding the descriptor.
///
/// What it allows, and why (each fact is also a test on the real kernel, `KernelEventCounterFactsTests`):
/// - A write adds its value; a plain read returns the whole count and resets it to 0 (writes of 5 and 7, then one
///   read: 12); with `EFD_SEMAPHORE` a read returns 1 and takes 1.
/// - Reading a count of 0 blocks, or fails `EAGAIN` on a nonblocking eventfd.
/// - The count holds at most 2^64 − 2. A write that would pass it blocks, or fails `EAGAIN`; writing 2^64 − 1 fails
///   `EINVAL`, as does a write buffer of other than 8 bytes or a read buffer under 8 (checked before anything else).
///   A write of 0 succeeds and changes nothing.
/// - `O_NONBLOCK` is the eventfd's, shared by every holder (it cannot be reopened per process): it is a parameter
///   of the object, not of a call, and `fcntl(F_SETFL)` by any holder changes it for all (`F_GETFL` reports it).
/// - An eventfd has no file position, yet `lseek` succeeds and returns 0 (`noop_llseek`), while `pread` fails
///   `ESPIPE`.
/// - Closing one descriptor leaves the others working; a process's death closes its descriptors and changes nothing
///   else (what the last close releases matters only to epoll registrations: `EventCounterModel+Epoll`).
/// - `pwrite` fails `ESPIPE` too; `FIONBIO` is `F_SETFL` of `O_NONBLOCK`, `FIOCLEX`/`FIONCLEX` succeed, and the
///   eventfd's own `ioctl`s do not exist (`FIONREAD`, `FIOASYNC` of 1: `ENOTTY`): ``descriptorOutcome(of:in:)``.
/// - `poll` and `select` see `POLLIN` above 0 and `POLLOUT` below the ceiling (``readiness(of:in:)``).
/// - The kernel's own `eventfd_signal` (an AIO completion of an iocb with `IOCB_FLAG_RESFD`, io_uring's registered
///   eventfd) adds 1 and stops at 2^64 − 1, past the ceiling writes keep (LTP `eventfd06`, measured in
///   `EventCounterSignalFactsTests`): there `poll` adds `POLLERR` (asked or not), no write fits (not even of 0), and a
///   read takes 2^64 − 1 (a semaphore's, 1).
/// - A read or write asleep (count 0; count too high) that a handled signal interrupts fails `EINTR` and changes
///   nothing (with `SA_RESTART` the kernel restarts it: `InterruptionFactsTests`). One that can proceed, or on a
///   nonblocking eventfd, never fails `EINTR`.
public struct EventCounterModel: TraceModel {
    public static let name = "eventfd"

    /// The largest count an eventfd holds.
    public static let maximum: UInt64 = .max - 1

    public enum Input: Hashable, Sendable {
        /// `size` is the byte count passed to write(2) (8 unless provoking `EINVAL`).
        case write(process: Int, value: UInt64, size: Int)
        case read(process: Int, size: Int)
        case close(process: Int)
        /// `fcntl(F_GETFL)` (nil) or `fcntl(F_SETFL)` of `O_NONBLOCK`.
        case fcntl(process: Int, setNonblocking: Bool?)
        /// `lseek` (the harness's own: `lseek(fd, 0, SEEK_CUR)`; ``FilePosition``: any offset, an unknown `whence`).
        case lseek(process: Int, at: FilePosition = .start)
        /// `pread` with a buffer of `size` bytes (at offset 0 unless `at` says; a negative offset fails first).
        case pread(process: Int, size: Int, at: FilePosition = .start)
        /// `poll` or `select` on the process's descriptor (see ``readiness(of:in:)``).
        case readiness(process: Int, call: ReadinessCall)
        /// `pwrite` of a buffer of `size` bytes (see ``descriptorOutcome(of:in:)``).
        case pwrite(process: Int, size: Int, at: FilePosition = .start)
        /// `ioctl` with one of the requests a trace can carry.
        case ioctl(process: Int, request: IoctlRequest)
        /// `F_GETFD` (nil) or `F_SETFD` of `FD_CLOEXEC` (see `EventCounterModel+DescriptorFlags`).
        case descriptorFlags(process: Int, setCloseOnExec: Bool?)
        /// `dup` (`minimum` nil), `F_DUPFD` or `F_DUPFD_CLOEXEC`: one more descriptor of the eventfd.
        case duplicate(process: Int, minimum: Int?, closeOnExec: Bool)
        /// `dup2` or `dup3` onto a number named as the pipe model names it (``PipeModel/DuplicateTarget``; `same`:
        /// another of the process's descriptors of this eventfd, which the call closes).
        case duplicateOnto(process: Int, call: PipeModel.DuplicateCall)
        /// `epoll_ctl` or `epoll_wait` on the process's epoll instance for this eventfd (see `EventCounterModel+Epoll`).
        case epoll(process: Int, call: EpollCall)
        /// A call on a kept epoll instance, or one naming an instance as a target (see `EventCounterModel+NestedEpoll`).
        case nestedEpoll(process: Int, call: NestedEpollCall)
        /// The kernel's `eventfd_signal` on the process's descriptor: an AIO completion (`io_submit` of an iocb with
        /// `IOCB_FLAG_RESFD`) or another in-kernel signaller, recorded as `eventfd_signal`: adds 1, up to 2^64 − 1.
        case signal(process: Int)
        /// The process's death: its descriptors close (the count is untouched; the last close releases the eventfd,
        /// and epoll registrations with it) and its epoll instance ends.
        case exit(process: Int)
        /// `eventfd` by the process the setup names as the maker (``Setup/createdBy``; `EventCounterModel+Creation`).
        case create(process: Int, initial: UInt64, flags: CreationFlags)
    }

    public enum Output: Hashable, Sendable {
        case wrote(Int)
        case read(UInt64)
        case closed
        /// `F_GETFL`'s `O_NONBLOCK`.
        case flags(nonblocking: Bool)
        /// `F_SETFL`, an `ioctl` or an `eventfd_signal`, done.
        case flagsSet
        /// `lseek`'s position, or a recorded success of `pread` (never allowed).
        case position(Int)
        /// `poll`'s `revents` (empty: it returned 0).
        case ready(PollEvents)
        /// `select`'s verdict on the descriptor.
        case selected(readable: Bool, writable: Bool)
        /// `F_GETFD`'s `FD_CLOEXEC`.
        case closeOnExec(Bool)
        /// A new descriptor (`F_DUPFD`).
        case duplicated
        /// `epoll_ctl` done.
        case epollControlled
        /// What `epoll_wait` reported, sorted (empty: it returned 0).
        case epollEvents([EpollReport])
        /// `epoll_create`/`epoll_create1` made an instance (closed at once): its `FD_CLOEXEC` (nil: not recorded).
        case epollCreated(closeOnExec: Bool?)
        /// A wait's events when one names an instance, sorted (see `EventCounterModel+NestedEpoll`).
        case nestedEpollEvents([NestedEpollReport])
        /// `eventfd` made the object.
        case created
        case failed(ErrorCode)
    }

    /// How one eventfd starts.
    public struct Setup: Hashable, Sendable {
        public var initial: UInt64
        public var semaphore: Bool
        public var nonblocking: Bool
        /// The processes holding it (once per descriptor).
        public var holders: [Int]
        /// `FD_CLOEXEC` of every holder's descriptor (nil: not known).
        public var closeOnExec: Bool? = nil
        /// Groups of holders sharing one implicit epoll instance: made, with the eventfd, before a `fork` that copied
        /// both, or threads of one process (see ``EventCounterModel+Epoll``).
        public var sharedEpoll: [[Int]] = []
        /// The process that makes the eventfd during the run with `eventfd` (its first operation on it); nil when the
        /// harness made it before the trace began. Such an eventfd starts with no holders.
        public var createdBy: Int? = nil

        public init(
            initial: UInt64 = 0, semaphore: Bool = false, nonblocking: Bool = false, holders: [Int], closeOnExec: Bool? = nil,
            sharedEpoll: [[Int]] = [], createdBy: Int? = nil
        ) {
            self.createdBy = createdBy
            self.sharedEpoll = sharedEpoll
            self.closeOnExec = closeOnExec
            self.initial = initial
            self.semaphore = semaphore
            self.nonblocking = nonblocking
            self.holders = holders.sorted()
        }
    }

    /// One eventfd: its count, its flags and who holds it.
    public struct State: Hashable, Sendable {
        public internal(set) var count: UInt64
        public internal(set) var semaphore: Bool
        public internal(set) var nonblocking: Bool
        public internal(set) var holders: [Int]
        /// Each process's `FD_CLOEXEC`, known while all its descriptors agree (absent: not known).
        public internal(set) var closeOnExec: [Int: Bool] = [:]
        /// Each process's registration on its epoll instance for this eventfd.
        public internal(set) var epoll: [EpollRegistration] = []
        /// Processes whose epoll calls the model no longer judges (see `EventCounterModel+Epoll`).
        public internal(set) var epollUnjudged: [Int] = []
        /// The epoll instances processes keep by name, sorted (see `EventCounterModel+NestedEpoll`).
        public internal(set) var epollInstances: [NestedEpoll.Instance] = []
        /// The kept instances' registrations, and the implicit instance's of instances, sorted.
        public internal(set) var nestedEpoll: [NestedEpollRegistration] = []
        /// Groups of processes sharing one implicit instance (``Setup/sharedEpoll``), and those of their members that
        /// have exited (the instance ends with the last).
        public internal(set) var sharedEpoll: [[Int]] = []
        public internal(set) var exitedSharers: [Int] = []
        /// False until the `eventfd` call of an eventfd made during the run (``Setup/createdBy``) succeeds.
        public internal(set) var created = true

        /// Whose implicit instance `process`'s is: its ``sharedEpoll`` group's first member, or itself.
        func epollOwner(_ process: Int) -> Int { sharedEpoll.first { $0.contains(process) }?.first ?? process }
    }

    public let setups: [(name: String, setup: Setup)]

    public init(counters: [(name: String, setup: Setup)]) {
        self.setups = counters
    }

    public var objects: [String] { setups.map(\.name) }

    func setup(of object: String) -> Setup {
        setups.first { $0.name == object }?.setup ?? Setup(holders: [])
    }

    public func initialState(of object: String) -> State {
        let setup = setup(of: object)
        var state = State(count: setup.initial, semaphore: setup.semaphore, nonblocking: setup.nonblocking, holders: setup.holders)
        if let closeOnExec = setup.closeOnExec { for process in setup.holders { state.closeOnExec[process] = closeOnExec } }
        state.sharedEpoll = setup.sharedEpoll.filter { $0.count > 1 }
        state.created = setup.createdBy == nil
        return state
    }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        if case .create(let process, let initial, let flags) = input {
            return creationSteps(state, process: process, initial: initial, flags: flags, output: output)
        }
        if case .nestedEpoll(let process, let call) = input { return nestedEpollSteps(state, process: process, call: call, output: output) }
        if case .epoll(let process, .wait(let maxEvents, let timeout, let form)) = input, state.implicitHoldsInstances(process: process),
            !state.epollUnjudged.contains(process)
        {
            let wait = NestedEpollCall.wait(instance: NestedEpoll.implicitInstance, maxEvents: maxEvents, timeout: timeout, form: form)
            return nestedEpollSteps(state, process: process, call: wait, output: output)
        }
        if case .epoll(let process, let call) = input {
            return epollOutcomes(state, process: process, call: call).filter { output == nil || $0.output == nil || $0.output == output }
                .map { .completed($0.next) }
        }
        let steps = counterStep(state, input, output)
        if state.epoll.isEmpty && !state.hasNesting { return steps }
        return steps.map { .completed(epollAfter(input, before: state, after: $0.state)) }
    }

    private func counterStep(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        if let outcomes = descriptorFlagOutcomes(of: input, in: state) {
            return outcomes.filter { output == nil || output == $0.output }.map { .completed($0.next) }
        }
        guard let (result, next) = outcome(of: input, in: state) else {
            // Asleep: only an interruption, without effect, ends the call now.
            return output == .failed(.EINTR) ? [.completed(state)] : []
        }
        // A readiness call that finds nothing ready may be interrupted during the call, whatever its timeout.
        if output == .failed(.EINTR), case .readiness = input, Self.nothingReady(result) { return [.completed(state)] }
        return output == nil || output == result ? [.completed(next)] : []
    }

    /// How `input` completes from `state`: every eventfd operation is one atomic step, so there is at most one
    /// outcome; nil when it cannot complete now (a blocking read of 0, a blocking write that would overflow).
    public func outcome(of input: Input, in state: State) -> (output: Output, next: State)? {
        // Of several (a flag not known, a copy or EMFILE), the first.
        if let outcomes = descriptorFlagOutcomes(of: input, in: state) { return outcomes.first }
        switch input {
        case .create(let process, let initial, let flags):
            // The first of its outcomes (EMFILE may happen beside a success).
            guard case .completed(let next)? = creationSteps(state, process: process, initial: initial, flags: flags, output: nil).first else { return nil }
            return (flags.otherBits != 0 ? .failed(.EINVAL) : .created, next)
        case .write(let process, let value, let size):
            guard state.holders.contains(process) else { return (.failed(.EBADF), state) }
            guard size == 8, value != .max else { return (.failed(.EINVAL), state) }
            // At 2^64 − 1 (only eventfd_signal gets there) nothing fits, not even 0 (`ULLONG_MAX - count > value`).
            guard state.count <= Self.maximum, value <= Self.maximum - state.count else {
                return state.nonblocking ? (.failed(.EAGAIN), state) : nil
            }
            var next = state
            next.count += value
            return (.wrote(8), next)
        case .read(let process, let size):
            guard state.holders.contains(process) else { return (.failed(.EBADF), state) }
            guard size >= 8 else { return (.failed(.EINVAL), state) }
            guard state.count > 0 else { return state.nonblocking ? (.failed(.EAGAIN), state) : nil }
            var next = state
            let taken = state.semaphore ? 1 : state.count
            next.count -= taken
            return (.read(taken), next)
        case .signal(let process):
            // io_submit looks the descriptor up (`eventfd_ctx_fdget`): EBADF when the process holds none.
            guard state.holders.contains(process) else { return (.failed(.EBADF), state) }
            var next = state
            if next.count < .max { next.count += 1 }
            return (.flagsSet, next)
        case .close(let process):
            guard let index = state.holders.firstIndex(of: process) else { return (.failed(.EBADF), state) }
            var next = state
            next.holders.remove(at: index)
            if !next.holders.contains(process) { next.closeOnExec[process] = nil }
            return (.closed, next)
        case .fcntl(let process, let setNonblocking):
            guard state.holders.contains(process) else { return (.failed(.EBADF), state) }
            guard let setNonblocking else { return (.flags(nonblocking: state.nonblocking), state) }
            var next = state
            next.nonblocking = setNonblocking
            return (.flagsSet, next)
        case .lseek(let process, let position):
            // `noop_llseek`: 0 whatever the offset and a known `whence`.
            if let failure = position.seekFailure(held: state.holders.contains(process)) { return (.failed(failure), state) }
            return (.position(0), state)
        case .pread(let process, _, let position):
            return (.failed(position.positionedFailure(held: state.holders.contains(process))), state)
        case .readiness(let process, let call):
            let result = readinessResult(call, process: process, in: state)
            return Self.nothingReady(result) && call.timeout < 0 ? nil : (result, state)
        case .pwrite, .ioctl:
            return descriptorOutcome(of: input, in: state)
        case .exit(let process):
            var next = state
            next.holders.removeAll { $0 == process }
            next.closeOnExec[process] = nil
            return (.closed, next)
        case .descriptorFlags, .duplicate, .duplicateOnto:
            return nil  // answered above
        case .epoll(let process, let call):
            // Of several (not judged: any), the first that is no interruption.
            return epollOutcomes(state, process: process, call: call).first { $0.output != .failed(.EINTR) }
                .map { ($0.output ?? .epollControlled, $0.next) }
        case .nestedEpoll(let process, let call):
            return nestedEpollOutcomes(state, process: process, call: call).first { $0.outcome != .failed(.EINTR) }
                .map { ($0.outcome.map(Output.ending) ?? .epollControlled, $0.state) }
        }
    }

    public func describe(_ state: State) -> String {
        "count \(state.count)\(state.semaphore ? " (semaphore)" : "")\(state.nonblocking ? " (O_NONBLOCK)" : ""); holders \(state.holders)"
            + state.closeOnExec.sorted { $0.key < $1.key }.map { "; process \($0.key): FD_CLOEXEC \($0.value ? "set" : "clear")" }.joined()
            + state.epoll.map {
                "; process \($0.process)'s epoll: \($0.events)" + ($0.disabled ? " (disabled)" : "") + ($0.edgeTriggered ? ", news \($0.news)" : "") + ($0.missable ? ", may have missed a wake" : "") + ($0.listed ? ", listed" : "")
            }.joined()
            + (state.epollUnjudged.isEmpty ? "" : "; epoll of processes \(state.epollUnjudged) not judged")
            + state.epollInstances.map { "; process \($0.process) keeps instance \($0.name)" }.joined()
            + state.nestedEpoll.map {
                "; process \($0.process)'s \($0.target): \($0.events)" + ($0.disabled ? " (disabled)" : "") + ($0.edgeTriggered ? ", news \($0.news)" : "")
            }.joined()
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .write(_, let value, let size): call = "write \(value)" + (size == 8 ? "" : " (\(size)-byte buffer)")
        case .read(_, let size): call = "read" + (size == 8 ? "" : " (\(size)-byte buffer)")
        case .close: call = "close"
        case .fcntl(_, nil): call = "fcntl(F_GETFL)"
        case .fcntl(_, let on?): call = "fcntl(F_SETFL, \(on ? "O_NONBLOCK" : "0"))"
        case .lseek(_, let position): call = "lseek\(position.described(whence: true))"
        case .pread(_, let size, let position): call = "pread (\(size)-byte buffer)\(position.described(whence: false))"
        case .readiness(_, let readinessCall): call = "\(readinessCall)"
        case .pwrite(_, let size, let position): call = "pwrite (\(size)-byte buffer)\(position.described(whence: false))"
        case .ioctl(_, let request):
            switch request {
            case .fionbio(let on), .fioasync(let on): call = "ioctl(\(request.name), \(on ? 1 : 0))"
            default: call = "ioctl(\(request.name))"
            }
        case .descriptorFlags(_, nil): call = "fcntl(F_GETFD)"
        case .descriptorFlags(_, let on?): call = "fcntl(F_SETFD, \(on ? "FD_CLOEXEC" : "0"))"
        case .duplicate(_, nil, _): call = "dup"
        case .duplicate(_, let minimum?, let closeOnExec): call = "fcntl(\(closeOnExec ? "F_DUPFD_CLOEXEC" : "F_DUPFD"), \(minimum))"
        case .duplicateOnto(_, let duplicateCall): call = "\(duplicateCall)"
        case .epoll(_, let epollCall): call = "\(epollCall)"
        case .nestedEpoll(_, let nested): call = "\(nested)"
        case .exit: call = "exit"
        case .signal: call = "eventfd_signal"
        case .create(_, let initial, let flags): call = "eventfd(\(initial), \(flags))"
        }
        let result: String
        switch output {
        case nil: result = "?"
        case .wrote?, .closed?, .flagsSet?: result = "ok"
        case .created?: result = "made"
        case .flags(let nonblocking)?: result = nonblocking ? "O_NONBLOCK" : "no O_NONBLOCK"
        case .position(let position)?: result = "\(position)"
        case .read(let value)?: result = "\(value)"
        case .ready(let events)?: result = "\(events)"
        case .selected(let readable, let writable)?:
            result = readable || writable
                ? [readable ? "readable" : nil, writable ? "writable" : nil].compactMap { $0 }.joined(separator: "+")
                : "nothing ready"
        case .closeOnExec(let on)?: result = on ? "FD_CLOEXEC" : "0"
        case .duplicated?: result = "a new descriptor"
        case .epollControlled?: result = "ok"
        case .epollCreated(let closeOnExec)?: result = "created" + (closeOnExec.map { $0 ? " (FD_CLOEXEC)" : " (no FD_CLOEXEC)" } ?? "")
        case .epollEvents(let reports)?: result = reports.isEmpty ? "nothing" : reports.map { "\($0.events)" }.joined(separator: ", ")
        case .nestedEpollEvents(let reports)?: result = reports.map { "\($0.target.name) \($0.events)" }.joined(separator: ", ")
        case .failed(let code)?: result = code.rawValue
        }
        return "\(call) → \(result)"
    }
}
