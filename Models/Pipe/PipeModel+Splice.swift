/// `splice`, `tee` and `vmsplice` with the followed pipe on one side and, on the other, something the trace does not
/// follow (a regular file, `/dev/null`, user memory, a pipe private to the worker): an operation on one pipe. Measured
/// on this kernel (6.18) in `KernelSpliceFactsTests`:
/// - Each call but `tee` holds the pipe's lock from start to end: one atomic step. `splice` out of the pipe and
///   `vmsplice` into user memory take `min(len, buffered)` bytes like a read, but across packet boundaries (an
///   `O_DIRECT` pipe's packets are not read alone; a packet partly taken stays a packet). On an empty pipe: 0 with no
///   writer, else they sleep (`EINTR` asleep, no effect) or fail `EAGAIN`.
/// - `splice` from a file into the pipe and `vmsplice` of user memory into it wait once for a free slot (`EPIPE` first
///   when no reader is left; `EAGAIN` when full and nonblocking), then add what fits and return: never atomic, never in
///   pieces (a blocking 10000-byte `vmsplice` with one slot free returns 4096 or less). Their buffers are the file's or
///   the caller's pages lent to the pipe: split at page boundaries of the file position or of the user address (a
///   100-byte `vmsplice` straddling a page takes two slots), one slot each however few bytes, nothing ever merged into
///   them (100-byte splices fill a pipe at 1600 bytes), never packets, even on an `O_DIRECT` pipe.
/// - `tee` copies, without consuming, whole buffers from the front while the private pipe has free slots, the last cut
///   to `len`; on an empty pipe as `splice` out (0, `EAGAIN`, or asleep). Into the pipe itself: `EINVAL`. It is the one
///   call that lets go of the pipe between waiting and copying (from the kernel's source: `ipipe_prep`, then
///   `link_pipe`), so with another process holding a read end it may also return 0 on an empty pipe with writers.
/// - What makes a call nonblocking: `SPLICE_F_NONBLOCK`, or for `splice` and `tee` the pipe end's `O_NONBLOCK` (the
///   sink file's `O_NONBLOCK` does not count); `vmsplice` ignores the pipe's `O_NONBLOCK` (it blocks) either way.
/// - Errors, in the kernel's order: `splice` of 0 bytes returns 0 before anything is checked (even a bad descriptor or
///   bad flags), `tee` of 0 bytes after its flags only; then flags outside `SPLICE_F_MOVE|NONBLOCK|MORE|GIFT` fail
///   `EINVAL`, an end not held `EBADF`, an offset given for the pipe's side `ESPIPE`, the pipe into itself `EINVAL`
///   (`splice` into its own write end measured; the other orders from fs/splice.c). `vmsplice` checks flags
///   (`EINVAL`) then the descriptor (`EBADF`; its direction is the end's) then more than `IOV_MAX` vectors (`EINVAL`),
///   and only then returns 0 for 0 bytes.
extension PipeModel {
    /// `SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT`: any other flag bit fails `EINVAL`.
    public static let spliceFlagBits = 0xF

    /// What a `splice`, `tee` or `vmsplice` does with the pipe, and with what on the other side.
    public enum SpliceDirection: Hashable, Sendable {
        /// `splice` from the read end into a sink the trace does not follow (a file, `/dev/null`), or into the pipe's
        /// own write end (`intoSelf`: `EINVAL`).
        case toSink(max: Int, intoSelf: Bool)
        /// `splice` from a regular file into the write end: `data` is the file's bytes from `position` on, as many as
        /// the
        /// `max` asked for (fewer at the file's end).
        case fromFile(max: Int, data: [UInt8], position: Int)
        /// `tee` from the read end into a pipe private to the worker with `room` free slots (or into the pipe itself:
        /// `EINVAL`).
        case tee(max: Int, room: Int, intoSelf: Bool)
        /// `vmsplice` of user memory into the write end: piece `i` starts `offsets[i]` bytes into a page.
        case gather(pieces: [[UInt8]], offsets: [Int])
        /// `vmsplice` from the read end into user buffers of `sizes`, filled in order.
        case scatter(sizes: [Int])
    }

    /// One `splice`, `tee` or `vmsplice` call.
    public struct SpliceCall: Hashable, Sendable {
        public var direction: SpliceDirection
        /// `SPLICE_F_NONBLOCK`.
        public var nonblocking: Bool
        /// The other flag bits passed (`SPLICE_F_MOVE`, `SPLICE_F_MORE`, `SPLICE_F_GIFT` change nothing here).
        public var otherBits: Int
        /// An offset pointer given for the pipe's side of a `splice` (`ESPIPE`).
        public var pipeOffset: Bool

        public init(
            _ direction: SpliceDirection, nonblocking: Bool = false, otherBits: Int = 0, pipeOffset: Bool = false
        ) {
            self.direction = direction
            self.nonblocking = nonblocking
            self.otherBits = otherBits
            self.pipeOffset = pipeOffset
        }

        /// The end of the followed pipe the call uses.
        public var end: End {
            switch direction {
            case .toSink, .tee, .scatter: .read
            case .fromFile, .gather: .write
            }
        }

        var isVmsplice: Bool {
            switch direction {
            case .gather, .scatter: true
            case .toSink, .fromFile, .tee: false
            }
        }

        /// The bytes the call asks to move.
        public var requested: Int {
            switch direction {
            case .toSink(let max, _), .fromFile(let max, _, _), .tee(let max, _, _): max
            case .gather(let pieces, _): pieces.reduce(0) { $0 + $1.count }
            case .scatter(let sizes): sizes.reduce(0, +)
            }
        }

        var vectorCount: Int {
            switch direction {
            case .gather(let pieces, _): pieces.count
            case .scatter(let sizes): sizes.count
            case .toSink, .fromFile, .tee: 1
            }
        }

        var intoSelf: Bool {
            switch direction {
            case .toSink(_, let intoSelf), .tee(_, _, let intoSelf): intoSelf
            case .fromFile, .gather, .scatter: false
            }
        }
    }

    /// Every way the call may end from `state` (none while it sleeps).
    func spliceTransitions(_ state: State, process: Int, call: SpliceCall) -> [(output: Output?, step: Step<State>)] {
        spliceOutcomes(state, process: process, call: call).outcomes
    }

    /// Whether a signal may interrupt the call (`EINTR`, no effect): only while it sleeps, on an empty pipe with a
    /// writer or a full one with a reader.
    func spliceMayBeInterrupted(_ state: State, process: Int, call: SpliceCall) -> Bool {
        spliceOutcomes(state, process: process, call: call).sleeps
    }

    /// The call's completions from `state`, and whether it would sleep there instead.
    private func spliceOutcomes(
        _ state: State, process: Int, call: SpliceCall
    ) -> (outcomes: [(output: Output?, step: Step<State>)], sleeps: Bool) {
        let (outcomes, sleeps) = spliceSteps(state, process: process, call: call)
        guard case .tee = call.direction, state.bufferedCount == 0, !state.writers.isEmpty,
            state.readers.contains(where: { $0 != process }),
            sleeps || outcomes.map(\.output) == [.failed(.EAGAIN)]
        else { return (outcomes, sleeps) }
        // `tee` waits for bytes, lets go of the pipe, then takes it again to copy: another reader may have emptied it
        // in between, and the tee returns 0 with writers still there (fs/splice.c: ipipe_prep, then link_pipe).
        return (outcomes + [(.moved(0), .completed(state))], sleeps)
    }

    /// The call as the kernel makes it, one step under the pipe's lock: its completion, or none while it sleeps.
    private func spliceSteps(
        _ state: State, process: Int, call: SpliceCall
    ) -> (outcomes: [(output: Output?, step: Step<State>)], sleeps: Bool) {
        let unchanged = { (output: Output) in ([(output: Optional(output), step: Step<State>.completed(state))], false)
        }
        let nothing: Output = if case .scatter = call.direction { .read([]) } else { .moved(0) }
        let badFlags = call.otherBits & ~Self.spliceFlagBits != 0
        // `tee` checks its flags before its length; `splice` returns 0 for 0 bytes first.
        if case .tee = call.direction, badFlags { return unchanged(.failed(.EINVAL)) }
        if !call.isVmsplice && call.requested == 0 { return unchanged(nothing) }
        if badFlags { return unchanged(.failed(.EINVAL)) }
        guard holds(state, process, call.end), !call.intoSelf || holds(state, process, .write) else {
            return unchanged(.failed(.EBADF))
        }
        if call.isVmsplice {
            if call.vectorCount > Self.maximumVectors { return unchanged(.failed(.EINVAL)) }
            if call.requested == 0 { return unchanged(nothing) }
        }
        if call.pipeOffset { return unchanged(.failed(.ESPIPE)) }
        if call.intoSelf { return unchanged(.failed(.EINVAL)) }
        let nonblocking = call.nonblocking || (!call.isVmsplice && state.isNonblocking(process, call.end))
        if call.end == .read {
            if state.bufferedCount == 0 {
                if state.writers.isEmpty { return unchanged(nothing) }
                return nonblocking ? unchanged(.failed(.EAGAIN)) : ([], true)
            }
            switch call.direction {
            case .tee(let max, let room, _):
                let copied = state.pages.prefix(room).reduce(0) { $0 + $1.bytes.count }
                return unchanged(.moved(Swift.min(max, copied)))
            case .scatter:
                var next = state
                let bytes = next.consume(call.requested, packets: false)
                return ([(.read(bytes), .completed(next))], false)
            default:
                var next = state
                let bytes = next.consume(call.requested, packets: false)
                return ([(.moved(bytes.count), .completed(next))], false)
            }
        }
        if state.readers.isEmpty { return unchanged(.failed(.EPIPE)) }
        if state.pages.count >= state.slots { return nonblocking ? unchanged(.failed(.EAGAIN)) : ([], true) }
        var next = state
        var moved = 0
        for (bytes, offset) in lentPieces(call.direction) {
            var taken = 0
            var pageOffset = offset % pageSize
            while taken < bytes.count && next.pages.count < next.slots {
                let chunk = Swift.min(bytes.count - taken, pageSize - pageOffset)
                next.appendPage(bytes.dropFirst(taken).prefix(chunk), lent: true)
                taken += chunk
                pageOffset = 0
            }
            moved += taken
            if taken < bytes.count { break }
        }
        return ([(.moved(moved), .completed(next))], false)
    }

    /// The byte runs a call lends to the pipe, each with where it starts within a page.
    private func lentPieces(_ direction: SpliceDirection) -> [(ArraySlice<UInt8>, Int)] {
        switch direction {
        case .fromFile(_, let data, let position): [(data[...], position)]
        case .gather(let pieces, let offsets):
            pieces.enumerated().map { ($1[...], $0 < offsets.count ? offsets[$0] : 0) }
        case .toSink, .tee, .scatter: []
        }
    }

    private func holds(_ state: State, _ process: Int, _ end: End) -> Bool {
        end == .read ? state.readers.contains(process) : state.writers.contains(process)
    }
}
