import Glibc
import IPCHarness
import IPCModels
import SystemPackage

/// How the harness sets up and drives the framed channel: a kind of object of its own, checked against the
/// harness's FIFO `queue` model (a framed channel must deliver every message whole, once, in order).
///
/// - The driver creates a stream socket pair per object; the process in role `send` gets one end, the process in
///   role `receive` the other, at a descriptor number of its own (``provision(_:in:into:)``).
/// - Each worker runs the implementation the scenario names over its end: the correct ``FramedChannel`` or the
///   fragile ``FragileFramedChannel`` (``binding(for:implementation:)``).
public enum FramedChannelKind: MechanismKind {
    public typealias Model = QueueModel

    public static let name = "framed-channel"
    public static let implementations = ["example.framed-channel", "example.fragile-framed-channel"]

    /// The queue model knows no end of stream, so the fuzzer does not kill this kind's processes: a sender killed
    /// in the middle of a frame would leave its receiver an `ECONNRESET` the model has no word for.
    public static let fuzzedFaults = Set(FaultOptions.Kind.allCases).subtracting([.kill])

    public static func model(for workload: Workload) -> QueueModel {
        QueueModel(objects: workload.objects.filter { $0.kind == name }.map { ($0.name, QueueModel.Setup(order: .fifo)) })
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        var ends: [CInt] = [-1, -1]
        guard socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw HarnessError("cannot create the socket pair of \(object.name): \(Errno(rawValue: errno))")
        }
        let (sending, receiving) = (FileDescriptor(rawValue: ends[0]), FileDescriptor(rawValue: ends[1]))
        objects.keepUntilStarted(sending)
        objects.keepUntilStarted(receiving)
        for process in workload.processes {
            guard let roles = process.holds[object.name] else { continue }
            let end = roles.contains("send") ? sending : receiving
            objects.tell(process.id, about: object.name, ["socket": .int(objects.hand(end, to: process.id))])
        }
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<QueueModel> {
        let socket = try object.descriptor("socket").rawValue
        return FramedChannelBinding(
            correct: FramedChannel(socket: socket), fragile: FragileFramedChannel(socket: socket),
            isFragile: implementation == "example.fragile-framed-channel")
    }
}

/// The queue model's operations carried out by a framed channel: `send` sends one message, `receive` takes one.
struct FramedChannelBinding: ObjectBinding {
    typealias Model = QueueModel
    let correct: FramedChannel
    let fragile: FragileFramedChannel
    let isFragile: Bool

    mutating func perform(_ input: QueueModel.Input) throws(Errno) -> QueueModel.Output {
        switch input {
        case .send(_, _, let data):
            try correct.send(data)
            return .sent
        case .receive:
            return .received(isFragile ? fragile.receive() : try correct.receive())
        case .revoke:
            BindingFailure.abandon("a framed channel has no revoke")
        }
    }
}

/// How the harness sets up and drives a token pool: a kind with a model of its own (``TokenPoolModel``).
///
/// - `example.pool-sysv-undo`: the driver creates a System V semaphore set under a fresh key from the run's
///   namespace (recorded in the run's ledger before it exists, removed when the run ends); holders get its id.
/// - `example.pool-posix-sem`: the driver initialises a POSIX semaphore in a page of shared memory every holder
///   maps.
///
/// Parameter `tokens` (default 1). A process releases only a token it holds (the binding counts them), as a user
/// of a pool does.
public enum TokenPoolKind: MechanismKind {
    public typealias Model = TokenPoolModel

    public static let implementations = ["example.pool-sysv-undo", "example.pool-posix-sem"]

    /// The one parameter it reads: a workload object with another (a misspelt `"tokenz"`) is refused before anything
    /// runs, instead of the pool being made with the default 1.
    public static let parameterNames: Set<String>? = ["tokens"]

    public static func model(for workload: Workload) -> TokenPoolModel {
        TokenPoolModel(pools: workload.objects.filter { $0.kind == name }.map { ($0.name, $0.integer("tokens") ?? 1) })
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        let tokens = object.integer("tokens") ?? 1
        if object.implementation == "example.pool-posix-sem" {
            let memory = try objects.shareMemory(size: 4096) { address in try PosixTokenPool.initialize(at: address, tokens: tokens) }
            objects.tellHolders(of: object, in: workload, handing: ["memory": memory])
        } else {
            let set = try objects.createKeyed(.sysvSemaphore) { (key) throws(Errno) in try UndoTokenPool.create(key: key, tokens: tokens) }
            objects.tellHolders(of: object, in: workload, ["set": .int(Int(set))])
        }
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<TokenPoolModel> {
        if implementation == "example.pool-posix-sem" {
            return TokenPoolBinding(pool: PosixTokenPool(at: try object.mapSharedMemory("memory", size: 4096)))
        }
        return TokenPoolBinding(pool: UndoTokenPool(set: CInt(try object.integer("set"))))
    }
}

struct TokenPoolBinding: ObjectBinding {
    typealias Model = TokenPoolModel
    let pool: any TokenPool
    /// Tokens this process holds.
    var holding = 0

    mutating func perform(_ input: TokenPoolModel.Input) throws(Errno) -> TokenPoolModel.Output {
        switch input {
        case .acquire:
            guard try pool.acquire() else { throw .resourceTemporarilyUnavailable }
            holding += 1
            return .acquired
        case .release:
            guard holding > 0 else { throw .invalidArgument }
            try pool.release()
            holding -= 1
            return .released
        case .exit:
            BindingFailure.abandon("a worker is never asked to perform 'exit'")
        }
    }
}
