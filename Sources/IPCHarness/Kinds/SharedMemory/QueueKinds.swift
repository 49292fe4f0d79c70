import IPCMechanisms
import IPCModels
import SystemPackage

/// What every queue-shaped construction refuses: a message larger than its slots (the construction itself takes
/// one for a programming error).
enum SlotLimit {
    static func refusal(_ input: QueueModel.Input, maximum: Int) -> String? {
        if case .revoke = input { return "this queue has no revoke (only a revocable channel has)" }
        guard case .send(_, _, let data) = input, data.count > maximum else { return nil }
        return "a message of \(data.count) bytes does not fit the construction's slots of \(maximum) bytes (its parameter maximumMessage)"
    }

    static func maximumMessage(_ object: SharedObjectSetup) throws(BindingError) -> Int {
        try object.integer("maximumMessage", in: 0...4000)
    }
}

/// The seeds' single-producer single-consumer ring (``SharedRing``), object parameters `capacity` (messages) and
/// `maximumMessage` (bytes). Implementations: `reference.spsc-ring` (release/acquire publication) and two broken
/// twins, `reference.spsc-ring-publish-first` (the tail before the payload: wrong even under sequential
/// consistency) and `reference.spsc-ring-relaxed-publication` (the tail with a relaxed store: wrong only under weak
/// memory).
public enum SharedRingKind: SharedMemoryKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``), besides every region's own.
    public static let parameterNames: Set<String>? = regionParameterNames.union(["capacity", "maximumMessage"])
    public typealias Model = QueueModel
    public static let name = "spsc-ring"
    public static let implementations = [
        "reference.spsc-ring", "reference.spsc-ring-publish-first", "reference.spsc-ring-relaxed-publication",
    ]

    public static func model(for workload: Workload) -> QueueModel {
        QueueModel(objects: workload.objects.filter { $0.kind == name }.map { ($0.name, .init(capacity: $0.integer("capacity"))) })
    }

    static func ring(_ object: SharedObjectSetup) throws(BindingError) -> SharedRing {
        SharedRing(base: 0, capacity: try object.integer("capacity", in: 1...1024), maximumMessage: try SlotLimit.maximumMessage(object))
    }

    public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        SharedRegionLayout(size: try ring(object).size)
    }

    public static func refusal(of input: QueueModel.Input, by object: SharedObjectSetup) -> String? {
        (try? SlotLimit.maximumMessage(object)).flatMap { SlotLimit.refusal(input, maximum: $0) }
    }

    public static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<QueueModel> {
        let publication: SharedRing.Publication =
            switch object.implementation {
            case "reference.spsc-ring-publish-first": .beforePayload
            case "reference.spsc-ring-relaxed-publication": .relaxed
            default: .releasing
            }
        return Binding(ring: try ring(object), memory: memory, publication: publication)
    }

    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = QueueModel
        let ring: SharedRing
        let memory: Memory
        let publication: SharedRing.Publication

        func perform(_ input: QueueModel.Input) throws(Errno) -> QueueModel.Output {
            switch input {
            case .send(_, _, let data):
                guard ring.send(data, in: memory, publication: publication) else { throw .resourceTemporarilyUnavailable }
                return .sent
            case .receive:
                guard let data = ring.receive(in: memory) else { throw .resourceTemporarilyUnavailable }
                return .received(data)
            case .revoke:
                BindingFailure.abandon("this queue has no revoke (refused before it runs)")
            }
        }
    }
}

/// A ``SharedRing`` per receiver (the seed's queue per consumer): parameters `receivers` (process numbers, in the
/// order their rings lie), `capacity` and `maximumMessage`. A send names its receiver (`to`).
public enum QueuePerReceiverKind: SharedMemoryKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``), besides every region's own.
    public static let parameterNames: Set<String>? = regionParameterNames.union(["receivers", "capacity", "maximumMessage"])
    public typealias Model = QueueModel
    public static let name = "queue-per-receiver"
    public static let implementations = ["reference.queue-per-receiver"]

    public static func model(for workload: Workload) -> QueueModel {
        QueueModel(objects: workload.objects.filter { $0.kind == name }.map {
            ($0.name, .init(order: .perReceiver, credits: $0.integer("capacity")))
        })
    }

    static func rings(_ object: SharedObjectSetup) throws(BindingError) -> [Int: SharedRing] {
        let receivers = try object.processes("receivers")
        let capacity = try object.integer("capacity", in: 1...1024)
        let maximum = try SlotLimit.maximumMessage(object)
        let stride = SharedRing(base: 0, capacity: capacity, maximumMessage: maximum).size
        var rings: [Int: SharedRing] = [:]
        for (index, receiver) in receivers.enumerated() {
            rings[receiver] = SharedRing(base: index * stride, capacity: capacity, maximumMessage: maximum)
        }
        return rings
    }

    public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        SharedRegionLayout(size: try rings(object).values.map { $0.base + $0.size }.max() ?? 0)
    }

    public static func refusal(of input: QueueModel.Input, by object: SharedObjectSetup) -> String? {
        guard let rings = try? rings(object) else { return nil }
        if case .send(_, let to, _) = input, rings[to ?? 0] == nil { return "no queue for receiver \(to.map(String.init) ?? "(none named)")" }
        if case .receive(let process) = input, rings[process] == nil { return "process \(process) has no queue" }
        return (try? SlotLimit.maximumMessage(object)).flatMap { SlotLimit.refusal(input, maximum: $0) }
    }

    public static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<QueueModel> {
        Binding(rings: try rings(object), memory: memory, process: process)
    }

    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = QueueModel
        let rings: [Int: SharedRing]
        let memory: Memory
        let process: Int

        func perform(_ input: QueueModel.Input) throws(Errno) -> QueueModel.Output {
            switch input {
            case .send(_, let to, let data):
                guard let ring = rings[to ?? 0] else { throw .invalidArgument }
                guard ring.send(data, in: memory) else { throw .resourceTemporarilyUnavailable }
                return .sent
            case .receive:
                guard let ring = rings[process] else { throw .invalidArgument }
                guard let data = ring.receive(in: memory) else { throw .resourceTemporarilyUnavailable }
                return .received(data)
            case .revoke:
                BindingFailure.abandon("this queue has no revoke (refused before it runs)")
            }
        }
    }
}

/// One shared FIFO ring for every receiver (``HeadOfLineRing``): parameters `capacity`, `maximumMessage`.
public enum HeadOfLineRingKind: SharedMemoryKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``), besides every region's own.
    public static let parameterNames: Set<String>? = regionParameterNames.union(["capacity", "maximumMessage"])
    public typealias Model = QueueModel
    public static let name = "hol-ring"
    public static let implementations = ["reference.hol-ring"]

    public static func model(for workload: Workload) -> QueueModel {
        QueueModel(objects: workload.objects.filter { $0.kind == name }.map { ($0.name, .init(order: .fifo, capacity: $0.integer("capacity"))) })
    }

    static func ring(_ object: SharedObjectSetup) throws(BindingError) -> HeadOfLineRing {
        HeadOfLineRing(base: 0, capacity: try object.integer("capacity", in: 1...1024), maximumMessage: try SlotLimit.maximumMessage(object))
    }

    public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        SharedRegionLayout(size: try ring(object).size)
    }

    public static func refusal(of input: QueueModel.Input, by object: SharedObjectSetup) -> String? {
        if case .send(_, nil, _) = input { return "a send on the shared ring names its receiver ('to')" }
        return (try? SlotLimit.maximumMessage(object)).flatMap { SlotLimit.refusal(input, maximum: $0) }
    }

    public static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<QueueModel> {
        Binding(ring: try ring(object), memory: memory, process: process)
    }

    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = QueueModel
        let ring: HeadOfLineRing
        let memory: Memory
        let process: Int

        func perform(_ input: QueueModel.Input) throws(Errno) -> QueueModel.Output {
            switch input {
            case .send(_, let to, let data):
                guard ring.send(data, to: to ?? 0, in: memory) else { throw .resourceTemporarilyUnavailable }
                return .sent
            case .receive:
                guard let data = ring.receive(for: process, in: memory) else { throw .resourceTemporarilyUnavailable }
                return .received(data)
            case .revoke:
                BindingFailure.abandon("this queue has no revoke (refused before it runs)")
            }
        }
    }
}

/// The shared ring with per-receiver credits (``CreditRing``): parameters `receivers`, `credits`, `maximumMessage`.
/// Sequence numbers are private: the producer's per receiver, each receiver's own.
public enum CreditRingKind: SharedMemoryKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``), besides every region's own.
    public static let parameterNames: Set<String>? = regionParameterNames.union(["receivers", "credits", "maximumMessage"])
    public typealias Model = QueueModel
    public static let name = "credit-ring"
    public static let implementations = ["reference.credit-ring"]

    public static func model(for workload: Workload) -> QueueModel {
        QueueModel(objects: workload.objects.filter { $0.kind == name }.map { ($0.name, .init(order: .perReceiver, credits: $0.integer("credits"))) })
    }

    static func ring(_ object: SharedObjectSetup) throws(BindingError) -> (receivers: [Int], ring: CreditRing) {
        let receivers = try object.processes("receivers")
        let ring = CreditRing(
            base: 0, consumers: receivers.count, credits: try object.integer("credits", in: 1...64),
            maximumMessage: try SlotLimit.maximumMessage(object))
        return (receivers, ring)
    }

    public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        let ring = try ring(object).ring
        return SharedRegionLayout(size: ring.size, initialWords: Dictionary(uniqueKeysWithValues: ring.initialWords.map { ($0.offset, $0.value) }))
    }

    public static func refusal(of input: QueueModel.Input, by object: SharedObjectSetup) -> String? {
        guard let receivers = try? ring(object).receivers else { return nil }
        if case .send(_, let to, _) = input, !receivers.contains(to ?? 0) { return "no credits for receiver \(to.map(String.init) ?? "(none named)")" }
        if case .receive(let process) = input, !receivers.contains(process) { return "process \(process) is no receiver" }
        return (try? SlotLimit.maximumMessage(object)).flatMap { SlotLimit.refusal(input, maximum: $0) }
    }

    public static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<QueueModel> {
        let (receivers, ring) = try ring(object)
        return Binding(ring: ring, receivers: receivers, memory: memory, process: process)
    }

    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = QueueModel
        let ring: CreditRing
        let receivers: [Int]
        let memory: Memory
        let process: Int
        var sent: [Int: UInt64] = [:]
        var received: UInt64 = 0

        init(ring: CreditRing, receivers: [Int], memory: Memory, process: Int) {
            self.ring = ring
            self.receivers = receivers
            self.memory = memory
            self.process = process
        }

        mutating func perform(_ input: QueueModel.Input) throws(Errno) -> QueueModel.Output {
            switch input {
            case .send(_, let to, let data):
                guard let to, let index = receivers.firstIndex(of: to) else { throw .invalidArgument }
                let sequence = sent[to, default: 0]
                guard ring.send(data, to: index + 1, sequence: sequence, in: memory) else { throw .resourceTemporarilyUnavailable }
                sent[to] = sequence + 1
                return .sent
            case .receive:
                guard let index = receivers.firstIndex(of: process) else { throw .invalidArgument }
                guard let data = ring.receive(for: index + 1, sequence: received, in: memory) else { throw .resourceTemporarilyUnavailable }
                received += 1
                return .received(data)
            case .revoke:
                BindingFailure.abandon("this queue has no revoke (refused before it runs)")
            }
        }
    }
}
