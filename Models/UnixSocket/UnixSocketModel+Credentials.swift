/// `SO_PASSCRED` and `SCM_CREDENTIALS`, and the control room a receive's `SCM_CREDENTIALS`, `SCM_RIGHTS` and
/// `SCM_PIDFD` share, measured in `UnixSocketCredentialsFactsTests` (C probes first on 6.18; `scm_recv_unix`,
/// `unix_stream_read_generic`; the kernel selftest `net/af_unix/scm_pidfd.c`):
/// - The kernel records a message's sender (pid, uid, gid: `unix_maybe_add_creds`) only when the sending or the
///   receiving socket has `SO_PASSCRED` or `SO_PASSPIDFD` at the send; the model keeps the sending trace process
///   (``Message/senderProcess``, 0: none recorded).
/// - A receiver with `SO_PASSCRED` at the receive gets `SCM_CREDENTIALS` with every message: the sender's pid and
///   real ids (`current_uid_gid`; measured in `UnixSocketHeldIdsFactsTests`, where they differ from the effective
///   ones `SO_PEERCRED` reports), or, for a message whose sender was not recorded, pid 0 and the overflow ids 65534 (the kernel's
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
        settingFlag(state, process: process, end: end, \.passCredentials, value: value)
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

    /// What `SCM_CREDENTIALS` reports for a message sent by `sender` (0: none recorded): the ids an explicit
    /// `SCM_CREDENTIALS` gave it, else the sender's real ones (see `UnixSocketModel+HeldIds`).
    static func messageCredentials(_ sender: Int, ids: [Int]?, in state: State) -> PeerCredentials {
        if let ids { return PeerCredentials(who: sender == 0 ? .none : .process(sender), uid: ids[0], gid: ids[1]) }
        let real = state.heldIds(of: sender)?.real
        return sender == 0
            ? PeerCredentials(who: .none, uid: unrecordedUser, gid: unrecordedUser)
            : PeerCredentials(who: .process(sender), uid: real?.uid, gid: real?.gid)
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

    /// What a `sendmsg` with explicit credentials carries in its control buffer: one or more `SCM_CREDENTIALS`, in
    /// order, and maybe `SCM_RIGHTS` with `files`, before them (`rightsFirst`) or after them; and the address it
    /// names, if any (`sendto`'s `"to"`).
    public struct SentControl: Hashable, Sendable {
        /// The `SCM_CREDENTIALS` messages in the buffer's order; the kernel checks each and keeps the last.
        public var credentials: [SentCredentials]
        public var files: [String]
        /// `SCM_RIGHTS` comes before the credentials in the buffer (its `EBADF` and `EINVAL` then come first).
        public var rightsFirst: Bool
        /// The address the message names (`msg_name`), looked up after the whole control buffer (nil: none).
        public var to: String?

        public init(_ credentials: [SentCredentials], files: [String] = [], rightsFirst: Bool = false, to: String? = nil) {
            self.credentials = credentials
            self.files = files
            self.rightsFirst = rightsFirst
            self.to = to
        }

        public init(_ credentials: SentCredentials, files: [String] = [], rightsFirst: Bool = false, to: String? = nil) {
            self.init([credentials], files: files, rightsFirst: rightsFirst, to: to)
        }
    }

    /// `sendmsg` with explicit `SCM_CREDENTIALS`, maybe with `SCM_RIGHTS` (measured in `UnixSocketCredentialsFactsTests`,
    /// C probes; `__scm_send`, `scm_check_creds`). A seqpacket socket's pending error and `ENOTCONN` come first
    /// (`unix_seqpacket_sendmsg`, measured: before an id of -1); then the control buffer is walked in order, before
    /// everything else of the send:
    /// - each `SCM_CREDENTIALS`: an id of -1 `EINVAL`; then, for a sender without `CAP_SYS_ADMIN`/`CAP_SETUID`/
    ///   `CAP_SETGID` (not root), a pid not its own `EPERM` (pid 0 too), a uid not its real, effective or saved one
    ///   or a gid not its real, effective or saved one `EPERM` (`UnixSocketModel+HeldIds`); then a pid no process has
    ///   `ESRCH` (pid 0 always; another trace process's when it may be gone). Several are each checked and the
    ///   last one's pid and ids are the message's (measured: three, the third kept);
    /// - `SCM_RIGHTS`: more than `SCM_MAX_FD` `EINVAL`, a descriptor not held `EBADF` — before the credentials when it
    ///   comes first in the buffer, after them otherwise (measured both ways).
    /// An address (`"to"`, an unconnected datagram socket's `sendto`) is the plain send's, looked up after all of
    /// this (measured, `UnixSocketHeldIdsFactsTests`: `EPERM`, `EINVAL`, `ESRCH` before `ENOENT` and
    /// `ECONNREFUSED`); the credentials reach the socket it names.
    /// The message then carries those credentials whatever the options (recorded always): its receiver's
    /// `SCM_CREDENTIALS` names that process and those ids — before the descriptors, whatever the buffer's order —, its
    /// `SCM_PIDFD` that process, and a stream read under either option stops where they change (ids equal to the
    /// named process's real ones are what its plain sends record: measured, a read merges them with its plain sends — a stream read may merge them
    /// or not when the setup does not give that process's user). With neither option
    /// on either socket the receiver sees none of it (no `SCM_CREDENTIALS`, stream reads merge), but they stay with
    /// the message: an option set before the receive shows them. A sender whose user the setup does not give may be
    /// either: `EPERM` and success both allowed; root's are the setup's uid 0.
    func sendWithCredentials(
        _ state: State, process: Int, end: String, data: [UInt8], nonblocking: Bool, control: SentControl
    ) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        var refusals: Transitions = []
        if state.progress(of: process) == nil {
            if let refused = seqpacketRefusal(state, index) { return refused }
            if control.rightsFirst, let refused = descriptorRefusal(state, process: process, files: control.files) { return refused }
            for credentials in control.credentials {
                if credentials.uid == Self.noUser || credentials.gid == Self.noUser { return refusals + failure(state, .EINVAL) }
                let user = state.users[process]
                let own = credentials.process == process && state.mayName(process, uid: credentials.uid, gid: credentials.gid) == true
                if user?.uid != 0 && !own {
                    // A known user other than root, not its own: only EPERM; a user not known: EPERM or on.
                    if user != nil { return refusals + failure(state, .EPERM) }
                    refusals += failure(state, .EPERM)
                }
                if credentials.process == 0 { return refusals + failure(state, .ESRCH) }
                if credentials.process != process { refusals += failure(state, .ESRCH) }
            }
            if !control.rightsFirst, let refused = descriptorRefusal(state, process: process, files: control.files) {
                return refusals + refused
            }
        }
        guard let named = control.credentials.last else { return refusals }
        // Ids equal to the named process's real ones are what a plain send of it records (nil): a stream read under
        // an option merges them. When the setup does not give its user, either may be so (a stream's two states).
        let stamps: [[Int]?] =
            switch state.heldIds(of: named.process)?.real {
            case let user? where user.uid == named.uid && user.gid == named.gid: [nil]
            case nil where state.type == .stream: [[named.uid, named.gid], nil]
            default: [[named.uid, named.gid]]
            }
        let send = Input.send(process: process, end: end, data: data, nonblocking: nonblocking, to: control.to, files: control.files)
        return refusals + transitions(state, send).flatMap { candidate in
            stamps.map { ids in
                var next = candidate.step.state
                for socket in next.sockets.indices {
                    for message in next.sockets[socket].queue.indices where next.sockets[socket].queue[message].senderProcess == nil {
                        next.sockets[socket].queue[message].senderProcess = named.process
                        next.sockets[socket].queue[message].senderIds = ids
                    }
                }
                if case .partial = candidate.step { return (candidate.output, .partial(next)) }
                return (candidate.output, .completed(next))
            }
        }
    }

    /// A `send` with `"credentials"`: one object `{"pid", "uid", "gid"}` or an array of them (several
    /// `SCM_CREDENTIALS`, in order), `"files"` for `SCM_RIGHTS` with them — after them in the buffer unless
    /// `"rightsFirst"` — and `"to"` for an address.
    static func credentialsSendInput(of call: Call, nonblocking: Bool) throws(ModelError) -> Input {
        func credentials(_ value: JSONValue) throws(ModelError) -> SentCredentials {
            let fields: JSONValue? = value
            return SentCredentials(
                process: try fields.required("pid").integer("pid", in: 0...10_000),
                uid: try fields.required("uid").integer("uid", in: -1...Self.noUser),
                gid: try fields.required("gid").integer("gid", in: -1...Self.noUser))
        }
        let given = try call.value.required("credentials")
        var sent: [SentCredentials] = []
        if case .array = given {
            sent = try given.elements("credentials").map { (element) throws(ModelError) in try credentials(element) }
            if sent.isEmpty { throw ModelError("send: 'credentials' must name at least one") }
        } else {
            sent = [try credentials(given)]
        }
        let files = try call.value.optional("files")?.elements("files").map { (file) throws(ModelError) in try file.text("files") } ?? []
        let rightsFirst = try call.value.optional("rightsFirst")?.boolean("rightsFirst") ?? false
        if rightsFirst && files.isEmpty { throw ModelError("send: 'rightsFirst' needs 'files'") }
        return .sendCredentials(
            process: call.process, end: try call.value.required("end").text("end"),
            data: try call.value.required("data").payload("data"), nonblocking: nonblocking,
            control: SentControl(sent, files: files, rightsFirst: rightsFirst, to: try call.value.optional("to")?.text("to")))
    }

    /// The trace form ``credentialsSendInput(of:nonblocking:)`` reads.
    static func credentialsSendValue(end: String, data: [UInt8], nonblocking: Bool, control: SentControl) -> JSONValue {
        var value: JSONObject = ["end": .string(end), "data": Payload.json(data)]
        if nonblocking { value["nonblocking"] = true }
        let named: [JSONValue] = control.credentials.map {
            ["pid": .int($0.process), "uid": .int($0.uid), "gid": .int($0.gid)]
        }
        value["credentials"] = named.count == 1 ? named[0] : .array(named)
        if !control.files.isEmpty { value["files"] = .array(control.files.map { .string($0) }) }
        if control.rightsFirst { value["rightsFirst"] = true }
        if let to = control.to { value["to"] = .string(to) }
        return .object(value)
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
            let bytes = Self.controlBytes(maxFiles: maxFiles)
            return securityAttached(state, end: end, bytes: bytes, controlAttached(state, process: process, end: end, bytes: bytes, candidates))
        case .receiveTruncating(let process, let end, _, _, _), .receiveWaitingAll(let process, let end, _, _):
            return securityAttached(state, end: end, bytes: 0, controlAttached(state, process: process, end: end, bytes: 0, candidates))
        case .receiveExactly(_, let end, _):
            return securityAttached(state, end: end, bytes: nil, candidates)
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
                received.credentials = left < 28 ? Self.credentialsNotJudged : Self.messageCredentials(sender, ids: ids, in: state)
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
