extension UnixSocketModel {
    /// What `getsockname` and `getpeername` report, and `ENOTSOCK` for a socket call on a file that is no socket.
    ///
    /// Measured in `UnixSocketNameFactsTests` (LTP's `getsockname01`, `getpeername01`), checked against the kernel by
    /// `UnixSocketNameAgreementTests`. An address is named in a trace by the object's socket whose `bind` made it
    /// (`listen`, `pP`, a socket a trace `bind` bound, or the closed socket whose free abstract name a `bind` took), or
    /// `unnamed` (the kernel's `sizeof(sa_family_t)` address: a socket never bound). What the kernel reports:
    /// - `getsockname`: the socket's own address — a listener's, a bound socket's, and an accepted (or still waiting)
    ///   connection's, which shares its listener's; a pair's end, a client and a new socket `unnamed` until a `bind`;
    /// - `getpeername`: the peer's address *as it is now* — a peer that binds after the connection shows its new
    ///   address; a listener, a new socket, a datagram socket with no peer `ENOTCONN`; a peer that closed is still
    ///   reported (the kernel keeps the pointer: stream, seqpacket and datagram alike) until a datagram send finds it
    ///   gone (`ECONNREFUSED`: from then on `ENOTCONN`), and `shutdown` changes nothing;
    /// - both `EBADF` for a socket the process does not hold.
    public static let unnamed = "unnamed"

    /// The address of the object's socket at `index`, as a trace names it (see ``unnamed``).
    static func addressName(of index: Int, in state: State) -> String {
        let socket = state.sockets[index]
        if let held = socket.holdsNameOf { return held }
        if socket.isListener { return socket.name }
        if socket.name.hasPrefix("server-"), let listener = state.sockets.first(where: \.isListener) { return listener.name }
        return socket.isBound ? socket.name : unnamed
    }

    /// `getsockname` (`peer` false) or `getpeername` of the object's socket `end`, or (nil) of a new socket of `type`
    /// closed at once (`unnamed`; `getpeername` `ENOTCONN`).
    func socketName(_ state: State, process: Int, end: String?, peer: Bool) -> Transitions {
        guard let end else { return peer ? failure(state, .ENOTCONN) : [(.address(Self.unnamed), .completed(state))] }
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        guard peer else { return [(.address(Self.addressName(of: index, in: state)), .completed(state))] }
        let socket = state.sockets[index]
        guard !socket.isListener, !socket.disconnected, let name = socket.peer, let peerIndex = state.socketIndex(name) else {
            return failure(state, .ENOTCONN)
        }
        return [(.address(Self.addressName(of: peerIndex, in: state)), .completed(state))]
    }

    /// The name a trace gives a file the process holds that is no socket (a memory file; `/dev/null` measured the
    /// same): every socket call on it fails `ENOTSOCK` (`sockfd_lookup`), as measured in `UnixSocketNameFactsTests`.
    public static let regularFile = "regular-file"

    static let notSocket = ErrorCode("ENOTSOCK")

    /// The error of a socket call (`send`, the receives, `connect`, `bind`, `listen`, `accept`, `shutdown`,
    /// `getsockopt`, `setsockopt`, `getsockname`, `getpeername`) on ``regularFile``, nil for any other input:
    /// `ENOTSOCK` before any other check of its arguments (a `shutdown` `how` out of range, a negative backlog,
    /// `AF_UNSPEC`, `MSG_OOB`) — but `accept4`'s invalid flags, which come first: `EINVAL` (measured on a memory file
    /// and `/dev/null`). `ioctl` is not a socket call: `SIOCATMARK` and `SIOCOUTQ` fail `ENOTTY` there, and `SIOCINQ`
    /// (`FIONREAD`) answers a memory file, so the trace form has no `ioctl` on it.
    public static func regularFileFailure(_ input: Input) -> ErrorCode? {
        switch input {
        case .send(_, let end, _, _, _, _), .sendOutOfBand(_, let end, _, _), .receiveOutOfBand(_, let end, _, _),
            .sendCredentials(_, let end, _, _, _), .receive(_, let end, _, _, _), .receiveTruncating(_, let end, _, _, _), .receiveWaitingAll(_, let end, _, _),
            .peek(_, let end, _, _, _), .shutdown(_, let end, _), .getOption(_, let end, _),
            .setSendBuffer(_, let end, _), .setPeekOffset(_, let end, _), .setTimeout(_, let end, _, _),
            .setOutOfBandInline(_, let end, _), .listen(_, let end, _), .disconnectPeer(_, let end),
            .connectPeer(_, let end, _), .connectTo(_, let end?, _, _, _), .bind(_, let end?, _, _),
            .socketName(_, let end?, _), .refusedOption(_, let end, _, _, _):
            return end == regularFile ? notSocket : nil
        case .accept(_, let end, _, let flags):
            guard end == regularFile else { return nil }
            return flags & ~(socketNonblock | socketCloseOnExec) == 0 ? notSocket : .EINVAL
        default:
            return nil
        }
    }
}

extension UnixSocketModel {
    /// `SOL_SOCKET`.
    public static let socketLevel = 1

    /// The `SOL_SOCKET` option numbers of the names a trace may give (x86-64: `SO_RCVTIMEO`/`SO_SNDTIMEO` are the
    /// old 20 and 21).
    public static let optionNumbers: [String: Int] = [
        "SO_TYPE": 3, "SO_ERROR": 4, "SO_SNDBUF": 7, "SO_OOBINLINE": 10, "SO_PEERCRED": 17, "SO_RCVTIMEO": 20,
        "SO_SNDTIMEO": 21, "SO_PEERSEC": 31, "SO_PASSSEC": 34, "SO_PEEK_OFF": 42,
    ]

    /// The options `setsockopt` cannot set (`sk_setsockopt`'s default: `ENOPROTOOPT`, measured; `SO_PEERSEC` in
    /// `UnixSocketSecurityFactsTests`, whatever the security modules).
    static let readOnlyOptions: Set<String> = ["SO_TYPE", "SO_ERROR", "SO_PEERCRED", "SO_PEERSEC"]

    /// Option numbers no kernel knows at `SOL_SOCKET`, which the model may judge: negative, or 1000 and above (this
    /// kernel's highest is under 100; between them only named options are judged).
    static func isUnknownOption(_ number: Int) -> Bool { number < 0 || number >= 1000 }

    /// `getsockopt` or `setsockopt` (`set`) that no socket option answers (measured in `UnixSocketNameFactsTests`,
    /// LTP's `getsockopt01`, `setsockopt01`): a level other than `SOL_SOCKET` `EOPNOTSUPP` whatever the option (Unix
    /// sockets have no options of their own protocol), an option `SOL_SOCKET` does not know — or, for `setsockopt`,
    /// one it only reports (`SO_TYPE`, `SO_ERROR`, `SO_PEERCRED`) — `ENOPROTOOPT`; `EBADF` (and `ENOTSOCK`) first.
    func refusedOption(_ state: State, process: Int, end: String, level: Int) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        return failure(state, level == Self.socketLevel ? ErrorCode("ENOPROTOOPT") : ErrorCode("EOPNOTSUPP"))
    }

    /// The trace's `getsockopt`/`setsockopt` that no option answers: a `"level"` other than `SOL_SOCKET` (a number),
    /// an option number no kernel knows, or `setsockopt` of a read-only option; nil for the options the model
    /// answers. An option number between 0 and 999 at `SOL_SOCKET` is refused: give the options the model knows by
    /// name.
    static func refusedOptionInput(of call: Call) throws(ModelError) -> Input? {
        let set = call.f == "setsockopt"
        let level: Int
        switch try call.value.optional("level") {
        case nil, .string("SOL_SOCKET")?: level = socketLevel
        case let other?: level = try other.integer("level", in: Int(Int32.min)...Int(Int32.max))
        }
        let option: Int
        switch try call.value.required("option") {
        case .string(let name):
            guard level != socketLevel || (set && readOnlyOptions.contains(name)) else { return nil }
            guard let number = optionNumbers[name] else {
                throw ModelError("\(call.f): option \(name) is not one the model names (give a number)")
            }
            option = number
        case let other:
            option = try other.integer("option", in: Int(Int32.min)...Int(Int32.max))
            guard level != socketLevel || isUnknownOption(option) else {
                throw ModelError("\(call.f): option \(option) at SOL_SOCKET: name the options the model knows; numbers only below 0 or from 1000")
            }
        }
        return .refusedOption(process: call.process, end: try call.value.required("end").text("end"), set: set, level: level, option: option)
    }

    /// The trace form of a refused option call.
    static func refusedOptionCall(end: String, set: Bool, level: Int, option: Int) -> (String, JSONValue?) {
        var value: JSONObject = ["end": .string(end)]
        if level != socketLevel { value["level"] = .int(level) }
        value["option"] = optionNumbers.first { $0.value == option && (level != socketLevel || readOnlyOptions.contains($0.key)) }
            .map { .string($0.key) } ?? .int(option)
        if set { value["value"] = 1 }
        return (set ? "setsockopt" : "getsockopt", .object(value))
    }
}
