import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// Nonblocking opens (`O_RDONLY`, `O_WRONLY`, now and then `O_RDWR`), writes, reads and closes by two holders of a real
/// FIFO, each through its latest open of the end as the worker does, and `epoll_ctl` and zero-timeout `epoll_wait` on
/// each holder's own epoll instance — on the kernel and on the fifo model side by side: the kernel's output must be
/// one the model allows, call for call. What the FIFO adds to the pipe's epoll (`KernelFIFOEpollFactsTests`): no
/// `EPOLLHUP` for a reader opened before any writer, the first writer's open as news for edge-triggered readers, a
/// registration going with its open's close. And copies (`KernelFIFOEpollDuplicateFactsTests`): `dup`, `F_DUPFD` and
/// `dup2` onto a free number of the newest descriptor of an end, and closes of copies — a registration is the number it
/// was added through, kept while its description lives (still reported after that number's close). A registered number
/// closed is pinned (`/dev/null` put on it) until the end, so no later descriptor takes it and each report's number
/// still names the end it was added as; the model, which has no numbers, judges such a reuse not at all.
@Suite struct FIFOEpollAgreementTests {
    typealias Events = Epoll.Events

    enum Operation: Sendable, CustomStringConvertible {
        case open(holder: Int, end: PipeModel.End)
        case openReadWrite(holder: Int)
        case write(holder: Int, size: Int)
        case read(holder: Int, max: Int)
        case close(holder: Int, end: PipeModel.End)
        case control(holder: Int, operation: Epoll.Operation, end: PipeModel.End?, events: Events)
        case wait(holder: Int, maxEvents: Int)
        /// `dup` (`minimum` nil), `F_DUPFD` with `minimum`, or (`onto`) `dup2` onto a free number.
        case duplicate(holder: Int, end: PipeModel.End, minimum: Int?, onto: Bool)
        /// A misdirected call or a wait with `maxevents` around `EP_MAX_EVENTS` (``EpollAgreement/misdirections(_:_:)``).
        case misdirected(holder: Int, Epoll.Call<PipeModel.End>)

        var description: String {
            switch self {
            case .open(let holder, let end): "open\(holder)(\(end))"
            case .openReadWrite(let holder): "open\(holder)(O_RDWR)"
            case .write(let holder, let size): "write\(holder)(\(size))"
            case .read(let holder, let max): "read\(holder)(\(max))"
            case .close(let holder, let end): "close\(holder)(\(end))"
            case .control(let holder, let operation, let end, let events):
                "epoll_ctl\(holder)(\(operation.name), \(end.map(\.rawValue) ?? "epoll"), \(events))"
            case .wait(let holder, let maxEvents): "epoll_wait\(holder)(\(maxEvents))"
            case .duplicate(let holder, let end, let minimum, let onto):
                onto ? "dup2\(holder)(\(end), free)" : minimum.map { "F_DUPFD\(holder)(\(end), \($0))" } ?? "dup\(holder)(\(end))"
            case .misdirected(let holder, let call): "\(call)@\(holder)"
            }
        }
    }

    static func end(_ number: Int) -> PipeModel.End { number % 2 == 0 ? .read : .write }

    static let operations = Gen.oneOf(
        Gen.int(in: 0...3).map { Operation.open(holder: 1 + $0 / 2, end: end($0)) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.open(holder: 1 + $0 / 2, end: end($0)) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.openReadWrite(holder: 1 + $0 % 2) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.close(holder: 1 + $0 / 2, end: end($0)) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.close(holder: 1 + $0 / 2, end: end($0)) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.duplicate(holder: 1 + $0 / 2, end: end($0), minimum: nil, onto: false) }.eraseToAny(),
        Gen.int(in: 0...7).map { Operation.duplicate(holder: 1 + $0 / 4, end: end($0), minimum: $0 % 4 < 2 ? 40 : nil, onto: $0 % 4 >= 2) }.eraseToAny(),
        Gen.int(in: 1...300).map { Operation.write(holder: 1 + $0 % 2, size: $0) }.eraseToAny(),
        Gen.int(in: 0...300).map { Operation.read(holder: 1 + $0 % 2, max: $0) }.eraseToAny(),
        Gen.int(in: 0...359).map { value in
            Operation.control(
                holder: 1 + value % 2, operation: PipeEpollAgreementTests.operationChoices[(value / 2) % 5],
                end: value % 20 == 19 ? nil : (value / 10) % 2 == 0 ? .read : .write,
                events: PipeEpollAgreementTests.eventChoices[(value / 40) % 9])
        }.eraseToAny(),
        Gen.int(in: 0...5).map { Operation.wait(holder: 1 + $0 % 2, maxEvents: [1, 16, 0][$0 / 2]) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.wait(holder: 1 + $0 % 2, maxEvents: 16) }.eraseToAny(),
        EpollAgreement.misdirections([PipeModel.End.read, .write]) { Operation.misdirected(holder: $0, $1) }
    ).array(of: 1...40)

    static let level: Events = .input
    static let edge: Events = [.input, .edgeTriggered]

    /// The measured facts, each in order; the plausible wrong outcome of each (`EPOLLHUP` before any writer opened, or
    /// after a new writer opened; the first writer's open no news; a registration outliving its open) would disagree.
    static let directedSequences: [[Operation]] = [
        // No hang-up before a writer ever opened, nor while it is open; HUP after its close; gone at the next open.
        [.open(holder: 1, end: .read), .control(holder: 1, operation: .add, end: .read, events: level), .wait(holder: 1, maxEvents: 16),
         .open(holder: 2, end: .write), .wait(holder: 1, maxEvents: 16), .close(holder: 2, end: .write), .wait(holder: 1, maxEvents: 16),
         .wait(holder: 1, maxEvents: 16), .open(holder: 2, end: .write), .wait(holder: 1, maxEvents: 16)],
        // The same edge-triggered: HUP once; the first writer's open is news (bytes left are reported again).
        [.open(holder: 1, end: .read), .control(holder: 1, operation: .add, end: .read, events: edge), .wait(holder: 1, maxEvents: 16),
         .open(holder: 2, end: .write), .write(holder: 2, size: 3), .close(holder: 2, end: .write), .wait(holder: 1, maxEvents: 16),
         .wait(holder: 1, maxEvents: 16), .open(holder: 2, end: .write), .wait(holder: 1, maxEvents: 16), .open(holder: 2, end: .write),
         .wait(holder: 1, maxEvents: 16), .close(holder: 2, end: .write), .close(holder: 2, end: .write), .wait(holder: 1, maxEvents: 16)],
        // A writer's edge-triggered registration: a reader's open is no news, the last reader's close is (EPOLLERR).
        [.open(holder: 1, end: .read), .open(holder: 2, end: .write), .close(holder: 1, end: .read),
         .control(holder: 2, operation: .add, end: .write, events: [.output, .edgeTriggered]), .wait(holder: 2, maxEvents: 16),
         .wait(holder: 2, maxEvents: 16), .open(holder: 1, end: .read), .wait(holder: 2, maxEvents: 16), .close(holder: 1, end: .read),
         .wait(holder: 2, maxEvents: 16)],
        // A registration goes with its open's close: a wait reports nothing, MOD is EBADF, a new open's ADD succeeds.
        [.open(holder: 1, end: .read), .open(holder: 2, end: .write), .control(holder: 1, operation: .add, end: .read, events: level),
         .write(holder: 2, size: 1), .wait(holder: 1, maxEvents: 16), .close(holder: 1, end: .read), .wait(holder: 1, maxEvents: 16),
         .control(holder: 1, operation: .modify, end: .read, events: level), .open(holder: 1, end: .read),
         .control(holder: 1, operation: .modify, end: .read, events: level), .control(holder: 1, operation: .add, end: .read, events: edge),
         .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16)],
        // An O_RDWR open by the other holder: news and no hang-up for the reader; its close, the hang-up.
        [.open(holder: 1, end: .read), .control(holder: 1, operation: .add, end: .read, events: edge), .wait(holder: 1, maxEvents: 16),
         .openReadWrite(holder: 2), .write(holder: 2, size: 2), .wait(holder: 1, maxEvents: 16), .close(holder: 2, end: .read),
         .wait(holder: 1, maxEvents: 16), .openReadWrite(holder: 2), .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16)],
        // A registration through an O_RDWR open: both ends' bits, never HUP or ERR; the other end's name is the same
        // registration (ADD EEXIST, MOD changes it), reported under the end it was added through; its close takes it.
        [.openReadWrite(holder: 1), .control(holder: 1, operation: .add, end: .write, events: [.input, .output]), .wait(holder: 1, maxEvents: 16),
         .write(holder: 1, size: 2), .wait(holder: 1, maxEvents: 16), .open(holder: 2, end: .read), .close(holder: 2, end: .read),
         .open(holder: 2, end: .write), .close(holder: 2, end: .write), .wait(holder: 1, maxEvents: 16),
         .control(holder: 1, operation: .add, end: .read, events: .input), .control(holder: 1, operation: .modify, end: .read, events: [.input, .edgeTriggered]),
         .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16), .write(holder: 1, size: 1), .wait(holder: 1, maxEvents: 16),
         .close(holder: 1, end: .read), .wait(holder: 1, maxEvents: 16), .control(holder: 1, operation: .delete, end: .write, events: [])],
        // Registered through a copy, the copy closed: still reported, MOD and DEL through the open's own descriptor
        // ENOENT, gone with the last close; the same with F_DUPFD, edge-triggered.
        [.open(holder: 1, end: .read), .open(holder: 2, end: .write), .write(holder: 2, size: 1),
         .duplicate(holder: 1, end: .read, minimum: nil, onto: false), .control(holder: 1, operation: .add, end: .read, events: level),
         .close(holder: 1, end: .read), .wait(holder: 1, maxEvents: 16), .control(holder: 1, operation: .modify, end: .read, events: level),
         .control(holder: 1, operation: .delete, end: .read, events: []), .wait(holder: 1, maxEvents: 16), .close(holder: 1, end: .read),
         .wait(holder: 1, maxEvents: 16), .open(holder: 1, end: .read), .duplicate(holder: 1, end: .read, minimum: 40, onto: false),
         .control(holder: 1, operation: .add, end: .read, events: edge), .close(holder: 1, end: .read), .wait(holder: 1, maxEvents: 16),
         .write(holder: 2, size: 1), .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16)],
        // Registered through the open's own descriptor: a copy is not the registration (MOD ENOENT), its close changes
        // nothing (MOD through the own one succeeds); a writer's copy keeps the end open (no EPOLLHUP) until its close.
        [.open(holder: 1, end: .read), .open(holder: 2, end: .write), .control(holder: 1, operation: .add, end: .read, events: level),
         .duplicate(holder: 1, end: .read, minimum: nil, onto: false), .control(holder: 1, operation: .modify, end: .read, events: level),
         .close(holder: 1, end: .read), .control(holder: 1, operation: .modify, end: .read, events: level),
         .duplicate(holder: 2, end: .write, minimum: nil, onto: true), .close(holder: 2, end: .write), .wait(holder: 1, maxEvents: 16),
         .close(holder: 2, end: .write), .wait(holder: 1, maxEvents: 16)],
        // An O_RDWR open registered through a copy, the copy closed: still both ends' bits.
        [.openReadWrite(holder: 1), .duplicate(holder: 1, end: .write, minimum: nil, onto: false),
         .control(holder: 1, operation: .add, end: .read, events: [.input, .output]), .close(holder: 1, end: .write),
         .write(holder: 1, size: 1), .wait(holder: 1, maxEvents: 16), .control(holder: 1, operation: .modify, end: .write, events: .input),
         .close(holder: 1, end: .read), .wait(holder: 1, maxEvents: 16)],
        // Two opens of a registered end (KernelFIFOEpollTwoOpensFactsTests): the older open's registration still
        // reported, the end naming the new open (MOD ENOENT, ADD succeeds: two entries of the read end), DEL of the new
        // one only; the new open's close makes the older the end's again (MOD succeeds), edge-triggered hang-up news.
        [.open(holder: 1, end: .read), .open(holder: 2, end: .write), .control(holder: 1, operation: .add, end: .read, events: level),
         .write(holder: 2, size: 1), .open(holder: 1, end: .read), .wait(holder: 1, maxEvents: 16),
         .control(holder: 1, operation: .modify, end: .read, events: level), .control(holder: 1, operation: .add, end: .read, events: edge),
         .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 1), .write(holder: 2, size: 2),
         .wait(holder: 1, maxEvents: 16), .control(holder: 1, operation: .delete, end: .read, events: []), .wait(holder: 1, maxEvents: 16),
         .control(holder: 1, operation: .add, end: .read, events: edge), .close(holder: 2, end: .write), .wait(holder: 1, maxEvents: 16),
         .close(holder: 1, end: .read), .wait(holder: 1, maxEvents: 16), .control(holder: 1, operation: .modify, end: .read, events: edge),
         .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16), .close(holder: 1, end: .read), .wait(holder: 1, maxEvents: 16)],
        // Each open's own hang-up suppression; three opens of one end, the middle one registered; the writer's ends too.
        [.open(holder: 1, end: .read), .control(holder: 1, operation: .add, end: .read, events: edge), .open(holder: 2, end: .write),
         .close(holder: 2, end: .write), .open(holder: 1, end: .read), .control(holder: 1, operation: .add, end: .read, events: level),
         .wait(holder: 1, maxEvents: 16), .wait(holder: 1, maxEvents: 16), .open(holder: 1, end: .read), .wait(holder: 1, maxEvents: 16),
         .open(holder: 2, end: .write), .control(holder: 2, operation: .add, end: .write, events: [.output, .edgeTriggered]),
         .open(holder: 2, end: .write), .control(holder: 2, operation: .add, end: .write, events: .output), .wait(holder: 2, maxEvents: 16),
         .close(holder: 2, end: .write), .wait(holder: 2, maxEvents: 16), .close(holder: 1, end: .read), .close(holder: 1, end: .read),
         .wait(holder: 1, maxEvents: 16), .control(holder: 1, operation: .modify, end: .read, events: level), .close(holder: 2, end: .write),
         .wait(holder: 1, maxEvents: 16)],
        // An O_RDWR open while the read end is registered: its own registration under the end it is added through;
        // its close leaves the read open's, the read end its again.
        [.open(holder: 1, end: .read), .open(holder: 2, end: .write), .control(holder: 1, operation: .add, end: .read, events: level),
         .openReadWrite(holder: 1), .wait(holder: 1, maxEvents: 16), .control(holder: 1, operation: .modify, end: .read, events: level),
         .control(holder: 1, operation: .add, end: .write, events: [.input, .output]), .control(holder: 1, operation: .add, end: .read, events: level),
         .write(holder: 1, size: 3), .wait(holder: 1, maxEvents: 16), .close(holder: 2, end: .write), .wait(holder: 1, maxEvents: 16),
         .close(holder: 1, end: .write), .wait(holder: 1, maxEvents: 16), .control(holder: 1, operation: .modify, end: .read, events: .output),
         .wait(holder: 1, maxEvents: 16)],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations,
            marks: ["EPOLLIN", "EPOLLOUT", "EPOLLHUP", "EPOLLERR", "EEXIST", "ENOENT", "EBADF", "EPERM", "ENXIO", "suppressed", "readwrite registered",
                    "closed number reported", "two registrations of one end", "older open reported"],
            check: { operations, seen throws in
                try PipeAgreement.repeatingDisagreements { try Self.checkOnce(operations, seen: seen) }
            })
    }

    /// Two holders sharing one instance, each with opens of its own (``FIFOModel+SharedEpoll``,
    /// `KernelFIFOSharedEpollFactsTests`): each holder's `epoll_ctl` reaches its own opens' registrations only, either's
    /// wait reports both holders' (`EPOLLET` news and `EPOLLONESHOT` consumed for both), a registration goes with its own
    /// open's close; a holder's second ADD of its own open `EEXIST` (the directed sequences meet it, not left to chance).
    static let sharedSequences: [[Operation]] = [
        [.open(holder: 1, end: .read), .open(holder: 2, end: .read), .open(holder: 2, end: .write),
         .control(holder: 1, operation: .add, end: .read, events: level), .control(holder: 2, operation: .add, end: .read, events: edge),
         .control(holder: 1, operation: .add, end: .read, events: edge), .write(holder: 2, size: 3), .wait(holder: 1, maxEvents: 16), .wait(holder: 2, maxEvents: 16), .wait(holder: 1, maxEvents: 1),
         .control(holder: 2, operation: .delete, end: .read, events: []), .control(holder: 2, operation: .delete, end: .read, events: []),
         .wait(holder: 2, maxEvents: 16), .close(holder: 1, end: .read), .wait(holder: 2, maxEvents: 16),
         .control(holder: 2, operation: .add, end: .read, events: level), .wait(holder: 1, maxEvents: 16), .close(holder: 2, end: .write),
         .wait(holder: 1, maxEvents: 16), .close(holder: 2, end: .read), .wait(holder: 1, maxEvents: 16)],
        [.open(holder: 1, end: .read), .open(holder: 1, end: .write), .open(holder: 2, end: .write),
         .control(holder: 1, operation: .add, end: .write, events: [.output, .oneShot]), .control(holder: 2, operation: .add, end: .write, events: .output),
         .wait(holder: 2, maxEvents: 16), .wait(holder: 1, maxEvents: 16), .control(holder: 1, operation: .modify, end: .write, events: .output),
         .close(holder: 1, end: .read), .wait(holder: 2, maxEvents: 16), .control(holder: 2, operation: .add, end: .read, events: level),
         .wait(holder: 1, maxEvents: 16)],
    ]

    @Test func aSharedInstanceAgreesWithTheModel() async throws {
        try await EpollAgreement.agree(
            directed: Self.sharedSequences, random: Self.operations,
            marks: ["EPOLLIN", "EPOLLOUT", "EPOLLHUP", "EPOLLERR", "EEXIST", "ENOENT", "EBADF", "other sharer's report", "two registrations of one end"],
            check: { operations, seen throws in
                try PipeAgreement.repeatingDisagreements { try Self.checkOnce(operations, seen: seen, shared: true) }
            })
    }

    /// The wrong belief the FIFO's refusal of `sharedEpoll` guarded against: each holder's waits judged as on an
    /// instance of its own. Such a model disagrees with the kernel on every shared directed sequence.
    @Test func aModelWithoutTheSharedInstanceDisagrees() throws {
        let wrong = FIFOModel(fifos: [("f0", FIFOModel.Setup(closeOnExec: true))])
        for operations in Self.sharedSequences {
            let disagreed = PipeAgreement.Disagreed()
            let seen = Mutex<Set<String>>([])
            try PipeAgreement.$firstRun.withValue(disagreed) { try Self.checkOnce(operations, seen: seen, shared: true, model: wrong) }
            #expect(disagreed.value.withLock { $0 }, "\(operations)")
        }
    }

    /// One run on a fresh FIFO (its descriptors and instances closed afterwards, with spawns held off: the closes
    /// must be the last) and on the model, every state the model may be in followed. `shared`: the two holders use one
    /// instance, as threads of one process each opening the FIFO itself (``FIFOModel+SharedEpoll``), judged by `model`
    /// (nil: the fifo model with `sharedEpoll` `[[1, 2]]`).
    static func checkOnce(
        _ operations: [Operation], seen: borrowing Mutex<Set<String>>, shared: Bool = false, model given: FIFOModel? = nil
    ) throws {
        try Syscall.withoutConcurrentSpawns {
            let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-fifoep"
            try KernelFIFO.create(at: path)
            var held: [Int: FIFOModelAgreementTests.Held] = [1: [:], 2: [:]]
            let first = try KernelEpoll.create()
            let instances = [1: first, 2: shared ? first : try KernelEpoll.create()]
            // Registered numbers closed, each with /dev/null on it so that no later descriptor takes it.
            var pinned: Set<CInt> = []
            var nextFree: CInt = 700
            // Which open (numbered in open order) each held descriptor is of, for where a copy goes.
            var openOf: [CInt: Int] = [:]
            let null = try Syscall.open("/dev/null", flags: O_RDONLY | O_CLOEXEC)
            defer {
                try? Syscall.close(null)
                for descriptor in Set(held.values.flatMap { $0.values.joined() }) { try? Syscall.close(descriptor) }
                for descriptor in pinned { Glibc.close(descriptor) }
                for descriptor in Set(instances.values) { try? Syscall.close(descriptor) }
                unlink(path)
            }
            // The end each registered number was added as, per holder.
            var registered: [Int: [CInt: PipeModel.End]] = [1: [:], 2: [:]]
            let model = given ?? FIFOModel(fifos: [("f0", FIFOModel.Setup(closeOnExec: true, sharedEpoll: shared ? [[1, 2]] : []))])
            var states = [model.initialState(of: "f0")]
            /// A shared wait's reports: whose each registered number is (a registered number is never reused: pinned).
            func sharedReports(_ events: [(descriptor: CInt, events: Events)]) -> FIFOModel.Output {
                .sharedEpollEvents(events.map { event in
                    let holder = registered[1]![event.descriptor] != nil ? 1 : 2
                    return FIFOModel.SharedEpollReport(process: holder, end: registered[holder]![event.descriptor] ?? .read, events: event.events)
                }.sorted())
            }
            for (index, operation) in operations.enumerated() {
                let input: FIFOModel.Input
                var kernel: FIFOModel.Output
                switch operation {
                case .open(let holder, let end):
                    input = .open(process: holder, end: end, nonblocking: true)
                    kernel = FIFOModelAgreementTests.outcome {
                        let descriptor = try KernelFIFO.open(path, for: end == .read ? .read : .write, nonblocking: true)
                        held[holder]![end, default: []].append(descriptor)
                        openOf[descriptor.rawValue] = index
                        return .opened
                    }
                case .openReadWrite(let holder):
                    input = .openReadWrite(process: holder, nonblocking: true)
                    kernel = FIFOModelAgreementTests.outcome {
                        let descriptor = try KernelFIFO.open(path, for: .readWrite, nonblocking: true)
                        held[holder]![.read, default: []].append(descriptor)
                        held[holder]![.write, default: []].append(descriptor)
                        openOf[descriptor.rawValue] = index
                        return .opened
                    }
                case .write(let holder, let size):
                    input = .write(process: holder, data: [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: size), nonblocking: true)
                    kernel = FIFOModelAgreementTests.outcome {
                        guard let descriptor = held[holder]![.write]?.last else { throw Errno.badFileDescriptor }
                        switch try KernelPipe.write(descriptor, [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: size), nonblocking: true) {
                        case .completed(let count): return .wrote(count)
                        case .wouldBlock: throw Errno.resourceTemporarilyUnavailable
                        }
                    }
                case .read(let holder, let max):
                    input = .read(process: holder, max: max, nonblocking: true)
                    kernel = FIFOModelAgreementTests.outcome {
                        guard let descriptor = held[holder]![.read]?.last else { throw Errno.badFileDescriptor }
                        switch try KernelPipe.read(descriptor, max: max, nonblocking: true) {
                        case .completed(let bytes): return .read(bytes)
                        case .wouldBlock: throw Errno.resourceTemporarilyUnavailable
                        }
                    }
                case .close(let holder, let end):
                    input = .close(process: holder, end: end)
                    if let descriptor = held[holder]![end]?.popLast() {
                        let other: PipeModel.End = end == .read ? .write : .read
                        if let index = held[holder]![other]?.lastIndex(of: descriptor) { held[holder]![other]?.remove(at: index) }
                        if registered[holder]![descriptor.rawValue] != nil {
                            // Its registration may live on under the number (a copy keeps the description): the number
                            // is pinned, closed by `dup2` of `/dev/null` onto it, which closes its file as `close` does
                            // and never leaves it free. A close and then a `dup2` gave the number, in between, to another
                            // test's thread, whose new descriptor the `dup2` then closed (fresh-clone CI: a trace reader's
                            // read failed `EBADF`).
                            kernel = FIFOModelAgreementTests.outcome {
                                try Syscall.duplicate(null, onto: descriptor.rawValue, flags: nil)
                                pinned.insert(descriptor.rawValue)
                                return .closed
                            }
                        } else {
                            kernel = FIFOModelAgreementTests.outcome { try Syscall.close(descriptor); return .closed }
                        }
                    } else {
                        kernel = .failed(.EBADF)
                    }
                case .control(let holder, let operation, let end, let events):
                    input = .epoll(process: holder, call: .control(operation: operation, end: end, events: events))
                    let instance = instances[holder]!.rawValue
                    // An end the holder does not hold is -1 (EBADF), never an old number another file may have taken.
                    let target = end.map { held[holder]![$0]?.last?.rawValue ?? -1 } ?? instance
                    kernel = FIFOModelAgreementTests.outcome {
                        try EpollAgreement.control(instance, operation, target, events)
                        if case .add = operation, let end {
                            registered[holder]![target] = end
                            if held[holder]![.read]?.last == held[holder]![.write]?.last { seen.withLock { _ = $0.insert("readwrite registered") } }
                        }
                        return .epollControlled
                    }
                case .misdirected(let holder, let call):
                    if shared, case .wait = call { input = .sharedEpollWait(process: holder, call: call) } else { input = .epoll(process: holder, call: call) }
                    let instance = instances[holder]!.rawValue
                    kernel = FIFOModelAgreementTests.outcome {
                        let events: [(descriptor: CInt, events: Events)]?
                        switch call {
                        case .misdirected(let misdirected):
                            events = try EpollAgreement.perform(misdirected, instance: instance) { held[holder]![$0]?.last?.rawValue ?? -1 }
                        case .wait(let maxEvents, _, let form): events = try EpollAgreement.wait(instance, maxEvents: maxEvents, form: form)
                        default: preconditionFailure("misdirections draw misdirected calls and waits")
                        }
                        if shared, let events, case .wait = call { return sharedReports(events) }
                        return events.map { .epollEvents($0.map { PipeModel.EpollReport(end: registered[holder]![$0.descriptor] ?? .read, events: $0.events) }.sorted()) }
                            ?? .epollControlled
                    }
                case .wait(let holder, let maxEvents) where shared:
                    input = .sharedEpollWait(process: holder, call: .wait(maxEvents: maxEvents, timeout: 0))
                    kernel = FIFOModelAgreementTests.outcome { sharedReports(try EpollAgreement.wait(first.rawValue, maxEvents: maxEvents)) }
                    if case .sharedEpollEvents(let reports) = kernel, reports.contains(where: { $0.process != holder }) {
                        seen.withLock { _ = $0.insert("other sharer's report") }
                    }
                case .wait(let holder, let maxEvents):
                    input = .epoll(process: holder, call: .wait(maxEvents: maxEvents, timeout: 0))
                    kernel = FIFOModelAgreementTests.outcome {
                        .epollEvents(try EpollAgreement.wait(instances[holder]!.rawValue, maxEvents: maxEvents).map { event in
                            if pinned.contains(event.descriptor) { seen.withLock { _ = $0.insert("closed number reported") } }
                            return PipeModel.EpollReport(end: registered[holder]![event.descriptor] ?? .read, events: event.events)
                        }.sorted())
                    }
                case .duplicate(let holder, let end, let minimum, let onto):
                    if onto {
                        input = .fcntl(process: holder, end: end, command: .duplicateOnto(PipeModel.DuplicateCall(target: .free)))
                    } else if let minimum {
                        input = .fcntl(process: holder, end: end, command: .duplicate(minimum: minimum, closeOnExec: false))
                    } else {
                        input = .duplicate(process: holder, end: end)
                    }
                    if let source = held[holder]![end]?.last {
                        let target = nextFree
                        nextFree += 1
                        kernel = FIFOModelAgreementTests.outcome {
                            let copy =
                                if onto { try Syscall.duplicate(source, onto: target, flags: nil) }
                                else { try Syscall.duplicate(source, minimum: minimum ?? 0, closeOnExec: false) }
                            // A copy joins its open's descriptors, in each end the open is one of (an O_RDWR open's copy is
                            // one of both ends): the calls on an end reach its latest open's newest descriptor (the
                            // model's rule), which is the list's last.
                            openOf[copy.rawValue] = openOf[source.rawValue]
                            for each in [PipeModel.End.read, .write] where held[holder]![each]?.contains(source) == true {
                                let group = held[holder]![each]!.lastIndex { openOf[$0.rawValue] == openOf[source.rawValue] }!
                                held[holder]![each]!.insert(copy, at: group + 1)
                            }
                            return .duplicated
                        }
                    } else {
                        kernel = .failed(.EBADF)
                    }
                }
                guard let next = FIFOModelAgreementTests.nextStates(model, from: states, input, kernel: kernel, context: "operation \(index) \(operation) of \(operations)") else {
                    return
                }
                seen.withLock { seen in
                    switch kernel {
                    case .sharedEpollEvents(let reports):
                        for report in reports { seen.formUnion(report.events.names) }
                        if Set(reports.map(\.end)).count < reports.count { seen.insert("two registrations of one end") }
                    case .epollEvents(let reports):
                        for report in reports { seen.formUnion(report.events.names) }
                        if Set(reports.map(\.end)).count < reports.count { seen.insert("two registrations of one end") }
                        if !reports.isEmpty, case .wait(let holder, _) = operation,
                            states.contains(where: { $0.pipe.epoll.contains { $0.process == holder && $0.hidden != nil } })
                        {
                            seen.insert("older open reported")
                        }
                        if reports.isEmpty, case .wait(let holder, _) = operation,
                            states.contains(where: { state in
                                state.readHangUpSuppressed(of: holder) && state.pipe.writers.isEmpty
                                    && state.pipe.epoll.contains { $0.process == holder && $0.end == .read && !$0.edgeTriggered }
                            })
                        {
                            seen.insert("suppressed")
                        }
                    case .failed(let code): seen.insert(code.rawValue)
                    default: break
                    }
                }
                states = next
            }
        }
    }

    /// The plausible wrong outcomes the model rejects, each beside the kernel's (`KernelFIFOEpollFactsTests`).
    @Test func thePlausibleWrongOutcomesAreRejected() {
        let model = FIFOModel(fifos: [("f0", FIFOModel.Setup(closeOnExec: true))])
        func after(_ inputs: [(FIFOModel.Input, FIFOModel.Output)]) -> FIFOModel.State {
            var state = model.initialState(of: "f0")
            for (input, output) in inputs { state = model.step(state, input, output).first!.state }
            return state
        }
        let openReader = (FIFOModel.Input.open(process: 1, end: .read, nonblocking: true), FIFOModel.Output.opened)
        let openWriter = (FIFOModel.Input.open(process: 2, end: .write, nonblocking: true), FIFOModel.Output.opened)
        let closeWriter = (FIFOModel.Input.close(process: 2, end: .write), FIFOModel.Output.closed)
        let write = (FIFOModel.Input.write(process: 2, data: [1, 2], nonblocking: true), FIFOModel.Output.wrote(2))
        func add(_ events: Events) -> (FIFOModel.Input, FIFOModel.Output) {
            (.epoll(process: 1, call: .control(operation: .add, end: .read, events: events)), .epollControlled)
        }
        let wait = FIFOModel.Input.epoll(process: 1, call: .wait(maxEvents: 16, timeout: 0))
        let none = FIFOModel.Output.epollEvents([])
        let hungUp = FIFOModel.Output.epollEvents([.init(end: .read, events: .hangUp)])
        let readable = FIFOModel.Output.epollEvents([.init(end: .read, events: .input)])
        let readableHungUp = FIFOModel.Output.epollEvents([.init(end: .read, events: [.input, .hangUp])])
        // EPOLLHUP before any writer has opened (as on a pipe with no writer): wrong; nothing is right.
        let fresh = after([openReader, add(Self.level)])
        #expect(model.step(fresh, wait, hungUp).isEmpty)
        #expect(!model.step(fresh, wait, none).isEmpty)
        // After the writer's close: the hang-up, at every level-triggered wait; silence is wrong.
        let gone = after([openReader, add(Self.level), openWriter, closeWriter])
        #expect(model.step(gone, wait, none).isEmpty)
        #expect(!model.step(gone, wait, hungUp).isEmpty)
        // A new writer's open takes it away.
        #expect(model.step(after([openReader, add(Self.level), openWriter, closeWriter, openWriter]), wait, hungUp).isEmpty)
        // Edge-triggered: the first writer's open is news for bytes left; silence is wrong, as is a stale hang-up.
        let left = after([openReader, openWriter, write, closeWriter, add(Self.edge), (wait, readableHungUp), (wait, none), openWriter])
        #expect(model.step(left, wait, none).isEmpty)
        #expect(model.step(left, wait, readableHungUp).isEmpty)
        #expect(!model.step(left, wait, readable).isEmpty)
        // A second writer's open is no news.
        let second = after([openReader, openWriter, write, add(Self.edge), (wait, readable),
                            (.open(process: 3, end: .write, nonblocking: true), .opened)])
        #expect(model.step(second, wait, readable).isEmpty)
        // A registration goes with its open's last close: nothing is reported after it, and MOD fails EBADF.
        let closed = after([openReader, openWriter, write, add(Self.level), (.close(process: 1, end: .read), .closed)])
        #expect(model.step(closed, wait, readable).isEmpty)
        #expect(model.step(closed, .epoll(process: 1, call: .control(operation: .modify, end: .read, events: .input)), .epollControlled).isEmpty)
        // Registered through a dup, the dup closed while the open's own descriptor lives (KernelFIFOEpollDuplicateFactsTests):
        // still reported, and MOD through the own descriptor is ENOENT — a registration dropped at that close, or one
        // reached through any descriptor of the description, is wrong.
        let dup = (FIFOModel.Input.duplicate(process: 1, end: .read), FIFOModel.Output.duplicated)
        let orphaned = after([openReader, openWriter, write, dup, add(Self.level), (.close(process: 1, end: .read), .closed)])
        #expect(model.step(orphaned, wait, none).isEmpty)
        #expect(!model.step(orphaned, wait, readable).isEmpty)
        let modify = FIFOModel.Input.epoll(process: 1, call: .control(operation: .modify, end: .read, events: .input))
        #expect(model.step(orphaned, modify, .epollControlled).isEmpty)
        #expect(!model.step(orphaned, modify, .failed(.ENOENT)).isEmpty)
        // Registered through the own descriptor, a dup made afterwards is not the registration.
        let copied = after([openReader, add(Self.level), dup])
        #expect(model.step(copied, modify, .epollControlled).isEmpty)
        #expect(!model.step(copied, modify, .failed(.ENOENT)).isEmpty)
        // Two opens of the read end, the first registered (KernelFIFOEpollTwoOpensFactsTests): the end names the second
        // open — MOD succeeding or ADD failing EEXIST is wrong, as is the first one's registration no longer reported;
        // once both are added, one report is wrong, two of the read end right; after the second's close, MOD ENOENT
        // is wrong.
        let twice = after([openReader, openWriter, write, add(Self.level), openReader])
        #expect(model.step(twice, modify, .epollControlled).isEmpty)
        #expect(!model.step(twice, modify, .failed(.ENOENT)).isEmpty)
        #expect(model.step(twice, .epoll(process: 1, call: .control(operation: .add, end: .read, events: .input)), .failed(.EEXIST)).isEmpty)
        #expect(model.step(twice, wait, none).isEmpty)
        #expect(!model.step(twice, wait, readable).isEmpty)
        let both = after([openReader, openWriter, write, add(Self.level), openReader, add(Self.level)])
        let twoReadable = FIFOModel.Output.epollEvents([.init(end: .read, events: .input), .init(end: .read, events: .input)])
        #expect(model.step(both, wait, readable).isEmpty)
        #expect(!model.step(both, wait, twoReadable).isEmpty)
        let back = after([openReader, openWriter, write, add(Self.level), openReader, add(Self.edge), (.close(process: 1, end: .read), .closed)])
        #expect(model.step(back, modify, .failed(.ENOENT)).isEmpty)
        #expect(!model.step(back, modify, .epollControlled).isEmpty)
        #expect(model.step(back, wait, twoReadable).isEmpty)
    }
}
