/// `SO_PASSPIDFD` and `SCM_PIDFD`, and `SO_PEERPIDFD` (see ``option(_:_:)``), measured in `UnixSocketPidfdFactsTests`
/// (C probes first; the kernel selftest `net/af_unix/scm_pidfd.c`):
/// - The kernel records the sending process with a message (`UNIXCB(skb).pid`) only when the sending or the
///   receiving socket has `SO_PASSPIDFD` at the send (`unix_may_passcred`; measured: a message queued before the
///   receiver set it carries nothing, one sent while it was set does, and so does one a sender with the option set
///   sent); a receiver with `SO_PASSPIDFD` set at the receive gets, with each such datagram or record, an
///   `SCM_PIDFD` control message holding a new pidfd of that process. The model keeps each message's sending trace
///   process (0: not recorded) and reports it as the receipt's `pidfd`.
/// - Without control room (`maxFiles` 0: no control buffer) the pidfd is not installed and the receipt says
///   `MSG_CTRUNC` (`filesTruncated`); any room for a descriptor (`CMSG_SPACE(sizeof(int))`) holds it.
/// - The pidfd stays valid after the sender exits (`POLLIN`), and after it was reaped (`Pid: -1`, `POLLIN|POLLHUP`):
///   a trace names the process either way.
/// - Not judged: a message that also carries descriptors (`SCM_RIGHTS` shares the control room with the pidfd, which
///   the model's room accounting does not follow): its pidfd, descriptors and `MSG_CTRUNC` are allowed as recorded.
///   Not modelled: a stream socket (its reads stop at a change of sender once the option is set): `SO_PASSPIDFD` on a
///   stream object is refused.
extension UnixSocketModel {
    /// The `pidfd` of a receipt the model does not judge.
    public static let pidfdNotJudged = -1

    func setPassPidfd(_ state: State, process: Int, end: String, value: Int) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        var next = state
        next.sockets[index].passPidfd = value != 0
        return [(.closed, .completed(next))]
    }

    /// `transitions` with the sending process recorded on every message a send queued (when asked for), and the receipts of a
    /// receiver with `SO_PASSPIDFD` given their pidfd (or `MSG_CTRUNC`).
    func pidfdsAttached(_ input: Input, before state: State, _ candidates: Transitions) -> Transitions {
        guard state.type != .stream else { return candidates }
        switch input {
        case .send(let process, _, _, _, _, _), .sendOutOfBand(let process, _, _, _):
            return candidates.map { candidate in
                var next = candidate.step.state
                var changed = false
                for socket in next.sockets.indices {
                    for message in next.sockets[socket].queue.indices where next.sockets[socket].queue[message].senderProcess == nil {
                        // Recorded only when the sending or the receiving socket had SO_PASSPIDFD at the send
                        // (`unix_may_passcred`, measured): else 0, none.
                        let sender = next.socketIndex(next.sockets[socket].queue[message].sender)
                        let wanted = next.sockets[socket].passPidfd || sender.map { next.sockets[$0].passPidfd } == true
                        next.sockets[socket].queue[message].senderProcess = wanted ? process : 0
                        changed = true
                    }
                }
                guard changed else { return candidate }
                if case .partial = candidate.step { return (candidate.output, .partial(next)) }
                return (candidate.output, .completed(next))
            }
        case .receive(_, let end, _, _, let maxFiles), .peek(_, let end, _, _, let maxFiles):
            guard let index = state.socketIndex(end), state.sockets[index].passPidfd, state.sockets[index].peekOffset < 0,
                let message = state.sockets[index].queue.first
            else { return candidates }
            return candidates.map { candidate in
                guard case .received(var received)? = candidate.output, message.senderProcess != 0 else { return candidate }
                if !message.files.isEmpty || message.senderProcess == nil {
                    received.pidfd = Self.pidfdNotJudged
                } else if maxFiles == 0 {
                    received.filesTruncated = true
                } else {
                    received.pidfd = message.senderProcess
                }
                return (.received(received), candidate.step)
            }
        default:
            return candidates
        }
    }

    /// `setsockopt(SO_PASSPIDFD)`'s trace form: `{"end": S, "option": "SO_PASSPIDFD", "value": INT}`, on a datagram or
    /// seqpacket object (a stream's is refused: not modelled).
    func passPidfdInput(of call: Call) throws(ModelError) -> Input {
        if setup(of: call.object)?.type == .stream {
            throw ModelError("setsockopt SO_PASSPIDFD on a stream socket: not modelled (a stream read stops at a change of sender)")
        }
        return .setPassPidfd(
            process: call.process, end: try call.value.required("end").text("end"),
            value: try call.value.required("value").integer("value", in: Int(Int32.min)...Int(Int32.max)))
    }
}
