extension UnixSocketModel {
    typealias Transitions = [(output: Output?, step: Step<State>)]

    func transitions(_ state: State, _ input: Input) -> Transitions {
        if let failed = Self.regularFileFailure(input) { return failure(state, failed) }
        if let nonblocking = Self.nonblockingByDescriptor(input, in: state) {
            return Self.markingNonblockingByDescription(transitions(state, nonblocking), process: input.process)
        }
        if let timed = Self.timedOut(input, in: state) {
            // Asleep, a timeout may run out: the call ends as its nonblocking twin would then (the same outcomes
            // where it would not sleep: each taken once).
            let untimed = untimedTransitions(state, input)
            return untimed + untimedTransitions(state, timed).filter { outcome in
                !untimed.contains { $0.output == outcome.output && $0.step == outcome.step }
            }
        }
        return untimedTransitions(state, input)
    }

    /// ``transitions(_:_:)`` of a call its socket's timeout leaves alone.
    private func untimedTransitions(_ state: State, _ input: Input) -> Transitions {
        switch input {
        case .sendBatch, .receiveBatch:
            return []  // stepped message by message (see `UnixSocketModel+Batches`)
        case .read, .write:
            return []  // judged as the receive or send each is (see `UnixSocketModel+ReadWrite`)
        case .duplicate(let process, let end, let call):
            return duplicate(state, process: process, end: end, call: call)
        case .status(let process, let end):
            return status(state, process: process, end: end)
        case .setPassPidfd(let process, let end, let value):
            return setPassPidfd(state, process: process, end: end, value: value)
        case .setPassCredentials(let process, let end, let value):
            return setPassCredentials(state, process: process, end: end, value: value)
        case .setPassSecurity(let process, let end, let value):
            return setPassSecurity(state, process: process, end: end, value: value)
        case .sendCredentials(let process, let end, let data, let nonblocking, let control):
            return sendWithCredentials(state, process: process, end: end, data: data, nonblocking: nonblocking, control: control)
        case .socketName(let process, let end, let peer):
            return socketName(state, process: process, end: end, peer: peer)
        case .refusedOption(let process, let end, _, let level, _):
            return refusedOption(state, process: process, end: end, level: level)
        case .nestedEpoll(let process, let call):
            return nestedEpollTransitions(state, process: process, call: call).map { ($0.output ?? .epollControlled, $0.step) }
        case .epoll(let process, .wait(let maxEvents, let timeout, let form)) where state.implicitHoldsInstances(process: process) && !state.epollUnjudged.contains(process):
            let wait = NestedEpollCall.wait(instance: NestedEpoll.implicitInstance, maxEvents: maxEvents, timeout: timeout, form: form)
            return nestedEpollTransitions(state, process: process, call: wait).map { ($0.output ?? .epollControlled, $0.step) }
        case .epoll(let process, let call):
            // Not judged (no output): shown as a control's success; `step` lets any output through.
            return epollOutcomes(state, process: process, call: call).map { ($0.output ?? .epollControlled, .completed($0.next)) }
        case .send(let process, let end, let data, let nonblocking, let to, let files):
            return send(state, process: process, end: end, data: data, nonblocking: nonblocking, to: to, files: files)
        case .fileControl(let process, let end, let command):
            return fileControl(state, process: process, end: end, command: command)
        case .takeSignal(let process, let signals, let wait):
            return takeSignal(state, process: process, signals: signals, wait: wait)
        case .receive(let process, let end, let max, let nonblocking, let maxFiles):
            let received = receive(state, process: process, end: end, max: max, nonblocking: nonblocking, maxFiles: maxFiles)
            return receivingBehindPeekOffset(state, end: end, receiveOutcomes(received, process: process))
        case .receiveExactly(let process, let end, let size):
            return receivingBehindPeekOffset(
                state, end: end, receiveExactly(state, process: process, end: end, size: size))
        case .receiveTruncating(let process, let end, let max, let nonblocking, let peek):
            return receiveTruncating(state, process: process, end: end, max: max, nonblocking: nonblocking, peek: peek)
        case .receiveWaitingAll(let process, let end, let max, let nonblocking):
            // (A plain receive it passes on to has moved the offset already: the same value again.)
            let waited = receiveWaitingAll(state, process: process, end: end, max: max, nonblocking: nonblocking)
            return receivingBehindPeekOffset(state, end: end, waited)
        case .peek(let process, let end, let max, let nonblocking, let maxFiles):
            if state.type == .stream, let index = state.socketIndex(end),
                state.sockets[index].holders.contains(process), Self.holdsMarks(state.sockets[index])
            {
                if state.holdsReadLock(end, except: process) { return [] }
                let outcomes = peekPastMarks(
                    state, process: process, index, skip: Swift.max(state.sockets[index].peekOffset, 0), max: max,
                    nonblocking: nonblocking, room: UnixSocketMemory.descriptorRoom(requested: maxFiles))
                return receiveOutcomes(outcomes, process: process)
            }
            let outcomes = peekingAtOffset(state, end: end) { view in
                peek(view, process: process, end: end, max: max, nonblocking: nonblocking, maxFiles: maxFiles)
            }
            return receiveOutcomes(outcomes, process: process)
        case .setPeekOffset(let process, let end, let value):
            return setPeekOffset(state, process: process, end: end, value: value)
        case .sendOutOfBand(let process, let end, let data, let nonblocking):
            return sendOutOfBand(state, process: process, end: end, data: data, nonblocking: nonblocking)
        case .receiveOutOfBand(let process, let end, let max, let peek):
            return receiveOutOfBand(state, process: process, end: end, max: max, peek: peek)
        case .atMark(let process, let end):
            return atMark(state, process: process, end: end)
        case .setOutOfBandInline(let process, let end, let value):
            return setOutOfBandInline(state, process: process, end: end, value: value)
        case .shutdown(let process, let end, let how):
            return shutdown(state, process: process, end: end, how: how)
        case .poll(let process, let end, let events, let timeout):
            return poll(state, process: process, end: end, events: events, timeout: timeout)
        case .select(let process, let end, let read, let write, let timeout):
            return select(state, process: process, end: end, read: read, write: write, timeout: timeout)
        case .selectWithExceptions(let process, let end, let read, let write, let timeout):
            return selectWithExceptions(state, process: process, end: end, read: read, write: write, timeout: timeout)
        case .getOption(_, _, .receiveTimeout), .getOption(_, _, .sendTimeout), .setTimeout:
            return timeoutOutcome(state, input)
        case .getOption, .setSendBuffer, .queued:
            return option(state, input)
        case .socket(_, let domain, let type, let `protocol`):
            // A socket that can be made then needs a descriptor number (`sock_map_fd`): `EMFILE` of a full table,
            // which no trace shows (measured, `DescriptorExhaustionFactsTests`).
            let made = Self.createdSocket(domain: domain, type: type, protocol: `protocol`)
            guard case .created = made else { return [(made, .completed(state))] }
            return [(made, .completed(state)), (.failed(DescriptorTable.exhausted), .completed(state))]
        case .socketPair(_, let domain, let type, let `protocol`):
            return socketPairOutcomes(domain: domain, type: type, protocol: `protocol`, in: state)
        case .listen(let process, let end, let backlog):
            return listen(state, process: process, end: end, backlog: backlog)
        case .connect(let process, let nonblocking):
            return connect(state, process: process, nonblocking: nonblocking)
        case .connectPeer(let process, let end, let to):
            return connectPeer(state, process: process, end: end, to: to)
        case .disconnectPeer(let process, let end):
            return disconnectPeer(state, process: process, end: end)
        case .connectTo(let process, let end, let type, let address, let nonblocking):
            return connectTo(state, process: process, end: end, type: type, address: address, nonblocking: nonblocking)
        case .accept(let process, let end, let nonblocking, let flags):
            return accept(state, process: process, end: end, nonblocking: nonblocking, flags: flags)
        case .bind(let process, let end, let type, let address):
            return bind(state, process: process, end: end, type: type, address: address)
        case .close(let process, let end):
            guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
                return failure(state, .EBADF)
            }
            var next = state
            _ = next.sockets[index].holders.removeOne(process)
            if next.sockets[index].holders.isEmpty { next.release(end) }
            return [(.closed, .completed(next))]
        case .readFile(let process, let file, let max):
            guard let index = state.fileIndex(file), state.files[index].holders.contains(process),
                let content = state.contents[file]
            else { return failure(state, .EBADF) }
            var next = state
            let start = min(state.files[index].offset, content.count)
            let bytes = Array(content[start..<min(start + max, content.count)])
            next.files[index].offset = start + bytes.count
            return [(.fileData(bytes), .completed(next))]
        case .closeFile(let process, let file):
            guard let index = state.fileIndex(file), state.files[index].holders.contains(process) else {
                return failure(state, .EBADF)
            }
            var next = state
            _ = next.files[index].holders.removeOne(process)
            return [(.closed, .completed(next))]
        case .probe(let process, let file):
            guard let index = state.fileIndex(file), state.files[index].isPipe, state.files[index].readers.contains(process) else {
                return failure(state, .EBADF)
            }
            return [(.probed(open: state.files[index].isOpen), .completed(state))]
        case .exit(let process):
            var next = state.closingNewSocket(of: process)
            next.setProgress(nil, of: process)
            for index in next.files.indices {
                next.files[index].holders.removeAll { $0 == process }
                next.files[index].readers.removeAll { $0 == process }
            }
            for socket in state.sockets where socket.holders.contains(process) {
                let index = next.socketIndex(socket.name)!
                next.sockets[index].holders.removeAll { $0 == process }
                if next.sockets[index].holders.isEmpty { next.release(socket.name) }
            }
            return [(.exited, .completed(next))]
        }
    }

    func failure(_ state: State, _ code: ErrorCode) -> Transitions {
        [(.failed(code), .completed(state))]
    }

    // MARK: Sending

    private func send(
        _ state: State, process: Int, end: String, data: [UInt8], nonblocking: Bool, to: String?, files: [String]
    ) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        if let progress = state.progress(of: process) {
            return streamPiece(state, progress, data: data, nonblocking: nonblocking, files: [], continuing: true)
        }
        let socket = state.sockets[index]
        if state.type != .stream {
            if let refused = datagramRefusal(state, process: process, index, size: data.count, nonblocking: nonblocking, files: files) {
                return refused
            }
            // `unix_seqpacket_sendmsg` zeroes the address's length before the datagram path sees it: a record goes
            // to the connected peer whatever address it was sent to (measured, `UnixSocketSeqpacketAddressFactsTests`).
            return datagramSend(state, index, data: data, nonblocking: nonblocking, to: state.type == .dgram ? to : nil, files: files)
        }
        if let refused = descriptorRefusal(state, process: process, files: files) { return refused }
        // An address on a stream send (`unix_stream_sendmsg`, after the descriptors): `EISCONN` on a connected
        // socket — even once its peer closed or it shut for sending — `EOPNOTSUPP` on a listener (measured,
        // `UnixSocketBindConnectFactsTests`).
        if to != nil { return failure(state, socket.peer != nil ? .EISCONN : Self.operationNotSupported) }
        if socket.peer == nil { return failure(state, .ENOTCONN) }
        if socket.peerClosed || socket.writeShut { return failure(state, .EPIPE) }
        if data.isEmpty { return [(.sent(0), .completed(state))] }
        return streamPiece(
            state, Progress(process: process, socket: end), data: data, nonblocking: nonblocking, files: files, continuing: false)
    }

    /// The descriptors a send passes are taken first (`scm_send`, measured in `ScmRightsLimitsFactsTests`): more
    /// than `SCM_MAX_FD` fail `EINVAL`, one not open `EBADF`, before every other check of any type.
    func descriptorRefusal(_ state: State, process: Int, files: [String]) -> Transitions? {
        if files.count > Self.mostDescriptorsPerMessage { return failure(state, .EINVAL) }
        for file in files {
            guard let fileIndex = state.fileIndex(file), state.files[fileIndex].holders.contains(process) else {
                return failure(state, .EBADF)
            }
        }
        return nil
    }

    /// A seqpacket socket's pending error (taken) and `ENOTCONN`, which `unix_seqpacket_sendmsg` checks before the
    /// datagram path sees the control buffer (measured, `ScmRightsLimitsFactsTests`, and before explicit credentials'
    /// errors, `UnixSocketCredentialsFactsTests`); nil for other types or when neither applies.
    func seqpacketRefusal(_ state: State, _ index: Int) -> Transitions? {
        guard state.type == .seqpacket else { return nil }
        if let error = state.sockets[index].error {
            var next = state
            next.sockets[index].error = nil
            return [(.failed(error), .completed(next))]
        }
        return state.sockets[index].peer == nil ? failure(state, .ENOTCONN) : nil
    }

    /// How a datagram or record send by `process` on the socket at `index` (which it holds) ends before its buffer
    /// is allocated (`sock_alloc_send_pskb` in `unix_dgram_sendmsg`), in the kernel's order; nil: it gets its buffer.
    /// A send that fails after that frees the buffer, which wakes the sender's writers (`sock_wfree` calls
    /// `unix_write_space`; measured in `UnixSocketDatagramEpollFactsTests`, see ``epollAfter(_:output:before:after:)``).
    func datagramRefusal(_ state: State, process: Int, _ index: Int, size: Int, nonblocking: Bool, files: [String]) -> Transitions? {
        let socket = state.sockets[index]
        if let refused = seqpacketRefusal(state, index) { return refused }
        if let refused = descriptorRefusal(state, process: process, files: files) { return refused }
        if size > UnixSocketMemory.largestMessage(sendBuffer: state.sendBuffer(of: socket)) {
            return failure(state, .EMSGSIZE)
        }
        // Measured: a pending error (a datagram socket's `ECONNRESET`, see `connectPeer`), then SEND_SHUTDOWN
        // (both checked as the buffer is allocated) come before the peer is looked up (ENOTCONN).
        if state.type == .dgram, let error = socket.error {
            var next = state
            next.sockets[index].error = nil
            return [(.failed(error), .completed(next))]
        }
        if socket.writeShut { return failure(state, .EPIPE) }
        if state.type == .seqpacket && socket.peerClosed { return failure(state, .EPIPE) }
        // Room in the send buffer comes before the peer (`sock_alloc_send_pskb`, then `unix_peer_get`; measured by
        // the pair agreement property: a socket left with no peer and a full buffer fails EAGAIN, not ENOTCONN).
        guard socket.memory < state.sendBuffer(of: socket) else { return nonblocking ? failure(state, .EAGAIN) : [] }
        return nil
    }

    /// One buffer of a stream send (`unix_stream_sendmsg`'s loop): queued while the sender's memory is below its
    /// send buffer; otherwise a nonblocking send ends (short, or `EAGAIN`) and a blocking one sleeps, until a signal
    /// ends it with the count it has queued (even with `SA_RESTART`, which restarts only a call that moved nothing;
    /// one that moved nothing is retried by the client, so sleeps on as far as the model can tell).
    ///
    /// A blocking send that finds no room sleeps (a piece that moves nothing). Woken by its peer's close, it reports
    /// the socket's pending error first (`sock_alloc_send_pskb`, measured): `ECONNRESET` if the peer left unread
    /// bytes, consuming it; else `EPIPE`. One that has sent some returns its count, and may or may not have
    /// consumed the error (it may have been asleep for room, or between buffers, when the peer closed).
    func streamPiece(
        _ state: State, _ progress: Progress, data: [UInt8], nonblocking: Bool, files: [String], continuing: Bool
    ) -> Transitions {
        let index = state.socketIndex(progress.socket)!
        let socket = state.sockets[index]
        func finish(_ error: ErrorCode) -> Transitions {
            var next = state
            next.setProgress(nil, of: progress.process)
            return [(progress.sent > 0 ? .sent(progress.sent) : .failed(error), .completed(next))]
        }
        guard let peer = socket.peer, !socket.peerClosed, !socket.writeShut else {
            guard continuing, let error = socket.error else { return finish(.EPIPE) }
            var consumed = state
            consumed.sockets[index].error = nil
            consumed.setProgress(nil, of: progress.process)
            if progress.sent == 0 { return [(.failed(error), .completed(consumed))] }
            return finish(.EPIPE) + [(.sent(progress.sent), .completed(consumed))]
        }
        guard socket.memory < state.sendBuffer(of: socket) else {
            if nonblocking { return finish(.EAGAIN) }
            if progress.sent > 0 { return finish(.EINTR) }
            if continuing { return [] }
            var asleep = state
            asleep.setProgress(progress, of: progress.process)
            return [(nil, .partial(asleep))]
        }
        // A `MSG_OOB` send's last byte goes on its own once the others are queued (`queue_oob`).
        let ordinary = progress.outOfBand ? data.count - 1 : data.count
        if progress.outOfBand && progress.sent == ordinary {
            var next = state
            if let peerIndex = next.socketIndex(peer) {
                for position in next.sockets[peerIndex].queue.indices {
                    next.sockets[peerIndex].queue[position].urgent = false
                }
            }
            next.enqueue(
                Message(
                    bytes: data[ordinary...], sender: socket.name, files: [], cost: UnixSocketMemory.streamCost(1),
                    urgent: true),
                into: peer)
            next.setProgress(nil, of: progress.process)
            return [(.sent(data.count), .completed(next))]
        }
        let length = UnixSocketMemory.streamChunk(ordinary - progress.sent, sendBuffer: state.sendBuffer(of: socket))
        var next = state
        next.enqueue(
            Message(
                bytes: data[progress.sent..<progress.sent + length], sender: socket.name, files: files,
                cost: UnixSocketMemory.streamCost(length)),
            into: peer)
        var advanced = progress
        advanced.sent += length
        if advanced.sent == data.count {
            next.setProgress(nil, of: progress.process)
            return [(.sent(data.count), .completed(next))]
        }
        next.setProgress(advanced, of: progress.process)
        return [(nil, .partial(next))]
    }

    /// Whether `input` is a datagram or record send that gets its buffer in `state`: one that fails after that still
    /// frees it, waking the sender's writers (see ``datagramRefusal(_:process:_:size:nonblocking:files:)``).
    public func allocatesDatagramBuffer(_ input: Input, in state: State) -> Bool {
        guard state.type != .stream, case .send(let process, let end, let data, let nonblocking, _, let files) = input,
            let index = state.socketIndex(end), state.sockets[index].holders.contains(process), state.progress(of: process) == nil
        else { return false }
        return datagramRefusal(state, process: process, index, size: data.count, nonblocking: nonblocking, files: files) == nil
    }

    /// `unix_dgram_sendmsg` once the buffer is allocated (``datagramRefusal(_:process:_:size:nonblocking:files:)``
    /// passed): one datagram or record, whole or not at all.
    private func datagramSend(
        _ state: State, _ index: Int, data: [UInt8], nonblocking: Bool, to: String?, files: [String]
    ) -> Transitions {
        let socket = state.sockets[index]
        // An address reaches whoever holds the name now (a new socket inside a bind, once its socket closed); a
        // peer is the socket itself.
        // A path or name that is no socket's is looked up here, after the buffer (`unix_find_other` in
        // `unix_dgram_sendmsg`): a path that does not exist `ENOENT`, a file or a free name `ECONNREFUSED` (measured).
        if let to, case let address = BindAddress(name: to), !address.isSocket {
            guard case .failed(let code) = lookUp(state, address, type: state.type).first else { return [] }
            return failure(state, code)
        }
        let found: Int?
        if let to {
            found = state.holder(ofNameOf: to, type: state.type)
        } else if let peer = socket.peer, !socket.disconnected {
            found = state.socketIndex(peer).flatMap { state.sockets[$0].released ? nil : $0 }
        } else {
            return failure(state, .ENOTCONN)
        }
        guard let targetIndex = found else {
            var next = state
            if to == nil && state.type == .dgram {
                // The sender finds its peer gone: it disconnects and discards everything queued for it.
                next.sockets[index].disconnected = true
                next.purge(index)
            }
            return [(.failed(.ECONNREFUSED), .completed(next))]
        }
        let target = state.sockets[targetIndex].name
        // A receiver with a peer takes datagrams only from that peer (`unix_may_send`; measured: even from
        // itself, and while that peer has closed but the receiver has not yet noticed).
        let targetPeer = state.connectedPeer(of: state.sockets[targetIndex])
        if let targetPeer, targetPeer != socket.name { return failure(state, .EPERM) }
        // The receiver shut for reading (`RCV_SHUTDOWN`) refuses, after the check that it is alive.
        if state.sockets[targetIndex].readShut { return failure(state, .EPIPE) }
        // The queue-length limit holds for sends to another socket that is not connected back to the sender (to a
        // bound socket, or to a connected peer that is not connected back; measured).
        if target != socket.name && targetPeer != socket.name
            && state.sockets[targetIndex].queue.count > state.datagramQueue
        {
            return nonblocking ? failure(state, .EAGAIN) : []
        }
        var next = state
        next.enqueue(
            Message(bytes: data[...], sender: socket.name, files: files, cost: UnixSocketMemory.datagramCost(data.count)),
            into: target)
        return [(.sent(data.count), .completed(next))]
    }

    // MARK: Receiving

    private func receive(
        _ state: State, process: Int, end: String, max: Int, nonblocking: Bool, maxFiles: Int
    ) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        if state.sockets[index].isListener {
            // Not connected, so nothing to wait for (measured, `UnixSocketReadWriteFactsTests`): a stream socket's
            // `unix_stream_read_generic` fails EINVAL, a seqpacket socket's `unix_seqpacket_recvmsg` ENOTCONN.
            return failure(state, state.type == .stream ? .EINVAL : .ENOTCONN)
        }
        let room = state.descriptorRoom(requested: maxFiles, at: index)
        if state.type == .stream {
            return streamReceive(state, process: process, index, max: max, nonblocking: nonblocking, room: room)
        }
        let socket = state.sockets[index]
        if let ended = recordlessOutcome(state, index, nonblocking: nonblocking) { return ended }
        guard let message = socket.queue.first else { return [] }
        var next = state
        next.sockets[index].queue.removeFirst()
        next.discharge(message)
        let (files, dropped) = next.deliver(message.files, room: room, to: process)
        let received = Received(
            data: Array(message.bytes.prefix(max)), truncated: message.bytes.count > max, files: files,
            filesTruncated: dropped, from: state.reportsSender ? message.sender : nil)
        return [(.received(received), .completed(next))]
    }

    /// `MSG_PEEK`, measured on this kernel (`UnixSocketFactsTests`): the data a receive would return, left queued.
    /// The descriptors of a message it reaches are installed in the peeker as new descriptors (`scm_fp_dup`, within
    /// its control room: the rest closed, `MSG_CTRUNC`) and stay in the message for the real receive. On a datagram
    /// or seqpacket socket it looks at the first message (truncated to the buffer, `MSG_TRUNC`); a pending
    /// `ECONNRESET` of a seqpacket socket is reported and cleared first, as by a receive. On a stream it reads on
    /// across buffers, and past its size too (taking no more bytes), until the queue ends or a buffer carrying
    /// descriptors has been reached, whose descriptors it takes; it waits for the socket's read lock like a receive.
    private func peek(
        _ state: State, process: Int, end: String, max: Int, nonblocking: Bool, maxFiles: Int
    ) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        let room = state.descriptorRoom(requested: maxFiles, at: index)
        let socket = state.sockets[index]
        if state.type == .stream {
            if state.holdsReadLock(socket.name, except: process) { return [] }
            guard !socket.queue.isEmpty else { return streamPeekFindsNothing(state, index, nonblocking: nonblocking) }
            var next = state
            var received = Received(data: [])
            for message in socket.queue {
                // Under SO_PASSCRED or SO_PASSPIDFD a peek stops before another sender's buffer, as a read does.
                if socket.passesSender, message.senderProcess != socket.queue.first?.senderProcess
                    || message.senderIds != socket.queue.first?.senderIds
                { break }
                received.data += message.bytes.prefix(max - received.data.count)
                if !message.files.isEmpty {
                    (received.files, received.filesTruncated) = next.deliver(message.files, room: room, to: process)
                    break
                }
            }
            return [(.received(received), .completed(next))]
        }
        if let ended = recordlessOutcome(state, index, nonblocking: nonblocking) { return ended }
        guard let message = socket.queue.first else { return [] }
        var next = state
        let (files, dropped) = next.deliver(message.files, room: room, to: process)
        let received = Received(
            data: Array(message.bytes.prefix(max)), truncated: message.bytes.count > max, files: files,
            filesTruncated: dropped, from: state.reportsSender ? message.sender : nil)
        return [(.received(received), .completed(next))]
    }

    /// `unix_shutdown`: `EINVAL` for a `how` outside 0...2; the socket's own sides are shut, and on a stream or
    /// seqpacket socket the peer's opposite sides too (`SHUT_RD` here stops the peer's sends, `SHUT_WR` gives it end
    /// of file after the data). On a datagram socket only its own. Shutting again, or after the peer closed, is fine.
    private func shutdown(_ state: State, process: Int, end: String, how: Int) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        guard (0...2).contains(how) else { return failure(state, .EINVAL) }
        let reading = how != 1
        let writing = how != 0
        var next = state
        if reading { next.sockets[index].readShut = true }
        if writing { next.sockets[index].writeShut = true }
        if state.type != .dgram, let peer = state.sockets[index].peer, let peerIndex = state.socketIndex(peer) {
            if reading { next.sockets[peerIndex].writeShut = true }
            if writing { next.sockets[peerIndex].readShut = true }
        }
        return [(.closed, .completed(next))]
    }

    /// `unix_stream_read_generic`, buffer by buffer: readers of one socket take turns (its `iolock`), and a read
    /// ends when its size is reached, the queue is empty after some data, or a buffer carrying descriptors is used.
    private func streamReceive(
        _ original: State, process: Int, _ index: Int, max: Int, nonblocking: Bool, room: Int
    ) -> Transitions {
        let progress =
            original.progress(of: process)
            ?? Progress(process: process, socket: original.sockets[index].name, isReceive: true)
        if original.holdsReadLock(original.sockets[index].name, except: process) { return [] }
        func finish(_ state: State, _ progress: Progress) -> Transitions {
            var next = state
            next.setProgress(nil, of: process)
            return [(
                .received(Received(data: progress.received, files: progress.files, filesTruncated: progress.filesTruncated)),
                .completed(next)
            )]
        }
        // The out-of-band mark first (`manage_oob`): a read with bytes stops there; one without passes it.
        let (state, stops) = Self.settlingMark(original, index, copied: !progress.received.isEmpty)
        if stops { return finish(state, progress) }
        let socket = state.sockets[index]
        if max == 0, let message = socket.queue.first, state.progress(of: process) == nil {
            // A read of 0 bytes with data queued returns 0 at once, but still takes the first buffer's descriptors.
            var next = state
            var received = progress
            if !message.files.isEmpty {
                (received.files, received.filesTruncated) = next.deliver(message.files, room: room, to: process)
                next.sockets[index].queue[0].files = []
                next.dischargeFiles(message.files)
            }
            return finish(next, received)
        }
        guard let message = socket.queue.first, progress.received.count < max else {
            if !progress.received.isEmpty { return finish(state, progress) }
            if let error = socket.error {
                var next = state
                next.sockets[index].error = nil
                return [(.failed(error), .completed(next))]
            }
            if socket.peerClosed || socket.readShut { return finish(state, progress) }
            if nonblocking { return failure(state, .EAGAIN) }
            // Asleep, having dropped what it passed (the byte or a mark): that much has happened.
            return state == original ? [] : [(nil, .partial(state))]
        }
        if Self.stopsAtSender(socket, progress, message) { return finish(state, progress) }
        var next = state
        var advanced = progress
        let take = min(message.bytes.count, max - progress.received.count)
        advanced.received += message.bytes.prefix(take)
        if advanced.senderProcess == nil {
            advanced.senderProcess = message.senderProcess ?? 0
            advanced.senderIds = message.senderIds
        }
        var carriedFiles = false
        if !message.files.isEmpty {
            carriedFiles = true
            let (files, dropped) = next.deliver(message.files, room: room, to: process)
            advanced.files = files
            advanced.filesTruncated = dropped
            next.sockets[index].queue[0].files = []
            next.dischargeFiles(message.files)
        }
        if take < message.bytes.count {
            next.sockets[index].queue[0].bytes.removeFirst(take)
            return finish(next, advanced)
        }
        next.sockets[index].queue.removeFirst()
        next.discharge(message, keepingFiles: true)
        if carriedFiles || advanced.received.count == max { return finish(next, advanced) }
        next.setProgress(advanced, of: process)
        return [(nil, .partial(next))] + (next.sockets[index].queue.isEmpty ? finish(next, advanced) : [])
    }

    /// `receive-exactly`: a client's loop of blocking `recv` calls for the bytes still missing, retrying `EINTR`,
    /// taken one queued buffer (or the part of one it still needs) per piece. Where one `recv` ends and the next
    /// begins changes nothing the loop reports, so the pieces need not follow the calls. It completes at `size`
    /// bytes; at end of file with what it has (possibly nothing); on a pending error with that error if it has
    /// nothing, else with what it has (the error is consumed, as the kernel clears a reported `ECONNRESET`). It
    /// passes no control buffer, so descriptors it meets are closed (`MSG_CTRUNC`). Stream sockets only: on others
    /// it fails `EINVAL`, as the clients do.
    private func receiveExactly(_ original: State, process: Int, end: String, size: Int) -> Transitions {
        guard let index = original.socketIndex(end), original.sockets[index].holders.contains(process) else {
            return failure(original, .EBADF)
        }
        guard original.type == .stream else { return failure(original, .EINVAL) }
        let socket = original.sockets[index]
        let progress =
            original.progress(of: process)
            ?? Progress(process: process, socket: socket.name, isReceive: true, isLoop: true)
        func finish(_ state: State, _ progress: Progress) -> Transitions {
            var next = state
            next.setProgress(nil, of: process)
            let received = Received(data: progress.received, filesTruncated: progress.filesTruncated)
            return [(.received(received), .completed(next))]
        }
        if progress.received.count == size { return finish(original, progress) }
        if original.holdsReadLock(socket.name, except: process) { return [] }
        // Each of its receives starts with nothing copied: a mark it meets is passed (the byte dropped or, inline,
        // read), whichever receive meets it.
        let (state, _) = Self.settlingMark(original, index, copied: false)
        guard let message = state.sockets[index].queue.first else {
            if let ended = streamWaitEnded(state, index, progress, finish: finish) { return ended }
            // Each of the loop's receives reads the description's O_NONBLOCK anew: set, the one that finds nothing
            // fails EAGAIN, which the loop reports if it has nothing, else it returns what it has.
            if state.sockets[index].descriptorNonblocking {
                if progress.received.isEmpty {
                    var next = state
                    next.setProgress(nil, of: process)
                    return [(.failed(.EAGAIN), .completed(next))]
                }
                return finish(state, progress)
            }
            return state == original ? [] : [(nil, .partial(state))]
        }
        var next = state
        var advanced = progress
        let take = min(message.bytes.count, size - progress.received.count)
        advanced.received += message.bytes.prefix(take)
        if !message.files.isEmpty {
            // No room for any descriptor: the kernel closes them all.
            advanced.filesTruncated = true
            next.sockets[index].queue[0].files = []
            next.dischargeFiles(message.files)
        }
        if take < message.bytes.count {
            next.sockets[index].queue[0].bytes.removeFirst(take)
        } else {
            next.sockets[index].queue.removeFirst()
            next.discharge(message, keepingFiles: true)
        }
        if advanced.received.count == size { return finish(next, advanced) }
        next.setProgress(advanced, of: process)
        return [(nil, .partial(next))]
    }

    // MARK: Connections

    private func connect(_ state: State, process: Int, nonblocking: Bool) -> Transitions {
        guard let listener = state.sockets.firstIndex(where: \.isListener) else { return failure(state, .EINVAL) }
        if state.sockets[listener].released { return failure(state, .ECONNREFUSED) }
        // A listener shut for reading refuses, before its backlog is looked at (`unix_stream_connect`; measured,
        // `UnixSocketListenerEpollFactsTests`).
        if state.sockets[listener].readShut { return failure(state, .ECONNREFUSED) }
        if state.sockets[listener].pending.count > state.backlog { return nonblocking ? failure(state, .EAGAIN) : [] }
        let client = "client-\(process)"
        let server = "server-\(process)"
        if let existing = state.socketIndex(client) {
            if state.sockets[existing].holders.contains(process) { return failure(state, .EISCONN) }
            // A second connection after the first was closed is not modelled: its sockets' names would collide.
            return []
        }
        var next = state
        // SO_PEERCRED: the client copies the listener's credentials, the server side takes the connector's.
        var clientSocket = Socket(name: client, holders: [process], peer: server)
        clientSocket.credentials = state.sockets[listener].credentials
        var serverSocket = Socket(name: server, holders: [], peer: client, isBound: true)
        serverSocket.credentials = .process(process)
        next.sockets.append(clientSocket)
        next.sockets.append(serverSocket)
        next.sockets[listener].pending.append(server)
        return [(.connected(client), .completed(next))]
    }

    /// `connect` of a bound datagram socket to `to` (`unix_dgram_connect`, measured in
    /// `UnixSocketDatagramConnectFactsTests`): a closed `to` refuses (`ECONNREFUSED`, the old peer kept); a `to`
    /// connected to another socket than `end` (itself included) fails `EPERM`; else `to` becomes the peer. Moving to
    /// another peer (even from one that closed) discards `end`'s queue, and an old peer still open and connected
    /// back to `end` (not `end` itself) gets `ECONNRESET` pending if something was discarded
    /// (`unix_dgram_disconnected`). Connecting
    /// to the same peer again changes nothing. Only bound datagram objects connect this way.
    func connectPeer(_ state: State, process: Int, end: String, to: String) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        guard state.reportsSender else { return failure(state, .EINVAL) }
        guard let targetIndex = state.holder(ofNameOf: to, type: state.type) else {
            return failure(state, .ECONNREFUSED)
        }
        if let targetPeer = state.connectedPeer(of: state.sockets[targetIndex]), targetPeer != end {
            return failure(state, .EPERM)
        }
        return [(.closed, .completed(movingPeer(state, index, to: state.sockets[targetIndex].name)))]
    }

    /// `connect` with `AF_UNSPEC` (measured in `UnixSocketDisconnectFactsTests`): a datagram socket, bound or a
    /// pair's end, is left with no peer — as when it connects elsewhere, its queue is discarded and an old peer
    /// connected back gets `ECONNRESET` if something was; a send without an address then fails `ENOTCONN`, and
    /// others' datagrams are taken again. With no peer nothing changes. A stream or seqpacket socket fails `EINVAL`
    /// (the family is not `AF_UNIX`).
    func disconnectPeer(_ state: State, process: Int, end: String) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        guard state.type == .dgram else { return failure(state, .EINVAL) }
        return [(.closed, .completed(movingPeer(state, index, to: nil)))]
    }

    /// The state once the socket at `index` has `to` as its peer (nil: none): moving away from a peer it had (even
    /// one that closed) discards its queue, and an old peer still open and connected back to it gets `ECONNRESET` if
    /// something was discarded (`unix_dgram_disconnected`). The same peer again changes nothing.
    func movingPeer(_ state: State, _ index: Int, to: String?) -> State {
        let end = state.sockets[index].name
        var next = state
        next.sockets[index].peer = to
        next.sockets[index].disconnected = false
        if let old = state.connectedPeer(of: state.sockets[index]), old != to {
            let discarded = !state.sockets[index].queue.isEmpty
            next.purge(index)
            // Whether the old peer is connected back is asked once the new peer is set (measured: a socket that was
            // its own peer gets no error when it moves on).
            if discarded, let oldIndex = next.socketIndex(old), !next.sockets[oldIndex].released,
                next.connectedPeer(of: next.sockets[oldIndex]) == end
            {
                next.sockets[oldIndex].error = .ECONNRESET
            }
        }
        return next
    }

    /// `listen` on a socket the object already has (measured in `UnixSocketListenFactsTests`): a datagram socket
    /// fails `EOPNOTSUPP`; a pair's end, a client or an accepted socket (unbound, or connected) `EINVAL`; the
    /// listener takes the new backlog at once, a negative or larger one capped at `somaxconn` (4096), and connections
    /// already waiting stay even past it; its `SO_PEERCRED` becomes the caller's (``Credentials``).
    private func listen(_ state: State, process: Int, end: String, backlog: Int) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        if state.type == .dgram { return failure(state, Self.operationNotSupported) }
        guard state.sockets[index].isListener else { return failure(state, .EINVAL) }
        var next = state
        next.backlog = UInt32(truncatingIfNeeded: backlog) > 4096 ? 4096 : backlog
        // The listener's SO_PEERCRED becomes the caller's, which later clients copy (measured).
        next.sockets[index].credentials = .process(process)
        return [(.closed, .completed(next))]
    }

    /// `accept` takes the new descriptor's number before anything else (`__sys_accept4_file`): with a full table,
    /// which no trace shows, `EMFILE` at once — before `EOPNOTSUPP`, `EINVAL` and `EAGAIN`, never asleep, the
    /// connection left waiting (measured, `DescriptorExhaustionFactsTests`).
    ///
    /// `accept4`'s flags (measured, `UnixSocketAcceptFlagsFactsTests`): any bit but `SOCK_NONBLOCK` and
    /// `SOCK_CLOEXEC` fails `EINVAL` once the descriptor is found (`EBADF` first) and before the number is taken
    /// (`EMFILE`) or the socket looked at; `SOCK_NONBLOCK` makes the accepted socket's description nonblocking (it
    /// does not inherit the listener's); `SOCK_CLOEXEC` has no effect a trace shows (no `exec`).
    private func accept(_ state: State, process: Int, end: String, nonblocking: Bool, flags: Int) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        if flags & ~(Self.socketNonblock | Self.socketCloseOnExec) != 0 { return failure(state, .EINVAL) }
        let accepted = acceptOnce(state, index: index, process: process, nonblocking: nonblocking).map { outcome in
            guard flags & Self.socketNonblock != 0, case .connected(let server) = outcome.output,
                case .completed(var next) = outcome.step, let serverIndex = next.socketIndex(server)
            else { return outcome }
            next.sockets[serverIndex].descriptorNonblocking = true
            return (outcome.output, .completed(next))
        }
        return accepted + failure(state, DescriptorTable.exhausted)
    }

    static let socketNonblock = 0x800
    static let socketCloseOnExec = 0x80000

    /// A call without its own nonblocking request on a socket whose open file description has `O_NONBLOCK` (by
    /// `accept4`'s `SOCK_NONBLOCK`, `F_SETFL` or `FIONBIO`), as the same call made nonblocking; nil for any other
    /// input. The kernel reads the flag as the call enters (`sock_sendmsg`'s and `__sys_recvfrom`'s `MSG_DONTWAIT`,
    /// the `f_flags` passed to `accept` and `connect`; measured, `UnixSocketNonblockFactsTests`): sends (stream ones
    /// short or `EAGAIN`, `MSG_OOB` ones too), receives of every kind, peeks, `accept` on the listener's, `connect`
    /// to a full backlog by an existing socket's (the client's own or `"end"`'s). A call already under way — a piece
    /// of it done — keeps what it entered with (``Progress/nonblockingByDescription``), whatever `F_SETFL` did since.
    static func nonblockingByDescriptor(_ input: Input, in state: State) -> Input? {
        if let progress = state.progress(of: input.process) {
            return progress.nonblockingByDescription ? madeNonblocking(input) : nil
        }
        guard let end = describedSocket(input), let index = state.socketIndex(end), state.sockets[index].descriptorNonblocking
        else { return nil }
        return madeNonblocking(input)
    }

    /// The socket whose description decides whether `input` may sleep (nil: none, or a new socket's).
    private static func describedSocket(_ input: Input) -> String? {
        switch input {
        case .send(_, let end, _, _, _, _), .receive(_, let end, _, _, _), .receiveWaitingAll(_, let end, _, _),
            .peek(_, let end, _, _, _), .receiveTruncating(_, let end, _, _, _), .sendOutOfBand(_, let end, _, _),
            .sendCredentials(_, let end, _, _, _), .accept(_, let end, _, _), .connectTo(_, let end?, _, _, _):
            end
        case .connect(let process, _): "client-\(process)"
        default: nil
        }
    }

    /// `input` made nonblocking (nil: it is already, or cannot sleep).
    static func madeNonblocking(_ input: Input) -> Input? {
        switch input {
        case .send(let process, let end, let data, false, let to, let files):
            .send(process: process, end: end, data: data, nonblocking: true, to: to, files: files)
        case .receive(let process, let end, let max, false, let maxFiles):
            .receive(process: process, end: end, max: max, nonblocking: true, maxFiles: maxFiles)
        case .receiveWaitingAll(let process, let end, let max, false):
            .receiveWaitingAll(process: process, end: end, max: max, nonblocking: true)
        case .peek(let process, let end, let max, false, let maxFiles):
            .peek(process: process, end: end, max: max, nonblocking: true, maxFiles: maxFiles)
        case .receiveTruncating(let process, let end, let max, false, let peek):
            .receiveTruncating(process: process, end: end, max: max, nonblocking: true, peek: peek)
        case .sendOutOfBand(let process, let end, let data, false):
            .sendOutOfBand(process: process, end: end, data: data, nonblocking: true)
        case .sendCredentials(let process, let end, let data, false, let control):
            .sendCredentials(process: process, end: end, data: data, nonblocking: true, control: control)
        case .accept(let process, let end, false, let flags):
            .accept(process: process, end: end, nonblocking: true, flags: flags)
        case .connect(let process, false):
            .connect(process: process, nonblocking: true)
        case .connectTo(let process, let end, let type, let address, false):
            .connectTo(process: process, end: end, type: type, address: address, nonblocking: true)
        default: nil
        }
    }

    /// `outcomes` of a call its description made nonblocking, each piece's progress marked so (see
    /// ``Progress/nonblockingByDescription``).
    static func markingNonblockingByDescription(_ outcomes: Transitions, process: Int) -> Transitions {
        outcomes.map { outcome in
            guard case .partial(var next) = outcome.step, var progress = next.progress(of: process) else { return outcome }
            progress.nonblockingByDescription = true
            next.setProgress(progress, of: process)
            return (outcome.output, .partial(next))
        }
    }

    private func acceptOnce(_ state: State, index: Int, process: Int, nonblocking: Bool) -> Transitions {
        // Measured: a datagram socket cannot accept (`sock_no_accept`); a stream or seqpacket one that does not
        // listen fails EINVAL.
        if state.type == .dgram { return failure(state, Self.operationNotSupported) }
        guard state.sockets[index].isListener else { return failure(state, .EINVAL) }
        guard let server = state.sockets[index].pending.first else { return nonblocking ? failure(state, .EAGAIN) : [] }
        var next = state
        next.sockets[index].pending.removeFirst()
        next.sockets[next.socketIndex(server)!].holders = [process]
        return [(.connected(server), .completed(next))]
    }

    /// What a datagram or seqpacket receive (or peek) gets without a record to take: a pending error (cleared,
    /// even by a peek), end of file, `EAGAIN`, or a sleep (no transition); nil when a record waits.
    func recordlessOutcome(_ state: State, _ index: Int, nonblocking: Bool) -> Transitions? {
        let socket = state.sockets[index]
        // A datagram socket's pending error comes first too (measured: `ECONNRESET` after its connected peer moved
        // on and discarded what it had sent).
        if state.type != .stream, let error = socket.error {
            var next = state
            next.sockets[index].error = nil
            return [(.failed(error), .completed(next))]
        }
        guard socket.queue.isEmpty else { return nil }
        if state.type == .seqpacket && (socket.peerClosed || socket.readShut) {
            return [(.received(Received(data: [])), .completed(state))]
        }
        // Measured: a datagram socket shut for reading returns 0 from a blocking receive, EAGAIN from a
        // nonblocking one (the wait ends at once without an error; the nonblocking path never waits).
        if state.type == .dgram && socket.readShut && !nonblocking { return [(.received(Received(data: [])), .completed(state))] }
        return nonblocking ? failure(state, .EAGAIN) : []
    }
}

extension UnixSocketModel.State {
    /// The socket's peer while it has one (`unix_peer`): a pair's other end, a connection's other side, or what a
    /// datagram socket connected to; none once a datagram send found it closed.
    func connectedPeer(of socket: UnixSocketModel.Socket) -> String? { socket.disconnected ? nil : socket.peer }

    /// Whether a process other than `process` is inside a plain receive on `socket`, which holds the socket's read
    /// lock (its `iolock`) for the whole call; a `receive-exactly` loop holds it only inside each `recv`.
    func holdsReadLock(_ socket: String, except process: Int) -> Bool {
        progress.contains { $0.socket == socket && $0.process != process && $0.isReceive && !$0.isLoop }
    }

    /// Appends `message` to `target`'s queue, charging its sender and counting its files in flight.
    mutating func enqueue(_ message: UnixSocketModel.Message, into target: String) {
        guard let targetIndex = socketIndex(target) else { return }
        sockets[targetIndex].queue.append(message)
        if let sender = socketIndex(message.sender) { sockets[sender].memory += message.cost }
        for file in message.files { if let index = fileIndex(file) { files[index].inFlight += 1 } }
    }

    /// A message leaves a queue: its cost is given back to its sender and, unless the receiver takes them, its
    /// files' in-flight references are dropped.
    mutating func discharge(_ message: UnixSocketModel.Message, keepingFiles: Bool = false) {
        if let sender = socketIndex(message.sender) { sockets[sender].memory -= message.cost }
        if !keepingFiles { dischargeFiles(message.files) }
    }

    mutating func dischargeFiles(_ names: [String]) {
        for file in names { if let index = fileIndex(file) { files[index].inFlight -= 1 } }
    }

    /// Installs up to `room` of `names` in `process` (the rest are closed); returns those installed and whether
    /// any were closed (`MSG_CTRUNC`). The caller drops the in-flight references.
    mutating func deliver(_ names: [String], room: Int, to process: Int) -> (files: [String], dropped: Bool) {
        let installed = Array(names.prefix(room))
        for file in installed { if let index = fileIndex(file) { files[index].holders.append(process) } }
        for index in files.indices { files[index].holders.sort() }
        return (installed, installed.count < names.count)
    }

    /// Empties a socket's queue, as closing it or a datagram disconnect does.
    mutating func purge(_ index: Int) {
        let queue = sockets[index].queue
        sockets[index].queue = []
        for message in queue { discharge(message) }
    }

    /// The socket's last descriptor closed (`unix_release_sock`): waiting connections are reset, a stream or
    /// seqpacket peer is shut down (and gets `ECONNRESET` if unread bytes were lost), and the queue is discarded.
    mutating func release(_ name: String, reset: Bool = false) {
        guard let index = socketIndex(name), !sockets[index].released else { return }
        sockets[index].released = true
        sockets[index].holders = []
        let waiting = sockets[index].pending
        sockets[index].pending = []
        for embryo in waiting { release(embryo, reset: true) }
        if type != .dgram, let peer = sockets[index].peer, let peerIndex = socketIndex(peer), !sockets[peerIndex].released {
            sockets[peerIndex].peerClosed = true
            // Measured (`UnixSocketFactsTests.onlyAnEmptyFirstRecordIsPassedOverAtClose`): anything unread resets the
            // peer but an empty first buffer, which `unix_release_sock` passes over (a taken out-of-band byte's):
            // one empty record does not reset, two do.
            let queue = sockets[index].queue
            let passedOver = queue.first.map { $0.bytes.isEmpty ? 1 : 0 } ?? 0
            if queue.count > passedOver || reset { sockets[peerIndex].error = .ECONNRESET }
        }
        purge(index)
    }
}

extension UnixSocketModel {
    /// A receive's outcomes, and — unless ``tablesNeverFull`` — for each that installs descriptors, those in which the
    /// receiver's table filled after `k` of them (for every `k` below the count installed): measured
    /// (`ReceivedDescriptorFactsTests`), `scm_detach_fds` stops at the first descriptor it cannot install, exactly as
    /// at the end of the control buffer's room — the rest are closed, `MSG_CTRUNC` is set, and the call succeeds
    /// with its data.
    func receiveOutcomes(_ outcomes: Transitions, process: Int) -> Transitions {
        guard !tablesNeverFull else { return outcomes }
        var result = outcomes
        for outcome in outcomes {
            guard case .received(let received)? = outcome.output, !received.files.isEmpty, case .completed(let next) = outcome.step else {
                continue
            }
            for installed in 0..<received.files.count {
                var full = next
                for file in received.files[installed...] { full.dropHolder(process, of: file) }
                var cut = received
                cut.files = Array(received.files.prefix(installed))
                cut.filesTruncated = true
                result.append((.received(cut), .completed(full)))
            }
        }
        return result
    }
}

extension UnixSocketModel.State {
    /// `process` closes one descriptor of the passed file `name`.
    mutating func dropHolder(_ process: Int, of name: String) {
        guard let index = fileIndex(name), let position = files[index].holders.firstIndex(of: process) else { return }
        files[index].holders.remove(at: position)
    }
}

extension UnixSocketModel {
    /// Whether a stream read that has copied bytes stops before `message`: under `SO_PASSCRED` or `SO_PASSPIDFD` it
    /// does at a change of sender (`unix_skb_scm_eq`; measured in `UnixSocketCredentialsFactsTests`).
    static func stopsAtSender(_ socket: Socket, _ progress: Progress, _ message: Message) -> Bool {
        guard socket.passesSender, !progress.received.isEmpty, let first = progress.senderProcess else { return false }
        return (message.senderProcess ?? 0) != first || message.senderIds != progress.senderIds
    }
}

extension UnixSocketModel.State {
    /// The descriptors a receive of `maxFiles` on socket `index` has room for: the harness's control buffer
    /// (`CMSG_SPACE(4 × room)`), less `SCM_CREDENTIALS`' 32 bytes under `SO_PASSCRED` (see `UnixSocketModel+Credentials`).
    func descriptorRoom(requested maxFiles: Int, at index: Int) -> Int {
        var bytes = UnixSocketModel.controlBytes(maxFiles: maxFiles)
        if sockets[index].passCredentials { bytes = bytes >= 32 ? bytes - 32 : 0 }
        return bytes > 16 ? (bytes - 16) / 4 : 0
    }
}
