import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Facts about this kernel's POSIX and System V message queues that the posix-mq and sysv-msg models encode,
/// measured on the real thing.
@Suite struct PosixMessageQueueFactsTests {
    /// A fresh queue with a test-unique name; the caller closes and unlinks it.
    func makeQueue(maxMessages: Int = 10, messageSize: Int = 16) throws -> (FileDescriptor, String) {
        let name = "/ipch-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        return (try PosixMessageQueue.create(name, maximumMessages: maxMessages, messageSize: messageSize), name)
    }

    func discard(_ queue: FileDescriptor, _ name: String) {
        try? Syscall.close(queue)
        try? Syscall.mqUnlink(name)
    }

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func highestPriorityFirstAndOldestFirstAmongEquals() throws {
        let (queue, name) = try makeQueue()
        defer { discard(queue, name) }
        for (text, priority) in [("6", 6), ("10", 10), ("6'", 6), ("8", 8), ("1", 1)] {
            #expect(try PosixMessageQueue.send(queue, bytes(text), priority: priority, nonblocking: true) == .completed(text.utf8.count))
        }
        var received: [String] = []
        while case .completed(let message) = try PosixMessageQueue.receive(queue, maximum: 16, nonblocking: true) {
            received.append(String(decoding: message.data, as: UTF8.self))
        }
        #expect(received == ["10", "8", "6", "6'", "1"])
    }

    @Test func aBufferSmallerThanTheMessageSizeFailsEMSGSIZEAndTheMessageStays() throws {
        let (queue, name) = try makeQueue()
        defer { discard(queue, name) }
        // Even on an empty queue: the size check comes before looking for a message.
        #expect(throws: Errno.messageTooLong) { _ = try PosixMessageQueue.receive(queue, maximum: 15, nonblocking: true) }
        _ = try PosixMessageQueue.send(queue, bytes("x"), priority: 0, nonblocking: true)
        #expect(throws: Errno.messageTooLong) { _ = try PosixMessageQueue.receive(queue, maximum: 15, nonblocking: true) }
        #expect(try PosixMessageQueue.receive(queue, maximum: 16, nonblocking: true) == .completed(.init(data: bytes("x"), priority: 0)))
        #expect(throws: Errno.messageTooLong) {
            _ = try PosixMessageQueue.send(queue, [UInt8](repeating: 1, count: 17), priority: 0, nonblocking: true)
        }
    }

    @Test func aFullQueueWouldBlockAndZeroLengthMessagesCount() throws {
        let (queue, name) = try makeQueue(maxMessages: 2)
        defer { discard(queue, name) }
        #expect(try PosixMessageQueue.send(queue, [], priority: 1, nonblocking: true) == .completed(0))
        #expect(try PosixMessageQueue.send(queue, [], priority: 1, nonblocking: true) == .completed(0))
        #expect(try PosixMessageQueue.send(queue, bytes("x"), priority: 1, nonblocking: true) == .wouldBlock)
    }

    /// `mq_setattr` takes only `O_NONBLOCK` in `mq_flags`: any other bit (`O_RDWR`, 1, `O_CLOEXEC`, all) fails `EINVAL`,
    /// before the descriptor is looked up (a number not open too), and the flag stays as it was (the other fields are
    /// ignored: a C probe's `mq_maxmsg` 99 beside `O_NONBLOCK` changed nothing).
    @Test func mqSetattrRefusesAnyFlagButONonblockBeforeTheDescriptor() throws {
        let (queue, name) = try makeQueue(maxMessages: 2)
        defer { discard(queue, name) }
        for flags in [Int(O_NONBLOCK) | Int(O_RDWR), 1, Int(O_CLOEXEC), -1] {
            #expect(throws: Errno.invalidArgument, "\(flags)") { try Syscall.mqSetFlags(queue, flags) }
            #expect(throws: Errno.invalidArgument, "\(flags)") { try Syscall.mqSetFlags(FileDescriptor(rawValue: -1), flags) }
        }
        #expect(try Syscall.mqAttributes(queue).nonblocking == false)
        #expect(try Syscall.mqSetFlags(queue, Int(O_NONBLOCK)) == 0)
        #expect(try Syscall.mqAttributes(queue).nonblocking == true)
        #expect(try Syscall.mqAttributes(queue).maximumMessages == 2)
        #expect(throws: Errno.badFileDescriptor) { try Syscall.mqSetFlags(FileDescriptor(rawValue: -1), Int(O_NONBLOCK)) }
    }

    @Test func anOutOfRangePriorityFailsEINVALEvenBeforeTheDescriptorIsChecked() throws {
        let (queue, name) = try makeQueue()
        defer { discard(queue, name) }
        #expect(throws: Errno.invalidArgument) { _ = try PosixMessageQueue.send(queue, [], priority: 32768, nonblocking: true) }
        // mq_send itself (the adapter sets O_NONBLOCK first, so the worker checks the priority before it).
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(throws: Errno.invalidArgument) { try Syscall.mqSend(FileDescriptor(rawValue: 999), none, priority: 32768) }
        #expect(throws: Errno.badFileDescriptor) { try Syscall.mqSend(FileDescriptor(rawValue: 999), none, priority: 1) }
    }

    @Test func limitsHereAreTenMessagesOf8192Bytes() throws {
        let name = "/ipch-test-\(getpid())-limits"
        #expect(throws: Errno.invalidArgument) { _ = try PosixMessageQueue.create(name, maximumMessages: 11, messageSize: 16) }
        #expect(throws: Errno.invalidArgument) { _ = try PosixMessageQueue.create(name, maximumMessages: 10, messageSize: 8193) }
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(12), &limit)  // RLIMIT_MSGQUEUE
        #expect(limit.rlim_cur == 819200)
    }

    @Test func descriptorsAreCloseOnExecAndTheQueueLivesUntilUnlinked() throws {
        let (queue, name) = try makeQueue()
        // Closed exactly once below: a second close could hit a descriptor another test just opened.
        defer { try? Syscall.mqUnlink(name) }
        #expect(fcntl(queue.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        _ = try PosixMessageQueue.send(queue, bytes("kept"), priority: 3, nonblocking: true)
        let second = try PosixMessageQueue.open(name)
        try Syscall.close(queue)
        try PosixMessageQueue.unlink(name)
        #expect(throws: Errno.noSuchFileOrDirectory) { _ = try PosixMessageQueue.open(name) }
        #expect(throws: Errno.noSuchFileOrDirectory) { try PosixMessageQueue.unlink(name) }
        #expect(try PosixMessageQueue.receive(second, maximum: 16, nonblocking: true) == .completed(.init(data: bytes("kept"), priority: 3)))
        try Syscall.close(second)
    }
}

@Suite struct SystemVMessageQueueFactsTests {
    /// A private queue; the caller removes it.
    func makeQueue(capacity: Int? = nil) throws -> SystemVMessageQueue {
        let queue = try Syscall.msgget(IPC_PRIVATE, flags: IPC_CREAT | 0o600)
        if let capacity { try Syscall.msgSetCapacity(queue, bytes: capacity) }
        return queue
    }

    func send(_ queue: SystemVMessageQueue, _ type: Int, _ text: String) throws -> TransferResult<Int> {
        try SystemVMessageQueues.send(queue, type: type, Array(text.utf8), nonblocking: true)
    }

    func receive(
        _ queue: SystemVMessageQueue, _ selector: SystemVMessageQueues.Selector, max: Int = 64, truncate: Bool = false
    ) throws -> String? {
        switch try SystemVMessageQueues.receive(queue, maximum: max, selector: selector, truncate: truncate, nonblocking: true) {
        case .completed(let message): "\(message.type):\(String(decoding: message.data, as: UTF8.self))"
        case .wouldBlock: nil
        }
    }

    @Test func msgrcvSelectsByType() throws {
        let queue = try makeQueue()
        defer { try? Syscall.msgRemove(queue) }
        for (type, text) in [(3, "three"), (1, "one"), (2, "two"), (1, "one'"), (5, "five")] {
            #expect(try send(queue, type, text) == .completed(text.utf8.count))
        }
        #expect(try receive(queue, .type(0)) == "3:three")
        #expect(try receive(queue, .type(2)) == "2:two")
        #expect(try receive(queue, .type(-4)) == "1:one")
        #expect(try receive(queue, .except(1)) == "5:five")
        #expect(try receive(queue, .type(7)) == nil)
        #expect(try receive(queue, .type(0)) == "1:one'")
    }

    @Test func aLongMessageFailsE2BIGAndStaysUnlessMSGNOERRORTruncatesAndRemovesIt() throws {
        let queue = try makeQueue()
        defer { try? Syscall.msgRemove(queue) }
        _ = try send(queue, 1, "hello")
        #expect(throws: Errno(rawValue: E2BIG)) { _ = try receive(queue, .type(0), max: 2) }
        #expect(try receive(queue, .type(0), max: 2, truncate: true) == "1:he")
        #expect(try receive(queue, .type(0)) == nil)
    }

    @Test func capacityCountsBytesAndMessages() throws {
        let queue = try makeQueue(capacity: 10)
        defer { try? Syscall.msgRemove(queue) }
        #expect(try send(queue, 1, "12345") == .completed(5))
        #expect(try send(queue, 1, "12345") == .completed(5))
        #expect(try send(queue, 1, "1") == .wouldBlock)
        _ = try receive(queue, .type(0))
        _ = try receive(queue, .type(0))
        for _ in 0..<10 { #expect(try send(queue, 1, "") == .completed(0)) }
        #expect(try send(queue, 1, "") == .wouldBlock)
    }

    @Test func defaultCapacityIs16384AndOnlyLoweringItNeedsNoPrivilege() throws {
        let queue = try makeQueue()
        defer { try? Syscall.msgRemove(queue) }
        #expect(try Syscall.msgStatus(queue).msg_qbytes == 16384)
        #expect(throws: Errno.notPermitted) { try Syscall.msgSetCapacity(queue, bytes: 16385) }
    }

    /// `IPC_SET` may lower `msg_qbytes` below what is queued (a send then waits), and raise it back up to `msgmnb`
    /// — the limit is the system's 16384, not the queue's first capacity; on a removed queue it fails `EINVAL`.
    @Test func capacityMayBeLoweredBelowTheContentsAndRaisedBackToMsgmnb() throws {
        let queue = try makeQueue()
        #expect(try send(queue, 1, "0123456789") == .completed(10))
        try Syscall.msgSetCapacity(queue, bytes: 4)
        let status = try Syscall.msgStatus(queue)
        #expect(status.msg_qbytes == 4 && status.__msg_cbytes == 10)
        #expect(try send(queue, 1, "x") == .wouldBlock)
        try Syscall.msgSetCapacity(queue, bytes: 16384)
        #expect(try send(queue, 1, "x") == .completed(1))
        try Syscall.msgRemove(queue)
        #expect(throws: Errno.invalidArgument) { try Syscall.msgSetCapacity(queue, bytes: 10) }
    }

    /// `MSG_COPY` (with `IPC_NOWAIT`) copies the message at a position, 0 the oldest, and leaves it queued;
    /// without `IPC_NOWAIT`, with `MSG_EXCEPT` or with a negative size it fails `EINVAL`; past the last message (or at
    /// a negative position) `ENOMSG`; a longer message `E2BIG` — and `EINVAL`, not a truncated copy, with
    /// `MSG_NOERROR` (the kernel's copy buffer is the caller's size).
    @Test func msgCopyCopiesTheMessageAtAPositionAndLeavesItQueued() throws {
        let queue = try makeQueue()
        defer { try? Syscall.msgRemove(queue) }
        for (type, text) in [(3, "three"), (1, "one"), (2, "two")] { _ = try send(queue, type, text) }
        func copy(_ index: Int, max: Int = 64, flags: CInt = IPC_NOWAIT) throws -> String {
            let message = try Syscall.msgrcv(queue, maximum: max, type: index, flags: Syscall.messageCopy | flags)
            return "\(message.type):\(String(decoding: message.text, as: UTF8.self))"
        }
        #expect(try copy(1) == "1:one")
        #expect(try copy(0) == "3:three")
        #expect(try copy(2) == "2:two")
        #expect(throws: Errno.noMessage) { _ = try copy(3) }
        #expect(throws: Errno.noMessage) { _ = try copy(-1) }
        #expect(throws: Errno.invalidArgument) { _ = try copy(0, flags: 0) }
        #expect(throws: Errno.invalidArgument) { _ = try copy(0, flags: IPC_NOWAIT | Syscall.messageExcept) }
        #expect(throws: Errno.invalidArgument) { _ = try copy(0, max: -1) }
        #expect(throws: Errno(rawValue: E2BIG)) { _ = try copy(0, max: 2) }
        #expect(throws: Errno.invalidArgument) { _ = try copy(0, max: 2, flags: IPC_NOWAIT | MSG_NOERROR) }
        let status = try Syscall.msgStatus(queue)
        #expect(status.msg_qnum == 3 && status.msg_lrpid == 0)
    }

    /// `IPC_STAT`'s `msg_lspid` and `msg_lrpid`: 0 on a new queue; the last process whose `msgsnd` succeeded, and
    /// whose `msgrcv` took a message — not one that failed `E2BIG` or `ENOMSG`. (A send handed straight to a
    /// receiver asleep sets `msg_lrpid` to that receiver at once, measured with a C probe that forks one.)
    @Test func lspidAndLrpidAreTheLastSuccessfulSenderAndReceiver() throws {
        let queue = try makeQueue()
        defer { try? Syscall.msgRemove(queue) }
        var status = try Syscall.msgStatus(queue)
        #expect(status.msg_lspid == 0 && status.msg_lrpid == 0)
        _ = try send(queue, 1, "hello")
        #expect(throws: Errno(rawValue: E2BIG)) { _ = try receive(queue, .type(0), max: 2) }
        #expect(try receive(queue, .type(5)) == nil)
        status = try Syscall.msgStatus(queue)
        #expect(status.msg_lspid == getpid() && status.msg_lrpid == 0)
        #expect(try receive(queue, .type(0)) == "1:hello")
        #expect(try Syscall.msgStatus(queue).msg_lrpid == getpid())
    }

    @Test func badTypesAndSizesFailEINVALAndARemovedQueueEINVAL() throws {
        let queue = try makeQueue()
        defer { try? Syscall.msgRemove(queue) }
        #expect(throws: Errno.invalidArgument) { _ = try send(queue, 0, "x") }
        #expect(throws: Errno.invalidArgument) {
            _ = try SystemVMessageQueues.send(queue, type: 1, [UInt8](repeating: 0, count: 8193), nonblocking: true)
        }
        #expect(throws: Errno.invalidArgument) { _ = try receive(queue, .type(0), max: -1) }
        try Syscall.msgRemove(queue)
        #expect(throws: Errno.invalidArgument) { _ = try send(queue, 1, "x") }
        #expect(throws: Errno.invalidArgument) { try Syscall.msgRemove(queue) }
    }
}
