import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `poll` and `select` on a POSIX message queue descriptor (a Linux `mqd_t` is a file descriptor), as this kernel's
/// `mqueue_poll_file` reports them: the facts `PosixMessageQueueModel+Readiness` encodes.
@Suite struct MessageQueueReadinessFactsTests {
    static let asked = Int16(POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLPRI | POLLRDBAND | POLLWRBAND)

    func revents(_ descriptor: FileDescriptor, _ events: Int16 = asked) throws -> Int16 {
        try KernelPipe.poll(descriptor, events: events, timeoutMilliseconds: 0)
    }

    /// `POLLIN | POLLRDNORM` with a message queued, `POLLOUT | POLLWRNORM` with room, the same through an
    /// `O_RDONLY`, an `O_WRONLY` and an `O_RDWR` descriptor: the access mode is ignored.
    @Test func readableWithAMessageWritableWithRoomWhateverTheAccessMode() throws {
        let owned = try OwnedQueueDescriptors("poll", maximumMessages: 2, messageSize: 8)
        defer { withExtendedLifetime(owned) {} }
        let (queue, reader, writer) = (owned.queue, owned.reader, owned.writer)
        let room = Int16(POLLOUT | POLLWRNORM), message = Int16(POLLIN | POLLRDNORM)
        for descriptor in [queue, reader, writer] { #expect(try revents(descriptor) == room) }
        #expect(try PosixMessageQueue.send(queue, [1], priority: 0, nonblocking: true) == .completed(1))
        for descriptor in [queue, reader, writer] { #expect(try revents(descriptor) == room | message) }
        #expect(try PosixMessageQueue.send(queue, [2], priority: 0, nonblocking: true) == .completed(1))
        for descriptor in [queue, reader, writer] { #expect(try revents(descriptor) == message) }
        // Only what was asked: POLLIN alone, POLLRDNORM alone.
        #expect(try revents(reader, Int16(POLLIN)) == Int16(POLLIN))
        #expect(try revents(reader, Int16(POLLRDNORM)) == Int16(POLLRDNORM))
        // select agrees, even through the O_WRONLY descriptor on a full queue: readable, not writable.
        #expect(try KernelPipe.select(writer, read: true, write: true, timeoutMilliseconds: 0) == (true, false))
        _ = try PosixMessageQueue.receive(reader, maximum: 8, nonblocking: true)
        #expect(try KernelPipe.select(writer, read: true, write: true, timeoutMilliseconds: 0) == (true, true))
    }
}
