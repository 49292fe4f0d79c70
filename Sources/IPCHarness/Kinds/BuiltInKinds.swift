/// The kinds of object the harness knows without being told: the kernel's mechanisms, the seeds' acknowledged
/// queue and the seeds' shared-memory constructions. Adding a kernel mechanism is one file beside these and one
/// line here.
public enum BuiltInKinds {
    public static let all: [any ObjectKind.Type] = [
        PipeKind.self, FIFOKind.self, UnixSocketKind.self, EventCounterKind.self, SignalKind.self,
        PosixMessageQueueKind.self, SystemVMessageQueueKind.self, PosixSharedMemoryKind.self,
        SystemVSharedMemoryKind.self, PosixSemaphoreKind.self, SystemVSemaphoreKind.self, RobustMutexKind.self,
        AckQueueKind.self,
    ] + sharedMemory

    /// The seeds' constructions, ordinary code over ``SharedMemory``: they run in the simulation and in workers.
    public static let sharedMemory: [any SharedMemoryKind.Type] = [
        SharedRingKind.self, QueuePerReceiverKind.self, HeadOfLineRingKind.self, CreditRingKind.self,
        SequenceMailboxKind.self, RevocableChannelKind.self, HybridChannelKind.self, TreiberStackKind.self,
        SeqlockKind.self, SnapshotServiceKind.self,
    ]
}
