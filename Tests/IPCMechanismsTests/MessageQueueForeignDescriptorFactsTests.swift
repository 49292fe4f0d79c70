import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The message-queue calls given a number that is no message-queue descriptor while the caller holds one (LTP
/// `mq_timedsend01`/`mq_timedreceive01`'s `fd_invalid`, `fd_maxint`, `fd_root`; Open POSIX `mq_setattr/5-1`'s
/// `mqdes + 1`, `mq_close/3-1`, `mq_getattr/7-1`, `mq_notify/8-1`), as the posix-mq model's `"descriptor"` field
/// encodes them: `"unopened"` (-1, `INT_MAX - 1`: no open file) and `"other-file"` (a directory, `/dev/null`).
@Suite struct MessageQueueForeignDescriptorFactsTests {
    /// A fresh queue (the caller holds a real descriptor throughout); the caller closes and unlinks it.
    func makeQueue() throws -> (FileDescriptor, String) {
        let name = "/ipch-test-\(getpid())-foreign-\(UInt32.random(in: 0...UInt32.max))"
        return (try PosixMessageQueue.create(name, maximumMessages: 2, messageSize: 16), name)
    }

    /// Numbers no file is open under, and descriptors of files that are no message queue.
    static let unopened = [FileDescriptor(rawValue: -1), FileDescriptor(rawValue: Int32.max - 1)]

    func otherFiles() throws -> [FileDescriptor] {
        [try Syscall.open("/", flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC), try Syscall.open("/dev/null", flags: O_RDWR | O_CLOEXEC)]
    }

    func send(_ descriptor: FileDescriptor, size: Int = 1, priority: UInt32 = 0, deadline: timespec? = nil) throws(Errno) {
        let data = [UInt8](repeating: 7, count: size)
        try data.withUnsafeBufferPointer { (raw) throws(Errno) in try Syscall.mqSend(descriptor, UnsafeRawBufferPointer(raw), priority: priority, deadline: deadline) }
    }

    func receive(_ descriptor: FileDescriptor, size: Int = 16, deadline: timespec? = nil) throws(Errno) {
        var buffer = [UInt8](repeating: 0, count: size)
        _ = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) in try Syscall.mqReceive(descriptor, into: UnsafeMutableRawBufferPointer(raw), deadline: deadline) }
    }

    /// The call's errno, nil when it succeeded.
    func failure(_ call: () throws -> Void) -> Errno? {
        do {
            try call()
            return nil
        } catch let error as Errno {
            return error
        } catch {
            Issue.record("not an errno: \(error)")
            return nil
        }
    }

    @Test func everyQueueCallThroughAnotherNumberFailsEBADFWhileTheQueueIsHeld() throws {
        let (queue, name) = try makeQueue()
        let others = try otherFiles()
        defer {
            for other in others { try? Syscall.close(other) }
            try? Syscall.close(queue)
            try? Syscall.mqUnlink(name)
        }
        // A message queued and room left: the queue could serve every call; the number is what fails.
        try send(queue)
        for descriptor in Self.unopened + others {
            #expect(failure { try send(descriptor) } == .badFileDescriptor, "mq_send through \(descriptor.rawValue)")
            // Before the size: a message longer than any queue's is EBADF too.
            #expect(failure { try send(descriptor, size: 100_000) } == .badFileDescriptor)
            #expect(failure { try receive(descriptor) } == .badFileDescriptor, "mq_receive through \(descriptor.rawValue)")
            // Before the buffer size.
            #expect(failure { try receive(descriptor, size: 1) } == .badFileDescriptor)
            #expect(failure { try send(descriptor, deadline: Syscall.realtimeDeadline(milliseconds: 0)) } == .badFileDescriptor)
            #expect(failure { try receive(descriptor, deadline: Syscall.realtimeDeadline(milliseconds: 0)) } == .badFileDescriptor)
            #expect(failure { _ = try Syscall.mqAttributes(descriptor) } == .badFileDescriptor)
            #expect(failure { try Syscall.mqSetNonblocking(descriptor, true) } == .badFileDescriptor)
            #expect(failure { try Syscall.mqNotify(descriptor, .withoutSignal) } == .badFileDescriptor)
            #expect(failure { try Syscall.mqNotify(descriptor, nil) } == .badFileDescriptor)
        }
        // The queue itself is untouched: its message is still there.
        #expect(try Syscall.mqAttributes(queue).currentMessages == 1)
    }

    @Test func theArgumentChecksComeBeforeTheNumber() throws {
        let (queue, name) = try makeQueue()
        let others = try otherFiles()
        defer {
            for other in others { try? Syscall.close(other) }
            try? Syscall.close(queue)
            try? Syscall.mqUnlink(name)
        }
        for descriptor in Self.unopened + others {
            // The priority, the timeout and the sigevent are checked before the descriptor is looked up.
            #expect(failure { try send(descriptor, priority: 32768) } == .invalidArgument)
            #expect(failure { try send(descriptor, deadline: Syscall.invalidDeadline) } == .invalidArgument)
            #expect(failure { try receive(descriptor, deadline: Syscall.invalidDeadline) } == .invalidArgument)
            #expect(failure { try Syscall.mqNotify(descriptor, .signal(999)) } == .invalidArgument)
            #expect(failure { try Syscall.mqNotify(descriptor, .how(99)) } == .invalidArgument)
        }
    }

    @Test func mqCloseIsCloseItClosesAnotherFileAndRefusesANumberNotOpen() throws {
        let (queue, name) = try makeQueue()
        defer {
            try? Syscall.close(queue)
            try? Syscall.mqUnlink(name)
        }
        for descriptor in Self.unopened {
            #expect(failure { try PosixMessageQueue.close(descriptor) } == .badFileDescriptor)
        }
        // glibc's mq_close is close(2): a directory's or /dev/null's descriptor is closed like any other.
        for other in try otherFiles() {
            #expect(failure { try PosixMessageQueue.close(other) } == nil)
        }
        #expect(try Syscall.mqAttributes(queue).messageSize == 16)
    }
}
