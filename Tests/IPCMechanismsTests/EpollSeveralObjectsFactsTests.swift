import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// One epoll instance holding several objects' descriptors (pipes' read ends, eventfds), measured on this kernel
/// (`ep_send_events` of `fs/eventpoll.c`; LTP `epoll_wait13`/`epoll_wait14`, the selftest's two-object cases). The
/// instance has one ready list: an item joins its tail when a wake finds it off the list (or at an ADD that finds it
/// ready), a wait walks the list from its head, drops an item that polls not ready, reports one that does — putting a
/// level-triggered one back at the tail — and stops at `maxevents`, the rest staying where they were. The models judge
/// each object's share of such a wait (`SeveralObjectsEpollWaits`): which of several ready objects came first is
/// allowed either way, so the order facts below are what the model does *not* claim, measured for the record.
/// Every descriptor is `O_NONBLOCK`; every wait has a zero timeout.
@Suite struct EpollSeveralObjectsFactsTests {
    /// Descriptors closed at the end.
    final class Descriptors {
        var open: [CInt] = []
        deinit { for descriptor in open { Glibc.close(descriptor) } }

        func pipe() throws -> (read: CInt, write: CInt) {
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            open += [readEnd.rawValue, writeEnd.rawValue]
            return (readEnd.rawValue, writeEnd.rawValue)
        }

        func eventCounter() throws -> CInt {
            let descriptor = try Syscall.eventCounter(initial: 0, semaphore: false, nonblocking: true).rawValue
            open.append(descriptor)
            return descriptor
        }

        func instance() throws -> CInt {
            let instance = try KernelEpoll.create().rawValue
            open.append(instance)
            return instance
        }
    }

    func write(_ descriptor: CInt) {
        var byte: UInt8 = 7
        #expect(Glibc.write(descriptor, &byte, 1) == 1)
    }

    func read(_ descriptor: CInt) {
        var byte: UInt8 = 0
        #expect(Glibc.read(descriptor, &byte, 1) == 1)
    }

    func add(_ instance: CInt, _ descriptor: CInt, _ events: KernelEpoll.Events = .input) throws {
        try KernelEpoll.control(instance, KernelEpoll.add, descriptor, events: events)
    }

    /// The descriptors a zero-timeout wait reports, in the kernel's order.
    func reported(_ instance: CInt, maxEvents: Int) throws -> [CInt] {
        try KernelEpoll.wait(instance, maxEvents: maxEvents, timeoutMilliseconds: 0).map(\.descriptor)
    }

    /// LTP `epoll_wait13`: 13 readable pipes and 5 quiet ones, `maxevents` 3 — each wait returns min(ready, 3), never
    /// a quiet pipe, never one twice; reading each reported pipe empty, all 13 come out in 5 waits, then none.
    @Test func aWaitReturnsAtMostMaxeventsAndTheRestLater() throws {
        let descriptors = Descriptors()
        let instance = try descriptors.instance()
        let ready = try (0..<13).map { _ in try descriptors.pipe() }
        let quiet = try (0..<5).map { _ in try descriptors.pipe() }
        for pipe in ready + quiet { try add(instance, pipe.read) }
        for pipe in ready { write(pipe.write) }
        var seen: Set<CInt> = []
        var counts: [Int] = []
        while seen.count < ready.count && counts.count < 10 {
            let got = try reported(instance, maxEvents: 3)
            counts.append(got.count)
            for descriptor in got {
                #expect(ready.contains { $0.read == descriptor })
                #expect(seen.insert(descriptor).inserted)
                read(descriptor)
            }
        }
        #expect(counts == [3, 3, 3, 3, 1])
        #expect(try reported(instance, maxEvents: 3).isEmpty)
    }

    /// LTP `epoll_wait14`: 13 pipes kept readable, `maxevents` 3 — every wait returns 3, in rotation: a reported
    /// level-triggered item goes back to the list's tail, behind those not yet reported (0 1 2, 3 4 5, ..., 12 0 1).
    @Test func levelTriggeredItemsRotate() throws {
        let descriptors = Descriptors()
        let instance = try descriptors.instance()
        let pipes = try (0..<13).map { _ in try descriptors.pipe() }
        for pipe in pipes {
            write(pipe.write)
            try add(instance, pipe.read)  // ready at ADD: listed in ADD order
        }
        var counts = [Int](repeating: 0, count: pipes.count)
        var order: [Int] = []
        for _ in 0..<(4 * 13 / 3 + 1) {
            let got = try reported(instance, maxEvents: 3)
            #expect(got.count == 3)
            for descriptor in got {
                let index = try #require(pipes.firstIndex { $0.read == descriptor })
                counts[index] += 1
                order.append(index)
            }
        }
        #expect(order == Array((0..<order.count).map { $0 % 13 }))
        #expect(counts.allSatisfy { $0 >= 4 })
    }

    /// The list is in the order of readiness (the wakes), not of registration: pipes written 2, 0, 1 report 2, then
    /// 0, then 1 2 0 (each reported one at the tail again).
    @Test func theReadyListIsInTheOrderOfTheWakes() throws {
        let descriptors = Descriptors()
        let instance = try descriptors.instance()
        let pipes = try (0..<3).map { _ in try descriptors.pipe() }
        for pipe in pipes { try add(instance, pipe.read) }
        for index in [2, 0, 1] { write(pipes[index].write) }
        #expect(try reported(instance, maxEvents: 1) == [pipes[2].read])
        #expect(try reported(instance, maxEvents: 1) == [pipes[0].read])
        #expect(try reported(instance, maxEvents: 3) == [pipes[1].read, pipes[2].read, pipes[0].read])
    }

    /// A listed item that polls not ready takes no slot: the wait drops it and reports the next one. (So an object
    /// none of whose registrations a full wait reported may have been polled — dropped — or not reached.)
    @Test func aListedItemNoLongerReadyTakesNoSlot() throws {
        let descriptors = Descriptors()
        let instance = try descriptors.instance()
        let first = try descriptors.pipe(), second = try descriptors.pipe()
        try add(instance, first.read)
        try add(instance, second.read)
        write(first.write)
        write(second.write)
        read(first.read)  // listed first, no longer readable
        #expect(try reported(instance, maxEvents: 1) == [second.read])
        #expect(try reported(instance, maxEvents: 1) == [second.read])
    }

    /// `EPOLLET` across objects: two eventfds written, `maxevents` 1 — the first made ready reports, the other keeps
    /// its news for the next wait, then nothing (selftest `epoll4`'s shape, with a cut). Three pipes with `maxevents` 2:
    /// two, then the third, then none.
    @Test func edgeTriggeredItemsBeyondTheCutKeepTheirNews() throws {
        let descriptors = Descriptors()
        let instance = try descriptors.instance()
        let counters = [try descriptors.eventCounter(), try descriptors.eventCounter()]
        for counter in counters { try add(instance, counter, [.input, .edgeTriggered]) }
        #expect(try reported(instance, maxEvents: 1).isEmpty)  // ADD is news, but neither is readable
        for counter in counters {
            var one: UInt64 = 1
            #expect(Glibc.write(counter, &one, 8) == 8)
        }
        #expect(try reported(instance, maxEvents: 1) == [counters[0]])
        #expect(try reported(instance, maxEvents: 1) == [counters[1]])
        #expect(try reported(instance, maxEvents: 1).isEmpty)

        let other = try descriptors.instance()
        let pipes = try (0..<3).map { _ in try descriptors.pipe() }
        for pipe in pipes {
            try add(other, pipe.read, [.input, .edgeTriggered])
            write(pipe.write)
        }
        #expect(try reported(other, maxEvents: 2) == [pipes[0].read, pipes[1].read])
        #expect(try reported(other, maxEvents: 2) == [pipes[2].read])
        #expect(try reported(other, maxEvents: 2).isEmpty)
    }

    /// `EPOLLONESHOT` is each registration's own: both readable pipes report once, then neither (still readable);
    /// a MOD re-arms only its own.
    @Test func oneShotIsPerRegistration() throws {
        let descriptors = Descriptors()
        let instance = try descriptors.instance()
        let pipes = try (0..<2).map { _ in try descriptors.pipe() }
        for pipe in pipes {
            try add(instance, pipe.read, [.input, .oneShot])
            write(pipe.write)
        }
        #expect(Set(try reported(instance, maxEvents: 2)) == Set(pipes.map(\.read)))
        #expect(try reported(instance, maxEvents: 2).isEmpty)
        try KernelEpoll.control(instance, KernelEpoll.modify, pipes[1].read, events: [.input, .oneShot])
        #expect(try reported(instance, maxEvents: 2) == [pipes[1].read])
    }
}
