import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// `epoll_ctl` and `epoll_wait` on an eventfd, measured on this kernel (`fs/eventpoll.c` over `eventfd_poll`; LTP's
/// epoll_wait01-03 and the selftest's eventfd cases are the checklist). The eventfds are `EFD_NONBLOCK`, so no call
/// sleeps; every wait has a zero timeout. What counts as news for `EPOLLET` is what `eventfd_write` and
/// `eventfd_read` wake the queue with: every successful write wakes it with `EPOLLIN`, every successful read with
/// `EPOLLOUT`, a failed call not at all.
@Suite struct KernelEventCounterEpollFactsTests {
    typealias Events = KernelEpoll.Events

    /// A nonblocking eventfd and an epoll instance, both closed at the end.
    final class Fixture {
        let counter: FileDescriptor, epoll: EpollTestInstance

        init(initial: UInt32 = 0) throws {
            counter = try KernelEventCounter.create(initial: initial, semaphore: false, nonblocking: true)
            do { epoll = try EpollTestInstance() } catch {
                try? Syscall.close(counter)
                throw error
            }
        }

        var fd: CInt { counter.rawValue }
        var instance: CInt { epoll.descriptor }

        func ctl(_ operation: CInt, _ events: Events, target: CInt? = nil) -> Errno? { epoll.ctl(operation, target ?? fd, events) }

        /// The bits a zero-timeout wait reports for the eventfd (nil: nothing reported).
        func reported() throws -> Events? { try epoll.reported() }

        func write(_ value: UInt64, size: Int = 8) throws -> TransferResult<Int> { try KernelEventCounter.write(counter, value, size: size) }
        func read() throws -> TransferResult<UInt64> { try KernelEventCounter.read(counter) }

        deinit { try? Syscall.close(counter) }
    }

    /// Level-triggered: every wait reports `eventfd_poll`'s mask for the events asked — `EPOLLIN` above 0, `EPOLLOUT`
    /// below the ceiling 2^64 − 2 — and never `EPOLLRDNORM`/`EPOLLWRNORM` (the eventfd sets neither), nor
    /// `EPOLLERR`/`EPOLLHUP` (no user write reaches the overflow, and nothing hangs up).
    @Test func levelTriggeredReportsTheMaskAtEveryWait() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            #expect(fixture.ctl(KernelEpoll.add, [.input, .output]) == nil)
            #expect(try fixture.reported() == .output)
            #expect(try fixture.reported() == .output)
            _ = try fixture.write(3)
            #expect(try fixture.reported() == [.input, .output])
            #expect(try fixture.reported() == [.input, .output])
            #expect(try fixture.read() == .completed(3))
            #expect(try fixture.reported() == .output)
            #expect(fixture.ctl(KernelEpoll.modify, Events(rawValue: 0x040 | 0x100)) == nil)  // EPOLLRDNORM | EPOLLWRNORM
            _ = try fixture.write(1)
            #expect(try fixture.reported() == nil)
            #expect(fixture.ctl(KernelEpoll.modify, []) == nil)
            #expect(try fixture.reported() == nil)
            #expect(fixture.ctl(KernelEpoll.modify, [.input, .output, .readHangUp]) == nil)
            _ = try fixture.write(KernelEventCounter.maximum - 1)
            #expect(try fixture.reported() == .input)
        }
    }

    /// `EPOLLET` asking `EPOLLIN`: ADD arms it (nothing ready at 0: nothing), then each successful write is news —
    /// a write of 0 too, and one that leaves the count as ready as before — once per write; a successful read is not
    /// (its wake's key is `EPOLLOUT`), nor a failed write (`EAGAIN` at the ceiling, `EINVAL`) or a failed read.
    @Test func edgeTriggeredInputHearsEverySuccessfulWrite() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            #expect(fixture.ctl(KernelEpoll.add, [.input, .edgeTriggered]) == nil)
            #expect(try fixture.reported() == nil)
            #expect(try fixture.read() == .wouldBlock)
            #expect(try fixture.reported() == nil)
            _ = try fixture.write(1)
            #expect(try fixture.reported() == .input)
            #expect(try fixture.reported() == nil)
            #expect(try fixture.write(0) == .completed(8))
            #expect(try fixture.reported() == .input)
            #expect(try fixture.reported() == nil)
            _ = try fixture.write(2)
            _ = try fixture.write(2)
            #expect(try fixture.reported() == .input)
            #expect(try fixture.reported() == nil)
            #expect(try fixture.read() == .completed(5))
            #expect(try fixture.reported() == nil)
            // A write of 0 at 0: news, but nothing is ready, and the wait consumes it.
            #expect(try fixture.write(0) == .completed(8))
            #expect(try fixture.reported() == nil)
            _ = try fixture.write(1)
            #expect(try fixture.read() == .completed(1))
            #expect(try fixture.reported() == nil)
            _ = try fixture.write(KernelEventCounter.maximum)
            #expect(try fixture.reported() == .input)
            #expect(try fixture.write(1) == .wouldBlock)
            #expect(throws: Errno.invalidArgument) { _ = try fixture.write(.max) }
            #expect(throws: Errno.invalidArgument) { _ = try fixture.write(1, size: 4) }
            #expect(try fixture.reported() == nil)
        }
    }

    /// `EPOLLET` asking `EPOLLOUT`: ADD is news (`EPOLLOUT` at once), then each successful read is — even one that
    /// leaves room as before — and a write is not (its wake's key is `EPOLLIN`), nor an `EAGAIN` read.
    @Test func edgeTriggeredOutputHearsEverySuccessfulRead() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            #expect(fixture.ctl(KernelEpoll.add, [.output, .edgeTriggered]) == nil)
            #expect(try fixture.reported() == .output)
            #expect(try fixture.reported() == nil)
            _ = try fixture.write(4)
            #expect(try fixture.reported() == nil)
            #expect(try fixture.read() == .completed(4))
            #expect(try fixture.reported() == .output)
            #expect(try fixture.read() == .wouldBlock)
            #expect(try fixture.reported() == nil)
            // Asking both: a write reports both bits, a read only EPOLLOUT (the count is 0 again).
            #expect(fixture.ctl(KernelEpoll.modify, [.input, .output, .edgeTriggered]) == nil)
            #expect(try fixture.reported() == .output)
            _ = try fixture.write(1)
            #expect(try fixture.reported() == [.input, .output])
            #expect(try fixture.reported() == nil)
            _ = try fixture.read()
            #expect(try fixture.reported() == .output)
            #expect(try fixture.reported() == nil)
        }
    }

    /// `EPOLLONESHOT`: one report, then silent whatever is written until MOD re-arms it (ADD is then `EEXIST`: it
    /// stays registered).
    @Test func oneShotReportsOnceUntilModify() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture(initial: 1)
            #expect(fixture.ctl(KernelEpoll.add, [.input, .oneShot]) == nil)
            #expect(try fixture.reported() == .input)
            #expect(try fixture.reported() == nil)
            _ = try fixture.write(1)
            #expect(try fixture.reported() == nil)
            #expect(fixture.ctl(KernelEpoll.add, [.input]) == .fileExists)
            #expect(fixture.ctl(KernelEpoll.modify, [.input, .oneShot]) == nil)
            #expect(try fixture.reported() == .input)
            #expect(try fixture.reported() == nil)
        }
    }

    /// `epoll_ctl`'s errors on an eventfd are the pipe's, in the same order: ADD twice `EEXIST`, MOD/DEL of none
    /// `ENOENT`, an unknown op `EINVAL`, the instance itself `EINVAL`.
    @Test func epollCtlErrorsAreThePipes() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture()
            fixture.epoll.expectThePipesControlErrors(on: fixture.fd)
        }
    }

    /// A registration is the eventfd's open description and the number it was added with: closing that number while
    /// another descriptor keeps the description open leaves it registered and reporting (under the closed number),
    /// and the other number is not registered (ADD succeeds, a second registration).
    @Test func aRegistrationOutlivesItsNumberWhileTheDescriptionIsOpen() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let fixture = try Fixture(initial: 1)
            let copy = dup(fixture.fd)
            try #require(copy >= 0)
            #expect(fixture.ctl(KernelEpoll.add, .input, target: copy) == nil)
            Glibc.close(copy)  // never used again: another test may be given the number
            let events = try KernelEpoll.wait(fixture.instance, maxEvents: 16, timeoutMilliseconds: 0)
            #expect(events == [KernelEpoll.Event(descriptor: copy, events: .input)])
            #expect(fixture.ctl(KernelEpoll.modify, .input) == .noSuchFileOrDirectory)
            #expect(fixture.ctl(KernelEpoll.add, .input) == nil)
            #expect(try KernelEpoll.wait(fixture.instance, maxEvents: 16, timeoutMilliseconds: 0).count == 2)
        }
    }
}
