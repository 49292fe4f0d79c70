/// `epoll_ctl` and `epoll_wait` on a socket pair's ends, as measured in `UnixSocketEpollFactsTests` (stream,
/// `fs/eventpoll.c` over `unix_poll`) and `UnixSocketDatagramEpollFactsTests` (datagram and seqpacket, over
/// `unix_dgram_poll`): what every object shares is ``Epoll``'s; this is what is the socket's.
///
/// - Each process has one epoll instance for this object (made before the trace, holding only its sockets): at most
///   one registration per end it holds.
/// - Level-triggered, a wait reports the poll mask (``readiness(of:in:)``, with `EPOLLRDNORM` beside `EPOLLIN`
///   and `EPOLLWRNORM`/`EPOLLWRBAND` beside `EPOLLOUT`) for the events asked, plus `EPOLLERR`/`EPOLLHUP`.
/// - `EPOLLET` news is what the socket code wakes a socket's queue with: a buffer queued to it (`sock_def_readable`,
///   key `EPOLLIN`: each send of bytes, not a stream send of none; each datagram or record, an empty one too); a
///   buffer it sent freed while it is then writable (`unix_write_space`, key `EPOLLOUT`: the peer's receive that
///   consumes a whole buffer, not part of one — a datagram's receive always does —, the peer's close discarding
///   them, and a datagram send that fails after its buffer was allocated); a successful `shutdown` of it, or of its
///   stream or seqpacket peer, even one that changes nothing, and a stream or seqpacket peer's release (no key: news
///   for every registration; a datagram peer's shutdown and close do not wake it). Calls whose wakes were not
///   measured (`SO_SNDBUF`, which calls `sk_write_space`) may or may not be news.
/// - A registration is the socket's open description and the number it was added with: after its process's close of
///   its last descriptor it keeps reporting while another holder keeps the socket open, and the socket's release
///   drops it. A close of one of several descriptors, or an `epoll_ctl` by a process holding several: from then on
///   the model judges none of that process's epoll calls (``State/epollUnjudged``). A process's exit ends its instance.
/// - A stream or seqpacket listener (`UnixSocketListenerEpollFactsTests`): level-triggered `EPOLLIN` while a connection waits,
///   never `EPOLLOUT`; `EPOLLET` news is each connection queued to it (`sk_data_ready`) and its own `shutdown`, not
///   a refused connect, an accept or a `listen` again. Its clients and accepted sockets are a connected pair's ends.
/// - Only pairs and a listener's sockets are measured: the trace form refuses epoll on bound datagram sockets (whose
///   peer's full queue and `unix_dgram_peer_wake_me` this does not model).
extension UnixSocketModel {
    public typealias EpollRegistration = Epoll.Registration<String>
    public typealias EpollReport = Epoll.Report<String>

    /// A call on the process's epoll instance for this object (target: the end's name; nil: the instance itself).
    public typealias EpollCall = Epoll.Call<String>

    /// `unix_poll`'s mask of `socket` in epoll's bits.
    public func epollMask(of socket: Socket, in state: State) -> Epoll.Events {
        let ready = readiness(of: socket, in: state)
        var mask: Epoll.Events = []
        if ready.contains(.input) { mask.formUnion([.input, .readNormal]) }
        if ready.contains(.output) { mask.formUnion([.output, .writeNormal, .writeBand]) }
        if ready.contains(.readHangUp) { mask.insert(.readHangUp) }
        if ready.contains(.hangUp) { mask.insert(.hangUp) }
        if ready.contains(.error) { mask.insert(.error) }
        return mask
    }

    /// Every way an epoll call may end: its output (nil: not judged, any goes) and the state after it. A wait that
    /// reports nothing may also end `EINTR`; with a negative timeout it can end no other way.
    func epollOutcomes(_ state: State, process: Int, call: EpollCall) -> [(output: Output?, next: State)] {
        Epoll.outcomes(
            of: call, process: process, registrations: state.epoll, unjudged: state.epollUnjudged,
            held: { end in state.socketIndex(end).map { state.sockets[$0].holders.filter { $0 == process }.count } ?? 0 },
            mask: { registration in state.socketIndex(registration.target).map { epollMask(of: state.sockets[$0], in: state) } },
            controlled: Output.epollControlled, reported: { .epollEvents($0) }, failed: { .failed($0) }
        ).map { outcome in
            var next = state
            (next.epoll, next.epollUnjudged) = (outcome.registrations, outcome.unjudged)
            return (outcome.output, next)
        }
    }

    /// The registrations after `input` (not an epoll call) took `before` to `after` with `output` (nil: a piece of a
    /// send or receive): what closes and exits do to them, and the news each socket's wakes bring.
    func epollAfter(_ input: Input, output: Output?, before: State, after: State) -> State {
        var next = after
        if case .exit(let process) = input {
            next.epoll.removeAll { $0.process == process }
            next.epollUnjudged.removeAll { $0 == process }
        }
        for registration in next.epoll {
            guard let index = after.socketIndex(registration.target) else { continue }
            let socket = after.sockets[index]
            if socket.released || socket.holders.isEmpty {
                next.epoll.removeAll { $0.target == registration.target }  // released: eventpoll_release drops it
            } else if case .close(let process, let end) = input, process == registration.process, end == registration.target,
                socket.holders.contains(process)
            {
                // Which of its descriptors was closed is not recorded.
                Epoll.unjudge(process, registrations: &next.epoll, unjudged: &next.epollUnjudged)
            }
        }
        guard next.epoll.contains(where: \.edgeTriggered) else { return next }
        var succeeded = true
        if case .failed? = output { succeeded = false }
        var shutdownOf: Set<String> = []
        if succeeded, case .shutdown(_, let end, _) = input, let index = before.socketIndex(end) {
            shutdownOf.insert(end)
            if before.type != .dgram, let peer = before.sockets[index].peer { shutdownOf.insert(peer) }
        }
        // A datagram or record send that failed after its buffer was allocated freed it (`sock_wfree`).
        var freedBy: String?
        if case .send(_, let end, _, _, _, _) = input, case .failed? = output, allocatesDatagramBuffer(input, in: before) { freedBy = end }
        var unfollowed = false
        switch input {
        // A connect is news for the listener only (its queue grows, above), an accept and a listen again for none
        // (measured, `UnixSocketListenerEpollFactsTests`).
        case .setSendBuffer, .connectPeer, .connectTo, .disconnectPeer, .bind, .socket: unfollowed = succeeded
        default: break
        }
        for registrationIndex in next.epoll.indices where next.epoll[registrationIndex].edgeTriggered {
            let name = next.epoll[registrationIndex].target
            guard let old = before.socketIndex(name).map({ before.sockets[$0] }), let new = after.socketIndex(name).map({ after.sockets[$0] }) else {
                next.epoll[registrationIndex].hear(Epoll.Events.readinessBits, .perhaps)
                continue
            }
            func bytes(_ socket: Socket) -> Int { socket.queue.reduce(0) { $0 + $1.bytes.count } }
            // sock_def_readable: bytes (or a record) queued to it.
            if bytes(new) > bytes(old) || new.queue.count > old.queue.count || new.pending.count > old.pending.count {
                next.epoll[registrationIndex].hear([.input, .priority, .readNormal, .readBand], .certain)
            }
            // unix_write_space: a buffer it sent freed, and it is writable after.
            if (new.memory < old.memory || freedBy == name) && readiness(of: new, in: after).contains(.output) {
                next.epoll[registrationIndex].hear([.output, .writeNormal, .writeBand], .certain)
            }
            // sk_state_change: a shutdown of it or its (stream or seqpacket) peer, such a peer's release, an error
            // set: no key. (A datagram socket's peerClosed never changes: `release` shuts no datagram peer.)
            let changed = new.readShut != old.readShut || new.writeShut != old.writeShut || new.peerClosed != old.peerClosed
                || (new.error != nil && old.error == nil)
            if changed || shutdownOf.contains(name) { next.epoll[registrationIndex].hear(Epoll.Events.readinessBits, .certain) }
            if unfollowed { next.epoll[registrationIndex].hear(Epoll.Events.readinessBits, .perhaps) }
        }
        return next
    }
}
