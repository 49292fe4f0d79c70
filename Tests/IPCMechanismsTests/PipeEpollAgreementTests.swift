import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// Sequences of nonblocking writes and reads, closes of either end by either of two holders, `F_SETPIPE_SZ`, and
/// `epoll_ctl` and `epoll_wait` (zero timeout) on each holder's own epoll instance — and `epoll_pwait` (a mask or none),
/// `epoll_pwait2` (a zero or an invalid timespec), `epoll_create` and `epoll_create1` — on a real pipe and on the pipe model:
/// the kernel's output must be one the model allows, call for call — level-triggered reports at every wait,
/// `EPOLLET` once per news, `EPOLLONESHOT` once until MOD, `EPOLLHUP`/`EPOLLERR` unasked, and `epoll_ctl`'s errors —
/// with `EPOLLEXCLUSIVE` and `EPOLLWAKEUP` drawn in ADD and MOD too (`EpollExclusiveFactsTests`: the flag's errors, and
/// a lone holder's exclusive registration reporting as a plain one).
@Suite struct PipeEpollAgreementTests {
    typealias Events = PipeModel.EpollEvents

    enum Operation: Sendable, CustomStringConvertible {
        case write(holder: Int, size: Int)
        case read(Int)
        case close(holder: Int, end: PipeModel.End)
        case setSize(Int)
        case control(holder: Int, operation: PipeModel.EpollOperation, end: PipeModel.End?, events: Events)
        case wait(holder: Int, maxEvents: Int)
        /// `epoll_pwait` or `epoll_pwait2` (with a zero or invalid timespec: nothing sleeps).
        case waitAs(holder: Int, maxEvents: Int, form: Epoll.WaitForm)
        case create(holder: Int, Epoll.Creation)
        /// A misdirected call (through an end or a regular file, or of a regular file) or a wait with `maxevents`
        /// around `EP_MAX_EVENTS` (``EpollAgreement/misdirections(_:_:)``).
        case misdirected(holder: Int, Epoll.Call<PipeModel.End>)

        var description: String {
            switch self {
            case .write(let holder, let size): "write\(holder)(\(size))"
            case .read(let max): "read(\(max))"
            case .close(let holder, let end): "close\(holder)(\(end))"
            case .setSize(let size): "F_SETPIPE_SZ(\(size))"
            case .control(let holder, let operation, let end, let events):
                "epoll_ctl\(holder)(\(operation.name), \(end.map(\.rawValue) ?? "epoll"), \(events))"
            case .wait(let holder, let maxEvents): "epoll_wait\(holder)(\(maxEvents))"
            case .waitAs(let holder, let maxEvents, let form):
                "\(Epoll.Call<PipeModel.End>.wait(maxEvents: maxEvents, timeout: 0, form: form))@\(holder)"
            case .create(let holder, let creation): "\(creation)@\(holder)"
            case .misdirected(let holder, let call): "\(call)@\(holder)"
            }
        }
    }

    static let eventChoices: [Events] = [
        .input, [.input, .edgeTriggered], [.input, .oneShot], .output, [.output, .edgeTriggered], [.input, .output, .edgeTriggered], [],
        [.input, .readNormal, .edgeTriggered], [.output, .writeNormal, .oneShot, .edgeTriggered],
    ]
    static let operationChoices: [PipeModel.EpollOperation] = [.add, .add, .modify, .delete, .other(7)]
    /// `EPOLLEXCLUSIVE` with the bits ADD takes, with one it refuses (`EPOLLRDNORM`, `EPOLLONESHOT`), and
    /// `EPOLLWAKEUP` with and without it.
    static let exclusiveChoices: [Events] = [
        [.exclusive, .input], [.exclusive, .input, .edgeTriggered], [.exclusive, .output], [.exclusive, .input, .wakeUp], [.wakeUp, .input],
        [.exclusive, .input, .readNormal], [.exclusive, .input, .oneShot], [.exclusive], [.wakeUp, .output, .edgeTriggered],
    ]
    /// `epoll_pwait`'s masks and `epoll_pwait2`'s timespecs (zero, or invalid: each of the three ways), with or without
    /// a mask.
    static let waitForms: [Epoll.WaitForm] = [
        .pwait(signals: nil), .pwait(signals: [10]), .pwait(signals: [10, 2, 9]),
        .pwait2(timeout: Epoll.Timespec(seconds: 0, nanoseconds: 0), signals: nil), .pwait2(timeout: Epoll.Timespec(seconds: 0, nanoseconds: 0), signals: [10]),
        .pwait2(timeout: Epoll.Timespec(seconds: 0, nanoseconds: 1_000_000_000), signals: nil), .pwait2(timeout: Epoll.Timespec(seconds: 0, nanoseconds: -1), signals: nil),
        .pwait2(timeout: Epoll.Timespec(seconds: -1, nanoseconds: 0), signals: [10]),
    ]
    static let creations: [Epoll.Creation] = [.size(1), .size(0), .size(-1), .size(1 << 30), .flags(0), .flags(Epoll.Creation.closeOnExec), .flags(1), .flags(0x800), .flags(Epoll.Creation.closeOnExec | 2)]

    static let operations = Gen.oneOf(
        Gen.int(in: 1...9000).map { Operation.write(holder: 1 + $0 % 2, size: $0) }.eraseToAny(),
        Gen.int(in: 1...300).map { Operation.write(holder: 1 + $0 % 2, size: $0) }.eraseToAny(),
        Gen.int(in: 0...9000).map { Operation.read($0) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.close(holder: 1 + $0 % 2, end: $0 < 2 ? .read : .write) }.eraseToAny(),
        Gen.int(in: 0...2).map { Operation.setSize([4096, 8192, 65536][$0]) }.eraseToAny(),
        Gen.int(in: 0...359).map { value in
            Operation.control(
                holder: 1 + value % 2, operation: Self.operationChoices[(value / 2) % 5], end: value % 20 == 19 ? nil : (value / 10) % 2 == 0 ? .read : .write,
                events: Self.eventChoices[(value / 40) % 9])
        }.eraseToAny(),
        Gen.int(in: 0...143).map { value in
            Operation.control(
                holder: 1 + value % 2, operation: [.add, .add, .modify, .delete][(value / 2) % 4], end: (value / 8) % 2 == 0 ? .read : .write,
                events: Self.exclusiveChoices[(value / 16) % 9])
        }.eraseToAny(),
        Gen.int(in: 0...5).map { Operation.wait(holder: 1 + $0 % 2, maxEvents: [1, 16, 0][$0 / 2]) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.wait(holder: 1 + $0 % 2, maxEvents: 16) }.eraseToAny(),
        Gen.int(in: 0...47).map { Operation.waitAs(holder: 1 + $0 % 2, maxEvents: [16, 16, 1][($0 / 2) % 3], form: Self.waitForms[$0 / 6]) }.eraseToAny(),
        Gen.int(in: 0...4).map { Operation.waitAs(holder: 1 + $0 % 2, maxEvents: 0, form: Self.waitForms[$0 + 3]) }.eraseToAny(),
        Gen.int(in: 0...17).map { Operation.create(holder: 1 + $0 % 2, Self.creations[$0 / 2]) }.eraseToAny(),
        EpollAgreement.misdirections([PipeModel.End.read, .write]) { Operation.misdirected(holder: $0, $1) }
    ).array(of: 1...50)

    /// The measured facts, each in order: the plausible wrong outcome of each (a second edge-triggered report with
    /// nothing new, a one-shot reported twice without MOD, level-triggered silent over buffered bytes) would disagree.
    static let directedSequences: [[Operation]] = [
        // EPOLLET on the read end: once per write, not after a read that leaves bytes; MOD re-arms; the hang-up once.
        [.control(holder: 1, operation: .add, end: .read, events: [.input, .edgeTriggered]), .wait(holder: 1, maxEvents: 16),
         .write(holder: 2, size: 2), .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16),
         .write(holder: 2, size: 2), .write(holder: 1, size: 2), .wait(holder: 1, maxEvents: 16), .read(1), .wait(holder: 1, maxEvents: 16),
         .control(holder: 1, operation: .modify, end: .read, events: [.input, .edgeTriggered]), .wait(holder: 1, maxEvents: 16),
         .wait(holder: 1, maxEvents: 16), .close(holder: 1, end: .write), .close(holder: 2, end: .write), .wait(holder: 1, maxEvents: 16),
         .wait(holder: 1, maxEvents: 16)],
        // EPOLLONESHOT: once, silent after more writes, EEXIST on ADD, re-armed by MOD.
        [.control(holder: 2, operation: .add, end: .read, events: [.input, .oneShot]), .write(holder: 1, size: 1), .wait(holder: 2, maxEvents: 16),
         .wait(holder: 2, maxEvents: 16), .write(holder: 1, size: 1), .wait(holder: 2, maxEvents: 16),
         .control(holder: 2, operation: .add, end: .read, events: .input), .control(holder: 2, operation: .modify, end: .read, events: [.input, .oneShot]),
         .wait(holder: 2, maxEvents: 16), .control(holder: 2, operation: .delete, end: .read, events: []), .wait(holder: 2, maxEvents: 16)],
        // Level-triggered: every wait while bytes are buffered; none once drained; HUP unasked, ERR unasked.
        [.control(holder: 1, operation: .add, end: .read, events: .input), .write(holder: 1, size: 3), .wait(holder: 1, maxEvents: 16),
         .wait(holder: 1, maxEvents: 16), .read(1), .wait(holder: 1, maxEvents: 16), .read(10), .wait(holder: 1, maxEvents: 16),
         .control(holder: 2, operation: .add, end: .write, events: []), .wait(holder: 2, maxEvents: 16),
         .close(holder: 1, end: .read), .close(holder: 2, end: .read), .wait(holder: 2, maxEvents: 16),
         .control(holder: 1, operation: .add, end: .read, events: .input)],
        // EPOLLET on the write end: once at ADD; a write is no news; a read from a full pipe is.
        [.control(holder: 1, operation: .add, end: .write, events: [.output, .edgeTriggered]), .wait(holder: 1, maxEvents: 16),
         .write(holder: 1, size: 1), .wait(holder: 1, maxEvents: 16), .read(1), .wait(holder: 1, maxEvents: 16),
         .write(holder: 1, size: 65536), .wait(holder: 1, maxEvents: 16), .read(4096), .wait(holder: 1, maxEvents: 16), .read(4096),
         .wait(holder: 1, maxEvents: 16)],
        // Errors in the kernel's order, and maxevents.
        [.control(holder: 1, operation: .modify, end: .read, events: .input), .control(holder: 1, operation: .delete, end: .write, events: []),
         .control(holder: 1, operation: .add, end: nil, events: .input), .control(holder: 1, operation: .other(7), end: .read, events: .input),
         .control(holder: 1, operation: .add, end: .read, events: .input), .control(holder: 1, operation: .add, end: .write, events: .output),
         .control(holder: 1, operation: .other(7), end: .read, events: .input), .wait(holder: 1, maxEvents: 0), .write(holder: 2, size: 5),
         .wait(holder: 1, maxEvents: 1), .wait(holder: 1, maxEvents: 16), .close(holder: 1, end: .read),
         .control(holder: 1, operation: .add, end: .read, events: .input), .control(holder: 1, operation: .other(7), end: .read, events: .input),
         .wait(holder: 1, maxEvents: 16)],
        // epoll_pwait and epoll_pwait2 as epoll_wait; an invalid timespec EINVAL even with the end ready; the creations.
        [.control(holder: 1, operation: .add, end: .read, events: .input), .waitAs(holder: 1, maxEvents: 16, form: Self.waitForms[1]),
         .waitAs(holder: 1, maxEvents: 16, form: Self.waitForms[3]), .write(holder: 2, size: 3), .waitAs(holder: 1, maxEvents: 0, form: Self.waitForms[0]),
         .waitAs(holder: 1, maxEvents: 16, form: Self.waitForms[2]), .waitAs(holder: 1, maxEvents: 16, form: Self.waitForms[4]),
         .waitAs(holder: 1, maxEvents: 16, form: Self.waitForms[5]), .waitAs(holder: 1, maxEvents: 0, form: Self.waitForms[6]),
         .waitAs(holder: 1, maxEvents: 1, form: Self.waitForms[7]), .create(holder: 1, .size(0)), .create(holder: 2, .size(1)),
         .create(holder: 1, .flags(Epoll.Creation.closeOnExec)), .create(holder: 2, .flags(0)), .create(holder: 1, .flags(0x800)),
         .waitAs(holder: 1, maxEvents: 16, form: Self.waitForms[0])],
        // EPOLLEXCLUSIVE on holder 1's read end once holder 2 has closed its own (no other holder could sleep ahead):
        // level-triggered at every wait, EPOLLET once per write; MOD of it EINVAL, with the flag too, and before ENOENT;
        // a refused bit EINVAL before EEXIST; DEL works. EPOLLWAKEUP changes nothing.
        [.close(holder: 2, end: .read), .control(holder: 1, operation: .modify, end: .read, events: [.exclusive, .input]),
         .control(holder: 1, operation: .add, end: .read, events: [.exclusive, .input]), .wait(holder: 1, maxEvents: 16), .write(holder: 2, size: 3),
         .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16), .control(holder: 1, operation: .modify, end: .read, events: .input),
         .control(holder: 1, operation: .modify, end: .read, events: [.exclusive, .input]), .control(holder: 1, operation: .add, end: .read, events: [.exclusive, .input, .oneShot]),
         .control(holder: 1, operation: .add, end: .read, events: .input), .read(3), .wait(holder: 1, maxEvents: 16),
         .control(holder: 1, operation: .delete, end: .read, events: []),
         .control(holder: 1, operation: .add, end: .read, events: [.exclusive, .input, .edgeTriggered, .wakeUp]), .wait(holder: 1, maxEvents: 16),
         .write(holder: 2, size: 1), .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16),
         .control(holder: 2, operation: .add, end: .write, events: [.wakeUp, .output]), .wait(holder: 2, maxEvents: 16),
         .control(holder: 2, operation: .modify, end: .write, events: [.wakeUp, .input]), .wait(holder: 2, maxEvents: 16)],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations,
            marks: Set([
                "EPOLLIN", "EPOLLOUT", "EPOLLHUP", "EPOLLERR", "EEXIST", "ENOENT", "EINVAL", "EBADF", "edge silent", "two reported",
                "epoll_pwait reported", "epoll_pwait2 reported", "timespec EINVAL while ready", "created", "created FD_CLOEXEC", "creation EINVAL",
                "exclusive added", "exclusive reported", "exclusive EINVAL", "EPERM", "misdirected EINVAL", "maxevents over EP_MAX_EVENTS",
            ]),
            check: { operations, seen throws in try Self.check(operations: operations, seen: seen) })
    }

    /// Runs one sequence on a fresh pipe and the model side by side; records an issue at the first disagreement.
    /// A disagreement counts only when a second run repeats it (``PipeAgreement/repeatingDisagreements(_:)``).
    static func check(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements { try checkOnce(operations: operations, seen: seen) }
    }

    /// A wait's events as the model's reports. An event whose data is no number this check registered cannot come from
    /// its own calls — another test of the process closed a number it no longer owned, and ours was reused (the full
    /// suite crashed here once on a forced unwrap) — so it is a disagreement, which counts only if a second run
    /// repeats it, never a crash of the whole test process.
    static func reports(_ events: [(descriptor: CInt, events: Events)], registered: [CInt: PipeModel.End]) -> PipeModel.Output {
        var reports: [PipeModel.EpollReport] = []
        for event in events {
            guard let end = registered[event.descriptor] else { return .failed(ErrorCode("an event for descriptor \(event.descriptor), never registered")) }
            reports.append(PipeModel.EpollReport(end: end, events: event.events))
        }
        return .epollEvents(reports.sorted())
    }

    static func checkOnce(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try Syscall.withoutConcurrentSpawns {
            // Holder 1 and holder 2 each have their own description of each end, and their own epoll instance.
            let pipe = try HeldPipeEnds()
            let instances = [1: try KernelEpoll.create(), 2: try KernelEpoll.create()]
            defer { for descriptor in instances.values { try? Syscall.close(descriptor) } }
            // The end each registered number was added as, per holder.
            var registered: [Int: [CInt: PipeModel.End]] = [1: [:], 2: [:]]
            let model = HeldPipeEnds.model
            var states = [model.initialState(of: "p0")]
            for (index, operation) in operations.enumerated() {
                let input: PipeModel.Input
                let kernel: PipeModel.Output
                do throws(Errno) {
                    switch operation {
                    case .write(let holder, let size): (input, kernel) = pipe.write(holder: holder, size: size, fill: UInt8(truncatingIfNeeded: index))
                    case .read(let max): (input, kernel) = pipe.read(max: max)
                    case .close(let holder, let end):
                        if let descriptor = pipe.ends[end]![holder] { registered[holder]![descriptor.rawValue] = nil }
                        (input, kernel) = pipe.close(holder: holder, end: end)
                    case .setSize(let size): (input, kernel) = pipe.setSize(size)
                    case .control(let holder, let operation, let end, let events):
                        input = .epoll(process: holder, call: .control(operation: operation, end: end, events: events))
                        let instance = instances[holder]!.rawValue
                        // An end the holder closed is -1 (EBADF), never its old number, which another file may have taken.
                        let target = end.map { pipe.ends[$0]![holder]?.rawValue ?? -1 } ?? instance
                        try EpollAgreement.control(instance, operation, target, events)
                        if case .add = operation, let end { registered[holder]![target] = end }
                        kernel = .epollControlled
                    case .waitAs(let holder, let maxEvents, let form):
                        input = .epoll(process: holder, call: .wait(maxEvents: maxEvents, timeout: 0, form: form))
                        let events = try EpollAgreement.wait(instances[holder]!.rawValue, maxEvents: maxEvents, form: form)
                        kernel = Self.reports(events.map { ($0.descriptor, $0.events) }, registered: registered[holder]!)
                    case .create(let holder, let creation):
                        input = .epoll(process: holder, call: .create(creation))
                        let made: FileDescriptor
                        switch creation {
                        case .size(let size): made = try KernelEpoll.create(size: CInt(size))
                        case .flags(let bits): made = try KernelEpoll.create(flags: CInt(bits))
                        }
                        defer { try? Syscall.close(made) }
                        kernel = .epollCreated(closeOnExec: try KernelEpoll.closeOnExec(made.rawValue))
                    case .misdirected(let holder, let call):
                        input = .epoll(process: holder, call: call)
                        let instance = instances[holder]!.rawValue
                        let events: [(descriptor: CInt, events: Events)]?
                        switch call {
                        case .misdirected(let misdirected):
                            events = try EpollAgreement.perform(misdirected, instance: instance) { pipe.ends[$0]![holder]?.rawValue ?? -1 }
                        case .wait(let maxEvents, _, let form): events = try EpollAgreement.wait(instance, maxEvents: maxEvents, form: form)
                        default: preconditionFailure("misdirections draw misdirected calls and waits")
                        }
                        kernel = events.map { Self.reports($0, registered: registered[holder]!) } ?? .epollControlled
                    case .wait(let holder, let maxEvents):
                        input = .epoll(process: holder, call: .wait(maxEvents: maxEvents, timeout: 0))
                        let events = try KernelEpoll.wait(instances[holder]!.rawValue, maxEvents: maxEvents, timeoutMilliseconds: 0)
                        kernel = Self.reports(events.map { ($0.descriptor, Events(rawValue: Int($0.events.rawValue))) }, registered: registered[holder]!)
                    }
                } catch {
                    kernel = .failed(ErrorCode(error.name))
                }
                guard let next = PipeAgreement.nextStates(model, from: states, input, kernel: kernel, context: "operation \(index) \(operation) of \(operations)") else {
                    return
                }
                seen.withLock { seen in
                    switch kernel {
                    case .epollEvents(let reports):
                        for report in reports { seen.formUnion(report.events.names) }
                        if !reports.isEmpty, case .waitAs(_, _, let form) = operation { seen.insert("\(form.name) reported") }
                        if reports.count > 1 { seen.insert("two reported") }
                        if case .wait(let holder, _) = operation,
                            reports.contains(where: { report in states.contains { $0.epoll.contains { $0.process == holder && $0.end == report.end && $0.exclusive } } })
                        {
                            seen.insert("exclusive reported")
                        }
                        if reports.isEmpty, case .wait(let holder, _) = operation,
                            states.contains(where: { state in state.epoll.contains { $0.process == holder && $0.edgeTriggered && !$0.disabled && model.readiness(of: holder, $0.end, in: state).map { !$0.isEmpty } == true } })
                        {
                            seen.insert("edge silent")
                        }
                    case .failed(let code):
                        seen.insert(code.rawValue)
                        if case .misdirected(_, .misdirected) = operation, code == .EINVAL { seen.insert("misdirected EINVAL") }
                        if case .misdirected(_, .wait(Epoll.maxEventsLimit + 1, _, _)) = operation { seen.insert("maxevents over EP_MAX_EVENTS") }
                        if case .control(_, _, _, let events) = operation, events.contains(.exclusive), code == .EINVAL { seen.insert("exclusive EINVAL") }
                        if case .create = operation { seen.insert("creation EINVAL") }
                        if case .waitAs(let holder, let maxEvents, .pwait2(let timeout?, _)) = operation, !timeout.isValid, maxEvents > 0,
                            states.contains(where: { state in state.epoll.contains { $0.process == holder && !$0.edgeTriggered && model.readiness(of: holder, $0.end, in: state).map { !$0.isEmpty } == true } })
                        {
                            seen.insert("timespec EINVAL while ready")
                        }
                    case .epollCreated(let closeOnExec): seen.insert(closeOnExec == true ? "created FD_CLOEXEC" : "created")
                    case .epollControlled:
                        if case .control(_, .add, _, let events) = operation, events.contains(.exclusive) { seen.insert("exclusive added") }
                    default: break
                    }
                }
                states = next
            }
        }
    }

    /// The plausible wrong outcomes the model rejects, each beside the kernel's (measured in `KernelEpollFactsTests`).
    @Test func thePlausibleWrongOutcomesAreRejected() {
        let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [1], nonblocking: true))])
        func after(_ inputs: [(PipeModel.Input, PipeModel.Output)]) -> PipeModel.State {
            var state = model.initialState(of: "p0")
            for (input, output) in inputs { state = model.step(state, input, output).first!.state }
            return state
        }
        func control(_ operation: PipeModel.EpollOperation, _ end: PipeModel.End, _ events: Events) -> (PipeModel.Input, PipeModel.Output) {
            (.epoll(process: 1, call: .control(operation: operation, end: end, events: events)), .epollControlled)
        }
        let wait = PipeModel.Input.epoll(process: 1, call: .wait(maxEvents: 16, timeout: 0))
        let readable = PipeModel.Output.epollEvents([.init(end: .read, events: .input)])
        let none = PipeModel.Output.epollEvents([])
        let write = (PipeModel.Input.write(process: 1, data: [1, 2], nonblocking: true), PipeModel.Output.wrote(2))
        // A second EPOLLET report with nothing new, also after a read that leaves bytes.
        let edge = after([control(.add, .read, [.input, .edgeTriggered]), write, (wait, readable)])
        #expect(model.step(edge, wait, readable).isEmpty)
        #expect(!model.step(edge, wait, none).isEmpty)
        let readOne = (PipeModel.Input.read(process: 1, max: 1, nonblocking: true), PipeModel.Output.read([1]))
        #expect(model.step(after([control(.add, .read, [.input, .edgeTriggered]), write, (wait, readable), readOne]), wait, readable).isEmpty)
        // A write after the report is news again: silence is wrong.
        #expect(model.step(after([control(.add, .read, [.input, .edgeTriggered]), write, (wait, readable), write]), wait, none).isEmpty)
        // A one-shot reported twice without MOD.
        let once = after([control(.add, .read, [.input, .oneShot]), write, (wait, readable)])
        #expect(model.step(once, wait, readable).isEmpty)
        #expect(!model.step(after([control(.add, .read, [.input, .oneShot]), write, (wait, readable), control(.modify, .read, [.input, .oneShot])]), wait, readable).isEmpty)
        // Level-triggered silent over buffered bytes; EPOLLHUP missing once the writers are gone.
        let level = after([control(.add, .read, .input), write, (wait, readable)])
        #expect(model.step(level, wait, none).isEmpty)
        // EPOLLEXCLUSIVE alone on the end: silent over buffered bytes is wrong; MOD of it, or ADD with a refused bit, done.
        let exclusive = after([control(.add, .read, [.exclusive, .input]), write, (wait, readable)])
        #expect(model.step(exclusive, wait, none).isEmpty)
        #expect(!model.step(exclusive, wait, readable).isEmpty)
        #expect(model.step(exclusive, control(.modify, .read, .input).0, .epollControlled).isEmpty)
        #expect(!model.step(exclusive, control(.modify, .read, .input).0, .failed(.EINVAL)).isEmpty)
        #expect(model.step(after([]), control(.add, .read, [.exclusive, .input, .readNormal]).0, .epollControlled).isEmpty)
        #expect(model.step(after([]), control(.modify, .read, [.exclusive, .input]).0, .failed(.ENOENT)).isEmpty)
        #expect(model.step(after([]), control(.add, .read, [.wakeUp, .input, .readNormal]).0, .failed(.EINVAL)).isEmpty)
        let hungUp = after([control(.add, .read, []), (.close(process: 1, end: .write), .closed)])
        #expect(model.step(hungUp, wait, none).isEmpty)
        #expect(!model.step(hungUp, wait, .epollEvents([.init(end: .read, events: .hangUp)])).isEmpty)
        // The last writer's exit is its close: the hang-up is news for an edge-triggered reader.
        let twoProcesses = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [2], nonblocking: true))])
        var reader = twoProcesses.initialState(of: "p0")
        reader = twoProcesses.step(reader, control(.add, .read, [.input, .edgeTriggered]).0, .epollControlled).first!.state
        reader = twoProcesses.step(reader, wait, none).first!.state
        reader = twoProcesses.step(reader, .exit(process: 2), .exited).first!.state
        #expect(twoProcesses.step(reader, wait, none).isEmpty)
        #expect(!twoProcesses.step(reader, wait, .epollEvents([.init(end: .read, events: .hangUp)])).isEmpty)
        // Errors: EEXIST, ENOENT, EINVAL for the instance itself and maxevents 0, EBADF before EINVAL.
        let added = after([control(.add, .read, .input)])
        #expect(model.step(added, control(.add, .read, .output).0, .epollControlled).isEmpty)
        #expect(!model.step(added, control(.add, .read, .output).0, .failed(.EEXIST)).isEmpty)
        #expect(!model.step(added, control(.modify, .write, .output).0, .failed(.ENOENT)).isEmpty)
        #expect(!model.step(added, .epoll(process: 1, call: .control(operation: .add, end: nil, events: .input)), .failed(.EINVAL)).isEmpty)
        #expect(!model.step(added, .epoll(process: 1, call: .wait(maxEvents: 0, timeout: 0)), .failed(.EINVAL)).isEmpty)
        let closed = after([(.close(process: 1, end: .read), .closed)])
        #expect(!model.step(closed, .epoll(process: 1, call: .control(operation: .other(7), end: .read, events: .input)), .failed(.EBADF)).isEmpty)
        #expect(model.step(closed, .epoll(process: 1, call: .control(operation: .other(7), end: .read, events: .input)), .failed(.EINVAL)).isEmpty)
        // Asleep: a blocking wait with nothing to report has no completion, but EINTR; with something, no EINTR.
        let forever = PipeModel.Input.epoll(process: 1, call: .wait(maxEvents: 16, timeout: -1))
        #expect(model.step(added, forever, none).isEmpty)
        #expect(!model.step(added, forever, .failed(.EINTR)).isEmpty)
        #expect(model.step(level, forever, .failed(.EINTR)).isEmpty)
        // epoll_pwait is epoll_wait: silence over buffered bytes is wrong with a mask too; maxevents 0 EINVAL.
        let masked = PipeModel.Input.epoll(process: 1, call: .wait(maxEvents: 16, timeout: 0, form: .pwait(signals: [10])))
        #expect(model.step(level, masked, none).isEmpty)
        #expect(!model.step(level, masked, readable).isEmpty)
        #expect(model.step(level, .epoll(process: 1, call: .wait(maxEvents: 0, timeout: 0, form: .pwait(signals: nil))), none).isEmpty)
        // epoll_pwait2: an invalid timespec is EINVAL even with the end ready (a wrong belief: it is looked at only when
        // the wait would sleep, or after maxevents); a null one sleeps (no return of nothing), a zero one does not.
        for timespec in [Epoll.Timespec(seconds: 0, nanoseconds: 1_000_000_000), Epoll.Timespec(seconds: -1, nanoseconds: 0)] {
            let invalid = PipeModel.Input.epoll(process: 1, call: .wait(maxEvents: 16, timeout: 0, form: .pwait2(timeout: timespec, signals: nil)))
            #expect(model.step(level, invalid, readable).isEmpty)
            #expect(!model.step(level, invalid, .failed(.EINVAL)).isEmpty)
            #expect(model.step(added, invalid, none).isEmpty)
        }
        let null = PipeModel.Input.epoll(process: 1, call: .wait(maxEvents: 16, timeout: -1, form: .pwait2(timeout: nil, signals: nil)))
        #expect(model.step(added, null, none).isEmpty)
        #expect(!model.step(level, null, readable).isEmpty)
        let zero = PipeModel.Input.epoll(process: 1, call: .wait(maxEvents: 16, timeout: 0, form: .pwait2(timeout: .init(seconds: 0, nanoseconds: 0), signals: nil)))
        #expect(!model.step(added, zero, none).isEmpty)
        // epoll_create(0) and epoll_create1 of another bit accepted; FD_CLOEXEC the wrong way round; no EMFILE with a
        // free number known.
        func create(_ creation: Epoll.Creation) -> PipeModel.Input { .epoll(process: 1, call: .create(creation)) }
        #expect(model.step(added, create(.size(0)), .epollCreated(closeOnExec: false)).isEmpty)
        #expect(model.step(added, create(.size(0)), .epollCreated(closeOnExec: nil)).isEmpty)
        #expect(!model.step(added, create(.size(0)), .failed(.EINVAL)).isEmpty)
        #expect(model.step(added, create(.flags(0x800)), .epollCreated(closeOnExec: false)).isEmpty)
        #expect(model.step(added, create(.size(1)), .epollCreated(closeOnExec: true)).isEmpty)
        #expect(model.step(added, create(.flags(Epoll.Creation.closeOnExec)), .epollCreated(closeOnExec: false)).isEmpty)
        #expect(!model.step(added, create(.flags(Epoll.Creation.closeOnExec)), .epollCreated(closeOnExec: true)).isEmpty)
        #expect(!model.step(added, create(.size(1)), .failed(ErrorCode("EMFILE"))).isEmpty)
        let counted = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [1], nonblocking: true, descriptorLimits: [.init(process: 1, free: 2, limit: 64)]))])
        #expect(counted.step(counted.initialState(of: "p0"), create(.size(1)), .failed(ErrorCode("EMFILE"))).isEmpty)
    }
}
