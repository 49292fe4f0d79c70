/// Unix-domain sockets as this kernel implements them (`net/unix/af_unix.c`): stream, datagram and seqpacket
/// sockets, as pairs, as listeners with connections, or bound to addresses, with descriptor passing (`SCM_RIGHTS`).
/// Each object is a set of sockets and the files that may be passed over them.
///
/// What it allows, and why (each fact is also a test on the real kernel, `UnixSocketFactsTests`, and random
/// operation sequences must give the same results on the kernel and here, `UnixSocketModelAgreementTests`):
/// - Boundaries: a stream is bytes (reads merge and split sends); a datagram or record is read whole, one per
///   read: a longer one is truncated to the buffer (`MSG_TRUNC`) and the rest discarded.
/// - Capacity: a sender may queue while the true sizes it has queued (see ``UnixSocketMemory``) are below its send
///   buffer; then nonblocking sends fail `EAGAIN` (a stream send is short if some went) and blocking ones sleep. A
///   signal wakes a sleeping stream send that has queued some buffers with that count, even with `SA_RESTART`.
///   A datagram socket also holds at most `datagramQueue` + 1 messages from senders it is not connected to
///   (`EAGAIN`), and a datagram
///   longer than the send buffer − 32 fails `EMSGSIZE`.
/// - A stream send goes in buffers of up to 36544 bytes, each on its own: concurrent senders' buffers interleave,
///   and a reader can see part of a send. A stream read takes buffers until its size is reached, the queue is
///   empty, or it took a buffer that carried descriptors.
/// - Peer death. Stream: reads return the data, then 0; sends fail `EPIPE`. If the closing end had unread data,
///   the survivor also gets `ECONNRESET` once, on a read after its data (a send does not report it); unread data
///   is anything queued but an empty first buffer (one empty seqpacket record does not reset, two do). Seqpacket:
///   the same, but `ECONNRESET` comes before the queued records, on a read or a send. Datagram pair: reads never
///   see end of file (they block, or `EAGAIN`); the first send fails `ECONNREFUSED` and discards everything queued
///   for the sender, later ones `ENOTCONN`. A bound datagram socket that has closed refuses (`ECONNREFUSED`).
/// - A bound datagram socket's `connect` (measured in `UnixSocketDatagramConnectFactsTests`) fixes its peer: a send
///   without an address goes there (`ENOTCONN` while it has none); a send with an address still goes to that
///   address. A socket with a peer takes datagrams (and connections) only from that peer: from anyone else the
///   sender gets `EPERM`, even after the peer closed, until a send of its own found the peer gone
///   (`ECONNREFUSED`, the queue discarded, then `ENOTCONN`). Connecting to another peer discards its queue, and a
///   live old peer connected back to it gets `ECONNRESET` if something was discarded (reported once by its next
///   receive or send, or `SO_ERROR`). The queue-length limit holds for any send to a socket not connected back, and
///   `POLLOUT` is withheld while such a connected peer's queue is full.
/// - Listeners: a connection is made at `connect` (data may flow before `accept`); `backlog` + 1 may wait; then a
///   nonblocking connect fails `EAGAIN`. `accept` takes the oldest. A listener that closes resets what is waiting
///   (`ECONNRESET`, then end of file); a closed listener refuses (`ECONNREFUSED`).
/// - Nonblocking: a call is nonblocking by its own request (`MSG_DONTWAIT`, the harness's) or by its socket's open
///   file description — one per socket, shared by all its holders — made so by `accept4`'s `SOCK_NONBLOCK`,
///   `F_SETFL` or `FIONBIO` (never inherited by an accepted socket), read as the call enters (measured in
///   `UnixSocketNonblockFactsTests`; see ``nonblockingByDescriptor(_:in:)``).
/// - Descriptor passing: a received descriptor shares the sender's open file and its offset; each passed
///   descriptor arrives once. Descriptors that do not fit the receiver's control buffer are closed
///   (`MSG_CTRUNC`; the room is rounded up to an even count); those in messages nobody receives are closed when the
///   receiving socket closes. A stream send of 0 bytes sends nothing, descriptors included.
/// - `receive-exactly` is not a system call but a client's framing loop on a stream: blocking receives of what is
///   still missing, `EINTR` retried, until `size` bytes have come, end of file (what it has, maybe nothing) or an
///   error (that error if it has nothing, else what it has). Between its receives it holds no read lock, so other
///   readers' receives may fall between its pieces; it passes no control buffer, so descriptors it meets are closed
///   (`MSG_CTRUNC`). A fault that cuts its first receive short cuts nothing it reports: the loop goes on.
/// - Options: `SO_PEERCRED` reports whose credentials the socket got when made or connected (``Credentials``);
///   `SO_PEEK_OFF` makes peeks start at an offset that peeks move on and receives move back
///   (``peekingAtOffset(_:end:_:)``);
///   `SO_ERROR` takes the pending error; `setsockopt(SO_SNDBUF)` doubles and clamps, and capacity follows;
///   `SIOCINQ`/`SIOCOUTQ` report the queue (see ``option(_:_:)``).
/// - Out-of-band data (`MSG_OOB`, streams only; measured in `UnixSocketOutOfBandFactsTests`): a send's last byte
///   is the receiver's out-of-band byte, which `recv(MSG_OOB)` takes; ordinary reads stop at it or at its mark
///   (``settlingMark(_:_:copied:)``), `SIOCATMARK` and `POLLPRI` report it, `SO_OOBINLINE` makes it data.
/// - Owners and I/O signals (measured in `UnixSocketAsyncFactsTests`): `F_SETOWN`, `F_SETSIG` and `O_ASYNC` per
///   socket, and the signals they bring its owner — `POLL_IN` per buffer queued, `POLL_HUP` at the peer's close,
///   `POLL_OUT` once after a send found no room, `SIGURG` for a `MSG_OOB` byte even without `O_ASYNC` — which
///   `sigtimedwait` takes (see `UnixSocketModel+Owner`, `+Async`).
/// - `poll` reports readiness as ``readiness(of:in:)`` computes it, at one instant of the call (see
///   ``poll(_:process:end:events:timeout:)``).
public struct UnixSocketModel: TraceModel {
    public static let name = "unix-socket"

    public enum SocketType: String, Hashable, Sendable, CaseIterable {
        case stream, dgram, seqpacket
    }

    public enum Input: Hashable, Sendable {
        case send(process: Int, end: String, data: [UInt8], nonblocking: Bool, to: String?, files: [String])
        /// `send(MSG_OOB)`: on a stream all but the last byte go as a send does, the last as the out-of-band byte
        /// (see ``sendOutOfBand(_:process:end:data:nonblocking:)``); other types `EOPNOTSUPP`.
        case sendOutOfBand(process: Int, end: String, data: [UInt8], nonblocking: Bool)
        /// `recv(MSG_OOB)` (`peek`: with `MSG_PEEK`): the out-of-band byte (see
        /// ``receiveOutOfBand(_:process:end:max:peek:)``). Never sleeps.
        case receiveOutOfBand(process: Int, end: String, max: Int, peek: Bool)
        /// `ioctl(SIOCATMARK)`: whether the next read starts at the out-of-band mark (see ``atMark(_:)``).
        case atMark(process: Int, end: String)
        /// `setsockopt(SOL_SOCKET, SO_OOBINLINE, value)`.
        case setOutOfBandInline(process: Int, end: String, value: Int)
        case receive(process: Int, end: String, max: Int, nonblocking: Bool, maxFiles: Int)
        /// A receive (`peek`: `MSG_PEEK`) with `MSG_TRUNC` in its flags: as ``receive`` or ``peek``, but a truncated
        /// datagram or record reports its whole length (``Received/length``); a stream ignores the flag.
        case receiveTruncating(process: Int, end: String, max: Int, nonblocking: Bool, peek: Bool)
        /// A receive with `MSG_WAITALL` in its flags: a blocking stream receive waits for all `max` bytes (short only
        /// at end of file, an error, descriptors or a signal); otherwise as ``receive``.
        case receiveWaitingAll(process: Int, end: String, max: Int, nonblocking: Bool)
        /// `sendmmsg`: the messages in order, each through ``send`` (no descriptors), until one fails (see
        /// `UnixSocketModel+Batches`).
        case sendBatch(process: Int, end: String, messages: [[UInt8]], nonblocking: Bool, to: String?)
        /// `recvmmsg` of `count` entries of `max` bytes each, `MSG_WAITFORONE` if `waitForOne`, with a timeout or none
        /// (see `UnixSocketModel+Batches`).
        case receiveBatch(process: Int, end: String, max: Int, count: Int, nonblocking: Bool, waitForOne: Bool, timeout: BatchTimeout?)
        /// A client's loop of blocking receives until `size` bytes have arrived, end of file or an error (stream
        /// sockets only).
        case receiveExactly(process: Int, end: String, size: Int)
        /// `recvmsg` with `MSG_PEEK`: what a receive would return, left queued (see ``peek(_:process:end:max:nonblocking:maxFiles:)``).
        case peek(process: Int, end: String, max: Int, nonblocking: Bool, maxFiles: Int)
        /// `shutdown(end, how)`: 0 `SHUT_RD`, 1 `SHUT_WR`, 2 `SHUT_RDWR` (anything else `EINVAL`).
        case shutdown(process: Int, end: String, how: Int)
        /// `poll` of one socket for `events` (`POLLHUP` and `POLLERR` are reported unasked) with a timeout in
        /// milliseconds: 0 returns at once, a negative one waits until something is ready.
        case poll(process: Int, end: String, events: PollEvents, timeout: Int)
        /// `select` of one socket, in the read set, the write set or both, with a timeout in milliseconds (see
        /// ``select(_:process:end:read:write:timeout:)``).
        case select(process: Int, end: String, read: Bool, write: Bool, timeout: Int)
        /// `select` with the socket in the exceptional set too (and in the read and write sets as asked): ready
        /// there on `POLLPRI`, a stream's out-of-band byte (see
        /// ``selectWithExceptions(_:process:end:read:write:timeout:)``).
        case selectWithExceptions(process: Int, end: String, read: Bool, write: Bool, timeout: Int)
        /// `getsockopt(SOL_SOCKET, option)`.
        case getOption(process: Int, end: String, option: SocketOption)
        /// `getsockopt` or `setsockopt` (`set`) of an option no socket option answers: `level` other than `SOL_SOCKET`,
        /// or an `option` `SOL_SOCKET` does not know or (set) only reports (see ``refusedOption(_:process:end:level:)``).
        case refusedOption(process: Int, end: String, set: Bool, level: Int, option: Int)
        /// `setsockopt(SOL_SOCKET, SO_PASSPIDFD, value)` (see `UnixSocketModel+Pidfd`).
        case setPassPidfd(process: Int, end: String, value: Int)
        /// `setsockopt(SOL_SOCKET, SO_PASSCRED, value)` (see `UnixSocketModel+Credentials`).
        case setPassCredentials(process: Int, end: String, value: Int)
        /// `setsockopt(SOL_SOCKET, SO_PASSSEC, value)` (see `UnixSocketModel+Security`).
        case setPassSecurity(process: Int, end: String, value: Int)
        /// `sendmsg` with one or more `SCM_CREDENTIALS` messages, and maybe `SCM_RIGHTS`, as `control` says (see
        /// ``sendWithCredentials(_:process:end:data:nonblocking:control:)``).
        case sendCredentials(process: Int, end: String, data: [UInt8], nonblocking: Bool, control: SentControl)
        /// `setsockopt(SOL_SOCKET, SO_SNDBUF, value)`.
        case setSendBuffer(process: Int, end: String, value: Int)
        /// `setsockopt(SOL_SOCKET, SO_PEEK_OFF, value)` (see ``peekingAtOffset(_:end:_:)``).
        case setPeekOffset(process: Int, end: String, value: Int)
        /// `setsockopt(SOL_SOCKET, SO_SNDTIMEO if send else SO_RCVTIMEO, timeout)` (see `UnixSocketModel+Timeouts`).
        case setTimeout(process: Int, end: String, send: Bool, timeout: SocketTimeout)
        /// `ioctl(SIOCOUTQ)` if `outgoing`, else `ioctl(SIOCINQ)`.
        case queued(process: Int, end: String, outgoing: Bool)
        case connect(process: Int, nonblocking: Bool)
        /// A bound datagram socket's `connect(end, address of to)`: fixes its peer (see
        /// ``connectPeer(_:process:end:to:)``). Never sleeps.
        case connectPeer(process: Int, end: String, to: String)
        /// `connect` of the object's socket `end`, or (nil) of a new socket of `type` (nil: the object's) closed at
        /// once, to `address`: a path or name that is no socket's, or a socket's of the object (see
        /// ``connectTo(_:process:end:type:address:nonblocking:)``). Sleeps only on a full backlog.
        case connectTo(process: Int, end: String?, type: SocketType?, address: BindAddress, nonblocking: Bool)
        /// `connect(end, AF_UNSPEC)`: a datagram socket left with no peer (see ``disconnectPeer(_:process:end:)``).
        case disconnectPeer(process: Int, end: String)
        /// `accept4(end, flags)`: `SOCK_NONBLOCK` (0x800) makes the accepted socket nonblocking, `SOCK_CLOEXEC`
        /// (0x80000) changes nothing a trace shows, any other bit fails `EINVAL` (see
        /// ``accept(_:process:end:nonblocking:flags:)``).
        case accept(process: Int, end: String, nonblocking: Bool, flags: Int = 0)
        /// `bind` of the object's socket `end`, or (nil) of a new socket of `type` (nil: the object's) closed at once,
        /// to `address` (see ``bind(_:process:end:type:address:)``). Never sleeps.
        case bind(process: Int, end: String?, type: SocketType?, address: BindAddress)
        /// `socket(domain, type, protocol)`: a new socket, closed at once (only its type or error is judged; the
        /// domain is `AF_UNIX`, 1, or out of range).
        case socket(process: Int, domain: Int, type: Int, protocol: Int)
        /// `socketpair(domain, type, protocol)`: a new pair, closed at once (see ``createdPair``).
        case socketPair(process: Int, domain: Int, type: Int, protocol: Int)
        /// `getsockname` (`peer` false) or `getpeername` of the object's socket `end`, or (nil) of a new socket closed
        /// at once (see ``socketName(_:process:end:peer:)``).
        case socketName(process: Int, end: String?, peer: Bool)
        /// `listen(end, backlog)` again, on the listener (a new backlog) or on any other socket (an error).
        case listen(process: Int, end: String, backlog: Int)
        case close(process: Int, end: String)
        case readFile(process: Int, file: String, max: Int)
        case closeFile(process: Int, file: String)
        case probe(process: Int, file: String)
        /// The process died or exited: every descriptor it held closes.
        case exit(process: Int)
        /// `epoll_ctl` or `epoll_wait` on the process's epoll instance for this object (see `UnixSocketModel+Epoll`).
        case epoll(process: Int, call: EpollCall)
        /// A call on a kept epoll instance, or one naming an instance as a target (see `UnixSocketModel+NestedEpoll`).
        case nestedEpoll(process: Int, call: NestedEpollCall)
        /// `fcntl`'s owner, signal and `O_ASYNC` commands on a socket (see `UnixSocketModel+Owner`).
        case fileControl(process: Int, end: String, command: FileControl)
        /// `sigtimedwait` with a zero timeout (or, `wait`, `sigwaitinfo`) by the process for `signals`, which it keeps
        /// blocked: one of the I/O signals its sockets sent it (see `UnixSocketModel+Async`).
        case takeSignal(process: Int, signals: [Int], wait: Bool)
        /// `read` (one size) or `readv` (`vectored`: one size per buffer) of the socket: a receive with no flags but
        /// the description's, no control buffer and no `MSG_TRUNC` to report — nothing at all when the sizes add up
        /// to 0 (see `UnixSocketModel+ReadWrite`).
        case read(process: Int, end: String, sizes: [Int], vectored: Bool)
        /// `write` (one buffer) or `writev` (`vectored`) of the socket: a send with no flags but the description's; a
        /// `writev` of 0 bytes reaches no socket (see `UnixSocketModel+ReadWrite`).
        case write(process: Int, end: String, buffers: [[UInt8]], vectored: Bool)
        /// `dup` (nil) or `dup2`/`dup3` of the process's descriptor of the socket: one more holder (see
        /// `UnixSocketModel+Duplicate`).
        case duplicate(process: Int, end: String, call: PipeModel.DuplicateCall?)
        /// `fstat` of the process's descriptor of the socket (see `UnixSocketModel+Duplicate`).
        case status(process: Int, end: String)
    }

    /// What a receive delivered.
    public struct Received: Hashable, Sendable {
        public var data: [UInt8]
        /// `MSG_TRUNC`: the datagram or record was longer than the buffer.
        public var truncated: Bool
        public var files: [String]
        /// `MSG_CTRUNC`: descriptors were closed for want of control-buffer room.
        public var filesTruncated: Bool
        /// Bound datagram sockets: the sending socket.
        public var from: String?
        /// What the call returned when it differs from the bytes delivered: with `MSG_TRUNC` in its flags, a
        /// truncated datagram's or record's whole length.
        public var length: Int?
        /// `SCM_PIDFD` (the receiver's `SO_PASSPIDFD`): the trace process whose send queued the message; in the model's
        /// own outcomes ``UnixSocketModel/pidfdNotJudged`` where it does not judge it.
        public var pidfd: Int?
        /// `SCM_CREDENTIALS` (the receiver's `SO_PASSCRED`): whose credentials the message carried — the trace process
        /// whose send queued it, or none (pid 0, ids 65534: the kernel recorded no sender) — with the ids when known.
        public var credentials: PeerCredentials?

        public init(
            data: [UInt8], truncated: Bool = false, files: [String] = [], filesTruncated: Bool = false, from: String? = nil,
            length: Int? = nil, pidfd: Int? = nil, credentials: PeerCredentials? = nil
        ) {
            self.credentials = credentials
            self.pidfd = pidfd
            self.length = length
            self.data = data
            self.truncated = truncated
            self.files = files
            self.filesTruncated = filesTruncated
            self.from = from
        }
    }

    public enum Output: Hashable, Sendable {
        case sent(Int)
        /// `sendmmsg`: each sent message's `msg_len`, as many as it returned.
        case sentBatch([Int])
        /// `recvmmsg`: each filled entry, as many as it returned.
        case receivedBatch([Received])
        case received(Received)
        /// A connection was made or accepted; the socket's name (`client-2`, `server-2`).
        case connected(String)
        case closed
        case fileData([UInt8])
        /// Whether the pipe still has a write end open anywhere.
        case probed(open: Bool)
        /// `poll`'s `revents` (empty when it timed out).
        case polled(PollEvents)
        /// What `getsockopt(SO_RCVTIMEO/SO_SNDTIMEO)` reported.
        case timeout(SocketTimeout)
        /// `select`'s verdict for the one socket (both false when it timed out).
        case selected(readable: Bool, writable: Bool)
        /// `select`'s verdict with the exceptional set.
        case selectedWithExceptions(readable: Bool, writable: Bool, exceptional: Bool)
        /// A number `getsockopt` or `ioctl` reported.
        case value(Int)
        /// `SO_PEERCRED`: whose credentials, with the ids when known.
        case peerCredentials(PeerCredentials)
        /// `getsockname`/`getpeername`: whose address (the object's socket whose `bind` made it), or `unnamed`.
        case address(String)
        /// `SO_ERROR`: the pending error, or none (0).
        case socketError(ErrorCode?)
        /// `socket` made a socket of this type (and it was closed).
        case created(SocketType)
        /// `socketpair` made a pair of this type (and closed it), both ends with `O_NONBLOCK` and `FD_CLOEXEC` as
        /// given (nil in a recorded outcome that left them out: then not judged).
        case pairCreated(SocketType, nonblocking: Bool?, closeOnExec: Bool?)
        case exited
        /// `epoll_ctl` done.
        case epollControlled
        /// What `epoll_wait` reported, sorted (empty: it returned 0).
        case epollEvents([EpollReport])
        /// A wait's events when one names an instance, sorted (see `UnixSocketModel+NestedEpoll`).
        case nestedEpollEvents([NestedEpollReport])
        /// `epoll_create`/`epoll_create1` made an instance (closed at once): its `FD_CLOEXEC` (nil: not recorded).
        case epollCreated(closeOnExec: Bool?)
        /// `F_GETFL`: `O_NONBLOCK` and `O_ASYNC`.
        case flags(nonblocking: Bool, async: Bool)
        /// `F_GETOWN`.
        case owner(PipeModel.OwnerReport)
        /// `F_GETOWN_EX`.
        case ownerEx(PipeModel.OwnerType, PipeModel.OwnerReport)
        /// `F_GETSIG`.
        case ioSignal(Int)
        /// What `sigtimedwait` took.
        case signalTaken(PipeModel.TakenSignal)
        /// `fstat`: the file type (`S_IFSOCK`), its permission bits and `st_size`.
        case status(type: String, mode: Int, size: Int)
        case failed(ErrorCode)
    }

    /// How an object's sockets start.
    public enum Shape: Hashable, Sendable {
        /// A `socketpair`: ends `a` and `b`, each held by some processes.
        case pair(a: [Int], b: [Int])
        /// A stream or seqpacket socket listening on an address (socket `listen`); any process may connect once
        /// (socket `client-P`, whose other side is `server-P`).
        case listener(holders: [Int], backlog: Int)
        /// Datagram sockets bound to addresses, one per process (socket `pP`).
        case bound(processes: [Int])
    }

    /// A file that may be passed.
    public struct FileSetup: Hashable, Sendable {
        public var name: String
        /// A memory file with this content; nil for a pipe's write end.
        public var content: [UInt8]?
        public var holders: [Int]
        /// Pipes: who holds the read end.
        public var readers: [Int]

        public init(name: String, content: [UInt8]?, holders: [Int], readers: [Int] = []) {
            self.name = name
            self.content = content
            self.holders = holders.sorted()
            self.readers = readers.sorted()
        }
    }

    public struct Setup: Hashable, Sendable {
        public var type: SocketType
        public var shape: Shape
        public var files: [FileSetup]
        /// Whether the listener's or the bound sockets' addresses are paths or abstract names; nil when the trace
        /// does not say (then `bind` to them allows what either would give).
        public var address: AddressKind?
        /// The trace process that made the pair or the listener before the trace began; nil: the harness.
        public var creator: Int?
        /// Processes' users and groups (`SO_PEERCRED`'s ids); a process not listed runs as a user not known.
        public var users: [Int: Permissions.User]
        /// Processes' real and saved ids where they differ from the effective ones in `users` (see
        /// `UnixSocketModel+HeldIds`).
        public var heldIds: [Int: HeldIds]

        public init(
            type: SocketType, shape: Shape, files: [FileSetup] = [], address: AddressKind? = nil, creator: Int? = nil,
            users: [Int: Permissions.User] = [:], heldIds: [Int: HeldIds] = [:]
        ) {
            self.type = type
            self.shape = shape
            self.files = files
            self.address = address
            self.creator = creator
            self.users = users
            self.heldIds = heldIds
        }
    }

    /// `SO_SNDBUF` of every socket (net.core.wmem_default).
    public let sendBuffer: Int
    /// net.core.wmem_max: the largest value `setsockopt(SO_SNDBUF)` takes (before it doubles it).
    public let sendBufferMaximum: Int
    /// net.unix.max_dgram_qlen.
    public let datagramQueue: Int
    public let setups: [(name: String, setup: Setup)]
    /// Whether every process always has more free descriptor numbers than a receive could install (the harness's
    /// workers have hundreds). When not (a trace's `params` say nothing of the tables), a receive of descriptors may
    /// stop installing at any one of them — `EMFILE` of a full table, which no trace shows — and the rest are closed
    /// with `MSG_CTRUNC` (see ``receiveOutcomes(_:process:)``).
    public let tablesNeverFull: Bool
    /// The kernel's security modules as `/sys/kernel/security/lsm` lists them (params `"lsm"`); nil when the trace
    /// does not say. `SO_PEERSEC` and `SO_PASSSEC` are judged only when they name no module that labels sockets (see
    /// `UnixSocketModel+Security`).
    public let securityModules: [String]?

    public init(
        sendBuffer: Int = 212_992, sendBufferMaximum: Int = 4_194_304, datagramQueue: Int = 10,
        objects: [(name: String, setup: Setup)], tablesNeverFull: Bool = true, securityModules: [String]? = nil
    ) {
        self.tablesNeverFull = tablesNeverFull
        self.securityModules = securityModules
        self.sendBuffer = sendBuffer
        self.sendBufferMaximum = sendBufferMaximum
        self.datagramQueue = datagramQueue
        self.setups = objects
    }

    public var objects: [String] { setups.map(\.name) }

    func setup(of object: String) -> Setup? { setups.first { $0.name == object }?.setup }

    public func initialState(of object: String) -> State {
        let setup = setup(of: object) ?? Setup(type: .stream, shape: .pair(a: [], b: []))
        var sockets: [Socket] = []
        var backlog = 0
        let creator: Credentials = setup.creator.map { .process($0) } ?? .harness
        switch setup.shape {
        case .pair(let a, let b):
            sockets = [Socket(name: "a", holders: a, peer: "b"), Socket(name: "b", holders: b, peer: "a")]
            for index in sockets.indices { sockets[index].credentials = creator }
        case .listener(let holders, let limit):
            sockets = [Socket(name: "listen", holders: holders, isListener: true, isBound: true)]
            sockets[0].credentials = creator
            backlog = limit
        case .bound(let processes):
            sockets = processes.sorted().map { Socket(name: "p\($0)", holders: [$0], isBound: true) }
        }
        var contents: [String: [UInt8]] = [:]
        for file in setup.files { if let content = file.content { contents[file.name] = content } }
        var state = State(
            type: setup.type, sendBuffer: sendBuffer, datagramQueue: datagramQueue, backlog: backlog,
            reportsSender: { if case .bound = setup.shape { return true } else { return false } }(),
            addressKind: setup.address, contents: contents,
            sockets: sockets,
            files: setup.files.map { PassedFile(name: $0.name, isPipe: $0.content == nil, holders: $0.holders, readers: $0.readers) })
        state.users = setup.users
        state.heldIds = setup.heldIds
        return state
    }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        switch input {
        case .sendBatch, .receiveBatch: return batchSteps(state, input, output)
        default: break
        }
        if case .nestedEpoll(let process, let call) = input { return nestedEpollSteps(state, process: process, call: call, output: output) }
        if case .epoll(let process, .wait(let maxEvents, let timeout, let form)) = input, state.implicitHoldsInstances(process: process),
            !state.epollUnjudged.contains(process)
        {
            let wait = NestedEpollCall.wait(instance: NestedEpoll.implicitInstance, maxEvents: maxEvents, timeout: timeout, form: form)
            return nestedEpollSteps(state, process: process, call: wait, output: output)
        }
        if case .epoll(let process, let call) = input {
            return epollOutcomes(state, process: process, call: call).filter { output == nil || $0.output == nil || $0.output == output }
                .map { .completed($0.next) }
        }
        if case .takeSignal(let process, let signals, _) = input, case .signalTaken(let taken)? = output,
            state.ioSignals.takeIsUnjudged(by: process, signals: signals, taken: taken)
        {
            return [.completed(state)]  // a signal whose count the model does not know
        }
        let candidates = outcomes(of: input, in: state)
        if output == .failed(.EINTR), candidates.isEmpty, Self.maySleep(input) {
            // Asleep with nothing moved (a receive with nothing to take, an accept with nobody connecting, a send
            // with no room): a handled signal ends it with EINTR and no effect.
            var next = state
            if let progress = state.progress(of: input.process), progress.sent == 0, progress.received.isEmpty {
                next.setProgress(nil, of: input.process)
            }
            return [.completed(next)]
        }
        return candidates.compactMap { candidate in
            guard let candidateOutput = candidate.output else {
                // A bind's piece (its new socket holding the name) leads only to its success.
                if case .bind = input, let output, output != .closed { return nil }
                return Self.pieceMayLeadTo(output, candidate.step.state.progress(of: input.process)) ? candidate.step : nil
            }
            guard let output else { return candidate.step }
            return Self.outputAgrees(output, with: candidateOutput) ? candidate.step : nil
        }
    }

    /// Whether `input` is a call that sleeps when it cannot proceed (and so may be interrupted there).
    static func maySleep(_ input: Input) -> Bool {
        switch input {
        case .send(_, _, _, let nonblocking, _, _), .receive(_, _, _, let nonblocking, _), .connect(_, let nonblocking),
            .sendOutOfBand(_, _, _, let nonblocking), .sendCredentials(_, _, _, let nonblocking, _),
            .receiveTruncating(_, _, _, let nonblocking, _), .receiveWaitingAll(_, _, _, let nonblocking),
            .connectTo(_, _, _, _, let nonblocking), .accept(_, _, let nonblocking, _), .peek(_, _, _, let nonblocking, _):
            !nonblocking
        case .poll(_, _, _, let timeout), .select(_, _, _, _, let timeout),
            .selectWithExceptions(_, _, _, _, let timeout):
            timeout < 0
        case .takeSignal(_, _, let wait): wait
        case .read, .write: plainTransfer(input).map { maySleep($0) } ?? false
        default: false
        }
    }

    /// Every way `input` may take effect from `state`: a completion with its output, or a piece (no output).
    public func outcomes(of input: Input, in state: State) -> [(output: Output?, step: Step<State>)] {
        if case .read = input { return plainOutcomes(of: input, in: state) }
        if case .write = input { return plainOutcomes(of: input, in: state) }
        var candidates = pidfdsAttached(input, before: state, transitions(state, input))
        var signalling = !state.ioSignals.owners.isEmpty || !state.ioSignals.async.isEmpty
        if case .exit = input { signalling = true }  // its owners may be gone
        if signalling {
            // What the call did to the sockets sends their owners signals (see UnixSocketModel+Async).
            candidates = candidates.map { candidate in
                let next = signalsAfter(input, output: candidate.output, before: state, after: candidate.step.state)
                if case .partial = candidate.step { return (candidate.output, .partial(next)) }
                return (candidate.output, .completed(next))
            }
        }
        if case .epoll = input { return candidates }
        if case .nestedEpoll = input { return candidates }
        if state.type == .dgram {
            // Which sockets may be hooked to their peer's `peer_wait` (see UnixSocketModel+Epoll), followed always:
            // a registration added later hears the relay.
            candidates = candidates.map { candidate in
                let next = peerWakeHooks(input, before: state, after: candidate.step.state)
                if case .partial = candidate.step { return (candidate.output, .partial(next)) }
                return (candidate.output, .completed(next))
            }
        }
        if state.epoll.isEmpty && state.epollUnjudged.isEmpty && !state.hasNesting { return candidates }
        // What the call did to the sockets is news to epoll registrations (see UnixSocketModel+Epoll).
        return candidates.map { candidate in
            let next = epollAfter(input, output: candidate.output, before: state, after: candidate.step.state)
            if case .partial = candidate.step { return (candidate.output, .partial(next)) }
            return (candidate.output, .completed(next))
        }
    }

    /// Whether a stream operation that has got as far as `progress` can still end with the recorded `output`.
    static func pieceMayLeadTo(_ output: Output?, _ progress: Progress?) -> Bool {
        guard let output, let progress else { return true }
        switch output {
        case .sent(let total): return progress.sent <= total
        case .received(let received):
            return received.data.starts(with: progress.received) && received.files.starts(with: progress.files)
        case .failed: return progress.sent == 0 && progress.received.isEmpty
        default: return false
        }
    }

    public func abandon(_ state: State, _ input: Input) -> State {
        var next = state.closingNewSocket(of: input.process)
        next.setProgress(nil, of: input.process)
        next.setBatch(nil, of: input.process)
        return next
    }

    public func estimatedSize(of state: State) -> Int {
        200 + state.sockets.reduce(0) { $0 + 120 + $1.queue.count * 64 } + state.files.count * 64
    }
}

extension UnixSocketModel.Input {
    public var process: Int {
        switch self {
        case .send(let process, _, _, _, _, _), .receive(let process, _, _, _, _), .receiveTruncating(let process, _, _, _, _), .receiveWaitingAll(let process, _, _, _), .receiveExactly(let process, _, _),
            .connect(let process, _), .connectPeer(let process, _, _), .disconnectPeer(let process, _),
            .connectTo(let process, _, _, _, _),
            .accept(let process, _, _, _), .close(let process, _), .readFile(let process, _, _), .socketPair(let process, _, _, _),
            .closeFile(let process, _), .probe(let process, _), .exit(let process), .peek(let process, _, _, _, _),
            .shutdown(let process, _, _), .poll(let process, _, _, _), .select(let process, _, _, _, _), .getOption(let process, _, _),
            .setSendBuffer(let process, _, _), .setPeekOffset(let process, _, _), .setTimeout(let process, _, _, _),
            .queued(let process, _, _), .listen(let process, _, _),
            .sendOutOfBand(let process, _, _, _), .receiveOutOfBand(let process, _, _, _), .atMark(let process, _),
            .setOutOfBandInline(let process, _, _), .selectWithExceptions(let process, _, _, _, _),
            .socket(let process, _, _, _), .bind(let process, _, _, _), .epoll(let process, _), .nestedEpoll(let process, _),
            .fileControl(let process, _, _), .takeSignal(let process, _, _), .socketName(let process, _, _),
            .refusedOption(let process, _, _, _, _), .sendBatch(let process, _, _, _, _), .setPassPidfd(let process, _, _),
            .setPassCredentials(let process, _, _), .setPassSecurity(let process, _, _), .sendCredentials(let process, _, _, _, _),
            .receiveBatch(let process, _, _, _, _, _, _), .read(let process, _, _, _), .write(let process, _, _, _),
            .duplicate(let process, _, _), .status(let process, _):
            process
        }
    }
}
