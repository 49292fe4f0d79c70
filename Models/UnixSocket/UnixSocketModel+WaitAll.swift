extension UnixSocketModel {
    /// A receive with `MSG_WAITALL` in its flags (measured, `UnixSocketWaitAllFactsTests`). A datagram or seqpacket
    /// socket ignores the flag (one datagram or record a call), and so does a nonblocking stream receive (what is
    /// queued, `EAGAIN` when nothing is). A blocking stream receive (`unix_stream_read_generic` with its target the
    /// whole length) takes buffers until `max` bytes have come, sleeping while the queue is empty; it ends short at
    /// end of file (the peer's close or `SHUT_WR`, its own `SHUT_RD`), at a buffer carrying descriptors (the flag
    /// passes no control room: they are closed), or at a pending error, which it takes — with bytes copied it returns
    /// them and the error is gone. A handled signal ending the sleep after bytes were copied returns them (the
    /// kernel's `copied ? : err`; not measured here, and the model keeps no signals): so asleep with bytes copied,
    /// it may also complete with them. Nothing copied, a signal fails it `EINTR` (as every receive asleep). Asleep, it
    /// holds no read lock: other readers may receive meanwhile (found by the `unix-stream-out-of-band` scenario).
    func receiveWaitingAll(_ original: State, process: Int, end: String, max: Int, nonblocking: Bool) -> Transitions {
        let plain = Input.receive(process: process, end: end, max: max, nonblocking: nonblocking, maxFiles: 0)
        guard original.type == .stream, !nonblocking else { return transitions(original, plain) }
        guard let index = original.socketIndex(end), original.sockets[index].holders.contains(process) else {
            return failure(original, .EBADF)
        }
        let progress =
            original.progress(of: process)
            ?? Progress(process: process, socket: original.sockets[index].name, isReceive: true)
        if original.holdsReadLock(original.sockets[index].name, except: process) { return [] }
        // The out-of-band mark ends it short too (`manage_oob`, as a plain read: the kernel breaks out whatever its
        // target); with nothing copied it passes the mark.
        let (state, stops) = Self.settlingMark(original, index, copied: !progress.received.isEmpty)
        let socket = state.sockets[index]
        func finish(_ state: State, _ progress: Progress) -> Transitions {
            var next = state
            next.setProgress(nil, of: process)
            let received = Received(data: progress.received, files: progress.files, filesTruncated: progress.filesTruncated)
            return [(.received(received), .completed(next))]
        }
        if stops { return finish(state, progress) }
        // A read of 0 bytes returns at once with data queued; with none it waits for data like any other.
        if max == 0, !socket.queue.isEmpty { return transitions(state, plain) }
        if progress.received.count == max, max > 0 { return finish(state, progress) }
        guard let message = socket.queue.first else {
            // Asleep: with bytes copied, a handled signal returns them.
            if let ended = streamWaitEnded(state, index, progress, finish: finish) { return ended }
            if !progress.received.isEmpty {
                guard !progress.isLoop else { return finish(state, progress) }
                // Asleep, it lets go of the socket's read lock (`unix_stream_data_wait` is called without the
                // `iolock`): other readers may come in — a nonblocking one finds the queue empty — and, once data
                // comes, take turns with it (the model lets them in between any two of its pieces from then on).
                var asleep = state
                var released = progress
                released.isLoop = true
                asleep.setProgress(released, of: process)
                return finish(state, progress) + [(nil, .partial(asleep))]
            }
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
            let (files, dropped) = next.deliver(message.files, room: UnixSocketMemory.descriptorRoom(requested: 0), to: process)
            advanced.files = files
            advanced.filesTruncated = dropped
            next.sockets[index].queue[0].files = []
            next.dischargeFiles(message.files)
        }
        if take < message.bytes.count {
            next.sockets[index].queue[0].bytes.removeFirst(take)
        } else {
            next.sockets[index].queue.removeFirst()
            next.discharge(message, keepingFiles: true)
        }
        if carriedFiles || advanced.received.count == max { return finish(next, advanced) }
        next.setProgress(advanced, of: process)
        return [(nil, .partial(next))]
    }

    /// A stream receive waiting for more bytes (`receive-exactly`, `MSG_WAITALL`) that finds the queue empty: a
    /// pending error is taken — the call fails with it if nothing was received, else returns the bytes — and end of
    /// file returns what there is; nil while it would sleep.
    func streamWaitEnded(
        _ state: State, _ index: Int, _ progress: Progress, finish: (State, Progress) -> Transitions
    ) -> Transitions? {
        if let error = state.sockets[index].error {
            var next = state
            next.sockets[index].error = nil
            if progress.received.isEmpty {
                next.setProgress(nil, of: progress.process)
                return [(.failed(error), .completed(next))]
            }
            return finish(next, progress)
        }
        if state.sockets[index].peerClosed || state.sockets[index].readShut { return finish(state, progress) }
        return nil
    }
}
