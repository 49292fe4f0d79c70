extension UnixSocketModel {
    /// `send(MSG_OOB)`, as measured on this kernel (`UnixSocketOutOfBandFactsTests`; `CONFIG_AF_UNIX_OOB`). On a
    /// stream a send of 0 bytes fails `EOPNOTSUPP` (before `ENOTCONN` and `EPIPE`); otherwise all bytes but the last
    /// go as an ordinary send's, buffer by buffer, and the last as a buffer of its own (`queue_oob`), the receiver's
    /// new out-of-band byte: an older one still queued becomes ordinary data. A datagram socket fails
    /// `EOPNOTSUPP` at once, a seqpacket one after its pending error and `ENOTCONN` (`unix_seqpacket_sendmsg`).
    /// (`SIGURG` to the receiver's owner is not modelled: the model keeps no owner and no signals. What it would be is
    /// measured in `UnixSocketUrgentSignalFactsTests`.)
    func sendOutOfBand(_ state: State, process: Int, end: String, data: [UInt8], nonblocking: Bool) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        if let progress = state.progress(of: process) {
            return streamPiece(state, progress, data: data, nonblocking: nonblocking, files: [], continuing: true)
        }
        let socket = state.sockets[index]
        switch state.type {
        case .dgram:
            return failure(state, Self.operationNotSupported)
        case .seqpacket:
            if let error = socket.error {
                var next = state
                next.sockets[index].error = nil
                return [(.failed(error), .completed(next))]
            }
            return failure(state, socket.peer == nil ? .ENOTCONN : Self.operationNotSupported)
        case .stream:
            if data.isEmpty { return failure(state, Self.operationNotSupported) }
            if socket.peer == nil { return failure(state, .ENOTCONN) }
            if socket.peerClosed || socket.writeShut { return failure(state, .EPIPE) }
            var progress = Progress(process: process, socket: end)
            progress.outOfBand = true
            return streamPiece(state, progress, data: data, nonblocking: nonblocking, files: [], continuing: false)
        }
    }

    /// `recv(MSG_OOB)` (`unix_stream_recv_urg`), measured: a stream socket not connected fails `EINVAL`; so does one
    /// with no out-of-band byte waiting, or with `SO_OOBINLINE` set, whatever its queue holds (it never sleeps).
    /// Otherwise it waits for the socket's read lock, returns 1 — the byte, cut to the buffer (a 0-byte buffer still
    /// takes it) — and, unless peeking, takes it: no byte waits any more (no `POLLPRI`), but its buffer stays queued
    /// empty, the mark ordinary reads stop at; an empty buffer of an older mark just before it goes (the kernel
    /// never leaves two in a row). A datagram socket fails `EOPNOTSUPP`, a seqpacket one too (`ENOTCONN` unless
    /// connected).
    func receiveOutOfBand(_ state: State, process: Int, end: String, max: Int, peek: Bool) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        let socket = state.sockets[index]
        switch state.type {
        case .dgram: return failure(state, Self.operationNotSupported)
        case .seqpacket: return failure(state, socket.peer == nil ? .ENOTCONN : Self.operationNotSupported)
        case .stream: break
        }
        guard socket.peer != nil, !socket.outOfBandInline, let position = socket.queue.firstIndex(where: \.urgent)
        else {
            return failure(state, .EINVAL)
        }
        if state.holdsReadLock(socket.name, except: process) { return [] }
        let received = Received(data: Array(socket.queue[position].bytes.prefix(max)), length: max == 0 ? 1 : nil)
        if peek { return [(.received(received), .completed(state))] }
        var next = state
        next.sockets[index].queue[position].urgent = false
        next.sockets[index].queue[position].bytes = []
        if position > 0, socket.queue[position - 1].bytes.isEmpty {
            let older = next.sockets[index].queue.remove(at: position - 1)
            next.discharge(older)
        }
        return [(.received(received), .completed(next))]
    }

    /// `ioctl(SIOCATMARK)`, measured: on a stream 1 when the first queued buffer is the out-of-band byte, or the
    /// empty buffer of a taken one (with no newer byte waiting, or that byte next), else 0 (an empty queue too); on
    /// a stream listener 1 while a connection waits (its queue's first buffer is the empty one standing for it);
    /// `EOPNOTSUPP` on datagram and seqpacket sockets.
    func atMark(_ state: State, process: Int, end: String) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        guard state.type == .stream else { return failure(state, Self.operationNotSupported) }
        // A listener's queue holds an empty buffer per connection waiting (measured: 1 while one waits).
        if state.sockets[index].isListener {
            return [(.value(state.sockets[index].pending.isEmpty ? 0 : 1), .completed(state))]
        }
        let queue = state.sockets[index].queue
        guard let head = queue.first else { return [(.value(0), .completed(state))] }
        let waiting = queue.contains(where: \.urgent)
        let mark = head.urgent || (head.bytes.isEmpty && (!waiting || (queue.count > 1 && queue[1].urgent)))
        return [(.value(mark ? 1 : 0), .completed(state))]
    }

    /// `setsockopt(SO_OOBINLINE)`: any nonzero value sets it, 0 clears it, on any socket.
    func setOutOfBandInline(_ state: State, process: Int, end: String, value: Int) -> Transitions {
        settingFlag(state, process: process, end: end, \.outOfBandInline, value: value)
    }

    /// What an ordinary stream read does at the head of the queue before it reads a buffer (`manage_oob`),
    /// measured: with bytes already copied it stops at the out-of-band byte, and at a taken mark unless a newer byte
    /// waits (then the mark is passed and dropped); with nothing copied it drops a taken mark, and at the byte
    /// itself takes it — dropped (its byte lost: `MSG_OOB` then fails `EINVAL`; `SIOCINQ` still counts it), or read
    /// as data under `SO_OOBINLINE`. Returns the state with the head settled, and whether the read stops before it.
    static func settlingMark(_ state: State, _ index: Int, copied: Bool) -> (state: State, stops: Bool) {
        var next = state
        guard var head = state.sockets[index].queue.first else { return (state, false) }
        let waiting = state.sockets[index].queue.contains(where: \.urgent)
        if head.bytes.isEmpty && !head.urgent {
            if copied && !waiting { return (state, true) }
            next.sockets[index].queue.removeFirst()
            next.discharge(head)
            guard let following = next.sockets[index].queue.first else { return (next, false) }
            head = following
        }
        guard head.urgent else { return (next, false) }
        if copied { return (next, true) }
        next.sockets[index].queue[0].urgent = false
        if !state.sockets[index].outOfBandInline {
            next.sockets[index].queue.removeFirst()
            next.discharge(head)
            next.sockets[index].droppedButCounted += 1
        }
        return (next, false)
    }

    /// Whether a stream socket's queue holds an out-of-band byte or a taken mark (which the plain paths, written
    /// before `MSG_OOB` was modelled, do not know).
    static func holdsMarks(_ socket: Socket) -> Bool { socket.queue.contains { $0.urgent || $0.bytes.isEmpty } }

    /// A stream peek (`MSG_PEEK`, at `skip` bytes in: `SO_PEEK_OFF`, 0 when disabled) over a queue that holds
    /// marks, as `unix_stream_read_generic` walks it. Before each buffer it reaches by moving on (`manage_oob`):
    /// with bytes copied it stops at the out-of-band byte, and at a taken mark unless a newer byte waits (then
    /// passes it); with none copied it passes a taken mark and (unless inline) the byte. The offset's bytes are
    /// skipped buffer by buffer with no mark looked at. It goes on past its size (copying nothing more) until the
    /// queue ends or a buffer carrying descriptors was reached. Passing a mark into nothing with nothing copied is
    /// the empty-queue outcome (measured: a 0-byte peek over a queue ending in the byte fails `EAGAIN`, where
    /// reaching the end after a buffer returns 0).
    func peekPastMarks(
        _ state: State, process: Int, _ index: Int, skip offset: Int, max: Int, nonblocking: Bool, room: Int
    ) -> Transitions {
        let socket = state.sockets[index]
        let queue = socket.queue
        let waiting = queue.contains(where: \.urgent)
        func following(_ position: Int) -> Int? { position + 1 < queue.count ? position + 1 : nil }
        func nothing() -> Transitions { streamPeekFindsNothing(state, index, nonblocking: nonblocking) }
        var next = state
        var received = Received(data: [])
        func done() -> Transitions {
            if socket.peekOffset >= 0 { next.sockets[index].peekOffset = socket.peekOffset + received.data.count }
            return [(.received(received), .completed(next))]
        }
        var position: Int? = queue.isEmpty ? nil : 0
        var skip = offset
        while true {
            if var current = position {
                let copied = !received.data.isEmpty
                if queue[current].bytes.isEmpty && !queue[current].urgent {
                    if copied && !waiting { return done() }
                    guard let moved = following(current) else { return copied ? done() : nothing() }
                    current = moved
                }
                if queue[current].urgent {
                    if copied { return done() }
                    if !socket.outOfBandInline {
                        guard let moved = following(current) else { return nothing() }
                        current = moved
                    }
                }
                position = current
            }
            guard var current = position else { return received.data.isEmpty ? nothing() : done() }
            while skip >= queue[current].bytes.count {
                skip -= queue[current].bytes.count
                guard let moved = following(current) else { return received.data.isEmpty ? nothing() : done() }
                current = moved
            }
            let message = queue[current]
            received.data += message.bytes.dropFirst(skip).prefix(max - received.data.count)
            skip = 0
            if !message.files.isEmpty {
                (received.files, received.filesTruncated) = next.deliver(message.files, room: room, to: process)
                return done()
            }
            guard let moved = following(current) else { return done() }
            position = moved
        }
    }

    /// A stream peek that finds nothing to read: a pending error (taken), end of file once the peer closed or the
    /// socket shut for reading, else `EAGAIN` or asleep.
    func streamPeekFindsNothing(_ state: State, _ index: Int, nonblocking: Bool) -> Transitions {
        let socket = state.sockets[index]
        if let error = socket.error {
            var next = state
            next.sockets[index].error = nil
            return [(.failed(error), .completed(next))]
        }
        if socket.peerClosed || socket.readShut { return [(.received(Received(data: [])), .completed(state))] }
        return nonblocking ? failure(state, .EAGAIN) : []
    }
}
