import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `ETOOMANYREFS`, measured on this kernel (6.18; a C probe first; `too_many_unix_fds`, `unix_attach_fds`): in a
/// forked child with `RLIMIT_NOFILE` 8 as a user other than root, sends of one descriptor each succeed 9 times — the
/// user's count is checked before the new ones are added, so up to limit + n are in flight — and the next fails
/// `ETOOMANYREFS`; once one is received (installed or not) a send of three succeeds and the next of one fails again;
/// a bad descriptor is `EBADF` first; a send without descriptors is untouched. Root is never refused. The model does
/// not count (`UnixSocketModel+InFlight`): it refuses a trace where a sender not known as root fails
/// `ETOOMANYREFS` and rejects one where root does.
@Suite struct UnixSocketInFlightFactsTests {
    static let limit = 8
    /// A user no other test runs as: the count is the user's, system-wide.
    static let user: UInt32 = 54_321

    /// In a forked child with `RLIMIT_NOFILE` `limit`, as `user` unless `root`, on a datagram pair carrying a memory
    /// file: how many one-descriptor sends succeeded (at most 40) and the errno that stopped them (0: none), then
    /// the answers (0 or an errno) of a receive, a send of three, a send of one, a send of a bad descriptor, and a
    /// send of none.
    static func measure(root: Bool) throws -> [Int] {
        let setUser = try #require(UnixSocketHeldIdsFactsTests.glibc("setresuid"))
        let setGroup = try #require(UnixSocketHeldIdsFactsTests.glibc("setresgid"))
        let (a, b) = try KernelUnixSocket.pair(.dgram)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        let memory = try Syscall.memfdCreate("ipch-test-\(getpid())-in-flight")
        defer { try? Syscall.close(memory) }
        let files = UnsafeMutablePointer<CInt>.allocate(capacity: 3)
        files.initialize(repeating: memory.rawValue, count: 3)
        let bad = UnsafeMutablePointer<CInt>.allocate(capacity: 1)
        bad.initialize(to: -1)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 8)
        let ids = UnsafeMutablePointer<CLong>.allocate(capacity: 3)
        defer {
            files.deallocate()
            bad.deallocate()
            buffer.deallocate()
            ids.deallocate()
        }
        let (user, limit) = (Self.user, Self.limit)
        let results = try #require(ForkedChildren.run(count: 1, slots: 7) { _, slots in
            var bound = rlimit(rlim_cur: rlim_t(limit), rlim_max: rlim_t(limit))
            guard setrlimit(CInt(RLIMIT_NOFILE.rawValue), &bound) == 0 else { return }
            if !root {
                _ = setgroups(0, nil)
                guard setGroup(user, user, user) == 0, setUser(user, user, user) == 0 else { return }
            }
            func send(_ descriptors: UnsafeMutablePointer<CInt>, _ count: CInt) -> Int {
                ipc_send_with_control(a.rawValue, buffer, 1, nil, 0, descriptors, count, 0, CInt(MSG_DONTWAIT)) < 0 ? Int(errno) : 0
            }
            var sent = 0
            var stopped = 0
            while sent < 40 {
                stopped = send(files, 1)
                if stopped != 0 { break }
                sent += 1
            }
            slots[0] = sent
            slots[1] = stopped
            var flags: CInt = 0
            var has: CInt = 0
            var pidfd: CInt = -1
            var descriptors: CInt = 0
            slots[2] = ipc_receive_with_credentials(b.rawValue, buffer, 16, 64, CInt(MSG_DONTWAIT), &flags, ids, &has, &pidfd, &descriptors) < 0 ? Int(errno) : 0
            slots[3] = send(files, 3)
            slots[4] = send(files, 1)
            slots[5] = send(bad, 1)
            slots[6] = send(files, 0)
        }).first
        return try #require(results)
    }

    static func name(_ code: Int) -> String { code == 0 ? "ok" : Errno(rawValue: CInt(code)).name }

    @Test func aUsersDescriptorsInFlightAreBoundedByItsLimit() throws {
        try #require(geteuid() == 0, "the child leaves root")
        let user = try Self.measure(root: false)
        #expect(user[0] == Self.limit + 1)
        #expect(user.dropFirst().map(Self.name) == ["ETOOMANYREFS", "ok", "ok", "ETOOMANYREFS", "EBADF", "ok"])
        let root = try Self.measure(root: true)
        #expect(root[0] == 40)
        #expect(root.dropFirst().map(Self.name) == ["ok", "ok", "ok", "ok", "EBADF", "ok"])
    }

    /// The model's side: a recorded `ETOOMANYREFS` of a send with descriptors is refused from a process not known as
    /// root, and judged — impossible, rejected — from root or without descriptors.
    @Test func theModelRefusesWhatItCannotCount() throws {
        let setup = UnixSocketModel.Setup(
            type: .dgram, shape: .pair(a: [1, 3], b: [2]), files: [.init(name: "m", content: [], holders: [1, 3])],
            users: [1: .init(uid: 0), 3: .init(uid: Int(Self.user))])
        let model = UnixSocketModel(objects: [("s0", setup)])
        func send(_ process: Int, files: [String]) -> UnixSocketModel.Input {
            .send(process: process, end: "a", data: [1], nonblocking: true, to: nil, files: files)
        }
        let refused = Outcome.fail(ErrorCode("ETOOMANYREFS"))
        #expect(throws: ModelError.self) { _ = try model.output(from: refused, for: send(3, files: ["m"])) }
        #expect(throws: ModelError.self) {
            _ = try model.output(
                from: refused,
                for: .sendCredentials(
                    process: 3, end: "a", data: [1], nonblocking: true,
                    control: .init(.init(process: 3, uid: Int(Self.user), gid: Int(Self.user)), files: ["m"])))
        }
        for input in [send(1, files: ["m"]), send(3, files: [])] {
            let output = try model.output(from: refused, for: input)
            #expect(!UnixSocketCredentialsFactsTests.modelAllows(model, [(input, output)]), "\(input)")
        }
        let sends = Array(repeating: (input: send(3, files: ["m"]), output: UnixSocketModel.Output.sent(1)), count: Self.limit + 1)
        #expect(UnixSocketCredentialsFactsTests.modelAllows(model, sends))
    }
}
