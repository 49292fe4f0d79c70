import IPCModels
import IPCSyscalls
import SystemPackage

/// Everything the harness knows about one kind of object — a kernel mechanism, a user's component — typed by the
/// model its operations are checked against. One file per kind; the kind is registered in one list
/// (``KindRegistry``, or the ``HarnessComponents`` a worker, a CLI and a test are given), and the driver, the worker, the checker, replay and shrink find it there by its name.
///
/// - In the driver: ``model(for:)`` describes a workload's objects of this kind to the model (the trace header's
///   `params`), and ``provision(_:in:into:)`` creates an object for a run and hands each holder its part.
/// - In each worker: ``binding(for:implementation:)`` makes the code under test for this process's part, typed with
///   the model's `Input` and `Output`: the worker decodes the driver's commands through the model and encodes the
///   results through it, so the JSON form of an operation lives only in the model's trace codec.
///
/// A kind runs the implementations it lists (the first is its default); a user's client of an existing kind is a
/// ``ClientImplementation`` registered beside it. An implementation nobody runs is refused, never replaced.
public protocol MechanismKind: ObjectKind {
    associatedtype Model: TraceModel

    /// The model of a workload's objects of this kind (which exist, who holds them, their capacities). Check what
    /// can be wrong with an object's parameters in ``provision(_:in:into:)``, which may throw.
    static func model(for workload: Workload) -> Model

    /// In a worker: the code that runs `implementation` (one of ``ObjectKind/implementations``) on this process's
    /// part of `object`, set up from what ``provision(_:in:into:)`` handed over.
    static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<Model>
}

/// The code under test for one object in one worker process: performs an operation of the model and returns what
/// it observed. An `Errno` thrown is the operation's failure (`fail` in the trace, read by the model as its
/// `failed` output); the result is encoded by the model (`ok`).
///
/// A binding runs on the worker's main thread, one operation at a time, and may block: the driver tells a process
/// asleep in an operation from one that is still running, and kills or signals it there.
public protocol ObjectBinding<Model> {
    associatedtype Model: TraceModel

    mutating func perform(_ input: Model.Input) throws(Errno) -> Model.Output

    /// Called when the process is told to exit: anything buffered must go out now.
    mutating func prepareForExit()
}

extension ObjectBinding {
    public mutating func prepareForExit() {}
}

/// The untyped face of a kind, which the registry keeps and the driver and worker use: conform to
/// ``MechanismKind``, which provides ``workerBinding(for:implementation:)`` from its typed binding. (The reference
/// constructions of the seeds are the one family that conforms to this directly: one kind whose objects'
/// models depend on the construction they name.)
public protocol ObjectKind: Sendable {
    /// The kind's name in workloads and traces ("pipe"); the model's name unless several kinds share a model.
    static var name: String { get }

    /// The implementations this kind's own bindings run; the first is what an object runs when none is named.
    static var implementations: [String] { get }

    /// Creates `object` for a run of `workload` and hands each process that holds it its part (descriptors,
    /// names, setup values), recording every named object in the run's ledger first. `object.implementation` is
    /// the implementation it runs (resolved: never nil here).
    static func provision(_ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects)
        throws(HarnessError)

    /// The model parameters (the trace header's `params`) for a workload's objects of this kind.
    static func modelParameters(for workload: Workload) throws(HarnessError) -> JSONValue

    /// In a worker: the binding for `implementation`, untyped.
    static func workerBinding(for object: WorkerObject, implementation: String) throws(BindingError) -> any WorkerBinding

    /// What a live holder can do to observe what a killed process's operation did (``ResolutionProbe``); nil when
    /// the kind has no such observation.
    static var resolutionProbe: ResolutionProbe? { get }

    /// The faults the fuzzer may inject into runs of this kind: every kind unless its model has no word for what
    /// one of them causes (say, a killed sender's half-sent message).
    static var fuzzedFaults: Set<FaultOptions.Kind> { get }

    /// The names of the object parameters this kind reads (`Workload.Object.parameters`), anywhere: its model,
    /// its provisioning, its bindings. A workload object with a parameter not among them is refused before anything
    /// is created (``Workload/refuseUnknownParameters()``): a misspelt `"capacty"` would otherwise run with the
    /// default capacity, and the run would not be the one asked for. nil (the default): the kind does not say, and
    /// its objects' parameters are not checked — a user's kind opts in by listing its names.
    static var parameterNames: Set<String>? { get }
}

extension ObjectKind {
    public static var resolutionProbe: ResolutionProbe? { nil }
    public static var fuzzedFaults: Set<FaultOptions.Kind> { Set(FaultOptions.Kind.allCases) }
    public static var parameterNames: Set<String>? { nil }
}

extension MechanismKind {
    public static var name: String { Model.name }

    public static func modelParameters(for workload: Workload) throws(HarnessError) -> JSONValue {
        model(for: workload).parameters
    }

    public static func workerBinding(for object: WorkerObject, implementation: String) throws(BindingError) -> any WorkerBinding {
        let client = KindRegistry.client(named: implementation, for: Self.self)
        guard client != nil || implementations.contains(implementation) else {
            throw BindingError(KindRegistry.refusal(of: implementation, by: Self.self))
        }
        let model: Model
        do {
            model = try Model(parameters: object.modelParameters)
        } catch {
            throw BindingError("the \(name) model's parameters for \(object.name): \(error.message)")
        }
        let binding: any ObjectBinding<Model>
        if let client {
            binding = try client.binding(for: object)
        } else {
            binding = try self.binding(for: object, implementation: implementation)
        }
        return TypedWorkerBinding(model: model, object: object.name, process: object.process, binding: binding)
    }
}

/// A binding a worker holds, untyped: it performs an operation given in trace form and reports its outcome in
/// trace form.
public protocol WorkerBinding {
    mutating func perform(_ call: Call) throws(BindingError) -> Outcome
    mutating func prepareForExit()
}

/// A typed binding behind the untyped face: commands decoded by the model, results encoded by it.
struct TypedWorkerBinding<Model: TraceModel>: WorkerBinding {
    let model: Model
    let object: String
    let process: Int
    var binding: any ObjectBinding<Model>

    mutating func perform(_ call: Call) throws(BindingError) -> Outcome {
        let input: Model.Input
        do {
            input = try model.input(from: call)
        } catch {
            throw BindingError("'\(call.f)' on \(call.object): \(error.message)")
        }
        do throws(Errno) {
            return model.outcome(for: try binding.perform(input))
        } catch {
            return .fail(ErrorCode(error.name))
        }
    }

    mutating func prepareForExit() { binding.prepareForExit() }
}
