import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `SO_PASSCRED`/`SCM_CREDENTIALS`, the control room `SCM_CREDENTIALS`, `SCM_RIGHTS` and `SCM_PIDFD` share, and a
/// stream read's stop at a change of sender under `SO_PASSCRED` or `SO_PASSPIDFD`, measured on this kernel (6.18; C
/// probes first; `scm_recv_unix`, `unix_stream_read_generic`, the selftest `net/af_unix/scm_pidfd.c`), each judged by
/// the model (`UnixSocketModel+Credentials`):
/// - The sender is recorded only when the sending or receiving socket has either option at the send; a receiver with
///   `SO_PASSCRED` gets `SCM_CREDENTIALS` with every message — pid 0 and ids 65534 for one whose sender was not
///   recorded —, on every type.
/// - No control buffer: nothing, `MSG_CTRUNC` whenever an option is set (a sender not recorded too). Otherwise the
///   buffer fills in order: credentials (32 bytes), descriptors, the pidfd (20 bytes left, else `MSG_CTRUNC`).
/// - A stream read under either option stops at a change of sender (a recorded one and none differ), `MSG_WAITALL`
///   too; without them it merges.
@Suite struct UnixSocketCredentialsFactsTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    typealias History = [(input: UnixSocketModel.Input, output: UnixSocketModel.Output)]

    /// Whether the model allows `history` on a pair (`a` held by processes 1 and 3, `b` by 2) with a memory file `m`
    /// process 1 holds.
    static func modelAllows(_ type: UnixSocketType, _ history: History) -> Bool {
        let modelType = UnixSocketModel.SocketType(rawValue: type.rawValue)!
        let setup = UnixSocketModel.Setup(
            type: modelType, shape: .pair(a: [1, 3], b: [2]), files: [.init(name: "m", content: [], holders: [1])])
        return modelAllows(UnixSocketModel(objects: [("s0", setup)]), history)
    }

    /// Whether `model` allows `history` on its object `s0`, each operation in as many pieces as it takes.
    static func modelAllows(_ model: UnixSocketModel, _ history: History) -> Bool {
        DirectedHistory(model: model, object: "s0").allows(history.map { (input: $0.0, output: $0.1) }, piecesPerCall: 1000)
    }

    /// The receipt the kernel gave, in the model's terms: this process is trace process 1, `child` process 3.
    static func receipt(_ message: CredentialedMessage, files: Int, child: pid_t = -1) -> UnixSocketModel.Received {
        var received = UnixSocketModel.Received(
            data: message.data, files: Array(repeating: "m", count: message.descriptors), filesTruncated: message.controlTruncated)
        // A reaped child's pidfd reads pid -1: the child is the only process reaped before its message is read.
        func process(_ pid: Int) -> Int { pid == Int(getpid()) ? 1 : pid == Int(child) || (pid == -1 && child > 0) ? 3 : 99 }
        if let credentials = message.credentials {
            received.credentials = UnixSocketModel.PeerCredentials(
                who: credentials.pid == 0 ? .none : .process(process(credentials.pid)), uid: credentials.uid, gid: credentials.gid)
        }
        if let pidfd = message.pidfd {
            received.pidfd = Syscall.pidfdProcess(pidfd).map { process(Int($0)) }
            try? Syscall.close(pidfd)
        }
        return received
    }

    /// Every control room from none to 72 bytes, with 0, 1 or 3 descriptors, under each option, for a message sent
    /// before or after the options were set: the kernel's receipt is allowed, and the same with `MSG_CTRUNC` flipped
    /// rejected.
    @Test(arguments: UnixSocketType.allCases)
    func theControlRoomFillsInOrder(_ type: UnixSocketType) throws {
        let memory = try Syscall.memfdCreate("ipch-test-\(getpid())-credentials")
        defer { try? Syscall.close(memory) }
        var checked = 0
        for credentials in [false, true] {
            for pidfd in [false, true] where credentials || pidfd {
                for early in [false, true] {
                    for files in [0, 1, 3] {
                        for maxFiles in [0, 1, 2, 3, 5, 7, 8, 9, 10, 11, 12, 14] {
                            let (a, b) = try KernelUnixSocket.pair(type)
                            defer { for socket in [a, b] { try? Syscall.close(socket) } }
                            let data = Self.bytes("m\(maxFiles)")
                            var history: History = []
                            let send = UnixSocketModel.Input.send(
                                process: 1, end: "a", data: data, nonblocking: true, to: nil, files: Array(repeating: "m", count: files))
                            if early {
                                _ = try Syscall.sendMessage(a, data, descriptors: Array(repeating: memory, count: files))
                                history.append((send, .sent(data.count)))
                            }
                            if credentials {
                                try Syscall.setSocketOption(b, Syscall.optionPassCredentials, 1)
                                history.append((.setPassCredentials(process: 2, end: "b", value: 1), .closed))
                            }
                            if pidfd {
                                try Syscall.setSocketOption(b, Syscall.optionPassPidfd, 1)
                                history.append((.setPassPidfd(process: 2, end: "b", value: 1), .closed))
                            }
                            if !early {
                                _ = try Syscall.sendMessage(a, data, descriptors: Array(repeating: memory, count: files))
                                history.append((send, .sent(data.count)))
                            }
                            let room = UnixSocketModel.controlBytes(maxFiles: maxFiles)
                            let message = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: room, flags: Syscall.MessageFlags.dontWait)
                            let received = Self.receipt(message, files: files)
                            let receive = UnixSocketModel.Input.receive(process: 2, end: "b", max: 16, nonblocking: true, maxFiles: maxFiles)
                            let label = "\(type) credentials \(credentials) pidfd \(pidfd) early \(early) files \(files) room \(room): \(received)"
                            #expect(Self.modelAllows(type, history + [(receive, .received(received))]), "\(label)")
                            var flipped = received
                            flipped.filesTruncated.toggle()
                            #expect(!Self.modelAllows(type, history + [(receive, .received(flipped))]), "\(label)")
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked == 216)
    }

    /// The measured values themselves, on a datagram pair: credentials of a sender not recorded (pid 0, 65534), of
    /// this process, of a child; the room's order (`SCM_RIGHTS` before `SCM_PIDFD`).
    @Test func credentialsNameTheSender() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(.dgram)
            defer { for socket in [a, b] { try? Syscall.close(socket) } }
            _ = try Syscall.sendMessage(a, Self.bytes("early"))
            try Syscall.setSocketOption(b, Syscall.optionPassCredentials, 1)
            let early = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 32, flags: Syscall.MessageFlags.dontWait)
            #expect(early.credentials.map { [$0.pid, $0.uid, $0.gid] } == [0, 65534, 65534])
            _ = try Syscall.sendMessage(a, Self.bytes("self"))
            let own = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 32, flags: Syscall.MessageFlags.dontWait)
            #expect(own.credentials.map { [$0.pid, $0.uid, $0.gid] } == [Int(getpid()), Int(geteuid()), Int(getegid())])
            let child = try Syscall.sendFromChild(a, Self.bytes("child"))
            #expect(try Syscall.reap(child) == 0)
            let fromChild = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 32, flags: Syscall.MessageFlags.dontWait)
            #expect(fromChild.credentials?.pid == Int(child))
            // 24 bytes cut the credentials (MSG_CTRUNC); none at all: nothing, MSG_CTRUNC.
            _ = try Syscall.sendMessage(a, Self.bytes("cut"))
            let cut = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 24, flags: Syscall.MessageFlags.dontWait)
            #expect(cut.credentialsCut && cut.controlTruncated)
            _ = try Syscall.sendMessage(a, Self.bytes("none"))
            let none = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 0, flags: Syscall.MessageFlags.dontWait)
            #expect(none.credentials == nil && !none.credentialsCut && none.controlTruncated)
            // Explicit credentials (root): its own, another live process's (pid 1), another uid; a pid no process
            // has ESRCH.
            #expect(try Syscall.sendWithCredentials(a, Self.bytes("own"), pid: getpid(), uid: geteuid(), gid: getegid()) == 3)
            #expect(try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 32, flags: Syscall.MessageFlags.dontWait).credentials?.pid == Int(getpid()))
            if geteuid() == 0 {
                _ = try Syscall.sendWithCredentials(a, Self.bytes("init"), pid: 1, uid: 1000, gid: 1000)
                let forged = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 32, flags: Syscall.MessageFlags.dontWait)
                #expect(forged.credentials.map { [$0.pid, $0.uid, $0.gid] } == [1, 1000, 1000])
                #expect(errorName { _ = try Syscall.sendWithCredentials(a, Self.bytes("gone"), pid: child, uid: 0, gid: 0) } == "ESRCH")
                #expect(errorName { _ = try Syscall.sendWithCredentials(a, Self.bytes("zero"), pid: 0, uid: 0, gid: 0) } == "ESRCH")
                #expect(errorName { _ = try Syscall.sendWithCredentials(a, Self.bytes("bad"), pid: getpid(), uid: UInt32.max, gid: 0) } == "EINVAL")
            }
        }
    }

    /// The model on explicit credentials: root (process 1) names process 3 and other ids, which the receiver gets; a
    /// user other than root gets `EPERM` for them; pid 0 `ESRCH`; an id of -1 `EINVAL`.
    @Test func explicitCredentialsAreJudged() {
        let model = UnixSocketModel(objects: [
            ("s0", .init(type: .dgram, shape: .pair(a: [1, 3], b: [2]), users: [1: .init(uid: 0), 3: .init(uid: 1000)]))
        ])
        func allows(_ history: History) -> Bool { Self.modelAllows(model, history) }
        func send(_ process: Int, _ credentials: UnixSocketModel.SentCredentials) -> UnixSocketModel.Input {
            .sendCredentials(process: process, end: "a", data: Self.bytes("c"), nonblocking: true, control: .init(credentials))
        }
        let pass: (input: UnixSocketModel.Input, output: UnixSocketModel.Output) = (.setPassCredentials(process: 2, end: "b", value: 1), .closed)
        let receive = UnixSocketModel.Input.receive(process: 2, end: "b", max: 16, nonblocking: true, maxFiles: 4)
        let forged = UnixSocketModel.SentCredentials(process: 3, uid: 7, gid: 8)
        let forgedReceipt = UnixSocketModel.Received(data: Self.bytes("c"), credentials: .init(who: .process(3), uid: 7, gid: 8))
        do { let allowed = allows([pass, (send(1, forged), .sent(1)), (receive, .received(forgedReceipt))]); #expect(allowed) }
        do { let allowed = allows([pass, (send(1, forged), .sent(1)), (receive, .received(.init(data: Self.bytes("c"), credentials: .init(who: .process(1)))))]); #expect(!allowed) }
        // Recorded whatever the options: set after the send, the receiver still gets them.
        do { let allowed = allows([(send(1, forged), .sent(1)), pass, (receive, .received(forgedReceipt))]); #expect(allowed) }
        do { let allowed = allows([(send(3, forged), .failed(.EPERM))]); #expect(allowed) }
        do { let allowed = allows([(send(3, forged), .sent(1))]); #expect(!allowed) }
        do { let allowed = allows([(send(3, .init(process: 3, uid: 1000, gid: 1000)), .sent(1))]); #expect(allowed) }
        do { let allowed = allows([(send(1, .init(process: 0, uid: 0, gid: 0)), .failed(.ESRCH))]); #expect(allowed) }
        do { let allowed = allows([(send(1, .init(process: 0, uid: 0, gid: 0)), .sent(1))]); #expect(!allowed) }
        do { let allowed = allows([(send(1, .init(process: 1, uid: -1, gid: 0)), .failed(.EINVAL))]); #expect(allowed) }
        do { let allowed = allows([(send(1, .init(process: 1, uid: -1, gid: 0)), .failed(.EPERM))]); #expect(!allowed) }
    }

    /// A stream read under `SO_PASSCRED` or `SO_PASSPIDFD` stops at a change of sender — this process's bytes, a
    /// child's, this process's again; a recorded sender and none — and so does `MSG_WAITALL`; without the options
    /// the bytes merge. Judged by the model (the child is process 3).
    @Test(arguments: [false, true])
    func streamReadsStopAtAChangeOfSender(_ pidfd: Bool) throws {
        let option = pidfd ? Syscall.optionPassPidfd : Syscall.optionPassCredentials
        let set: (Int) -> UnixSocketModel.Input = { value in
            pidfd ? .setPassPidfd(process: 2, end: "b", value: value) : .setPassCredentials(process: 2, end: "b", value: value)
        }
        func send(_ process: Int, _ text: String) -> (input: UnixSocketModel.Input, output: UnixSocketModel.Output) {
            (.send(process: process, end: "a", data: Self.bytes(text), nonblocking: true, to: nil, files: []), .sent(text.utf8.count))
        }
        func receive(waitingAll: Bool = false) -> UnixSocketModel.Input {
            waitingAll
                ? .receiveWaitingAll(process: 2, end: "b", max: 4, nonblocking: false)
                : .receive(process: 2, end: "b", max: 16, nonblocking: true, maxFiles: 8)
        }
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(.stream)
            defer { for socket in [a, b] { try? Syscall.close(socket) } }
            try Syscall.setSocketOption(b, option, 1)
            var history: History = [(set(1), .closed)]
            var wrong: History = history
            _ = try Syscall.sendMessage(a, Self.bytes("aa"))
            _ = try Syscall.sendMessage(a, Self.bytes("bb"))
            let child = try Syscall.sendFromChild(a, Self.bytes("cc"))
            #expect(try Syscall.reap(child) == 0)
            _ = try Syscall.sendMessage(a, Self.bytes("ee"))
            history += [send(1, "aa"), send(1, "bb"), send(3, "cc"), send(1, "ee")]
            wrong = history
            var reads: [String] = []
            for _ in 0..<3 {
                let message = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 48, flags: Syscall.MessageFlags.dontWait)
                reads.append(String(decoding: message.data, as: UTF8.self))
                history.append((receive(), .received(Self.receipt(message, files: 0, child: child))))
            }
            #expect(reads == ["aabb", "cc", "ee"])
            #expect(Self.modelAllows(.stream, history))
            // Wrong belief: the read merges the two senders' bytes.
            let merged = UnixSocketModel.Received(
                data: Self.bytes("aabbccee"), pidfd: pidfd ? 1 : nil, credentials: pidfd ? nil : .init(who: .process(1)))
            wrong.append((receive(), .received(merged)))
            #expect(!Self.modelAllows(.stream, wrong))

            // MSG_WAITALL for 4 bytes stops at the change too.
            _ = try Syscall.sendMessage(a, Self.bytes("ff"))
            let other = try Syscall.sendFromChild(a, Self.bytes("gg"))
            #expect(try Syscall.reap(other) == 0)
            let short = try Syscall.receiveWithCredentials(b, maximum: 4, controlRoom: 0, flags: CInt(MSG_WAITALL))
            #expect(short.data == Self.bytes("ff") && short.controlTruncated)
            let rest = try Syscall.receiveWithCredentials(b, maximum: 4, controlRoom: 0, flags: Syscall.MessageFlags.dontWait)
            #expect(rest.data == Self.bytes("gg"))
            let waited: History = [(set(1), .closed), send(1, "ff"), send(3, "gg")]
            #expect(Self.modelAllows(.stream, waited + [(receive(waitingAll: true), .received(.init(data: Self.bytes("ff"), filesTruncated: true)))]))
            #expect(!Self.modelAllows(.stream, waited + [(receive(waitingAll: true), .received(.init(data: Self.bytes("ffgg"), filesTruncated: true)))]))

            // A sender not recorded (sent before the option) and a recorded one differ; two not recorded merge.
            try Syscall.setSocketOption(b, option, 0)
            _ = try Syscall.sendMessage(a, Self.bytes("u1"))
            try Syscall.setSocketOption(b, option, 1)
            _ = try Syscall.sendMessage(a, Self.bytes("r1"))
            let unrecorded = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 48, flags: Syscall.MessageFlags.dontWait)
            #expect(unrecorded.data == Self.bytes("u1"))
            #expect(pidfd ? unrecorded.pidfd == nil : unrecorded.credentials?.pid == 0)
            #expect(try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 48, flags: Syscall.MessageFlags.dontWait).data == Self.bytes("r1"))
            let mixed: History = [send(1, "u1"), (set(1), .closed), send(1, "r1")]
            let first = UnixSocketModel.Received(
                data: Self.bytes("u1"),
                credentials: pidfd ? nil : .init(who: .none, uid: UnixSocketModel.unrecordedUser, gid: UnixSocketModel.unrecordedUser))
            #expect(Self.modelAllows(.stream, mixed + [(receive(), .received(first))]))
            var mergedMixed = first
            mergedMixed.data = Self.bytes("u1r1")
            #expect(!Self.modelAllows(.stream, mixed + [(receive(), .received(mergedMixed))]))

            // Without the option the senders' bytes merge.
            try Syscall.setSocketOption(b, option, 0)
            _ = try Syscall.sendMessage(a, Self.bytes("x1"))
            let third = try Syscall.sendFromChild(a, Self.bytes("x2"))
            #expect(try Syscall.reap(third) == 0)
            #expect(try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 0, flags: Syscall.MessageFlags.dontWait).data == Self.bytes("x1x2"))
            #expect(Self.modelAllows(.stream, [send(1, "x1"), send(3, "x2"), (receive(), .received(.init(data: Self.bytes("x1x2"))))]))
        }
    }
}
