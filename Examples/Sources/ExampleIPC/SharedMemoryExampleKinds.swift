import IPCHarness
import IPCMechanisms
import IPCModels
import SystemPackage

/// The user's lock-free stack (``LockFreeStack``) described to the harness: its region, how one process performs
/// the stack model's operations over it, and which of its two implementations an object runs —
/// `example.stack` (the top word tagged with a 48-bit counter) or `example.stack-untagged` (ABA). Parameters:
/// `processes` (who pushes: each owns `nodesPerProcess` free nodes). Being a ``SharedMemoryKind``, it runs in the
/// simulation with every shared access a scheduling point, and in worker processes over `MAP_SHARED` memory.
public enum LockFreeStackKind: SharedMemoryKind {
    public typealias Model = StackModel
    public static let name = "example-stack"
    public static let implementations = ["example.stack", "example.stack-untagged"]

    public static func model(for workload: Workload) -> StackModel { StackModel(objects: workload.objects(of: self)) }

    public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        let nodes = try object.processes("processes").count * object.integer("nodesPerProcess", in: 1...64)
        return SharedRegionLayout(size: LockFreeStack<MappedSharedMemory>.size(nodes: nodes))
    }

    public static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<StackModel> {
        let perProcess = try object.integer("nodesPerProcess", in: 1...64)
        let index = try object.processes("processes").firstIndex(of: process) ?? 0
        let free = Array(index * perProcess..<(index + 1) * perProcess)
        return Binding(stack: LockFreeStack(memory: memory, tagged: object.implementation == "example.stack", free: free))
    }

    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = StackModel
        var stack: LockFreeStack<Memory>

        mutating func perform(_ input: StackModel.Input) throws(Errno) -> StackModel.Output {
            switch input {
            case .push(let value):
                guard stack.push(UInt64(bitPattern: Int64(value))) else { throw .noMemory }
                return .pushed
            case .pop:
                guard let value = stack.pop() else { throw .resourceTemporarilyUnavailable }
                return .popped(Int(Int64(bitPattern: value)))
            }
        }
    }
}

/// The user's one-slot mailbox (``OneSlotMailbox``) described to the harness, checked against the queue model with
/// room for one message: `example.mailbox` (a 64-bit sequence) or `example.mailbox-seq8` (an 8-bit one, ABA).
public enum OneSlotMailboxKind: SharedMemoryKind {
    public typealias Model = QueueModel
    public static let name = "example-mailbox"
    public static let implementations = ["example.mailbox", "example.mailbox-seq8"]

    public static func model(for workload: Workload) -> QueueModel {
        QueueModel(objects: workload.objects(of: self).map { ($0, .init(capacity: 1)) })
    }

    public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        SharedRegionLayout(size: OneSlotMailbox<MappedSharedMemory>.size)
    }

    /// What the mailbox cannot carry is refused before a run, never performed.
    public static func refusal(of input: QueueModel.Input, by object: SharedObjectSetup) -> String? {
        switch input {
        case .revoke: "the mailbox has no revoke"
        case .send(_, _, let data) where !(1...8).contains(data.count) || data.last == 0:
            "a message of 1 to 8 bytes, the last not zero, not \(data.count) bytes"
        default: nil
        }
    }

    public static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<QueueModel> {
        Binding(mailbox: OneSlotMailbox(memory: memory, sequenceBits: object.implementation == "example.mailbox" ? 64 : 8))
    }

    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = QueueModel
        let mailbox: OneSlotMailbox<Memory>

        func perform(_ input: QueueModel.Input) throws(Errno) -> QueueModel.Output {
            switch input {
            case .send(_, _, let data):
                guard mailbox.post(data) else { throw .resourceTemporarilyUnavailable }
                return .sent
            case .receive:
                guard let message = mailbox.take() else { throw .resourceTemporarilyUnavailable }
                return .received(message)
            case .revoke:
                throw .invalidArgument  // refused before a run (see refusal(of:by:))
            }
        }
    }
}

/// The user's hand-off slot (``HandoffSlot``) described to the harness, checked against the queue model with room
/// for one message: `example.handoff` (the flag raised with a releasing store) or `example.handoff-relaxed` (a
/// relaxed one: correct under sequential consistency, broken under weak memory).
public enum HandoffSlotKind: SharedMemoryKind {
    public typealias Model = QueueModel
    public static let name = "example-handoff"
    public static let implementations = ["example.handoff", "example.handoff-relaxed"]

    public static func model(for workload: Workload) -> QueueModel {
        QueueModel(objects: workload.objects(of: self).map { ($0, .init(capacity: 1)) })
    }

    public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        SharedRegionLayout(size: HandoffSlot<MappedSharedMemory>.size)
    }

    public static func refusal(of input: QueueModel.Input, by object: SharedObjectSetup) -> String? {
        OneSlotMailboxKind.refusal(of: input, by: object)
    }

    public static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<QueueModel> {
        Binding(slot: HandoffSlot(memory: memory, publishesRelaxed: object.implementation == "example.handoff-relaxed"))
    }

    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = QueueModel
        let slot: HandoffSlot<Memory>

        func perform(_ input: QueueModel.Input) throws(Errno) -> QueueModel.Output {
            switch input {
            case .send(_, _, let data):
                guard slot.put(data) else { throw .resourceTemporarilyUnavailable }
                return .sent
            case .receive:
                guard let message = slot.take() else { throw .resourceTemporarilyUnavailable }
                return .received(message)
            case .revoke:
                throw .invalidArgument  // refused before a run (see refusal(of:by:))
            }
        }
    }
}
