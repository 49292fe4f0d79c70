import IPCMechanisms
import IPCModels
import SystemPackage

/// The Treiber stack with a tagged top (``TreiberStack``): parameters `tagBits` (0 to 48), `nodesPerProcess`, and
/// `processes` (who pushes: each gets its own free nodes, and keeps the nodes it pops). The `aba` invariant watches
/// the top word, at offset 0.
public enum TreiberStackKind: SharedMemoryKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``), besides every region's own.
    public static let parameterNames: Set<String>? = regionParameterNames.union(["processes", "nodesPerProcess", "tagBits"])
    public typealias Model = StackModel
    public static let name = "treiber-stack"
    public static let implementations = ["reference.treiber-stack"]

    public static func model(for workload: Workload) -> StackModel { StackModel(objects: workload.objects(of: self)) }

    static func stack(_ object: SharedObjectSetup) throws(BindingError) -> (processes: [Int], nodesPerProcess: Int, stack: TreiberStack) {
        let processes = try object.processes("processes")
        let nodesPerProcess = try object.integer("nodesPerProcess", in: 1...1024)
        guard processes.count * nodesPerProcess < 1 << 16 else {
            throw BindingError("a Treiber stack has fewer than 65536 nodes, not \(processes.count) processes × \(nodesPerProcess)")
        }
        return (processes, nodesPerProcess, TreiberStack(base: 0, nodes: processes.count * nodesPerProcess, tagBits: try object.integer("tagBits", in: 0...48)))
    }

    public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        SharedRegionLayout(size: try stack(object).stack.size)
    }

    public static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<StackModel> {
        let (processes, perProcess, stack) = try stack(object)
        let index = processes.firstIndex(of: process) ?? 0
        return Binding(stack: stack, memory: memory, free: Array((index * perProcess..<(index + 1) * perProcess).reversed()))
    }

    /// Each process pushes from its own free nodes and keeps the nodes it pops.
    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = StackModel
        let stack: TreiberStack
        let memory: Memory
        var free: [Int]

        mutating func perform(_ input: StackModel.Input) throws(Errno) -> StackModel.Output {
            switch input {
            case .push(let value):
                guard let node = free.popLast() else { throw .noMemory }
                stack.push(UInt64(bitPattern: Int64(value)), node: node, in: memory)
                return .pushed
            case .pop:
                guard let popped = stack.pop(in: memory) else { throw .resourceTemporarilyUnavailable }
                free.append(popped.node)
                return .popped(Int(Int64(bitPattern: popped.value)))
            }
        }
    }
}

/// The seqlock, or version mailbox (``VersionMailbox``): parameter `words`. `reference.seqlock` fences as Boehm
/// prescribes; `reference.seqlock-no-recheck` trusts its first version load (torn under any memory model);
/// `reference.seqlock-no-fence` re-checks but omits the reader's acquire fence (torn only under weak memory).
public enum SeqlockKind: SharedMemoryKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``), besides every region's own.
    public static let parameterNames: Set<String>? = regionParameterNames.union(["words"])
    public typealias Model = RegisterModel
    public static let name = "seqlock"
    public static let implementations = ["reference.seqlock", "reference.seqlock-no-recheck", "reference.seqlock-no-fence"]

    public static func model(for workload: Workload) -> RegisterModel {
        RegisterModel(objects: workload.objects.filter { $0.kind == name }.map { ($0.name, $0.integer("words") ?? 1) })
    }

    static func mailbox(_ object: SharedObjectSetup) throws(BindingError) -> VersionMailbox {
        VersionMailbox(base: 0, words: try object.integer("words", in: 1...64))
    }

    public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        SharedRegionLayout(size: try mailbox(object).size)
    }

    public static func refusal(of input: RegisterModel.Input, by object: SharedObjectSetup) -> String? {
        guard case .write(let words) = input, let mailbox = try? mailbox(object), words.count != mailbox.words else { return nil }
        return "write: \(words.count) words, the mailbox holds \(mailbox.words)"
    }

    public static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<RegisterModel> {
        let reader: VersionMailbox.Reader =
            switch object.implementation {
            case "reference.seqlock-no-recheck": .withoutRecheck
            case "reference.seqlock-no-fence": .withoutAcquireFence
            default: .correct
            }
        return Binding(mailbox: try mailbox(object), memory: memory, reader: reader)
    }

    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = RegisterModel
        let mailbox: VersionMailbox
        let memory: Memory
        let reader: VersionMailbox.Reader

        func perform(_ input: RegisterModel.Input) throws(Errno) -> RegisterModel.Output {
            switch input {
            case .write(let words):
                guard mailbox.write(words.map { UInt64(truncatingIfNeeded: $0) }, in: memory) else { throw .resourceTemporarilyUnavailable }
                return .written
            case .read:
                guard let words = mailbox.read(in: memory, reader: reader) else { throw .resourceTemporarilyUnavailable }
                return .read(words.map { Int(truncatingIfNeeded: $0) })
            }
        }
    }
}

/// The check-then-use service (``SnapshotService``): parameter `limit` (the largest request it accepts).
/// `reference.snapshot-shm` reads the request in place in shared memory, twice (broken: time of check, time of use);
/// `reference.snapshot-copy` receives a copy over a copy channel (the client holds `send:0`, the service
/// `receive:0`), whose capacity in the simulation is the parameter `channelCapacity`.
public enum SnapshotServiceKind: SharedMemoryKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``), besides every region's own.
    public static let parameterNames: Set<String>? = regionParameterNames.union(["limit", "channelCapacity"])
    public typealias Model = SnapshotModel
    public static let name = "snapshot-service"
    public static let implementations = ["reference.snapshot-shm", "reference.snapshot-copy"]

    public static func model(for workload: Workload) -> SnapshotModel {
        let objects = workload.objects.filter { $0.kind == name }
        return SnapshotModel(
            limit: objects.first?.integer("limit") ?? 0,
            objects: objects.map { ($0.name, $0.implementation == "reference.snapshot-copy" ? ($0.integer("channelCapacity") ?? 4) : 1) })
    }

    static func service(_ object: SharedObjectSetup) throws(BindingError) -> SnapshotService {
        SnapshotService(
            base: 0, limit: UInt64(try object.integer("limit", in: 0...Int.max)),
            path: object.implementation == "reference.snapshot-copy" ? .copy : .sharedMemory)
    }

    public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
        let service = try service(object)
        return SharedRegionLayout(size: service.size, channels: service.path == .copy ? 1 : 0)
    }

    public static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<SnapshotModel> {
        let service = try service(object)
        return Binding(service: service, client: SnapshotService.Client(service: service), memory: memory)
    }

    struct Binding<Memory: SharedMemory>: ObjectBinding {
        typealias Model = SnapshotModel
        let service: SnapshotService
        var client: SnapshotService.Client
        let memory: Memory

        mutating func perform(_ input: SnapshotModel.Input) throws(Errno) -> SnapshotModel.Output {
            switch input {
            case .submit(let value):
                guard client.submit(UInt64(clamping: value), in: memory) else { throw .resourceTemporarilyUnavailable }
                return .done
            case .tamper(let value):
                client.tamper(UInt64(clamping: value), in: memory)
                return .done
            case .serve:
                guard let decision = service.serve(in: memory) else { throw .resourceTemporarilyUnavailable }
                return .served(checked: Int(decision.checked), accepted: decision.accepted, used: decision.used.map { Int($0) })
            }
        }
    }
}
