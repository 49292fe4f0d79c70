import IPCModels
import Synchronization

/// The models traces can name in their header's `model` field: the built-in ones and those a user registered
/// (directly, or with a kind: ``KindRegistry/register(_:)``). Registration only adds; a name means one model.
public enum ModelRegistry {
    public static let builtIn: [any TraceModel.Type] = [
        PipeModel.self, PosixMessageQueueModel.self, SystemVMessageQueueModel.self, PosixSharedMemoryModel.self,
        SystemVSharedMemoryModel.self, PosixSemaphoreModel.self, SystemVSemaphoreModel.self, RobustMutexModel.self,
        QueueModel.self, StackModel.self, RegisterModel.self, SnapshotModel.self, FIFOModel.self,
        UnixSocketModel.self, SignalModel.self, EventCounterModel.self, RCUModel.self, AckQueueModel.self,
    ]

    private static let registered = Mutex<[any TraceModel.Type]>([])

    /// Every model known in this process, built-in first.
    public static var models: [any TraceModel.Type] { builtIn + registered.withLock { $0 } }

    public static func model(named name: String) -> (any TraceModel.Type)? {
        models.first { $0.name == name }
    }

    public static var names: [String] { models.map { $0.name } }

    /// Adds a user's model, so that traces naming it check, draw, replay and shrink.
    public static func register(_ model: any TraceModel.Type) throws(HarnessError) {
        try registered.withLock { (registered) throws(HarnessError) in
            if let existing = (builtIn + registered).first(where: { $0.name == model.name }) {
                guard ObjectIdentifier(existing) == ObjectIdentifier(model) else {
                    throw HarnessError("the model name '\(model.name)' is taken by \(existing); \(model) needs another")
                }
                return
            }
            registered.append(model)
        }
    }
}
