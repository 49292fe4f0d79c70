import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// A forked child and a POSIX message queue (measured first with a C probe; LTP's `mq_notify` and Open POSIX's
/// `mq_open`/`mq_send` tests fork their senders and receivers): the posix-mq model's `fork`
/// (``PosixMessageQueueModel+Fork``). Registrations use `SIGEV_NONE`, so whether one is still there shows as `EBUSY`
/// in the process that looks (in this multi-threaded test process a signal could land on any thread).
@Suite struct MessageQueueForkFactsTests {
    typealias Model = PosixMessageQueueModel

    /// The test process (1) holds the queue and is registered; its child (2) sets `O_NONBLOCK` through its copy, fails
    /// to register (`EBUSY`), removes nothing with `mq_notify(NULL)`, closes its copy and exits. The parent then reads
    /// `O_NONBLOCK` (one open description), is still registered, and a message into the empty queue uses the
    /// registration up. A second child (4) registers and exits: its exit removes its own registration. The history is
    /// judged by the model call by call, and the wrong belief that the child's close removes the parent's registration
    /// is refused.
    @Test func aChildSharesTheDescriptionButNotTheRegistration() throws {
        let name = "/ipch-test-\(getpid())-fork-\(UInt32.random(in: 0...UInt32.max))"
        let queue = try PosixMessageQueue.create(name, maximumMessages: 4, messageSize: 8)
        defer { try? Syscall.close(queue); try? Syscall.mqUnlink(name) }
        try Syscall.mqNotify(queue, .withoutSignal)
        let first = try Self.child(of: queue.rawValue) { queue, slots in
            var old = 0, flags = 0, maximum = 0, size = 0, current = 0
            slots[0] = ipc_mq_setflags(queue, Int(O_NONBLOCK), &old) == 0 ? old : -1
            slots[1] = ipc_mq_notify(queue, -1, 0) == 0 ? 0 : Int(errno)
            slots[2] = ipc_mq_notify(queue, 0, 0) == 0 ? 0 : Int(errno)
            slots[3] = ipc_mq_getattr(queue, &flags, &maximum, &size, &current) == 0 ? flags : -1
            slots[4] = ipc_mq_close(queue) == 0 ? 0 : Int(errno)
        }
        let expectedFirst: [Int] = [0, Int(EBUSY), 0, Int(O_NONBLOCK), 0]
        #expect(Array(first.prefix(5)) == expectedFirst)
        let seen = try Syscall.mqAttributes(queue).nonblocking
        #expect(seen)
        let stillRegistered = try Self.registrationIsBusy(queue) == true
        #expect(stillRegistered)
        let oldFlag = try Syscall.mqSetNonblocking(queue, false)
        _ = try PosixMessageQueue.send(queue, [1], priority: 0, nonblocking: true)
        let usedUp = try Self.registrationIsBusy(queue) == false
        #expect(usedUp)
        try Syscall.mqNotify(queue, nil)
        let second = try Self.child(of: queue.rawValue) { queue, slots in
            slots[0] = ipc_mq_notify(queue, -1, 0) == 0 ? 0 : Int(errno)
        }[0]
        #expect(second == 0)
        let freed = try Self.registrationIsBusy(queue) == false
        #expect(freed)

        let model = Model(queues: [("q", Model.Setup(maxMessages: 4, messageSize: 8, holders: [1]))])
        func outcome(_ code: Int) -> Model.Output { code == 0 ? .done : .failed(code == Int(EBUSY) ? .EBUSY : ErrorCode("errno \(code)")) }
        func register(_ process: Int) -> Model.Input { .notify(process: process, register: true, kind: .none) }
        let attributes = { (nonblocking: Bool, messages: Int) in
            Model.Output.attributes(.init(messages: messages, maxMessages: 4, messageSize: 8, nonblocking: nonblocking))
        }
        let busy: Model.Output = .failed(.EBUSY)
        let done: Model.Output = .done
        let childNonblocking: Bool = first[0] & Int(O_NONBLOCK) != 0
        let childSeesNonblocking: Bool = first[3] & Int(O_NONBLOCK) != 0
        let registeredStill: Model.Output = stillRegistered ? busy : done
        let afterUse: Model.Output = usedUp ? done : busy
        let afterExit: Model.Output = freed ? done : busy
        var history: [(input: Model.Input, output: Model.Output)] = []
        history.append((register(1), .done))
        history.append((.fork(process: 1, child: 2), .done))
        history.append((.setNonblocking(process: 2, nonblocking: true), .oldFlags(nonblocking: childNonblocking)))
        history.append((register(2), outcome(first[1])))
        history.append((.notify(process: 2, register: false), outcome(first[2])))
        history.append((.getAttributes(process: 2), attributes(childSeesNonblocking, 0)))
        history.append((.close(process: 2), outcome(first[4])))
        history.append((.exit(process: 2), .done))
        history.append((.getAttributes(process: 1), attributes(seen, 0)))
        history.append((register(1), registeredStill))
        history.append((.setNonblocking(process: 1, nonblocking: false), .oldFlags(nonblocking: oldFlag)))
        history.append((.send(process: 1, data: [1], priority: 0, nonblocking: true), .sent))
        history.append((register(1), afterUse))
        history.append((.notify(process: 1, register: false), .done))
        history.append((.fork(process: 1, child: 4), .done))
        history.append((register(4), outcome(second)))
        history.append((.exit(process: 4), .done))
        history.append((register(1), afterExit))
        let judge = DirectedHistory(model: model, object: "q")
        #expect(judge.firstRefusal(history) == nil)
        // Wrong beliefs, refused: the child's copy a description of its own (the parent still blocking); the child's
        // close removing the parent's registration.
        var ownDescription = history
        ownDescription[8].output = attributes(false, 0)
        #expect(judge.firstRefusal(ownDescription)?.hasPrefix("call 8") == true)
        var closeRemoves = history
        closeRemoves[9].output = .done
        #expect(judge.firstRefusal(closeRemoves)?.hasPrefix("call 9") == true)
    }

    /// Whether `mq_notify` failed `EBUSY` (another registration holds the queue), registering otherwise. Its own
    /// function: the `do`/`catch .resourceBusy` assigning a test's variable crashed the compiler (signal 11 in
    /// MandatoryAllocBoxToStack, after minutes) in the test body.
    static func registrationIsBusy(_ queue: FileDescriptor) throws(Errno) -> Bool {
        do {
            try Syscall.mqNotify(queue, .withoutSignal)
            return false
        } catch .resourceBusy {
            return true
        }
    }

    /// Forks a child that runs `body` on the queue's descriptor and six result slots, sends the slots back through a
    /// pipe and exits; returns them once it is reaped. Only C calls in `body` (a child forked from a threaded process
    /// must not enter the Swift runtime). A function of its own, capturing nothing: written as a nested function over
    /// the test's variables, this file crashed the compiler (signal 11 in MandatoryAllocBoxToStack, after minutes).
    static func child(of queue: CInt, _ body: (CInt, UnsafeMutablePointer<Int>) -> Void) throws -> [Int] {
        var report: [CInt] = [0, 0]
        try #require(pipe(&report) == 0)
        defer { close(report[0]) }
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 6)
        defer { slots.deallocate() }
        slots.initialize(repeating: -1, count: 6)
        let size = 6 * MemoryLayout<Int>.size
        var pid: pid_t = 0
        Syscall.withoutConcurrentSpawns {
            pid = fork()
            if pid == 0 {
                body(queue, slots)
                _ = write(report[1], slots, size)
                _exit(0)
            }
        }
        close(report[1])
        try #require(pid > 0)
        try #require(read(report[0], slots, size) == size)
        var status: CInt = 0
        #expect(waitpid(pid, &status, 0) == pid && status == 0)
        return Array(UnsafeBufferPointer(start: slots, count: 6))
    }
}
