extension UnixSocketModel {
    /// Whose credentials a socket's `SO_PEERCRED` reports. The kernel fixes them when the pair, listener or
    /// connection is made (measured in `UnixSocketPeerCredentialsFactsTests`), so the model keeps them per socket:
    /// - a pair's ends: their creator — the harness, which makes the pair before the trace begins, unless the setup
    ///   names a trace process as `creator`;
    /// - a listener: whoever last called `listen` on it (the creator, then any trace process whose `listen` succeeded);
    /// - a client: the listener's credentials at its `connect` (copied, so a later `listen` does not change them);
    /// - an accepted socket: the process that connected, still after it exited;
    /// - a bound datagram socket: none (a datagram `connect` sets no credentials).
    public enum Credentials: Hashable, Sendable {
        /// No credentials: pid 0, ids `(uid_t)-1`.
        case none
        /// A process outside the trace (the harness that made the object): its pid means nothing to the trace.
        case harness
        /// A trace process.
        case process(Int)
    }

    /// What `getsockopt(SO_PEERCRED)` reported: whose credentials, and the effective user and group ids when known
    /// (nil: not known — not recorded, or of a process whose user the setup does not give).
    public struct PeerCredentials: Hashable, Sendable {
        public var who: Credentials
        public var uid: Int?
        public var gid: Int?

        public init(who: Credentials, uid: Int? = nil, gid: Int? = nil) {
            self.who = who
            self.uid = uid
            self.gid = gid
        }

        /// Whether a report of `recorded` agrees with these expected credentials: the same socket owner, and every id
        /// both sides know equal.
        func admits(_ recorded: PeerCredentials) -> Bool {
            who == recorded.who && (uid == nil || recorded.uid == nil || uid == recorded.uid)
                && (gid == nil || recorded.gid == nil || gid == recorded.gid)
        }
    }

    /// `(uid_t)-1`: the ids reported with no credentials (a trace may also write -1).
    public static let noUser = 4_294_967_295

    /// The credentials `getsockopt(SO_PEERCRED)` on `socket` reports, with the ids the setup's `users` give.
    static func peerCredentials(of socket: Socket, users: [Int: Permissions.User]) -> PeerCredentials {
        switch socket.credentials {
        case .none: PeerCredentials(who: .none, uid: noUser, gid: noUser)
        case .harness: PeerCredentials(who: .harness)
        case .process(let process):
            PeerCredentials(who: .process(process), uid: users[process]?.uid, gid: users[process]?.gid)
        }
    }

    /// Whether the recorded `output` is the candidate's: equal, or for `SO_PEERCRED` admitted by it (ids the model
    /// does not know match any).
    static func outputAgrees(_ output: Output, with candidate: Output) -> Bool {
        if case .received(var recorded) = output, case .received(let expected) = candidate {
            if expected.pidfd == pidfdNotJudged {
                // The control messages and the descriptors beside them are not judged (see `UnixSocketModel+Credentials`).
                recorded.pidfd = expected.pidfd
                recorded.files = expected.files
                recorded.filesTruncated = expected.filesTruncated
                recorded.credentials = expected.credentials
            }
            if let credentials = expected.credentials, let given = recorded.credentials,
                credentials == credentialsNotJudged || credentials.admits(given)
            {
                recorded.credentials = credentials  // ids the model does not know match any
            } else if expected.credentials == credentialsNotJudged {
                recorded.credentials = expected.credentials  // cut: absent too
            }
            return recorded == expected
        }
        if case .status(let type, _, let size) = output, case .status(type, modeNotJudged, size) = candidate {
            return true  // a bound socket's mode (see `UnixSocketModel+Duplicate`)
        }
        if case .peerCredentials(let recorded) = output, case .peerCredentials(let expected) = candidate {
            return expected.admits(recorded)
        }
        if case .pairCreated(let type, let nonblocking, let closeOnExec) = output,
            case .pairCreated(type, let expectedNonblocking, let expectedCloseOnExec) = candidate
        {
            return (nonblocking == nil || nonblocking == expectedNonblocking) && (closeOnExec == nil || closeOnExec == expectedCloseOnExec)
        }
        return output == candidate
    }
}
