extension UnixSocketModel {
    /// `poll` events of one socket descriptor, by their names in a trace.
    public struct PollEvents: OptionSet, Hashable, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// `POLLIN`: something to read (a message, end of file, or a connection waiting on a listener).
        public static let input = PollEvents(rawValue: 1 << 0)
        /// `POLLOUT`: room in the send buffer.
        public static let output = PollEvents(rawValue: 1 << 1)
        /// `POLLRDHUP`: the receiving side is shut (`RCV_SHUTDOWN`).
        public static let readHangUp = PollEvents(rawValue: 1 << 2)
        /// `POLLHUP`: both sides are shut; reported whether asked for or not.
        public static let hangUp = PollEvents(rawValue: 1 << 3)
        /// `POLLERR`: a socket error is pending; reported whether asked for or not.
        public static let error = PollEvents(rawValue: 1 << 4)
        /// `POLLPRI`: a stream's out-of-band byte waits (`MSG_OOB`, not yet taken or passed).
        public static let priority = PollEvents(rawValue: 1 << 5)

        /// The trace's names, in the order the trace writes them.
        public static let names: [(name: String, event: PollEvents)] = [
            ("POLLIN", .input), ("POLLOUT", .output), ("POLLRDHUP", .readHangUp), ("POLLHUP", .hangUp),
            ("POLLERR", .error), ("POLLPRI", .priority),
        ]

        /// Those a caller may ask for (`POLLHUP` and `POLLERR` are always reported).
        public static let requestable: PollEvents = [.input, .output, .readHangUp, .priority]

        public var names: [String] { Self.names.filter { contains($0.event) }.map(\.name) }
    }

    /// The socket's readiness as this kernel's `unix_poll` (stream) and `unix_dgram_poll` (datagram and seqpacket)
    /// compute it (measured in `UnixSocketPollFactsTests`):
    /// - `POLLERR` while an error is pending (`ECONNRESET` after a peer closed with unread bytes, until it is read);
    /// - `POLLIN` and `POLLRDHUP` once the receiving side is shut (its own `SHUT_RD`, a stream or seqpacket peer's
    ///   `SHUT_WR` or close); `POLLHUP` once both sides are (a stream or seqpacket peer's close shuts both); a
    ///   socket's own `SHUT_WR` alone reports nothing;
    /// - `POLLIN` while its queue holds a message (an empty record too, and a stream's out-of-band buffer whose byte
    ///   `MSG_OOB` took) or, on a listener, a connection waits; `POLLPRI` while a stream's out-of-band byte waits
    ///   (measured, `UnixSocketOutOfBandFactsTests`);
    /// - `POLLOUT` unless it listens, while `(memory + 1) × 4 ≤ sendBuffer` (`unix_writable`: the send buffer's
    ///   charge `sk_wmem_alloc` counts 1 more than the true sizes queued), and on a datagram socket not while the
    ///   peer it connected to is not connected back and has a full queue (measured; a pair's ends are connected to
    ///   each other, so only a bound socket's `connect` makes this happen).
    func readiness(of socket: Socket, in state: State) -> PollEvents {
        var events: PollEvents = []
        if socket.error != nil { events.insert(.error) }
        let streamLike = state.type != .dgram
        let readShut = socket.readShut || (streamLike && socket.peerClosed)
        let writeShut = socket.writeShut || (streamLike && socket.peerClosed)
        if readShut { events.formUnion([.input, .readHangUp]) }
        if readShut && writeShut { events.insert(.hangUp) }
        if !socket.queue.isEmpty || !socket.pending.isEmpty { events.insert(.input) }
        if state.type == .stream && socket.queue.contains(where: \.urgent) { events.insert(.priority) }
        if !socket.isListener && (socket.memory + 1) * 4 <= state.sendBuffer(of: socket) && !peerIsFull(socket, in: state) {
            events.insert(.output)
        }
        return events
    }

    /// Whether a datagram socket's peer is not connected back and its queue is past the limit (`unix_dgram_poll`).
    func peerIsFull(_ socket: Socket, in state: State) -> Bool {
        guard state.type == .dgram, let peer = state.connectedPeer(of: socket), let index = state.socketIndex(peer) else {
            return false
        }
        let target = state.sockets[index]
        return !target.released && state.connectedPeer(of: target) != socket.name && target.queue.count > state.datagramQueue
    }

    /// `poll` on one socket: what it reports is its readiness, among the events asked for plus `POLLHUP` and
    /// `POLLERR`, at one instant. With a zero timeout that instant is the call; a negative one sleeps while nothing
    /// is ready (a handled signal ends the sleep with `EINTR`, never restarted); a positive one may also sleep and
    /// may run out at any point asleep (the model keeps no time), returning nothing, or end with `EINTR`.
    func poll(_ state: State, process: Int, end: String, events: PollEvents, timeout: Int) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return [(.failed(.EBADF), .completed(state))]
        }
        let ready = readiness(of: state.sockets[index], in: state).intersection(events.union([.hangUp, .error]))
        if !ready.isEmpty || timeout == 0 { return [(.polled(ready), .completed(state))] }
        if timeout < 0 { return [] }
        return [(.polled([]), .completed(state)), (.failed(.EINTR), .completed(state))]
    }
}
