// Sends to a process group: `killpg` (the trace form's group is the one whose id is the receiver's pid, as the
// harness's `killpg(receiver, sig)`) and `pidfd_send_signal` with `PIDFD_SIGNAL_PROCESS_GROUP` (a pidfd or a self
// sentinel of the receiver: the kernel's `kill_pgrp_info` of the receiver's `struct pid` as a group id). Both reach the
// receiver only when it leads its group. Measured on this kernel (`ProcessGroupSignalFactsTests`, a C probe): a process
// in a group it does not lead gets `ESRCH` from either — through its pidfd, `PIDFD_SELF_THREAD` and
// `PIDFD_SELF_THREAD_GROUP` alike, for signal 0 and 65 too (no member: nothing to check the number against) — and
// nothing is pending after; once it has called `setpgid(0, 0)` the same send is pending for it.
//
// The set-up says which (params `"processGroup"`): `"own"`, the receiver leads a group of which it is the only member
// (the harness's receiver calls `setpgid(0, 0)` as it sets up); `"other"`, it is in a group it does not lead, so its
// pid names no group. A trace that does not say (a user's receiver, an strace import) may show either, so the model
// allows both: a send reaching the receiver, or `ESRCH` sending nothing — and, once the receiver is gone, what a
// group with other members would give (`ok` sending nothing, `EINVAL` for a bad number) beside `ESRCH`.
// Not covered: a receiver that led a group and left it while others stayed in it (its pid still names that group:
// a send succeeds and reaches the others only).
extension SignalModel {
    /// What the set-up says of the receiver's process group.
    public enum ProcessGroup: String, Hashable, Sendable {
        /// It leads a group of its own, its only member (the harness's receiver).
        case own
        /// It is in a group it does not lead: no group has its pid as id.
        case other
    }

    /// The outcomes of a send to the receiver's process group (`killpg`, `PIDFD_SIGNAL_PROCESS_GROUP`) as the set-up
    /// allows them; nil for any other call.
    func groupSendOutcomes(_ state: State, _ input: Input) -> [(output: Output, next: State)]? {
        let leading: (output: Output, next: State)
        let signal: Int
        switch input {
        case .send(_, let number, .killpg, _):
            guard let outcome = callOutcome(of: input, in: state) else { return nil }
            leading = outcome
            signal = number
        case .pidfdSend(let process, let number, let send) where send.scope == .processGroup:
            if let refusal = pidfdRefusal(state, process: process, signal: number, send: send) { return [(.failed(refusal), state)] }
            leading = pidfdSendOutcome(state, process: process, signal: number, send: send)
            signal = number
        default:
            return nil
        }
        switch state.processGroup {
        case .own: return [leading]
        case .other: return [(.failed(.ESRCH), state)]
        case nil:
            var outcomes = [leading, (.failed(.ESRCH), state)]
            // Gone: a group it led may still have other members, which take the send (or refuse a bad number).
            if !state.alive { outcomes.append(((0...Self.last).contains(signal) ? .sent : .failed(.EINVAL), state)) }
            return outcomes
        }
    }

    static func processGroup(_ value: JSONValue?) throws(ModelError) -> ProcessGroup? {
        guard let value else { return nil }
        let name = try value.text("processGroup")
        guard let group = ProcessGroup(rawValue: name) else {
            throw ModelError("parameter 'processGroup' must be \"own\" (the receiver leads a group of its own) or \"other\" (it does not lead its group), not \"\(name)\"")
        }
        return group
    }
}
