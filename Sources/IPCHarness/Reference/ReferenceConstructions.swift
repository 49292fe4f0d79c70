import IPCMechanisms
import IPCModels

/// The reference implementations by the name traces give them (`mechanism` in the header), each configured by
/// its setup (`sim.setup` in a simulation trace's header, the object's `params.setup` in a real one).
enum ReferenceConstructions {
    static let implementations = [
        "reference.spsc-ring", "reference.spsc-ring-publish-first", "reference.queue-per-receiver",
        "reference.hol-ring", "reference.credit-ring", "reference.seqlock", "reference.seqlock-no-recheck",
        "reference.treiber-stack", "reference.sequence-mailbox", "reference.revocable-commit",
        "reference.revocable-entry", "reference.snapshot-shm", "reference.snapshot-copy", "reference.hybrid",
        "reference.hybrid-reuse-buffer",
    ]

    static func make(_ implementation: String, setup: JSONValue?) throws(BindingError) -> any ReferenceConstruction {
        switch implementation {
        case "reference.spsc-ring", "reference.spsc-ring-publish-first":
            return RingConstruction(
                ring: SharedRing(base: 0, capacity: try setup.int("capacity", in: 1...1024),
                                 maximumMessage: try maximumMessage(setup)),
                publishFirst: implementation.hasSuffix("publish-first"))
        case "reference.queue-per-receiver":
            return try QueuePerReceiverConstruction(setup: setup)
        case "reference.hol-ring":
            return HeadOfLineConstruction(ring: HeadOfLineRing(
                base: 0, capacity: try setup.int("capacity", in: 1...1024),
                maximumMessage: try maximumMessage(setup)))
        case "reference.credit-ring":
            return try CreditConstruction(setup: setup)
        case "reference.seqlock", "reference.seqlock-no-recheck":
            return SeqlockConstruction(
                mailbox: VersionMailbox(base: 0, words: try setup.int("words", in: 1...64)),
                skipRecheck: implementation.hasSuffix("no-recheck"))
        case "reference.treiber-stack":
            return try StackConstruction(setup: setup)
        case "reference.sequence-mailbox":
            return MailboxConstruction(mailbox: SequenceMailbox(
                base: 0, buffers: try setup.int("buffers", in: 1...64),
                sequenceBits: try setup.int("sequenceBits", in: 1...64)))
        case "reference.revocable-commit", "reference.revocable-entry":
            return RevocableConstruction(
                channel: RevocableChannel(
                    base: 0, capacity: try setup.int("capacity", in: 1...1024),
                    maximumMessage: try maximumMessage(setup)),
                authoriseAtEntry: implementation.hasSuffix("entry"))
        case "reference.snapshot-shm", "reference.snapshot-copy":
            return SnapshotConstruction(
                service: SnapshotService(base: 0, limit: UInt64(try setup.int("limit", in: 0...Int.max))),
                path: implementation.hasSuffix("shm") ? .sharedMemory : .copy)
        case "reference.hybrid", "reference.hybrid-reuse-buffer":
            return HybridConstruction(
                hybrid: HybridChannel(
                    base: 0, buffers: try setup.int("buffers", in: 1...64),
                    bufferBytes: try setup.int("bufferBytes", in: 8...1 << 16),
                    threshold: try setup.int("threshold", in: 0...4000)),
                reuseBuffer: implementation.hasSuffix("reuse-buffer"))
        default:
            throw BindingError("unknown reference implementation '\(implementation)'")
        }
    }

    static func maximumMessage(_ setup: JSONValue?) throws(BindingError) -> Int {
        try setup.int("maximumMessage", in: 0...4000)
    }

    /// A send's message, refused when it is larger than the construction's slot: the construction itself takes
    /// such a message for a programming error (a precondition), and a trace read from a file must never reach one.
    static func message(_ call: Call, fitting maximum: Int) throws(BindingError) -> [UInt8] {
        let data = try call.value.bytes("data")
        guard data.count <= maximum else {
            throw BindingError("a message of \(data.count) bytes does not fit the construction's slots of \(maximum) bytes (its setup's maximumMessage)")
        }
        return data
    }

    static func unknown(_ call: Call, _ construction: String) -> BindingError {
        BindingError("the \(construction) has no operation '\(call.f)'")
    }
}

/// Processes whose calls need no private state: the construction maps each call on its own.
final class StatelessProcess: ReferenceProcess {
    let process: Int
    let map: (Int, Call) throws(BindingError) -> SteppedOperation

    init(process: Int, map: @escaping (Int, Call) throws(BindingError) -> SteppedOperation) {
        self.process = process
        self.map = map
    }

    func operation(for call: Call) throws(BindingError) -> SteppedOperation { try map(process, call) }
}

struct RingConstruction: ReferenceConstruction {
    let ring: SharedRing
    let publishFirst: Bool
    var size: Int { ring.size }

    func makeProcess(_ process: Int) -> any ReferenceProcess {
        StatelessProcess(process: process) { (_, call) throws(BindingError) in
            switch call.f {
            case "send":
                let data = try ReferenceConstructions.message(call, fitting: ring.maximumMessage)
                return SteppedOperation(SharedRing.Send(ring: ring, message: data, publishFirst: publishFirst), Completion.sent)
            case "receive":
                return SteppedOperation(SharedRing.Receive(ring: ring), Completion.data)
            default:
                throw ReferenceConstructions.unknown(call, "ring")
            }
        }
    }
}

/// Receivers are named by process number; `receivers` lists them in the order their queues or credits lie.
func receiverIndex(_ setup: JSONValue?) throws(BindingError) -> [Int] {
    try setup.processList("receivers")
}

struct QueuePerReceiverConstruction: ReferenceConstruction {
    let receivers: [Int]
    let rings: [SharedRing]
    var size: Int { rings.last.map { $0.base + $0.size } ?? 0 }

    init(setup: JSONValue?) throws(BindingError) {
        receivers = try receiverIndex(setup)
        let capacity = try setup.int("capacity", in: 1...1024)
        let maximum = try ReferenceConstructions.maximumMessage(setup)
        let template = SharedRing(base: 0, capacity: capacity, maximumMessage: maximum)
        rings = receivers.indices.map { SharedRing(base: $0 * template.size, capacity: capacity, maximumMessage: maximum) }
    }

    func makeProcess(_ process: Int) -> any ReferenceProcess {
        StatelessProcess(process: process) { (process, call) throws(BindingError) in
            switch call.f {
            case "send":
                let to = try call.value.int("to")
                guard let index = receivers.firstIndex(of: to) else { throw BindingError("no queue for receiver \(to)") }
                let data = try ReferenceConstructions.message(call, fitting: rings[index].maximumMessage)
                return SteppedOperation(SharedRing.Send(ring: rings[index], message: data), Completion.sent)
            case "receive":
                guard let index = receivers.firstIndex(of: process) else { throw BindingError("process \(process) has no queue") }
                return SteppedOperation(SharedRing.Receive(ring: rings[index]), Completion.data)
            default:
                throw ReferenceConstructions.unknown(call, "queue per receiver")
            }
        }
    }
}

struct HeadOfLineConstruction: ReferenceConstruction {
    let ring: HeadOfLineRing
    var size: Int { ring.size }

    func makeProcess(_ process: Int) -> any ReferenceProcess {
        StatelessProcess(process: process) { (process, call) throws(BindingError) in
            switch call.f {
            case "send":
                let to = try call.value.int("to")
                let data = try ReferenceConstructions.message(call, fitting: ring.maximumMessage)
                return SteppedOperation(HeadOfLineRing.Send(ring: ring, consumer: to, message: data), Completion.sent)
            case "receive":
                return SteppedOperation(HeadOfLineRing.Receive(ring: ring, consumer: process), Completion.data)
            default:
                throw ReferenceConstructions.unknown(call, "shared ring")
            }
        }
    }
}

struct CreditConstruction: ReferenceConstruction {
    let receivers: [Int]
    let ring: CreditRing
    var size: Int { ring.size }
    var initialWords: [(offset: Int, value: UInt64)] { ring.initialWords }

    init(setup: JSONValue?) throws(BindingError) {
        receivers = try receiverIndex(setup)
        ring = CreditRing(
            base: 0, consumers: receivers.count,
            credits: try setup.int("credits", in: 1...64),
            maximumMessage: try ReferenceConstructions.maximumMessage(setup))
    }

    /// Sequence numbers are private: the producer's per receiver, each receiver's own.
    final class Process: ReferenceProcess {
        let construction: CreditConstruction
        let process: Int
        var sent: [Int: UInt64] = [:]
        var received: UInt64 = 0

        init(_ construction: CreditConstruction, _ process: Int) {
            self.construction = construction
            self.process = process
        }

        func operation(for call: Call) throws(BindingError) -> SteppedOperation {
            let receivers = construction.receivers
            switch call.f {
            case "send":
                let to = try call.value.int("to")
                guard let index = receivers.firstIndex(of: to) else { throw BindingError("no credits for receiver \(to)") }
                let data = try ReferenceConstructions.message(call, fitting: construction.ring.maximumMessage)
                let sequence = sent[to, default: 0]
                let send = CreditRing.Send(ring: construction.ring, consumer: index + 1, sequence: sequence, message: data)
                return SteppedOperation(send) { [self] accepted in
                    if accepted { sent[to] = sequence + 1 }
                    return .sent(accepted)
                }
            case "receive":
                guard let index = receivers.firstIndex(of: process) else { throw BindingError("process \(process) is no receiver") }
                let receive = CreditRing.Receive(ring: construction.ring, consumer: index + 1, sequence: received)
                return SteppedOperation(receive) { [self] message in
                    if message != nil { received += 1 }
                    return .data(message)
                }
            default:
                throw ReferenceConstructions.unknown(call, "credit ring")
            }
        }
    }

    func makeProcess(_ process: Int) -> any ReferenceProcess { Process(self, process) }
}

struct SeqlockConstruction: ReferenceConstruction {
    let mailbox: VersionMailbox
    let skipRecheck: Bool
    var size: Int { mailbox.size }

    func makeProcess(_ process: Int) -> any ReferenceProcess {
        StatelessProcess(process: process) { (_, call) throws(BindingError) in
            switch call.f {
            case "write":
                let words = try call.value.ints("words").map { UInt64(truncatingIfNeeded: $0) }
                guard words.count == mailbox.words else { throw BindingError("write: \(words.count) words, the mailbox holds \(mailbox.words)") }
                return SteppedOperation(VersionMailbox.Write(mailbox: mailbox, value: words)) { $0 ? .ok(nil) : .again }
            case "read":
                return SteppedOperation(VersionMailbox.Read(mailbox: mailbox, skipRecheck: skipRecheck)) { words in
                    words.map { .ok(["words": .array($0.map { .int(Int(truncatingIfNeeded: $0)) })]) } ?? .again
                }
            default:
                throw ReferenceConstructions.unknown(call, "seqlock")
            }
        }
    }
}

struct StackConstruction: ReferenceConstruction {
    let stack: TreiberStack
    let processes: [Int]
    let nodesPerProcess: Int
    var size: Int { stack.size }

    init(setup: JSONValue?) throws(BindingError) {
        processes = try setup.processList("processes")
        nodesPerProcess = try setup.int("nodesPerProcess", in: 1...1024)
        guard processes.count * nodesPerProcess < 1 << 16 else {
            throw BindingError("a Treiber stack has fewer than 65536 nodes, not \(processes.count) processes × \(nodesPerProcess)")
        }
        stack = TreiberStack(
            base: 0, nodes: processes.count * nodesPerProcess,
            tagBits: try setup.int("tagBits", in: 0...48))
    }

    /// Each process pushes from its own free nodes and keeps the nodes it pops.
    final class Process: ReferenceProcess {
        let stack: TreiberStack
        var free: [Int]

        init(stack: TreiberStack, free: [Int]) {
            self.stack = stack
            self.free = free
        }

        func operation(for call: Call) throws(BindingError) -> SteppedOperation {
            switch call.f {
            case "push":
                let value = try call.value.int("value", in: Int.min...Int.max)
                guard let node = free.popLast() else {
                    return SteppedOperation(NoAccess()) { _ in .fail("ENOMEM") }
                }
                return SteppedOperation(TreiberStack.Push(stack: stack, node: node, value: UInt64(bitPattern: Int64(value)))) { _ in .ok(nil) }
            case "pop":
                let pause = try call.value.optionalInt("pause")
                return SteppedOperation(TreiberStack.Pop(stack: stack, pause: pause)) { [self] popped in
                    guard let popped else { return .again }
                    free.append(popped.node)
                    return .ok(["value": .int(Int(Int64(bitPattern: popped.value)))])
                }
            default:
                throw ReferenceConstructions.unknown(call, "stack")
            }
        }
    }

    func makeProcess(_ process: Int) -> any ReferenceProcess {
        let index = processes.firstIndex(of: process) ?? 0
        return Process(stack: stack, free: Array((index * nodesPerProcess..<(index + 1) * nodesPerProcess).reversed()))
    }
}

/// An operation that finishes at once without touching shared memory (a refusal decided privately).
struct NoAccess: SharedOperation {
    mutating func step(_ shared: any SharedAccess) -> OperationProgress<Void> { .finished(()) }
}

struct MailboxConstruction: ReferenceConstruction {
    let mailbox: SequenceMailbox
    var size: Int { mailbox.size }

    /// A message is at most 8 bytes, kept in one word (trailing zero bytes are not kept).
    static func word(_ data: [UInt8]) -> UInt64 { SharedLayout.pack(Array(data.prefix(8))).first ?? 0 }
    static func data(_ word: UInt64) -> [UInt8] {
        var bytes = SharedLayout.unpack([word], count: 8)
        while bytes.last == 0 { bytes.removeLast() }
        return bytes
    }

    func makeProcess(_ process: Int) -> any ReferenceProcess {
        StatelessProcess(process: process) { (_, call) throws(BindingError) in
            switch call.f {
            case "send":
                let data = try call.value.bytes("data")
                guard data.count <= 8, data.last != 0 else { throw BindingError("a mailbox message is 1 to 8 bytes, not ending in a zero byte") }
                return SteppedOperation(SequenceMailbox.Post(mailbox: mailbox, value: Self.word(data)), Completion.sent)
            case "receive":
                let take = SequenceMailbox.Take(mailbox: mailbox, pause: try call.value.optionalInt("pause"))
                return SteppedOperation(take) { .data($0.map(Self.data)) }
            default:
                throw ReferenceConstructions.unknown(call, "mailbox")
            }
        }
    }
}

struct RevocableConstruction: ReferenceConstruction {
    let channel: RevocableChannel
    let authoriseAtEntry: Bool
    var size: Int { channel.size }

    func makeProcess(_ process: Int) -> any ReferenceProcess {
        StatelessProcess(process: process) { (_, call) throws(BindingError) in
            switch call.f {
            case "send":
                let data = try ReferenceConstructions.message(call, fitting: channel.maximumMessage)
                let send = RevocableChannel.Send(channel: channel, message: data, authoriseAtEntry: authoriseAtEntry)
                return SteppedOperation(send) { outcome in
                    switch outcome {
                    case .sent: .ok(nil)
                    case .full: .again
                    case .revoked: .fail("EPERM")
                    }
                }
            case "receive":
                return SteppedOperation(RevocableChannel.Receive(channel: channel), Completion.data)
            case "revoke":
                return SteppedOperation(RevocableChannel.Revoke(channel: channel)) { .ok(["committed": .int($0)]) }
            default:
                throw ReferenceConstructions.unknown(call, "revocable channel")
            }
        }
    }
}

struct SnapshotConstruction: ReferenceConstruction {
    let service: SnapshotService
    let path: SnapshotService.Path
    var size: Int { service.size }
    var channels: Int { path == .copy ? 1 : 0 }

    func makeProcess(_ process: Int) -> any ReferenceProcess {
        StatelessProcess(process: process) { (_, call) throws(BindingError) in
            switch call.f {
            case "submit", "tamper":
                let value = UInt64(try call.value.int("value", in: 0...Int.max))
                if call.f == "tamper" {
                    return SteppedOperation(SnapshotService.Tamper(service: service, path: path, value: value)) { _ in .ok(nil) }
                }
                return SteppedOperation(SnapshotService.Submit(service: service, path: path, value: value), Completion.sent)
            case "serve":
                return SteppedOperation(SnapshotService.Serve(service: service, path: path)) { decision in
                    guard let decision else { return .again }
                    var value: JSONObject = ["checked": .int(Int(decision.checked)), "accepted": .bool(decision.accepted)]
                    if let used = decision.used { value["used"] = .int(Int(used)) }
                    return .ok(.object(value))
                }
            default:
                throw ReferenceConstructions.unknown(call, "service")
            }
        }
    }
}

struct HybridConstruction: ReferenceConstruction {
    let hybrid: HybridChannel
    let reuseBuffer: Bool
    var size: Int { hybrid.size }
    var channels: Int { 1 }

    func makeProcess(_ process: Int) -> any ReferenceProcess {
        StatelessProcess(process: process) { (_, call) throws(BindingError) in
            switch call.f {
            case "send":
                let data = try ReferenceConstructions.message(call, fitting: hybrid.bufferBytes)
                return SteppedOperation(HybridChannel.Send(hybrid: hybrid, message: data, reuseBuffer: reuseBuffer), Completion.sent)
            case "receive":
                return SteppedOperation(HybridChannel.Receive(hybrid: hybrid), Completion.data)
            default:
                throw ReferenceConstructions.unknown(call, "hybrid channel")
            }
        }
    }
}
