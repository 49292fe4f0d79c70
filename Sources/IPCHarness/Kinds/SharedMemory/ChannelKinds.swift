import IPCMechanisms
import IPCModels
import SystemPackage

/// The seed's one-slot mailbox guarded by a sequence number (``SequenceMailbox``): parameters `sequenceBits` (1 to 64:
/// below 64 the sequence wraps, and a preempted taker can be fooled by ABA) and `buffers`. A message is 1 to 8
/// bytes, not ending in a zero byte (it is kept in one word, whose trailing zero bytes are not kept).
public enum SequenceMailboxKind: SharedMemoryKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``), besides every region's own.
    public static let parameterNames: Set<String>? = regionParameterNames.union(["buffers", "sequenceBits"])
    public typealias Model = QueueModel
    public static let name = "sequence-mailbox"
    public static let implementations = ["reference.sequence-mailbox"]

    public static func model(for workload: Workload) -> QueueModel {
        QueueModel(objects: workload.objects(of: self).map { ($0, .init(capacity: 1)) })
    }

    static func mailbox(_ object: SharedObjectSetup) throws(BindingError) -> SequenceMailbox {
        SequenceMailbox(base: 0, buffers: try object.integer("buffers", in: 1...64), sequenceBits: try object.integer("sequenceBits", in: 1...64))
    }

    public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        SharedRegionLayout(size: try mailbox(object).size)
    }

    public static func refusal(of input: QueueModel.Input, by object: SharedObjectSetup) -> String? {
        if case .revoke = input { return "a mailbox has no revoke" }
        guard case .send(_, _, let data) = input, data.count > 8 || data.last == 0 else { return nil }
        return "a mailbox message is 1 to 8 bytes, not ending in a zero byte"
    }

    /// A message is at most 8 bytes, kept in one word (trailing zero bytes are not kept).
    static func word(_ data: [UInt8]) -> UInt64 { SharedLayout.pack(Array(data.prefix(8))).first ?? 0 }
    static func data(_ word: UInt64) -> [UInt8] {
        var bytes = SharedLayout.unpack([word], count: 8)
        while bytes.last == 0 { bytes.removeLast() }
        return bytes
    }

    public static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<QueueModel> {
        Binding(mailbox: try mailbox(object), memory: memory)
    }

    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = QueueModel
        let mailbox: SequenceMailbox
        let memory: Memory

        func perform(_ input: QueueModel.Input) throws(Errno) -> QueueModel.Output {
            switch input {
            case .send(_, _, let data):
                guard mailbox.post(SequenceMailboxKind.word(data), in: memory) else { throw .resourceTemporarilyUnavailable }
                return .sent
            case .receive:
                guard let word = mailbox.take(in: memory) else { throw .resourceTemporarilyUnavailable }
                return .received(SequenceMailboxKind.data(word))
            case .revoke:
                BindingFailure.abandon("this queue has no revoke (refused before it runs)")
            }
        }
    }
}

/// The capability-guarded channel (``RevocableChannel``): parameters `capacity`, `maximumMessage`.
/// `reference.revocable-commit` authorises a send when it commits; the broken twin `reference.revocable-entry` when
/// it starts.
public enum RevocableChannelKind: SharedMemoryKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``), besides every region's own.
    public static let parameterNames: Set<String>? = regionParameterNames.union(["capacity", "maximumMessage"])
    public typealias Model = QueueModel
    public static let name = "revocable-channel"
    public static let implementations = ["reference.revocable-commit", "reference.revocable-entry"]

    public static func model(for workload: Workload) -> QueueModel {
        QueueModel(objects: workload.objects.filter { $0.kind == name }.map {
            ($0.name, .init(capacity: $0.integer("capacity"), revocable: true))
        })
    }

    static func channel(_ object: SharedObjectSetup) throws(BindingError) -> RevocableChannel {
        RevocableChannel(base: 0, capacity: try object.integer("capacity", in: 1...1024), maximumMessage: try SlotLimit.maximumMessage(object))
    }

    public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        SharedRegionLayout(size: try channel(object).size)
    }

    public static func refusal(of input: QueueModel.Input, by object: SharedObjectSetup) -> String? {
        if case .revoke = input { return nil }
        return (try? SlotLimit.maximumMessage(object)).flatMap { SlotLimit.refusal(input, maximum: $0) }
    }

    public static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<QueueModel> {
        Binding(channel: try channel(object), memory: memory, authoriseAtEntry: object.implementation == "reference.revocable-entry")
    }

    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = QueueModel
        let channel: RevocableChannel
        let memory: Memory
        let authoriseAtEntry: Bool

        func perform(_ input: QueueModel.Input) throws(Errno) -> QueueModel.Output {
            switch input {
            case .send(_, _, let data):
                switch channel.send(data, in: memory, authoriseAtEntry: authoriseAtEntry) {
                case .sent: return .sent
                case .full: throw .resourceTemporarilyUnavailable
                case .revoked: throw .notPermitted
                }
            case .receive:
                guard let data = channel.receive(in: memory) else { throw .resourceTemporarilyUnavailable }
                return .received(data)
            case .revoke:
                return .revoked(committed: channel.revoke(in: memory))
            }
        }
    }
}

/// The seed's hybrid channel (``HybridChannel``): parameters `threshold`, `buffers`, `bufferBytes`; one copy channel
/// (a pipe in real mode), sent on by the holder of `send:0` and received from by the holder of `receive:0`. The
/// broken twin `reference.hybrid-reuse-buffer` reuses one staging buffer before its receiver has freed it.
public enum HybridChannelKind: SharedMemoryKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``), besides every region's own.
    public static let parameterNames: Set<String>? = regionParameterNames.union(["buffers", "bufferBytes", "threshold"])
    public typealias Model = QueueModel
    public static let name = "hybrid-channel"
    public static let implementations = ["reference.hybrid", "reference.hybrid-reuse-buffer"]

    public static func model(for workload: Workload) -> QueueModel {
        QueueModel(objects: workload.objects(of: self).map { ($0, .init(refusable: true)) })
    }

    static func hybrid(_ object: SharedObjectSetup) throws(BindingError) -> HybridChannel {
        HybridChannel(
            base: 0, buffers: try object.integer("buffers", in: 1...64), bufferBytes: try object.integer("bufferBytes", in: 8...1 << 16),
            threshold: try object.integer("threshold", in: 0...4000))
    }

    public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        SharedRegionLayout(size: try hybrid(object).size, channels: 1)
    }

    public static func refusal(of input: QueueModel.Input, by object: SharedObjectSetup) -> String? {
        (try? hybrid(object)).flatMap { SlotLimit.refusal(input, maximum: $0.bufferBytes) }
    }

    public static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<QueueModel> {
        Binding(hybrid: try hybrid(object), memory: memory, reuseBuffer: object.implementation == "reference.hybrid-reuse-buffer")
    }

    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = QueueModel
        let hybrid: HybridChannel
        let memory: Memory
        let reuseBuffer: Bool

        func perform(_ input: QueueModel.Input) throws(Errno) -> QueueModel.Output {
            switch input {
            case .send(_, _, let data):
                guard hybrid.send(data, in: memory, reuseBuffer: reuseBuffer) else { throw .resourceTemporarilyUnavailable }
                return .sent
            case .receive:
                guard let data = hybrid.receive(in: memory) else { throw .resourceTemporarilyUnavailable }
                return .received(data)
            case .revoke:
                BindingFailure.abandon("this queue has no revoke (refused before it runs)")
            }
        }
    }
}
