import IPCMechanisms
import IPCModels
import SystemPackage

/// A kind whose objects are constructions in one region of shared memory (and, if they like, copy channels): a
/// ring, a mailbox, a stack, a seqlock — the seeds' or a user's, written once as ordinary Swift generic over
/// ``SharedMemory``. The same binding then runs
///
/// - in worker processes (real mode): the driver creates the region as a memory file and the channels as pipes,
///   and each worker maps it as a ``MappedSharedMemory`` (``provision(_:in:into:)`` and
///   ``binding(for:implementation:)`` are provided);
/// - in the simulation (sim mode), over simulated memory where every access is a scheduling point and loads may
///   return what the C11 model allows (``Scenario/simulated(name:kind:implementation:summary:isBroken:modes:invariants:options:makeWorkload:)``).
///
/// A conforming kind says what region an object needs (``layout(of:)``) and how one process performs the model's
/// operations over it (``binding(for:process:in:)``):
///
/// ```swift
/// public enum MyStackKind: SharedMemoryKind {
///     public typealias Model = StackModel
///     public static let name = "my-stack"
///     public static let implementations = ["mine.stack", "mine.stack-untagged"]
///     public static func model(for workload: Workload) -> StackModel { StackModel(objects: workload.objects(of: self)) }
///     public static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout {
///         SharedRegionLayout(size: 4096)
///     }
///     public static func binding<Memory: SharedMemory>(
///         for object: SharedObjectSetup, process: Int, in memory: Memory
///     ) throws(BindingError) -> any ObjectBinding<StackModel> {
///         MyStackBinding(stack: MyStack(memory: memory, tagged: object.implementation == "mine.stack"))
///     }
/// }
/// ```
///
/// Roles: every holder of an object maps its region; a process holding it in role `send:N` (`receive:N`) gets the
/// sending (receiving) end of copy channel N.
public protocol SharedMemoryKind: MechanismKind {
    /// The region an object needs: its size, the words set before any process runs, its copy channels.
    static func layout(of object: SharedObjectSetup) throws(BindingError) -> SharedRegionLayout

    /// Process `process`'s side of `object`, over `memory` (real or simulated). Private state — free nodes, sequence
    /// numbers — lives in the binding, never in shared memory.
    static func binding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory
    ) throws(BindingError) -> any ObjectBinding<Model>

    /// Why `object` cannot perform `input` at all (a message larger than its slots), or nil. Such an operation is a
    /// malformed workload or trace, refused before anything runs — never performed (a precondition would fail) and
    /// never judged. Default: every input can be performed.
    static func refusal(of input: Model.Input, by object: SharedObjectSetup) -> String?
}

extension SharedMemoryKind {
    public static func refusal(of input: Model.Input, by object: SharedObjectSetup) -> String? { nil }
}

/// What a region holds before any process runs.
public struct SharedRegionLayout: Sendable, Hashable {
    /// Bytes (a multiple of 8).
    public var size: Int
    /// Words set before the processes start (byte offset → value); every other word is zero.
    public var initialWords: [Int: UInt64]
    /// Copy channels, numbered from 0.
    public var channels: Int

    public init(size: Int, initialWords: [Int: UInt64] = [:], channels: Int = 0) {
        self.size = SharedLayout.words(forBytes: size) * SharedLayout.word
        self.initialWords = initialWords
        self.channels = channels
    }
}

/// An object of a shared-memory kind as its workload describes it: its name, the implementation it runs, and its
/// parameters (capacities, sizes), with typed readers that refuse what does not fit.
public struct SharedObjectSetup: Sendable, Hashable {
    public var name: String
    public var implementation: String
    public var parameters: JSONObject

    public init(name: String, implementation: String, parameters: JSONObject) {
        self.name = name
        self.implementation = implementation
        self.parameters = parameters
    }

    /// The integer parameter `key`, within `range`.
    public func integer(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(BindingError) -> Int {
        guard case .integer(let value)? = parameters[key] else { throw BindingError("\(name): the parameter '\(key)' must be an integer") }
        guard range.contains(Int(value)) else { throw BindingError("\(name): the parameter '\(key)' must be in \(range), not \(value)") }
        return Int(value)
    }

    /// The integer parameter `key`, or `fallback` when absent.
    public func integer(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max, default fallback: Int) throws(BindingError) -> Int {
        parameters[key] == nil ? fallback : try integer(key, in: range)
    }

    /// The parameter `key`: a list of process numbers.
    public func processes(_ key: String) throws(BindingError) -> [Int] {
        let value: JSONValue? = .object(parameters)
        do { return try value.processes(key) } catch { throw BindingError("\(name): \(error.message)") }
    }

    /// The parameter `key` as a string, or nil.
    public func text(_ key: String) -> String? {
        if case .string(let value)? = parameters[key] { return value }
        return nil
    }
}

extension Workload {
    /// The names of the objects of `kind`.
    public func objects(of kind: any ObjectKind.Type) -> [String] {
        objects.filter { $0.kind == kind.name }.map(\.name)
    }
}

extension SharedMemoryKind {
    /// The parameters every region's object may have, whatever its construction: `channel`, the kind of its copy
    /// channels in real mode (``CopyChannelKind``), and `channelCapacity`, their capacity in the simulation. A
    /// built-in kind's ``ObjectKind/parameterNames`` adds its own to these.
    public static var regionParameterNames: Set<String> { ["channel", "channelCapacity"] }

    /// The setup of a workload object (its implementation resolved).
    static func setup(of object: Workload.Object) -> SharedObjectSetup {
        SharedObjectSetup(name: object.name, implementation: object.implementation ?? implementations.first ?? name, parameters: object.parameters)
    }

    /// The region and channels of `object` for worker processes: a memory file initialised here, handed to every
    /// holder, and a pipe per channel whose ends go to the holders of `send:N` and `receive:N`.
    public static func provision(_ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects)
        throws(HarnessError)
    {
        let setup = setup(of: object)
        let layout: SharedRegionLayout
        do {
            layout = try self.layout(of: setup)
        } catch {
            throw HarnessError("object \(object.name): \(error.message)")
        }
        let memory = try objects.shareMemory(size: layout.size) { address in
            let region = MappedSharedMemory(mapping: address, size: layout.size)
            for (offset, value) in layout.initialWords { region.store(offset, value, .sequentiallyConsistent) }
        }
        let channelKind = try CopyChannelKind.named(object.parameters["channel"])
        var channels: [(receive: FileDescriptor, send: FileDescriptor)] = []
        do {
            for _ in 0..<layout.channels {
                let channel = try channelKind.create()
                objects.keepUntilStarted(channel.receive)
                objects.keepUntilStarted(channel.send)
                channels.append(channel)
            }
            for process in workload.processes {
                guard let roles = process.holds[object.name] else { continue }
                var told: JSONObject = [
                    "memory": .int(objects.hand(memory, to: process.id)), "implementation": .string(setup.implementation),
                    "parameters": .object(object.parameters), "channel": .string(channelKind.rawValue),
                ]
                var ends = JSONObject()
                for (role, channel) in roles.compactMap(channelRole) where channels.indices.contains(channel) {
                    let sending = role == "send"
                    let end = try channelKind.openEnd(sending ? channels[channel].send : channels[channel].receive, forSending: sending)
                    objects.keepUntilStarted(end)
                    var pair = ends[String(channel)]?.objectValue ?? JSONObject()
                    pair[sending ? "write" : "read"] = .int(objects.hand(end, to: process.id))
                    ends[String(channel)] = .object(pair)
                    if sending {
                        // The sender also holds (and never uses) a read end: a channel lives as long as anyone who
                        // holds it, as the simulation's does, so a receiver that finished its program early does not
                        // turn the sender's next send into EPIPE.
                        let keeper = try channelKind.openEnd(channels[channel].receive, forSending: false)
                        objects.keepUntilStarted(keeper)
                        _ = objects.hand(keeper, to: process.id)
                    }
                }
                told["channels"] = .object(ends)
                objects.tell(process.id, about: object.name, told)
            }
        } catch {
            throw HarnessError("cannot create the copy channels of \(object.name): \(error)")
        }
    }

    /// `send:N` or `receive:N` as (role, N).
    static func channelRole(_ role: String) -> (String, Int)? {
        let parts = role.split(separator: ":")
        guard parts.count == 2, parts[0] == "send" || parts[0] == "receive", let channel = Int(parts[1]) else { return nil }
        return (String(parts[0]), channel)
    }

    /// In a worker: the region mapped wherever this process's kernel puts it, this process's channel ends, and the
    /// kind's binding over them. A channel's error other than full or empty is the operation's failure.
    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<Model> {
        let named = try object.text("implementation")
        guard named == implementation else {
            throw BindingError("\(object.name) is set up for \(named), not the \(implementation) this worker was asked to run")
        }
        guard case .object(let parameters)? = object.setup["parameters"] else {
            throw BindingError("\(object.name): the setup has no parameters")
        }
        let setup = SharedObjectSetup(name: object.name, implementation: implementation, parameters: parameters)
        let layout = try self.layout(of: setup)
        let channelKind: CopyChannelKind
        do {
            channelKind = try CopyChannelKind.named(object.setup["channel"])
        } catch {
            throw BindingError(error.message)
        }
        var channels: [Int: any CopyChannel] = [:]
        for channel in 0..<layout.channels {
            let ends = object.setup["channels"]?[String(channel)]
            channels[channel] = channelKind.adapter(receiveEnd: try? ends.descriptor("read"), sendEnd: try? ends.descriptor("write"))
        }
        let memory: MappedSharedMemory
        do {
            memory = try MappedSharedMemory(descriptor: try object.descriptor("memory"), size: layout.size, channels: channels)
        } catch let error as BindingError {
            throw error
        } catch {
            throw BindingError("\(object.name): cannot map the shared memory: \(error)")
        }
        return ChannelFailureBinding(memory: memory, binding: try binding(for: setup, process: object.process, in: memory))
    }

    /// Why `object` cannot perform `call` (its trace form), or nil.
    static func refusal(of call: Call, by object: SharedObjectSetup, modelParameters: JSONValue?) -> String? {
        do {
            let model = try Model(parameters: modelParameters)
            return refusal(of: try model.input(from: call), by: object)
        } catch {
            return nil  // the history check names what the model cannot read
        }
    }

    /// The kind's model configured by a run's parameters (decoded once per run, not once per process).
    static func model(parameters: JSONValue?) throws(BindingError) -> any TraceModel {
        do {
            return try Model(parameters: parameters)
        } catch {
            throw BindingError("the \(Model.name) model's parameters: \(error.message)")
        }
    }

    /// In the simulation: the binding over simulated memory, behind the untyped face the simulator drives. `model`
    /// is this kind's (``model(parameters:)``).
    static func simulatedBinding<Memory: SharedMemory>(
        for object: SharedObjectSetup, process: Int, in memory: Memory, model: any TraceModel
    ) throws(BindingError) -> any WorkerBinding {
        guard let model = model as? Model else { throw BindingError("\(object.name): a \(type(of: model).name) model for a \(Model.name) kind") }
        return TypedWorkerBinding(model: model, object: object.name, process: process, binding: try binding(for: object, process: process, in: memory))
    }
}

/// A shared-memory binding in a worker: a copy channel's failure (anything but full or empty) during an operation
/// is that operation's outcome — also when the construction, seeing only that the send did not go, reported the
/// operation as refused (`EAGAIN`): an injected `ENOMEM` on the channel's write is then the outcome, not "full".
struct ChannelFailureBinding<Model: TraceModel>: ObjectBinding {
    let memory: MappedSharedMemory
    var binding: any ObjectBinding<Model>

    mutating func perform(_ input: Model.Input) throws(Errno) -> Model.Output {
        memory.clearChannelFailures()
        let output: Model.Output
        do {
            output = try binding.perform(input)
        } catch {
            throw memory.channelFailure ?? error
        }
        if let failure = memory.channelFailure { throw failure }
        return output
    }

    mutating func prepareForExit() { binding.prepareForExit() }
}

extension JSONValue? {
    /// The descriptor number a setup names under `key`.
    func descriptor(_ key: String) throws(BindingError) -> FileDescriptor {
        guard case .integer(let fd)? = self?[key] else { throw BindingError("the setup has no descriptor '\(key)'") }
        return FileDescriptor(rawValue: CInt(fd))
    }
}
