/// `SO_PASSCRED` and `SCM_CREDENTIALS`, and the control room a receive's `SCM_CREDENTIALS`, `SCM_RIGHTS` and
/// `SCM_PIDFD` share, measured in `UnixSocketCredentialsFactsTests` (C probes first on 6.18; `scm_recv_unix`,
/// `unix_stream_read_generic`; the kernel selftest `net/af_unix/scm_pidfd.c`):
/// - The kernel records a message's sender (pid, uid, gid: `unix_maybe_add_creds`) only when the sending or the
///   receiving socket has `SO_PASSCRED` or `SO_PASSPIDFD` at the send; the model keeps the sending trace process
///   (``Message/senderProcess``, 0: none recorded).
/// - A receiver with `SO_PASSCRED` at the receive gets `SCM_CREDENTIALS` with every message: the sender's pid and
///   effective ids, or, for a message whose sender was not recorded, pid 0 and the overflow ids 65534 (the kernel's
///   `INVALID_UID` munged) — the receipt's `credentials`, as `SO_PEERCRED`'s value.
/// - The room: no control buffer at all (`maxFiles` 0) gives nothing and `MSG_CTRUNC` whenever either option is set
///   or descriptors came — even for a message whose sender was not recorded. Otherwise the harness's buffer is
///   `CMSG_SPACE(4 × room)` bytes (the room rounded up to an even count of descriptors), filled in order:
///   `SCM_CREDENTIALS` (`CMSG_SPACE(12)` = 32 bytes; fewer than 28 cut it, `MSG_CTRUNC`), then the descriptors
///   (`scm_detach_fds`: as many as `(left − 16) / 4`, using `CMSG_SPACE(4 × installed)`; the rest closed,
///   `MSG_CTRUNC`), then the pidfd, which needs 20 bytes left (`CMSG_LEN(4)`), else `MSG_CTRUNC` — again even when no
///   sender was recorded (no pidfd then).
/// - A stream read under either option stops before a buffer of another sender (`unix_skb_scm_eq`: pid, uid, gid; a
///   recorded sender and none differ), peeks and `MSG_WAITALL` too; without them it merges across senders.
/// - Not judged (allowed as recorded): a receipt with no message behind it (end of file: the kernel's stream read
///   then gives pid 0, uid 0, gid 0), one under `SO_PEEK_OFF` or with out-of-band marks queued, and, when tables may
///   fill, the pidfd of a receipt with fewer descriptors than the room holds (`EMFILE` puts the error in `SCM_PIDFD`).
extension UnixSocketModel {
    /// The ids of `SCM_CREDENTIALS` for a message whose sender the kernel did not record (`overflowuid`).
    public static let unrecordedUser = 65_534
    /// The credentials of a receipt the model cannot judge (cut by a control buffer too small for them).
    public static let credentialsNotJudged = PeerCredentials(who: .harness, uid: -2, gid: -2)

    func setPassCredentials(_ state: State, process: Int, end: String, value: Int) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        var next = state
        next.sockets[index].passCredentials = value != 0
        return [(.closed, .completed(next))]
    }

    /// `setsockopt(SO_PASSCRED)`'s trace form: `{"end": S, "option": "SO_PASSCRED", "value": INT}`.
    func passCredentialsInput(of call: Call) throws(ModelError) -> Input {
        .setPassCredentials(
            process: call.process, end: try call.value.required("end").text("end"),
            value: try call.value.required("value").integer("value", in: Int(Int32.min)...Int(Int32.max)))
    }

    /// The bytes of control room the harness's receive passes for `maxFiles`: none for 0, else `CMSG_SPACE(4 × room)`.
    public static func controlBytes(maxFiles: Int) -> Int {
        maxFiles <= 0 ? 0 : 16 + 4 * UnixSocketMemory.descriptorRoom(requested: maxFiles)
    }

    /// What `SCM_CREDENTIALS` reports for a message sent by `sender` (0: none recorded), with the ids an explicit
    /// `SCM_CREDENTIALS` gave it.
    static func messageCredentials(_ sender: Int, ids: [Int]?, users: [Int: Permissions.User]) -> PeerCredentials {
        if let ids { return PeerCredentials(who: sender == 0 ? .none : .process(sender), uid: ids[0], gid: ids[1]) }
        return sender == 0
            ? PeerCredentials(who: .none, uid: unrecordedUser, gid: unrecordedUser)
            : PeerCredentials(who: .process(sender), uid: users[sender]?.uid, gid: users[sender]?.gid)
    }

    /// What a sender's explicit `SCM_CREDENTIALS` names: a trace process's pid (0: pid 0), a uid and a gid
    /// (``noUser``: -1).
    public struct SentCredentials: Hashable, Sendable {
        public var process: Int
        public var uid: Int
        public var gid: Int

        public init(process: Int, uid: Int, gid: Int) {
            self.process = process
            self.uid = uid == -1 ? UnixSocketModel.noUser : uid
            self.gid = gid == -1 ? UnixSocketModel.noUser : gid
        }
    }

    /// `sendmsg` with an explicit `SCM_CREDENTIALS` (measured in `UnixSocketCredentialsFactsTests`, C probes;
    /// `scm_check_creds`, `__scm_send`), checked before everything else of the send: an id of -1 `EINVAL`; then, for a
    /// sender without `CAP_SYS_ADMIN`/`CAP_SETUID`/`CAP_SETGID` (not root), a pid not its own or ids not its own
    /// `EPERM`; then a pid no process has `ESRCH` (pid 0 always; another trace process's when it may be gone). The
    /// message then carries those credentials whatever the options (recorded always): its receiver's
    /// `SCM_CREDENTIALS` names that process and those ids, its `SCM_PIDFD` that process, and a stream read under
    /// either option stops where they change. A sender whose user the setup does not give may be either: `EPERM` and
    /// success both allowed; root's are the setup's uid 0.
    func sendWithCredentials(
        _ state: State, process: Int, end: String, data: [UInt8], nonblocking: Bool, credentials: SentCredentials
    ) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        var refusals: Transitions = []
        var proceeds = true
        if state.progress(of: process) == nil {
            if credentials.uid == Self.noUser || credentials.gid == Self.noUser { return failure(state, .EINVAL) }
            let user = state.users[process]
            let own = credentials.process == process && user.map { $0.uid == credentials.uid && $0.gid == credentials.gid } != false
            if user?.uid != 0 && !(own && user != nil) {
                refusals += failure(state, .EPERM)
                if user != nil { proceeds = false }  // a known user other than root, not its own: only EPERM
            }
            if proceeds && credentials.process == 0 { return refusals + failure(state, .ESRCH) }
            if proceeds && credentials.process != process { refusals += failure(state, .ESRCH) }
        }
        guard proceeds else { return refusals }
        let sent = transitions(state, .send(process: process, end: end, data: data, nonblocking: nonblocking, to: nil, files: []))
        return refusals + sent.map { candidate in
            var next = candidate.step.state
            for socket in next.sockets.indices {
                for message in next.sockets[socket].queue.indices where next.sockets[socket].queue[message].senderProcess == nil {
                    next.sockets[socket].queue[message].senderProcess = credentials.process
                    next.sockets[socket].queue[message].senderIds = [credentials.uid, credentials.gid]
                }
            }
            if case .partial = candidate.step { return (candidate.output, .partial(next)) }
            return (candidate.output, .completed(next))
        }
    }

    /// `transitions` with the sending process recorded on every message a send queued, and the receipts of a receiver
    /// with `SO_PASSCRED` or `SO_PASSPIDFD` given their credentials, pidfd and `MSG_CTRUNC` (see the notes above).
    func pidfdsAttached(_ input: Input, before state: State, _ candidates: Transitions) -> Transitions {
        switch input {
        case .send(let process, _, _, _, _, _), .sendOutOfBand(let process, _, _, _):
            return candidates.map { candidate in
                var next = candidate.step.state
                var changed = false
                for socket in next.sockets.indices {
                    for message in next.sockets[socket].queue.indices where next.sockets[socket].queue[message].senderProcess == nil {
                        // Recorded only when the sending or the receiving socket had SO_PASSCRED or SO_PASSPIDFD at
                        // the send (`unix_maybe_add_creds`, measured): else 0, none.
                        let sender = next.socketIndex(next.sockets[socket].queue[message].sender)
                        let wanted = next.sockets[socket].passesSender || sender.map { next.sockets[$0].passesSender } == true
                        next.sockets[socket].queue[message].senderProcess = wanted ? process : 0
                        changed = true
                    }
                }
                guard changed else { return candidate }
                if case .partial = candidate.step { return (candidate.output, .partial(next)) }
                return (candidate.output, .completed(next))
            }
        case .receive(let process, let end, _, _, let maxFiles), .peek(let process, let end, _, _, let maxFiles):
            return controlAttached(state, process: process, end: end, bytes: Self.controlBytes(maxFiles: maxFiles), candidates)
        case .receiveTruncating(let process, let end, _, _, _), .receiveWaitingAll(let process, let end, _, _):
            return controlAttached(state, process: process, end: end, bytes: 0, candidates)
        case .receiveOutOfBand(_, let end, _, _):
            guard let index = state.socketIndex(end), state.sockets[index].passesSender else { return candidates }
            return candidates.map { candidate in
                guard case .received(var received)? = candidate.output else { return candidate }
                received.pidfd = Self.pidfdNotJudged
                return (.received(received), candidate.step)
            }
        default:
            return candidates
        }
    }

    /// The receipts among `candidates` with what the receiver's options add, in a control buffer of `bytes`.
    private func controlAttached(_ state: State, process: Int, end: String, bytes: Int, _ candidates: Transitions) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].passesSender else { return candidates }
        let socket = state.sockets[index]
        // The sender of the message (or the stream buffers) the receipt comes from; nil: not judged.
        var sender: Int?
        var ids: [Int]?
        if socket.peekOffset < 0, !Self.holdsMarks(socket) {
            if state.type == .stream, let progress = state.progress(of: process), progress.isReceive, progress.socket == end,
                let first = progress.senderProcess
            {
                (sender, ids) = (first, progress.senderIds)
            } else {
                (sender, ids) = (socket.queue.first?.senderProcess, socket.queue.first?.senderIds)
            }
        }
        return candidates.map { candidate in
            guard case .received(var received)? = candidate.output else { return candidate }
            guard let sender, !(state.type == .stream && received.data.isEmpty) else {
                received.pidfd = Self.pidfdNotJudged
                return (.received(received), candidate.step)
            }
            if bytes == 0 {
                received.filesTruncated = true
                return (.received(received), candidate.step)
            }
            var left = bytes
            let installed = received.files.count
            // Tables that may fill (see ``receiveOutcomes(_:process:)``): a receipt with fewer descriptors than the room
            // holds stopped at a full table (`MSG_CTRUNC`), where the pidfd fails too — `EMFILE` in `SCM_PIDFD`, no
            // descriptor: none in the receipt.
            let afterCredentials = socket.passCredentials ? Swift.max(0, bytes - 32) : bytes
            let room = afterCredentials > 16 ? (afterCredentials - 16) / 4 : 0
            if !tablesNeverFull && socket.passPidfd && state.type == .stream && (installed > 0 || received.filesTruncated) {
                // A stream read's buffers: which of them carried descriptors the receipt does not say.
                received.pidfd = Self.pidfdNotJudged
                return (.received(received), candidate.step)
            }
            let cut = !tablesNeverFull && installed < Swift.min(room, socket.queue.first?.files.count ?? 0)
            if socket.passCredentials {
                received.credentials = left < 28 ? Self.credentialsNotJudged : Self.messageCredentials(sender, ids: ids, users: state.users)
                if left < 28 { received.filesTruncated = true }
                left = left >= 32 ? left - 32 : 0
            }
            if installed > 0 { left -= Swift.min(left, 16 + (4 * installed + 7) / 8 * 8) }
            if socket.passPidfd && !cut {
                if left < 20 {
                    received.filesTruncated = true
                } else if sender != 0 {
                    received.pidfd = sender
                }
            }
            return (.received(received), candidate.step)
        }
    }
}
