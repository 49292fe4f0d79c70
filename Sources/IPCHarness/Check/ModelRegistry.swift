import IPCModels

/// The models traces can name in their header's `model` field.
public enum ModelRegistry {
    public static let models: [any TraceModel.Type] = [
        PipeModel.self, PosixMessageQueueModel.self, SystemVMessageQueueModel.self, PosixSharedMemoryModel.self,
        SystemVSharedMemoryModel.self, PosixSemaphoreModel.self, SystemVSemaphoreModel.self, RobustMutexModel.self,
        QueueModel.self, StackModel.self, RegisterModel.self, SnapshotModel.self, FIFOModel.self,
        UnixSocketModel.self, SignalModel.self, EventCounterModel.self, RCUModel.self, AckQueueModel.self,
    ]

    public static func model(named name: String) -> (any TraceModel.Type)? {
        models.first { $0.name == name }
    }

    public static var names: [String] { models.map { $0.name } }
}
