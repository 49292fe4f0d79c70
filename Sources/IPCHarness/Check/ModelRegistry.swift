import IPCModels

/// The models traces can name in their header's `model` field: the built-in ones and those a user registered
/// (directly, or with a kind: ``KindRegistry/register(_:)``). Registration only adds; a name means one model.
public enum ModelRegistry {
    public static let builtIn: [any TraceModel.Type] = [
        PipeModel.self, PosixMessageQueueModel.self, SystemVMessageQueueModel.self, PosixSharedMemoryModel.self,
        SystemVSharedMemoryModel.self, PosixSemaphoreModel.self, SystemVSemaphoreModel.self, RobustMutexModel.self,
        QueueModel.self, StackModel.self, RegisterModel.self, SnapshotModel.self, FIFOModel.self,
        UnixSocketModel.self, SignalModel.self, EventCounterModel.self, RCUModel.self, AckQueueModel.self,
        // Histories recorded elsewhere (Jepsen, Porcupine): see Import/.
        CASRegisterModel.self, KeyValueModel.self, SetModel.self,
    ]

    private static let registry = NamedRegistry<any TraceModel.Type>(
        "model", builtIn: builtIn, name: { $0.name }, identity: { ObjectIdentifier($0) })

    /// Every model known in this process, built-in first.
    public static var models: [any TraceModel.Type] { registry.all }

    /// Whether `model` is one of ours (not a user's registered one).
    public static func isBuiltIn(_ model: any TraceModel.Type) -> Bool {
        builtIn.contains { ObjectIdentifier($0) == ObjectIdentifier(model) }
    }

    public static func model(named name: String) -> (any TraceModel.Type)? { registry.named(name) }

    public static var names: [String] { models.map { $0.name } }

    /// Adds a user's model, so that traces naming it check, draw, replay and shrink.
    public static func register(_ model: any TraceModel.Type) throws(HarnessError) { try registry.register(model) }
}
