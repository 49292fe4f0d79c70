import Glibc
import IPCModels
import IPCSyscalls
import Testing

/// A forked child and a System V message queue (measured first with a C probe; LTP's `msgrcv` and `msgsnd` tests fork
/// their receivers and senders): nothing of the queue belongs to a process, so nothing is inherited — the child is
/// another process, and its own pid is what `msg_lrpid` and `msg_lspid` name after its calls (the sysv-msg model's
/// `fork`).
@Suite struct SystemVMessageQueueForkFactsTests {
    typealias Model = SystemVMessageQueueModel

    /// The test process (1) sends; its child (2) receives the message and sends one back, then exits: `msg_lrpid` and
    /// `msg_lspid` are the child, one message queued. The history is judged by the model, and the wrong belief that
    /// the child's calls count as its parent's is refused.
    @Test func theChildsCallsAreItsOwn() throws {
        let queue = try Syscall.msgget(IPC_PRIVATE, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.msgRemove(queue) }
        try Syscall.msgsnd(queue, type: 1, [0x61, 0x62], flags: IPC_NOWAIT)
        // The child's buffer (a long type, then the text), made before the fork.
        var buffer = [Int](repeating: 0, count: 4)
        var child: pid_t = 0
        try buffer.withUnsafeMutableBytes { bytes in
            let message = bytes.baseAddress!
            try Syscall.withoutConcurrentSpawns { () throws in
                child = fork()
                if child == 0 {
                    // Only C calls here: receive the message, send it back, exit.
                    let length = msgrcv(queue.id, message, 16, 0, IPC_NOWAIT)
                    if length != 2 { _exit(1) }
                    _exit(msgsnd(queue.id, message, 2, IPC_NOWAIT) == 0 ? 0 : 2)
                }
            }
        }
        try #require(child > 0)
        var status: CInt = 0
        #expect(waitpid(child, &status, 0) == child && status == 0)
        let measured = try Syscall.msgStatus(queue)
        #expect(measured.msg_lspid == child && measured.msg_lrpid == child && measured.msg_qnum == 1)
        func number(_ pid: pid_t) -> Int { pid == child ? 2 : pid == getpid() ? 1 : -1 }

        let model = Model(queues: [("m", .init(capacity: Int(measured.msg_qbytes)))])
        let history: [(input: Model.Input, output: Model.Output)] = [
            (.send(process: 1, type: 1, data: [0x61, 0x62], nonblocking: true), .sent),
            (.fork(process: 1, child: 2), .forked),
            (.receive(process: 2, type: 0, max: 16, except: false, truncate: false, nonblocking: true), .received(.init(type: 1, data: [0x61, 0x62]))),
            (.send(process: 2, type: 1, data: [0x61, 0x62], nonblocking: true), .sent),
            (.stat(process: 1), .status(.init(
                messages: Int(measured.msg_qnum), bytes: Int(measured.__msg_cbytes), capacity: Int(measured.msg_qbytes),
                lastSender: number(measured.msg_lspid), lastReceiver: number(measured.msg_lrpid)))),
        ]
        let judge = DirectedHistory(model: model, object: "m")
        #expect(judge.firstRefusal(history) == nil)
        var wrong = history
        wrong[4].output = .status(.init(messages: 1, bytes: 2, capacity: Int(measured.msg_qbytes), lastSender: 1, lastReceiver: 1))
        #expect(judge.firstRefusal(wrong)?.hasPrefix("call 4") == true)
    }
}
