import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// A System V message queue (model `sysv-msg`) under a fresh tagged key; parameter `capacity` (`msg_qbytes`).
/// Holders get its id. A nonblocking receive that finds nothing fails `ENOMSG`, as the kernel says.
public enum SystemVMessageQueueKind: MechanismKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``).
    public static let parameterNames: Set<String>? = ["capacity", "exists"]
    public typealias Model = SystemVMessageQueueModel

    /// `kernel.sysv-msg`, and the fragile `client.msg-copy-taken-for-receive`: a consumer whose type-0 receive is a
    /// `MSG_COPY` of the oldest message, which it takes for a receive: the message stays, and comes again.
    public static let implementations = ["kernel.sysv-msg", "client.msg-copy-taken-for-receive"]

    /// `msgctl(IPC_STAT)`'s `msg_qnum` and `msg_cbytes`: whether a killed process's send or receive took effect.
    public static let resolutionProbe: ResolutionProbe? = ResolutionProbe(f: "stat", role: nil)

    public static func model(for workload: Workload) -> SystemVMessageQueueModel {
        SystemVMessageQueueModel(queues: workload.objects.filter { $0.kind == name }.map { object in
            (object.name, SystemVMessageQueueModel.Setup(
                capacity: object.integer("capacity") ?? 16384, permissions: .ofThisRun(for: workload)))
        })
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        try refuseAbsent(object)
        var key: key_t = 0
        let queue = try objects.createKeyed(.sysvMessageQueue) { (candidate) throws(Errno) in
            key = candidate
            return try SystemVMessageQueues.create(key: candidate, capacity: object.integer("capacity"))
        }
        objects.tellHolders(of: object, in: workload, ["id": .int(Int(queue.id)), "key": .int(Int(key))])
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<SystemVMessageQueueModel> {
        SystemVMessageQueueBinding(
            queue: SystemVMessageQueue(id: CInt(try object.integer("id"))), key: key_t(truncatingIfNeeded: try object.integer("key")),
            context: object.context, copiesInsteadOfTaking: implementation == "client.msg-copy-taken-for-receive")
    }
}

/// System V message queue operations on the queue id in the setup.
struct SystemVMessageQueueBinding: ObjectBinding {

    typealias Model = SystemVMessageQueueModel
    let queue: SystemVMessageQueue
    /// The key the driver created the queue under (`msgget`).
    let key: key_t
    /// The workers' pids, which `IPC_STAT`'s `msg_lspid` and `msg_lrpid` report as process numbers.
    let context: WorkerContext
    /// `client.msg-copy-taken-for-receive`: a nonblocking type-0 receive is made as `MSG_COPY` of position 0.
    var copiesInsteadOfTaking = false

    mutating func perform(_ input: SystemVMessageQueueModel.Input) throws(Errno) -> SystemVMessageQueueModel.Output {
        switch input {
        case .send(_, let type, let data, let nonblocking):
            let result = try SystemVMessageQueues.send(queue, type: type, data, nonblocking: nonblocking)
            if result == .wouldBlock { throw .wouldBlock }
            return .sent
        case .receive(_, 0, let max, false, let truncate, true) where copiesInsteadOfTaking:
            // The fragile consumer's belief: MSG_COPY takes the message it copies.
            let flags = Syscall.messageCopy | IPC_NOWAIT | (truncate ? MSG_NOERROR : 0)
            let message = try Syscall.msgrcv(queue, maximum: max, type: 0, flags: flags, retryOnInterrupt: false)
            return .received(SystemVMessageQueueModel.Message(type: message.type, data: message.text))
        case .receive(_, let type, let max, let except, let truncate, let nonblocking):
            let result = try SystemVMessageQueues.receive(
                queue, maximum: max, selector: except ? .except(type) : .type(type), truncate: truncate, nonblocking: nonblocking)
            switch result {
            case .completed(let message): return .received(SystemVMessageQueueModel.Message(type: message.type, data: message.data))
            case .wouldBlock: throw .noMessage
            }
        case .copy(_, let index, let max, let except, let truncate, let nonblocking):
            let flags = Syscall.messageCopy | (except ? Syscall.messageExcept : 0) | (truncate ? MSG_NOERROR : 0) | (nonblocking ? IPC_NOWAIT : 0)
            let message = try Syscall.msgrcv(queue, maximum: max, type: index, flags: flags, retryOnInterrupt: false)
            return .received(SystemVMessageQueueModel.Message(type: message.type, data: message.text))
        case .oversizedSend(_, let type, let size, let nonblocking):
            // Made as recorded only when this kernel refuses the size before reading the text (its msgmax may differ
            // from the setup's): the text is empty, so any other size would read memory that is not the message.
            let msgmax = try Syscall.msgInfo(counts: false).fields["msgmax"] ?? 0
            guard size < 0 || size > msgmax else {
                BindingFailure.abandon("msgsnd of \(size) bytes: this kernel's msgmax is \(msgmax), so it would read past the data")
            }
            try Syscall.msgsnd(queue, type: type, [], flags: nonblocking ? IPC_NOWAIT : 0, declaredSize: size)
            return .sent
        case .remove:
            try SystemVMessageQueues.remove(queue)
            return .removed
        case .get(_, let create, let exclusive, let mode):
            let found = try Syscall.msgget(key, flags: (create ? IPC_CREAT : 0) | (exclusive ? IPC_EXCL : 0) | CInt(mode ?? (create ? 0o600 : 0)))
            // After the removal, a new queue under the key: not the object the trace follows, so it goes at once.
            if found != queue { try? SystemVMessageQueues.remove(found) }
            return .found
        case .setCapacity(_, let capacity):
            try Syscall.msgSetCapacity(queue, bytes: capacity)
            return .capacitySet
        case .setPermissions(_, let capacity, let mode, let owner, let group):
            try Syscall.msgSet(
                queue, capacity: capacity, mode: mode.map { mode_t($0) }, owner: owner.map { uid_t($0) }, group: group.map { gid_t($0) })
            return .capacitySet
        case .info(_, let counts):
            let info = try Syscall.msgInfo(counts: counts)
            return .info(SystemVMessageQueueModel.Info(index: info.index, fields: info.fields))
        case .statAtIndex(_, let any):
            let found = try Syscall.msgStatus(index: Int(queue.id & 0x7fff), any: any)
            // Another queue at the index (this one removed, its index reused): for this object the index is free.
            guard found.id == queue.id else { throw .invalidArgument }
            return .status(status(found.status))
        case .stat:
            return .status(status(try Syscall.msgStatus(queue)))
        case .fork:
            BindingFailure.abandon("the sysv-msg worker does not fork: a trace's fork is judged by the model only")
        case .invalid(let process, let invalid):
            // The kernel refuses these (EINVAL) before looking at anything: made as recorded, a control command raw,
            // any other call as the ordinary one with the negative id in place of the queue's.
            if let command = invalid.command {
                try Syscall.msgControl(id: CInt(truncatingIfNeeded: invalid.id ?? Int(queue.id)), command: CInt(truncatingIfNeeded: command))
                return .found
            }
            guard let id = invalid.id, let call = invalid.ordinaryCall(process: process, object: "q"),
                  let input = try? SystemVMessageQueueModel(queues: []).input(from: call) else {
                BindingFailure.abandon("an invalid call the worker cannot make: \(invalid.summary)")
            }
            var other = SystemVMessageQueueBinding(
                queue: SystemVMessageQueue(id: CInt(truncatingIfNeeded: id)), key: key, context: context, copiesInsteadOfTaking: copiesInsteadOfTaking)
            return try other.perform(input)
        }
    }

    /// `IPC_STAT`'s answer in the model's terms: the pids as process numbers.
    private func status(_ status: msqid_ds) -> SystemVMessageQueueModel.Status {
        SystemVMessageQueueModel.Status(
            messages: Int(status.msg_qnum), bytes: Int(status.__msg_cbytes), capacity: Int(status.msg_qbytes),
            lastSender: context.process(of: status.msg_lspid) ?? 0, lastReceiver: context.process(of: status.msg_lrpid) ?? 0,
            mode: Int(status.msg_perm.mode & 0o777), owner: Int(status.msg_perm.uid), group: Int(status.msg_perm.gid),
            sendTime: Int(status.msg_stime),
            receiveTime: Int(status.msg_rtime), changeTime: Int(status.msg_ctime))
    }
}
