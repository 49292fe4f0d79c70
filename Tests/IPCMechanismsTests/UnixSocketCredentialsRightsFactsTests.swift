import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// Explicit `SCM_CREDENTIALS` with `SCM_RIGHTS` in one `sendmsg`, several `SCM_CREDENTIALS`, and a sender other than
/// root, measured on this kernel (6.18; C probes first; `__scm_send`, `scm_check_creds`, `scm_recv_unix`), each
/// judged by the model (`UnixSocketModel+Credentials`):
/// - the control buffer is checked in its order: `SCM_RIGHTS` first gives its `EBADF` before the credentials'
///   `EINVAL`, `ESRCH` or `EPERM`, after them otherwise; a seqpacket socket's pending error and `ENOTCONN` come
///   before both (`unix_seqpacket_sendmsg`);
/// - several `SCM_CREDENTIALS` are each checked and the last is kept;
/// - the receiver gets `SCM_CREDENTIALS` before `SCM_RIGHTS` whatever the order sent, in the room a plain sender's
///   take; with `SO_PASSCRED` on neither socket it sees nothing of them (stream reads merge), yet an option set
///   before the receive shows them (they are recorded at the send); named ids equal to the sender's own merge with
///   its plain sends;
/// - a user other than root (a thread that left root for 1000, its saved uid still 0; a C probe with all three ids
///   1000 agreed) may name only its own pid and ids, else `EPERM` — pid 0 too —, descriptors or not.
@Suite struct UnixSocketCredentialsRightsFactsTests {
    typealias History = UnixSocketCredentialsFactsTests.History
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A pair (`a` held by processes 1 and 3, `b` by 2), a memory file `m` both senders hold, a file `x` only the
    /// receiver holds; process 1 is root (its ids this process's), process 3 the user 1000.
    static func model(_ type: UnixSocketType, users: Bool = true) -> UnixSocketModel {
        let setup = UnixSocketModel.Setup(
            type: UnixSocketModel.SocketType(rawValue: type.rawValue)!, shape: .pair(a: [1, 3], b: [2]),
            files: [.init(name: "m", content: [], holders: [1, 3]), .init(name: "x", content: [], holders: [2])],
            users: users ? [1: .init(uid: Int(geteuid()), gid: Int(getegid())), 3: .init(uid: 1000)] : [:])
        return UnixSocketModel(objects: [("s0", setup)], securityModules: UnixSocketSecurityFactsTests.modules)
    }

    static func allows(_ type: UnixSocketType, _ history: History) -> Bool {
        UnixSocketCredentialsFactsTests.modelAllows(model(type), history)
    }

    static func send(
        _ process: Int, _ credentials: [UnixSocketModel.SentCredentials], files: [String] = [], rightsFirst: Bool = false,
        _ text: String = "c"
    ) -> UnixSocketModel.Input {
        .sendCredentials(
            process: process, end: "a", data: bytes(text), nonblocking: true,
            control: .init(credentials, files: files, rightsFirst: rightsFirst))
    }

    /// The kernel-versus-model table of `UnixSocketCredentialsFactsTests.theControlRoomFillsInOrder` joined with
    /// explicit credentials and descriptors in one message: either order in the buffer, this process's own
    /// credentials or (root) init's pid with ids 1000, each combination of `SO_PASSCRED`, `SO_PASSPIDFD` and
    /// `SO_PASSSEC` (none too) set before or after the send, 1 or 3 descriptors, rooms from none to 72 bytes. The kernel's receipt is allowed, and the same with `MSG_CTRUNC`
    /// flipped rejected.
    @Test(arguments: UnixSocketType.allCases)
    func explicitCredentialsAndDescriptorsShareTheRoom(_ type: UnixSocketType) throws {
        let memory = try Syscall.memfdCreate("ipch-test-\(getpid())-credentials-rights")
        defer { try? Syscall.close(memory) }
        var checked = 0
        for rightsFirst in [false, true] {
            for forged in geteuid() == 0 ? [false, true] : [false] {
                for options in 0..<8 {
                    for early in options == 0 ? [false] : [false, true] {
                        for files in [1, 3] {
                            for maxFiles in [0, 1, 2, 3, 5, 8, 10, 14] {
                                let (a, b) = try KernelUnixSocket.pair(type)
                                defer { for socket in [a, b] { try? Syscall.close(socket) } }
                                let data = Self.bytes("m\(maxFiles)")
                                let named: (pid: Int32, uid: UInt32, gid: UInt32) = forged ? (1, 1000, 1000) : (getpid(), geteuid(), getegid())
                                let credentials = UnixSocketModel.SentCredentials(process: forged ? 3 : 1, uid: Int(named.uid), gid: Int(named.gid))
                                let send = Self.send(1, [credentials], files: Array(repeating: "m", count: files), rightsFirst: rightsFirst, "m\(maxFiles)")
                                var history: History = []
                                func sendNow() throws {
                                    let sent = try Syscall.sendWithControl(
                                        a, data, credentials: [named], descriptors: Array(repeating: memory, count: files), rightsFirst: rightsFirst,
                                        flags: Syscall.MessageFlags.dontWait)
                                    history.append((send, .sent(sent)))
                                }
                                if early { try sendNow() }
                                if options & 1 != 0 {
                                    try Syscall.setSocketOption(b, Syscall.optionPassCredentials, 1)
                                    history.append((.setPassCredentials(process: 2, end: "b", value: 1), .closed))
                                }
                                if options & 2 != 0 {
                                    try Syscall.setSocketOption(b, Syscall.optionPassPidfd, 1)
                                    history.append((.setPassPidfd(process: 2, end: "b", value: 1), .closed))
                                }
                                if options & 4 != 0 {
                                    try Syscall.setSocketOption(b, CInt(SO_PASSSEC), 1)
                                    history.append((.setPassSecurity(process: 2, end: "b", value: 1), .closed))
                                }
                                if !early { try sendNow() }
                                let room = UnixSocketModel.controlBytes(maxFiles: maxFiles)
                                let message = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: room, flags: Syscall.MessageFlags.dontWait)
                                // Init (pid 1) is the model's process 3 here.
                                let received = UnixSocketCredentialsFactsTests.receipt(message, files: files, child: 1)
                                let receive = UnixSocketModel.Input.receive(process: 2, end: "b", max: 16, nonblocking: true, maxFiles: maxFiles)
                                let label = "\(type) rightsFirst \(rightsFirst) forged \(forged) options \(options) early \(early) files \(files) room \(room): \(received)"
                                #expect(Self.allows(type, history + [(receive, .received(received))]), "\(label)")
                                var flipped = received
                                flipped.filesTruncated.toggle()
                                #expect(!Self.allows(type, history + [(receive, .received(flipped))]), "\(label)")
                                if options & 3 == 0 { #expect(message.credentials == nil && message.pidfd == nil, "\(label)") }
                                checked += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(checked == (geteuid() == 0 ? 960 : 480))
    }

    /// Root's errors in the buffer's order, several credentials (the last kept), a seqpacket socket's pending error
    /// first, and reads: explicit credentials merge with plain sends when neither socket passes credentials, and when
    /// they are the sender's own.
    @Test func theControlBufferIsCheckedInItsOrder() throws {
        try #require(geteuid() == 0, "root names other processes' credentials")
        let me = getpid()
        let (a, b) = try KernelUnixSocket.pair(.dgram)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        let gone = FileDescriptor(rawValue: -1)
        func kernel(_ credentials: [(pid: Int32, uid: UInt32, gid: UInt32)], bad: Bool = true, rightsFirst: Bool) -> String {
            errorName { _ = try Syscall.sendWithControl(a, Self.bytes("e"), credentials: credentials, descriptors: bad ? [gone] : [], rightsFirst: rightsFirst, flags: Syscall.MessageFlags.dontWait) }
        }
        let pidZero = UnixSocketModel.SentCredentials(process: 0, uid: 0, gid: 0)
        let noUid = UnixSocketModel.SentCredentials(process: 1, uid: -1, gid: 0)
        for (rightsFirst, expected) in [(false, ["ESRCH", "EINVAL"]), (true, ["EBADF", "EBADF"])] {
            #expect([kernel([(0, 0, 0)], rightsFirst: rightsFirst), kernel([(me, UInt32.max, 0)], rightsFirst: rightsFirst)] == expected)
            for (credentials, error) in zip([pidZero, noUid], expected) {
                let input = Self.send(1, [credentials], files: ["x"], rightsFirst: rightsFirst)
                #expect(Self.allows(.dgram, [(input, .failed(ErrorCode(error)))]))
                let other = error == "EBADF" ? (credentials == pidZero ? "ESRCH" : "EINVAL") : "EBADF"
                #expect(!Self.allows(.dgram, [(input, .failed(ErrorCode(other)))]), "\(rightsFirst) \(credentials)")
            }
        }
        // Several: each checked (pid 0 first: ESRCH; -1 first: EINVAL), the last kept.
        #expect(kernel([(0, 0, 0), (me, 0, 0)], bad: false, rightsFirst: false) == "ESRCH")
        #expect(kernel([(me, UInt32.max, 0), (me, 0, 0)], bad: false, rightsFirst: false) == "EINVAL")
        #expect(Self.allows(.dgram, [(Self.send(1, [pidZero, .init(process: 1, uid: 0, gid: 0)]), .failed(.ESRCH))]))
        #expect(!Self.allows(.dgram, [(Self.send(1, [pidZero, .init(process: 1, uid: 0, gid: 0)]), .sent(1))]))
        try Syscall.setSocketOption(b, Syscall.optionPassCredentials, 1)
        _ = try Syscall.sendWithControl(a, Self.bytes("t"), credentials: [(me, 1, 1), (1, 2, 2), (me, 3, 3)], flags: Syscall.MessageFlags.dontWait)
        let three = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 32, flags: Syscall.MessageFlags.dontWait)
        #expect(three.credentials.map { [$0.pid, $0.uid, $0.gid] } == [Int(me), 3, 3])
        let several: History = [
            (.setPassCredentials(process: 2, end: "b", value: 1), .closed),
            (Self.send(1, [.init(process: 1, uid: 1, gid: 1), .init(process: 3, uid: 2, gid: 2), .init(process: 1, uid: 3, gid: 3)], "t"), .sent(1)),
        ]
        let receive = UnixSocketModel.Input.receive(process: 2, end: "b", max: 16, nonblocking: true, maxFiles: 4)
        #expect(Self.allows(.dgram, several + [(receive, .received(.init(data: Self.bytes("t"), credentials: .init(who: .process(1), uid: 3, gid: 3))))]))
        #expect(!Self.allows(.dgram, several + [(receive, .received(.init(data: Self.bytes("t"), credentials: .init(who: .process(1), uid: 1, gid: 1))))]))

        // A seqpacket socket's pending reset comes before an id of -1 (taken by it: then EINVAL); unconnected, ENOTCONN.
        let (c, d) = try KernelUnixSocket.pair(.seqpacket)
        defer { try? Syscall.close(c) }
        _ = try Syscall.sendMessage(c, Self.bytes("q"))
        try Syscall.close(d)
        let reset = [
            errorName { _ = try Syscall.sendWithControl(c, Self.bytes("x"), credentials: [(me, UInt32.max, 0)], flags: Syscall.MessageFlags.dontWait) },
            errorName { _ = try Syscall.sendWithControl(c, Self.bytes("x"), credentials: [(me, UInt32.max, 0)], flags: Syscall.MessageFlags.dontWait) },
        ]
        #expect(reset == ["ECONNRESET", "EINVAL"])
        let closed: History = [
            (.send(process: 1, end: "a", data: Self.bytes("q"), nonblocking: true, to: nil, files: []), .sent(1)),
            (.close(process: 2, end: "b"), .closed),
        ]
        let badId = Self.send(1, [noUid], "x")
        #expect(Self.allows(.seqpacket, closed + [(badId, .failed(.ECONNRESET)), (badId, .failed(.EINVAL))]))
        #expect(!Self.allows(.seqpacket, closed + [(badId, .failed(.EINVAL))]))
        let unconnected = try Syscall.socket(domain: AF_UNIX, type: CInt(SOCK_SEQPACKET.rawValue), protocol: 0)
        defer { try? Syscall.close(unconnected) }
        #expect(errorName { _ = try Syscall.sendWithControl(unconnected, Self.bytes("x"), credentials: [(me, UInt32.max, 0)]) } == "ENOTCONN")
    }

    /// On a stream: with neither socket passing credentials, explicit ones merge with plain sends and show nothing;
    /// the sender's own credentials, named, merge with its plain sends under `SO_PASSCRED`; others stop the read.
    @Test func streamReadsOfExplicitCredentials() throws {
        try #require(geteuid() == 0, "root names other processes' credentials")
        let me = getpid()
        let (a, b) = try KernelUnixSocket.pair(.stream)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        let plain = (UnixSocketModel.Input.send(process: 1, end: "a", data: Self.bytes("yo"), nonblocking: true, to: nil, files: []), UnixSocketModel.Output.sent(2))
        let receive = UnixSocketModel.Input.receive(process: 2, end: "b", max: 16, nonblocking: true, maxFiles: 4)
        _ = try Syscall.sendWithControl(a, Self.bytes("hi"), credentials: [(1, 1000, 1000)], flags: Syscall.MessageFlags.dontWait)
        _ = try Syscall.sendMessage(a, Self.bytes("yo"))
        let merged = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 48, flags: Syscall.MessageFlags.dontWait)
        #expect(merged.data == Self.bytes("hiyo") && merged.credentials == nil)
        let forged: History = [(Self.send(1, [.init(process: 3, uid: 1000, gid: 1000)], "hi"), .sent(2)), plain]
        #expect(Self.allows(.stream, forged + [(receive, .received(.init(data: Self.bytes("hiyo"))))]))
        #expect(!Self.allows(.stream, forged + [(receive, .received(.init(data: Self.bytes("hi"))))]))
        try Syscall.setSocketOption(b, Syscall.optionPassCredentials, 1)
        let pass: History = [(.setPassCredentials(process: 2, end: "b", value: 1), .closed)]
        _ = try Syscall.sendWithControl(a, Self.bytes("hi"), credentials: [(1, 1000, 1000)], flags: Syscall.MessageFlags.dontWait)
        _ = try Syscall.sendMessage(a, Self.bytes("yo"))
        let stopped = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 48, flags: Syscall.MessageFlags.dontWait)
        #expect(stopped.data == Self.bytes("hi") && stopped.credentials.map { [$0.pid, $0.uid, $0.gid] } == [1, 1000, 1000])
        _ = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 48, flags: Syscall.MessageFlags.dontWait)
        #expect(Self.allows(.stream, pass + forged + [(receive, .received(.init(data: Self.bytes("hi"), credentials: .init(who: .process(3), uid: 1000, gid: 1000))))]))
        #expect(!Self.allows(.stream, pass + forged + [(receive, .received(.init(data: Self.bytes("hiyo"), credentials: .init(who: .process(3), uid: 1000, gid: 1000))))]))
        _ = try Syscall.sendWithControl(a, Self.bytes("own"), credentials: [(me, geteuid(), getegid())], flags: Syscall.MessageFlags.dontWait)
        _ = try Syscall.sendMessage(a, Self.bytes("yo"))
        let own = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 48, flags: Syscall.MessageFlags.dontWait)
        #expect(own.data == Self.bytes("ownyo"))
        let ownSends: History = pass + [(Self.send(1, [.init(process: 1, uid: Int(geteuid()), gid: Int(getegid()))], "own"), .sent(3)), plain]
        let ownCredentials = UnixSocketModel.PeerCredentials(who: .process(1), uid: Int(geteuid()), gid: Int(getegid()))
        #expect(Self.allows(.stream, ownSends + [(receive, .received(.init(data: Self.bytes("ownyo"), credentials: ownCredentials)))]))
        #expect(!Self.allows(.stream, ownSends + [(receive, .received(.init(data: Self.bytes("own"), credentials: ownCredentials)))]))
        // Whether a sender whose user the setup does not give named its own ids is not known: either read is allowed.
        let unknown = Self.model(.stream, users: false)
        for data in ["ownyo", "own"] {
            let history = ownSends + [(receive, .received(.init(data: Self.bytes(data), credentials: ownCredentials)))]
            #expect(UnixSocketCredentialsFactsTests.modelAllows(unknown, history), "\(data)")
        }
    }

    /// A thread that left root for user and group 1000 (process 3 of the model): its own pid and ids pass, with
    /// descriptors in either order; anything else `EPERM` (pid 0 too), an id of -1 `EINVAL`, a bad descriptor first
    /// `EBADF`. The receiver gets its credentials before its descriptors.
    @Test func aSenderOtherThanRootNamesOnlyItself() throws {
        try #require(geteuid() == 0, "the test leaves root for another user")
        let me = getpid()
        let memory = try Syscall.memfdCreate("ipch-test-\(getpid())-credentials-user")
        defer { try? Syscall.close(memory) }
        let (a, b) = try KernelUnixSocket.pair(.dgram)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        try Syscall.setSocketOption(b, Syscall.optionPassCredentials, 1)
        let gone = FileDescriptor(rawValue: -1)
        var seen: [String] = []
        PermissionFactsTests().asUser(1000) {
            func attempt(_ credentials: [(pid: Int32, uid: UInt32, gid: UInt32)], _ descriptors: [FileDescriptor] = [], rightsFirst: Bool = false) {
                seen.append(errorName { _ = try Syscall.sendWithControl(a, Self.bytes("u"), credentials: credentials, descriptors: descriptors, rightsFirst: rightsFirst, flags: Syscall.MessageFlags.dontWait) })
            }
            attempt([(me, 1000, 1000)], [memory])
            attempt([(me, 1000, 1000)], [memory], rightsFirst: true)
            attempt([(1, 1000, 1000)])
            attempt([(me, 2000, 1000)])
            attempt([(me, 1000, 2000)])
            attempt([(0, 1000, 1000)])
            attempt([(me, UInt32.max, 1000)])
            attempt([(1, 1000, 1000)], [gone])
            attempt([(1, 1000, 1000)], [gone], rightsFirst: true)
            attempt([(me, 1000, 1000), (1, 1000, 1000)])
        }
        #expect(seen == ["ok", "ok", "EPERM", "EPERM", "EPERM", "EPERM", "EINVAL", "EPERM", "EBADF", "EPERM"])
        var receipts: [UnixSocketModel.Received] = []
        for _ in 0..<2 {
            let message = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 64, flags: Syscall.MessageFlags.dontWait)
            #expect(message.credentials.map { [$0.pid, $0.uid, $0.gid] } == [Int(me), 1000, 1000] && message.descriptors == 1)
            receipts.append(.init(data: message.data, files: ["m"], credentials: .init(who: .process(3), uid: 1000, gid: 1000)))
        }
        let own = UnixSocketModel.SentCredentials(process: 3, uid: 1000, gid: 1000)
        let pass: History = [(.setPassCredentials(process: 2, end: "b", value: 1), .closed)]
        let receive = UnixSocketModel.Input.receive(process: 2, end: "b", max: 16, nonblocking: true, maxFiles: 12)
        let sends: History = [
            (Self.send(3, [own], files: ["m"], "u"), .sent(1)), (Self.send(3, [own], files: ["m"], rightsFirst: true, "u"), .sent(1)),
        ]
        #expect(Self.allows(.dgram, pass + sends + receipts.map { (receive, .received($0)) }))
        let refusals: [(UnixSocketModel.Input, String, String)] = [
            (Self.send(3, [.init(process: 1, uid: 1000, gid: 1000)], "u"), "EPERM", "ok"),
            (Self.send(3, [.init(process: 3, uid: 2000, gid: 1000)], "u"), "EPERM", "ok"),
            (Self.send(3, [.init(process: 0, uid: 1000, gid: 1000)], "u"), "EPERM", "ESRCH"),
            (Self.send(3, [.init(process: 3, uid: -1, gid: 1000)], "u"), "EINVAL", "EPERM"),
            (Self.send(3, [.init(process: 1, uid: 1000, gid: 1000)], files: ["x"], "u"), "EPERM", "EBADF"),
            (Self.send(3, [.init(process: 1, uid: 1000, gid: 1000)], files: ["x"], rightsFirst: true, "u"), "EBADF", "EPERM"),
            (Self.send(3, [own, .init(process: 1, uid: 1000, gid: 1000)], "u"), "EPERM", "ok"),
        ]
        for (input, measured, wrong) in refusals {
            #expect(Self.allows(.dgram, [(input, .failed(ErrorCode(measured)))]), "\(input)")
            let wrongOutput: UnixSocketModel.Output = wrong == "ok" ? .sent(1) : .failed(ErrorCode(wrong))
            #expect(!Self.allows(.dgram, [(input, wrongOutput)]), "\(input) \(wrong)")
        }
    }
}
