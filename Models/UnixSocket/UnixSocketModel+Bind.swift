extension UnixSocketModel {
    /// Whether an object's addresses are file-system paths or abstract names: a path stays taken after its socket
    /// closes (until it is unlinked, which the harness does after the run), an abstract name frees with its socket.
    public enum AddressKind: String, Hashable, Sendable, CaseIterable {
        case path, abstract
    }

    static let addressInUse = ErrorCode("EADDRINUSE")

    /// Where a `bind` points.
    public enum BindAddress: Hashable, Sendable {
        /// The address of the object's socket of this name: the listener's (`listen`) or a bound datagram socket's
        /// (`pP`).
        case of(String)
        /// A path or abstract name nobody holds.
        case freshPath, freshAbstract
        /// A path in a directory that does not exist.
        case missingDirectory
        /// A path where a file that is not a socket exists.
        case existingFile

        /// The trace's names for the addresses that are not a socket's.
        static let names: [(name: String, address: BindAddress)] = [
            ("fresh-path", .freshPath), ("fresh-abstract", .freshAbstract), ("missing-directory", .missingDirectory),
            ("existing-file", .existingFile),
        ]

        /// The address a trace names: `fresh-path` and so on, or else the socket of that name's.
        public init(name: String) { self = Self.names.first { $0.name == name }?.address ?? .of(name) }

        /// Whether it is a socket's address rather than a path or name that is no socket's.
        public var isSocket: Bool { if case .of = self { true } else { false } }

        /// Its name in a trace: the socket's, or `fresh-path` and so on.
        public var name: String {
            if case .of(let socket) = self { return socket }
            return Self.names.first { $0.address == self }!.name
        }
    }

    /// `bind` (`unix_bind`, measured in `UnixSocketBindConnectFactsTests` and `UnixSocketBindFactsTests`) of the
    /// object's socket `end`, or of a new socket of `type` that is closed at once (only the outcome is judged).
    ///
    /// A path is looked up and made first: `ENOENT` in a missing directory, `EADDRINUSE` where any file is (a
    /// socket's path stays after the socket closed) — and only then `EINVAL` for a socket already bound. An abstract
    /// name: `EINVAL` for a bound socket first, then `EADDRINUSE` while a socket of the same type holds the name (the
    /// socket bound to it, not its accepted connections; another type binds the same name). The listener, the bound
    /// datagram sockets and accepted sockets are bound; pair ends and clients are not until a `bind` binds them.
    /// `EBADF` for an `end` the process does not hold. When the trace does not say what kind of address the
    /// object's sockets have, a bind to one of them may give what either kind would.
    ///
    /// A bind of a new socket to the abstract name of a closed socket of the object (free again) takes two steps:
    /// the new socket binds and holds the name (a piece), then closes (the completion). In between, a second bind
    /// of its type fails `EADDRINUSE`, and if it is of the object's type a datagram `send` or `connect` to the name
    /// reaches it — the datagram queued and then discarded by the close, the connecting socket left with a peer
    /// that is gone (measured in `UnixSocketBindInProgressFactsTests`); a socket of another type is not found
    /// (`ECONNREFUSED`), and a stream or seqpacket `connect` is refused by any holder that does not listen. The new
    /// socket exists only inside the bind; afterwards a peer that was the new socket is the closed socket whose
    /// name it took, which behaves alike (both are gone).
    func bind(_ state: State, process: Int, end: String?, type: SocketType?, address: BindAddress) -> Transitions {
        if end == nil, state.socketIndex(Self.newSocketName(of: process)) != nil {
            return [(.closed, .completed(state.closingNewSocket(of: process)))]
        }
        var index: Int?
        if let end {
            guard let found = state.socketIndex(end), state.sockets[found].holders.contains(process) else {
                return failure(state, .EBADF)
            }
            index = found
        }
        let socketType = type ?? state.type
        let alreadyBound = index.map { state.sockets[$0].isBound } ?? false
        func bound(holding name: String? = nil, own: AddressKind? = nil) -> (output: Output?, step: Step<State>) {
            var next = state
            if let index {
                next.sockets[index].isBound = true
                next.sockets[index].holdsNameOf = name
                next.sockets[index].ownAddress = own
            }
            return (.closed, .completed(next))
        }
        switch address {
        case .missingDirectory: return failure(state, .ENOENT)
        case .existingFile: return failure(state, Self.addressInUse)
        // A fresh path is removed by the worker as the bind returns, so only a fresh abstract name stays the
        // socket's own address for a `connect` to name.
        case .freshPath: return alreadyBound ? failure(state, .EINVAL) : [bound()]
        case .freshAbstract: return alreadyBound ? failure(state, .EINVAL) : [bound(own: .abstract)]
        case .of(let name):
            guard let target = state.socketIndex(name), state.sockets[target].isListener || state.reportsSender else {
                return []
            }
            var outcomes: Transitions = []
            for kind in state.addressKind.map({ [$0] }) ?? AddressKind.allCases {
                switch kind {
                case .path:
                    outcomes += failure(state, Self.addressInUse)
                case .abstract:
                    if alreadyBound {
                        outcomes += failure(state, .EINVAL)
                    } else if state.holder(ofNameOf: name, type: socketType) != nil {
                        outcomes += failure(state, Self.addressInUse)
                    } else if index == nil {
                        var next = state
                        var newSocket = Socket(name: Self.newSocketName(of: process), holders: [], isBound: true)
                        newSocket.holdsNameOf = name
                        newSocket.newSocketType = socketType
                        next.sockets.append(newSocket)
                        outcomes.append((nil, .partial(next)))
                    } else {
                        outcomes.append(bound(holding: name))
                    }
                }
            }
            return outcomes
        }
    }

    /// The name of the new socket inside `process`'s bind.
    static func newSocketName(of process: Int) -> String { "bind-\(process)" }
}

extension UnixSocketModel.State {
    /// The state once the new socket inside `process`'s bind (if any) has closed: what was sent to it is discarded,
    /// it leaves the state, and a socket connected to it is connected to the closed socket whose name it held.
    func closingNewSocket(of process: Int) -> Self {
        let name = UnixSocketModel.newSocketName(of: process)
        guard let index = socketIndex(name) else { return self }
        var next = self
        let heldName = sockets[index].holdsNameOf
        next.release(name)
        next.sockets.remove(at: index)
        for other in next.sockets.indices where next.sockets[other].peer == name { next.sockets[other].peer = heldName }
        return next
    }
}
