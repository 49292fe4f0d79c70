/// The Linux pipe as a byte stream, with the capacity rules of this kernel's `fs/pipe.c`.
///
/// What it allows, and why (each fact is also a test that runs on the real kernel):
/// - Bytes come out in the order they went in; a read takes whatever is buffered, up to its size, so reads split
///   and merge writes freely.
/// - Capacity is counted in *page slots* (16 of 4096 bytes for the default 65536), not bytes. A write first tries
///   to append `n mod 4096` bytes to the last page when they fit there; everything else goes into fresh pages.
///   So 3000-byte writes fill a pipe at 48000 bytes, 4097-byte writes at 45066.
/// - A write of at most `PIPE_BUF` (4096) bytes is atomic: merged whole into the last page or placed whole in a
///   new one; with `O_NONBLOCK` and no room it fails `EAGAIN` and writes nothing.
/// - A larger `O_NONBLOCK` write is one atomic piece that takes what fits (a short write), or `EAGAIN`.
/// - A larger blocking write takes effect in pieces: each fills every free slot, then the writer sleeps until a
///   reader frees one; readers see the pieces as they land and other writers' data can land in between.
/// - A blocking writer that finds the pipe full sleeps (a piece that writes nothing) and, woken, no longer
///   tries the merge: it starts a fresh page.
/// - A signal (without `SA_RESTART`) interrupts a blocked read, or a blocked write that has written nothing, with
///   `EINTR` and no effect; a blocking write that has written some bytes returns that count instead. A read that
///   would not sleep (bytes buffered, no writer left, nonblocking) is never interrupted.
/// - A call a fault plan cut short (`shortened(_:to:requested:)`) is the shorter call: a write of the data's prefix, a read
///   with a smaller buffer.
/// - A read of an empty pipe with a writer open blocks (`EAGAIN` with `O_NONBLOCK`); with none open it returns
///   0 (end of file). A read or write of 0 bytes returns 0 at once.
/// - A write with no reader open fails `EPIPE`; a blocking write whose readers all leave mid-way returns the
///   bytes it had written.
/// - Each process holds its own open file descriptions of the ends it was given, so `O_NONBLOCK` is per process;
///   closing an end, or dying, gives it up.
/// - A pipe the setup says one process makes during the run (`createdBy`) exists from that process's `pipe` or `pipe2`
///   (``PipeModel+Creation``): unknown flags fail `EINVAL`, `O_NOTIFICATION_PIPE` `ENOPKG`, and with fewer than two
///   free descriptor numbers `EMFILE`, each changing nothing.
public struct PipeModel: TraceModel {
    public static let name = "pipe"

    /// Which end of a pipe.
    public enum End: String, Hashable, Sendable {
        case read, write
    }

    public enum Input: Hashable, Sendable {
        case write(process: Int, data: [UInt8], nonblocking: Bool)
        /// A client's poll-and-retry loop that writes every byte: each piece is one nonblocking `write` of what
        /// remains (with its own merge attempt); between pieces the client waits for room. `firstCall`: the byte
        /// count of the client's first call when the fault plan cut it short (see ``shortened(_:to:requested:)``).
        case writeAll(process: Int, data: [UInt8], firstCall: Int? = nil)
        case read(process: Int, max: Int, nonblocking: Bool)
        case close(process: Int, end: End)
        /// `FIONREAD` on the read end: how many bytes are in the pipe. It changes nothing; the driver uses it to
        /// resolve what a killed process's operation did.
        case available(process: Int)
        /// The process died or exited: every end it held is closed.
        case exit(process: Int)
        /// `fcntl` on the process's descriptor of `end` (see ``FileControl``).
        case fcntl(process: Int, end: End, command: FileControl)
        /// `lseek`, `pread` or `pwrite` on the process's descriptor of `end`: a pipe has no file position, so each
        /// fails `ESPIPE` (`EBADF` when the process holds no such end).
        case unseekable(process: Int, end: End, call: UnseekableCall)
        /// `poll` or `select` on the process's descriptor of `end` (see ``ReadinessCall``).
        case readiness(process: Int, end: End, call: ReadinessCall)
        /// `writev` of `pieces`, in order: one `write` of their bytes (see ``scalar(_:)``), as blocking as the
        /// description is.
        case writev(process: Int, pieces: [[UInt8]])
        /// `readv` into buffers of `sizes`, filled in order: one `read` of their summed size; the output is the bytes
        /// read, as `read`'s.
        case readv(process: Int, sizes: [Int])
        /// `fstat` on the process's descriptor of `end` (see ``status(of:_:in:mode:)``).
        case status(process: Int, end: End)
        /// `pipe` or `pipe2` by the process that makes this pipe during the run (see ``CreationFlags``).
        case create(process: Int, flags: CreationFlags)
        /// `splice`, `tee` or `vmsplice` between the pipe and something the trace does not follow (see ``SpliceCall``).
        case splice(process: Int, call: SpliceCall)
        /// `epoll_ctl` or `epoll_wait` on the process's epoll instance for this pipe (see ``EpollCall``).
        case epoll(process: Int, call: EpollCall)
        /// A call on a kept epoll instance, or one naming an instance as a target (see ``PipeModel+NestedEpoll``).
        case nestedEpoll(process: Int, call: NestedEpollCall)
        /// `sigtimedwait` with a zero timeout (or, `wait`, `sigwaitinfo`) by the process for `signals`, which it keeps
        /// blocked: one of the I/O signals `O_ASYNC` sent it (see ``PipeModel+Async``).
        case takeSignal(process: Int, signals: [Int], wait: Bool)
    }

    public enum Output: Hashable, Sendable {
        case wrote(Int)
        /// The bytes read; empty means end of file (or a read of size 0).
        case read([UInt8])
        case closed
        /// The bytes in the pipe (`available`).
        case available(Int)
        /// `dup` or `F_DUPFD`: a new descriptor of the same open file description (its number is not modelled).
        case duplicated
        /// `pipe` or `pipe2` made the pipe: the caller holds both ends.
        case created
        case exited
        /// `F_GETFL`: the description's `O_NONBLOCK` and `O_DIRECT`.
        case flags(nonblocking: Bool, direct: Bool)
        /// `F_GETPIPE_SZ`, and `F_SETPIPE_SZ`'s result: the capacity in bytes.
        case size(Int)
        /// `F_SETFL` done.
        case flagsSet
        /// What a successful `lseek` (the new position), `pread` or `pwrite` (the bytes moved) would return: never
        /// on a pipe, but a recorded success must be judged (and rejected), not refused as unreadable.
        case positioned(Int)
        /// `poll`'s `revents` for the one descriptor (empty: it returned 0).
        case ready(PollEvents)
        /// `select`: whether the descriptor was left in the read set and in the write set.
        case selected(readable: Bool, writable: Bool)
        /// `fstat`: the file type's name (`S_IFIFO`), the permission bits and `st_size`.
        case status(type: String, mode: Int, size: Int)
        /// The bytes a `splice` or `vmsplice` moved, or a `tee` copied.
        case moved(Int)
        /// `F_GETFD`: the descriptor's `FD_CLOEXEC`.
        case descriptorFlags(closeOnExec: Bool)
        /// `F_GETOWN`: the description's owner (see ``PipeModel+Owner``).
        case owner(OwnerReport)
        /// `F_GETOWN_EX`: the owner's type and the owner (see ``PipeModel+Owner``).
        case ownerEx(OwnerType, OwnerReport)
        /// `F_GETSIG`: the description's signal (0: `SIGIO`).
        case signal(Int)
        /// `epoll_ctl` done.
        case epollControlled
        /// `epoll_wait`'s events, sorted (empty: it returned 0).
        case epollEvents([EpollReport])
        /// A wait's events when one names an instance, sorted (see ``PipeModel+NestedEpoll``).
        case nestedEpollEvents([NestedEpollReport])
        /// `epoll_create`/`epoll_create1` made an instance (closed at once): its `FD_CLOEXEC` (nil: not recorded).
        case epollCreated(closeOnExec: Bool?)
        /// `F_GETFL` recorded with `O_ASYNC` as well (see ``PipeModel+Async``).
        case asyncFlags(nonblocking: Bool, direct: Bool, async: Bool)
        /// What `sigtimedwait` took (see ``PipeModel+Async``).
        case signalTaken(TakenSignal)
        case failed(ErrorCode)
    }

    /// How one pipe starts: its capacity, which processes hold a read or write end, the flags `pipe2` gave it, and
    /// which holders share one open file description (inherited through `fork`, or passed).
    public struct Setup: Hashable, Sendable {
        public var capacity: Int
        public var readers: [Int]
        public var writers: [Int]
        /// `pipe2(O_NONBLOCK)`: every description starts with `O_NONBLOCK`.
        public var nonblocking: Bool
        /// `pipe2(O_DIRECT)`: the write ends' descriptions start with `O_DIRECT` (packet mode; the kernel does not
        /// set it on the read end).
        public var packet: Bool
        /// Groups of processes that hold one shared open file description of each end they hold: `O_NONBLOCK` set
        /// by one is seen by all. Everyone else has a description of their own.
        public var shared: [[Int]]
        /// Groups of processes whose implicit epoll instance for this pipe is one instance: made before a `fork` that
        /// copied its descriptor (LTP's `epoll_wait11`/`epoll_wait12`; threads of one process alike). Each group lies
        /// within one `shared` group, whose descriptions its registrations are on (see ``PipeModel+Epoll``).
        public var sharedEpoll: [[Int]] = []
        /// What is known of some processes' descriptor tables (for `dup`'s `EMFILE` and `F_DUPFD`'s `EINVAL`); for
        /// the others either may happen.
        public var descriptorLimits: [DescriptorLimit]
        /// The process that makes the pipe during the run with `pipe` or `pipe2` (its first operation on it); nil when
        /// the harness made it before the trace began. Such a pipe starts with no holders.
        public var createdBy: Int? = nil
        /// `FD_CLOEXEC` of every descriptor the setup gives (nil: not known, so `F_GETFD` may report either until
        /// `F_SETFD` sets it).
        public var closeOnExec: Bool? = nil
        /// The pages the pipe's user may take, and who is held back (``PipeUserPages``); nil: nobody is.
        public var userPages: PipeUserPages? = nil

        public init(
            capacity: Int = 65536, readers: [Int], writers: [Int], nonblocking: Bool = false, packet: Bool = false,
            shared: [[Int]] = [], descriptorLimits: [DescriptorLimit] = [], createdBy: Int? = nil, closeOnExec: Bool? = nil,
            sharedEpoll: [[Int]] = [], userPages: PipeUserPages? = nil
        ) {
            self.createdBy = createdBy
            self.userPages = userPages
            self.sharedEpoll = sharedEpoll.map { $0.sorted() }.filter { $0.count > 1 }
            self.closeOnExec = closeOnExec
            self.capacity = capacity
            self.readers = readers.sorted()
            self.writers = writers.sorted()
            self.nonblocking = nonblocking
            self.packet = packet
            self.shared = shared.map { $0.sorted() }.filter { $0.count > 1 }
            self.descriptorLimits = descriptorLimits.sorted { $0.process < $1.process }
        }
    }

    /// Page size, which is also `PIPE_BUF` on this kernel.
    public let pageSize: Int
    /// `/proc/sys/fs/pipe-max-size`: `F_SETPIPE_SZ` may not grow a pipe beyond it without `CAP_SYS_RESOURCE`
    /// (which root lacks on these machines).
    public let maxSize: Int
    public let setups: [(name: String, setup: Setup)]

    public init(pageSize: Int = 4096, maxSize: Int = 1 << 20, pipes: [(name: String, setup: Setup)]) {
        self.pageSize = pageSize
        self.maxSize = maxSize
        self.setups = pipes
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        let setup = setups.first { $0.name == object }?.setup ?? Setup(readers: [], writers: [])
        var state = State(
            slots: setup.capacity / pageSize, readers: setup.readers, writers: setup.writers, shared: setup.shared,
            sharedEpoll: setup.sharedEpoll)
        state.descriptorLimits = setup.descriptorLimits
        state.created = setup.createdBy == nil
        state.userPages = setup.userPages
        if setup.nonblocking {
            for process in setup.readers { state.setFlag(\.nonblocking, of: process, .read, true) }
            for process in setup.writers { state.setFlag(\.nonblocking, of: process, .write, true) }
        }
        if setup.packet {
            for process in setup.writers { state.setFlag(\.direct, of: process, .write, true) }
        }
        if setup.closeOnExec != false {
            let kind: CloseOnExec = setup.closeOnExec == true ? .set : .unknown
            for process in setup.readers { state.addDescriptorFlag(of: process, .read, kind) }
            for process in setup.writers { state.addDescriptorFlag(of: process, .write, kind) }
        }
        return state
    }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        if case .epoll(let process, let call) = input, let unjudged = epollUnjudged(state, process: process, call: call) {
            return [.completed(unjudged)]
        }
        if case .nestedEpoll(let process, let call) = input, state.epollUnjudged.contains(state.epollOwner(process)) {
            if case .create = call {} else { return [.completed(state)] }
        }
        // Kept instances beside a shared implicit one are not followed: that group's epoll calls go unjudged.
        if case .nestedEpoll(let process, let call) = input, state.epollSharers(of: state.epollOwner(process)).count > 1 {
            if case .create = call {} else { return [.completed(state.stoppingEpoll(of: state.epollOwner(process)))] }
        }
        if case .fcntl(let process, let end, .getFlags) = input,
            let steps = getFlagsWithAsync(state, process: process, end: end, output: output)
        {
            return steps
        }
        if case .takeSignal(let process, let signals, _) = input, takeIsUnjudged(state, process: process, signals: signals, output: output) {
            return [.completed(state)]
        }
        if case .failed(.EINTR)? = output {
            return interrupted(state, input).map { step in
                guard case .completed(let after) = step else { return step }
                return .completed(signalsAfter(input, before: state, after: after, piece: true))  // it may have slept
            }
        }
        return transitions(state, input).compactMap { candidate in
            guard let candidateOutput = candidate.output else {
                return Self.pieceMayLead(to: output, progress: candidate.step.state.progress(of: input.process))
                    ? candidate.step : nil
            }
            return output == nil || output == candidateOutput ? candidate.step : nil
        }
    }

    /// Whether a piece of a larger blocking write, after which its writer has written `progress` bytes, can still
    /// end as `output` records: not if the write is recorded as failed, nor as having written fewer bytes.
    static func pieceMayLead(to output: Output?, progress: Int?) -> Bool {
        switch output {
        case .failed?: false
        case .wrote(let total)?: (progress ?? 0) <= total
        default: true
        }
    }

    /// A read or write that failed `EINTR`: a signal interrupted it before any byte moved (a blocked call, or a
    /// fault injected before the call), so it had no effect. A blocking write that had already written some
    /// bytes is not interrupted this way: it returns its count (see ``transitions``).
    private func interrupted(_ state: State, _ input: Input) -> [Step<State>] {
        if let scalar = scalar(input) { return interrupted(state, scalar) }
        switch input {
        case .read, .write, .writeAll:
            if let progress = state.progress(of: input.process), progress > 0 { return [] }
            // A blocking write sleeps only when it finds no room on entry (pipe_write checks for a signal only then):
            // asleep already (progress 0), or full now. One with room, or a nonblocking one, returns without sleeping.
            if case .write(let process, let data, let nonblocking) = input, state.progress(of: process) == nil {
                guard !nonblocking, !state.isNonblocking(process, .write), state.readers.isEmpty == false,
                    writeTransitions(state, process: process, data: data, nonblocking: false).contains(where: { candidate in
                        if case .partial(let asleep) = candidate.step { return asleep.progress(of: process) == 0 }
                        return false
                    })
                else { return [] }
            }
            // A read sleeps only on an empty pipe that still has a writer; any other read returns at once (data,
            // end of file, EAGAIN, EBADF), so a signal cannot interrupt it. (Injected EINTRs never reach the model.)
            if case .read(let process, let max, let nonblocking) = input,
                nonblocking || state.isNonblocking(process, .read) || max == 0 || state.bufferedCount > 0 || state.writers.isEmpty || !state.readers.contains(process)
            {
                return []
            }
            var next = state
            next.setProgress(of: input.process, nil)
            return [.completed(next)]
        case .readiness(let process, let end, let call):
            let mask = readiness(of: process, end, in: state)
            return readinessMayBeInterrupted(state, call: call, mask: mask) ? [.completed(state)] : []
        case .splice(let process, let call):
            return spliceMayBeInterrupted(state, process: process, call: call) ? [.completed(state)] : []
        case .epoll(let process, let call) where call.waitRefusal == nil:
            // A zero timeout returns once it has looked, before a signal is looked for (Epoll.outcomes).
            guard case .wait(_, let timeout, _) = call, timeout != 0 else { return [] }
            return epollEmptyWait(state, process: process).map { [.completed($0)] } ?? []
        case .epoll:
            return []
        case .nestedEpoll(let process, .wait(let instance, _, let timeout, _)) where input.nestedWaitRefusal == nil && timeout != 0:
            return nestedEpollEmptyWait(state, process: process, instance: instance).map { [.completed($0)] } ?? []
        case .nestedEpoll:
            return []
        case .takeSignal:
            return [.completed(state)]
        case .close, .available, .exit, .fcntl, .unseekable, .writev, .readv, .status, .create:
            return []
        }
    }

    /// Every way `input` may take effect from `state`: a completion with its output, or a piece (no output).
    /// Generators use this to produce the outputs a correct pipe would give.
    public func outcomes(of input: Input, in state: State) -> [(output: Output?, step: Step<State>)] {
        transitions(state, input)
    }

    func transitions(_ state: State, _ input: Input) -> [(output: Output?, step: Step<State>)] {
        let base = pipeTransitions(state, input).map { candidate -> (output: Output?, step: Step<State>) in
            if state.async.isEmpty { return candidate }
            switch candidate.step {
            case .completed(let after): return (candidate.output, .completed(signalsAfter(input, before: state, after: after)))
            case .partial(let after): return (candidate.output, .partial(signalsAfter(input, before: state, after: after, piece: true)))
            }
        }
        if state.epoll.isEmpty && state.epollUnjudged.isEmpty && state.nestedEpoll.isEmpty && state.epollInstances.isEmpty { return base }
        if case .epoll = input { return base }
        if case .nestedEpoll = input { return base }
        return base.map { candidate in
            var after = epollAfter(input, before: state, after: candidate.step.state)
            if !state.nestedEpoll.isEmpty || !state.epollInstances.isEmpty { after = nestedEpollAfter(input, before: state, after: after) }
            switch candidate.step {
            case .completed: return (candidate.output, .completed(after))
            case .partial: return (candidate.output, .partial(after))
            }
        }
    }

    private func pipeTransitions(_ state: State, _ input: Input) -> [(output: Output?, step: Step<State>)] {
        if let scalar = scalar(input) { return pipeTransitions(state, scalar) }
        switch input {
        case .write(let process, let data, let nonblocking):
            return writeTransitions(state, process: process, data: data, nonblocking: nonblocking)
        case .writeAll(let process, let data, let firstCall):
            return writeAllTransitions(state, process: process, data: data, firstCall: firstCall)
        case .read(let process, let max, let nonblocking):
            guard state.readers.contains(process) else { return [(.failed(.EBADF), .completed(state))] }
            if max == 0 { return [(.read([]), .completed(state))] }
            if state.bufferedCount > 0 {
                var next = state
                let bytes = next.consume(max)
                return [(.read(bytes), .completed(next))]
            }
            if state.writers.isEmpty { return [(.read([]), .completed(state))] }
            return nonblocking || state.isNonblocking(process, .read) ? [(.failed(.EAGAIN), .completed(state))] : []
        case .close(let process, let end):
            var next = state
            let removed: Bool
            switch end {
            case .read: removed = next.readers.removeFirst(process)
            case .write: removed = next.writers.removeFirst(process)
            }
            guard removed else { return [(.failed(.EBADF), .completed(state))] }
            next.changeFreeDescriptors(of: process, by: 1)
            // Whichever of its descriptors of the end it closed: one branch per kind of flag it may have had.
            return Self.distinct(state.closeOnExecKinds(of: process, end).map { kind in
                var closed = next
                closed.removeDescriptorFlag(of: process, end, kind: kind)
                return closed
            }).map { (.closed, .completed($0)) }
        case .available(let process):
            guard state.readers.contains(process) else { return [(.failed(.EBADF), .completed(state))] }
            return [(.available(state.bufferedCount), .completed(state))]
        case .exit(let process):
            var next = state
            next.readers.removeAll { $0 == process }
            next.writers.removeAll { $0 == process }
            next.removeDescriptorFlags(of: process)
            next.ownerExited(process)
            next.setProgress(of: process, nil)
            return [(.exited, .completed(next))]
        case .fcntl(let process, let end, let command):
            return fileControlTransitions(state, process: process, end: end, command: command)
        case .unseekable(let process, let end, let call):
            let held = end == .read ? state.readers.contains(process) : state.writers.contains(process)
            return [(.failed(call.failure(held: held)), .completed(state))]
        case .readiness(let process, let end, let call):
            return readinessTransitions(state, call: call, mask: readiness(of: process, end, in: state))
        case .writev(let process, _):
            return tooManyVectors(state, process: process, end: .write)
        case .readv(let process, _):
            return tooManyVectors(state, process: process, end: .read)
        case .status(let process, let end):
            return [(status(of: process, end, in: state, mode: 0o600), .completed(state))]
        case .create(let process, let flags):
            return creationTransitions(state, process: process, flags: flags)
        case .splice(let process, let call):
            return spliceTransitions(state, process: process, call: call)
        case .epoll(let process, let call):
            return epollTransitions(state, process: process, call: call)
        case .nestedEpoll(let process, let call):
            return nestedEpollTransitions(state, process: process, call: call)
        case .takeSignal(let process, let signals, let wait):
            return takeSignalTransitions(state, process: process, signals: signals, wait: wait)
        }
    }

    private typealias Transitions = [(output: Output?, step: Step<State>)]

    private func writeTransitions(_ state: State, process: Int, data: [UInt8], nonblocking: Bool) -> Transitions {
        if let early = writeBeforeCopying(state, process: process, data: data) { return early }
        let alreadyWritten = state.progress(of: process)
        let packet = state.isDirect(process, .write)
        if nonblocking || state.isNonblocking(process, .write) {
            let (next, written) = fill(state, data[...], mayMerge: true, packet: packet)
            return written == 0 ? [(.failed(.EAGAIN), .completed(state))] : [(.wrote(written), .completed(next))]
        }
        if data.count <= pageSize && alreadyWritten != nil {
            // Atomic, woken after sleeping on a full pipe: the whole write takes a fresh page, never a merge.
            guard state.pages.count < state.slots else { return [] }
            var (next, _) = fill(state, data[...], mayMerge: false, packet: packet)
            next.setProgress(of: process, nil)
            return [(.wrote(data.count), .completed(next))]
        }
        let start = alreadyWritten ?? 0
        var results: Transitions = []
        if let alreadyWritten, alreadyWritten > 0 {
            // A signal interrupts the sleeping writer: it returns the bytes it has written so far.
            var interrupted = state
            interrupted.setProgress(of: process, nil)
            results.append((.wrote(alreadyWritten), .completed(interrupted)))
        }
        let (next, written) = fill(
            state, data[start...], mayMerge: alreadyWritten == nil, mergeLength: data.count, packet: packet)
        // At most PIPE_BUF bytes go in whole or not at all (fill takes them into one page or merges them all).
        if written == 0 || (data.count <= pageSize && written < data.count) {
            // Full on entry: the writer sleeps (a piece that writes nothing), and will not try to merge once woken.
            guard alreadyWritten == nil else { return results }
            var asleep = state
            asleep.setProgress(of: process, 0)
            return results + [(nil, .partial(asleep))]
        }
        return results + piece(next, process: process, total: data.count, reached: start + written)
    }

    private func writeAllTransitions(_ state: State, process: Int, data: [UInt8], firstCall: Int?) -> Transitions {
        if let early = writeBeforeCopying(state, process: process, data: data) { return early }
        // Each piece is one nonblocking write of what remains: with its own merge attempt, nothing if it is full.
        let alreadyWritten = state.progress(of: process) ?? 0
        let packet = state.isDirect(process, .write)
        var results: Transitions = []
        // When the fault plan cut the first call to `firstCall` bytes, the first piece is that call's, unless it
        // found the pipe full: then it moved nothing, and the client's next call, uncut, makes the first piece.
        if alreadyWritten == 0, let firstCall, firstCall < data.count {
            let (next, written) = fill(state, data.prefix(firstCall), mayMerge: true, packet: packet)
            if written > 0 { results += piece(next, process: process, total: data.count, reached: written) }
        }
        let (next, written) = fill(state, data[alreadyWritten...], mayMerge: true, packet: packet)
        if written > 0 { results += piece(next, process: process, total: data.count, reached: alreadyWritten + written) }
        return results
    }

    /// What a write does before any byte moves: `EBADF` without a write end, 0 for no data, and, when every
    /// reader has gone, `EPIPE` or the count of bytes already written by this write's earlier pieces.
    private func writeBeforeCopying(_ state: State, process: Int, data: [UInt8]) -> Transitions? {
        guard state.writers.contains(process) else { return [(.failed(.EBADF), .completed(state))] }
        if data.isEmpty { return [(.wrote(0), .completed(state))] }
        let alreadyWritten = state.progress(of: process)
        if let alreadyWritten, alreadyWritten >= data.count { return [] }  // left over from an abandoned write
        guard state.readers.isEmpty else { return nil }
        var next = state
        next.setProgress(of: process, nil)
        if let alreadyWritten, alreadyWritten > 0 { return [(.wrote(alreadyWritten), .completed(next))] }
        return [(.failed(.EPIPE), .completed(next))]
    }

    /// After a piece that brought the write to `reached` of `total` bytes: done, or more to come.
    private func piece(_ state: State, process: Int, total: Int, reached: Int) -> Transitions {
        var next = state
        if reached == total {
            next.setProgress(of: process, nil)
            return [(.wrote(total), .completed(next))]
        }
        next.setProgress(of: process, reached)
        return [(nil, .partial(next))]
    }

    /// Copies `data` into the pipe as `pipe_write` does: first `length mod pageSize` bytes appended to the last
    /// page if they fit there (and the pipe is not empty, and that page is neither a packet nor lent by a splice), then whole pages while
    /// slots are free, each a packet when the writer's description has `O_DIRECT` (`packet`). A packet writer's
    /// first bytes still merge into an ordinary last page: the kernel looks at that page's flag, not the writer's.
    /// Returns the new state and how many bytes went in.
    private func fill(
        _ state: State, _ data: ArraySlice<UInt8>, mayMerge: Bool, mergeLength: Int? = nil, packet: Bool = false
    ) -> (State, Int) {
        var next = state
        var written = 0
        if mayMerge, let last = next.pages.last, !last.packet, !last.lent {
            let chars = (mergeLength ?? data.count) & (pageSize - 1)
            if chars > 0, last.offset + last.bytes.count + chars <= pageSize {
                next.appendToLastPage(data.prefix(chars))
                written = chars
            }
        }
        while written < data.count && next.pages.count < next.slots {
            let chunk = min(pageSize, data.count - written)
            next.appendPage(data.dropFirst(written).prefix(chunk), packet: packet)
            written += chunk
        }
        return (next, written)
    }
}

extension PipeModel.Input {
    /// The process that made the call.
    public var process: Int {
        switch self {
        case .write(let process, _, _), .writeAll(let process, _, _), .read(let process, _, _), .close(let process, _), .available(let process),
            .exit(let process), .fcntl(let process, _, _), .unseekable(let process, _, _), .readiness(let process, _, _),
            .writev(let process, _), .readv(let process, _), .status(let process, _), .create(let process, _), .splice(let process, _),
            .epoll(let process, _), .nestedEpoll(let process, _), .takeSignal(let process, _, _):
            process
        }
    }
}

extension PipeModel.Input {
    /// A nested wait's refusal before it looks at its instance (nil: none, or not a nested wait).
    var nestedWaitRefusal: ErrorCode? {
        guard case .nestedEpoll(_, let call) = self else { return nil }
        return call.plainWait?.waitRefusal
    }
}

extension Array where Element == Int {
    /// Removes one occurrence of `value`; false when there was none.
    fileprivate mutating func removeFirst(_ value: Int) -> Bool {
        guard let index = firstIndex(of: value) else { return false }
        remove(at: index)
        return true
    }
}
