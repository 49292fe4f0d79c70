/// The Linux FIFO (named pipe): the pipe model's byte stream, reached by opening a path, with the open rules of
/// this kernel's `fifo_open` and the discarding of data when the last opener leaves.
///
/// What it allows beyond ``PipeModel``, and why (each fact is also a test on the real kernel, `KernelFIFOFactsTests`):
/// - Opening for reading without `O_NONBLOCK` sleeps until a writer opens; opening for writing sleeps until a
///   reader opens. The sleeper is woken by the partner's *open*, so it returns even if the partner has closed again
///   (the reader then reads end of file).
/// - A process asleep in `open` already counts as a reader or writer: a nonblocking writer may open and write, and a
///   nonblocking reader sees `EAGAIN`, not end of file, while a writer sleeps in `open`.
/// - `O_WRONLY | O_NONBLOCK` with no reader fails `ENXIO`; `O_RDONLY | O_NONBLOCK` always succeeds, and with no
///   writer its reads return 0 (end of file), not `EAGAIN`.
/// - When every descriptor of every opener has closed, the buffered bytes are discarded: the next opener finds an
///   empty FIFO. The name stays until unlinked.
/// - Each open is its own open file description, with the open's `O_NONBLOCK` (reads and writes through it do not
///   block until `F_SETFL` clears it) and `fcntl` as on a pipe's; the size `F_SETPIPE_SZ` gives goes, like the bytes,
///   with the last opener (`KernelFIFODescriptorFactsTests`).
/// - `poll` and `select` see the pipe's readiness (``PipeModel/readiness(of:_:in:hangUpSuppressed:)``), except that a
///   read end opened with `O_NONBLOCK` while no writer had the FIFO open reports no `POLLHUP` until a writer opens
///   (`fifo_open` notes the writers' open count; the writer may close again at once). This is per descriptor: the
///   model keeps each process's read opens in order, and `poll`, like `read` and `close`, uses the latest.
/// - Permission is checked when the FIFO is *opened*, never on `read` or `write` (the `fifo-permission` scenario,
///   run on the kernel by `RealModeTests`): after a `chmod` that takes access away, descriptors already open keep
///   working and only new opens fail `EACCES`, before any of the rules above. Privileged processes (root) pass the
///   check whatever the mode; an unprivileged owner is judged by the owner's bits, the others by the bits for others
///   (a trace gives no groups). Only the owner or a privileged process may `chmod` or `fchmod` (`EPERM`); a `chown`
///   clears the set-ID bits (``FIFOModel+Ownership``; `FIFOOwnershipFactsTests`).
/// - `unlink` removes the name: descriptors already open keep working (bytes, end of file and `EPIPE` as before),
///   while a later `open` or `chmod` by path fails `ENOENT`, and so does a second `unlink`. `mkfifo` of the name fails
///   `EEXIST` while it is there, `ENOENT` in a directory that does not exist; once the name is gone it makes a new
///   FIFO — not the object the trace follows (the worker removes it at once) — whose mode `stat` reports as the mode
///   asked for less the umask's permission bits; `mknod`, `mknodat` and `mkfifoat` likewise, in the kernel's order
///   (``FIFOModel+Creation``; `KernelFIFOFactsTests`, `FIFOCreationFactsTests`).
/// - With `"userPages"`, the first opener makes the FIFO's buffer under `pipe-user-pages-soft`, as a pipe's maker does
///   (``FIFOModel+UserPages``; `FIFOUserPagesFactsTests`).
/// - Owners, `F_SETSIG`, `O_ASYNC` and the I/O signals taken with `sigtimedwait` are the pipe's, per open; an `open`
///   signals nobody (``FIFOModel+Async``; `KernelFIFOAsyncFactsTests`).
/// - `epoll_ctl` and `epoll_wait` are the pipe's, per open, with the `EPOLLHUP` rule above; the first writer's open is
///   news for edge-triggered read ends, and an `O_RDWR` open is one registration under both ends' names; a
///   registration is the descriptor it was added through, kept under that number after its close while a `dup` keeps
///   the description open; two opens of one end are two registrations, the older one's still reported under the end's
///   name (``FIFOModel+Epoll``; `KernelFIFOEpollFactsTests`, `KernelFIFOEpollDuplicateFactsTests`,
///   `KernelFIFOEpollTwoOpensFactsTests`).
/// - One epoll instance may be shared by processes that each open the FIFO themselves (`sharedEpoll`): each sharer's
///   `epoll_ctl` reaches its own opens' registrations only, while any sharer's wait reports them all, each naming whose
///   open it is (``FIFOModel+SharedEpoll``; `KernelFIFOSharedEpollFactsTests`).
public struct FIFOModel: TraceModel {
    public static let name = "fifo"

    public enum Input: Hashable, Sendable {
        /// `open(path, O_RDONLY)` or `O_WRONLY`; `async`: with `O_ASYNC`, which sets the bit `F_GETFL` reports and puts the
        /// description on no signal list, for good (see ``FIFOModel+Async``).
        case open(process: Int, end: PipeModel.End, nonblocking: Bool, async: Bool = false)
        /// `open(path, O_RDWR)`: one description through which the process reads and writes (see ``FIFOModel+ReadWrite``).
        case openReadWrite(process: Int, nonblocking: Bool, async: Bool = false)
        case write(process: Int, data: [UInt8], nonblocking: Bool)
        case read(process: Int, max: Int, nonblocking: Bool)
        case close(process: Int, end: PipeModel.End)
        /// `dup` of the process's latest open of `end` (see ``FIFOModel+Duplicate``).
        case duplicate(process: Int, end: PipeModel.End)
        case chmod(process: Int, mode: Int)
        /// `fchmod` through the process's latest open of `end` (see ``FIFOModel+Ownership``).
        case fchmod(process: Int, end: PipeModel.End, mode: Int)
        /// `chown`, `lchown` or `fchown` (through the latest open of `end`) giving the FIFO to `owner`'s user (nil: -1,
        /// unchanged); the group is -1 (see ``FIFOModel+Ownership``).
        case chown(process: Int, call: OwnerCall, end: PipeModel.End?, owner: Int?)
        /// `unlink` of the FIFO's path.
        case unlink(process: Int)
        /// `mkfifo` of the FIFO's path (or, with `missingDirectory`, of a path in a directory that does not exist)
        /// with `mode` under the process's `umask`.
        case mkfifo(process: Int, mode: Int, umask: Int, missingDirectory: Bool)
        /// `mknod`, `mknodat` or `mkfifoat` of the FIFO's path (see ``FIFOModel+Creation``).
        case makeNode(process: Int, creation: NodeCreation)
        /// `lseek`, `pread` or `pwrite` on the process's descriptor of `end`: `ESPIPE`, as on a pipe.
        case unseekable(process: Int, end: PipeModel.End, call: PipeModel.UnseekableCall)
        /// `fcntl` on the process's latest open of `end`, as on a pipe (``PipeModel/FileControl``): `F_GETFL`/`F_SETFL`, the
        /// pipe sizes, `F_GETFD`/`F_SETFD`, the owner calls; `F_DUPFD` and `dup2`/`dup3` (``FIFOModel+DuplicateOnto``).
        case fcntl(process: Int, end: PipeModel.End, command: PipeModel.FileControl)
        /// `FIONREAD` on the process's read end: the bytes in the FIFO.
        case available(process: Int)
        /// `fstat` on the process's latest open of `end`: `S_IFIFO`, the FIFO's mode now, size 0.
        case status(process: Int, end: PipeModel.End)
        /// `writev` and `readv`, as on a pipe: one `write` or `read` of the vectors' total, as blocking as the
        /// description is.
        case writev(process: Int, pieces: [[UInt8]])
        case readv(process: Int, sizes: [Int])
        /// `poll` or `select` on the process's descriptor of `end`.
        case readiness(process: Int, end: PipeModel.End, call: PipeModel.ReadinessCall)
        /// The process died or exited: every descriptor it had open closes.
        case exit(process: Int)
        /// `sigtimedwait` with a zero timeout (or, `wait`, `sigwaitinfo`) for `signals`, kept blocked: one of the I/O
        /// signals `O_ASYNC` sent the process (see ``FIFOModel+Async``).
        case takeSignal(process: Int, signals: [Int], wait: Bool)
        /// `epoll_ctl` or `epoll_wait` on the process's epoll instance for this FIFO, as on a pipe (see ``FIFOModel+Epoll``).
        case epoll(process: Int, call: PipeModel.EpollCall)
        /// A call on a kept epoll instance, or one naming an instance as a target, as on a pipe (see ``FIFOModel+NestedEpoll``).
        case nestedEpoll(process: Int, call: PipeModel.NestedEpollCall)
        /// `epoll_wait`, `epoll_pwait` or `epoll_pwait2` (`call` is a wait) by a member of a ``Setup/sharedEpoll`` group,
        /// on the group's one instance: every member's registrations, each report naming whose open it is (see
        /// ``FIFOModel+SharedEpoll``).
        case sharedEpollWait(process: Int, call: PipeModel.EpollCall)
    }

    public enum Output: Hashable, Sendable {
        case opened
        /// `dup` made a copy.
        case duplicated
        case wrote(Int)
        /// The bytes read; empty means end of file (or a read of size 0).
        case read([UInt8])
        case closed
        case modeChanged
        /// `chown`, `lchown` or `fchown` done.
        case ownerChanged
        case unlinked
        /// `mkfifo` made a FIFO whose mode `stat` reports as `mode`.
        case made(mode: Int)
        /// `FIONREAD`: the bytes in the FIFO.
        case available(Int)
        /// `F_GETFL`: the description's `O_NONBLOCK` and `O_DIRECT`.
        case flags(nonblocking: Bool, direct: Bool)
        /// `F_GETPIPE_SZ`, and `F_SETPIPE_SZ`'s result.
        case size(Int)
        /// `F_GETFD`: the descriptor's `FD_CLOEXEC`.
        case descriptorFlags(closeOnExec: Bool)
        /// `F_SETFL` done.
        case flagsSet
        /// `fstat`.
        case status(type: String, mode: Int, size: Int)
        /// A recorded success of `lseek`, `pread` or `pwrite` (never allowed: see ``PipeModel/Output/positioned(_:)``).
        case positioned(Int)
        /// `poll`'s `revents` (empty: it returned 0).
        case ready(PipeModel.PollEvents)
        /// `select`'s read and write sets.
        case selected(readable: Bool, writable: Bool)
        case exited
        /// `F_GETOWN`, `F_GETOWN_EX`, `F_GETSIG`, `F_GETFL` recorded with `O_ASYNC`, and what `sigtimedwait` took, as
        /// on a pipe (see ``FIFOModel+Async``).
        case owner(PipeModel.OwnerReport)
        case ownerEx(PipeModel.OwnerType, PipeModel.OwnerReport)
        case signal(Int)
        case asyncFlags(nonblocking: Bool, direct: Bool, async: Bool)
        case signalTaken(PipeModel.TakenSignal)
        /// `epoll_ctl` done.
        case epollControlled
        /// `epoll_wait`'s events, sorted (empty: it returned 0).
        case epollEvents([PipeModel.EpollReport])
        /// `epoll_create`/`epoll_create1` made an instance (closed at once): its `FD_CLOEXEC` (nil: not recorded).
        case epollCreated(closeOnExec: Bool?)
        /// A wait's events when one names an instance, sorted (see ``FIFOModel+NestedEpoll``).
        case nestedEpollEvents([PipeModel.NestedEpollReport])
        /// A wait's events on a shared instance, sorted: whose open each registration is (see ``FIFOModel+SharedEpoll``).
        case sharedEpollEvents([SharedEpollReport])
        case failed(ErrorCode)
    }

    /// How one FIFO starts.
    public struct Setup: Hashable, Sendable {
        public var capacity: Int
        /// The permission bits at the start (the harness creates FIFOs 0600).
        public var mode: Int
        /// The process that owns the FIFO at the start (may `chmod` it), if any.
        public var owner: Int?
        /// The processes that bypass permission checks; nil: every process (the harness runs as root).
        public var privileged: [Int]?
        /// What is known of processes' descriptor tables (see ``FIFOModel+Descriptors``).
        public var descriptorLimits: [PipeModel.DescriptorLimit]
        /// Whether every open is made with `O_CLOEXEC` (the harness's workers' are); nil: not known, so an open's
        /// `FD_CLOEXEC` is either until `F_GETFD` reports it or `F_SETFD` sets it (see ``FIFOModel+DescriptorFlags``).
        public var closeOnExec: Bool?
        /// Groups of processes whose implicit epoll instance for this FIFO is one instance (made before a `fork`, or
        /// threads of one process), each process opening the FIFO itself (see ``FIFOModel+SharedEpoll``).
        public var sharedEpoll: [[Int]]
        /// The pages of the first opener's user under `pipe-user-pages-soft` (see ``FIFOModel+UserPages``); nil: every
        /// opener's buffer gets `capacity`.
        public var userPages: PipeUserPages?

        public init(
            capacity: Int = 65536, mode: Int = 0o600, owner: Int? = nil, privileged: [Int]? = nil,
            descriptorLimits: [PipeModel.DescriptorLimit] = [], closeOnExec: Bool? = nil, sharedEpoll: [[Int]] = [],
            userPages: PipeUserPages? = nil
        ) {
            self.userPages = userPages
            self.closeOnExec = closeOnExec
            self.sharedEpoll = sharedEpoll.map { $0.sorted() }.filter { $0.count > 1 }
            self.capacity = capacity
            self.mode = mode
            self.owner = owner
            self.privileged = privileged?.sorted()
            self.descriptorLimits = descriptorLimits.sorted { $0.process < $1.process }
        }
    }

    /// A process asleep in a blocking `open`, registered as a reader or writer, waiting for a partner's open.
    public struct Opener: Hashable, Sendable {
        public var process: Int
        public var end: PipeModel.End
        /// A partner has opened since this process went to sleep: its open may now return.
        public var released: Bool
    }

    /// One open of the FIFO, which is one open file description (see ``State/opens``).
    public struct Open: Hashable, Sendable {
        public var process: Int
        public var end: PipeModel.End
        /// The description's `O_NONBLOCK`: from the open's flags, then `F_SETFL`.
        public var nonblocking: Bool
        /// A read end opened with `O_NONBLOCK` while no writer had the FIFO open, no writer having opened since.
        public var hangUpSuppressed: Bool
        /// One half of an `O_RDWR` open: the process's other open of the other end made by the same call (the k-th
        /// such half of one end pairs with the k-th of the other) is the same description.
        public var readWrite = false
        /// The descriptor's `FD_CLOEXEC` (an `O_RDWR` open's two halves are one descriptor: they keep the same).
        public var closeOnExec: PipeModel.CloseOnExec = .unknown
        /// The `FD_CLOEXEC` of each `dup` of this open not yet closed, oldest first (see ``FIFOModel+Duplicate``):
        /// the newest is the descriptor the process's calls on the end reach, as the binding's do.
        public var copies: [PipeModel.CloseOnExec] = []
        /// Its owner, signal and `O_ASYNC` while a later open of the same end by the same process hides it (the pipe
        /// state holds the latest open's: see ``FIFOModel+Async``).
        public var hidden = SignalSettings()
        /// Opened with `O_ASYNC`: `F_GETFL` reports it whatever `F_SETFL` asks, and the description is never signalled
        /// (see ``FIFOModel+Async``).
        public var asyncFromOpen = false
    }

    public struct State: Hashable, Sendable {
        /// The pipe behind the FIFO: its bytes, and the open descriptions (sleepers in `open` included).
        public internal(set) var pipe: PipeModel.State
        public internal(set) var openers: [Opener] = []
        public internal(set) var mode: Int
        /// Whether the FIFO's name is still there (not unlinked).
        public internal(set) var linked = true
        /// The process whose user owns the FIFO now (``Setup/owner``, then `chown`), if any.
        public internal(set) var owner: Int? = nil
        /// The opens, oldest first (sleepers in `open` included). A process's latest open of an end is the
        /// description its calls on that end use (as the harness's binding does): its `O_NONBLOCK` is the pipe
        /// state's flag for that process and end, and a read end's `poll` reports no `POLLHUP` while it is marked.
        public internal(set) var opens: [Open] = []
        /// Which descriptor each of the processes' epoll registrations was added through (see ``FIFOModel+Epoll``).
        public internal(set) var epollPlaces: [EpollPlace] = []
        public let setup: Setup
    }

    public let pipes: PipeModel
    public let setups: [(name: String, setup: Setup)]

    public init(pageSize: Int = 4096, fifos: [(name: String, setup: Setup)]) {
        self.pipes = PipeModel(pageSize: pageSize, pipes: [])
        self.setups = fifos
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        let setup = setups.first { $0.name == object }?.setup ?? Setup()
        var pipe = PipeModel.State(slots: setup.capacity / pipes.pageSize, readers: [], writers: [])
        pipe.descriptorLimits = setup.descriptorLimits
        pipe.userPages = setup.userPages
        return State(pipe: pipe, mode: setup.mode, owner: setup.owner, setup: setup)
    }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        if let steps = asyncStep(state, input, output) { return steps }
        if case .epoll(let process, let call) = input, let unjudged = epollUnjudged(state, process: process, call: call) {
            return [.completed(unjudged)]
        }
        if case .sharedEpollWait(let process, _) = input, state.sharedEpollUnjudged(process) { return [.completed(state)] }
        if case .nestedEpoll(let process, let call) = input { return nestedEpollSteps(state, process: process, call: call, output: output) }
        if output == .failed(.EINTR) { return interrupted(state, input) }
        return transitions(state, input).compactMap { candidate in
            guard let candidateOutput = candidate.output else {
                let recorded = output.flatMap(Self.pipeOutput)
                return PipeModel.pieceMayLead(to: recorded, progress: candidate.step.state.pipe.progress(of: input.process))
                    ? candidate.step : nil
            }
            return output == nil || output == candidateOutput ? candidate.step : nil
        }
    }

    /// A read or write that failed `EINTR`: as on a pipe (``PipeModel``), interrupted before any byte moved, with
    /// no effect. A blocking `open` asleep that no partner has released yet is undone (`fifo_open`'s error path):
    /// it stops counting as a reader or writer, and if it was the last, the FIFO's bytes go as after a last close.
    /// Partners its registration released stay released. Once released, it returns the descriptor instead. The undo
    /// wakes no epoll registration (measured, `KernelFIFOInterruptedOpenFactsTests`): a reader sleeps only while no
    /// writer has the FIFO open and a writer only while no reader has, so the queue `fifo_open` wakes holds none, and
    /// the sleeper's own side is not woken — no news for `EPOLLET`, the same masks level-triggered.
    private func interrupted(_ state: State, _ input: Input) -> [Step<State>] {
        let pipeInput: PipeModel.Input
        switch input {
        case .open(let process, let end, let nonblocking, _):
            guard let index = state.openers.firstIndex(where: { $0.process == process }) else {
                // Not asleep yet: the open first registers and sleeps (a piece), and is interrupted there.
                return takingADescriptor(state, process: process) { openTransitions(allocatingBuffer($0, openedBy: process), process: process, end: end, nonblocking: nonblocking) }
                    .compactMap { $0.output == nil ? $0.step : nil }
            }
            guard !state.openers[index].released else { return [] }
            var next = state
            next.openers.remove(at: index)
            switch end {
            case .read: next.pipe.readers.remove(at: next.pipe.readers.firstIndex(of: process)!)
            case .write: next.pipe.writers.remove(at: next.pipe.writers.firstIndex(of: process)!)
            }
            next.removeLatestOpen(of: process, end)
            next.pipe.changeFreeDescriptors(of: process, by: 1)
            return [.completed(emptiedIfUnopened(next))]
        case .read(let process, let max, let nonblocking): pipeInput = .read(process: process, max: max, nonblocking: nonblocking)
        case .write(let process, let data, let nonblocking): pipeInput = .write(process: process, data: data, nonblocking: nonblocking)
        case .writev(let process, let pieces): pipeInput = .writev(process: process, pieces: pieces)
        case .readv(let process, let sizes): pipeInput = .readv(process: process, sizes: sizes)
        case .readiness(let process, let end, let call):
            return PipeModel.nothingReady(readinessResult(state, process: process, end: end, call: call)) ? [.completed(state)] : []
        case .takeSignal: return [.completed(state)]
        case .epoll(let process, let call):
            // A zero timeout returns once it has looked, before a signal is looked for (Epoll.outcomes).
            guard case .wait(_, let timeout, _) = call, timeout != 0, call.waitRefusal == nil else { return [] }
            return epollInterrupted(state, process: process)
        case .sharedEpollWait(let process, let call):
            guard case .wait(_, let timeout, _) = call, timeout != 0, call.waitRefusal == nil else { return [] }
            return sharedEpollWaitOutcomes(state, process: process, maxEvents: 1).filter { $0.reports.isEmpty }.map { .completed($0.state) }
        default: return []
        }
        return pipes.step(state.pipe, pipeInput, .failed(.EINTR)).map { step in
            var next = state
            next.pipe = step.state
            return .completed(next)
        }
    }

    /// Every way `input` may take effect from `state`: a completion with its output, or a piece (no output).
    public func outcomes(of input: Input, in state: State) -> [(output: Output?, step: Step<State>)] {
        transitions(state, input)
    }

    func transitions(_ state: State, _ input: Input) -> [(output: Output?, step: Step<State>)] {
        if case .nestedEpoll(let process, let call) = input {
            return nestedEpollOutcomes(state, process: process, call: call).map { ($0.outcome.map(Output.ending), .completed($0.state.placesTrimmed())) }
        }
        let candidates = unplacedTransitions(state, input)
        guard !state.epollPlaces.isEmpty || state.hasNesting else { return candidates }
        return candidates.map { candidate in
            switch candidate.step {
            case .completed(let next): (candidate.output, .completed(nestingChecked(next.placesTrimmed())))
            case .partial(let next): (candidate.output, .partial(nestingChecked(next.placesTrimmed())))
            }
        }
    }

    private func unplacedTransitions(_ state: State, _ input: Input) -> [(output: Output?, step: Step<State>)] {
        switch input {
        case .open(let process, let end, let nonblocking, _) where state.openers.contains(where: { $0.process == process }):
            // Asleep in open: its number was taken when it began.
            return openTransitions(state, process: process, end: end, nonblocking: nonblocking).map {
                ($0.output, epollAfterOpen($0.step, before: state, process: process, ends: [end]))
            }
        case .open(let process, let end, let nonblocking, let async):
            return takingADescriptor(state, process: process) { openTransitions(allocatingBuffer($0, openedBy: process), process: process, end: end, nonblocking: nonblocking) }.map {
                ($0.output, epollAfterOpen(Self.markingAsyncFromOpen($0.step, before: state, async), before: state, process: process, ends: [end]))
            }
        case .openReadWrite(let process, let nonblocking, let async):
            return takingADescriptor(state, process: process) { openReadWriteTransitions(allocatingBuffer($0, openedBy: process), process: process, nonblocking: nonblocking) }.map {
                ($0.output, epollAfterOpen(Self.markingAsyncFromOpen($0.step, before: state, async), before: state, process: process, ends: [.read, .write]))
            }
        case .epoll(let process, let call):
            return epollTransitions(state, process: process, call: call)
        case .sharedEpollWait(let process, let call):
            return sharedEpollWaitTransitions(state, process: process, call: call)
        case .nestedEpoll:
            return []  // `transitions` takes it first
        case .write(let process, let data, let nonblocking):
            return delegated(state, .write(process: process, data: data, nonblocking: nonblocking))
        case .read(let process, let max, let nonblocking):
            return delegated(state, .read(process: process, max: max, nonblocking: nonblocking))
        case .close(let process, let end):
            // One of a dup's descriptors, an O_RDWR open's one descriptor, or an open of one end.
            if let copyClosed = closeCopyTransitions(state, process: process, end: end) { return copyClosed }
            if state.readWriteHalves(ofLatest: end, of: process) != nil { return closeReadWrite(state, process: process, end: end) }
            let closing = state.releasingEpollRegistrations(of: process, ends: [end])
            return delegated(closing, .close(process: process, end: end)).map { candidate in
                // A close that succeeded also forgets that open (EBADF changed nothing).
                guard candidate.output == .closed, case .completed(var after) = candidate.step else { return candidate }
                if state.opens.count(where: { $0.process == process && $0.end == end }) > 1 { after.releasedWhileOtherOpensStay() }
                after.removeLatestOpen(of: process, end)
                return (candidate.output, .completed(releaseSignals(after, process: process, end: end)))
            }
        case .duplicate(let process, let end):
            return duplicateTransitions(state, process: process, end: end).map {
                ($0.output, epollAfterDuplicate($0.step, process: process))
            }
        case .fcntl(let process, let end, .duplicate(let minimum, let closeOnExec)):
            return duplicateTransitions(state, process: process, end: end, minimum: minimum, closeOnExec: closeOnExec).map {
                ($0.output, epollAfterDuplicate($0.step, process: process))
            }
        case .fcntl(let process, let end, .duplicateOnto(let call)):
            return duplicateOntoTransitions(state, process: process, end: end, call: call).map {
                ($0.output, epollAfterDuplicateOnto($0.step, process: process))
            }
        case .fcntl(let process, let end, .getDescriptorFlags):
            return getDescriptorFlagTransitions(state, process: process, end: end)
        case .fcntl(let process, let end, .setDescriptorFlags(let closeOnExec)), .fcntl(let process, let end, .ioctl(.closeOnExec(let closeOnExec))):
            return setDescriptorFlagTransitions(state, process: process, end: end, closeOnExec: closeOnExec)
        case .fcntl(let process, let end, var command):
            // FIONBIO and FIOASYNC are F_SETFL with the description's other flags kept (KernelPipeIoctlFactsTests).
            if case .ioctl(.nonblocking(let on)) = command { command = .setFlags(nonblocking: on, direct: nil) }
            if case .ioctl(.async(let on)) = command {
                command = .setFlagsWithAsync(nonblocking: state.pipe.isNonblocking(process, end), direct: nil, async: on)
            }
            // An open made with O_ASYNC: F_SETFL leaves the bit as it is and joins no list, whatever it asks.
            if case .setFlagsWithAsync(let nonblocking, let direct, _) = command, state.latestOpen(of: process, end).map({ state.opens[$0].asyncFromOpen }) == true {
                command = .setFlags(nonblocking: nonblocking, direct: direct)
            }
            return delegated(state, .fcntl(process: process, end: end, command: command)).map { candidate in
                guard candidate.output == .flagsSet, case .completed(var next) = candidate.step else { return candidate }
                if Self.setsSignalling(command) { next.mirrorSignalling(of: process, end) }
                let flags: (nonblocking: Bool, direct: Bool?)
                switch command {
                case .setFlags(let nonblocking, let direct), .setFlagsWithAsync(let nonblocking, let direct, _): flags = (nonblocking, direct)
                default: return (candidate.output, .completed(next))
                }
                guard let index = next.opens.lastIndex(where: { $0.process == process && $0.end == end }) else { return candidate }
                next.opens[index].nonblocking = flags.nonblocking
                next.setFlagsOfOtherHalf(of: process, end, nonblocking: flags.nonblocking, direct: flags.direct)
                return (candidate.output, .completed(next))
            }
        case .takeSignal(let process, let signals, let wait):
            return delegated(state, .takeSignal(process: process, signals: signals, wait: wait))
        case .available(let process):
            return delegated(state, .available(process: process))
        case .status(let process, let end):
            return [(Self.output(from: pipes.status(of: process, end, in: state.pipe, mode: state.mode)), .completed(state))]
        case .writev(let process, let pieces):
            return delegated(state, .writev(process: process, pieces: pieces))
        case .readv(let process, let sizes):
            return delegated(state, .readv(process: process, sizes: sizes))
        case .readiness(let process, let end, let call):
            let result = readinessResult(state, process: process, end: end, call: call)
            if PipeModel.nothingReady(result) && call.timeout < 0 { return [] }
            return [(Self.output(from: result), .completed(state))]
        case .unseekable(let process, let end, let call):
            return delegated(state, .unseekable(process: process, end: end, call: call))
        case .unlink(let process):
            return unlinkTransitions(state, process: process)
        case .mkfifo(let process, let mode, let umask, let missingDirectory):
            let creation = NodeCreation(call: .mkfifo, mode: mode, umask: umask, missingDirectory: missingDirectory)
            return creationTransitions(state, process: process, creation)
        case .makeNode(let process, let creation):
            return creationTransitions(state, process: process, creation)
        case .chmod(let process, let mode):
            return modeChangeTransitions(state, process: process, mode: mode, through: nil)
        case .fchmod(let process, let end, let mode):
            return modeChangeTransitions(state, process: process, mode: mode, through: end)
        case .chown(let process, let call, let end, let owner):
            return ownerChangeTransitions(state, process: process, call: call, end: end, owner: owner)
        case .exit(let process):
            var next = state
            next.openers.removeAll { $0.process == process }
            next.opens.removeAll { $0.process == process }
            return delegated(next, .exit(process: process))
        }
    }

    /// `fifo_open`: register as reader or writer (waking sleepers of the other kind), then return at once or sleep
    /// until a partner opens. The sleep is a piece that registers; the completion needs the partner's open.
    private func openTransitions(
        _ state: State, process: Int, end: PipeModel.End, nonblocking: Bool
    ) -> [(output: Output?, step: Step<State>)] {
        if let index = state.openers.firstIndex(where: { $0.process == process }) {
            guard state.openers[index].released else { return [] }
            var next = state
            next.openers.remove(at: index)
            return [(.opened, .completed(next))]
        }
        // The path is looked up first: once unlinked there is nothing to open.
        guard state.linked else { return [(.failed(.ENOENT), .completed(state))] }
        guard state.mayOpen(process, for: end) else { return [(.failed(.EACCES), .completed(state))] }
        var next = state
        switch end {
        case .read:
            next.pipe.readers.append(process)
            next.pipe.readers.sort()
            for index in next.openers.indices where next.openers[index].end == .write { next.openers[index].released = true }
            next.hideLatestOpen(of: process, .read)
            next.opens.append(Open(
                process: process, end: .read, nonblocking: nonblocking, hangUpSuppressed: nonblocking && next.pipe.writers.isEmpty,
                closeOnExec: state.setup.openCloseOnExec))
            next.pipe.setFlag(\.nonblocking, of: process, .read, nonblocking)
            if nonblocking || !next.pipe.writers.isEmpty { return [(.opened, .completed(next))] }
        case .write:
            if nonblocking && state.pipe.readers.isEmpty { return [(.failed(.ENXIO), .completed(state))] }
            next.pipe.writers.append(process)
            next.pipe.writers.sort()
            for index in next.opens.indices { next.opens[index].hangUpSuppressed = false }
            next.hideLatestOpen(of: process, .write)
            next.opens.append(Open(process: process, end: .write, nonblocking: nonblocking, hangUpSuppressed: false, closeOnExec: state.setup.openCloseOnExec))
            next.pipe.setFlag(\.nonblocking, of: process, .write, nonblocking)
            for index in next.openers.indices where next.openers[index].end == .read { next.openers[index].released = true }
            if !next.pipe.readers.isEmpty { return [(.opened, .completed(next))] }
        }
        next.openers.append(Opener(process: process, end: end, released: false))
        return [(nil, .partial(next))]
    }

    /// `state`, or, when nobody has the FIFO open any more, with a fresh pipe: the bytes left, the size `F_SETPIPE_SZ`
    /// gave it and every flag are gone with the last opener (measured: the next opener finds 65536 bytes and no data).
    func emptiedIfUnopened(_ state: State) -> State {
        guard state.pipe.readers.isEmpty && state.pipe.writers.isEmpty else { return state }
        var next = state
        next.pipe = PipeModel.State(slots: state.setup.capacity / pipes.pageSize, readers: [], writers: [])
        // The processes' descriptor tables, and the signals sent them, are theirs, not the FIFO's.
        next.pipe.descriptorLimits = state.pipe.descriptorLimits
        next.pipe.userPages = state.pipe.userPages
        next.pipe.pending = state.pipe.pending
        next.pipe.unjudgedSignals = state.pipe.unjudgedSignals
        next.pipe.exited = state.pipe.exited
        next.pipe.epoll = state.pipe.epoll
        next.pipe.epollUnjudged = state.pipe.epollUnjudged
        // The instances are the processes', and hold what they held (a registration of an end goes with its close).
        next.pipe.epollInstances = state.pipe.epollInstances
        next.pipe.nestedEpoll = state.pipe.nestedEpoll
        return next
    }

    /// What a `poll` or `select` returns now: the pipe's readiness, less `POLLHUP` for a reader that has seen no writer.
    private func readinessResult(_ state: State, process: Int, end: PipeModel.End, call: PipeModel.ReadinessCall) -> PipeModel.Output {
        // An O_RDWR description is polled for both ends at once: pipe_poll adds the write side's bits to the read
        // side's (the opener being both reader and writer, neither POLLHUP nor POLLERR can come).
        if state.readWriteHalves(ofLatest: end, of: process) != nil {
            let read = pipes.readiness(of: process, .read, in: state.pipe) ?? []
            return call.result(for: read.union(pipes.readiness(of: process, .write, in: state.pipe) ?? []))
        }
        let suppressed = end == .read && state.opens.last { $0.process == process && $0.end == .read }?.hangUpSuppressed == true
        return call.result(for: pipes.readiness(of: process, end, in: state.pipe, hangUpSuppressed: suppressed))
    }

    /// A pipe operation on the FIFO's pipe; afterwards, if nobody has it open any more, its bytes are gone.
    private func delegated(_ state: State, _ input: PipeModel.Input) -> [(output: Output?, step: Step<State>)] {
        pipes.transitions(state.pipe, input).map { candidate in
            func wrap(_ pipe: PipeModel.State) -> State {
                var next = state
                next.pipe = pipe
                return emptiedIfUnopened(next)
            }
            let step: Step<State> =
                switch candidate.step {
                case .completed(let pipe): .completed(wrap(pipe))
                case .partial(let pipe): .partial(wrap(pipe))
                }
            return (candidate.output.map(Self.output(from:)), step)
        }
    }

    static func output(from pipe: PipeModel.Output) -> Output {
        switch pipe {
        case .available(let count): .available(count)
        case .wrote(let count): .wrote(count)
        case .read(let bytes): .read(bytes)
        case .closed: .closed
        case .exited: .exited
        case .failed(let code): .failed(code)
        case .positioned(let count): .positioned(count)
        case .ready(let events): .ready(events)
        case .selected(let readable, let writable): .selected(readable: readable, writable: writable)
        case .flags(let nonblocking, let direct): .flags(nonblocking: nonblocking, direct: direct)
        case .size(let size): .size(size)
        case .flagsSet: .flagsSet
        case .status(let type, let mode, let size): .status(type: type, mode: mode, size: size)
        case .descriptorFlags(let closeOnExec): .descriptorFlags(closeOnExec: closeOnExec)
        case .duplicated: .duplicated
        case .owner(let report): .owner(report)
        case .ownerEx(let type, let report): .ownerEx(type, report)
        case .signal(let signal): .signal(signal)
        case .asyncFlags(let nonblocking, let direct, let async): .asyncFlags(nonblocking: nonblocking, direct: direct, async: async)
        case .signalTaken(let taken): .signalTaken(taken)
        case .epollControlled: .epollControlled
        case .epollEvents(let reports): .epollEvents(reports)
        case .epollCreated(let closeOnExec): .epollCreated(closeOnExec: closeOnExec)
        case .nestedEpollEvents(let reports): .nestedEpollEvents(reports)
        // The FIFO model hands the pipe no `pipe` or `splice` call, so these never come back from it.
        case .created, .moved: .failed(.EINVAL)
        }
    }

    public func abandon(_ state: State, _ input: Input) -> State {
        var next = state
        next.openers.removeAll { $0.process == input.process }
        next.pipe.setProgress(of: input.process, nil)
        return next
    }

    public func estimatedSize(of state: State) -> Int {
        pipes.estimatedSize(of: state.pipe) + state.openers.count * 24
    }

    public func describe(_ state: State) -> String {
        var text = pipes.describe(state.pipe) + "; mode 0" + String(state.mode, radix: 8) + (state.linked ? "" : "; unlinked")
        for opener in state.openers {
            text += "; process \(opener.process) sleeps in open for \(opener.end == .read ? "reading" : "writing")"
                + (opener.released ? " (a partner has opened)" : "")
        }
        for open in state.opens where open.hangUpSuppressed {
            text += "; a read end of process \(open.process) opened before any writer: no POLLHUP until one opens"
        }
        for registration in state.pipe.epoll where registration.hidden != nil {
            text += "; process \(registration.process)'s registration of an older open of the \(registration.end == .read ? "read" : "write") end (a later open hides it from epoll_ctl; waits report it)"
        }
        for place in state.epollPlaces where place.descriptor == nil {
            text += "; process \(place.process)'s epoll registration of the \(place.end == .read ? "read" : "write") end outlives its closed descriptor (a dup keeps the description)"
        }
        return text
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .open(_, let end, let nonblocking, let async):
            call = "open for \(end == .read ? "reading" : "writing")\(nonblocking ? " (nonblocking)" : "")\(async ? " with O_ASYNC" : "")"
        case .openReadWrite(_, let nonblocking, let async):
            call = "open for reading and writing (O_RDWR)\(nonblocking ? " (nonblocking)" : "")\(async ? " with O_ASYNC" : "")"
        case .chmod(_, let mode):
            call = "chmod 0" + String(mode, radix: 8)
        case .fchmod(_, let end, let mode):
            call = "fchmod 0" + String(mode, radix: 8) + " through the \(end.rawValue) end"
        case .chown(_, let ownerCall, let end, let owner):
            call = ownerCall.rawValue + (end.map { " through the \($0.rawValue) end" } ?? "") + " to " + (owner.map { "process \($0)'s user" } ?? "-1")
        case .makeNode(_, let creation):
            call = creation.description
        case .unlink:
            call = "unlink"
        case .mkfifo(_, let mode, let umask, let missingDirectory):
            call = "mkfifo 0" + String(mode, radix: 8) + " under umask 0" + String(umask, radix: 8) + (missingDirectory ? " in a missing directory" : "")
        case .write(let process, let data, let nonblocking):
            return pipes.describe(.write(process: process, data: data, nonblocking: nonblocking), output.flatMap(Self.pipeOutput))
        case .read(let process, let max, let nonblocking):
            return pipes.describe(.read(process: process, max: max, nonblocking: nonblocking), output.flatMap(Self.pipeOutput))
        case .close(let process, let end):
            return pipes.describe(.close(process: process, end: end), output.flatMap(Self.pipeOutput))
        case .duplicate(_, let end):
            call = "dup of the \(end == .read ? "read" : "write") end"
        case .unseekable(let process, let end, let call):
            return pipes.describe(.unseekable(process: process, end: end, call: call), output.flatMap(Self.pipeOutput))
        case .exit(let process):
            return pipes.describe(.exit(process: process), output.flatMap(Self.pipeOutput))
        case .readiness(let process, let end, let call):
            return pipes.describe(.readiness(process: process, end: end, call: call), output.flatMap(Self.pipeOutput))
        case .fcntl(let process, let end, let command):
            return pipes.describe(.fcntl(process: process, end: end, command: command), output.flatMap(Self.pipeOutput))
        case .available(let process):
            return pipes.describe(.available(process: process), output.flatMap(Self.pipeOutput))
        case .status(let process, let end):
            return pipes.describe(.status(process: process, end: end), output.flatMap(Self.pipeOutput))
        case .writev(let process, let pieces):
            return pipes.describe(.writev(process: process, pieces: pieces), output.flatMap(Self.pipeOutput))
        case .readv(let process, let sizes):
            return pipes.describe(.readv(process: process, sizes: sizes), output.flatMap(Self.pipeOutput))
        case .takeSignal(let process, let signals, let wait):
            return pipes.describe(.takeSignal(process: process, signals: signals, wait: wait), output.flatMap(Self.pipeOutput))
        case .epoll(let process, let call):
            return pipes.describe(.epoll(process: process, call: call), output.flatMap(Self.pipeOutput))
        case .nestedEpoll(let process, let call):
            return pipes.describe(.nestedEpoll(process: process, call: call), output.flatMap(Self.pipeOutput))
        case .sharedEpollWait(let process, let call):
            guard case .sharedEpollEvents(let reports)? = output else {
                return pipes.describe(.epoll(process: process, call: call), output.flatMap(Self.pipeOutput))
            }
            return "\(call) on the shared instance → " + (reports.isEmpty ? "nothing" : reports.map(\.description).joined(separator: ", "))
        }
        let result: String
        switch output {
        case nil: result = "?"
        case .failed(let code)?: result = code.rawValue
        case .made(let mode)?: result = "mode 0" + String(mode, radix: 8)
        default: result = "ok"
        }
        return "\(call) → \(result)"
    }

    static func pipeOutput(_ output: Output) -> PipeModel.Output? {
        switch output {
        case .wrote(let count): .wrote(count)
        case .read(let bytes): .read(bytes)
        case .closed: .closed
        case .exited: .exited
        case .available(let count): .available(count)
        case .positioned(let count): .positioned(count)
        case .ready(let events): .ready(events)
        case .selected(let readable, let writable): .selected(readable: readable, writable: writable)
        case .flags(let nonblocking, let direct): .flags(nonblocking: nonblocking, direct: direct)
        case .size(let size): .size(size)
        case .descriptorFlags(let closeOnExec): .descriptorFlags(closeOnExec: closeOnExec)
        case .flagsSet: .flagsSet
        case .status(let type, let mode, let size): .status(type: type, mode: mode, size: size)
        case .failed(let code): .failed(code)
        case .duplicated: .duplicated
        case .owner(let report): .owner(report)
        case .ownerEx(let type, let report): .ownerEx(type, report)
        case .signal(let signal): .signal(signal)
        case .asyncFlags(let nonblocking, let direct, let async): .asyncFlags(nonblocking: nonblocking, direct: direct, async: async)
        case .signalTaken(let taken): .signalTaken(taken)
        case .epollControlled: .epollControlled
        case .epollEvents(let reports): .epollEvents(reports)
        case .epollCreated(let closeOnExec): .epollCreated(closeOnExec: closeOnExec)
        case .nestedEpollEvents(let reports): .nestedEpollEvents(reports)
        case .opened, .modeChanged, .ownerChanged, .unlinked, .made, .sharedEpollEvents: nil
        }
    }
}

extension FIFOModel.Input {
    public var process: Int {
        switch self {
        case .open(let process, _, _, _), .openReadWrite(let process, _, _), .write(let process, _, _), .read(let process, _, _), .close(let process, _),
            .chmod(let process, _), .fchmod(let process, _, _), .chown(let process, _, _, _), .makeNode(let process, _), .unlink(let process), .mkfifo(let process, _, _, _), .exit(let process), .unseekable(let process, _, _), .readiness(let process, _, _),
            .fcntl(let process, _, _), .available(let process), .status(let process, _), .writev(let process, _), .readv(let process, _),
            .duplicate(let process, _), .takeSignal(let process, _, _), .epoll(let process, _), .nestedEpoll(let process, _),
            .sharedEpollWait(let process, _):
            process
        }
    }
}

extension FIFOModel.State {
    /// Forgets `process`'s latest open of `end` (closed, or an interrupted open undone): its earlier open of that end,
    /// if any, is the description its calls use again, with that description's `O_NONBLOCK`.
    mutating func removeLatestOpen(of process: Int, _ end: PipeModel.End) {
        guard let index = opens.lastIndex(where: { $0.process == process && $0.end == end }) else { return }
        removeOpen(at: index)
    }

    /// Forgets the open at `index`; the process's latest open of that end, if any, sets the pipe's `O_NONBLOCK`.
    mutating func removeOpen(at index: Int) {
        let wasLatest = latestOpen(of: opens[index].process, opens[index].end) == index
        let rank = opens[..<index].count { $0.process == opens[index].process && $0.end == opens[index].end }
        let removed = opens.remove(at: index)
        let latest = opens.last { $0.process == removed.process && $0.end == removed.end }
        pipe.setFlag(\.nonblocking, of: removed.process, removed.end, latest?.nonblocking ?? false)
        if wasLatest { revealLatestOpen(of: removed.process, removed.end) }
        epollAfterRemovingOpen(of: removed.process, removed.end, rank: rank, latest: wasLatest)
    }
}
