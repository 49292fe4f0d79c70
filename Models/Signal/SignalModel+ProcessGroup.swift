// Sends to a process group, to the sender's own group and to every process: `killpg` (its trace form without `group`
// names the group whose id is the receiver's pid, as the harness's `killpg(receiver, sig)`), `killpg` of a group the
// trace names (`"group": G`; 0 the sender's own), `kill` of 0 (the sender's own group), of -G (group G) and of -1
// (every process it may signal), and `pidfd_send_signal` with `PIDFD_SIGNAL_PROCESS_GROUP` (a pidfd or a self
// sentinel of the receiver: the kernel's `kill_pgrp_info` of the receiver's `struct pid` as a group id).
//
// Measured on this kernel (`ProcessGroupSignalFactsTests`, `SignalPermissionFactsTests`, C probes; LTP `kill02`,
// `killpg01`, `killpg02`, Open POSIX `kill/2-1`, `killpg/1-1`…`8-1`):
// - A group send reaches every member the sender may signal (see `SignalModel+Credentials.swift`) — the sender too,
//   when it is one — and succeeds when one member got it; when none did, `EPERM` if one was refused (signal 0 too),
//   `ESRCH` when the group has no member (even for a bad number); a bad number with a member `EINVAL`.
// - `kill(0, …)`, `killpg(0, …)` and `killpg(getpgrp(), …)` are the sender's own group: they never fail but for a bad
//   number, since the sender may signal itself. glibc's `killpg` of a negative group fails `EINVAL` before the call.
// - `kill(-1, …)` reaches every process the sender may signal but itself and init, and succeeds when there was any
//   other process — even when it could signal none of them (the kernel's `kill_something_info` ignores `EPERM`;
//   measured in a PID namespace: a uid-65534 sender among root processes gets 0, nothing sent); `ESRCH` only when no
//   other process exists, then even for a bad number; `EINVAL` for a bad number otherwise.
// - A process in a group it does not lead gets `ESRCH` from a send to the group its pid names — through its pidfd,
//   `PIDFD_SELF_THREAD` and `PIDFD_SELF_THREAD_GROUP` alike, for signal 0 and 65 too — and nothing is pending after;
//   once it has called `setpgid(0, 0)` the same send is pending for it.
//
// The set-up says the receiver's group: params `"processGroup"`: `"own"`, the receiver leads a group of which it is the
// only member (the harness's receiver calls `setpgid(0, 0)` as it sets up); `"other"`, it is in a group it does not
// lead, so its pid names no group; or `{"id": G, "members": [P, ...]}`, its group's id and every member (the receiver
// among them; each a member until its exit in the trace; without `members`, the others are not known). A trace that
// does not say (a user's receiver, an strace import) may show anything the kernel could give: the model allows every
// outcome of each way the group could be — a send reaching the receiver or not, and what the unknown members add.
// Not covered: a receiver that led a group and left it while others stayed in it (its pid still names that group).
extension SignalModel {
    /// What the set-up says of the receiver's process group.
    public enum ProcessGroup: String, Hashable, Sendable {
        /// It leads a group of its own, its only member (the harness's receiver).
        case own
        /// It is in a group it does not lead: no group has its pid as id.
        case other
    }

    /// The receiver's process group as the set-up states it (params `"processGroup": {"id", "members"}`).
    public struct GroupMembership: Hashable, Sendable {
        public var id: Int
        /// Every member still in it (the receiver among them while it lives); nil when the set-up does not say.
        public var members: [Int]?

        public init(id: Int, members: [Int]?) {
            self.id = id
            self.members = members
        }
    }

    /// Where a `kill` or `killpg` is aimed when the trace names its target.
    public enum SendTarget: Hashable, Sendable {
        /// `kill(0, …)`, `killpg(0, …)`: the sender's own group.
        case ownGroup
        /// `killpg(G, …)`, `kill(-G, …)`: group G (`killpg` of a negative one: glibc's `EINVAL`).
        case group(Int)
        /// `kill(-1, …)`: every process the sender may signal, but itself and init.
        case everyone
    }

    /// One way a group send may find the group: whether the receiver is in it, its other members (nil: not known), and
    /// whether the sender is one of them.
    struct GroupReach: Hashable {
        var receiverIn: Bool
        var others: [Int]?
        var senderMember: Bool
    }

    /// What the members other than the receiver add to a group send's result, as the kernel's loop keeps it.
    enum Aggregate: Int, Comparable, Hashable {
        case nobody = 0, refused, reached
        static func < (left: Aggregate, right: Aggregate) -> Bool { left.rawValue < right.rawValue }
    }

    /// The outcomes of every send (`kill`, `sigqueue`, `tgkill`, `pidfd_send_signal`, …) as the set-up's groups and
    /// credentials allow them; nil for any other call.
    func sendOutcomes(_ state: State, _ input: Input) -> [(output: Output, next: State)]? {
        let leading: (output: Output, next: State)
        let reaches: [GroupReach]
        let sender: Int, signal: Int
        switch input {
        case .targetedSend(let process, let number, let call, let target):
            if call == .killpg, case .group(let id) = target, id < 0 { return [(.failed(.EINVAL), state)] }
            guard let outcome = callOutcome(of: .send(process: process, signal: number, method: .killpg, value: 0), in: state) else { return nil }
            (leading, sender, signal) = (outcome, process, number)
            switch target {
            case .everyone:
                let reach = GroupReach(receiverIn: process != state.receiver, others: nil, senderMember: false)
                return spreadOutcomes(state, sender: sender, signal: signal, reaches: [reach], leading: leading, everyone: true)
            case .ownGroup: reaches = ownGroupReaches(state, sender: process)
            case .group(let id): reaches = groupReaches(state, sender: process, id: id)
            }
        case .send(let process, let number, .killpg, _):
            guard let outcome = callOutcome(of: input, in: state) else { return nil }
            (leading, sender, signal) = (outcome, process, number)
            reaches = groupReaches(state, sender: process, id: state.receiver)
        case .pidfdSend(let process, let number, let send) where send.scope == .processGroup:
            if let refusal = pidfdRefusal(state, process: process, signal: number, send: send) { return [(.failed(refusal), state)] }
            (leading, sender, signal) = (pidfdSendOutcome(state, process: process, signal: number, send: send), process, number)
            reaches = groupReaches(state, sender: process, id: state.receiver)
        case .send(let process, let number, _, _):
            guard let outcome = callOutcome(of: input, in: state) else { return nil }
            return permissionOutcomes(state, sender: process, target: state.receiver, signal: number, outcome)
        case .pidfdSend(let process, let number, let send):
            let outcome = pidfdSendOutcome(state, process: process, signal: number, send: send)
            return permissionOutcomes(state, sender: process, target: state.receiver, signal: number, outcome)
        default:
            return nil
        }
        return spreadOutcomes(state, sender: sender, signal: signal, reaches: reaches, leading: leading, everyone: false)
    }

    /// The ways group `id` may find the receiver and its other members, as the set-up says the receiver's group.
    func groupReaches(_ state: State, sender: Int, id: Int) -> [GroupReach] {
        let unknown = GroupReach(receiverIn: false, others: nil, senderMember: false)
        if let group = state.group {
            guard id == group.id else { return [unknown] }
            return [GroupReach(receiverIn: true, others: group.members?.filter { $0 != state.receiver }, senderMember: group.members?.contains(sender) ?? false)]
        }
        switch (state.processGroup, id == state.receiver) {
        case (.own?, true): return [GroupReach(receiverIn: true, others: [], senderMember: sender == state.receiver)]
        case (.own?, false): return [unknown]
        // No group has its pid as id.
        case (.other?, true): return [GroupReach(receiverIn: false, others: [], senderMember: false)]
        // Alive, its pid names a group only if it leads it; gone, a group it led may keep other members.
        case (nil, true):
            guard state.alive else { return [unknown] }
            return [GroupReach(receiverIn: true, others: nil, senderMember: false), GroupReach(receiverIn: false, others: [], senderMember: false)]
        case (.other?, false), (nil, false):
            return [unknown, GroupReach(receiverIn: true, others: nil, senderMember: false)]
        }
    }

    /// The ways the sender's own group may find the receiver: the sender is in it, so it never lacks a member.
    func ownGroupReaches(_ state: State, sender: Int) -> [GroupReach] {
        if sender == state.receiver {
            if let group = state.group { return [GroupReach(receiverIn: true, others: group.members?.filter { $0 != state.receiver }, senderMember: true)] }
            return [GroupReach(receiverIn: true, others: state.processGroup == .own ? [] : nil, senderMember: true)]
        }
        let elsewhere = GroupReach(receiverIn: false, others: nil, senderMember: true)
        if let group = state.group, let members = group.members {
            guard members.contains(sender) else { return [elsewhere] }
            return [GroupReach(receiverIn: true, others: members.filter { $0 != state.receiver }, senderMember: true)]
        }
        // The receiver alone in its group cannot share the sender's.
        if state.group == nil && state.processGroup == .own { return [elsewhere] }
        return [elsewhere, GroupReach(receiverIn: true, others: nil, senderMember: true)]
    }

    /// The kernel's loop over a group (`__kill_pgrp_info`) or over every process (`kill_something_info` of -1) for each
    /// way the group may be: the receiver's part (`leading` when it gets the signal) and what the others add.
    func spreadOutcomes(_ state: State, sender: Int, signal: Int, reaches: [GroupReach], leading: (output: Output, next: State),
        everyone: Bool) -> [(output: Output, next: State)] {
        var outcomes: [(output: Output, next: State)] = []
        func add(_ output: Output, _ next: State) {
            if !outcomes.contains(where: { $0.output == output && $0.next == next }) { outcomes.append((output, next)) }
        }
        for reach in reaches {
            let receiverIn = reach.receiverIn && state.alive
            var others: Set<Aggregate> = [.nobody]
            if reach.senderMember && sender != state.receiver {
                others = [.reached]
            } else if let members = reach.others {
                for member in members where member != state.receiver {
                    let permission = permitted(state, sender: sender, target: member, signal: signal)
                    let parts: [Aggregate] = permission.map { [$0 ? .reached : .refused] } ?? [.reached, .refused]
                    others = Set(others.flatMap { sum in parts.map { max(sum, $0) } })
                }
            } else {
                others = [.nobody, .refused, .reached]
            }
            guard (0...Self.last).contains(signal) else {
                // Every member refuses a bad number; with none, the group is not found.
                for sum in others { add(receiverIn || sum != .nobody ? .failed(.EINVAL) : .failed(.ESRCH), state) }
                continue
            }
            // The receiver's part: it gets the signal, or is refused, or is not in the group.
            var mine: [(output: Output?, next: State)] = []
            if receiverIn {
                switch permitted(state, sender: sender, target: state.receiver, signal: signal) {
                case true?: mine = [leading]
                case false?: mine = [(.failed(.EPERM), state)]
                case nil: mine = [leading, (.failed(.EPERM), state)]
                }
            } else {
                mine = [(nil, state)]
            }
            for part in mine {
                for sum in others {
                    if everyone {
                        // Refusals are not errors here: any other process makes it succeed.
                        add(part.output != nil || sum != .nobody ? .sent : .failed(.ESRCH), part.output == .sent ? part.next : state)
                    } else if part.output == .sent {
                        add(.sent, part.next)
                    } else if sum == .reached {
                        add(.sent, state)
                    } else if let failure = part.output {
                        add(failure, state)
                        if sum == .refused { add(.failed(.EPERM), state) }
                    } else {
                        add(sum == .refused ? .failed(.EPERM) : .failed(.ESRCH), state)
                    }
                }
            }
        }
        return outcomes
    }

    /// A member of the receiver's group has exited: it is no longer one.
    static func departed(_ state: State, _ process: Int) -> State {
        guard let members = state.group?.members, members.contains(process) else { return state }
        var next = state
        next.group?.members = members.filter { $0 != process }
        return next
    }

    /// params `processGroup`: `"own"`, `"other"`, or `{"id": G, "members": [P, ...]?}`.
    static func processGroup(_ value: JSONValue?) throws(ModelError) -> (ProcessGroup?, GroupMembership?) {
        guard let value else { return (nil, nil) }
        if case .object = value {
            let value: JSONValue? = value
            let members = try value.optional("members").map { (members) throws(ModelError) in
                try members.elements("members").map { (member) throws(ModelError) in try member.integer("members", in: 1...Int(Int32.max)) }
            }
            return (nil, GroupMembership(id: try value.required("id").integer("id", in: 1...Int(Int32.max)), members: members))
        }
        let name = try value.text("processGroup")
        guard let group = ProcessGroup(rawValue: name) else {
            throw ModelError("parameter 'processGroup' must be \"own\" (the receiver leads a group of its own), \"other\" (it does not lead its group) or {\"id\": G, \"members\": [P, ...]}, not \"\(name)\"")
        }
        return (group, nil)
    }
}
