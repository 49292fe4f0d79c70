import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Descriptors of a POSIX message queue opened `O_RDONLY` or `O_WRONLY` on this kernel: the wrong direction fails
/// `EBADF`, after the priority and the timeout are checked and before the sizes; `mq_getattr` and `mq_notify` take
/// either.
@Suite struct MessageQueueAccessFactsTests {
    @Test func theWrongDirectionFailsEBADFAfterThePriorityAndTheTimeoutBeforeTheSize() throws {
        let owned = try OwnedQueueDescriptors("access", maximumMessages: 2, messageSize: 8)
        defer { withExtendedLifetime(owned) {} }
        let (queue, reader, writer) = (owned.queue, owned.reader, owned.writer)

        #expect(throws: Errno.badFileDescriptor) { _ = try PosixMessageQueue.send(reader, [1], priority: 0, nonblocking: true) }
        #expect(throws: Errno.badFileDescriptor) { _ = try PosixMessageQueue.send(reader, [UInt8](repeating: 1, count: 9), priority: 0, nonblocking: true) }
        #expect(throws: Errno.invalidArgument) { _ = try PosixMessageQueue.send(reader, [1], priority: 32768, nonblocking: true) }
        #expect(throws: Errno.invalidArgument) {
            _ = try PosixMessageQueue.send(reader, [1], priority: 0, nonblocking: false, deadline: Syscall.invalidDeadline)
        }
        #expect(throws: Errno.badFileDescriptor) { _ = try PosixMessageQueue.receive(writer, maximum: 8, nonblocking: true) }
        #expect(throws: Errno.badFileDescriptor) { _ = try PosixMessageQueue.receive(writer, maximum: 4, nonblocking: true) }
        #expect(throws: Errno.invalidArgument) {
            _ = try PosixMessageQueue.receive(writer, maximum: 8, nonblocking: false, deadline: Syscall.invalidDeadline)
        }
        // The right direction works, and both take mq_getattr and mq_notify.
        #expect(try PosixMessageQueue.send(writer, [7], priority: 3, nonblocking: true) == .completed(1))
        #expect(try Syscall.mqAttributes(writer).currentMessages == 1)
        #expect(try PosixMessageQueue.receive(reader, maximum: 8, nonblocking: true) == .completed(.init(data: [7], priority: 3)))
        #expect(try Syscall.mqAttributes(reader).currentMessages == 0)
        try Syscall.mqNotify(writer, .withoutSignal)
        try Syscall.mqNotify(writer, nil)
        try Syscall.mqNotify(reader, .withoutSignal)
        try Syscall.mqNotify(reader, nil)
    }

    /// `mq_setattr` changes only `O_NONBLOCK`, of one open description: the flag shows in `mq_getattr` and makes
    /// that description's calls nonblocking, and another `mq_open` of the queue (another description) keeps its own.
    @Test func setattrSetsONONBLOCKOfOneOpenDescriptionAndReturnsTheOldFlags() throws {
        let name = "/ipch-test-\(getpid())-setattr-\(UInt32.random(in: 0...UInt32.max))"
        let queue = try PosixMessageQueue.create(name, maximumMessages: 2, messageSize: 8)
        defer { try? Syscall.close(queue); try? Syscall.mqUnlink(name) }
        let other = try PosixMessageQueue.open(name)
        defer { try? Syscall.close(other) }
        #expect(try !Syscall.mqAttributes(queue).nonblocking)
        #expect(try Syscall.mqSetNonblocking(queue, true) == false)
        #expect(try Syscall.mqAttributes(queue).nonblocking)
        #expect(try !Syscall.mqAttributes(other).nonblocking)
        // The description's flag, not the call: a plain mq_receive on the empty queue fails EAGAIN at once.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 1)
        defer { buffer.deallocate() }
        #expect(throws: Errno.wouldBlock) { _ = try Syscall.mqReceive(queue, into: buffer) }
        let attributes = try Syscall.mqAttributes(queue)
        #expect(attributes.maximumMessages == 2 && attributes.messageSize == 8 && attributes.currentMessages == 0)
        #expect(try Syscall.mqSetNonblocking(queue, false) == true)
        #expect(try !Syscall.mqAttributes(queue).nonblocking)
    }

    /// `mq_open` with `O_NONBLOCK` makes a nonblocking open description from the start: `mq_getattr` shows it, a
    /// plain `mq_receive` on the empty queue fails `EAGAIN`, and another open of the queue stays blocking.
    @Test func oNonblockAtOpenIsTheNewDescriptionsFlag() throws {
        let name = "/ipch-test-\(getpid())-nonblock-\(UInt32.random(in: 0...UInt32.max))"
        let queue = try PosixMessageQueue.create(name, maximumMessages: 2, messageSize: 8)
        defer { try? Syscall.close(queue); try? Syscall.mqUnlink(name) }
        let nonblocking = try PosixMessageQueue.open(name, access: O_RDWR | O_NONBLOCK)
        defer { try? Syscall.close(nonblocking) }
        #expect(try Syscall.mqAttributes(nonblocking).nonblocking)
        #expect(try !Syscall.mqAttributes(queue).nonblocking)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 1)
        defer { buffer.deallocate() }
        #expect(throws: Errno.wouldBlock) { _ = try Syscall.mqReceive(nonblocking, into: buffer) }
    }
}
