import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// What `recvmsg` does with the descriptors of `SCM_RIGHTS` beyond the control buffer's room, measured on this kernel:
/// `MSG_CMSG_CLOEXEC` sets `FD_CLOEXEC` on each installed descriptor, and a table with too few free numbers ends the
/// installing (`scm_detach_fds` stops at the first that fails) exactly as a short control buffer does — the rest are
/// closed, `MSG_CTRUNC` is set, and the call still succeeds with the data.
@Suite struct ReceivedDescriptorFactsTests {
    /// A descriptor received with `MSG_CMSG_CLOEXEC` has `FD_CLOEXEC` set; one received without it has it clear,
    /// whatever the sender's descriptor had.
    @Test func msgCmsgCloexecSetsTheFlag() throws {
        try Syscall.withoutConcurrentSpawns {
            let (sender, receiver) = try Syscall.socketPair(.stream)
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
            defer { for descriptor in [sender, receiver, readEnd, writeEnd] { try? Syscall.close(descriptor) } }
            for closeOnExec in [true, false] {
                _ = try Syscall.sendMessage(sender, [1], descriptors: [writeEnd])
                let message = try Syscall.receiveMessage(receiver, maximum: 4, descriptorRoom: 1, closeOnExec: closeOnExec)
                try #require(message.descriptors.count == 1)
                defer { try? Syscall.close(message.descriptors[0]) }
                #expect(try Syscall.closesOnExec(message.descriptors[0]) == closeOnExec)
            }
        }
    }

    /// With one number free, a message of 3 bytes carrying 3 descriptors of a pipe's write end (room for 4): the
    /// receive returns the 3 bytes, installs 1 descriptor, sets `MSG_CTRUNC`, and the other 2 are closed (with the
    /// sender's and the installed one closed, the pipe reads end of file). With none free: the bytes, no descriptor,
    /// `MSG_CTRUNC`. Exit status 0 when all held, else the number of the failed check.
    @Test func aFullTableDropsTheRestWithMsgCtrunc() async {
        await #expect(processExitsWith: .exitCode(0)) {
            var pair: [CInt] = [0, 0]
            guard socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else { exit(9) }
            let sender = FileDescriptor(rawValue: pair[0]), receiver = FileDescriptor(rawValue: pair[1])
            guard let (readEnd, writeEnd) = try? Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK) else { exit(10) }
            for _ in 0..<2 {
                let copies = [writeEnd, FileDescriptor(rawValue: dup(writeEnd.rawValue)), FileDescriptor(rawValue: dup(writeEnd.rawValue))]
                guard (try? Syscall.sendMessage(sender, [1, 2, 3], descriptors: copies)) == 3 else { exit(11) }
                for copy in copies.dropFirst() { close(copy.rawValue) }
            }
            close(writeEnd.rawValue)
            var taken = DescriptorExhaustion.fillTable()
            guard let free = taken.popLast() else { exit(12) }
            close(free)
            guard let one = try? Syscall.receiveMessage(receiver, maximum: 3, descriptorRoom: 4) else { exit(20) }
            guard one.data == [1, 2, 3], one.descriptors.count == 1, one.descriptorsTruncated else { exit(21) }
            guard (try? Syscall.closesOnExec(one.descriptors[0])) == true else { exit(22) }
            guard let none = try? Syscall.receiveMessage(receiver, maximum: 3, descriptorRoom: 4) else { exit(23) }
            guard none.data == [1, 2, 3], none.descriptors.isEmpty, none.descriptorsTruncated else { exit(24) }
            close(one.descriptors[0].rawValue)
            var byte: UInt8 = 0
            guard read(readEnd.rawValue, &byte, 1) == 0 else { exit(25) }  // every passed write end closed
            exit(0)
        }
    }

    /// The model holds the measured cut: where the tables may fill (`tablesNeverFull` false, as when a trace's params say
    /// nothing), a receive of 3 descriptors with room for 4 may install 3, 2, 1 or none, the rest closed with
    /// `MSG_CTRUNC` and the bytes delivered — never `EMFILE`; where they never fill, all 3.
    @Test func theModelAllowsTheCutOnlyWhereATableMayFill() throws {
        for tablesNeverFull in [false, true] {
            let files = ["w0", "w1", "w2"]
            let model = UnixSocketModel(
                objects: [("s0", .init(type: .stream, shape: .pair(a: [1], b: [2]), files: files.map { .init(name: $0, content: nil, holders: [1], readers: [3]) }))],
                tablesNeverFull: tablesNeverFull)
            var state = model.initialState(of: "s0")
            let sent = model.outcomes(of: .send(process: 1, end: "a", data: [1, 2, 3], nonblocking: true, to: nil, files: files), in: state)
            guard case .completed(let next)? = sent.first?.step else { Issue.record("the send did not complete"); return }
            state = next
            let outputs = model.outcomes(of: .receive(process: 2, end: "b", max: 3, nonblocking: true, maxFiles: 4), in: state).map(\.output)
            let expected: [UnixSocketModel.Output?] = (tablesNeverFull ? [3] : [3, 0, 1, 2]).map { count in
                .received(.init(data: [1, 2, 3], files: Array(files.prefix(count)), filesTruncated: count < 3))
            }
            #expect(outputs == expected, "tablesNeverFull \(tablesNeverFull)")
        }
    }
}
