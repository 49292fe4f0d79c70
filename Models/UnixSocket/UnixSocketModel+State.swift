extension UnixSocketModel {
    /// One buffer in a socket's receive queue: a datagram or record, or a piece of a stream.
    public struct Message: Hashable, Sendable {
        /// The bytes not yet read (a stream buffer can be read in parts).
        public var bytes: ArraySlice<UInt8>
        /// The socket that sent it (charged with its cost until it is consumed).
        public var sender: String
        /// Files passed with it (`SCM_RIGHTS`), in order; a stream's first read of the buffer takes them.
        public var files: [String]
        /// Its true size, charged to the sender.
        public var cost: Int
        /// An empty record a peek has returned (`skb->peeked`): a peek at offset 0 then passes over it.
        public var peeked = false
        /// A stream's out-of-band byte (`MSG_OOB`): the receiver's `oob_skb`, at most one per queue (see
        /// ``UnixSocketModel/receiveOutOfBand(_:process:end:max:peek:)``). Once `recv(MSG_OOB)` took its byte the
        /// buffer stays queued empty — the only empty buffer a stream queue holds — as the mark reads stop at.
        public var urgent = false
        /// The trace process whose send queued it (`SCM_PIDFD` names it; see `UnixSocketModel+Pidfd`).
        public var senderProcess: Int?
        /// The uid and gid an explicit `SCM_CREDENTIALS` gave it (nil: its sender's own).
        public var senderIds: [Int]?
    }

    /// One socket of an object: a pair's end, a listener, one side of a connection, or a bound datagram socket.
    public struct Socket: Hashable, Sendable {
        public let name: String
        /// Processes holding a descriptor for it, once per descriptor (processes that share it share one open file).
        public internal(set) var holders: [Int]
        /// The socket it is connected to.
        public internal(set) var peer: String?
        public internal(set) var queue: [Message] = []
        /// The true sizes of what it sent that nobody has consumed yet.
        public internal(set) var memory = 0
        /// Its `SO_SNDBUF` once `setsockopt` set it (nil: the model's `sendBuffer`).
        public internal(set) var ownSendBuffer: Int?
        /// A pending socket error (`ECONNRESET` once the peer closed with unread data), reported once.
        public internal(set) var error: ErrorCode?
        /// Stream and seqpacket: the peer has closed; reads end with 0 after the data, sends fail `EPIPE`.
        public internal(set) var peerClosed = false
        /// `shutdown` took its receiving side (`RCV_SHUTDOWN`: its own `SHUT_RD`, or a stream or seqpacket peer's
        /// `SHUT_WR`): an empty queue reads as end of file (a datagram socket's only when blocking), and datagrams
        /// sent to it fail `EPIPE`.
        public internal(set) var readShut = false
        /// `shutdown` took its sending side (`SEND_SHUTDOWN`: its own `SHUT_WR`, or a stream or seqpacket peer's
        /// `SHUT_RD`): its sends fail `EPIPE`.
        public internal(set) var writeShut = false
        /// Datagram: a send found the peer closed (`ECONNREFUSED`); the socket is no longer connected.
        public internal(set) var disconnected = false
        /// `O_NONBLOCK` on its open file description (an accepted socket `accept4` made with `SOCK_NONBLOCK`):
        /// every send and receive on it is nonblocking.
        public internal(set) var descriptorNonblocking = false
        /// The last descriptor closed.
        public internal(set) var released = false
        /// Datagram: it may be hooked to its peer's `peer_wait` (`unix_dgram_peer_wake_me`: polled, or refused
        /// `EAGAIN`, while that peer, not connected back, was full), so the peer's next wake is relayed to it once.
        public internal(set) var mayHearPeerWake = false
        /// A listener: connections made but not yet accepted (their server-side sockets), oldest first.
        public internal(set) var pending: [String] = []
        public let isListener: Bool
        /// It has an address: the listener, a bound datagram socket, an accepted socket (which shares its
        /// listener's, measured), or one a `bind` bound; another `bind` fails `EINVAL` (after a path's lookup).
        public internal(set) var isBound: Bool
        /// A `bind` gave it the abstract name of this socket of the object (free once that socket closed): it holds
        /// the name while it is open.
        public internal(set) var holdsNameOf: String?
        /// A `bind` of this socket to a fresh address gave it an address of its own, of this kind (a `connect` may
        /// then name it).
        public internal(set) var ownAddress: AddressKind?
        /// The new socket of a `bind` in progress (its `type` form, no `end`), of this type: it exists only between
        /// the bind's two steps, named ``UnixSocketModel/newSocketName(of:)``, held by no descriptor a trace names.
        public internal(set) var newSocketType: SocketType?
        /// Whose credentials its `SO_PEERCRED` reports (see ``UnixSocketModel/Credentials``).
        public internal(set) var credentials: Credentials = .none
        /// `SO_PEEK_OFF`: where a peek starts while it is ≥ 0 (see ``UnixSocketModel/peekingAtOffset(_:end:_:)``).
        public internal(set) var peekOffset = -1
        /// `SO_OOBINLINE` (`SOCK_URGINLINE`): an out-of-band byte is read as ordinary data, never by `MSG_OOB`.
        public internal(set) var outOfBandInline = false
        /// `SO_RCVTIMEO` and `SO_SNDTIMEO` as set (nil: none; see `UnixSocketModel+Timeouts`).
        public internal(set) var receiveTimeout: SocketTimeout?
        public internal(set) var sendTimeout: SocketTimeout?
        /// Out-of-band bytes ordinary reads dropped, which `SIOCINQ` still counts (measured: the kernel's `inq_len`
        /// is not lowered for them).
        public internal(set) var droppedButCounted = 0
        /// `SOCKWQ_ASYNC_NOSPACE`: a send found no room while the socket had `O_ASYNC`; the next buffer freed that
        /// leaves it writable sends its owner `POLL_OUT` and clears it (see `UnixSocketModel+Async`).
        public internal(set) var noSpace = false
        /// `SO_PASSPIDFD`: each message received carries a pidfd of its sender (see `UnixSocketModel+Pidfd`).
        public internal(set) var passPidfd = false
        /// `SO_PASSCRED`: each message received carries its sender's credentials (see `UnixSocketModel+Credentials`).
        public internal(set) var passCredentials = false
        /// `SO_PASSSEC`: reported by `getsockopt`; with no module labelling sockets it adds nothing to a receipt and
        /// records no sender (see `UnixSocketModel+Security`).
        public internal(set) var passSecurity = false
        /// `SO_PASSCRED` or `SO_PASSPIDFD` (`unix_may_passcred`): the kernel records the sender of what is sent to or
        /// from it, and a stream read stops at a change of sender.
        var passesSender: Bool { passPidfd || passCredentials }

        init(name: String, holders: [Int], peer: String? = nil, isListener: Bool = false, isBound: Bool = false) {
            self.name = name
            self.holders = holders.sorted()
            self.peer = peer
            self.isListener = isListener
            self.isBound = isBound
        }
    }

    /// A file passed over the object's sockets: a memory file (its reads show the offset all its descriptors
    /// share), or a pipe's write end (whose read end, held by `readers`, sees end of file once every write end is
    /// closed, in flight ones included).
    public struct PassedFile: Hashable, Sendable {
        public let name: String
        public let isPipe: Bool
        /// Processes holding a descriptor for it, once per descriptor.
        public internal(set) var holders: [Int]
        /// References in messages not yet received.
        public internal(set) var inFlight = 0
        /// The shared file offset (memory files).
        public internal(set) var offset = 0
        /// Processes holding the pipe's read end (pipes).
        public internal(set) var readers: [Int]

        /// Whether any reference to it is left anywhere.
        public var isOpen: Bool { !holders.isEmpty || inFlight > 0 }
    }

    /// A stream send or receive that takes effect buffer by buffer.
    public struct Progress: Hashable, Sendable {
        public var process: Int
        public var socket: String
        /// A receive (which holds the socket's read lock), not a send.
        public var isReceive = false
        /// A client's `receive-exactly` loop: it holds the read lock only inside each of its `recv` calls, so
        /// between pieces it keeps no other reader out (and, being sound rather than tight, the model lets others
        /// in between any two of its pieces).
        public var isLoop = false
        /// Bytes sent so far; or, for a receive, the bytes and files received so far.
        public var sent = 0
        public var received: [UInt8] = []
        public var files: [String] = []
        public var filesTruncated = false
        /// A `MSG_OOB` send: its last byte goes as the out-of-band byte once the others are queued.
        public var outOfBand = false
        /// A call its description's `O_NONBLOCK` made nonblocking: the kernel reads the flag once, as the call
        /// enters, so an `F_SETFL` while it is under way changes nothing for it (see
        /// ``UnixSocketModel/nonblockingByDescriptor(_:in:)``).
        public var nonblockingByDescription = false
        /// A stream receive: the sending trace process recorded with the first buffer it took (0: none recorded), nil
        /// before it took one; under `SO_PASSCRED` or `SO_PASSPIDFD` it stops before a buffer of another.
        public var senderProcess: Int?
        /// The ids an explicit `SCM_CREDENTIALS` gave that buffer (nil: the sender's own).
        public var senderIds: [Int]?
    }

    /// An object's sockets and files.
    public struct State: Hashable, Sendable {
        public let type: SocketType
        public let sendBuffer: Int
        public let datagramQueue: Int
        /// The listener's backlog: `backlog` + 1 connections may wait (a later `listen` changes it).
        public internal(set) var backlog: Int
        /// A bound-datagram object: receives report who sent.
        public let reportsSender: Bool
        /// What kind of address the listener or the bound sockets have (nil: not known).
        public let addressKind: AddressKind?
        /// Memory files' contents, by name (constant).
        public let contents: [String: [UInt8]]
        public internal(set) var sockets: [Socket]
        public internal(set) var files: [PassedFile]
        public internal(set) var progress: [Progress] = []
        /// `sendmmsg` and `recvmmsg` calls under way, by process (see `UnixSocketModel+Batches`).
        public internal(set) var batches: [Batch] = []
        /// The users and groups the setup gives the trace's processes (constant; others' are not known).
        public internal(set) var users: [Int: Permissions.User] = [:]
        /// The real and saved ids the setup gives beside `users`' effective ones (constant; see `UnixSocketModel+HeldIds`).
        public internal(set) var heldIds: [Int: UnixSocketModel.HeldIds] = [:]
        /// Each process's registrations on its epoll instance for this object (see `UnixSocketModel+Epoll`).
        public internal(set) var epoll: [EpollRegistration] = []
        /// Processes whose epoll calls the model no longer judges.
        public internal(set) var epollUnjudged: [Int] = []
        /// The epoll instances processes keep by name, sorted (see `UnixSocketModel+NestedEpoll`).
        public internal(set) var epollInstances: [NestedEpoll.Instance] = []
        /// The kept instances' registrations, and the implicit instance's of kept instances, sorted.
        public internal(set) var nestedEpoll: [NestedEpollRegistration] = []
        /// The sockets' owners, `F_SETSIG` signals and `O_ASYNC`, and the signals sent (see `UnixSocketModel+Owner`).
        public internal(set) var ioSignals = IOSignals<String>()

        func socketIndex(_ name: String) -> Int? { sockets.firstIndex { $0.name == name } }
        /// A socket's type: the object's, or a new socket's own.
        func type(of socket: Socket) -> SocketType { socket.newSocketType ?? type }
        /// The open socket of `type` that holds the abstract name of the object's socket `name`: that socket while it
        /// is open, else one that bound the name once it was free (a socket of another type is never found: the
        /// kernel's abstract names are per type, measured in `UnixSocketBindInProgressFactsTests`).
        func holder(ofNameOf name: String, type: SocketType) -> Int? {
            sockets.firstIndex { !$0.released && ($0.name == name || $0.holdsNameOf == name) && self.type(of: $0) == type }
        }
        /// A socket's `SO_SNDBUF`.
        func sendBuffer(of socket: Socket) -> Int { socket.ownSendBuffer ?? sendBuffer }
        func fileIndex(_ name: String) -> Int? { files.firstIndex { $0.name == name } }
        func progress(of process: Int) -> Progress? { progress.first { $0.process == process } }

        mutating func setProgress(_ value: Progress?, of process: Int) {
            progress.removeAll { $0.process == process }
            if let value { progress.append(value) }
        }

        public static func == (lhs: State, rhs: State) -> Bool {
            lhs.sockets == rhs.sockets && lhs.files == rhs.files && lhs.progress == rhs.progress && lhs.batches == rhs.batches
                && lhs.type == rhs.type && lhs.sendBuffer == rhs.sendBuffer && lhs.backlog == rhs.backlog
                && lhs.epoll == rhs.epoll && lhs.epollUnjudged == rhs.epollUnjudged && lhs.ioSignals == rhs.ioSignals
                && lhs.epollInstances == rhs.epollInstances && lhs.nestedEpoll == rhs.nestedEpoll
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(sockets)
            hasher.combine(files)
            hasher.combine(progress)
            hasher.combine(batches)
            hasher.combine(backlog)
            hasher.combine(epoll)
            hasher.combine(epollUnjudged)
            hasher.combine(epollInstances)
            hasher.combine(nestedEpoll)
            hasher.combine(ioSignals)
        }
    }
}
