/// A descriptor's own flag, `FD_CLOEXEC`, and `dup2`/`dup3`, as this kernel does them (measured in
/// `KernelDescriptorFlagFactsTests`). The flag belongs to the number, not to the open file description `F_SETFL`
/// changes: every copy takes the flag of the call that made it (`dup`, `F_DUPFD`, `dup2` clear it; `F_DUPFD_CLOEXEC`,
/// `dup3(O_CLOEXEC)`, `pipe2(O_CLOEXEC)` set it) and `F_SETFD` changes one descriptor only.
///
/// The model keeps a process's descriptors of an end as a count, not as numbers, so a trace's `F_GETFD` or `F_SETFD`
/// does not say *which* of several descriptors it reached: the model follows every one it may have been (one branch
/// per kind of descriptor held — set, clear, or not known), and so never judges a flag it cannot know. Descriptors
/// of a pipe made before the trace have a flag the trace does not give unless `params` say (`closeOnExec`).
extension PipeModel {
    /// What is known of one descriptor's `FD_CLOEXEC`.
    public enum CloseOnExec: Hashable, Sendable, Comparable {
        case set, clear, unknown
    }

    /// One descriptor whose `FD_CLOEXEC` is set or not known; a process's other descriptors of that end have it clear.
    public struct DescriptorFlag: Hashable, Sendable, Comparable {
        public var process: Int
        public var end: End
        /// True: `FD_CLOEXEC` set; false: not known.
        public var known: Bool

        public static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.process, lhs.end.rawValue, lhs.known ? 1 : 0) < (rhs.process, rhs.end.rawValue, rhs.known ? 1 : 0)
        }
    }

    /// Where `dup2` or `dup3` puts its copy, named without numbers (the model has none): the old descriptor's own
    /// number, a free number, a number held by a descriptor of something else, or a number held by another of this
    /// pipe's descriptors of the process (`end`), which the call closes — one holder fewer. `same`: a number held by
    /// another descriptor of an object with one kind of descriptor (an eventfd's, `"onto": "eventfd"`; never a pipe's).
    public enum DuplicateTarget: Hashable, Sendable, CustomStringConvertible {
        case itself, free, other, same
        case end(End)

        public var description: String {
            switch self {
            case .itself: "self"
            case .free: "free"
            case .other: "other"
            case .same: "eventfd"
            case .end(let end): end.rawValue
            }
        }
    }

    /// `dup2` (`flags` nil) or `dup3` with its flags: `O_CLOEXEC` (`closeOnExec`) and any other bits, as given.
    public struct DuplicateCall: Hashable, Sendable, CustomStringConvertible {
        public var target: DuplicateTarget
        /// The new number, when the trace gives it: at or above `RLIMIT_NOFILE` it fails `EBADF`.
        public var number: Int?
        /// nil: `dup2`. Else `dup3`, whose `closeOnExec` is `O_CLOEXEC`.
        public var closeOnExec: Bool?
        public var otherBits: Int

        public init(target: DuplicateTarget, number: Int? = nil, closeOnExec: Bool? = nil, otherBits: Int = 0) {
            self.target = target
            self.number = number
            self.closeOnExec = closeOnExec
            self.otherBits = otherBits
        }

        public var name: String { closeOnExec == nil ? "dup2" : "dup3" }

        public var description: String {
            var flags: [String] = []
            if closeOnExec == true { flags.append("O_CLOEXEC") }
            if otherBits != 0 { flags.append("0x" + String(otherBits, radix: 16)) }
            let onto = number.map { "\(target) (\($0))" } ?? "\(target)"
            return "\(name) onto \(onto)" + (closeOnExec == nil ? "" : ", " + (flags.isEmpty ? "0" : flags.joined(separator: "|")))
        }
    }

    /// `F_GETFD`: for each kind of descriptor `process` may have reached, its flag (one not known may be either, and
    /// is known afterwards); `EBADF` when it holds no such end.
    func getDescriptorFlagTransitions(_ state: State, process: Int, end: End) -> [(output: Output?, step: Step<State>)] {
        let kinds = state.closeOnExecKinds(of: process, end)
        guard !kinds.isEmpty else { return [(.failed(.EBADF), .completed(state))] }
        var result: [(output: Output?, step: Step<State>)] = []
        for kind in kinds {
            switch kind {
            case .set: result.append((.descriptorFlags(closeOnExec: true), .completed(state)))
            case .clear: result.append((.descriptorFlags(closeOnExec: false), .completed(state)))
            case .unknown:
                for value in [true, false] {
                    var next = state
                    next.replaceDescriptor(of: process, end, kind: .unknown, with: value ? .set : .clear)
                    result.append((.descriptorFlags(closeOnExec: value), .completed(next)))
                }
            }
        }
        return result
    }

    /// `F_SETFD`: one of `process`'s descriptors of `end` (whichever it was) gets the flag; `EBADF` when it holds none.
    func setDescriptorFlagTransitions(_ state: State, process: Int, end: End, closeOnExec: Bool) -> [(output: Output?, step: Step<State>)] {
        let kinds = state.closeOnExecKinds(of: process, end)
        guard !kinds.isEmpty else { return [(.failed(.EBADF), .completed(state))] }
        return Self.distinct(kinds.map { kind in
            var next = state
            next.replaceDescriptor(of: process, end, kind: kind, with: closeOnExec ? .set : .clear)
            return next
        }).map { (.flagsSet, .completed($0)) }
    }

    /// `dup2`/`dup3` in `ksys_dup3`'s order: `dup3`'s flags other than `O_CLOEXEC` `EINVAL`; the same number — `dup2`
    /// returns it, changing nothing (`EBADF` if it is not open), `dup3` `EINVAL`; a new number at or above
    /// `RLIMIT_NOFILE` `EBADF`; an old descriptor not held `EBADF`. Then the copy is installed with the call's flag and
    /// what the number held is closed: a descriptor of this pipe is one holder fewer (end of file or `EPIPE` may
    /// follow), a free number is one fewer free. It never fails `EMFILE`: the number is chosen, not searched for.
    func duplicateOntoTransitions(_ state: State, process: Int, end: End, call: DuplicateCall) -> [(output: Output?, step: Step<State>)] {
        let held = end == .read ? state.readers.contains(process) : state.writers.contains(process)
        let known = state.descriptorLimits.first { $0.process == process }
        let checks = Self.duplicateOntoChecks(call, held: held, known: known)
        if let ended = checks.ended { return [(ended, .completed(state))] }
        var outcomes: [(output: Output?, step: Step<State>)] = checks.badDescriptorToo ? [(.failed(.EBADF), .completed(state))] : []
        var installed = state
        switch end {
        case .read: installed.readers = (installed.readers + [process]).sorted()
        case .write: installed.writers = (installed.writers + [process]).sorted()
        }
        installed.addDescriptorFlag(of: process, end, call.closeOnExec == true ? .set : .clear)
        switch call.target {
        case .itself, .same: return []
        case .other: outcomes.append((.duplicated, .completed(installed)))
        case .free:
            if let known, known.free <= 0 { return outcomes }  // no free number below the limit: the trace is wrong
            installed.changeFreeDescriptors(of: process, by: -1)
            outcomes.append((.duplicated, .completed(installed)))
        case .end(let replaced):
            // The number held another descriptor of this pipe: not the old one (that is `itself`).
            let others = state.heldCount(of: process, replaced) - (replaced == end ? 1 : 0)
            guard others > 0 else { return outcomes }
            for kind in state.closeOnExecKinds(of: process, replaced) {
                var next = installed
                switch replaced {
                case .read: _ = next.readers.firstIndex(of: process).map { next.readers.remove(at: $0) }
                case .write: _ = next.writers.firstIndex(of: process).map { next.writers.remove(at: $0) }
                }
                next.removeDescriptorFlag(of: process, replaced, kind: kind)
                if !outcomes.contains(where: { $0.step.state == next }) { outcomes.append((.duplicated, .completed(next))) }
            }
        }
        return outcomes
    }

    /// `ksys_dup3`'s checks before the copy, in its order (the FIFO model's `dup2`/`dup3` too): the output that ends
    /// the call — `dup3`'s bad flags or own number `EINVAL`, `dup2`'s own number itself (`EBADF` not held), a number at
    /// or above a known limit `EBADF`, an old descriptor not held `EBADF` — or nil, and whether a limit the trace does
    /// not give allows `EBADF` beside the copy (for a free or given number).
    static func duplicateOntoChecks(_ call: DuplicateCall, held: Bool, known: DescriptorLimit?) -> (ended: Output?, badDescriptorToo: Bool) {
        if call.closeOnExec != nil && call.otherBits != 0 { return (.failed(.EINVAL), false) }
        if call.target == .itself {
            if call.closeOnExec != nil { return (.failed(.EINVAL), false) }
            return (held ? .duplicated : .failed(.EBADF), false)
        }
        if let known, let number = call.number, number >= known.limit { return (.failed(.EBADF), false) }
        guard held else { return (.failed(.EBADF), false) }
        return (nil, known == nil && (call.number != nil || call.target == .free))
    }

    static func distinct(_ states: [State]) -> [State] {
        var result: [State] = []
        for state in states where !result.contains(state) { result.append(state) }
        return result
    }
}

extension PipeModel.State {
    /// How many descriptors of `end` `process` holds.
    func heldCount(of process: Int, _ end: PipeModel.End) -> Int {
        (end == .read ? readers : writers).reduce(0) { $0 + ($1 == process ? 1 : 0) }
    }

    /// The kinds of descriptor of `end` that `process` holds (none when it holds no such end).
    func closeOnExecKinds(of process: Int, _ end: PipeModel.End) -> [PipeModel.CloseOnExec] {
        let held = heldCount(of: process, end)
        let set = descriptorFlags.filter { $0.process == process && $0.end == end && $0.known }.count
        let unknown = descriptorFlags.filter { $0.process == process && $0.end == end && !$0.known }.count
        var kinds: [PipeModel.CloseOnExec] = []
        if set > 0 { kinds.append(.set) }
        if held - set - unknown > 0 { kinds.append(.clear) }
        if unknown > 0 { kinds.append(.unknown) }
        return kinds
    }

    /// Records one more descriptor of `end` held by `process` with the flag `kind` (clear ones are not recorded).
    mutating func addDescriptorFlag(of process: Int, _ end: PipeModel.End, _ kind: PipeModel.CloseOnExec) {
        guard kind != .clear else { return }
        descriptorFlags.append(PipeModel.DescriptorFlag(process: process, end: end, known: kind == .set))
        descriptorFlags.sort()
    }

    /// Forgets one descriptor of `end` held by `process` with the flag `kind` (its holder is removed by the caller).
    mutating func removeDescriptorFlag(of process: Int, _ end: PipeModel.End, kind: PipeModel.CloseOnExec) {
        guard kind != .clear,
            let index = descriptorFlags.firstIndex(where: { $0.process == process && $0.end == end && $0.known == (kind == .set) })
        else { return }
        descriptorFlags.remove(at: index)
    }

    /// One descriptor of `kind` now has the flag `new`.
    mutating func replaceDescriptor(of process: Int, _ end: PipeModel.End, kind: PipeModel.CloseOnExec, with new: PipeModel.CloseOnExec) {
        removeDescriptorFlag(of: process, end, kind: kind)
        addDescriptorFlag(of: process, end, new)
    }

    /// Forgets every flag of `process`'s descriptors (it exited).
    mutating func removeDescriptorFlags(of process: Int) {
        descriptorFlags.removeAll { $0.process == process }
    }
}
