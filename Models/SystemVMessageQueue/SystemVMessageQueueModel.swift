/// The System V message queue of this kernel's `ipc/msg.c`.
///
/// What it allows, and why (each fact is a test on the real kernel):
/// - `msgrcv` selects by type: 0 takes the first message; n > 0 the first of type n, or with `MSG_EXCEPT` the
///   first of any other type; n < 0 the first message of the lowest type at most |n|. Queued types
///   [3, 1, 2, 1′, 5] give 3 for type 0, then 2 for type 2, then 1 for type −4.
/// - A selected message longer than the buffer fails `E2BIG` and stays queued (the receive does not look for
///   another), unless `MSG_NOERROR`, which returns its first bytes and removes it whole.
/// - No matching message: the receive waits, or fails `ENOMSG` with `IPC_NOWAIT`.
/// - The queue holds at most `capacity` bytes (`msg_qbytes`, 16384 by default here) *and* at most `capacity`
///   messages: a send that would exceed either waits, or fails `EAGAIN` with `IPC_NOWAIT`.
/// - Type below 1, or more than `msgmax` (8192) bytes, fails `EINVAL`; so does a negative buffer size.
/// - Messages and the queue outlive every process until `IPC_RMID`, which discards the messages at once; from
///   then on every call fails `EINVAL`, and calls asleep in the queue when it went fail `EIDRM`. The model allows
///   `EIDRM` for any blocking call that completes after the removal (it does not track who was asleep).
/// - A process's death does nothing to the queue.
/// - A send or receive asleep that a handled signal interrupts fails `EINTR` with no effect — even with
///   `SA_RESTART`: signal(7) lists `msgsnd` and `msgrcv` among the calls never restarted, and this kernel agrees
///   (`MessageQueueInterruptionFactsTests`). A call that can proceed never fails `EINTR`.
/// - `stat` (`msgctl(IPC_STAT)`) reports `msg_qnum`, `msg_cbytes` and `msg_qbytes`, and fails `EINVAL` once the
///   queue is removed; it changes nothing, so the driver uses it to learn what a killed process's call did.
/// - `set` (`msgctl(IPC_SET)` of `msg_qbytes`) changes the capacity: lowering it needs no privilege, even below what
///   is queued (later sends then wait); raising it above `msgmnb` (16384 here) fails `EPERM` without
///   `CAP_SYS_RESOURCE`, but raising it back up to `msgmnb` does not; on a removed queue it fails `EINVAL`.
/// - `stat` also reports `msg_lspid` and `msg_lrpid` as process numbers (0 before any): the last process whose
///   send succeeded, and whose receive took a message (an `E2BIG`, `ENOMSG` or `MSG_COPY` receive changes nothing).
///   A send handed straight to a receiver asleep sets `msg_lrpid` to that receiver at once, which the model shows
///   by letting the receive take effect right after the send.
/// - `MSG_COPY` (`copy`; `CONFIG_CHECKPOINT_RESTORE` is set here) copies the message at position `type` (0 the
///   oldest) and leaves it queued: `EINVAL` without `IPC_NOWAIT` or with `MSG_EXCEPT` (checked first, like a negative
///   size), `ENOMSG` for a position past the last (a negative one too), `E2BIG` for a longer message, and `EINVAL`
///   — not a truncated copy — for a longer message with `MSG_NOERROR`.
/// - `stat` also reports `msg_stime`, `msg_rtime` and `msg_ctime` as a trace can judge them (``StatTimes``): the
///   send and receive times read 0 until a send succeeds and a receive takes a message (a failed call — `EAGAIN`,
///   `EINVAL`, `ENOMSG`, `E2BIG` — and a `MSG_COPY` set nothing), then the second it happened; a send handed to a
///   receiver asleep sets both. The change time is the creation's (before the trace) until an `IPC_SET` succeeds;
///   nothing else sets it (`SystemVTimesFactsTests`).
/// - `info` is `msgctl(IPC_INFO)` or, with `counts`, `MSG_INFO` (`SystemVInfoFactsTests`): namespace-wide, so the
///   other queues of the namespace, outside the trace, count too. Both report the limits — `msgmax` (the setup's
///   `maxMessageSize`), `msgmnb` 16384, `msgmni` 32000, `msgssz` 16, `msgseg` 65535 — and `IPC_INFO` also the
///   kernel's constants `msgpool` 512000, `msgmap` and `msgtql` 16384, where `MSG_INFO` reports the queues, messages
///   and bytes in use: at least this queue (while it exists) and its messages and bytes. Both return the highest
///   queue index in use, which the model does not know (any index ≥ 0), need no permission, and work after the
///   queue's removal.
/// - `stat` with `"command": "MSG_STAT"` or `"MSG_STAT_ANY"` is `msgctl` of the queue's own index: `IPC_STAT`'s
///   answer (`EINVAL` once removed); `MSG_STAT` needs read permission (`EACCES`), `MSG_STAT_ANY` none.
/// - Permissions (`Permissions`, in the setup): a send needs write permission, a receive, a copy and `IPC_STAT`
///   read (`EACCES`, after the size and type checks and the removal), `IPC_SET` and `IPC_RMID` the owner (`EPERM`);
///   `msgget` with `IPC_CREAT` asks for read and write (the workers' 0600) and fails `EACCES` without them, after
///   `EEXIST`; a lookup without it asks for nothing.
public struct SystemVMessageQueueModel: TransitionModel, TraceModel {
    public static let name = "sysv-msg"
    /// `msgmnb`: the most `msg_qbytes` may be raised to without `CAP_SYS_RESOURCE` (which root lacks here).
    public static let capacityLimit = 16384
    /// What `IPC_INFO` reports in `struct msginfo`, by field: the limits (`msgmax` is the setup's `maxMessageSize`)
    /// and, in `msgpool`, `msgmap`, `msgtql`, constants that `MSG_INFO` replaces by the namespace's use.
    public static let infoLimits = [
        "msgpool": 512000, "msgmap": 16384, "msgmax": 8192, "msgmnb": capacityLimit, "msgmni": 32000, "msgssz": 16, "msgtql": 16384,
        "msgseg": 65535,
    ]
    /// The fields `MSG_INFO` fills with the namespace's use: queues, messages, bytes.
    public static let infoCounts: Set<String> = ["msgpool", "msgmap", "msgtql"]

    /// The names of `stat`'s times, in ``StatTimes`` order: `msg_stime`, `msg_rtime`, `msg_ctime`.
    public static let timeFields = ["sendTime", "receiveTime", "changeTime"]

    public struct Setup: Hashable, Sendable {
        /// `msg_qbytes`.
        public var capacity: Int
        /// `msgmax`: the longest message a send accepts.
        public var maxMessageSize: Int

        public var permissions: Permissions
        /// Whether the queue exists at the start; false: not until a `msgget` with `IPC_CREAT` makes it
        /// (``SystemVMessageQueueModel+Creation``).
        public var exists = true

        public init(capacity: Int = 16384, maxMessageSize: Int = 8192, permissions: Permissions = Permissions(), exists: Bool = true) {
            self.exists = exists
            self.capacity = capacity
            self.maxMessageSize = maxMessageSize
            self.permissions = permissions
        }
    }

    public struct Message: Hashable, Sendable {
        public var type: Int
        public var data: [UInt8]

        public init(type: Int, data: [UInt8]) {
            self.type = type
            self.data = data
        }
    }

    public struct State: Hashable, Sendable {
        public var capacity: Int
        public var maxMessageSize: Int
        public var messages: [Message] = []
        public var removed = false
        /// `msg_lspid` and `msg_lrpid` as process numbers, 0 for none.
        public var lastSender = 0
        public var lastReceiver = 0
        public var permissions = Permissions()
        /// `msg_stime`, `msg_rtime`, `msg_ctime` (``timeFields``): the queue was made before the trace, nothing
        /// sent or received.
        public var times = StatTimes([.zero, .zero, .setSince(0)])
        /// Whether the queue exists yet (a setup with `exists` false: not until a `msgget` creates it).
        public var created = true
        /// Whether a create after the removal made a queue under the key that the trace does not follow (so the
        /// namespace's count is no longer known: ``queuesInUse(_:)``).
        public var untracked = false

        public var bytes: Int { messages.reduce(0) { $0 + $1.data.count } }

        /// The index of the message `msgrcv` selects with `type` (and `MSG_EXCEPT`), if any.
        func selected(type: Int, except: Bool) -> Int? {
            if type == 0 { return messages.isEmpty ? nil : 0 }
            if type > 0 { return messages.firstIndex { except ? $0.type != type : $0.type == type } }
            let limit = type == Int.min ? Int.max : -type
            var best: Int?
            for (index, message) in messages.enumerated() where message.type <= limit {
                if best == nil || message.type < messages[best!].type { best = index }
            }
            return best
        }
    }

    public enum Input: Hashable, Sendable {
        case send(process: Int, type: Int, data: [UInt8], nonblocking: Bool)
        /// `msgsnd` with a size apart from its data (`"size"`) that the kernel refuses before anything — negative
        /// (a `size_t` above `LONG_MAX`) or above `msgmax`: `EINVAL`, before the type, the id's lookup, the queue's
        /// removal, the permissions and a full queue; the data is never read (`SystemVMessageQueueSizeFactsTests`).
        case oversizedSend(process: Int, type: Int, size: Int, nonblocking: Bool)
        /// `fork`: `child`, a new process with the parent's credentials; nothing of the queue is inherited.
        case fork(process: Int, child: Int)
        /// `except`: `MSG_EXCEPT`; `truncate`: `MSG_NOERROR`.
        case receive(process: Int, type: Int, max: Int, except: Bool, truncate: Bool, nonblocking: Bool)
        /// `msgrcv` with `MSG_COPY`: a copy of the message at position `index`, which stays queued.
        case copy(process: Int, index: Int, max: Int, except: Bool, truncate: Bool, nonblocking: Bool)
        /// `msgctl(IPC_RMID)`.
        case remove(process: Int)
        /// `msgctl(IPC_STAT)`: how many messages and bytes are queued, and the capacity.
        case stat(process: Int)
        /// `msgctl(IPC_SET)` of `msg_qbytes`.
        case setCapacity(process: Int, capacity: Int)
        /// `msgctl(IPC_SET)` of the owner (`msg_perm.uid`) and the permission bits, and `msg_qbytes` when given; and of
        /// the group (`msg_perm.gid`), which later checks use: the owner may set any group, one it is not in too
        /// (`SystemVGroupFactsTests`).
        case setPermissions(process: Int, capacity: Int?, mode: Int?, owner: Int?, group: Int? = nil)
        /// `msgctl(IPC_INFO)` (`counts` false) or `msgctl(MSG_INFO)`.
        case info(process: Int, counts: Bool)
        /// `msgctl(MSG_STAT)` (`any` false) or `msgctl(MSG_STAT_ANY)` of the queue's own index.
        case statAtIndex(process: Int, any: Bool)
        /// `msgget` of the queue's key: without `create` a lookup (`ENOENT` once removed); with `create` and
        /// `exclusive` (`IPC_CREAT | IPC_EXCL`) `EEXIST` while the queue exists. Once it is removed, `create` makes
        /// a new queue under the key, which is not this object (the worker removes it at once).
        case get(process: Int, create: Bool, exclusive: Bool, mode: Int? = nil)
        /// `msgctl` with a command it does not have, or `msgctl`, `msgsnd` or `msgrcv` with a negative id: `EINVAL`
        /// before anything else, no effect (``SystemVInvalidCall``).
        case invalid(process: Int, call: SystemVInvalidCall)
    }

    /// What `msgctl(IPC_STAT)` reports of the contents.
    public struct Status: Hashable, Sendable {
        /// `msg_qnum`.
        public var messages: Int
        /// `msg_cbytes`.
        public var bytes: Int
        /// `msg_qbytes`.
        public var capacity: Int
        /// `msg_lspid` and `msg_lrpid` as process numbers (0: none); nil in a recorded status that left them out,
        /// which then matches whatever they are.
        public var lastSender: Int?
        public var lastReceiver: Int?
        /// `msg_perm.mode`'s permission bits, `msg_perm.uid` and `msg_perm.gid`; nil when left out, as the process
        /// numbers.
        public var mode: Int?
        public var owner: Int?
        public var group: Int?
        /// `msg_stime`, `msg_rtime`, `msg_ctime` in seconds, each nil when left out; the model judges them through
        /// ``State/times``, not by comparing statuses.
        public var sendTime: Int?
        public var receiveTime: Int?
        public var changeTime: Int?

        /// The times in ``timeFields`` order.
        public var times: [Int?] { [sendTime, receiveTime, changeTime] }

        public init(
            messages: Int, bytes: Int, capacity: Int, lastSender: Int? = nil, lastReceiver: Int? = nil, mode: Int? = nil,
            owner: Int? = nil, group: Int? = nil, sendTime: Int? = nil, receiveTime: Int? = nil, changeTime: Int? = nil
        ) {
            self.group = group
            self.sendTime = sendTime
            self.receiveTime = receiveTime
            self.changeTime = changeTime
            self.messages = messages
            self.bytes = bytes
            self.capacity = capacity
            self.lastSender = lastSender
            self.lastReceiver = lastReceiver
            self.mode = mode
            self.owner = owner
        }

        /// Whether this status, as recorded, is `expected`: the optional fields are compared only when recorded.
        func matches(_ expected: Status) -> Bool {
            var expected = expected
            if lastSender == nil { expected.lastSender = nil }
            if lastReceiver == nil { expected.lastReceiver = nil }
            if mode == nil { expected.mode = nil }
            if owner == nil { expected.owner = nil }
            if group == nil { expected.group = nil }
            (expected.sendTime, expected.receiveTime, expected.changeTime) = (sendTime, receiveTime, changeTime)
            return self == expected
        }
    }

    /// What `IPC_INFO` or `MSG_INFO` returned, and the `struct msginfo` fields recorded (by name).
    public struct Info: Hashable, Sendable {
        /// The call's result: the highest queue index in use.
        public var index: Int
        public var fields: [String: Int]

        public init(index: Int, fields: [String: Int]) {
            self.index = index
            self.fields = fields
        }

        /// Whether this info, as recorded, may be what the model expects: `expected` holds the least index and
        /// counts possible, and exact limits; a field left out is not checked.
        /// `exactQueues`: the namespace's queues in use are known (``queuesInUse(_:)``), so `MSG_INFO`'s `msgpool` is
        /// judged exactly.
        func matches(_ expected: Info, counts: Bool, exactQueues: Bool = false) -> Bool {
            index >= expected.index && fields.allSatisfy { name, value in
                guard let least = expected.fields[name] else { return false }
                let atLeast = counts && SystemVMessageQueueModel.infoCounts.contains(name) && !(exactQueues && name == "msgpool")
                return atLeast ? value >= least : value == least
            }
        }
    }

    public enum Output: Hashable, Sendable {
        case sent
        case info(Info)
        case received(Message)
        case removed
        case capacitySet
        /// `msgget` found (or, after the removal, made) a queue under the key.
        case found
        /// `fork` done.
        case forked
        case status(Status)
        case failed(ErrorCode)
    }

    public let setups: [(name: String, setup: Setup)]
    /// The trace's own IPC namespace, when the header gives it: `msgmni` is then judged (``queuesInUse(_:)``).
    public let namespace: IPCNamespace?

    public init(queues: [(name: String, setup: Setup)], namespace: IPCNamespace? = nil) {
        self.setups = queues
        self.namespace = namespace
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        let setup = setups.first { $0.name == object }?.setup ?? Setup()
        var state = State(capacity: setup.capacity, maxMessageSize: setup.maxMessageSize)
        state.permissions = setup.permissions
        state.created = setup.exists
        return state
    }

    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        if !state.created, let before = transitionsBeforeCreation(state, input) { return before }
        var next = state
        switch input {
        case .invalid(_, let call):
            return [Transition(.failed(call.error), state)]
        case .oversizedSend:
            return [Transition(.failed(.EINVAL), state)]
        case .fork(let process, let child):
            // Nothing of a System V queue belongs to a process: the child is another process with its parent's
            // credentials, its own pid what msg_lspid and msg_lrpid then name (SystemVMessageQueueForkFactsTests).
            next.permissions.users[child] = state.permissions.users[process]
            return [Transition(.forked, next)]
        case .send(let process, let type, let data, let nonblocking):
            if type < 1 || data.count > state.maxMessageSize { return [Transition(.failed(.EINVAL), state)] }
            if state.removed { return afterRemoval(state, blocking: !nonblocking) }
            if !state.permissions.allows(process, write: true) { return [Transition(.failed(.EACCES), state)] }
            if state.bytes + data.count > state.capacity || state.messages.count + 1 > state.capacity {
                return nonblocking ? [Transition(.failed(.EAGAIN), state)] : []
            }
            next.messages.append(Message(type: type, data: data))
            next.lastSender = process
            next.times.set(0)
            return [Transition(.sent, next)]
        case .receive(let process, let type, let max, let except, let truncate, let nonblocking):
            if max < 0 { return [Transition(.failed(.EINVAL), state)] }
            if state.removed { return afterRemoval(state, blocking: !nonblocking) }
            if !state.permissions.allows(process, read: true) { return [Transition(.failed(.EACCES), state)] }
            guard let index = state.selected(type: type, except: except) else {
                return nonblocking ? [Transition(.failed(.ENOMSG), state)] : []
            }
            var message = state.messages[index]
            if message.data.count > max {
                guard truncate else { return [Transition(.failed(.E2BIG), state)] }
                message.data.removeLast(message.data.count - max)
            }
            next.messages.remove(at: index)
            next.lastReceiver = process
            next.times.set(1)
            return [Transition(.received(message), next)]
        case .copy(let process, let index, let max, let except, let truncate, let nonblocking):
            if max < 0 || except || !nonblocking || state.removed { return [Transition(.failed(.EINVAL), state)] }
            if !state.permissions.allows(process, read: true) { return [Transition(.failed(.EACCES), state)] }
            guard state.messages.indices.contains(index) else { return [Transition(.failed(.ENOMSG), state)] }
            let message = state.messages[index]
            if message.data.count > max { return [Transition(.failed(truncate ? .EINVAL : .E2BIG), state)] }
            return [Transition(.received(message), state)]
        case .remove(let process):
            if state.removed { return [Transition(.failed(.EINVAL), state)] }
            if !state.permissions.isOwner(process) { return [Transition(.failed(.EPERM), state)] }
            next.messages.removeAll()
            next.removed = true
            return [Transition(.removed, next)]
        case .setCapacity(let process, let capacity):
            if state.removed { return [Transition(.failed(.EINVAL), state)] }
            if !state.permissions.isOwner(process) { return [Transition(.failed(.EPERM), state)] }
            if capacity > Self.capacityLimit { return [Transition(.failed(.EPERM), state)] }
            next.capacity = capacity
            next.times.set(2)
            return [Transition(.capacitySet, next)]
        case .get(let process, let create, let exclusive, let mode):
            if !state.removed {
                if create && exclusive { return [Transition(.failed(ErrorCode("EEXIST")), state)] }
                if !state.permissions.allowsAsking(process, mode ?? (create ? 0o600 : 0)) { return [Transition(.failed(.EACCES), state)] }
                return [Transition(.found, state)]
            }
            // A create makes a new queue (not this object), or meets msgmni (ENOSPC), which only the namespace shows.
            guard create else { return [Transition(.failed(.ENOENT), state)] }
            var made = state
            made.untracked = true
            return creating(state, made: made, output: .found)
        case .info(_, let counts):
            var fields = Self.infoLimits
            fields["msgmax"] = state.maxMessageSize
            fields["msgmni"] = msgmni
            if counts {
                (fields["msgpool"], fields["msgmap"], fields["msgtql"]) = (
                    queuesInUse(state) ?? (state.removed || !state.created ? 0 : 1), state.messages.count, state.bytes
                )
            }
            return [Transition(.info(Info(index: 0, fields: fields)), state)]
        case .stat(let process), .statAtIndex(let process, false):
            if state.removed { return [Transition(.failed(.EINVAL), state)] }
            if !state.permissions.allows(process, read: true) { return [Transition(.failed(.EACCES), state)] }
            return transitions(state, .statAtIndex(process: process, any: true))
        case .statAtIndex(_, true):
            if state.removed { return [Transition(.failed(.EINVAL), state)] }
            return [Transition(.status(Status(
                messages: state.messages.count, bytes: state.bytes, capacity: state.capacity,
                lastSender: state.lastSender, lastReceiver: state.lastReceiver, mode: state.permissions.mode,
                owner: state.permissions.owner, group: state.permissions.group)), state)]
        case .setPermissions(let process, let capacity, let mode, let owner, let group):
            if state.removed { return [Transition(.failed(.EINVAL), state)] }
            if !state.permissions.isOwner(process) { return [Transition(.failed(.EPERM), state)] }
            if let capacity {
                if capacity > Self.capacityLimit { return [Transition(.failed(.EPERM), state)] }
                next.capacity = capacity
            }
            if let mode { next.permissions.mode = mode }
            if let owner { next.permissions.owner = owner }
            if let group { next.permissions.group = group }
            next.times.set(2)
            return [Transition(.capacitySet, next)]
        }
    }

    /// As ``TransitionModel``'s step, and a recorded `stat` without the process numbers matches whatever they are;
    /// its times are judged, and then seen, by ``State/times``.
    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        let steps = step(state, input, output) { recorded, expected in
            if case .status(let status) = recorded, case .status(let full) = expected { return status.matches(full) }
            if case .info(let info) = recorded, case .info(let least) = expected, case .info(_, let counts) = input {
                return info.matches(least, counts: counts, exactQueues: queuesInUse(state) != nil)
            }
            return recorded == expected
        }
        guard case .status(let recorded)? = output else { return steps }
        return steps.compactMap { $0.observing(recorded.times, at: \.times) }
    }

    /// A blocking send or receive asleep may be interrupted (`EINTR`), `SA_RESTART` or not.
    public func wakeUps(of input: Input) -> [Output] {
        switch input {
        case .send(_, _, _, false), .receive(_, _, _, _, _, false): [.failed(.EINTR)]
        default: []
        }
    }

    /// A call on a removed queue: `EINVAL`, or `EIDRM` for a call that may have been asleep when it went.
    private func afterRemoval(_ state: State, blocking: Bool) -> [Transition<State, Output>] {
        blocking ? [Transition(.failed(.EINVAL), state), Transition(.failed(.EIDRM), state)] : [Transition(.failed(.EINVAL), state)]
    }

    public func describe(_ state: State) -> String {
        if state.removed { return "removed" }
        if !state.created { return "not created yet" }
        let queued = state.messages.map { "\($0.type):\(Payload.preview($0.data, limit: 12))" }
        let times = zip(Self.timeFields, state.times.text).map { "\($0) \($1)" }.joined(separator: ", ")
        return "\(state.messages.count) messages, \(state.bytes) of \(state.capacity) bytes [\(queued.joined(separator: ", "))]; \(times)"
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .send(_, let type, let data, let nonblocking):
            call = "msgsnd type \(type) \(Payload.preview(data)) (\(data.count) bytes)\(nonblocking ? " IPC_NOWAIT" : "")"
        case .receive(_, let type, let max, let except, let truncate, let nonblocking):
            var flags = [String]()
            if except { flags.append("MSG_EXCEPT") }
            if truncate { flags.append("MSG_NOERROR") }
            if nonblocking { flags.append("IPC_NOWAIT") }
            call = "msgrcv type \(type) into \(max) bytes\(flags.isEmpty ? "" : " " + flags.joined(separator: "|"))"
        case .copy(_, let index, let max, let except, let truncate, let nonblocking):
            let flags = ["MSG_COPY"] + (except ? ["MSG_EXCEPT"] : []) + (truncate ? ["MSG_NOERROR"] : []) + (nonblocking ? ["IPC_NOWAIT"] : [])
            call = "msgrcv position \(index) into \(max) bytes \(flags.joined(separator: "|"))"
        case .remove:
            call = "IPC_RMID"
        case .stat:
            call = "IPC_STAT"
        case .info(_, let counts):
            call = counts ? "MSG_INFO" : "IPC_INFO"
        case .statAtIndex(_, let any):
            call = any ? "MSG_STAT_ANY of its index" : "MSG_STAT of its index"
        case .setCapacity(_, let capacity):
            call = "IPC_SET msg_qbytes = \(capacity)"
        case .setPermissions(_, let capacity, let mode, let owner, let group):
            call = "IPC_SET" + (capacity.map { " msg_qbytes = \($0)" } ?? "") + (mode.map { " mode 0\(String($0, radix: 8))" } ?? "")
                + (owner.map { " uid \($0)" } ?? "") + (group.map { " gid \($0)" } ?? "")
        case .get(_, let create, let exclusive, let mode):
            call = "msgget" + (mode.map { " 0\(String($0, radix: 8))" } ?? "") + (create ? (exclusive ? " IPC_CREAT|IPC_EXCL" : " IPC_CREAT") : "")
        case .invalid(_, let invalid):
            call = invalid.summary
        case .oversizedSend(_, let type, let size, let nonblocking):
            call = "msgsnd type \(type) of \(size) bytes (msgsz \(size < 0 ? "above LONG_MAX" : "above msgmax"))\(nonblocking ? " IPC_NOWAIT" : "")"
        case .fork(_, let child):
            call = "fork (child: process \(child))"
        }
        let result = output.described { output in
            switch output {
            case .sent, .removed, .capacitySet, .found, .forked: "ok"
            case .info(let info): "\(info.index) " + info.fields.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
            case .received(let message): "type \(message.type) \(Payload.preview(message.data)) (\(message.data.count) bytes)"
            case .status(let status):
                "\(status.messages) messages, \(status.bytes) of \(status.capacity) bytes"
                    + (status.lastSender.map { ", last sender \($0)" } ?? "") + (status.lastReceiver.map { ", last receiver \($0)" } ?? "")
                    + zip(Self.timeFields, status.times).compactMap { name, time in time.map { ", \(name) \($0)" } }.joined()
            case .failed(let code): code.rawValue
            }
        }
        return "\(call) → \(result)"
    }

    public func estimatedSize(of state: State) -> Int {
        64 + state.messages.reduce(0) { $0 + 40 + $1.data.count }
    }
}
