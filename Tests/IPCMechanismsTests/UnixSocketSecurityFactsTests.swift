import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `SO_PASSSEC`, `SCM_SECURITY` and `SO_PEERSEC` on this kernel (6.18, whose `/sys/kernel/security/lsm` is
/// `lockdown,capability,landlock,bpf`: SELinux is built in but not enabled, and no module labels sockets; C probes
/// first), judged by the model (`UnixSocketModel+Security`) given those modules, and refused without them:
/// - `setsockopt(SO_PASSSEC)` takes any value on every type; `getsockopt` reports 1 or 0;
/// - a receive under it alone gets no `SCM_SECURITY` and, with a control buffer, no `MSG_CTRUNC` — but with none,
///   `MSG_CTRUNC` (a surprise: `__scm_recv_common` asks only whether the option is set); it records no sender
///   (`SO_PASSCRED` set later shows pid 0) and a stream read under it alone merges two senders' bytes;
/// - `getsockopt(SO_PEERSEC)` and `setsockopt(SO_PEERSEC)` fail `ENOPROTOOPT` (a sent `SCM_SECURITY` fails `EINVAL`:
///   measured by the C probe only, no trace form has it).
/// A machine whose modules label sockets (its `/proc/self/attr/current` reads a context) answers `SO_PEERSEC`: there
/// the test checks that instead, and that the model refuses what it cannot judge.
@Suite struct UnixSocketSecurityFactsTests {
    typealias History = UnixSocketCredentialsFactsTests.History
    static let modules = ["lockdown", "capability", "landlock", "bpf"]

    /// Whether a module here gives processes (and so sockets) a security context: `/proc/self/attr/current` reads one.
    static var contextsHere: Bool {
        let descriptor = open("/proc/self/attr/current", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var byte: UInt8 = 0
        return read(descriptor, &byte, 1) > 0
    }

    static func model(_ type: UnixSocketType, modules: [String]? = modules) -> UnixSocketModel {
        let setup = UnixSocketModel.Setup(type: UnixSocketModel.SocketType(rawValue: type.rawValue)!, shape: .pair(a: [1, 3], b: [2]))
        return UnixSocketModel(objects: [("s0", setup)], securityModules: modules)
    }

    @Test(arguments: UnixSocketType.allCases)
    func passingSecurityAddsNothingWithoutALabellingModule(_ type: UnixSocketType) throws {
        try #require(!Self.contextsHere, "a security module labels sockets here")
        let option = CInt(SO_PASSSEC)
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(type)
            defer { for socket in [a, b] { try? Syscall.close(socket) } }
            #expect(try Syscall.socketOption(b, option) == 0)
            try Syscall.setSocketOption(b, option, 5)
            #expect(try Syscall.socketOption(b, option) == 1)
            var history: History = [
                (.setPassSecurity(process: 2, end: "b", value: 5), .closed), (.getOption(process: 2, end: "b", option: .passSecurity), .value(1)),
            ]
            func send(_ process: Int, _ text: String) -> (input: UnixSocketModel.Input, output: UnixSocketModel.Output) {
                (.send(process: process, end: "a", data: Array(text.utf8), nonblocking: true, to: nil, files: []), .sent(text.utf8.count))
            }
            _ = try Syscall.sendMessage(a, Array("aa".utf8))
            let child = try Syscall.sendFromChild(a, Array("cc".utf8))
            #expect(try Syscall.reap(child) == 0)
            history += [send(1, "aa"), send(3, "cc")]
            // No control buffer: MSG_CTRUNC all the same (the kernel asks only whether the option is set).
            let first = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 0, flags: Syscall.MessageFlags.dontWait)
            #expect(first.controlTruncated && first.credentials == nil)
            let receive = UnixSocketModel.Input.receive(process: 2, end: "b", max: 16, nonblocking: true, maxFiles: 0)
            let received = UnixSocketModel.Received(data: first.data, filesTruncated: true)
            #expect(first.data == Array((type == .stream ? "aacc" : "aa").utf8))
            let model = Self.model(type)
            #expect(UnixSocketCredentialsFactsTests.modelAllows(model, history + [(receive, .received(received))]))
            // Wrong beliefs: no MSG_CTRUNC where nothing was put; a stream read stopping at the change of sender.
            var whole = received
            whole.filesTruncated = false
            #expect(!UnixSocketCredentialsFactsTests.modelAllows(model, history + [(receive, .received(whole))]))
            if type == .stream {
                let split = UnixSocketModel.Received(data: Array("aa".utf8), filesTruncated: true)
                #expect(!UnixSocketCredentialsFactsTests.modelAllows(model, history + [(receive, .received(split))]))
            } else {
                // With a control buffer: nothing, no MSG_CTRUNC.
                history.append((receive, .received(received)))
                let second = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 32, flags: Syscall.MessageFlags.dontWait)
                #expect(second.data == Array("cc".utf8) && !second.controlTruncated && second.credentials == nil)
                let roomy = UnixSocketModel.Input.receive(process: 2, end: "b", max: 16, nonblocking: true, maxFiles: 4)
                #expect(UnixSocketCredentialsFactsTests.modelAllows(model, history + [(roomy, .received(.init(data: second.data)))]))
                #expect(!UnixSocketCredentialsFactsTests.modelAllows(model, history + [(roomy, .received(.init(data: second.data, filesTruncated: true)))]))
            }
            // A message sent under SO_PASSSEC alone has no sender recorded: SO_PASSCRED set later shows pid 0.
            _ = try Syscall.sendMessage(a, Array("ff".utf8))
            try Syscall.setSocketOption(b, Syscall.optionPassCredentials, 1)
            let late = try Syscall.receiveWithCredentials(b, maximum: 16, controlRoom: 32, flags: Syscall.MessageFlags.dontWait)
            #expect(late.credentials.map { [$0.pid, $0.uid, $0.gid] } == [0, 65534, 65534])
            try Syscall.setSocketOption(b, option, 0)
            #expect(try Syscall.socketOption(b, option) == 0)
        }
    }

    /// `SO_PEERSEC`: `ENOPROTOOPT` both ways here, judged with the modules given; refused without them, or with one
    /// that labels sockets; `SO_PASSSEC` set likewise refused, 0 always judged.
    @Test func peerSecurityIsNotAnsweredWithoutALabellingModule() throws {
        let (a, b) = try KernelUnixSocket.pair(.stream)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        let got = errorName { _ = try Syscall.socketOption(b, CInt(SO_PEERSEC)) }
        #expect(errorName { try Syscall.setSocketOption(b, CInt(SO_PEERSEC), 1) } == "ENOPROTOOPT")
        if Self.contextsHere {
            #expect(got == "ok")
        } else {
            #expect(got == "ENOPROTOOPT")
        }
        func input(_ model: UnixSocketModel, _ f: String, _ option: String, value: Int? = nil) -> String {
            var fields: JSONObject = ["end": "b", "option": .string(option)]
            if let value { fields["value"] = .int(value) }
            do {
                return "\(try model.input(from: Call(process: 2, object: "s0", f: f, value: .object(fields))))"
            } catch {
                return "refused: \(error)"
            }
        }
        let judged = Self.model(.stream)
        let peer = UnixSocketModel.Input.refusedOption(process: 2, end: "b", set: false, level: 1, option: 31)
        #expect(input(judged, "getsockopt", "SO_PEERSEC") == "\(peer)")
        #expect(UnixSocketCredentialsFactsTests.modelAllows(judged, [(peer, .failed(ErrorCode("ENOPROTOOPT")))]))
        #expect(!UnixSocketCredentialsFactsTests.modelAllows(judged, [(peer, .value(0))]))
        let setPeer = UnixSocketModel.Input.refusedOption(process: 2, end: "b", set: true, level: 1, option: 31)
        #expect(UnixSocketCredentialsFactsTests.modelAllows(judged, [(setPeer, .failed(ErrorCode("ENOPROTOOPT")))]))
        #expect(!UnixSocketCredentialsFactsTests.modelAllows(judged, [(setPeer, .closed)]))
        for unknown in [Self.model(.stream, modules: nil), Self.model(.stream, modules: ["capability", "selinux"])] {
            #expect(input(unknown, "getsockopt", "SO_PEERSEC").hasPrefix("refused"))
            #expect(input(unknown, "setsockopt", "SO_PASSSEC", value: 1).hasPrefix("refused"))
            #expect(input(unknown, "setsockopt", "SO_PASSSEC", value: 0) == "\(UnixSocketModel.Input.setPassSecurity(process: 2, end: "b", value: 0))")
            #expect(input(unknown, "setsockopt", "SO_PEERSEC", value: 1) == "\(setPeer)")
        }
        #expect(input(judged, "setsockopt", "SO_PASSSEC", value: 1) == "\(UnixSocketModel.Input.setPassSecurity(process: 2, end: "b", value: 1))")
    }
}
