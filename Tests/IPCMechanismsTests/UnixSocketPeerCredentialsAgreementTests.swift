import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `getsockopt(SO_PEERCRED)` in the unix-socket model against the kernel, on directed sequences whose processes are
/// real: this process makes the listener and plays process 3 (the setup's `creator`); processes 1 and 2 are forked
/// children running as users 4321 and 4322 (groups 1234 and 1235), one connecting and one listening, each exiting
/// at once. Each kernel output must be the one output the model allows, so the model rejects every other report:
/// a client reporting its own process or the acceptor instead of whoever listened last, an accepted socket
/// reporting its acceptor, a datagram socket reporting a peer. (The pair's ends are drawn at random in
/// `UnixSocketModelAgreementTests`.)
@Suite struct UnixSocketPeerCredentialsAgreementTests {
    static let users: [Int: Permissions.User] = [1: .init(uid: 4321, gid: 1234), 2: .init(uid: 4322, gid: 1235)]

    enum Step: CustomStringConvertible {
        /// This process (as `process`) connects a client `client-<process>`.
        case connect(process: Int)
        /// A child as process 1 connects and exits, its connection left waiting.
        case childConnects
        /// A child as process 2 calls `listen` on the listener and exits.
        case childListens
        /// This process, as process 3, calls `listen` again.
        case listen
        /// This process, as process 3, accepts: the accepted socket is `server-<the connector>`.
        case accept(connector: Int)
        case credentials(end: String, process: Int)

        var description: String {
            switch self {
            case .connect(let process): "connect(\(process))"
            case .childConnects: "connect(1, a child that exits)"
            case .childListens: "listen(2, a child that exits)"
            case .listen: "listen(3)"
            case .accept(let connector): "accept(server-\(connector))"
            case .credentials(let end, let process): "SO_PEERCRED(\(end)) by \(process)"
            }
        }
    }

    /// The creator's listener, a client before and after a child's `listen`, the child's connection accepted after
    /// it exited, and this process listening again.
    static let sequence: [Step] = [
        .credentials(end: "listen", process: 3), .connect(process: 3), .credentials(end: "client-3", process: 3),
        .childConnects, .childListens, .credentials(end: "listen", process: 3),
        .credentials(end: "client-3", process: 3),
        .connect(process: 4), .credentials(end: "client-4", process: 4), .accept(connector: 3),
        .credentials(end: "server-3", process: 3), .accept(connector: 1), .credentials(end: "server-1", process: 3),
        .listen, .credentials(end: "listen", process: 3), .connect(process: 5),
        .credentials(end: "client-5", process: 5),
        .credentials(end: "client-4", process: 4),
    ]

    @Test(
        .enabled(if: geteuid() == 0, "the children take other users' ids"),
        arguments: [UnixSocketType.stream, .seqpacket])
    func aListenersConnectionsAgree(type: UnixSocketType) throws {
        let address = uniqueAbstractAddress("creds")
        var sockets: [String: FileDescriptor] = ["listen": try KernelUnixSocket.listener(type, at: address, backlog: 8)]
        defer { for socket in sockets.values { try? Syscall.close(socket) } }
        var pids: [pid_t: Int] = [getpid(): 3]
        let model = UnixSocketModel(objects: [
            (
                "s0",
                .init(
                    type: .init(rawValue: type.rawValue)!, shape: .listener(holders: [2, 3], backlog: 8),
                    address: .abstract,
                    creator: 3, users: Self.users.merging([3: .init(uid: Int(geteuid()), gid: Int(getegid()))]) { $1 })
            )
        ])
        var state = model.initialState(of: "s0")
        for (index, step) in Self.sequence.enumerated() {
            var inputs: [(UnixSocketModel.Input, UnixSocketModel.Output)] = []
            switch step {
            case .connect(let process):
                guard case .completed(let client) = try KernelUnixSocket.connect(type, to: address, nonblocking: true)
                else {
                    Issue.record("no connection at \(step)")
                    return
                }
                sockets["client-\(process)"] = client
                inputs = [(.connect(process: process, nonblocking: true), .connected("client-\(process)"))]
            case .childConnects:
                let child = try Syscall.listenOrConnectInChild(
                    connectTo: address, type: type.rawType | CInt(SOCK_CLOEXEC.rawValue), uid: 4321, gid: 1234)
                #expect(child.error == nil)
                pids[child.pid] = 1
                inputs = [
                    (.connect(process: 1, nonblocking: true), .connected("client-1")), (.exit(process: 1), .exited),
                ]
            case .childListens:
                let child = try Syscall.listenOrConnectInChild(sockets["listen"]!, backlog: 8, uid: 4322, gid: 1235)
                #expect(child.error == nil)
                pids[child.pid] = 2
                inputs = [(.listen(process: 2, end: "listen", backlog: 8), .closed), (.exit(process: 2), .exited)]
            case .listen:
                try Syscall.listen(sockets["listen"]!, backlog: 8)
                inputs = [(.listen(process: 3, end: "listen", backlog: 8), .closed)]
            case .accept(let connector):
                guard case .completed(let accepted) = try KernelUnixSocket.accept(sockets["listen"]!, nonblocking: true)
                else {
                    Issue.record("nothing to accept at \(step)")
                    return
                }
                sockets["server-\(connector)"] = accepted
                inputs = [(.accept(process: 3, end: "listen", nonblocking: true), .connected("server-\(connector)"))]
            case .credentials(let end, let process):
                let kernel = try Syscall.peerCredentials(sockets[end]!)
                let who: UnixSocketModel.Credentials =
                    kernel.pid == 0 ? .none : pids[kernel.pid].map { .process($0) } ?? .harness
                inputs = [
                    (
                        .getOption(process: process, end: end, option: .peerCredentials),
                        .peerCredentials(.init(who: who, uid: Int(kernel.uid), gid: Int(kernel.gid)))
                    )
                ]
            }
            for (input, kernel) in inputs {
                guard let next = Self.only(model, state, input, kernel, "\(type) step \(index) \(step)") else { return }
                state = next
            }
        }
    }

    /// Bound datagram sockets, connected to each other or not: none.
    @Test func boundDatagramSocketsReportNone() throws {
        let addresses = [uniqueAbstractAddress("p1"), uniqueAbstractAddress("p2")]
        let p1 = try KernelUnixSocket.bound(.dgram, to: addresses[0])
        defer { try? Syscall.close(p1) }
        let p2 = try KernelUnixSocket.bound(.dgram, to: addresses[1])
        defer { try? Syscall.close(p2) }
        let model = UnixSocketModel(objects: [
            ("s0", .init(type: .dgram, shape: .bound(processes: [1, 2]), address: .abstract))
        ])
        var state = model.initialState(of: "s0")
        func credentials(_ socket: FileDescriptor) throws -> UnixSocketModel.Output {
            let kernel = try Syscall.peerCredentials(socket)
            let who: UnixSocketModel.Credentials = kernel.pid == 0 ? .none : .harness
            return .peerCredentials(.init(who: who, uid: Int(kernel.uid), gid: Int(kernel.gid)))
        }
        var steps: [(UnixSocketModel.Input, UnixSocketModel.Output)] = [
            (.getOption(process: 1, end: "p1", option: .peerCredentials), try credentials(p1))
        ]
        try Syscall.connect(p1, to: addresses[1])
        try Syscall.connect(p2, to: addresses[0])
        steps += [
            (.connectPeer(process: 1, end: "p1", to: "p2"), .closed),
            (.connectPeer(process: 2, end: "p2", to: "p1"), .closed),
            (.getOption(process: 1, end: "p1", option: .peerCredentials), try credentials(p1)),
            (.getOption(process: 2, end: "p2", option: .peerCredentials), try credentials(p2)),
        ]
        for (index, (input, kernel)) in steps.enumerated() {
            guard let next = Self.only(model, state, input, kernel, "dgram step \(index)") else { return }
            state = next
        }
    }

    /// The state after `input` when the model's only completion is `kernel`'s output; nil, with an issue, otherwise.
    static func only(
        _ model: UnixSocketModel, _ state: UnixSocketModel.State, _ input: UnixSocketModel.Input,
        _ kernel: UnixSocketModel.Output, _ place: String
    ) -> UnixSocketModel.State? {
        let completions = model.outcomes(of: input, in: state).filter {
            if case .completed = $0.step, $0.output != .failed(ErrorCode("EMFILE")) { true } else { false }
        }
        guard completions.count == 1, let output = completions[0].output, output == kernel else {
            Issue.record(
                "\(place): kernel \(kernel), model \(completions.map { "\($0.output.map { "\($0)" } ?? "piece")" })")
            return nil
        }
        return completions[0].step.state
    }
}
