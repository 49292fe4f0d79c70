extension UnixSocketModel {
    public func describe(_ state: State) -> String {
        var parts: [String] = []
        for socket in state.sockets {
            var text = "\(socket.name)"
            if socket.released {
                text += " closed"
            } else {
                text += " held by \(socket.holders)"
            }
            if !socket.queue.isEmpty {
                let bytes = socket.queue.reduce(0) { $0 + $1.bytes.count }
                let first = socket.queue[0]
                text += ", \(socket.queue.count) queued (\(bytes) bytes, first \(Payload.preview(first.bytes)) from \(first.sender)"
                    + (first.files.isEmpty ? "" : " with \(first.files)") + ")"
            }
            if let urgent = socket.queue.firstIndex(where: \.urgent) {
                text += ", out-of-band byte \(Payload.preview(socket.queue[urgent].bytes)) at buffer \(urgent)"
            }
            if socket.queue.contains(where: { $0.bytes.isEmpty && !$0.urgent }) && state.type == .stream {
                text += ", a taken out-of-band mark queued"
            }
            if socket.outOfBandInline { text += ", SO_OOBINLINE" }
            if socket.passSecurity { text += ", SO_PASSSEC" }
            if socket.memory > 0 {
                text += ", \(socket.memory) of \(state.sendBuffer(of: socket)) send-buffer bytes in use"
            }
            if let own = socket.ownSendBuffer { text += ", SO_SNDBUF \(own)" }
            if let error = socket.error { text += ", pending \(error)" }
            if socket.peerClosed { text += ", peer closed" }
            if socket.readShut { text += ", shut for reading" }
            if socket.writeShut { text += ", shut for writing" }
            if socket.disconnected {
                text += ", disconnected"
            } else if state.reportsSender, let peer = socket.peer {
                text += ", connected to \(peer)"
            }
            if !socket.pending.isEmpty { text += ", waiting \(socket.pending)" }
            if let name = socket.holdsNameOf { text += ", bound to \(name)'s name" }
            if let type = socket.newSocketType { text += " (a new \(type.rawValue) socket inside a bind, closed as it ends)" }
            parts.append(text)
        }
        for file in state.files {
            var text = "file \(file.name) held by \(file.holders)"
            if file.inFlight > 0 { text += ", \(file.inFlight) in flight" }
            if file.isPipe { text += file.isOpen ? " (write end open)" : " (every write end closed)" } else { text += ", offset \(file.offset)" }
            parts.append(text)
        }
        for progress in state.progress {
            parts.append(
                progress.received.isEmpty
                    ? "process \(progress.process) has sent \(progress.sent) bytes so far on \(progress.socket)"
                    : "process \(progress.process) has received \(progress.received.count) bytes so far on \(progress.socket)")
        }
        parts += state.ioSignals.describe { $0 }
        parts += state.sockets.filter(\.noSpace).map { "\($0.name) found no room with O_ASYNC (POLL_OUT due)" }
        return parts.joined(separator: "; ")
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .epoll(_, let epollCall):
            call = "\(epollCall)"
        case .nestedEpoll(_, let nested):
            call = "\(nested)"
        case .send(_, let end, let data, let nonblocking, let to, let files):
            call = "send on \(end)\(to.map { " to \($0)" } ?? "") \(Payload.preview(data)) (\(data.count) bytes"
                + (files.isEmpty ? "" : ", files \(files)") + (nonblocking ? ", nonblocking" : "") + ")"
        case .sendOutOfBand(_, let end, let data, let nonblocking):
            call = "send on \(end) \(Payload.preview(data)) with MSG_OOB (\(data.count) bytes"
                + (nonblocking ? ", nonblocking" : "") + ")"
        case .receiveOutOfBand(_, let end, let max, let peek):
            call = "receive on \(end) up to \(max) bytes with MSG_OOB" + (peek ? "|MSG_PEEK" : "")
        case .atMark(_, let end): call = "ioctl \(end) SIOCATMARK"
        case .setOutOfBandInline(_, let end, let value): call = "setsockopt \(end) SO_OOBINLINE \(value)"
        case .receive(_, let end, let max, let nonblocking, let maxFiles):
            call = "receive on \(end) up to \(max) bytes" + (maxFiles > 0 ? " and \(maxFiles) files" : "")
                + (nonblocking ? " (nonblocking)" : "")
        case .receiveTruncating(_, let end, let max, let nonblocking, let peek):
            call = "\(peek ? "peek" : "receive") on \(end) up to \(max) bytes with MSG_TRUNC" + (nonblocking ? " (nonblocking)" : "")
        case .receiveWaitingAll(_, let end, let max, let nonblocking):
            call = "receive on \(end) up to \(max) bytes with MSG_WAITALL" + (nonblocking ? " (nonblocking)" : "")
        case .peek(_, let end, let max, let nonblocking, let maxFiles):
            call = "peek (MSG_PEEK) on \(end) up to \(max) bytes" + (maxFiles > 0 ? " and \(maxFiles) files" : "")
                + (nonblocking ? " (nonblocking)" : "")
        case .receiveExactly(_, let end, let size):
            call = "receive exactly \(size) bytes on \(end) (a loop of receives)"
        case .sendBatch(_, let end, let messages, let nonblocking, let to):
            call = "sendmmsg on \(end) of \(messages.count) messages (\(messages.map { Payload.preview($0) }.joined(separator: ", ")))"
                + (to.map { " to \($0)" } ?? "") + (nonblocking ? " (nonblocking)" : "")
        case .receiveBatch(_, let end, let max, let count, let nonblocking, let waitForOne, let timeout):
            call = "recvmmsg on \(end) of \(count) entries of \(max) bytes" + (waitForOne ? " with MSG_WAITFORONE" : "")
                + (timeout.map { " (timeout \($0.rawValue))" } ?? "") + (nonblocking ? " (nonblocking)" : "")
        case .connect(_, let nonblocking): call = "connect" + (nonblocking ? " (nonblocking)" : "")
        case .connectPeer(_, let end, let to): call = "connect \(end) to \(to)"
        case .disconnectPeer(_, let end): call = "connect \(end) to AF_UNSPEC (no peer)"
        case .connectTo(_, let end, let type, let address, let nonblocking):
            call = "connect \(end ?? type.map { "a new \($0.rawValue) socket" } ?? "a new socket") to \(address.name)"
                + (nonblocking ? " (nonblocking)" : "")
        case .accept(_, let end, let nonblocking, let flags): call = "accept on \(end)" + (flags != 0 ? " (flags \(flags))" : "") + (nonblocking ? " (nonblocking)" : "")
        case .socket(_, let domain, let type, let `protocol`): call = "socket(\(domain), \(type), \(`protocol`))"
        case .socketPair(_, let domain, let type, let `protocol`): call = "socketpair(\(domain), \(type), \(`protocol`))"
        case .bind(_, let end, let type, let address):
            call = "bind \(end ?? type.map { "a new \($0.rawValue) socket" } ?? "a new socket") to \(address.name)"
        case .listen(_, let end, let backlog): call = "listen on \(end) with backlog \(backlog)"
        case .close(_, let end): call = "close \(end)"
        case .refusedOption(_, let end, let set, let level, let option):
            call = "\(set ? "setsockopt" : "getsockopt") \(end) level \(level) option \(option)"
        case .socketName(_, let end, let peer): call = "\(peer ? "getpeername" : "getsockname") \(end ?? "a new socket")"
        case .shutdown(_, let end, let how):
            call = "shutdown \(end) " + (Self.shutdownNames.indices.contains(how) ? Self.shutdownNames[how] : "how \(how)")
        case .poll(_, let end, let events, let timeout):
            call = "poll \(end) for \(events.names.joined(separator: "|")) "
                + (timeout < 0 ? "(no timeout)" : "(timeout \(timeout) ms)")
        case .select(_, let end, let read, let write, let timeout):
            call = "select \(end) for " + [read ? "reading" : nil, write ? "writing" : nil].compactMap { $0 }.joined(separator: " and ")
                + (timeout < 0 ? " (no timeout)" : " (timeout \(timeout) ms)")
        case .selectWithExceptions(_, let end, let read, let write, let timeout):
            let sets = [read ? "reading" : nil, write ? "writing" : nil, "exceptions"].compactMap { $0 }
            call = "select \(end) for " + sets.joined(separator: " and ")
                + (timeout < 0 ? " (no timeout)" : " (timeout \(timeout) ms)")
        case .getOption(_, let end, let option): call = "getsockopt \(end) \(option.rawValue)"
        case .setSendBuffer(_, let end, let value): call = "setsockopt \(end) SO_SNDBUF \(value)"
        case .setPeekOffset(_, let end, let value): call = "setsockopt \(end) SO_PEEK_OFF \(value)"
        case .setPassPidfd(_, let end, let value): call = "setsockopt \(end) SO_PASSPIDFD \(value)"
        case .setPassCredentials(_, let end, let value): call = "setsockopt \(end) SO_PASSCRED \(value)"
        case .setPassSecurity(_, let end, let value): call = "setsockopt \(end) SO_PASSSEC \(value)"
        case .sendCredentials(_, let end, let data, let nonblocking, let control):
            let named = control.credentials.map { "SCM_CREDENTIALS pid of process \($0.process) uid \($0.uid) gid \($0.gid)" }
            let rights = control.files.isEmpty ? [] : ["SCM_RIGHTS " + control.files.joined(separator: ", ")]
            let messages = control.rightsFirst ? rights + named : named + rights
            call = "send on \(end) \(Payload.preview(data)) (\(data.count) bytes\(nonblocking ? ", nonblocking" : ""), \(messages.joined(separator: ", ")))"
        case .setTimeout(_, let end, let send, let timeout): call = "setsockopt \(end) \(send ? "SO_SNDTIMEO" : "SO_RCVTIMEO") \(timeout)"
        case .queued(_, let end, let outgoing): call = "ioctl \(end) " + (outgoing ? "SIOCOUTQ" : "SIOCINQ")
        case .readFile(_, let file, let max): call = "read up to \(max) bytes of file \(file)"
        case .closeFile(_, let file): call = "close file \(file)"
        case .probe(_, let file): call = "probe pipe \(file)"
        case .exit: call = "exit (closes every descriptor it holds)"
        case .fileControl(_, let end, let command): call = "fcntl \(end) \(command)"
        case .takeSignal(_, let signals, let wait): call = "\(wait ? "sigwaitinfo" : "sigtimedwait") for signals \(signals)"
        case .read, .write, .duplicate, .status: call = Self.describeDescriptorCall(input)!
        }
        let result: String
        switch output {
        case nil: result = "?"
        case .epollControlled?: result = "ok"
        case .epollCreated(let closeOnExec)?: result = "created" + (closeOnExec.map { $0 ? " (FD_CLOEXEC)" : " (no FD_CLOEXEC)" } ?? "")
        case .epollEvents(let reports)?: result = reports.isEmpty ? "nothing" : reports.map(\.description).joined(separator: ", ")
        case .nestedEpollEvents(let reports)?: result = reports.map { "\($0.target.name) \($0.events)" }.joined(separator: ", ")
        case .sent(let count)?: result = "sent \(count)"
        case .sentBatch(let sent)?: result = "sent \(sent.count) messages (msg_len \(sent))"
        case .receivedBatch(let entries)?:
            result = "\(entries.count) messages: " + entries.map { entry in
                Payload.preview(entry.data) + (entry.truncated ? " [MSG_TRUNC]" : "") + (entry.from.map { " from \($0)" } ?? "")
            }.joined(separator: ", ")
        case .received(let received)?:
            if received.data.isEmpty && received.files.isEmpty {
                result = "0 bytes (end of file, or an empty message)"
            } else {
                result = "\(Payload.preview(received.data)) (\(received.data.count) bytes)"
            }
            var flags: [String] = []
            if received.truncated { flags.append("MSG_TRUNC") }
            if !received.files.isEmpty { flags.append("files \(received.files)") }
            if received.filesTruncated { flags.append("MSG_CTRUNC") }
            if let from = received.from { flags.append("from \(from)") }
            if let pidfd = received.pidfd { flags.append(pidfd == Self.pidfdNotJudged ? "SCM_PIDFD not judged" : "SCM_PIDFD of process \(pidfd)") }
            if let credentials = received.credentials { flags.append("SCM_CREDENTIALS of \(Self.describe(credentials))") }
            return "\(call) → \(result)" + (flags.isEmpty ? "" : " [" + flags.joined(separator: ", ") + "]")
        case .connected(let end)?: result = end
        case .closed?, .exited?: result = "ok"
        case .fileData(let bytes)?: result = "\(Payload.preview(bytes)) (\(bytes.count) bytes)"
        case .polled(let events)?: result = events.isEmpty ? "nothing ready" : events.names.joined(separator: "|")
        case .timeout(let timeout)?: result = "\(timeout)"
        case .selected(let readable, let writable)?:
            result = readable || writable ? [readable ? "readable" : nil, writable ? "writable" : nil].compactMap { $0 }.joined(separator: ", ") : "nothing ready"
        case .selectedWithExceptions(let readable, let writable, let exceptional)?:
            let ready = [readable ? "readable" : nil, writable ? "writable" : nil, exceptional ? "exceptional" : nil]
                .compactMap { $0 }
            result = ready.isEmpty ? "nothing ready" : ready.joined(separator: ", ")
        case .created(let type)?: result = "a \(type.rawValue) socket"
        case .pairCreated(let type, let nonblocking, let closeOnExec)?:
            result = "a \(type.rawValue) pair" + (nonblocking == true ? ", O_NONBLOCK" : "") + (closeOnExec == true ? ", FD_CLOEXEC" : "")
        case .value(let number)?: result = "\(number)"
        case .address(let name)?: result = name == Self.unnamed ? "unnamed (no address)" : "the address of \(name)"
        case .socketError(let code)?: result = code?.rawValue ?? "0 (no error)"
        case .peerCredentials(let credentials)?:
            result = Self.describe(credentials)
        case .probed(let open)?: result = open ? "a write end is open" : "every write end is closed"
        case .flags(let nonblocking, let async)?:
            result = [nonblocking ? "O_NONBLOCK" : nil, async ? "O_ASYNC" : nil].compactMap { $0 }.joined(separator: "|")
        case .owner(let report)?: result = "owner \(report)"
        case .ownerEx(let type, let report)?: result = "owner \(report) (\(type))"
        case .ioSignal(let signal)?: result = "signal \(signal)"
        case .signalTaken(let taken)?: result = "\(taken)"
        case .status(let type, let mode, let size)?: result = "\(type), mode 0\(String(mode, radix: 8)), size \(size)"
        case .failed(let code)?: result = code.rawValue
        }
        return "\(call) → \(result)"
    }
}

extension UnixSocketModel {
    /// Whose credentials, with the ids when known.
    static func describe(_ credentials: PeerCredentials) -> String {
        let who = switch credentials.who {
        case .none: "no credentials (pid 0)"
        case .harness: "the harness (made before the trace)"
        case .process(let process): "process \(process)"
        }
        let ids = [credentials.uid.map { "uid \($0)" }, credentials.gid.map { "gid \($0)" }].compactMap { $0 }
        return who + (ids.isEmpty ? "" : " (" + ids.joined(separator: ", ") + ")")
    }
}
