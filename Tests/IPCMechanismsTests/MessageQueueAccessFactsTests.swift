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
        let name = "/ipch-test-\(getpid())-access-\(UInt32.random(in: 0...UInt32.max))"
        let queue = try PosixMessageQueue.create(name, maximumMessages: 2, messageSize: 8)
        defer { try? Syscall.close(queue); try? Syscall.mqUnlink(name) }
        let reader = try PosixMessageQueue.open(name, access: O_RDONLY)
        defer { try? Syscall.close(reader) }
        let writer = try PosixMessageQueue.open(name, access: O_WRONLY)
        defer { try? Syscall.close(writer) }

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
}
