import IPCModels

/// An IPC object the log shows being created, with what was done to it: the operations of its kernel model, and
/// which processes held its descriptors (see ``StraceImporter`` for how holding becomes the model's parameters).
final class StraceObject {
    enum Kind {
        case pipe
        case socketPair(type: String)
        case posixQueue(name: String, maxMessages: Int, messageSize: Int)
        case eventfd(initial: UInt64, semaphore: Bool, nonblocking: Bool)
        case systemVQueue(id: Int64, capacity: Int, maxMessageSize: Int)
        case systemVSemaphores(id: Int64, count: Int)
        case signals(receiver: Int)
        case fifo(path: String, mode: Int)

        /// The model that checks it.
        var model: String {
            switch self {
            case .pipe: PipeModel.name
            case .socketPair: UnixSocketModel.name
            case .posixQueue: PosixMessageQueueModel.name
            case .eventfd: EventCounterModel.name
            case .systemVQueue: SystemVMessageQueueModel.name
            case .systemVSemaphores: SystemVSemaphoreModel.name
            case .signals: SignalModel.name
            case .fifo: FIFOModel.name
            }
        }

        /// Whether a process must hold a descriptor of it for the model to let it act: then holding is recorded per
        /// end and becomes the model's holders (pipes, socket pairs, FIFOs, eventfds, POSIX queues); System V
        /// queues and semaphore sets are named by id.
        var hasEnds: Bool {
            switch self {
            case .systemVQueue, .systemVSemaphores, .signals: false
            default: true
            }
        }
    }

    /// One operation of the object's model.
    struct Operation {
        var pid: Int
        var f: String
        var value: JSONValue?
        enum Outcome { case ok(JSONValue?), fail(String), indeterminate }
        var outcome: Outcome
        var start: Int64
        /// Nil while it had not returned when the log ended or the process died.
        var end: Int64?
        var line: Int
        /// A close the importer derives when a process's last descriptor of an end goes: its process is the end's
        /// holder in the process, which may be another thread than the one that closed.
        var table: Int?
        /// An epoll call: the file of the log's epoll instance it was made on (see StraceSimulation+Epoll).
        var epollInstance: Int?

        /// A semop with SEM_UNDO on any of its operations.
        var usesUndo: Bool {
            guard f == "semop", case .object(let value)? = value, case .array(let operations)? = value["ops"] else { return false }
            return operations.contains { $0.objectValue?["undo"] == .bool(true) }
        }
    }

    /// A process (its descriptor table) holding an end of the object from `gained` until `released`.
    struct Holding {
        var table: Int
        var end: String
        var gained: Int64
        var released: Release?
        enum Release {
            /// Its last descriptor closed by `pid`'s call starting at `start`; the file may go any time until the
            /// process next enters the kernel (the kernel drops the file on the way back to user space).
            case closed(pid: Int, start: Int64, end: Int64, line: Int)
            /// The descriptor table went with its last process.
            case died
        }
    }

    let id: Int
    let kind: Kind
    /// The object's name in the trace (`pipe-2859496`, `mq-probeq`, …).
    var name: String
    /// What the log says it is, for messages: the file strace showed, or the name.
    var description: String
    var created: (pid: Int, line: Int, time: Int64)
    var operations: [Operation] = []
    var holdings: [Holding] = []
    /// Why it cannot be checked; empty when it can.
    var exclusions: [String] = []
    /// Socket pairs: descriptors sent with `SCM_RIGHTS` through each end, by file, and the processes that sent them.
    var passedFiles: [Int: (name: String, senders: Set<Int>)] = [:]
    /// Pipes: made by `pipe2` with `O_DIRECT` (packet mode on both ends' description).
    var packet = false
    /// Socket pairs: the ends whose incoming messages carried descriptors.
    var endsReceivingFiles: Set<String> = []

    init(id: Int, kind: Kind, name: String, description: String, created: (pid: Int, line: Int, time: Int64)) {
        self.id = id
        self.kind = kind
        self.name = name
        self.description = description
        self.created = created
    }

    func exclude(_ reason: String) {
        if !exclusions.contains(reason) { exclusions.append(reason) }
    }

    /// The name a descriptor passed through this socket pair has in the model (`f0`, `f1`, …).
    func passedFileName(file: Int, sender: Int) -> String {
        if var entry = passedFiles[file] {
            entry.senders.insert(sender)
            passedFiles[file] = entry
            return entry.name
        }
        let name = "f\(passedFiles.count)"
        passedFiles[file] = (name, [sender])
        return name
    }
}
