import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `SO_PASSPIDFD`/`SCM_PIDFD` and `SO_PEERPIDFD` on Unix sockets, measured on this kernel (6.18; C probes first; the
/// kernel selftest `net/af_unix/scm_pidfd.c`), each fact also judged by the model (`UnixSocketModel+Pidfd`):
/// - With `SO_PASSPIDFD` on the receiver each datagram or record carries an `SCM_PIDFD` message: a pidfd of the
///   process that sent it — if the sender was recorded, which the kernel does only when the sending or the receiving
///   socket had `SO_PASSPIDFD` at the send (a message queued before: nothing, not even `MSG_CTRUNC`) (a child that sent and exited: its pid while a zombie, `POLLIN`; once reaped the pidfd is
///   still given, `Pid: -1`, `POLLIN|POLLHUP`); no control buffer, or one too small for an int, `MSG_CTRUNC`.
/// - `SO_PEERPIDFD`: a pidfd of the process `SO_PEERCRED` names (a pair's maker), given even once that process was
///   reaped; `ENODATA` where `SO_PEERCRED` reports none (a bound or connected datagram socket, an unconnected stream).
@Suite struct UnixSocketPidfdFactsTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// The `revents` of a zero-timeout poll of `pidfd` for `POLLIN`.
    static func readiness(_ pidfd: FileDescriptor) -> Int16 {
        var pollDescriptor = pollfd(fd: pidfd.rawValue, events: Int16(POLLIN), revents: 0)
        _ = Glibc.poll(&pollDescriptor, 1, 0)
        return pollDescriptor.revents
    }

    @Test(arguments: [UnixSocketType.dgram, .seqpacket])
    func eachMessageCarriesAPidfdOfItsSender(_ type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let (a, b) = try KernelUnixSocket.pair(type)
            defer { for socket in [a, b] { try? Syscall.close(socket) } }
            // Sent before the option is set: the kernel did not record the sender (no pidfd, no MSG_CTRUNC).
            _ = try Syscall.sendMessage(a, Self.bytes("early"))
            try Syscall.setSocketOption(b, Syscall.optionPassPidfd, 1)
            let early = try Syscall.receiveMessageWithPidfd(b, maximum: 16, controlRoom: 64, flags: Syscall.MessageFlags.dontWait)
            #expect(early.pidfd == nil && !early.controlTruncated && early.data == Self.bytes("early"))
            _ = try Syscall.sendMessage(a, Self.bytes("self"))
            let fromSelf = try Syscall.receiveMessageWithPidfd(b, maximum: 16, controlRoom: 64, flags: Syscall.MessageFlags.dontWait)
            #expect(fromSelf.pidfd.flatMap { Syscall.pidfdProcess($0) } == getpid())
            if let pidfd = fromSelf.pidfd { try Syscall.close(pidfd) }

            // A child sends and exits: a zombie, then reaped.
            let child = try Syscall.sendFromChild(a, Self.bytes("child"))
            var pollDescriptor = pollfd(fd: b.rawValue, events: Int16(POLLIN), revents: 0)
            _ = Glibc.poll(&pollDescriptor, 1, 10_000)
            let fromChild = try Syscall.receiveMessageWithPidfd(b, maximum: 16, controlRoom: 64, flags: Syscall.MessageFlags.dontWait)
            #expect(fromChild.data == Self.bytes("child") && !fromChild.controlTruncated)
            if let pidfd = fromChild.pidfd {
                #expect(Syscall.pidfdProcess(pidfd) == child)
                #expect(try Syscall.reap(child) == 0)
                #expect(Syscall.pidfdProcess(pidfd) == -1)
                #expect(Self.readiness(pidfd) & Int16(POLLIN) != 0)
                try Syscall.close(pidfd)
            } else {
                Issue.record("no SCM_PIDFD")
                _ = try? Syscall.reap(child)
            }
            let reapedChild = try Syscall.sendFromChild(a, Self.bytes("gone"))
            #expect(try Syscall.reap(reapedChild) == 0)
            let fromReaped = try Syscall.receiveMessageWithPidfd(b, maximum: 16, controlRoom: 64, flags: Syscall.MessageFlags.dontWait)
            #expect(fromReaped.pidfd.flatMap { Syscall.pidfdProcess($0) } == -1)
            if let pidfd = fromReaped.pidfd {
                #expect(Self.readiness(pidfd) == Int16(POLLIN) | Int16(POLLHUP))
                try Syscall.close(pidfd)
            }

            // No room: MSG_CTRUNC and no pidfd; the room of one int holds it.
            _ = try Syscall.sendMessage(a, Self.bytes("none"))
            let noRoom = try Syscall.receiveMessageWithPidfd(b, maximum: 16, controlRoom: 0, flags: Syscall.MessageFlags.dontWait)
            #expect(noRoom.controlTruncated && noRoom.pidfd == nil && noRoom.data == Self.bytes("none"))
            _ = try Syscall.sendMessage(a, Self.bytes("fits"))
            let fits = try Syscall.receiveMessageWithPidfd(b, maximum: 16, controlRoom: 24, flags: Syscall.MessageFlags.dontWait)
            #expect(!fits.controlTruncated && fits.pidfd != nil)
            if let pidfd = fits.pidfd { try Syscall.close(pidfd) }

            // The sender's own SO_PASSPIDFD records it too: a message sent while only the sender had the option set
            // carries a pidfd once the receiver sets it; one sent while neither had it set, none.
            try Syscall.setSocketOption(b, Syscall.optionPassPidfd, 0)
            try Syscall.setSocketOption(a, Syscall.optionPassPidfd, 1)
            _ = try Syscall.sendMessage(a, Self.bytes("sender"))
            try Syscall.setSocketOption(b, Syscall.optionPassPidfd, 1)
            let bySender = try Syscall.receiveMessageWithPidfd(b, maximum: 16, controlRoom: 64, flags: Syscall.MessageFlags.dontWait)
            #expect(bySender.pidfd.flatMap { Syscall.pidfdProcess($0) } == getpid())
            if let pidfd = bySender.pidfd { try Syscall.close(pidfd) }
        }

        // The model: process 1 sends on a, process 2 receives on b; the pidfd names process 1.
        let modelType = UnixSocketModel.SocketType(rawValue: type.rawValue)!
        let send = (UnixSocketModel.Input.send(process: 1, end: "a", data: Self.bytes("x"), nonblocking: true, to: nil, files: []), UnixSocketModel.Output.sent(1))
        let pass = (UnixSocketModel.Input.setPassPidfd(process: 2, end: "b", value: 1), UnixSocketModel.Output.closed)
        func receive(_ maxFiles: Int) -> UnixSocketModel.Input { .receive(process: 2, end: "b", max: 16, nonblocking: true, maxFiles: maxFiles) }
        #expect(UnixSocketBatchFactsTests.modelAllows(modelType, [pass, send, (receive(1), .received(.init(data: Self.bytes("x"), pidfd: 1)))]))
        #expect(UnixSocketBatchFactsTests.modelAllows(modelType, [pass, send, (receive(0), .received(.init(data: Self.bytes("x"), filesTruncated: true)))]))
        #expect(UnixSocketBatchFactsTests.modelAllows(modelType, [send, pass, (receive(1), .received(.init(data: Self.bytes("x"))))]))
        let passBySender = (UnixSocketModel.Input.setPassPidfd(process: 1, end: "a", value: 1), UnixSocketModel.Output.closed)
        #expect(UnixSocketBatchFactsTests.modelAllows(modelType, [passBySender, send, pass, (receive(1), .received(.init(data: Self.bytes("x"), pidfd: 1)))]))
        // Wrong beliefs: the pidfd of the receiver, a pidfd without room, none though the option is set, one for a
        // message queued before it was set.
        #expect(!UnixSocketBatchFactsTests.modelAllows(modelType, [pass, send, (receive(1), .received(.init(data: Self.bytes("x"), pidfd: 2)))]))
        #expect(!UnixSocketBatchFactsTests.modelAllows(modelType, [pass, send, (receive(0), .received(.init(data: Self.bytes("x"), pidfd: 1)))]))
        #expect(!UnixSocketBatchFactsTests.modelAllows(modelType, [pass, send, (receive(1), .received(.init(data: Self.bytes("x"))))]))
        #expect(!UnixSocketBatchFactsTests.modelAllows(modelType, [send, pass, (receive(1), .received(.init(data: Self.bytes("x"), pidfd: 1)))]))
        // Without the option, nothing.
        #expect(UnixSocketBatchFactsTests.modelAllows(modelType, [send, (receive(1), .received(.init(data: Self.bytes("x"))))]))
    }

    @Test(arguments: UnixSocketType.allCases)
    func peerPidfdNamesThePairsMaker(_ type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        let pidfd = try Syscall.peerPidfd(b)
        #expect(Syscall.pidfdProcess(pidfd) == getpid())
        try Syscall.close(pidfd)
        let address = uniqueAbstractAddress("peer-pidfd")
        let bound = try KernelUnixSocket.bound(.dgram, to: address)
        let unconnected = try Syscall.unixSocket(.stream)
        defer { for socket in [bound, unconnected] { try? Syscall.close(socket) } }
        #expect(errorName { _ = try Syscall.peerPidfd(bound) } == "ENODATA")
        #expect(errorName { _ = try Syscall.peerPidfd(unconnected) } == "ENODATA")

        let modelType = UnixSocketModel.SocketType(rawValue: type.rawValue)!
        let model = UnixSocketModel(objects: [("s0", .init(type: modelType, shape: .pair(a: [1], b: [2]), creator: 1))])
        let state = model.initialState(of: "s0")
        let get = UnixSocketModel.Input.getOption(process: 2, end: "b", option: .peerPidfd)
        #expect(!model.step(state, get, .peerCredentials(.init(who: .process(1)))).isEmpty)
        #expect(model.step(state, get, .peerCredentials(.init(who: .process(2)))).isEmpty)
        let boundModel = UnixSocketModel(objects: [("s0", .init(type: .dgram, shape: .bound(processes: [1, 2])))])
        let boundGet = UnixSocketModel.Input.getOption(process: 1, end: "p1", option: .peerPidfd)
        #expect(!boundModel.step(boundModel.initialState(of: "s0"), boundGet, .failed(ErrorCode("ENODATA"))).isEmpty)
    }

    @Test func peerPidfdOfAReapedMakerIsStillGiven() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            // A child makes a pair and passes one end here over a carrier pair, then exits and is reaped.
            let (here, there) = try KernelUnixSocket.pair(.stream)
            defer { for socket in [here, there] { try? Syscall.close(socket) } }
            let child = try Syscall.pairFromChild(there)
            #expect(try Syscall.reap(child) == 0)
            guard case .completed(let message) = try KernelUnixSocket.receive(here, maximum: 1, descriptorRoom: 1, nonblocking: true),
                let end = message.descriptors.first
            else {
                Issue.record("no end passed")
                return
            }
            defer { try? Syscall.close(end) }
            let pidfd = try Syscall.peerPidfd(end)
            #expect(Syscall.pidfdProcess(pidfd) == -1)
            try Syscall.close(pidfd)
        }
    }
}
