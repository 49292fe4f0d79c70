import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `epoll_ctl` and `epoll_wait` on a POSIX message queue descriptor (a Linux `mqd_t` is a file descriptor), measured
/// on this kernel (`fs/eventpoll.c` over `mqueue_poll_file`). The descriptors are `O_NONBLOCK` from `mq_open`, so no
/// call sleeps and none needs `mq_setattr` first; every wait has a zero timeout. What counts as news for `EPOLLET` is
/// what `ipc/mqueue.c` wakes the queue's `wait_q` with: a send that queues its message (`__do_notify`'s `wake_up`)
/// and a receive that takes one while no sender sleeps (`pipelined_receive`'s `wake_up_interruptible`) — both
/// without a key, so either is news to every registration, whatever events it asks.
@Suite struct MessageQueueEpollFactsTests {
    typealias Events = KernelEpoll.Events
    static let readNormal = Events(rawValue: 0x040), writeNormal = Events(rawValue: 0x100), priority = Events(rawValue: 0x002)

    /// A nonblocking queue of `maximumMessages` × 8 bytes under a fresh name, a second `O_WRONLY` descriptor of it and
    /// an epoll instance; all closed, and the name unlinked, at the end.
    final class Fixture {
        let name: String
        var queue: FileDescriptor?
        let writer: FileDescriptor
        let epoll: EpollTestInstance

        init(_ stem: String, maximumMessages: Int = 2) throws {
            name = "/ipch-test-\(getpid())-\(stem)-\(UInt32.random(in: 0...UInt32.max))"
            let queue = try Syscall.mqCreate(
                name, flags: O_RDWR | O_EXCL | O_CLOEXEC | O_NONBLOCK, mode: 0o600, maximumMessages: maximumMessages, messageSize: 8)
            self.queue = queue
            do {
                writer = try Syscall.mqOpen(name, flags: O_WRONLY | O_CLOEXEC | O_NONBLOCK)
            } catch {
                try? Syscall.close(queue)
                try? Syscall.mqUnlink(name)
                throw error
            }
            do { epoll = try EpollTestInstance() } catch {
                try? Syscall.close(writer)
                try? Syscall.close(queue)
                try? Syscall.mqUnlink(name)
                throw error
            }
        }

        var fd: CInt { queue?.rawValue ?? -1 }
        var instance: CInt { epoll.descriptor }

        func ctl(_ operation: CInt, _ events: Events, target: CInt? = nil) -> Errno? { epoll.ctl(operation, target ?? fd, events) }

        /// The bits a zero-timeout wait reports (nil: nothing reported); the level-triggered fact registers two
        /// descriptors and waits itself.
        func reported() throws -> Events? { try epoll.reported() }

        /// A nonblocking send through the `O_RDWR` descriptor (or `through`): nil when it succeeded, else its error.
        func send(_ length: Int = 1, through: FileDescriptor? = nil) -> Errno? {
            let bytes = [UInt8](repeating: 7, count: length)
            do throws(Errno) {
                try bytes.withUnsafeBufferPointer { (raw) throws(Errno) in try Syscall.mqSend(through ?? queue!, UnsafeRawBufferPointer(raw), priority: 0) }
                return nil
            } catch { return error }
        }

        /// A nonblocking receive into `size` bytes: nil when it took a message, else its error.
        func receive(_ size: Int = 8) -> Errno? {
            var buffer = [UInt8](repeating: 0, count: size)
            do throws(Errno) {
                _ = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) in try Syscall.mqReceive(queue!, into: UnsafeMutableRawBufferPointer(raw)) }
                return nil
            } catch { return error }
        }

        func close() throws {
            if let queue { try Syscall.close(queue) }
            queue = nil
        }

        deinit {
            if let queue { try? Syscall.close(queue) }
            try? Syscall.close(writer)
            try? Syscall.mqUnlink(name)
        }
    }

    /// Level-triggered: every wait reports `mqueue_poll_file`'s mask for the events asked — `EPOLLIN | EPOLLRDNORM`
    /// while a message is queued, `EPOLLOUT | EPOLLWRNORM` while there is room — and never `EPOLLPRI`, `EPOLLERR` or
    /// `EPOLLHUP`; the `O_WRONLY` descriptor reports `EPOLLIN` all the same (the access mode is not looked at).
    @Test func levelTriggeredReportsTheMaskAtEveryWait() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture("eplevel")
            let all: Events = [.input, .output, Self.readNormal, Self.writeNormal, Self.priority, .readHangUp]
            #expect(fixture.ctl(KernelEpoll.add, all) == nil)
            #expect(try fixture.reported() == [.output, Self.writeNormal])
            #expect(try fixture.reported() == [.output, Self.writeNormal])
            #expect(fixture.send() == nil)
            #expect(try fixture.reported() == [.input, Self.readNormal, .output, Self.writeNormal])
            #expect(try fixture.reported() == [.input, Self.readNormal, .output, Self.writeNormal])
            #expect(fixture.send() == nil)
            #expect(try fixture.reported() == [.input, Self.readNormal])
            #expect(fixture.ctl(KernelEpoll.modify, .input) == nil)
            #expect(try fixture.reported() == .input)
            #expect(fixture.ctl(KernelEpoll.modify, Self.writeNormal) == nil)
            #expect(try fixture.reported() == nil)
            #expect(fixture.ctl(KernelEpoll.modify, []) == nil)
            #expect(try fixture.reported() == nil)
            #expect(fixture.receive() == nil)
            #expect(fixture.ctl(KernelEpoll.modify, [.input, .output]) == nil)
            #expect(try fixture.reported() == [.input, .output])
            // The O_WRONLY descriptor, registered too: the same mask.
            #expect(fixture.ctl(KernelEpoll.add, [.input, .output], target: fixture.writer.rawValue) == nil)
            let events = try KernelEpoll.wait(fixture.instance, maxEvents: 16, timeoutMilliseconds: 0)
            #expect(events.count == 2 && events.allSatisfy { $0.events == [.input, .output] })
        }
    }

    /// `EPOLLET` asking `EPOLLIN`: ADD arms it (an empty queue: nothing), then every successful send is news — one
    /// into a non-empty queue too — and so is every successful receive, even one that leaves messages (reported
    /// again) or empties the queue (news consumed with nothing ready). Failed calls (`EAGAIN`, `EMSGSIZE`, `EBADF`)
    /// and `mq_getattr`, `mq_setattr`, `mq_notify` and `mq_unlink` are no news.
    @Test func edgeTriggeredInputHearsEverySendAndReceive() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture("epetin", maximumMessages: 3)
            #expect(fixture.ctl(KernelEpoll.add, [.input, .edgeTriggered]) == nil)
            #expect(try fixture.reported() == nil)
            #expect(fixture.receive() == .wouldBlock)
            #expect(try fixture.reported() == nil)
            #expect(fixture.send() == nil)
            #expect(try fixture.reported() == .input)
            #expect(try fixture.reported() == nil)
            #expect(fixture.send(through: fixture.writer) == nil)
            #expect(try fixture.reported() == .input)
            #expect(try fixture.reported() == nil)
            #expect(fixture.receive() == nil)
            #expect(try fixture.reported() == .input)
            #expect(try fixture.reported() == nil)
            // Failed calls and the other calls: no news.
            #expect(fixture.receive(4) == .messageTooLong)
            #expect(fixture.send(9) == .messageTooLong)
            #expect(fixture.send(through: FileDescriptor(rawValue: -1)) == .badFileDescriptor)
            #expect(try fixture.reported() == nil)
            _ = try Syscall.mqAttributes(fixture.queue!)
            #expect(try fixture.reported() == nil)
            #expect(try Syscall.mqSetNonblocking(fixture.queue!, true) == true)
            #expect(try fixture.reported() == nil)
            try Syscall.mqNotify(fixture.queue!, .withoutSignal)
            #expect(try fixture.reported() == nil)
            try Syscall.mqNotify(fixture.queue!, nil)
            try Syscall.mqUnlink(fixture.name)
            #expect(try fixture.reported() == nil)
            // Filling the queue, then EAGAIN: no news; the unlinked queue still reports.
            #expect(fixture.send() == nil)
            #expect(fixture.send() == nil)
            #expect(try fixture.reported() == .input)
            #expect(fixture.send() == .wouldBlock)
            #expect(try fixture.reported() == nil)
            // A receive that empties the queue: news, nothing ready, consumed.
            #expect(fixture.receive() == nil)
            #expect(fixture.receive() == nil)
            #expect(fixture.receive() == nil)
            #expect(try fixture.reported() == nil)
            #expect(fixture.send() == nil)
            #expect(try fixture.reported() == .input)
        }
    }

    /// `EPOLLET` asking `EPOLLOUT`: ADD is news (`EPOLLOUT` at once), then a send is news too — unlike a pipe's or an
    /// eventfd's, the queue's wake has no key, so a registration asking only `EPOLLOUT` hears it — and so is a
    /// receive; a send that fills the queue is news with nothing ready.
    @Test func edgeTriggeredOutputHearsEverySendAndReceive() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture("epetout", maximumMessages: 2)
            #expect(fixture.ctl(KernelEpoll.add, [.output, .edgeTriggered]) == nil)
            #expect(try fixture.reported() == .output)
            #expect(try fixture.reported() == nil)
            #expect(fixture.send() == nil)
            #expect(try fixture.reported() == .output)
            #expect(try fixture.reported() == nil)
            #expect(fixture.send() == nil)
            #expect(try fixture.reported() == nil)
            #expect(fixture.receive() == nil)
            #expect(try fixture.reported() == .output)
            #expect(try fixture.reported() == nil)
            #expect(fixture.receive() == nil)
            #expect(try fixture.reported() == .output)
            #expect(fixture.receive() == .wouldBlock)
            #expect(try fixture.reported() == nil)
        }
    }

    /// `EPOLLONESHOT`: one report, then silent whatever is sent until MOD re-arms it (ADD is `EEXIST`: it stays
    /// registered); with `EPOLLET` too, MOD is news.
    @Test func oneShotReportsOnceUntilModify() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture("eponeshot", maximumMessages: 3)
            #expect(fixture.send() == nil)
            #expect(fixture.ctl(KernelEpoll.add, [.input, .oneShot]) == nil)
            #expect(try fixture.reported() == .input)
            #expect(try fixture.reported() == nil)
            #expect(fixture.send() == nil)
            #expect(try fixture.reported() == nil)
            #expect(fixture.ctl(KernelEpoll.add, .input) == .fileExists)
            #expect(fixture.ctl(KernelEpoll.modify, [.input, .oneShot, .edgeTriggered]) == nil)
            #expect(try fixture.reported() == .input)
            #expect(try fixture.reported() == nil)
            #expect(fixture.receive() == nil)
            #expect(try fixture.reported() == nil)
        }
    }

    /// `epoll_ctl`'s errors on a queue descriptor are the pipe's, in the same order: MOD/DEL of none `ENOENT`, ADD
    /// twice `EEXIST`, an unknown op `EINVAL`, the instance itself `EINVAL`, a descriptor not open `EBADF` (before
    /// the op is looked at); `maxevents` 0 `EINVAL`.
    @Test func epollCtlErrorsAreThePipes() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture("eperrors")
            fixture.epoll.expectThePipesControlErrors(on: fixture.fd)
            #expect(fixture.ctl(99, .input, target: -1) == .badFileDescriptor)
            #expect(throws: Errno.invalidArgument) { _ = try KernelEpoll.wait(fixture.instance, maxEvents: 0, timeoutMilliseconds: 0) }
        }
    }

    /// Each `mq_open` is its own open description: closing the registered descriptor, its description's only one,
    /// releases the registration (no more reports, though the queue lives on through the other descriptor and holds
    /// a message), and `mq_unlink` does not (the registration of the `O_WRONLY` descriptor keeps reporting).
    @Test func closingTheRegisteredDescriptorEndsItsRegistration() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture("epclose")
            #expect(fixture.ctl(KernelEpoll.add, .input) == nil)
            #expect(fixture.send() == nil)
            #expect(try fixture.reported() == .input)
            try fixture.close()
            #expect(try fixture.reported() == nil)
            #expect(fixture.ctl(KernelEpoll.add, .input, target: fixture.writer.rawValue) == nil)
            try Syscall.mqUnlink(fixture.name)
            #expect(try fixture.reported() == .input)
        }
    }
}
