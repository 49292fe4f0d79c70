// The unix-socket model's trace form (documented in traces/README.md):
//
//   f           invoke value                                                  ok value
//   send        {"end": S, "data": PAYLOAD, "nonblocking": BOOL?,             {"sent": INT}
//                "to": S?, "files": [F]?}
//   receive     {"end": S, "max": INT, "nonblocking": BOOL?, "maxFiles": INT?, "peek": BOOL?, "trunc": BOOL?, "waitall": BOOL?,
//                "errqueue": BOOL?}                                            {"data": PAYLOAD, "truncated": BOOL?,
//                                                                              "files": [F]?, "filesTruncated": BOOL?,
//                                                                              "from": S?, "size": INT?}
//               (errqueue: MSG_ERRQUEUE in the flags, which a Unix socket ignores: judged as without it)
//               (waitall: MSG_WAITALL in the flags — a blocking stream receive waits for all max bytes, short only at
//                end of file, a pending error, descriptors or a signal; others ignore it; no maxFiles, peek or trunc)
//               (trunc: MSG_TRUNC in the flags — a datagram or record reports its whole length as "size" when it was
//                truncated; a stream ignores it; no maxFiles)
//   send        {"end": S, "data": PAYLOAD, "oob": true, "nonblocking": BOOL?} {"sent": INT}   EOPNOTSUPP, ...
//               (MSG_OOB: on a stream the last byte becomes the out-of-band byte; no "to" or "files")
//   receive     {"end": S, "max": INT, "oob": true, "peek": BOOL?}            {"data": PAYLOAD, "size": INT?}   EINVAL,
//                                                                              EOPNOTSUPP
//               (MSG_OOB: the out-of-band byte; "size" 1 when max is 0; never sleeps)
//   receive-exactly {"end": S, "size": INT}                                   {"data": PAYLOAD,
//                                                                              "filesTruncated": BOOL?}
//               (a client's loop of receives until size bytes, end of file or an error; stream sockets only, else
//                EINVAL; fewer than size bytes only at end of file or after an error it then swallows)
//   connect     {"nonblocking": BOOL?}                                        {"end": "client-P"}
//   connect     {"to": S, "end": S?}                                          (none)   EPERM, ECONNREFUSED, EBADF
//               (a bound datagram socket fixing its peer; end defaults to the process's own socket "pP")
//   connect     {"to": A, "end": S?, "type": T?, "nonblocking": BOOL?}         (none)   ENOENT, ECONNREFUSED, EPROTOTYPE, EAGAIN,
//                                                                              EINVAL, EISCONN, EPERM, EBADF
//               (A as for bind; the object's socket end, or a new socket of type T (the object's if absent) closed at
//                once; on a bound datagram object end defaults to "pP" and a socket as A is the peer-fixing form)
//   connect     {"family": "AF_UNSPEC", "end": S?}                             (none)   EINVAL, EBADF
//               (a datagram socket, bound or a pair's end, dissolving its peer; end defaults to "pP")
//   accept      {"end": "listen", "nonblocking": BOOL?, "flags": [..] | INT?}  {"end": "server-P"}
//               (accept4's flags: SOCK_NONBLOCK (the accepted socket nonblocking), SOCK_CLOEXEC; other bits EINVAL)
//   close       {"end": S}                                                    (none)
//   bind        {"address": A, "end": S?, "type": "stream" | "dgram" |        (none)   ENOENT, EADDRINUSE, EINVAL, EBADF
//                "seqpacket"?}
//               (A: "fresh-path", "fresh-abstract", "missing-directory", "existing-file", or a socket of the object
//                with an address of its own, "listen" or "pP": its address; without end a new socket of type (the
//                object's if absent), closed at once)
//   socket      {"domain": "AF_UNIX" | INT, "type": T | INT, "flags": [..]?,  {"type": "stream" | "dgram" |
//                                                                              "seqpacket"}
//                "protocol": INT?}   (T: SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW; flags SOCK_NONBLOCK,
//                SOCK_CLOEXEC; a new socket closed at once)   EINVAL, EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT
//   socketpair  as socket ("domain" also "AF_UNSPEC", "AF_INET" with SOCK_STREAM or SOCK_DGRAM and protocol 0, 6, 17)
//               {"type": "stream" | "dgram" | "seqpacket", "nonblocking": BOOL?, "closeOnExec": BOOL?} (a new pair
//               closed at once)   EINVAL, EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EOPNOTSUPP, EMFILE
//   listen      {"end": S, "backlog": INT}                                    (none)   EINVAL, EOPNOTSUPP, EBADF
//   shutdown    {"end": S, "how": "SHUT_RD" | "SHUT_WR" | "SHUT_RDWR" | INT}   (none)   EINVAL, EBADF
//   poll        {"end": S, "events": [EV], "timeout": INT?}                   {"revents": [EV]}
//               (EV: "POLLIN", "POLLOUT", "POLLRDHUP", "POLLPRI", and in revents also "POLLHUP", "POLLERR"; timeout in
//                milliseconds, 0 if absent, negative for none; EINTR, EBADF)
//   select      {"end": S, "read": BOOL?, "write": BOOL?, "except": BOOL?,   {"readable": BOOL, "writable": BOOL,
//                "timeout": INT?}                                              "exceptional": BOOL (with except)}
//               (the socket in the read set, the write set, the exceptional set (POLLPRI: out-of-band data) or
//                several; timeout as for poll; EINTR, EBADF)
//   getsockopt  {"end": S, "option": "SO_ERROR" | "SO_TYPE" | "SO_SNDBUF" | "SO_PEEK_OFF" | "SO_OOBINLINE"}
//                                                                             {"value": INT | ERROR}
//               (SO_ERROR: 0 or the error's name, which reading takes)
//   send        {"end": S, "data": PAYLOAD, "credentials": C | [C], "files": [F]?, "rightsFirst": BOOL?, "to": S?,
//                "nonblocking": BOOL?}
//               (C = {"pid": P, "uid": INT, "gid": INT}: SCM_CREDENTIALS, several in order; with files SCM_RIGHTS too,
//                after them unless rightsFirst; see UnixSocketModel+Credentials)
//   setsockopt  {"end": S, "option": "SO_PASSCRED" | "SO_PASSPIDFD" | "SO_PASSSEC", "value": INT}   (none)
//               (SO_PASSSEC nonzero, and getsockopt SO_PEERSEC, only with params "lsm" naming no module that labels
//                sockets; see UnixSocketModel+Security)
//   getsockopt  {"end": S, "option": "SO_PEERCRED"}                          {"pid": P, "uid": INT?, "gid": INT?}
//                                                                  | {"harness": true, "uid": INT?, "gid": INT?}
//               (P: a trace process, or 0 for none (uid and gid then 4294967295, or -1); harness: the object's
//                creator outside the trace)
//   setsockopt  {"end": S, "option": "SO_SNDBUF" | "SO_PEEK_OFF" | "SO_OOBINLINE", "value": INT} (none)
//               or {"end": S, "option": "SO_RCVTIMEO" | "SO_SNDTIMEO", "value": {"sec", "usec"}} (none; EDOM)
//               (SO_PEEK_OFF: where peeks start while ≥ 0; getsockopt SO_PEEK_OFF reports it, -1 at first)
//   getsockname {"end": S} | {"type": T}?                                     {"address": "unnamed" | S}   EBADF, ENOTSOCK
//   getpeername {"end": S} | {"type": T}?                                     {"address": "unnamed" | S}   ENOTCONN, EBADF,
//                                                                                                          ENOTSOCK
//               (the address named by the object's socket whose bind made it; no end: a new socket closed at once)
//   ioctl       {"end": S, "request": "SIOCINQ" | "SIOCOUTQ" | "SIOCATMARK"}  {"value": INT}   EINVAL, EBADF
//   ioctl       {"end": S, "request": "FIOASYNC", "on": BOOL}                  (none)   EBADF   (O_ASYNC, as F_SETFL)
//   ioctl       {"end": S, "request": "FIONBIO", "on": BOOL}                   (none)   EBADF   (O_NONBLOCK, as F_SETFL)
//   read-file   {"file": F, "max": INT}                                       {"data": PAYLOAD}
//   close-file  {"file": F}                                                   (none)
//   probe       {"file": F}                                                   {"open": BOOL}
//
// S names a socket of the object ("a", "b"; "listen", "client-P", "server-P"; "pP"); F a passed file. "regular-file"
// as S names a memory file the process holds: every socket call on it fails ENOTSOCK (accept4's bad flags EINVAL).
// params: {"sendBuffer": 212992, "sendBufferMaximum": 4194304 (optional), "datagramQueue": 10,
//   "tablesNeverFull": BOOL (optional; true: no process's descriptor table fills, so a receive installs every
//   descriptor its room holds; absent: a receive may stop early, EMFILE of a full table, closing the rest), "objects": {
//   "s0": {"type": "stream", "pair": {"a": [1], "b": [2]}, "files": {"f0": {"content": "ABC", "holders": [1]}}},
//   "s1": {"type": "seqpacket", "listener": {"holders": [1], "backlog": 2}},
//   "s2": {"type": "dgram", "bound": [1, 2, 3], "address": "abstract"},   (address: "path" or "abstract", optional)
//   (optional on any object: "creator": P, the trace process that made a pair or listener (absent: the harness);
//    "users": {"2": UID | {"uid": UID, "gid": GID, "ruid"?, "rgid"?, "suid"?, "sgid"?}}, processes' effective ids for
//    SO_PEERCRED (absent: not known) and their real and saved ones (the effective unless given; UnixSocketModel+HeldIds))
//   "s3": {"type": "dgram", "pair": {"a": [1], "b": [2]}, "files": {"w0": {"pipe": true, "holders": [1], "readers": [2]}}}}}
extension UnixSocketModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        let sendBuffer = try parameters.optional("sendBuffer")?.integer("sendBuffer", in: 2048...1 << 30) ?? 212_992
        let datagramQueue = try parameters.optional("datagramQueue")?.integer("datagramQueue", in: 0...1 << 20) ?? 10
        let sendBufferMaximum =
            try parameters.optional("sendBufferMaximum")?.integer("sendBufferMaximum", in: 1...1 << 30) ?? 4_194_304
        let tablesNeverFull = try parameters.optional("tablesNeverFull")?.boolean("tablesNeverFull") ?? false
        let securityModules = try Self.securityModules(parameters.optional("lsm"))
        var setups: [(name: String, setup: Setup)] = []
        for (name, setup) in try parameters.objectSetups(model: "unix-socket") {
            let typeName = try setup.required("type").text("type")
            guard let type = SocketType(rawValue: typeName) else {
                throw ModelError("object '\(name)': field 'type' must be \"stream\", \"dgram\" or \"seqpacket\", not \"\(typeName)\"")
            }
            let shape: Shape
            if let pair = try setup.optional("pair") {
                let ends: JSONValue? = pair
                shape = .pair(a: try Self.processes(ends.required("a"), "a"), b: try Self.processes(ends.required("b"), "b"))
            } else if let listener = try setup.optional("listener") {
                guard type != .dgram else { throw ModelError("object '\(name)': a datagram socket cannot listen") }
                let fields: JSONValue? = listener
                shape = .listener(
                    holders: try Self.processes(fields.required("holders"), "holders"),
                    backlog: try fields.optional("backlog")?.integer("backlog", in: 0...4096) ?? 0)
            } else if let bound = try setup.optional("bound") {
                guard type == .dgram else { throw ModelError("object '\(name)': only datagram sockets are bound one per process") }
                shape = .bound(processes: try Self.processes(bound, "bound"))
            } else {
                throw ModelError("object '\(name)' needs one of 'pair', 'listener' or 'bound'")
            }
            var files: [FileSetup] = []
            if let declared = try setup.optional("files") {
                guard case .object(let entries) = declared else { throw ModelError("field 'files' must be an object") }
                for entry in entries {
                    let file: JSONValue? = entry.value
                    let isPipe = try file.optional("pipe")?.boolean("pipe") ?? false
                    files.append(FileSetup(
                        name: entry.key, content: isPipe ? nil : try file.required("content").payload("content"),
                        holders: try Self.processes(file.required("holders"), "holders"),
                        readers: try file.optional("readers").map { (value) throws(ModelError) in try Self.processes(value, "readers") } ?? []))
                }
            }
            var address: AddressKind?
            if let kind = try setup.optional("address")?.text("address") {
                guard let known = AddressKind(rawValue: kind) else {
                    throw ModelError("object '\(name)': field 'address' must be \"path\" or \"abstract\", not \"\(kind)\"")
                }
                address = known
            }
            let creator = try setup.optional("creator")?.integer("creator", in: 1...10_000)
            let users = try Permissions(setup: setup, entryKeys: Self.heldIdKeys).users
            let heldIds = try Self.heldIds(in: setup, users: users)
            setups.append((
                name, Setup(type: type, shape: shape, files: files, address: address, creator: creator, users: users, heldIds: heldIds)
            ))
        }
        self.init(
            sendBuffer: sendBuffer, sendBufferMaximum: sendBufferMaximum, datagramQueue: datagramQueue, objects: setups,
            tablesNeverFull: tablesNeverFull, securityModules: securityModules)
    }

    private static func processes(_ value: JSONValue, _ field: String) throws(ModelError) -> [Int] {
        try value.elements(field).map { (element) throws(ModelError) in try element.integer(field, in: 1...10_000) }
    }

    public var parameters: JSONValue {
        var objects = JSONObject()
        for (name, setup) in setups {
            var object: JSONObject = ["type": .string(setup.type.rawValue)]
            switch setup.shape {
            case .pair(let a, let b):
                object["pair"] = ["a": .array(a.map { .int($0) }), "b": .array(b.map { .int($0) })]
            case .listener(let holders, let backlog):
                object["listener"] = ["holders": .array(holders.map { .int($0) }), "backlog": .int(backlog)]
            case .bound(let processes):
                object["bound"] = .array(processes.map { .int($0) })
            }
            if let address = setup.address { object["address"] = .string(address.rawValue) }
            if let creator = setup.creator { object["creator"] = .int(creator) }
            for (key, value) in Self.usersJSON(setup.users, held: setup.heldIds) { object[key] = value }
            if !setup.files.isEmpty {
                var files = JSONObject()
                for file in setup.files {
                    var entry = JSONObject()
                    if let content = file.content { entry["content"] = Payload.json(content) } else { entry["pipe"] = true }
                    entry["holders"] = .array(file.holders.map { .int($0) })
                    if file.content == nil { entry["readers"] = .array(file.readers.map { .int($0) }) }
                    files[file.name] = .object(entry)
                }
                object["files"] = .object(files)
            }
            objects[name] = .object(object)
        }
        var parameters: JSONObject = [
            "sendBuffer": .int(sendBuffer), "datagramQueue": .int(datagramQueue), "objects": .object(objects),
        ]
        if sendBufferMaximum != 4_194_304 { parameters["sendBufferMaximum"] = .int(sendBufferMaximum) }
        if tablesNeverFull { parameters["tablesNeverFull"] = true }
        if let securityModules { parameters["lsm"] = .string(securityModules.joined(separator: ",")) }
        return .object(parameters)
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        let input = try socketInput(from: call)
        // "regular-file" is a socket call's descriptor that is no socket (ENOTSOCK); other calls have no such form.
        if case .epoll = input { return input }
        if case .nestedEpoll = input { return input }
        if try call.value.optional("end") == .string(Self.regularFile), Self.regularFileFailure(input) == nil {
            throw ModelError("\(call.f): \"regular-file\" is only a socket call's end (send, receive, connect, bind, listen, accept, shutdown, getsockopt, setsockopt, getsockname, getpeername)")
        }
        return input
    }

    private func socketInput(from call: Call) throws(ModelError) -> Input {
        if let descriptor = try Self.descriptorInput(of: call) { return descriptor }
        if call.f == "getsockopt" || call.f == "setsockopt", let refused = try Self.refusedOptionInput(of: call) { return refused }
        let nonblocking = try call.value.optional("nonblocking")?.boolean("nonblocking") ?? false
        // MSG_ERRQUEUE: a Unix socket has no error queue and its receives never look at the flag (measured in
        // `UnixSocketErrorQueueFactsTests`): the receive is judged as without it.
        if call.f == "receive" { _ = try call.value.optional("errqueue")?.boolean("errqueue") }
        switch call.f {
        case "send" where try call.value.optional("oob")?.boolean("oob") == true:
            for key in ["to", "files"] where try call.value.optional(key) != nil {
                throw ModelError("send: 'oob' takes no '\(key)'")
            }
            return .sendOutOfBand(
                process: call.process, end: try call.value.required("end").text("end"),
                data: try call.value.required("data").payload("data"), nonblocking: nonblocking)
        case "receive" where try call.value.optional("oob")?.boolean("oob") == true:
            for key in ["maxFiles", "trunc", "waitall", "nonblocking"] where try call.value.optional(key) != nil {
                throw ModelError("receive: 'oob' takes no '\(key)'")
            }
            return .receiveOutOfBand(
                process: call.process, end: try call.value.required("end").text("end"),
                max: try call.value.required("max").integer("max", in: 0...1 << 24),
                peek: try call.value.optional("peek")?.boolean("peek") ?? false)
        case "send" where try call.value.optional("credentials") != nil:
            return try Self.credentialsSendInput(of: call, nonblocking: nonblocking)
        case "send":
            return .send(
                process: call.process, end: try call.value.required("end").text("end"),
                data: try call.value.required("data").payload("data"), nonblocking: nonblocking,
                to: try call.value.optional("to")?.text("to"),
                files: try call.value.optional("files")?.elements("files").map { (file) throws(ModelError) in try file.text("files") } ?? [])
        case "receive" where try call.value.optional("waitall")?.boolean("waitall") == true:
            for key in ["maxFiles", "peek", "trunc"] where try call.value.optional(key) != nil {
                throw ModelError("receive: 'waitall' takes no '\(key)'")
            }
            return .receiveWaitingAll(
                process: call.process, end: try call.value.required("end").text("end"),
                max: try call.value.required("max").integer("max", in: 0...1 << 24), nonblocking: nonblocking)
        case "receive" where try call.value.optional("trunc")?.boolean("trunc") == true:
            guard try call.value.optional("maxFiles") == nil else { throw ModelError("receive: 'trunc' takes no 'maxFiles'") }
            return .receiveTruncating(
                process: call.process, end: try call.value.required("end").text("end"),
                max: try call.value.required("max").integer("max", in: 0...1 << 24), nonblocking: nonblocking,
                peek: try call.value.optional("peek")?.boolean("peek") ?? false)
        case "receive" where try call.value.optional("peek")?.boolean("peek") == true:
            return .peek(
                process: call.process, end: try call.value.required("end").text("end"),
                max: try call.value.required("max").integer("max", in: 0...1 << 24), nonblocking: nonblocking,
                maxFiles: try call.value.optional("maxFiles")?.integer("maxFiles", in: 0...64) ?? 0)
        case "receive":
            return .receive(
                process: call.process, end: try call.value.required("end").text("end"),
                max: try call.value.required("max").integer("max", in: 0...1 << 24), nonblocking: nonblocking,
                maxFiles: try call.value.optional("maxFiles")?.integer("maxFiles", in: 0...64) ?? 0)
        case "sendmmsg", "recvmmsg":
            return try batchInput(from: call, nonblocking: nonblocking)
        case "receive-exactly":
            return .receiveExactly(
                process: call.process, end: try call.value.required("end").text("end"),
                size: try call.value.required("size").integer("size", in: 0...1 << 24))
        case "connect" where try call.value.optional("family") != nil:
            let family = try call.value.required("family").text("family")
            guard family == "AF_UNSPEC" else { throw ModelError("connect: field 'family' may only be AF_UNSPEC, not \(family)") }
            guard try call.value.optional("to") == nil else { throw ModelError("connect: AF_UNSPEC names no socket ('to')") }
            return .disconnectPeer(
                process: call.process, end: try call.value.optional("end")?.text("end") ?? "p\(call.process)")
        case "connect" where try call.value.optional("to") != nil:
            return try connectTo(call, nonblocking: nonblocking)
        case "connect":
            return .connect(process: call.process, nonblocking: nonblocking)
        case "bind":
            let end = try call.value.optional("end")?.text("end")
            let type = try Self.newSocketType(call)
            guard end == nil || type == nil else { throw ModelError("bind: an 'end' has its type; give 'end' or 'type'") }
            let name = try call.value.required("address").text("address")
            return .bind(
                process: call.process, end: end, type: type,
                address: BindAddress(name: name))
        case "accept":
            var flags = 0
            switch try call.value.optional("flags") {
            case nil: break
            case .array(let names)?:
                for name in names {
                    switch try name.text("flags") {
                    case "SOCK_NONBLOCK": flags |= Self.socketNonblock
                    case "SOCK_CLOEXEC": flags |= Self.socketCloseOnExec
                    case let other: throw ModelError("accept: unknown flag \(other) (give other bits as a number)")
                    }
                }
            case let bits?: flags = try bits.integer("flags", in: Int(Int32.min)...Int(Int32.max))
            }
            return .accept(
                process: call.process, end: try call.value.optional("end")?.text("end") ?? "listen", nonblocking: nonblocking,
                flags: flags)
        case "socket", "socketpair":
            let (domain, type, number) = try Self.socketArguments(of: call)
            let pair = call.f == "socketpair"
            guard pair ? Self.judgesPair(domain: domain, type: type, protocol: number) : Self.judgesSocket(domain: domain, type: type, protocol: number)
            else {
                throw ModelError(
                    "\(call.f): only AF_UNIX, AF_UNSPEC, families out of range, and AF_INET's SOCK_STREAM, SOCK_DGRAM or SOCK_RAW with the protocols the README lists are modelled, not (\(domain), \(type), \(number))")
            }
            return pair
                ? .socketPair(process: call.process, domain: domain, type: type, protocol: number)
                : .socket(process: call.process, domain: domain, type: type, protocol: number)
        case "getsockname", "getpeername":
            let end = try call.value.optional("end")?.text("end")
            let type = try Self.newSocketType(call)
            guard end == nil || type == nil else { throw ModelError("\(call.f): an 'end' has its type; give 'end' or 'type'") }
            return .socketName(process: call.process, end: end, peer: call.f == "getpeername")
        case "listen":
            return .listen(
                process: call.process, end: try call.value.required("end").text("end"),
                backlog: try call.value.required("backlog").integer("backlog", in: Int(Int32.min)...Int(Int32.max)))
        case "close":
            if let nested = try nestedEpollCall(of: call) { return .nestedEpoll(process: call.process, call: nested) }
            return .close(process: call.process, end: try call.value.required("end").text("end"))
        case "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_create", "epoll_create1":
            if let nested = try nestedEpollCall(of: call) { return .nestedEpoll(process: call.process, call: nested) }
            return .epoll(process: call.process, call: try epollCall(of: call))
        case "shutdown":
            let how: Int
            switch try call.value.required("how") {
            case .string(let name):
                guard let index = Self.shutdownNames.firstIndex(of: name) else {
                    throw ModelError("field 'how' must be SHUT_RD, SHUT_WR, SHUT_RDWR or a number, not \"\(name)\"")
                }
                how = index
            case let other: how = try other.integer("how", in: Int(Int32.min)...Int(Int32.max))
            }
            return .shutdown(process: call.process, end: try call.value.required("end").text("end"), how: how)
        case "poll":
            return .poll(
                process: call.process, end: try call.value.required("end").text("end"),
                events: try Self.pollEvents(call.value.required("events"), "events", allowed: .requestable),
                timeout: try call.value.optional("timeout")?.integer("timeout", in: Int(Int32.min)...Int(Int32.max))
                    ?? 0)
        case "select":
            let end = try call.value.required("end").text("end")
            let read = try call.value.optional("read")?.boolean("read") ?? false
            let write = try call.value.optional("write")?.boolean("write") ?? false
            let timeout =
                try call.value.optional("timeout")?.integer("timeout", in: Int(Int32.min)...Int(Int32.max)) ?? 0
            if try call.value.optional("except")?.boolean("except") == true {
                return .selectWithExceptions(
                    process: call.process, end: end, read: read, write: write, timeout: timeout)
            }
            return .select(process: call.process, end: end, read: read, write: write, timeout: timeout)
        case "getsockopt":
            let name = try call.value.required("option").text("option")
            if name == "SO_PEERSEC" { return try peerSecurityInput(of: call) }
            guard let option = SocketOption(rawValue: name) else {
                throw ModelError("field 'option' must be one of \(SocketOption.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(name)\"")
            }
            return .getOption(process: call.process, end: try call.value.required("end").text("end"), option: option)
        case "setsockopt":
            let name = try call.value.required("option").text("option")
            if name == "SO_PASSPIDFD" { return try passPidfdInput(of: call) }
            if name == "SO_PASSCRED" { return try passCredentialsInput(of: call) }
            if name == "SO_PASSSEC" { return try passSecurityInput(of: call) }
            guard ["SO_SNDBUF", "SO_PEEK_OFF", "SO_OOBINLINE", "SO_RCVTIMEO", "SO_SNDTIMEO"].contains(name) else {
                throw ModelError(
                    "setsockopt: field 'option' must be SO_SNDBUF, SO_PEEK_OFF, SO_OOBINLINE, SO_RCVTIMEO, SO_SNDTIMEO, SO_PASSCRED, SO_PASSPIDFD or SO_PASSSEC, not \"\(name)\"")
            }
            if name == "SO_RCVTIMEO" || name == "SO_SNDTIMEO" {
                return .setTimeout(
                    process: call.process, end: try call.value.required("end").text("end"), send: name == "SO_SNDTIMEO",
                    timeout: try Self.socketTimeout(try call.value.required("value"), field: "value"))
            }
            if name == "SO_OOBINLINE" {
                return .setOutOfBandInline(
                    process: call.process, end: try call.value.required("end").text("end"),
                    value: try call.value.required("value").integer("value", in: Int(Int32.min)...Int(Int32.max)))
            }
            if name == "SO_PEEK_OFF" {
                return .setPeekOffset(
                    process: call.process, end: try call.value.required("end").text("end"),
                    value: try call.value.required("value").integer("value", in: Int(Int32.min)...Int(Int32.max)))
            }
            return .setSendBuffer(
                process: call.process, end: try call.value.required("end").text("end"),
                value: try call.value.required("value").integer("value", in: Int(Int32.min)...Int(Int32.max)))
        case "ioctl" where try [.string("FIOASYNC"), .string("FIONBIO")].contains(call.value.optional("request")):
            return try Self.fileControlInput(of: call)
        case "ioctl":
            let request = try call.value.required("request").text("request")
            // FIONREAD is SIOCINQ's number (0x541B): the same request (measured on every type).
            guard ["SIOCINQ", "FIONREAD", "SIOCOUTQ", "SIOCATMARK"].contains(request) else {
                throw ModelError("field 'request' must be SIOCINQ, FIONREAD, SIOCOUTQ, SIOCATMARK, FIOASYNC or FIONBIO, not \"\(request)\"")
            }
            if request == "SIOCATMARK" {
                return .atMark(process: call.process, end: try call.value.required("end").text("end"))
            }
            return .queued(
                process: call.process, end: try call.value.required("end").text("end"), outgoing: request == "SIOCOUTQ")
        case "read-file":
            return .readFile(
                process: call.process, file: try call.value.required("file").text("file"),
                max: try call.value.required("max").integer("max", in: 0...1 << 24))
        case "close-file":
            return .closeFile(process: call.process, file: try call.value.required("file").text("file"))
        case "probe":
            return .probe(process: call.process, file: try call.value.required("file").text("file"))
        case "fcntl":
            return try Self.fileControlInput(of: call)
        case "sigtimedwait":
            return try Self.takeSignalInput(of: call)
        case "sendfile", "splice":
            // Refused, not judged: the call moves bytes out of another object (a pipe or a file), whose own model
            // must see them leave; one object's model judging half of it could pass a loss or a duplicate.
            throw ModelError("\(call.f): into a socket from a pipe or file is two objects (the source's bytes leave one, arrive in the other); the unix-socket model judges one object and does not model it")
        default:
            throw ModelError(
                "the unix-socket model has no operation '\(call.f)' (it has send, receive, receive-exactly, connect, "
                    + "socket, bind, accept, listen, close, shutdown, poll, select, getsockopt, setsockopt, getsockname, getpeername, "
                    + "ioctl, fcntl, "
                    + "sigtimedwait, read, readv, write, writev, dup, dup2, dup3, fstat, read-file, close-file and probe)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        let value: JSONValue?
        switch outcome {
        case .fail(let code):
            if code == Self.tooManyReferences, let reason = tooManyReferencesUnjudged(input) { throw ModelError(reason) }
            return .failed(code)
        case .ok(let recorded): value = recorded
        }
        switch input {
        case .epoll(_, .control), .epoll(_, .misdirected(.control)): return .epollControlled
        case .epoll(_, .wait), .epoll(_, .misdirected(.wait)): return .epollEvents(try Self.epollReports(value))
        case .nestedEpoll(_, .wait): return Self.epollOutput(try NestedEpoll.reports(value, leaf: Self.pairEnd))
        case .nestedEpoll(_, .control): return .epollControlled
        case .nestedEpoll(_, .create): return .epollCreated(closeOnExec: try Epoll.createdCloseOnExec(value))
        case .nestedEpoll(_, .close): return .closed
        case .epoll(_, .create): return .epollCreated(closeOnExec: try Epoll.createdCloseOnExec(value))
        case .send(_, _, let data, _, _, _), .sendOutOfBand(_, _, let data, _), .sendCredentials(_, _, let data, _, _):
            return .sent(try value.required("sent").integer("sent", in: 0...data.count))
        case .receiveOutOfBand(_, _, let max, _):
            var received = try Self.received(value, limit: max, "max")
            let size = try value.optional("size")?.integer("size", in: 0...1) ?? received.data.count
            received.length = size == received.data.count ? nil : size
            return .received(received)
        case .atMark:
            return .value(try value.required("value").integer("value", in: 0...1))
        case .receive(_, _, let max, _, _), .peek(_, _, let max, _, _), .receiveWaitingAll(_, _, let max, _):
            return .received(try Self.received(value, limit: max, "max"))
        case .receiveTruncating(_, _, let max, _, _):
            var received = try Self.received(value, limit: max, "max")
            let size = try value.optional("size")?.integer("size", in: 0...1 << 30) ?? received.data.count
            received.length = size == received.data.count ? nil : size
            return .received(received)
        case .receiveExactly(_, _, let size):
            return .received(try Self.received(value, limit: size, "size"))
        case .sendBatch, .receiveBatch:
            return try batchOutput(from: value, for: input)
        case .connect, .accept:
            return .connected(try value.required("end").text("end"))
        case .socketPair:
            let name = try value.required("type").text("type")
            guard let type = SocketType(rawValue: name) else { throw ModelError("socketpair: type \(name) is not a socket type") }
            return .pairCreated(
                type, nonblocking: try value.optional("nonblocking")?.boolean("nonblocking"),
                closeOnExec: try value.optional("closeOnExec")?.boolean("closeOnExec"))
        case .socket:
            let name = try value.required("type").text("type")
            guard let type = SocketType(rawValue: name) else {
                throw ModelError("socket: type \(name) is not a socket type")
            }
            return .created(type)
        case .getOption(_, _, .receiveTimeout), .getOption(_, _, .sendTimeout):
            return .timeout(try Self.socketTimeout(try value.required("value"), field: "value"))
        case .close, .closeFile, .shutdown, .setSendBuffer, .setPeekOffset, .setPassPidfd, .setPassCredentials, .setPassSecurity, .setOutOfBandInline,
            .setTimeout,
            .listen, .connectPeer, .connectTo, .disconnectPeer, .bind:
            return .closed
        case .getOption(_, _, .error):
            switch try value.required("value") {
            case .string(let name): return .socketError(ErrorCode(name))
            case let other:
                _ = try other.integer("value", in: 0...0)
                return .socketError(nil)
            }
        case .getOption(_, _, .peerCredentials), .getOption(_, _, .peerPidfd):
            return .peerCredentials(try Self.peerCredentials(value))
        case .socketName:
            return .address(try value.required("address").text("address"))
        case .getOption(_, _, .peekOffset):
            return .value(try value.required("value").integer("value", in: Int(Int32.min)...Int(Int32.max)))
        case .refusedOption(_, _, let set, _, _):
            // Never a success: what one recorded is judged (and refused).
            return set ? .closed : .value(try value.required("value").integer("value", in: Int(Int32.min)...Int(Int32.max)))
        case .getOption, .queued:
            return .value(try value.required("value").integer("value", in: 0...Int(Int32.max)))
        case .poll(_, _, let events, _):
            let reported = try Self.pollEvents(
                value.required("revents"), "revents", allowed: PollEvents.requestable.union([.hangUp, .error]))
            let unasked = reported.subtracting(events.union([.hangUp, .error]))
            guard unasked.isEmpty else { throw ModelError("poll reported \(unasked.names) that it was not asked for") }
            return .polled(reported)
        case .selectWithExceptions(_, _, let read, let write, _):
            let readable = try value.required("readable").boolean("readable")
            let writable = try value.required("writable").boolean("writable")
            guard read || !readable, write || !writable else {
                throw ModelError("select reported a set the socket was not in")
            }
            return .selectedWithExceptions(
                readable: readable, writable: writable,
                exceptional: try value.required("exceptional").boolean("exceptional"))
        case .select(_, _, let read, let write, _):
            let readable = try value.required("readable").boolean("readable")
            let writable = try value.required("writable").boolean("writable")
            guard read || !readable, write || !writable else {
                throw ModelError("select reported a set the socket was not in")
            }
            return .selected(readable: readable, writable: writable)
        case .readFile(_, _, let max):
            let data = try value.required("data").payload("data")
            guard data.count <= max else { throw ModelError("read \(data.count) bytes, more than max \(max)") }
            return .fileData(data)
        case .probe:
            return .probed(open: try value.required("open").boolean("open"))
        case .exit:
            return .exited
        case .fileControl, .takeSignal:
            return try Self.signalOutput(value, for: input)!
        case .read, .write, .duplicate, .status:
            return try Self.descriptorOutput(value, for: input)!
        }
    }

    /// `SO_PEERCRED`'s ok value: `"pid"` (a trace process, 0 for none) or `"harness": true`, with optional ids
    /// (-1 read as 4294967295, the same `(uid_t)-1`).
    static func peerCredentials(_ value: JSONValue?) throws(ModelError) -> PeerCredentials {
        let who: Credentials
        if try value.optional("harness")?.boolean("harness") == true {
            guard try value.optional("pid") == nil else {
                throw ModelError("getsockopt SO_PEERCRED: 'harness' takes no 'pid'")
            }
            who = .harness
        } else {
            let pid = try value.required("pid").integer("pid", in: 0...10_000)
            who = pid == 0 ? .none : .process(pid)
        }
        func id(_ field: String) throws(ModelError) -> Int? {
            guard let id = try value.optional(field)?.integer(field, in: -1...noUser) else { return nil }
            return id == -1 ? noUser : id
        }
        return PeerCredentials(who: who, uid: try id("uid"), gid: try id("gid"))
    }

    /// A list of `poll` event names, each one of `allowed`.
    private static func pollEvents(
        _ value: JSONValue, _ field: String, allowed: PollEvents
    ) throws(ModelError) -> PollEvents {
        var events: PollEvents = []
        for element in try value.elements(field) {
            let name = try element.text(field)
            guard let event = PollEvents.names.first(where: { $0.name == name })?.event, allowed.contains(event) else {
                let names = allowed.names.map { "\"\($0)\"" }.joined(separator: ", ")
                throw ModelError("field '\(field)' may hold \(names), not \"\(name)\"")
            }
            events.insert(event)
        }
        return events
    }

    /// A receipt's fields (those absent are false or empty); more bytes than `limit` is a malformed trace.
    static func received(_ value: JSONValue?, limit: Int, _ field: String) throws(ModelError) -> Received {
        let data = try value.required("data").payload("data")
        guard data.count <= limit else { throw ModelError("received \(data.count) bytes, more than \(field) \(limit)") }
        return Received(
            data: data, truncated: try value.optional("truncated")?.boolean("truncated") ?? false,
            files: try value.optional("files")?.elements("files").map { (file) throws(ModelError) in
                try file.text("files")
            } ?? [],
            filesTruncated: try value.optional("filesTruncated")?.boolean("filesTruncated") ?? false,
            from: try value.optional("from")?.text("from"), pidfd: try value.optional("pidfd")?.integer("pidfd", in: 1...1_000_000),
            credentials: try value.optional("credentials").map { (credentials) throws(ModelError) in try peerCredentials(credentials) })
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .read, .write, .duplicate, .status:
            return Self.descriptorCall(for: input)!
        case .epoll(_, let epollCall):
            return (epollCall.name, Self.epollValue(epollCall))
        case .nestedEpoll(_, let nested):
            return (nested.name, NestedEpoll.value(of: nested))
        case .send(_, let end, let data, let nonblocking, let to, let files):
            var value: JSONObject = ["end": .string(end), "data": Payload.json(data)]
            if nonblocking { value["nonblocking"] = true }
            if let to { value["to"] = .string(to) }
            if !files.isEmpty { value["files"] = .array(files.map { .string($0) }) }
            return ("send", .object(value))
        case .sendCredentials(_, let end, let data, let nonblocking, let control):
            return ("send", Self.credentialsSendValue(end: end, data: data, nonblocking: nonblocking, control: control))
        case .sendOutOfBand(_, let end, let data, let nonblocking):
            var value: JSONObject = ["end": .string(end), "data": Payload.json(data), "oob": true]
            if nonblocking { value["nonblocking"] = true }
            return ("send", .object(value))
        case .receiveOutOfBand(_, let end, let max, let peek):
            var value: JSONObject = ["end": .string(end), "max": .int(max), "oob": true]
            if peek { value["peek"] = true }
            return ("receive", .object(value))
        case .atMark(_, let end):
            return ("ioctl", ["end": .string(end), "request": "SIOCATMARK"])
        case .setOutOfBandInline(_, let end, let value):
            return ("setsockopt", ["end": .string(end), "option": "SO_OOBINLINE", "value": .int(value)])
        case .receive(_, let end, let max, let nonblocking, let maxFiles):
            var value: JSONObject = ["end": .string(end), "max": .int(max)]
            if nonblocking { value["nonblocking"] = true }
            if maxFiles > 0 { value["maxFiles"] = .int(maxFiles) }
            return ("receive", .object(value))
        case .receiveWaitingAll(_, let end, let max, let nonblocking):
            var value: JSONObject = ["end": .string(end), "max": .int(max), "waitall": true]
            if nonblocking { value["nonblocking"] = true }
            return ("receive", .object(value))
        case .receiveTruncating(_, let end, let max, let nonblocking, let peek):
            var value: JSONObject = ["end": .string(end), "max": .int(max), "trunc": true]
            if peek { value["peek"] = true }
            if nonblocking { value["nonblocking"] = true }
            return ("receive", .object(value))
        case .peek(_, let end, let max, let nonblocking, let maxFiles):
            var value: JSONObject = ["end": .string(end), "max": .int(max), "peek": true]
            if nonblocking { value["nonblocking"] = true }
            if maxFiles > 0 { value["maxFiles"] = .int(maxFiles) }
            return ("receive", .object(value))
        case .receiveExactly(_, let end, let size):
            return ("receive-exactly", ["end": .string(end), "size": .int(size)])
        case .sendBatch, .receiveBatch:
            return Self.batchCall(for: input)
        case .connect(_, let nonblocking):
            return ("connect", nonblocking ? ["nonblocking": true] : nil)
        case .connectPeer(let process, let end, let to):
            return ("connect", end == "p\(process)" ? ["to": .string(to)] : ["end": .string(end), "to": .string(to)])
        case .connectTo(let process, let end, let type, let address, let nonblocking):
            var value: JSONObject = ["to": .string(address.name)]
            if let end, end != "p\(process)" { value["end"] = .string(end) }
            if let type { value["type"] = .string(type.rawValue) }
            if nonblocking { value["nonblocking"] = true }
            return ("connect", .object(value))
        case .disconnectPeer(let process, let end):
            return ("connect", end == "p\(process)" ? ["family": "AF_UNSPEC"] : ["end": .string(end), "family": "AF_UNSPEC"])
        case .accept(_, let end, let nonblocking, let flags):
            var value: JSONObject = ["end": .string(end)]
            if nonblocking { value["nonblocking"] = true }
            if flags & ~(Self.socketNonblock | Self.socketCloseOnExec) != 0 {
                value["flags"] = .int(flags)
            } else if flags != 0 {
                value["flags"] = .array(
                    (flags & Self.socketNonblock != 0 ? ["SOCK_NONBLOCK"] : []) + (flags & Self.socketCloseOnExec != 0 ? ["SOCK_CLOEXEC"] : []))
            }
            return ("accept", .object(value))
        case .close(_, let end):
            return ("close", ["end": .string(end)])
        case .socketName(_, let end, let peer):
            return (peer ? "getpeername" : "getsockname", end.map { ["end": .string($0)] } ?? .object([:]))
        case .socket(_, let domain, let type, let `protocol`):
            var value: JSONObject = ["domain": domain == 1 ? "AF_UNIX" : .int(domain), "type": .int(type)]
            if `protocol` != 0 { value["protocol"] = .int(`protocol`) }
            return ("socket", .object(value))
        case .socketPair(_, let domain, let type, let `protocol`):
            var value: JSONObject = ["domain": domain == 1 ? "AF_UNIX" : .int(domain), "type": .int(type)]
            if `protocol` != 0 { value["protocol"] = .int(`protocol`) }
            return ("socketpair", .object(value))
        case .bind(_, let end, let type, let address):
            var value: JSONObject = ["address": .string(address.name)]
            if let end { value["end"] = .string(end) }
            if let type { value["type"] = .string(type.rawValue) }
            return ("bind", .object(value))
        case .listen(_, let end, let backlog):
            return ("listen", ["end": .string(end), "backlog": .int(backlog)])
        case .shutdown(_, let end, let how):
            return ("shutdown", ["end": .string(end), "how": Self.shutdownNames.indices.contains(how) ? .string(Self.shutdownNames[how]) : .int(how)])
        case .poll(_, let end, let events, let timeout):
            var value: JSONObject = ["end": .string(end), "events": .array(events.names.map { .string($0) })]
            if timeout != 0 { value["timeout"] = .int(timeout) }
            return ("poll", .object(value))
        case .selectWithExceptions(_, let end, let read, let write, let timeout):
            var value: JSONObject = ["end": .string(end), "except": true]
            if read { value["read"] = true }
            if write { value["write"] = true }
            if timeout != 0 { value["timeout"] = .int(timeout) }
            return ("select", .object(value))
        case .select(_, let end, let read, let write, let timeout):
            var value: JSONObject = ["end": .string(end)]
            if read { value["read"] = true }
            if write { value["write"] = true }
            if timeout != 0 { value["timeout"] = .int(timeout) }
            return ("select", .object(value))
        case .refusedOption(_, let end, let set, let level, let option):
            return Self.refusedOptionCall(end: end, set: set, level: level, option: option)
        case .getOption(_, let end, let option):
            return ("getsockopt", ["end": .string(end), "option": .string(option.rawValue)])
        case .setSendBuffer(_, let end, let value):
            return ("setsockopt", ["end": .string(end), "option": "SO_SNDBUF", "value": .int(value)])
        case .setPassPidfd(_, let end, let value):
            return ("setsockopt", ["end": .string(end), "option": "SO_PASSPIDFD", "value": .int(value)])
        case .setPassCredentials(_, let end, let value):
            return ("setsockopt", ["end": .string(end), "option": "SO_PASSCRED", "value": .int(value)])
        case .setPassSecurity(_, let end, let value):
            return ("setsockopt", ["end": .string(end), "option": "SO_PASSSEC", "value": .int(value)])
        case .setPeekOffset(_, let end, let value):
            return ("setsockopt", ["end": .string(end), "option": "SO_PEEK_OFF", "value": .int(value)])
        case .setTimeout(_, let end, let send, let timeout):
            return ("setsockopt", ["end": .string(end), "option": send ? "SO_SNDTIMEO" : "SO_RCVTIMEO", "value": Self.json(timeout)])
        case .queued(_, let end, let outgoing):
            return ("ioctl", ["end": .string(end), "request": .string(outgoing ? "SIOCOUTQ" : "SIOCINQ")])
        case .readFile(_, let file, let max):
            return ("read-file", ["file": .string(file), "max": .int(max)])
        case .closeFile(_, let file):
            return ("close-file", ["file": .string(file)])
        case .probe(_, let file):
            return ("probe", ["file": .string(file)])
        case .exit:
            return ("exit", nil)
        case .fileControl, .takeSignal:
            return Self.signalCall(input)!
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .epollControlled:
            return .ok(nil)
        case .epollEvents(let reports):
            return .ok(Self.epollOutcomeValue(reports))
        case .nestedEpollEvents(let reports):
            return .ok(NestedEpoll.outcomeValue(reports))
        case .epollCreated(let closeOnExec):
            return .ok(closeOnExec.map { ["closeOnExec": .bool($0)] })
        case .sent(let count):
            return .ok(["sent": .int(count)])
        case .received(let received):
            return .ok(Self.receivedValue(received))
        case .sentBatch(let sent):
            return .ok(["sent": .array(sent.map { .int($0) })])
        case .receivedBatch(let entries):
            return .ok(["messages": .array(entries.map { Self.receivedValue($0) })])
        case .connected(let end):
            return .ok(["end": .string(end)])
        case .closed, .exited:
            return .ok(nil)
        case .fileData(let bytes):
            return .ok(["data": Payload.json(bytes)])
        case .probed(let open):
            return .ok(["open": .bool(open)])
        case .polled(let events):
            return .ok(["revents": .array(events.names.map { .string($0) })])
        case .timeout(let timeout):
            return .ok(["value": Self.json(timeout)])
        case .selected(let readable, let writable):
            return .ok(["readable": .bool(readable), "writable": .bool(writable)])
        case .selectedWithExceptions(let readable, let writable, let exceptional):
            return .ok(["readable": .bool(readable), "writable": .bool(writable), "exceptional": .bool(exceptional)])
        case .address(let name):
            return .ok(["address": .string(name)])
        case .value(let number):
            return .ok(["value": .int(number)])
        case .created(let type):
            return .ok(["type": .string(type.rawValue)])
        case .pairCreated(let type, let nonblocking, let closeOnExec):
            var value: JSONObject = ["type": .string(type.rawValue)]
            if let nonblocking { value["nonblocking"] = .bool(nonblocking) }
            if let closeOnExec { value["closeOnExec"] = .bool(closeOnExec) }
            return .ok(.object(value))
        case .socketError(let code):
            return .ok(["value": code.map { .string($0.rawValue) } ?? .int(0)])
        case .peerCredentials(let credentials):
            return .ok(Self.credentialsValue(credentials))
        case .failed(let code):
            return .fail(code)
        case .status(let type, let mode, let size):
            return .ok(["type": .string(type), "mode": Permissions.text(ofMode: mode), "size": .int(size)])
        case .flags, .owner, .ownerEx, .ioSignal, .signalTaken:
            return Self.signalOutcome(output)!
        }
    }

    public func exitInput(process: Int, object: String) -> Input? {
        .exit(process: process)
    }

    /// A send, receive or file read the fault plan cut to `count` bytes is the shorter call: a send of the data's
    /// prefix (for a datagram or record, a shorter message; with `MSG_OOB`, the prefix's last byte out of band), a
    /// receive (`MSG_WAITALL`, `MSG_OOB` and `MSG_TRUNC` ones too) or read into a smaller buffer. A `receive-exactly` loop whose
    /// first receive was cut keeps its input: the loop receives the rest, so it is still judged by its whole
    /// `size`, and a client that reports the cut receive as the message is caught.
    public func shortened(_ input: Input, to count: Int, requested: Int?) -> Input? {
        switch input {
        case .receiveExactly: nil
        case .send(let process, let end, let data, let nonblocking, let to, let files) where requested == nil || requested == data.count:
            .send(process: process, end: end, data: Array(data.prefix(count)), nonblocking: nonblocking, to: to, files: files)
        case .sendOutOfBand(let process, let end, let data, let nonblocking)
        where requested == nil || requested == data.count:
            // The kernel marks the last byte of what it was given: a cut send's out-of-band byte is its last.
            .sendOutOfBand(process: process, end: end, data: Array(data.prefix(count)), nonblocking: nonblocking)
        case .receiveOutOfBand(let process, let end, let max, let peek) where requested == nil || requested == max:
            .receiveOutOfBand(process: process, end: end, max: Swift.min(max, count), peek: peek)
        case .receiveWaitingAll(let process, let end, let max, let nonblocking)
        where requested == nil || requested == max:
            .receiveWaitingAll(process: process, end: end, max: Swift.min(max, count), nonblocking: nonblocking)
        case .receive(let process, let end, let max, let nonblocking, let maxFiles) where requested == nil || requested == max:
            .receive(process: process, end: end, max: Swift.min(max, count), nonblocking: nonblocking, maxFiles: maxFiles)
        case .receiveTruncating(let process, let end, let max, let nonblocking, let peek)
        where requested == nil || requested == max:
            // The kernel copies into the smaller buffer and, MSG_TRUNC in the flags, still returns the whole length.
            .receiveTruncating(process: process, end: end, max: Swift.min(max, count), nonblocking: nonblocking, peek: peek)
        case .peek(let process, let end, let max, let nonblocking, let maxFiles) where requested == nil || requested == max:
            .peek(process: process, end: end, max: Swift.min(max, count), nonblocking: nonblocking, maxFiles: maxFiles)
        case .read(_, _, let sizes, _) where requested == nil || requested == sizes.reduce(0, +):
            Self.shortenedPlain(input, to: count)
        case .write(_, _, let buffers, _) where requested == nil || requested == buffers.reduce(0, { $0 + $1.count }):
            Self.shortenedPlain(input, to: count)
        case .readFile(let process, let file, let max) where requested == nil || requested == max:
            .readFile(process: process, file: file, max: Swift.min(max, count))
        default: nil
        }
    }
}

extension UnixSocketModel {
    /// `shutdown`'s `how` by its value.
    static let shutdownNames = ["SHUT_RD", "SHUT_WR", "SHUT_RDWR"]
    /// `socket`'s types by name.
    static let socketTypeNames = ["SOCK_STREAM": 1, "SOCK_DGRAM": 2, "SOCK_RAW": 3, "SOCK_SEQPACKET": 5]

    /// `socket`'s and `socketpair`'s arguments: the family (`"AF_UNIX"`, `"AF_UNSPEC"`, `"AF_INET"` or a number), the type
    /// (a name or a number) with its `"flags"` added, the protocol (0 unless given).
    static func socketArguments(of call: Call) throws(ModelError) -> (domain: Int, type: Int, protocol: Int) {
        let domain: Int
        switch try call.value.required("domain") {
        case .string("AF_UNIX"): domain = 1
        case .string("AF_UNSPEC"): domain = 0
        case .string("AF_INET"): domain = internet
        case let other: domain = try other.integer("domain", in: Int(Int32.min)...Int(Int32.max))
        }
        var type: Int
        switch try call.value.required("type") {
        case .string(let name):
            guard let number = socketTypeNames[name] else { throw ModelError("\(call.f): unknown type \(name)") }
            type = number
        case let other: type = try other.integer("type", in: Int(Int32.min)...Int(Int32.max))
        }
        for flag in try call.value.optional("flags")?.elements("flags") ?? [] {
            switch try flag.text("flags") {
            case "SOCK_NONBLOCK": type |= 0x800
            case "SOCK_CLOEXEC": type |= 0x80000
            case let other: throw ModelError("\(call.f): unknown flag \(other)")
            }
        }
        let number = try call.value.optional("protocol")?.integer("protocol", in: Int(Int32.min)...Int(Int32.max)) ?? 0
        return (domain, type, number)
    }
}

extension UnixSocketModel {
    /// A `timeval` field: `{"sec": N, "usec": N}` (any integers: the kernel judges them).
    static func socketTimeout(_ value: JSONValue, field: String) throws(ModelError) -> SocketTimeout {
        let fields: JSONValue? = value
        return SocketTimeout(
            seconds: try fields.required("sec").integer("\(field).sec", in: Int(Int32.min)...Int(Int32.max)),
            microseconds: try fields.required("usec").integer("\(field).usec", in: Int(Int32.min)...Int(Int32.max)))
    }

    static func json(_ timeout: SocketTimeout) -> JSONValue {
        ["sec": .int(timeout.seconds), "usec": .int(timeout.microseconds)]
    }
}

extension UnixSocketModel {
    /// `SO_PEERCRED`'s and `SCM_CREDENTIALS`' value: `{"pid": P (0: none), "uid": U?, "gid": G?}` or `{"harness": true}`.
    static func credentialsValue(_ credentials: PeerCredentials) -> JSONValue {
        var value: JSONObject
        switch credentials.who {
        case .none: value = ["pid": .int(0)]
        case .harness: value = ["harness": true]
        case .process(let process): value = ["pid": .int(process)]
        }
        if let uid = credentials.uid { value["uid"] = .int(uid) }
        if let gid = credentials.gid { value["gid"] = .int(gid) }
        return .object(value)
    }
}
