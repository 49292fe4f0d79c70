extension UnixSocketModel {
    static let wrongProtocolType = ErrorCode("EPROTOTYPE")

    /// What looking up an address finds (`unix_find_other`): a socket of the object, or the lookup's error.
    enum Lookup {
        case socket(Int)
        case failed(ErrorCode)
    }

    /// The addresses `address` may be, looked up by a socket of `type` (measured in
    /// `UnixSocketBindConnectFactsTests`): a path that does not exist (`fresh-path`, `missing-directory`) fails
    /// `ENOENT`; a file that is no socket (`existing-file`: one the process may write, as `/dev/null`; one it may not
    /// fails `EACCES` first, measured as uid 65534 with `/proc/self/status`) and an abstract name nobody holds
    /// (`fresh-abstract`) `ECONNREFUSED`. A socket's path finds that socket while it is open (`ECONNREFUSED` once it closed: the file
    /// stays, the socket is gone), and `EPROTOTYPE` when it is of another type; an abstract name finds only a socket
    /// of the looker's type (abstract names are per type), so another type is `ECONNREFUSED`. When the trace does not
    /// say which kind the object's addresses are, both are allowed. A socket with no address of its own (a client or
    /// a pair's end never bound, an accepted socket, which shares its listener's) gives nothing: no call can name it.
    func lookUp(_ state: State, _ address: BindAddress, type: SocketType) -> [Lookup] {
        switch address {
        case .freshPath, .missingDirectory: return [.failed(.ENOENT)]
        case .existingFile, .freshAbstract: return [.failed(.ECONNREFUSED)]
        case .of(let name):
            guard let target = state.socketIndex(name) else { return [] }
            let socket = state.sockets[target]
            let kinds: [AddressKind]
            if socket.isListener || (state.reportsSender && socket.newSocketType == nil && socket.isBound) {
                kinds = state.addressKind.map { [$0] } ?? AddressKind.allCases
            } else if let own = socket.ownAddress {
                kinds = [own]
            } else {
                return []
            }
            return kinds.map { kind in
                switch kind {
                case .abstract:
                    return state.holder(ofNameOf: name, type: type).map(Lookup.socket) ?? .failed(.ECONNREFUSED)
                case .path:
                    if socket.released { return .failed(.ECONNREFUSED) }
                    return state.type(of: socket) == type ? .socket(target) : .failed(Self.wrongProtocolType)
                }
            }
        }
    }

    /// `connect` of the object's socket `end`, or (nil) of a new socket of `type` (the object's if nil) closed at
    /// once, to `address` (measured in `UnixSocketBindConnectFactsTests`). The address is looked up first
    /// (``lookUp(_:_:type:)``: `ENOENT`, `ECONNREFUSED`, `EPROTOTYPE`). A datagram socket then connects unless the
    /// socket found has a peer other than it (`EPERM`); a new one changes nothing (it closes at once), the object's
    /// socket takes the peer as ``connectPeer(_:process:end:to:)`` does. A stream or seqpacket socket is refused
    /// (`ECONNREFUSED`) by a socket that does not listen — a bound one, or a new socket holding the name inside a
    /// bind — then meets a full backlog (`EAGAIN`, or asleep), and only then its own state: a listener `EINVAL`, a
    /// connected socket (a pair's end, a client, an accepted socket) `EISCONN`. A new socket of the listener's own
    /// type connecting to it is the plain `connect` (the trace form refuses it here).
    func connectTo(
        _ state: State, process: Int, end: String?, type: SocketType?, address: BindAddress, nonblocking: Bool
    ) -> Transitions {
        var index: Int?
        if let end {
            guard let found = state.socketIndex(end), state.sockets[found].holders.contains(process) else {
                return failure(state, .EBADF)
            }
            index = found
        }
        let socketType = end == nil ? type ?? state.type : state.type
        return lookUp(state, address, type: socketType).flatMap { lookup -> Transitions in
            guard case .socket(let target) = lookup else {
                if case .failed(let code) = lookup { return failure(state, code) }
                return []
            }
            if socketType == .dgram {
                if let targetPeer = state.connectedPeer(of: state.sockets[target]), targetPeer != end {
                    return failure(state, .EPERM)
                }
                guard let index else { return [(.closed, .completed(state))] }
                return [(.closed, .completed(movingPeer(state, index, to: state.sockets[target].name)))]
            }
            let listener = state.sockets[target]
            guard listener.isListener, !listener.readShut else { return failure(state, .ECONNREFUSED) }
            if listener.pending.count > state.backlog { return nonblocking ? failure(state, .EAGAIN) : [] }
            guard let index else { return [] }
            return failure(state, state.sockets[index].isListener ? .EINVAL : .EISCONN)
        }
    }
}
