import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// One epoll instance shared by a process and its forked child (made before the `fork`, LTP `epoll_wait11`'s shape),
/// each opening the FIFO itself after it, as this kernel does it (a C probe first, /tmp/fifoprobe): a registration is
/// the kernel's `(file, fd)`, so each sharer's open is a registration of its own, even under the same number; either
/// sharer's wait reports both; a registration goes with its own description's last close (the registering sharer's
/// close or exit), whoever else holds the instance; the instance lives while a sharer does. Judged by the fifo model
/// with `params` `sharedEpoll` (``FIFOModel+SharedEpoll``): the history as measured is allowed, and each plausible
/// wrong belief, put in the place of what the kernel gave, is refused.
@Suite struct KernelFIFOSharedEpollFactsTests {
    typealias Events = Epoll.Events
    typealias Sharer = PipeSharedEpollTests.Sharer
    typealias Recorded = (input: FIFOModel.Input, output: FIFOModel.Output)

    static let model = FIFOModel(fifos: [("f0", FIFOModel.Setup(sharedEpoll: [[1, 2]]))])
    /// The child's registrations ask `EPOLLRDNORM` beside `EPOLLIN` (the parent's `EPOLLIN` alone): both carry the same
    /// number as their data, so the bits say whose a report is.
    static let childEvents: Events = [.input, .readNormal]

    static func add(_ process: Int, _ events: Events) -> FIFOModel.Input {
        .epoll(process: process, call: .control(operation: .add, end: .read, events: events))
    }

    static func delete(_ process: Int) -> FIFOModel.Input {
        .epoll(process: process, call: .control(operation: .delete, end: .read, events: []))
    }

    static func wait(_ process: Int) -> FIFOModel.Input { .sharedEpollWait(process: process, call: .wait(maxEvents: 16, timeout: 0)) }

    /// A wait's kernel reports as the model's: whose by the bits (``childEvents``).
    static func reports(_ events: [UInt32]) -> FIFOModel.Output {
        .sharedEpollEvents(events.map { bits in
            let events = Events(rawValue: Int(bits))
            return FIFOModel.SharedEpollReport(process: events.contains(.readNormal) ? 2 : 1, end: .read, events: events)
        }.sorted())
    }

    static func controlled(_ result: Int32, _ error: Int32) -> FIFOModel.Output {
        result == 0 ? .epollControlled : .failed(ErrorCode(Errno(rawValue: error).name))
    }

    /// The parent (process 1) and the child (process 2) each open the read end and register it under the same number
    /// `N` (the child's open moved onto it with `dup2`): the child's ADD succeeds (a second ADD `EEXIST`); both waits
    /// report two registrations; the child's DEL takes its own only (a second `ENOENT`; the parent's MOD succeeds); the
    /// child's close of its open takes its registration; `EPOLLET` news is the instance's, taken by whichever sharer
    /// waits; the child's exit takes its registrations and leaves the parent's.
    @Test func eachSharersOpenIsARegistrationOfItsOwnUnderTheSameNumber() throws {
        let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-fifoshared"
        try KernelFIFO.create(at: path)
        defer { unlink(path) }
        var calls: [Recorded] = []
        var kernel: [String: [Int32]] = [:]
        var number: CInt = -1
        try Syscall.withoutConcurrentSpawns { () throws in
            let instance = try KernelEpoll.create()
            defer { try? Syscall.close(instance) }
            var sharer: Sharer? = try Sharer(instance: instance.rawValue, path: path)
            var parentHeld: [CInt] = []
            defer {
                _ = sharer?.finish()
                for descriptor in parentHeld { Glibc.close(descriptor) }
            }
            func parentWait() throws -> [UInt32] {
                try KernelEpoll.wait(instance.rawValue, maxEvents: 16, timeoutMilliseconds: 0).map(\.events.rawValue)
            }
            func parentControl(_ operation: CInt, _ events: Events) -> (Int32, Int32) {
                errno = 0
                let result = ipc_epoll_ctl(instance.rawValue, operation, number, UInt32(events.rawValue), 1)
                return (result, errno)
            }
            // Each opens the read end itself, on the same number.
            let own = try KernelFIFO.open(path, for: .read, nonblocking: true)
            let moved = try Syscall.duplicate(own, minimum: 600, closeOnExec: true)
            try Syscall.close(own)
            number = moved.rawValue
            parentHeld.append(number)
            calls.append((.open(process: 1, end: .read, nonblocking: true), .opened))
            let childOpen = sharer!.run(5, O_RDONLY | O_NONBLOCK).result
            kernel["dup2"] = [sharer!.run(6, childOpen, number).result, sharer!.run(1, childOpen).result]
            calls.append((.open(process: 2, end: .read, nonblocking: true), .opened))
            // Both ADD N: two registrations; a second ADD by the child EEXIST.
            var reply = parentControl(KernelEpoll.add, .input)
            calls.append((Self.add(1, .input), Self.controlled(reply.0, reply.1)))
            var child = sharer!.run(2, KernelEpoll.add, number, Int32(Self.childEvents.rawValue))
            kernel["childAdd"] = [child.result]
            calls.append((Self.add(2, Self.childEvents), Self.controlled(child.result, child.errno)))
            child = sharer!.run(2, KernelEpoll.add, number, Int32(Self.childEvents.rawValue))
            kernel["childAddAgain"] = [child.result, child.errno]
            calls.append((Self.add(2, Self.childEvents), Self.controlled(child.result, child.errno)))
            // A byte from the parent's writer: both sharers' waits report both registrations, both under N.
            let writer = try KernelFIFO.open(path, for: .write, nonblocking: true)
            parentHeld.append(writer.rawValue)
            calls.append((.open(process: 1, end: .write, nonblocking: true), .opened))
            kernel["write"] = [Int32(Glibc.write(writer.rawValue, "a", 1))]
            calls.append((.write(process: 1, data: [UInt8(ascii: "a")], nonblocking: true), .wrote(1)))
            child = sharer!.run(3, 16, 0)
            kernel["childWaitNumbers"] = child.events.map(\.0)
            calls.append((Self.wait(2), Self.reports(child.events.map(\.1))))
            calls.append((Self.wait(1), Self.reports(try parentWait())))
            // The child's DEL of N takes its own: a second ENOENT, the parent's still reported and its MOD succeeding.
            child = sharer!.run(2, KernelEpoll.delete, number, 0)
            calls.append((Self.delete(2), Self.controlled(child.result, child.errno)))
            child = sharer!.run(2, KernelEpoll.delete, number, 0)
            kernel["childDeleteAgain"] = [child.result, child.errno]
            calls.append((Self.delete(2), Self.controlled(child.result, child.errno)))
            calls.append((Self.wait(1), Self.reports(try parentWait())))
            reply = parentControl(KernelEpoll.modify, .input)
            calls.append((.epoll(process: 1, call: .control(operation: .modify, end: .read, events: .input)), Self.controlled(reply.0, reply.1)))
            // The child's close of its open (its description's last): its registration goes, the parent's stays.
            child = sharer!.run(2, KernelEpoll.add, number, Int32(Self.childEvents.rawValue))
            calls.append((Self.add(2, Self.childEvents), Self.controlled(child.result, child.errno)))
            kernel["childClose"] = [sharer!.run(1, number).result]
            calls.append((.close(process: 2, end: .read), .closed))
            calls.append((Self.wait(1), Self.reports(try parentWait())))
            // EPOLLET news is the instance's: the parent's wait takes the ADD's, the child's then finds none.
            let again = sharer!.run(5, O_RDONLY | O_NONBLOCK).result
            calls.append((.open(process: 2, end: .read, nonblocking: true), .opened))
            child = sharer!.run(2, KernelEpoll.add, again, Int32(truncatingIfNeeded: Self.childEvents.union(.edgeTriggered).rawValue))
            calls.append((Self.add(2, Self.childEvents.union(.edgeTriggered)), Self.controlled(child.result, child.errno)))
            calls.append((Self.wait(1), Self.reports(try parentWait())))
            calls.append((Self.wait(2), Self.reports(sharer!.run(3, 16, 0).events.map(\.1))))
            // The child's exit closes its open: its registration goes; the instance, the parent's, reports the parent's.
            child = sharer!.run(2, KernelEpoll.modify, again, Int32(Self.childEvents.rawValue))
            calls.append((.epoll(process: 2, call: .control(operation: .modify, end: .read, events: Self.childEvents)), Self.controlled(child.result, child.errno)))
            kernel["exit"] = [sharer!.finish() ? 0 : -1]
            sharer = nil
            calls.append((.exit(process: 2), .exited))
            calls.append((Self.wait(1), Self.reports(try parentWait())))
        }
        #expect(kernel["dup2"] == [number, 0] && kernel["write"] == [1] && kernel["exit"] == [0] && kernel["childClose"] == [0])
        #expect(kernel["childAdd"] == [0], "the same number in another process is another file: ADD succeeds")
        #expect(kernel["childAddAgain"] == [-1, EEXIST] && kernel["childDeleteAgain"] == [-1, ENOENT])
        #expect(kernel["childWaitNumbers"] == [number, number], "two reports, both under the number")
        let counts = calls.compactMap { call -> Int? in
            if case .sharedEpollEvents(let reports) = call.output { reports.count } else { nil }
        }
        #expect(counts == [2, 2, 1, 1, 2, 1, 1])
        let history = DirectedHistory(model: Self.model, object: "f0")
        #expect(history.firstRefusal(calls) == nil)
        // The wrong beliefs, each in the kernel's place: the same number is the same registration (the child's ADD
        // EEXIST; one report); a DEL by number takes the other's too; a registration lasting until the instance goes
        // (after the child's close; after its exit); EPOLLET news per sharer.
        let parentOnly = FIFOModel.Output.sharedEpollEvents([.init(process: 1, end: .read, events: .input)])
        let both = FIFOModel.Output.sharedEpollEvents([.init(process: 1, end: .read, events: .input), .init(process: 2, end: .read, events: Self.childEvents)])
        for (index, wrong) in [(3, FIFOModel.Output.failed(.EEXIST)), (7, parentOnly), (11, .sharedEpollEvents([])), (15, both), (19, both), (22, both)] {
            var changed = calls
            #expect(changed[index].output != wrong, "call \(index) is the kernel's: \(changed[index].output)")
            changed[index].output = wrong
            #expect(history.firstRefusal(changed) != nil, "call \(index): \(wrong) refused")
        }
    }

    /// The instance lives while a sharer does: the parent's close of its instance descriptor leaves the child's waits
    /// going, with the parent's registration (its open still there) reported beside the child's; the parent's close of
    /// its open then takes its registration. The model has no call that closes an implicit instance before the exit (an
    /// exit closes it), so this is the kernel's alone; the model's part, a registration going with its open while the
    /// other sharer waits, is judged above.
    @Test func theInstanceLivesWhileASharerDoes() throws {
        let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-fifoshared"
        try KernelFIFO.create(at: path)
        defer { unlink(path) }
        var waits: [[UInt32]] = []
        try Syscall.withoutConcurrentSpawns { () throws in
            let instance = try KernelEpoll.create()
            let sharer = try Sharer(instance: instance.rawValue, path: path)
            let reader = try KernelFIFO.open(path, for: .read, nonblocking: true)
            let writer = try KernelFIFO.open(path, for: .write, nonblocking: true)
            defer {
                _ = sharer.finish()
                try? Syscall.close(writer)
            }
            try KernelEpoll.control(instance.rawValue, KernelEpoll.add, reader.rawValue, events: .input)
            let childOpen = sharer.run(5, O_RDONLY | O_NONBLOCK).result
            _ = sharer.run(2, KernelEpoll.add, childOpen, Int32(Self.childEvents.rawValue))
            #expect(Glibc.write(writer.rawValue, "a", 1) == 1)
            try Syscall.close(instance)
            waits.append(sharer.run(3, 16, 0).events.map(\.1))
            try Syscall.close(reader)
            waits.append(sharer.run(3, 16, 0).events.map(\.1))
        }
        let (input, childBits) = (UInt32(Events.input.rawValue), UInt32(Self.childEvents.rawValue))
        #expect(waits.map { $0.sorted() } == [[input, childBits], [childBits]])
    }

    /// The trace form: a sharer's report names whose open it is; a sharer's kept instances, and a report without a
    /// `"process"`, are refused with the reason; `params` round-trip.
    @Test func theTraceFormNamesWhoseOpenEachReportIs() throws {
        let parameters: JSONValue = ["objects": ["f0": ["sharedEpoll": [[1, 2]]]]]
        let model = try FIFOModel(parameters: parameters)
        let wait = try model.input(from: IPCModels.Call(process: 2, object: "f0", f: "epoll_wait", value: ["maxevents": .int(4), "timeout": .int(0)]))
        #expect(wait == .sharedEpollWait(process: 2, call: .wait(maxEvents: 4, timeout: 0)))
        let reported: JSONValue = ["events": [["process": .int(1), "end": "read", "events": ["EPOLLIN"]]]]
        #expect(try model.output(from: .ok(reported), for: wait) == .sharedEpollEvents([.init(process: 1, end: .read, events: .input)]))
        #expect(model.outcome(for: try model.output(from: .ok(reported), for: wait)) == .ok(reported))
        #expect(throws: ModelError.self) { try model.output(from: .ok(["events": [["end": "read", "events": ["EPOLLIN"]]]]), for: wait) }
        #expect(throws: ModelError.self) {
            try model.input(from: IPCModels.Call(process: 1, object: "f0", f: "epoll_wait", value: ["maxevents": .int(4), "timeout": .int(0), "instance": "inner"]))
        }
        // A process outside the group waits on an instance of its own, as before.
        #expect(try model.input(from: IPCModels.Call(process: 3, object: "f0", f: "epoll_wait", value: ["maxevents": .int(4), "timeout": .int(0)]))
            == .epoll(process: 3, call: .wait(maxEvents: 4, timeout: 0)))
        #expect(try FIFOModel(parameters: model.parameters).setups.first?.setup.sharedEpoll == [[1, 2]])
        #expect(throws: ModelError.self) { try FIFOModel(parameters: ["objects": ["f0": ["sharedEpoll": [[1, 2], [2, 3]]]]]) }
    }
}

