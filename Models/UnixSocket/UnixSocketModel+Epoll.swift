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
/// - Bound datagram sockets (`UnixSocketBoundDatagramEpollFactsTests`): the masks are `poll`'s (a connected sender
///   not `EPOLLOUT` while its peer, not connected back, has a full queue); each datagram queued is news for the
///   receiver; a datagram socket's `connect` or `AF_UNSPEC` while it had a peer is `EPOLLOUT` news for it, with none
///   no news; its peer's receive, peek, purge or release is perhaps news (`unix_dgram_peer_wake_relay`: only if it was
///   polled while the peer was full, which a trace does not tell).
/// - `EPOLLEXCLUSIVE` and `EPOLLWAKEUP` are ``Epoll``'s: an exclusive registration behind another process's may miss a
///   wake for good, and so may one of a socket another process holds (a datagram or seqpacket `recv` and a listener's
///   `accept` sleep exclusively on the socket's queue and may take the wake it needed; a peek does not consume, a
///   killed receiver never passes it on); alone it is judged fully.
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
            // A datagram or seqpacket `recv` and a listener's `accept` sleep exclusively on the socket's queue: another
            // holder's, queued before an `EPOLLEXCLUSIVE` registration, may take the wake it needed.
            contended: { registration in
                state.socketIndex(registration.target).map { state.sockets[$0].holders.contains { $0 != registration.process } } ?? true
            },
            mask: { registration in state.socketIndex(registration.target).map { epollMask(of: state.sockets[$0], in: state) } },
            controlled: Output.epollControlled, reported: { .epollEvents($0) }, failed: { .failed($0) },
            created: { .epollCreated(closeOnExec: $0) }
        ).flatMap { outcome -> [(output: Output?, next: State)] in
            var next = state
            (next.epoll, next.epollUnjudged) = (outcome.registrations, outcome.unjudged)
            // An ADD or MOD may wake the kept instances that hold the implicit one, and an ADD give a leaf too many
            // wakeup paths (``NestedEpoll``).
            if state.hasNesting, outcome.output == .epollControlled, case .control(let operation, let target, _) = call, operation == .add || operation == .modify {
                return next.wakingParentsOfImplicit(after: operation, of: target, process: process, before: state, controlled: Output.epollControlled, failed: .failed(.EINVAL))
            }
            return [(outcome.output, next)]
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
        // A datagram peer connecting back makes a socket writable without waking it (measured): a level-triggered
        // registration its last poll found unwritable stays off the ready list, so its process's waits are no
        // longer judged (whether a wait polled it since, a trace does not tell).
        let silent = silentlyWritable(input, before: before, after: after)
        for registration in next.epoll where !registration.edgeTriggered && silent.contains(registration.target) {
            Epoll.unjudge(registration.process, registrations: &next.epoll, unjudged: &next.epollUnjudged)
        }
        guard next.epoll.contains(where: \.edgeTriggered) || before.hasNesting else { return next }
        let keys = epollWakes(input, output: output, before: before, after: after)
        for index in next.epoll.indices where next.epoll[index].edgeTriggered {
            for (key, news) in keys(next.epoll[index].target) { next.epoll[index].hear(key, news) }
        }
        guard before.hasNesting else { return next }
        return nestedEpollAfter(input, before: before, after: next, silent: silent, keys: keys)
    }

    /// The datagram sockets a peer connecting back made writable without a wake (their level-triggered registrations
    /// may be off their lists): a socket's own connect or disconnect wakes it, so it is never one.
    func silentlyWritable(_ input: Input, before: State, after: State) -> Set<String> {
        guard before.type == .dgram else { return [] }
        var own: String?  // a connect or disconnect of its own wakes it (epollWakes)
        switch input {
        case .connectPeer(_, let end, _), .connectTo(_, let end?, _, _, _), .disconnectPeer(_, let end): own = end
        default: break
        }
        var silent: Set<String> = []
        for socket in before.sockets where socket.name != own {
            guard let afterIndex = after.socketIndex(socket.name), peerIsFull(socket, in: before), !peerIsFull(after.sockets[afterIndex], in: after),
                !peerWaitWakes(input, before: before, after: after).keys.contains(before.connectedPeer(of: socket) ?? "")
            else { continue }
            silent.insert(socket.name)
        }
        return silent
    }

    /// The wakes `input` (not an epoll call), taking `before` to `after` with `output`, gave each socket's queue: for a
    /// socket's name, each key with whether it certainly came (an `EPOLLET` registration hears those it meets).
    func epollWakes(_ input: Input, output: Output?, before: State, after: State) -> (String) -> [(key: Epoll.Events, news: Epoll.News)] {
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
        // A datagram socket's `connect` or `AF_UNSPEC` while it had a peer (a closed one too, until a send found it
        // gone) wakes it with `EPOLLOUT` (`unix_dgram_peer_wake_disconnect_wakeup`); with none, nothing (measured,
        // `UnixSocketBoundDatagramEpollFactsTests`).
        var reconnected: String?
        switch input {
        case .connectPeer(_, let end, _), .connectTo(_, let end?, _, _, _), .disconnectPeer(_, let end):
            guard before.type == .dgram else {
                unfollowed = succeeded
                break
            }
            if succeeded, let index = before.socketIndex(end), before.connectedPeer(of: before.sockets[index]) != nil { reconnected = end }
        // A connect is news for the listener only (its queue grows, above), an accept and a listen again for none
        // (measured, `UnixSocketListenerEpollFactsTests`).
        case .setSendBuffer, .connectTo, .bind, .socket: unfollowed = succeeded  // connectTo without an end: a new socket
        default: break
        }
        // `unix_dgram_peer_wake_relay`: a datagram socket polled (or refused `EAGAIN`) while the peer it is connected
        // to was full is hooked to that peer's `peer_wait`, and the peer's next wake of it — a receive or peek
        // (`EPOLLOUT`), a purge of its queue or its release (no key) — is relayed to it once. Whether it was hooked
        // (a wait of another instance, a `poll`, may have polled it) a trace does not tell: perhaps news.
        let relayed = peerWaitWakes(input, before: before, after: after)
        return { name in
            guard let old = before.socketIndex(name).map({ before.sockets[$0] }), let new = after.socketIndex(name).map({ after.sockets[$0] }) else {
                return [(Epoll.Events.readinessBits, .perhaps)]
            }
            var keys: [(key: Epoll.Events, news: Epoll.News)] = []
            func bytes(_ socket: Socket) -> Int { socket.queue.reduce(0) { $0 + $1.bytes.count } }
            // sock_def_readable: bytes (or a record) queued to it.
            if bytes(new) > bytes(old) || new.queue.count > old.queue.count || new.pending.count > old.pending.count {
                keys.append(([.input, .priority, .readNormal, .readBand], .certain))
            }
            // unix_write_space: a buffer it sent freed, and its send buffer writable after (a datagram peer's full
            // queue does not count here: the wait then finds no `EPOLLOUT`).
            if (new.memory < old.memory || freedBy == name) && sendBufferWritable(new, in: after) {
                keys.append(([.output, .writeNormal, .writeBand], .certain))
            }
            if reconnected == name { keys.append(([.output, .writeNormal, .writeBand], .certain)) }
            if before.type == .dgram, old.mayHearPeerWake || peerIsFull(old, in: before), let peer = before.connectedPeer(of: old),
                let key = relayed[peer]
            {
                keys.append((key, .perhaps))
            }
            // sk_state_change: a shutdown of it or its (stream or seqpacket) peer, such a peer's release, an error
            // set: no key. (A datagram socket's peerClosed never changes: `release` shuts no datagram peer.)
            let changed = new.readShut != old.readShut || new.writeShut != old.writeShut || new.peerClosed != old.peerClosed
                || (new.error != nil && old.error == nil)
            if changed || shutdownOf.contains(name) { keys.append((Epoll.Events.readinessBits, .certain)) }
            if unfollowed { keys.append((Epoll.Events.readinessBits, .perhaps)) }
            return keys
        }
    }

    /// The datagram sockets whose `peer_wait` `input` may have woken, with the key: a receive or peek on one
    /// (`EPOLLOUT`: `unix_dgram_recvmsg`), its queue purged (`unix_dgram_disconnected`) or its release (no key:
    /// every bit). Judged generously: any receive-like call on it, any shrink of its queue.
    func peerWaitWakes(_ input: Input, before: State, after: State) -> [String: Epoll.Events] {
        guard before.type == .dgram else { return [:] }
        var wakes: [String: Epoll.Events] = [:]
        switch input {
        case .receive(_, let end, _, _, _), .receiveTruncating(_, let end, _, _, _), .receiveWaitingAll(_, let end, _, _),
            .peek(_, let end, _, _, _):
            wakes[end] = [.output, .writeNormal, .writeBand]
        default: break
        }
        for old in before.sockets {
            guard let new = after.socketIndex(old.name).map({ after.sockets[$0] }) else { continue }
            if (new.released && !old.released) || (new.queue.count < old.queue.count && wakes[old.name] == nil) {
                wakes[old.name] = Epoll.Events.readinessBits
            }
        }
        return wakes
    }

    /// `after` with each datagram socket's ``Socket/mayHearPeerWake`` as `input` left it: hooked if its peer, not
    /// connected back, is full (a poll at any time may hook it), or it was (or could have become, its peer full before)
    /// and nothing unhooked it — a wake of that peer relays and unhooks, its own `connect`, disconnect or release
    /// unhooks (`unix_dgram_peer_wake_disconnect`).
    func peerWakeHooks(_ input: Input, before: State, after: State) -> State {
        var next = after
        // Only a certain wake unhooks (a datagram taken or purged, the release), never a peek or a failed receive:
        // left hooked, the model allows the relay's news, which is the safe side.
        func certainlyWoken(_ name: String) -> Bool {
            guard let old = before.socketIndex(name).map({ before.sockets[$0] }), let new = after.socketIndex(name).map({ after.sockets[$0] })
            else { return false }
            return (new.released && !old.released) || new.queue.count < old.queue.count
        }
        for index in next.sockets.indices {
            let new = next.sockets[index]
            guard let old = before.socketIndex(new.name).map({ before.sockets[$0] }) else { continue }
            var hooked = old.mayHearPeerWake || peerIsFull(old, in: before)
            if let peer = before.connectedPeer(of: old), certainlyWoken(peer) { hooked = false }
            if new.released || before.connectedPeer(of: old) != after.connectedPeer(of: new) { hooked = false }
            switch input {
            case .connectPeer(_, let end, _), .connectTo(_, let end?, _, _, _), .disconnectPeer(_, let end):
                if end == new.name { hooked = false }
            default: break
            }
            if peerIsFull(new, in: after) { hooked = true }
            next.sockets[index].mayHearPeerWake = hooked
        }
        return next
    }

    /// `unix_writable`: the send buffer's charge leaves room (a listener never).
    func sendBufferWritable(_ socket: Socket, in state: State) -> Bool {
        !socket.isListener && (socket.memory + 1) * 4 <= state.sendBuffer(of: socket)
    }
}
