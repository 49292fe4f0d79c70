/// `F_SETOWN`/`F_GETOWN` and `F_SETSIG`/`F_GETSIG`, as this kernel does them (measured in
/// `KernelDescriptorOwnerFactsTests`). Both belong to the open file description, like `O_NONBLOCK`: a `dup`'s or a
/// forked sharer's `F_SETOWN` is what every descriptor of that description reads, never the other end's. A pipe starts
/// with no owner (0) and signal 0 (`SIGIO`).
///
/// The trace names owners by its process numbers, not pids: the owner is one of its processes, the process group of
/// one (reported only as "a group": the trace does not say which processes a group holds), a process outside the trace
/// that exists (`other`), or none. `f_getown` reports an owner only while a task has that pid or group, so once the
/// owner may be gone — its process exited (a zombie still counts until reaped, which the trace does not show), or it
/// is outside the trace — either the owner or none may be read. `SIGIO` delivery (`O_ASYNC`) is not modelled.
///
/// `F_SETOWN_EX`/`F_GETOWN_EX` give the owner a type (measured in `KernelDescriptorOwnerFactsTests`): `F_OWNER_TID`
/// (a thread: the trace's process's main thread, whose id is its pid), `F_OWNER_PID` or `F_OWNER_PGRP` (the trace's
/// process's group, as `F_SETOWN`'s negative). `F_SETOWN` makes the type `F_OWNER_PID` (0 and pids) or
/// `F_OWNER_PGRP` (a negative). A description never given an owner reads `{F_OWNER_TID, 0}` (the kernel's zeroed
/// owner), one given 0 by `F_SETOWN` reads `{F_OWNER_PID, 0}`, and an owner gone reads pid 0 with its type kept. A
/// type other than the three is `EINVAL` before the pid is looked up; a pid no task has is `ESRCH` (a negative too).
extension PipeModel {
    /// `F_SETOWN_EX`'s and `F_GETOWN_EX`'s `type`.
    public enum OwnerType: Hashable, Sendable, CustomStringConvertible {
        /// `F_OWNER_TID` (0), `F_OWNER_PID` (1), `F_OWNER_PGRP` (2).
        case thread, process, group
        /// Any other number: `EINVAL`.
        case invalid(Int)

        public var description: String {
            switch self {
            case .thread: "F_OWNER_TID"
            case .process: "F_OWNER_PID"
            case .group: "F_OWNER_PGRP"
            case .invalid(let type): "type \(type)"
            }
        }
    }

    /// What `F_SETOWN` is given, in the trace's terms.
    public enum OwnerArgument: Hashable, Sendable, CustomStringConvertible {
        /// 0: no owner.
        case none
        /// The pid of the trace's process.
        case process(Int)
        /// Minus the process group of the trace's process.
        case group(Int)
        /// The pid or group of a process outside the trace, which exists (pid 1, say).
        case other
        /// A pid or group no process has: `ESRCH`.
        case missing
        /// `INT_MIN`, whose negation overflows: `EINVAL`.
        case invalid

        public var description: String {
            switch self {
            case .none: "0"
            case .process(let process): "process \(process)"
            case .group(let process): "the group of process \(process)"
            case .other: "a process outside the trace"
            case .missing: "a pid no process has"
            case .invalid: "INT_MIN"
            }
        }
    }

    /// What `F_GETOWN` reports, in the trace's terms (a negative is a group, which one not said).
    public enum OwnerReport: Hashable, Sendable {
        case none, group, other
        case process(Int)
    }

    /// A description's owner and its type (none recorded: never set, no owner, `F_OWNER_TID`) and whether it may be
    /// gone.
    public struct OwnerRecord: Hashable, Sendable, Comparable {
        public var description: Description
        public var owner: OwnerArgument
        public var mayBeGone: Bool
        public var type: OwnerType = .process

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }
    }

    /// A description's `F_SETSIG` signal (none recorded: 0).
    public struct SignalRecord: Hashable, Sendable, Comparable {
        public var description: Description
        public var signal: Int

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }
    }

    /// `_NSIG - 1`: the largest signal `F_SETSIG` takes (`valid_signal`).
    static let largestSignal = 64

    /// `F_SETOWN` in `f_setown`'s order (after the descriptor: `EBADF`): `INT_MIN` `EINVAL`, then a pid or group no task
    /// has `ESRCH`, the owner unchanged. A process of the trace that exited may be a zombie (taken) or reaped (`ESRCH`).
    func setOwnerTransitions(_ state: State, process: Int, end: End, owner: OwnerArgument) -> [(output: Output?, step: Step<State>)] {
        if case .group = owner { return setOwnerTransitions(state, process: process, end: end, type: .group, owner: owner) }
        return setOwnerTransitions(state, process: process, end: end, type: .process, owner: owner)
    }

    /// `F_SETOWN_EX` (and `F_SETOWN`, typed by its sign): a bad type `EINVAL` first, then as `F_SETOWN`; the trace's
    /// process as a group's owner means its group.
    func setOwnerTransitions(
        _ state: State, process: Int, end: End, type: OwnerType, owner: OwnerArgument
    ) -> [(output: Output?, step: Step<State>)] {
        if case .invalid = type { return [(.failed(.EINVAL), .completed(state))] }
        var owner = owner
        if type == .group, case .process(let leader) = owner { owner = .group(leader) }
        switch owner {
        case .invalid: return [(.failed(.EINVAL), .completed(state))]
        case .missing: return [(.failed(ErrorCode("ESRCH")), .completed(state))]
        default: break
        }
        var next = state
        let key = state.description(of: process, end)
        next.owners.removeAll { $0.description == key }
        var gone = false
        switch owner {
        case .process(let owner), .group(let owner): gone = state.exited.contains(owner)
        case .other: gone = true
        default: break
        }
        next.owners.append(OwnerRecord(description: key, owner: owner, mayBeGone: gone, type: type))
        next.owners.sort()
        var outcomes: [(output: Output?, step: Step<State>)] = [(.flagsSet, .completed(next))]
        if gone && owner != .other { outcomes.append((.failed(ErrorCode("ESRCH")), .completed(state))) }
        return outcomes
    }

    /// `F_GETOWN` (or, `typed`, `F_GETOWN_EX`): the description's owner, or none; one that may be gone may also read
    /// none.
    func getOwnerTransitions(_ state: State, process: Int, end: End, typed: Bool = false) -> [(output: Output?, step: Step<State>)] {
        let key = state.description(of: process, end)
        let record = state.owners.first { $0.description == key }
        let report: OwnerReport
        switch record?.owner {
        case .process(let owner)?: report = .process(owner)
        case .group?: report = .group
        case .none?, nil: report = .none
        // Pid 1 (or its group, which may have no member: then none) stands for a process outside the trace.
        default: report = record?.type == .group ? .group : .other
        }
        let reports = record?.mayBeGone == true && report != .none ? [report, .none] : [report]
        let type = record?.type ?? .thread
        return reports.map { report in (typed ? .ownerEx(type, report) : .owner(report), .completed(state)) }
    }

    /// `F_SETSIG`: 0 through `_NSIG - 1` set the description's signal; anything else `EINVAL`, unchanged.
    func setSignalTransitions(_ state: State, process: Int, end: End, signal: Int) -> [(output: Output?, step: Step<State>)] {
        guard (0...Self.largestSignal).contains(signal) else { return [(.failed(.EINVAL), .completed(state))] }
        var next = state
        let key = state.description(of: process, end)
        next.signals.removeAll { $0.description == key }
        if signal != 0 {
            next.signals.append(SignalRecord(description: key, signal: signal))
            next.signals.sort()
        }
        return [(.flagsSet, .completed(next))]
    }

    /// `F_GETSIG`: the description's signal (0 unless set).
    func getSignal(_ state: State, process: Int, end: End) -> Output {
        let key = state.description(of: process, end)
        return .signal(state.signals.first { $0.description == key }?.signal ?? 0)
    }
}

extension PipeModel.State {
    /// `process` exited: an owner that is it, or its group, may be gone from now on.
    mutating func ownerExited(_ process: Int) {
        if !exited.contains(process) { exited = (exited + [process]).sorted() }
        for index in owners.indices {
            switch owners[index].owner {
            case .process(process), .group(process): owners[index].mayBeGone = true
            default: break
            }
        }
    }
}

extension PipeModel.OwnerType {
    /// The trace's name for the type ("tid", "pid", "pgrp"), or the number a call gave.
    var json: JSONValue {
        switch self {
        case .thread: "tid"
        case .process: "pid"
        case .group: "pgrp"
        case .invalid(let number): .int(number)
        }
    }
}

extension PipeModel.OwnerArgument {
    /// The owner as a process group's: the group of the trace's process (`F_OWNER_PGRP`), others as they are.
    public var asGroup: Self {
        if case .process(let process) = self { return .group(process) }
        return self
    }
}
