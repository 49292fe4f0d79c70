import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `EPOLLEXCLUSIVE` and `EPOLLWAKEUP` on a pipe's read end and on an eventfd, measured on this kernel (`fs/eventpoll.c`:
/// `do_epoll_ctl`'s checks and `ep_poll_callback`'s exclusive wake; LTP's epoll_ctl03 is the checklist for the flag
/// combinations). Every descriptor is nonblocking and every wait of the test process has a zero timeout.
///
/// What the kernel does (6.x source, and measured below): `EBADF` first; then the instance as its own target `EINVAL`;
/// then, for ADD or MOD with `EPOLLEXCLUSIVE` in the events, `EINVAL` for MOD always (before `ENOENT`: the target need
/// not be registered) and for ADD with any bit outside `EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP |
/// EPOLLET` (before `EEXIST`), or an epoll instance as the target; then the lookup: ADD of a registered target
/// `EEXIST`, MOD or DEL of none `ENOENT`, MOD of an exclusive registration `EINVAL` whatever the new events. An
/// exclusive entry sits at the tail of the object's wait queue, and a wake stops at the first exclusive entry whose
/// instance had a sleeper: the entries behind it are not called, so their items are not put on their ready lists.
@Suite struct EpollExclusiveFactsTests {
    typealias Events = KernelEpoll.Events
    static let priority = Events(rawValue: 0x002), readNormal = Events(rawValue: 0x040), readBand = Events(rawValue: 0x080)
    static let writeNormal = Events(rawValue: 0x100), writeBand = Events(rawValue: 0x200), message = Events(rawValue: 0x400)

    /// The object a case registers: a pipe (`readable` its read end, `writer` its write end) or an eventfd (both).
    final class Object {
        let readable: CInt, writer: CInt, isPipe: Bool

        init(pipe: Bool) throws {
            isPipe = pipe
            if pipe {
                let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
                (readable, writer) = (readEnd.rawValue, writeEnd.rawValue)
            } else {
                let counter = try KernelEventCounter.create(initial: 0, semaphore: false, nonblocking: true)
                (readable, writer) = (counter.rawValue, counter.rawValue)
            }
        }

        /// One write: a byte to the pipe, 1 added to the eventfd (each wakes the queue with `EPOLLIN`).
        func write() {
            var value: UInt64 = 1
            let count = isPipe ? 1 : 8
            #expect(withUnsafeBytes(of: &value) { Glibc.write(writer, $0.baseAddress, count) } == count)
        }

        deinit {
            Glibc.close(readable)
            if isPipe { Glibc.close(writer) }
        }
    }

    func ctl(_ instance: EpollTestInstance, _ operation: CInt, _ target: CInt, _ events: Events) -> Errno? {
        instance.ctl(operation, target, events)
    }

    // MARK: epoll_ctl

    /// With `EPOLLEXCLUSIVE`, ADD takes only `EPOLLIN`, `EPOLLOUT`, `EPOLLERR`, `EPOLLHUP`, `EPOLLWAKEUP` and `EPOLLET`
    /// (the flag alone too); any other bit — `EPOLLPRI`, `EPOLLRDNORM`, `EPOLLRDBAND`, `EPOLLWRNORM`, `EPOLLWRBAND`,
    /// `EPOLLMSG`, `EPOLLRDHUP`, `EPOLLONESHOT` — is `EINVAL`.
    @Test(arguments: [true, false]) func exclusiveAddTakesOnlyItsBits(pipe: Bool) throws {
        let object = try Object(pipe: pipe)
        let instance = try EpollTestInstance()
        for bit: Events in [[], .input, .output, .error, .hangUp, .wakeUp, .edgeTriggered, [.input, .output, .error, .hangUp, .wakeUp, .edgeTriggered]] {
            #expect(ctl(instance, KernelEpoll.add, object.readable, bit.union(.exclusive)) == nil, "\(bit.rawValue)")
            #expect(ctl(instance, KernelEpoll.delete, object.readable, []) == nil)
        }
        for bit: Events in [Self.priority, Self.readNormal, Self.readBand, Self.writeNormal, Self.writeBand, Self.message, .readHangUp, .oneShot] {
            #expect(ctl(instance, KernelEpoll.add, object.readable, [.exclusive, .input, bit]) == .invalidArgument, "\(bit.rawValue)")
        }
        #expect(ctl(instance, KernelEpoll.delete, object.readable, []) == .noSuchFileOrDirectory)  // none was added
    }

    /// The order: `EBADF` before everything; the instance itself `EINVAL`; MOD with `EPOLLEXCLUSIVE` `EINVAL` before
    /// `ENOENT`, and on a plain registration too; ADD with a bad bit `EINVAL` before `EEXIST`; ADD with good bits of a
    /// registered target `EEXIST`. DEL ignores the events (`ENOENT` for none whatever they say). Of an exclusive
    /// registration, MOD is `EINVAL` whatever the events (the flag's or none), ADD `EEXIST`, an unknown op `EINVAL`,
    /// DEL works. An epoll instance as an exclusive target is `EINVAL` (its plain ADD works).
    @Test(arguments: [true, false]) func exclusiveErrorsInTheKernelsOrder(pipe: Bool) throws {
        let object = try Object(pipe: pipe)
        let instance = try EpollTestInstance()
        let (add, modify, delete, target) = (KernelEpoll.add, KernelEpoll.modify, KernelEpoll.delete, object.readable)
        let closed: CInt = 1017
        try #require(fcntl(closed, F_GETFD) == -1 && errno == EBADF)
        #expect(ctl(instance, add, closed, [.exclusive, Self.priority]) == .badFileDescriptor)
        #expect(ctl(instance, modify, closed, [.exclusive, .input]) == .badFileDescriptor)
        #expect(ctl(instance, add, instance.descriptor, [.exclusive, Self.priority]) == .invalidArgument)
        #expect(ctl(instance, modify, target, [.exclusive, .input]) == .invalidArgument)  // not registered: still EINVAL
        #expect(ctl(instance, modify, target, .input) == .noSuchFileOrDirectory)
        #expect(ctl(instance, delete, target, [.exclusive, Self.priority]) == .noSuchFileOrDirectory)
        #expect(ctl(instance, 99, target, [.exclusive, .input]) == .invalidArgument)
        #expect(ctl(instance, add, target, .input) == nil)  // a plain registration
        #expect(ctl(instance, add, target, [.exclusive, .input]) == .fileExists)
        #expect(ctl(instance, add, target, [.exclusive, Self.priority]) == .invalidArgument)  // before EEXIST
        #expect(ctl(instance, modify, target, [.exclusive, .input]) == .invalidArgument)
        #expect(ctl(instance, modify, target, .output) == nil)
        #expect(ctl(instance, delete, target, []) == nil)
        #expect(ctl(instance, add, target, [.exclusive, .input]) == nil)  // an exclusive registration
        #expect(ctl(instance, modify, target, .input) == .invalidArgument)
        #expect(ctl(instance, modify, target, [.exclusive, .input]) == .invalidArgument)
        #expect(ctl(instance, modify, target, []) == .invalidArgument)
        #expect(ctl(instance, add, target, .input) == .fileExists)
        #expect(ctl(instance, 99, target, .input) == .invalidArgument)
        #expect(ctl(instance, delete, target, []) == nil)
        #expect(ctl(instance, delete, target, []) == .noSuchFileOrDirectory)
        let inner = try EpollTestInstance()
        #expect(ctl(instance, add, inner.descriptor, [.exclusive, .input]) == .invalidArgument)
        #expect(ctl(instance, add, inner.descriptor, .input) == nil)
    }

    // MARK: readiness

    /// One instance's exclusive registration reports as a plain one: level-triggered at every wait while ready,
    /// `EPOLLET` once per write (and once for its ADD); `EPOLLWAKEUP` is accepted (root has `CAP_BLOCK_SUSPEND`) in ADD
    /// and MOD and changes no report.
    @Test(arguments: [true, false]) func oneInstanceReportsAsWithoutTheFlags(pipe: Bool) throws {
        let object = try Object(pipe: pipe)
        for flags: Events in [.exclusive, .wakeUp, [.exclusive, .wakeUp]] {
            let instance = try EpollTestInstance()
            #expect(ctl(instance, KernelEpoll.add, object.readable, flags.union(.input)) == nil)
            object.write()
            #expect(try instance.reported() == .input)
            #expect(try instance.reported() == .input)
            #expect(ctl(instance, KernelEpoll.delete, object.readable, []) == nil)
            #expect(ctl(instance, KernelEpoll.add, object.readable, flags.union([.input, .edgeTriggered])) == nil)
            #expect(try instance.reported() == .input)  // the ADD's news, ready
            #expect(try instance.reported() == nil)
            object.write()
            #expect(try instance.reported() == .input)
            #expect(try instance.reported() == nil)
            if !flags.contains(.exclusive) {
                #expect(ctl(instance, KernelEpoll.modify, object.readable, flags.union(.output)) == nil)
                #expect(try instance.reported() == (pipe ? nil : .output))  // a read end is never writable
            }
        }
    }

    /// Two processes, each with its instance and an exclusive level-triggered `EPOLLIN` registration of the same object.
    /// The child's is added first and the child sleeps in `epoll_wait` (its `wchan` says so); then a write. The wake
    /// stops at the child's entry: the child reports, and the test process's registration, behind it, is never put on
    /// its ready list — its waits report nothing while the object stays readable, until another write wakes it (the
    /// child gone). The other order (the test process's entry first, no sleeper on its instance) reports at once.
    @Test(arguments: [(true, true), (true, false), (false, true), (false, false)])
    func anEarlierExclusiveEntryWithASleeperTakesTheWake(pipe: Bool, childFirst: Bool) throws {
        let object = try Object(pipe: pipe)
        let instance = try EpollTestInstance()
        let parentPipe = try Syscall.pipe(flags: O_CLOEXEC), childPipe = try Syscall.pipe(flags: O_CLOEXEC)
        let toParent = [parentPipe.0.rawValue, parentPipe.1.rawValue], toChild = [childPipe.0.rawValue, childPipe.1.rawValue]
        defer { for descriptor in toParent + toChild { Glibc.close(descriptor) } }
        if !childFirst { #expect(ctl(instance, KernelEpoll.add, object.readable, [.exclusive, .input]) == nil) }
        let byte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        let events = UnsafeMutablePointer<UInt32>.allocate(capacity: 16), numbers = UnsafeMutablePointer<CInt>.allocate(capacity: 16)
        defer { byte.deallocate(); events.deallocate(); numbers.deallocate() }
        let (readable, exclusiveInput) = (object.readable, Events.exclusive.union(.input).rawValue)
        let (added, go, reported) = (toParent[1], toChild[0], toParent[1])
        var childReported: UInt8 = 0
        var missed: [Int] = [], afterAnotherWrite = 0
        try Syscall.withoutConcurrentSpawns { () throws in
            let child = fork()
            if child == 0 {  // C calls only
                let own = ipc_epoll_create1(0)
                guard own >= 0, ipc_epoll_ctl(own, 1, readable, exclusiveInput, 1) == 0 else { _exit(2) }
                byte.pointee = 1
                guard Glibc.write(added, byte, 1) == 1, Glibc.read(go, byte, 1) == 1 else { _exit(3) }
                byte.pointee = UInt8(truncatingIfNeeded: ipc_epoll_wait(own, 16, 10_000, events, numbers, 16))
                _exit(Glibc.write(reported, byte, 1) == 1 ? 0 : 4)
            }
            try #require(child > 0)
            #expect(Glibc.read(toParent[0], byte, 1) == 1)  // the child's ADD is done
            if childFirst { #expect(ctl(instance, KernelEpoll.add, object.readable, [.exclusive, .input]) == nil) }
            #expect(try instance.reported() == nil)
            byte.pointee = 0
            #expect(Glibc.write(toChild[1], byte, 1) == 1)
            #expect(Self.waitUntilAsleepInEpoll(child), "the child never slept in epoll_wait")
            object.write()
            #expect(Glibc.read(toParent[0], byte, 1) == 1)
            childReported = byte.pointee
            var status: CInt = 0
            #expect(waitpid(child, &status, 0) == child && status == 0)
            missed = [try instance.reported() == nil ? 0 : 1, try instance.reported() == nil ? 0 : 1]
            object.write()
            afterAnotherWrite = try instance.reported() == nil ? 0 : 1
        }
        #expect(childReported == 1)
        #expect(missed == (childFirst ? [0, 0] : [1, 1]))
        #expect(afterAnotherWrite == 1)
    }

    /// The missed wake's one exception: a level-triggered exclusive registration that has reported is back on its
    /// ready list (`ep_send_events` re-adds it), so every later wait polls it, whatever wakes miss it. The child's
    /// exclusive `EPOLLET` registration is first on the queue; the test process's level-triggered one behind it.
    /// (1) The child sleeps, a write: the child takes the wake, the test process's waits report nothing while readable.
    /// (2) The child awake, a write reaches the test process's entry: it reports, and (3) the child asleep again, a
    /// write the child takes, it still reports at every wait (listed). (4) Drained, a wait finds it not ready — off the
    /// list — and then, the child asleep, a write it takes: the test process's waits are silent again while readable.
    @Test(arguments: [true, false]) func aReportedLevelTriggeredExclusiveRegistrationStaysListed(pipe: Bool) throws {
        let object = try Object(pipe: pipe)
        let instance = try EpollTestInstance()
        let parentPipe = try Syscall.pipe(flags: O_CLOEXEC), childPipe = try Syscall.pipe(flags: O_CLOEXEC)
        let toParent = [parentPipe.0.rawValue, parentPipe.1.rawValue], toChild = [childPipe.0.rawValue, childPipe.1.rawValue]
        defer { for descriptor in toParent + toChild { Glibc.close(descriptor) } }
        let byte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        let events = UnsafeMutablePointer<UInt32>.allocate(capacity: 16), numbers = UnsafeMutablePointer<CInt>.allocate(capacity: 16)
        defer { byte.deallocate(); events.deallocate(); numbers.deallocate() }
        let (readable, childEvents) = (object.readable, Events.exclusive.union(.input).union(.edgeTriggered).rawValue)
        let (toParentWrite, fromParent) = (toParent[1], toChild[0])
        var childReports: [UInt8] = []
        var seen: [[Int]] = []
        func reports(_ count: Int) throws -> [Int] { try (0..<count).map { _ in try instance.reported() == nil ? 0 : 1 } }
        func drain() {
            var buffer = [UInt8](repeating: 0, count: 64)
            _ = buffer.withUnsafeMutableBytes { Glibc.read(object.readable, $0.baseAddress, 64) }
        }
        try Syscall.withoutConcurrentSpawns { () throws in
            let child = fork()
            if child == 0 {  // C calls only: each go byte 1 — take any news at once, then sleep in a wait; 0 — exit
                let own = ipc_epoll_create1(0)
                guard own >= 0, ipc_epoll_ctl(own, 1, readable, childEvents, 1) == 0 else { _exit(2) }
                byte.pointee = 1
                guard Glibc.write(toParentWrite, byte, 1) == 1 else { _exit(3) }
                while Glibc.read(fromParent, byte, 1) == 1 && byte.pointee == 1 {
                    _ = ipc_epoll_wait(own, 16, 0, events, numbers, 16)
                    byte.pointee = UInt8(truncatingIfNeeded: ipc_epoll_wait(own, 16, 10_000, events, numbers, 16))
                    guard Glibc.write(toParentWrite, byte, 1) == 1 else { _exit(4) }
                }
                _exit(0)
            }
            try #require(child > 0)
            #expect(Glibc.read(toParent[0], byte, 1) == 1)  // the child's ADD is done
            #expect(ctl(instance, KernelEpoll.add, object.readable, [.exclusive, .input]) == nil)
            func childSleepsThenWrite() {
                byte.pointee = 1
                #expect(Glibc.write(toChild[1], byte, 1) == 1)
                #expect(Self.waitUntilAsleepInEpoll(child), "the child never slept in epoll_wait")
                object.write()
                #expect(Glibc.read(toParent[0], byte, 1) == 1)
                childReports.append(byte.pointee)
            }
            childSleepsThenWrite()  // (1)
            seen.append(try reports(2))
            object.write()  // (2) the child is awake (waiting for its go byte)
            seen.append(try reports(2))
            childSleepsThenWrite()  // (3)
            seen.append(try reports(3))
            drain()  // (4)
            seen.append(try reports(1))
            childSleepsThenWrite()
            seen.append(try reports(2))
            byte.pointee = 0
            #expect(Glibc.write(toChild[1], byte, 1) == 1)
            var status: CInt = 0
            #expect(waitpid(child, &status, 0) == child && status == 0)
        }
        #expect(childReports == [1, 1, 1])
        #expect(seen == [[0, 0], [1, 1], [1, 1, 1], [0], [0, 0]])
        Self.expectTheModelFollowsTheReadyList()
    }

    /// The shared model's side of it (``Epoll/Registration/listed``): a missable level-triggered exclusive registration
    /// ready at a wait may report or not; once reported it must report at every wait while ready (a silent wait is
    /// rejected); a wait that finds it not ready unlists it, and it may be missed again.
    static func expectTheModelFollowsTheReadyList() {
        var registration = Epoll.Registration(process: 1, target: PipeModel.End.read, events: [.exclusive, .input])
        registration.missable = true
        func outcomes(_ registrations: [Epoll.Registration<PipeModel.End>], ready: Bool) -> [(reports: Int, registrations: [Epoll.Registration<PipeModel.End>])] {
            Epoll.waitOutcomes(registrations, process: 1, maxEvents: 16) { _ in ready ? .input : [] }.map { ($0.reports.count, $0.registrations) }
        }
        let first = outcomes([registration], ready: true)
        #expect(Set(first.map(\.reports)) == [0, 1])  // missable: reported or not
        let reported = first.first { $0.reports == 1 }!.registrations
        #expect(reported.first?.listed == true)
        #expect(outcomes(reported, ready: true).map(\.reports) == [1])  // listed: a silent wait is rejected
        let drained = outcomes(reported, ready: false)
        #expect(drained.map(\.reports) == [0] && drained.first?.registrations.first?.listed == false)
        #expect(Set(outcomes(drained.first!.registrations, ready: true).map(\.reports)) == [0, 1])  // missable again
        // Edge-triggered, it is not put back on the list after a report.
        var edge = Epoll.Registration(process: 1, target: PipeModel.End.read, events: [.exclusive, .input, .edgeTriggered])
        edge.missable = true
        #expect(Epoll.waitOutcomes([edge], process: 1, maxEvents: 16) { _ in .input }.allSatisfy { $0.registrations.first?.listed == false })
    }

    /// Whether `process` came to sleep in an epoll wait (its `/proc/PID/wchan`, which names a function only once the
    /// task is off the run queue), polled with `sched_yield` up to a bound.
    static func waitUntilAsleepInEpoll(_ process: pid_t) -> Bool {
        for _ in 0..<2_000_000 {
            var bytes = [UInt8](repeating: 0, count: 64)
            let file = open("/proc/\(process)/wchan", O_RDONLY | O_CLOEXEC)
            guard file >= 0 else { return false }
            let count = bytes.withUnsafeMutableBytes { Glibc.read(file, $0.baseAddress, 63) }
            Glibc.close(file)
            if count > 0 && String(decoding: bytes[..<count], as: UTF8.self).contains("epoll") { return true }
            sched_yield()
        }
        return false
    }
}
