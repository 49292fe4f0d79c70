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
/// each object's share of such a wait (`SeveralObjectsEpollWaits`), and the order across objects is judged by a model of
/// the one ready list (`EpollReadyOrder`) built on the order facts below.
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
    /// The rules of the list's order, each measured (a C probe first): an item already listed does not move when it is
    /// woken again, even after a read emptied it (it stays a listed item that polls not ready until then); one a walk
    /// dropped joins the tail at its next wake; an ADD of a ready one puts it at the tail.
    @Test func aListedItemKeepsItsPlaceAndADroppedOneJoinsTheTail() throws {
        let descriptors = Descriptors()
        let instance = try descriptors.instance()
        let pipes = try (0..<3).map { _ in try descriptors.pipe() }
        for pipe in pipes { try add(instance, pipe.read) }
        for pipe in pipes { write(pipe.write) }
        read(pipes[0].read)
        write(pipes[0].write)  // listed, emptied, written again: no move
        #expect(try reported(instance, maxEvents: 3) == pipes.map(\.read))
        // The list is 0 1 2 again (each re-added at the tail in report order); 0 emptied: the walk drops it and
        // reports 1, back at the tail — 2 1. Written again, 0 joins the tail.
        read(pipes[0].read)
        #expect(try reported(instance, maxEvents: 1) == [pipes[1].read])
        write(pipes[0].write)
        #expect(try reported(instance, maxEvents: 3) == [pipes[2].read, pipes[1].read, pipes[0].read])

        let other = try descriptors.instance()
        let more = try (0..<3).map { _ in try descriptors.pipe() }
        try add(other, more[0].read)
        try add(other, more[1].read)
        write(more[1].write)
        write(more[0].write)
        write(more[2].write)
        try add(other, more[2].read)  // ready at its ADD: the tail
        #expect(try reported(other, maxEvents: 3) == [more[1].read, more[0].read, more[2].read])
    }

    /// `EPOLLET` and `EPOLLONESHOT` items leave the list when reported (no rotation): four kept readable, `maxevents`
    /// 3 — 0 1 2, then 3, then nothing; an `EPOLLET` one written again joins the tail. A mixed list rotates only its
    /// level-triggered items.
    @Test func edgeTriggeredAndOneShotItemsDoNotRotate() throws {
        let descriptors = Descriptors()
        for flag in [KernelEpoll.Events.edgeTriggered, .oneShot] {
            let instance = try descriptors.instance()
            let pipes = try (0..<4).map { _ in try descriptors.pipe() }
            for pipe in pipes {
                write(pipe.write)
                try add(instance, pipe.read, [.input, flag])
            }
            #expect(try reported(instance, maxEvents: 3) == pipes[0..<3].map(\.read))
            #expect(try reported(instance, maxEvents: 3) == [pipes[3].read])
            #expect(try reported(instance, maxEvents: 3).isEmpty)
        }
        let instance = try descriptors.instance()
        let pipes = try (0..<3).map { _ in try descriptors.pipe() }
        for pipe in pipes { try add(instance, pipe.read, [.input, .edgeTriggered]) }
        for pipe in pipes { write(pipe.write) }
        #expect(try reported(instance, maxEvents: 1) == [pipes[0].read])
        write(pipes[0].write)
        write(pipes[1].write)  // listed: no move
        #expect(try reported(instance, maxEvents: 3) == [pipes[1].read, pipes[2].read, pipes[0].read])

        let mixed = try descriptors.instance()
        let four = try (0..<4).map { _ in try descriptors.pipe() }
        for (index, pipe) in four.enumerated() {
            write(pipe.write)
            try add(mixed, pipe.read, index % 2 == 0 ? .input : [.input, .edgeTriggered])
        }
        #expect(try reported(mixed, maxEvents: 2) == [four[0].read, four[1].read])
        #expect(try reported(mixed, maxEvents: 2) == [four[2].read, four[3].read])
        #expect(try reported(mixed, maxEvents: 2) == [four[0].read, four[2].read])
        #expect(try reported(mixed, maxEvents: 2) == [four[0].read, four[2].read])
    }

    /// A MOD that finds an unlisted registration ready puts it at the tail (a disarmed `EPOLLONESHOT` one, an `EPOLLET`
    /// one reported and still readable); a MOD of a listed one leaves it in place; a MOD to events it does not meet
    /// leaves it listed, and the walk drops it.
    @Test func aModifyAddsAReadyItemAtTheTail() throws {
        let descriptors = Descriptors()
        for flag in [KernelEpoll.Events.oneShot, .edgeTriggered] {
            let instance = try descriptors.instance()
            let pipes = try (0..<3).map { _ in try descriptors.pipe() }
            try add(instance, pipes[0].read, [.input, flag])
            try add(instance, pipes[1].read)
            try add(instance, pipes[2].read)
            for pipe in pipes { write(pipe.write) }
            #expect(try reported(instance, maxEvents: 1) == [pipes[0].read])
            try KernelEpoll.control(instance, KernelEpoll.modify, pipes[0].read, events: [.input, flag])
            #expect(try reported(instance, maxEvents: 3) == [pipes[1].read, pipes[2].read, pipes[0].read])
        }
        let instance = try descriptors.instance()
        let pipes = try (0..<3).map { _ in try descriptors.pipe() }
        for pipe in pipes { try add(instance, pipe.read) }
        for pipe in pipes { write(pipe.write) }
        try KernelEpoll.control(instance, KernelEpoll.modify, pipes[0].read, events: .input)
        #expect(try reported(instance, maxEvents: 3) == pipes.map(\.read))
        try KernelEpoll.control(instance, KernelEpoll.modify, pipes[0].read, events: KernelEpoll.Events(rawValue: 0x002))  // EPOLLPRI: a pipe never has it
        #expect(try reported(instance, maxEvents: 3) == [pipes[1].read, pipes[2].read])
    }
    /// A read that does not sleep wakes no reader: an `EPOLLET` read end reported, then read in part, has no news (so
    /// it joins no list); a write to a pipe the instance holds wakes its read end even while the pipe holds bytes.
    @Test func aReadWakesNoReader() throws {
        let descriptors = Descriptors()
        let instance = try descriptors.instance()
        let pipe = try descriptors.pipe()
        try add(instance, pipe.read, [.input, .edgeTriggered])
        write(pipe.write)
        write(pipe.write)
        #expect(try reported(instance, maxEvents: 2) == [pipe.read])
        read(pipe.read)
        #expect(try reported(instance, maxEvents: 2).isEmpty)
        write(pipe.write)
        #expect(try reported(instance, maxEvents: 2) == [pipe.read])
    }
    /// Eventfds are listed as pipes are: in the order of their writes (2, 0, 1; a second write to a listed one does not
    /// move it), each reported level-triggered one back at the tail. A pipe's write failing `EAGAIN` (full) still wakes
    /// its read end: an `EPOLLET` registration reported has news again.
    @Test func eventCountersAreListedInTheOrderOfTheirWrites() throws {
        let descriptors = Descriptors()
        let instance = try descriptors.instance()
        let counters = try (0..<3).map { _ in try descriptors.eventCounter() }
        for counter in counters { try add(instance, counter) }
        var one: UInt64 = 1
        for index in [2, 0, 1, 2] { #expect(Glibc.write(counters[index], &one, 8) == 8) }
        #expect(try reported(instance, maxEvents: 1) == [counters[2]])
        #expect(try reported(instance, maxEvents: 1) == [counters[0]])
        #expect(try reported(instance, maxEvents: 3) == [counters[1], counters[2], counters[0]])

        let other = try descriptors.instance()
        let pipe = try descriptors.pipe()
        try add(other, pipe.read, [.input, .edgeTriggered])
        var page = [UInt8](repeating: 7, count: 4096)
        while Glibc.write(pipe.write, &page, page.count) > 0 {}
        #expect(try reported(other, maxEvents: 1) == [pipe.read])
        #expect(try reported(other, maxEvents: 1).isEmpty)
        #expect(Glibc.write(pipe.write, &page, 1) == -1 && Glibc.errno == EAGAIN)
        #expect(try reported(other, maxEvents: 1) == [pipe.read])
    }
}
