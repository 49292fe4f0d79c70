import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// Explicit `SCM_CREDENTIALS` from a sender whose real, effective and saved ids differ, and with an address,
/// measured on this kernel (6.18; a C probe first; `scm_check_creds`, `unix_maybe_add_creds`, `unix_dgram_sendmsg`)
/// and judged by the model (`UnixSocketModel+HeldIds`, `UnixSocketModel+Credentials`):
/// - a forked child with real, effective and saved uids and gids 65534, 65533, 65532 may name any of its three uids
///   with any of its three gids, in any mix; another id (0 too) `EPERM`; another pid or pid 0 `EPERM`;
/// - the receiver's `SCM_CREDENTIALS` carries the ids named; a plain send's carries the sender's **real** ids (a
///   surprise: `SO_PEERCRED` reports the effective ones);
/// - a stream read under `SO_PASSCRED` merges a plain send with named real ids and stops at named effective ones;
///   `SO_PEERCRED` of a pair the child made reports its effective ids;
/// - with an address (`sendto` of a datagram socket), the credentials reach the socket it names, and their `EPERM`,
///   `EINVAL` and `ESRCH` come before the address's `ENOENT` and `ECONNREFUSED`.
@Suite struct UnixSocketHeldIdsFactsTests {
    typealias History = UnixSocketCredentialsFactsTests.History
    /// The forked child's real, effective and saved uid, and gid.
    static let real = 65_534
    static let effective = 65_533
    static let saved = 65_532

    /// glibc's `setresuid` or `setresgid`, which Swift's Glibc does not export (they need `_GNU_SOURCE`), looked up
    /// before a fork.
    typealias SetIds = @convention(c) (UInt32, UInt32, UInt32) -> CInt
    static func glibc(_ name: String) -> SetIds? {
        dlsym(dlopen(nil, RTLD_NOW), name).map { unsafeBitCast($0, to: SetIds.self) }
    }

    /// A pair of `type` whose end `b` has `SO_PASSCRED` (closed with it), and a forked child that takes the real,
    /// effective and saved ids before its body runs: the setup both tests with a child share.
    final class ChildPair {
        let a: FileDescriptor
        let b: FileDescriptor
        private let setUser: SetIds
        private let setGroup: SetIds

        init(_ type: UnixSocketType) throws {
            try #require(geteuid() == 0, "the child leaves root for three ids")
            setUser = try #require(UnixSocketHeldIdsFactsTests.glibc("setresuid"))
            setGroup = try #require(UnixSocketHeldIdsFactsTests.glibc("setresgid"))
            (a, b) = try KernelUnixSocket.pair(type)
            try Syscall.setSocketOption(b, Syscall.optionPassCredentials, 1)
        }

        deinit { for socket in [a, b] { try? Syscall.close(socket) } }

        /// The slots of a child that took the ids and ran `body` (C calls only) with `a`'s descriptor; nil when it failed.
        func run(slots: Int, _ body: (CInt, UnsafeMutablePointer<Int>) -> Void) -> [Int]? {
            let (r, e, s) = (UInt32(UnixSocketHeldIdsFactsTests.real), UInt32(UnixSocketHeldIdsFactsTests.effective), UInt32(UnixSocketHeldIdsFactsTests.saved))
            let (setUser, setGroup, a) = (setUser, setGroup, a.rawValue)
            return ForkedChildren.run(count: 1, slots: slots) { _, slots in
                _ = setgroups(0, nil)
                guard setGroup(r, e, s) == 0, setUser(r, e, s) == 0 else { return }
                body(a, slots)
            }?.first
        }
    }

    /// The pid an attempt names: the child's own, this process's (another's), or 0.
    enum Named { case own, other, zero }

    /// The child's attempts and what the kernel answered (measured).
    static let attempts: [(pid: Named, uid: Int, gid: Int, measured: String)] = [
        (.own, real, effective, "ok"), (.own, effective, effective, "ok"), (.own, saved, effective, "ok"),
        (.own, 1000, effective, "EPERM"), (.own, 0, effective, "EPERM"),
        (.own, effective, real, "ok"), (.own, effective, saved, "ok"), (.own, effective, 1000, "EPERM"),
        (.own, real, saved, "ok"), (.own, saved, real, "ok"),
        (.other, effective, effective, "EPERM"), (.zero, effective, effective, "EPERM"),
    ]

    /// A pair (`a` held by processes 1 and 3, `b` by 2): process 1 root, process 3 the child.
    static func model(_ type: UnixSocketModel.SocketType = .dgram) -> UnixSocketModel {
        let setup = UnixSocketModel.Setup(
            type: type, shape: .pair(a: [1, 3], b: [2]), users: [1: .init(uid: 0), 3: .init(uid: effective)],
            heldIds: [3: .init(real: .init(uid: real), saved: .init(uid: saved))])
        return UnixSocketModel(objects: [("s0", setup)])
    }

    static func output(_ measured: String) -> UnixSocketModel.Output {
        measured == "ok" ? .sent(1) : .failed(ErrorCode(measured))
    }

    static func send(_ process: Int, _ credentials: UnixSocketModel.SentCredentials, to: String? = nil) -> UnixSocketModel.Input {
        .sendCredentials(process: process, end: "a", data: [UInt8(ascii: "c")], nonblocking: true, control: .init(credentials, to: to))
    }

    static let passCredentials: History = [(.setPassCredentials(process: 2, end: "b", value: 1), .closed)]
    static let receive = UnixSocketModel.Input.receive(process: 2, end: "b", max: 16, nonblocking: true, maxFiles: 12)

    /// The child's sends, each attempt, then a plain send, then two to a path that does not exist (ids it may not
    /// name, then its own); the receiver's `SCM_CREDENTIALS`. The model allows the kernel's history and rejects each
    /// send's other answer, and a plain send's receipt with the effective ids.
    @Test func aSenderNamesItsRealEffectiveOrSavedIds() throws {
        let pair = try ChildPair(.dgram)
        let b = pair.b
        let message = UnixSocketCredentialMessage()
        let missing = UnixSocketCredentialMessage(to: "/nonexistent-ipch-test-\(getpid())/s")
        let me = getpid()
        let e = UInt32(Self.effective)
        let attempts = Self.attempts
        let count = attempts.count
        let slots = pair.run(slots: count + 4) { a, slots in
            let child = getpid()
            slots[0] = Int(child)
            for index in 0..<count {
                let attempt = attempts[index]
                let pid: Int32 = switch attempt.pid { case .own: child; case .other: me; case .zero: 0 }
                slots[1 + index] = Int(message.send(a, pid: pid, uid: UInt32(attempt.uid), gid: UInt32(attempt.gid)))
            }
            var byte = UInt8(ascii: "p")
            slots[1 + count] = Glibc.send(a, &byte, 1, CInt(MSG_DONTWAIT)) < 0 ? Int(errno) : 0
            slots[2 + count] = Int(missing.send(a, pid: child, uid: 1000, gid: e))
            slots[3 + count] = Int(missing.send(a, pid: child, uid: e, gid: e))
        }
        let child = try #require(slots?.first.flatMap { $0 > 0 ? pid_t($0) : nil }, "the child could not take its ids")
        let answers = slots!.dropFirst().map { $0 == 0 ? "ok" : Errno(rawValue: CInt($0)).name }
        #expect(Array(answers) == attempts.map(\.measured) + ["ok", "EPERM", "ENOENT"])

        // What the receiver got: each successful attempt's ids, then the plain send's real ones.
        var receipts: [UnixSocketModel.Received] = []
        var ids: [[Int]] = []
        for _ in 0..<(attempts.filter { $0.measured == "ok" }.count + 1) {
            let got = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 64, flags: Syscall.MessageFlags.dontWait)
            let credentials = try #require(got.credentials)
            #expect(credentials.pid == Int(child))
            ids.append([credentials.uid, credentials.gid])
            receipts.append(.init(
                data: got.data, filesTruncated: got.controlTruncated,
                credentials: .init(who: .process(3), uid: credentials.uid, gid: credentials.gid)))
        }
        #expect(ids == attempts.filter { $0.measured == "ok" }.map { [$0.uid, $0.gid] } + [[Self.real, Self.real]])

        let model = Self.model()
        func allows(_ history: History) -> Bool { UnixSocketCredentialsFactsTests.modelAllows(model, history) }
        func named(_ attempt: (pid: Named, uid: Int, gid: Int, measured: String)) -> UnixSocketModel.SentCredentials {
            .init(process: attempt.pid == .own ? 3 : attempt.pid == .other ? 1 : 0, uid: attempt.uid, gid: attempt.gid)
        }
        let sends: History = attempts.map { (Self.send(3, named($0)), Self.output($0.measured)) }
        let plain = UnixSocketModel.Input.send(process: 3, end: "a", data: [UInt8(ascii: "p")], nonblocking: true, to: nil, files: [])
        let addressed: History = [
            (Self.send(3, .init(process: 3, uid: 1000, gid: Self.effective), to: "fresh-path"), .failed(.EPERM)),
            (Self.send(3, .init(process: 3, uid: Self.effective, gid: Self.effective), to: "fresh-path"), .failed(.ENOENT)),
        ]
        let kernel = Self.passCredentials + sends + [(plain, .sent(1))] + addressed + receipts.map { (Self.receive, .received($0)) }
        #expect(allows(kernel))
        for (input, output) in sends + addressed {
            let wrong: UnixSocketModel.Output = output == .sent(1) ? .failed(.EPERM) : .sent(1)
            #expect(!allows(Self.passCredentials + [(input, wrong)]), "\(input)")
        }
        var effectiveIds = receipts.last!
        effectiveIds.credentials?.uid = Self.effective
        effectiveIds.credentials?.gid = Self.effective
        #expect(!allows(Self.passCredentials + [(plain, .sent(1)), (Self.receive, .received(effectiveIds))]))
        #expect(!allows(Self.passCredentials + [(addressed[0].input, .failed(.ENOENT))]))
    }

    /// On a stream pair, the child's plain send, a send naming its real ids, one naming its effective ids and a plain
    /// send: the reads stop only at the effective ids (`unix_skb_scm_eq`: a plain send records the real ones). A pair
    /// the child makes reports its effective ids through `SO_PEERCRED`. The model allows the reads and rejects a read
    /// stopping at the named real ids.
    @Test func aStreamReadMergesNamedRealIdsWithPlainSends() throws {
        let sockets = try ChildPair(.stream)
        let b = sockets.b
        let message = UnixSocketCredentialMessage()
        let pair = UnsafeMutablePointer<CInt>.allocate(capacity: 2)
        defer { pair.deallocate() }
        let (r, e) = (UInt32(Self.real), UInt32(Self.effective))
        let slots = sockets.run(slots: 7) { a, slots in
            let child = getpid()
            var byte = UInt8(ascii: "p")
            slots[0] = Glibc.send(a, &byte, 1, CInt(MSG_DONTWAIT)) < 0 ? Int(errno) : 0
            slots[1] = Int(message.send(a, pid: child, uid: r, gid: r))
            slots[2] = Int(message.send(a, pid: child, uid: e, gid: e))
            slots[3] = Glibc.send(a, &byte, 1, CInt(MSG_DONTWAIT)) < 0 ? Int(errno) : 0
            guard socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0, pair) == 0 else { return }
            var pid: CInt = 0
            var uid: UInt32 = 0
            var gid: UInt32 = 0
            guard ipc_peer_credentials(pair[0], &pid, &uid, &gid) == 0 else { return }
            (slots[4], slots[5], slots[6]) = (Int(pid == child ? 1 : 0), Int(uid), Int(gid))
        }
        #expect(slots == [0, 0, 0, 0, 1, Self.effective, Self.effective])
        var reads: [(data: String, ids: [Int])] = []
        for _ in 0..<3 {
            let got = try Syscall.receiveWithCredentials(b, maximum: 15, controlRoom: 64, flags: Syscall.MessageFlags.dontWait)
            reads.append((String(decoding: got.data, as: UTF8.self), got.credentials.map { [$0.uid, $0.gid] } ?? []))
        }
        #expect(reads.map(\.data) == ["pc", "c", "p"])
        #expect(reads.map(\.ids) == [[Self.real, Self.real], [Self.effective, Self.effective], [Self.real, Self.real]])

        let model = Self.model(.stream)
        let plain = UnixSocketModel.Input.send(process: 3, end: "a", data: [UInt8(ascii: "p")], nonblocking: true, to: nil, files: [])
        let sends: History = [
            (plain, .sent(1)), (Self.send(3, .init(process: 3, uid: Self.real, gid: Self.real)), .sent(1)),
            (Self.send(3, .init(process: 3, uid: Self.effective, gid: Self.effective)), .sent(1)), (plain, .sent(1)),
        ]
        let receive = UnixSocketModel.Input.receive(process: 2, end: "b", max: 15, nonblocking: true, maxFiles: 12)
        func receipt(_ data: String, _ ids: Int) -> (input: UnixSocketModel.Input, output: UnixSocketModel.Output) {
            (receive, .received(.init(data: Array(data.utf8), credentials: .init(who: .process(3), uid: ids, gid: ids))))
        }
        let allows = { (history: History) in UnixSocketCredentialsFactsTests.modelAllows(model, history) }
        #expect(allows(Self.passCredentials + sends + [receipt("pc", Self.real), receipt("c", Self.effective), receipt("p", Self.real)]))
        #expect(!allows(Self.passCredentials + sends + [receipt("p", Self.real), receipt("c", Self.real)]))
    }

    /// Root's `sendto` from a bound datagram socket with credentials: they reach the socket named (pid and ids as
    /// given); to a path no socket has, an id of -1 is `EINVAL` and pid 0 `ESRCH` before the path's `ENOENT`, and
    /// before a regular file's `ECONNREFUSED`. The model (bound sockets `p1`, `p2` at paths) allows this and rejects
    /// the address looked up first.
    @Test func addressedCredentialsReachTheNamedSocket() throws {
        try #require(geteuid() == 0, "root names other ids")
        let directory = "/tmp/ipch-test-\(getpid())-credentials-to"
        _ = mkdir(directory, 0o700)
        defer {
            for name in ["r", "s", "file"] { unlink("\(directory)/\(name)") }
            rmdir(directory)
        }
        let receiver = try Syscall.socket(domain: AF_UNIX, type: CInt(SOCK_DGRAM.rawValue), protocol: 0)
        let sender = try Syscall.socket(domain: AF_UNIX, type: CInt(SOCK_DGRAM.rawValue), protocol: 0)
        defer { for socket in [receiver, sender] { try? Syscall.close(socket) } }
        try Syscall.bind(receiver, to: .path("\(directory)/r"))
        try Syscall.bind(sender, to: .path("\(directory)/s"))
        try Syscall.setSocketOption(receiver, Syscall.optionPassCredentials, 1)
        let file = open("\(directory)/file", O_CREAT | O_WRONLY, 0o600)
        try #require(file >= 0)
        close(file)
        let me = getpid()
        func send(_ path: String, _ pid: Int32, _ uid: UInt32, _ gid: UInt32) -> String {
            let code = UnixSocketCredentialMessage(to: "\(directory)/\(path)").send(sender.rawValue, pid: pid, uid: uid, gid: gid)
            return code == 0 ? "ok" : Errno(rawValue: code).name
        }
        let measured = [
            send("r", me, 7, 8), send("none", me, 0, 0), send("none", me, UInt32.max, 0), send("none", 0, 0, 0),
            send("file", me, 0, 0), send("file", me, UInt32.max, 0), send("file", 0, 0, 0),
        ]
        #expect(measured == ["ok", "ENOENT", "EINVAL", "ESRCH", "ECONNREFUSED", "EINVAL", "ESRCH"])
        let got = try Syscall.receiveWithCredentials(receiver, maximum: 16, controlRoom: 64, flags: Syscall.MessageFlags.dontWait)
        #expect(got.credentials.map { [$0.pid, $0.uid, $0.gid] } == [Int(me), 7, 8])

        let setup = UnixSocketModel.Setup(type: .dgram, shape: .bound(processes: [1, 2]), address: .path, users: [1: .init(uid: 0)])
        let model = UnixSocketModel(objects: [("s0", setup)])
        func sendTo(_ to: String, _ process: Int, _ uid: Int, _ gid: Int) -> UnixSocketModel.Input {
            .sendCredentials(
                process: 1, end: "p1", data: [UInt8(ascii: "c")], nonblocking: true,
                control: .init(.init(process: process, uid: uid, gid: gid), to: to))
        }
        let sends: History = [
            (sendTo("p2", 1, 7, 8), .sent(1)), (sendTo("fresh-path", 1, 0, 0), .failed(.ENOENT)),
            (sendTo("fresh-path", 1, -1, 0), .failed(.EINVAL)), (sendTo("fresh-path", 0, 0, 0), .failed(.ESRCH)),
            (sendTo("existing-file", 1, 0, 0), .failed(.ECONNREFUSED)), (sendTo("existing-file", 1, -1, 0), .failed(.EINVAL)),
            (sendTo("existing-file", 0, 0, 0), .failed(.ESRCH)),
        ]
        let pass: History = [(.setPassCredentials(process: 2, end: "p2", value: 1), .closed)]
        let receive = UnixSocketModel.Input.receive(process: 2, end: "p2", max: 16, nonblocking: true, maxFiles: 12)
        let receipt = UnixSocketModel.Received(
            data: got.data, filesTruncated: got.controlTruncated, from: "p1", credentials: .init(who: .process(1), uid: 7, gid: 8))
        #expect(UnixSocketCredentialsFactsTests.modelAllows(model, pass + sends + [(receive, .received(receipt))]))
        for (input, output) in sends.dropFirst() {
            let wrong: UnixSocketModel.Output = output == .failed(.ENOENT) || output == .failed(.ECONNREFUSED) ? .failed(.EINVAL) : .failed(.ENOENT)
            #expect(!UnixSocketCredentialsFactsTests.modelAllows(model, pass + [(input, wrong)]), "\(input)")
        }
    }
}
