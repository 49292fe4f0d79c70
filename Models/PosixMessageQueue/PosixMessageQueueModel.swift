/// The POSIX message queue (`mq_open`) of this kernel's `ipc/mqueue.c`.
///
/// What it allows, and why (each fact is a test on the real kernel):
/// - Messages come out highest priority first and oldest first among equals: priorities 6, 10, 6′, 8, 1 sent
///   come out 10, 8, 6, 6′, 1. Each receive returns one whole message and its priority.
/// - A priority of 32768 (`MQ_PRIO_MAX`) or more fails `EINVAL`, checked before the descriptor (`EBADF`).
/// - A message longer than the queue's message size fails `EMSGSIZE`; so does a receive buffer *smaller* than
///   the message size, even on an empty queue, and the queue keeps its messages.
/// - A full queue (`maxMessages`) makes a send wait (`EAGAIN` when nonblocking); an empty one makes a receive
///   wait (`EAGAIN`). Zero-length messages are messages.
/// - The queue outlives every descriptor until `mq_unlink`: a process may send, exit, and another open the queue
///   and receive. After unlink, open descriptors keep working and opens fail `ENOENT`; a second unlink `ENOENT`.
/// - A process's death closes its descriptors and does nothing else: its messages stay queued.
/// - A send or receive asleep (full queue, empty queue) that a handled signal interrupts fails `EINTR` and has no
///   effect — without `SA_RESTART`; with it the kernel restarts the call, which the trace cannot tell apart from a
///   longer sleep (`MessageQueueInterruptionFactsTests`). One that can proceed never fails `EINTR`: the kernel
///   looks for signals only once asleep.
/// - `mq_timedsend` and `mq_timedreceive` (a `timeout`) end asleep with `ETIMEDOUT`; a timeout already past does
///   not stop a call that can proceed. An invalid timeout fails `EINVAL` before anything else is checked, except
///   the priority (see ``Timeout``).
/// - `getattr` (`mq_getattr`) reports `mq_curmsgs`, `mq_maxmsg` and `mq_msgsize`; it changes nothing, so the
///   driver uses it to learn what a killed process's send or receive did.
/// - `mq_notify` (`MessageQueueNotificationFactsTests`): one process at a time may register (`EBUSY` for anyone
///   else, the owner too, through any descriptor); `NULL` removes the caller's own registration and does nothing
///   for anyone else. A message arriving in the *empty* queue while no receiver sleeps in it notifies the owner
///   once and removes the registration; a message arriving in a non-empty queue leaves it registered, and one
///   handed straight to a sleeping receiver (the kernel's pipelined send: the queue stays empty) notifies no one.
///   The owner closing *any* descriptor of the queue, or dying, removes the registration.
/// - A descriptor opened `O_RDONLY` fails `mq_send` `EBADF`, one opened `O_WRONLY` fails `mq_receive` `EBADF` (after
///   the priority and the timeout are checked, before the sizes); `mq_getattr` and `mq_notify` take either
///   (`MessageQueueAccessFactsTests`). Calls use the process's newest descriptor.
/// - `mq_open` with `O_CREAT` (`MessageQueueCreationFactsTests`, the same as root here and as another user): while the
///   name exists, `O_EXCL` fails `EEXIST` and without it the call opens this queue, ignoring the attributes, even
///   invalid ones; once unlinked, attributes outside 1…10 messages and 1…8192 bytes (`/proc/sys/fs/mqueue`'s
///   `msg_max` and `msgsize_max`; root without `CAP_SYS_RESOURCE` has the same) fail `EINVAL`, and valid ones make a
///   new queue under the name, which is not this object (the worker closes and unlinks it at once) — or fail
///   `EMFILE` when the creator's *real user* is at its `RLIMIT_MSGQUEUE` (819200 bytes; a C probe under `prlimit`
///   found the second 10 × 8192 queue refused at 100000, for root and another user alike) or `ENOSPC` at
///   `queues_max`, neither of which the trace shows.
/// - `mq_setattr` sets only `O_NONBLOCK` of the open description (the newest descriptor's) and returns the old
///   flags; `mq_getattr` reports them in `mq_flags`. A send or receive records its own blocking mode (`nonblocking`,
///   as it was made); the description's flag is what `mq_setattr` last left (the workers restore it after making
///   a call in another mode).
/// - `poll` and `select` see `POLLIN | POLLRDNORM` while a message is queued and `POLLOUT | POLLWRNORM` while there
///   is room, whatever the descriptor's access mode (``readiness(of:in:)``).
/// - So the model knows who sleeps: a blocking `receive` on the empty queue takes a first piece of effect, going
///   to sleep (``Step/partial(_:)``); a `send` while receivers sleep hands its message to one of them (any: the
///   kernel's order among equal-priority waiters is its own), whose receive then returns it, signal or timeout
///   notwithstanding.
public struct PosixMessageQueueModel: TransitionModel, TraceModel {
    public static let name = "posix-mq"
    /// `MQ_PRIO_MAX`: priorities are 0 ..< 32768.
    public static let priorityLimit = 32768

    public struct Setup: Hashable, Sendable {
        /// `mq_maxmsg` (at most 10 here without `CAP_SYS_RESOURCE`).
        public var maxMessages: Int
        /// `mq_msgsize` (at most 8192 here).
        public var messageSize: Int
        /// Processes holding a descriptor at the start, once per descriptor.
        public var holders: [Int]
        /// Who may open the queue (`EACCES`) and unlink its name.
        public var permissions: Permissions
        /// What is known of processes' descriptor tables at the start (free numbers below `RLIMIT_NOFILE`, as for a
        /// pipe): an `mq_open` takes one, an `mq_close` gives it back. Without a process's entry, `EMFILE` of a
        /// full table may always happen.
        public var descriptorLimits: [PipeModel.DescriptorLimit]
        /// Whether the queue exists at the start; false: not until an `mq_open` with `O_CREAT` makes it
        /// (``PosixMessageQueueModel+Creation``), with the attributes and the mode it asks for.
        public var exists = true
        /// The creators' umasks (022 unless given), for the queue an `mq_open` of a setup with `exists` false makes.
        public var umask: Umasks = 0o022

        public init(
            maxMessages: Int = 10, messageSize: Int = 8192, holders: [Int], permissions: Permissions = Permissions(),
            descriptorLimits: [PipeModel.DescriptorLimit] = [], exists: Bool = true
        ) {
            self.exists = exists
            self.maxMessages = maxMessages
            self.messageSize = messageSize
            self.holders = holders.sorted()
            self.permissions = permissions
            self.descriptorLimits = descriptorLimits.sorted { $0.process < $1.process }
        }
    }

    /// How `mq_notify` notifies (`sigev_notify`).
    public enum NotificationKind: String, Hashable, Sendable, CaseIterable {
        /// `SIGEV_SIGNAL`: a signal, queued at once.
        case signal
        /// `SIGEV_THREAD`: glibc runs a function in a new thread, some time after the message arrived.
        case thread
        /// `SIGEV_NONE`: nothing, but the registration is used up as by any other.
        case none
        /// `SIGEV_SIGNAL` with signal 0 (trace: `"signal": 0`), which the kernel takes (`valid_signal(0)`): like
        /// `SIGEV_NONE`, its notification sends nothing and uses the registration up (measured,
        /// `MessageQueueNotificationFactsTests`).
        case signalZero = "signal-zero"
    }

    /// What a `SIGEV_SIGNAL` notification's `siginfo_t` tells (measured in `MessageQueueNotificationFactsTests`):
    /// `si_code` `SI_MESGQ`, `si_pid` and `si_uid` the process whose `mq_send` put the message in the empty queue
    /// (not the registered one), `si_value` the registration's `sigev_value`.
    public struct Delivery: Hashable, Sendable, Comparable {
        /// The sending process.
        public var sender: Int
        /// `sigev_value.sival_int`.
        public var value: Int
        /// `si_uid`, the sender's real user (nil in a recorded delivery that left it out).
        public var uid: Int?

        public init(sender: Int, value: Int, uid: Int? = nil) {
            self.sender = sender
            self.value = value
            self.uid = uid
        }

        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.sender, lhs.value, lhs.uid ?? -1) < (rhs.sender, rhs.value, rhs.uid ?? -1) }
    }

    /// A `SIGEV_SIGNAL` notification delivered to `process` and not yet taken.
    public struct Notice: Hashable, Sendable, Comparable {
        public var process: Int
        public var delivery: Delivery

        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.process, lhs.delivery) < (rhs.process, rhs.delivery) }
    }

    /// A `SIGEV_THREAD` notification sent to `process` and not yet taken: its function is given `value`, the
    /// registration's `sigev_value.sival_int` (measured, `MessageQueueNotificationFactsTests`).
    public struct ThreadNotice: Hashable, Sendable, Comparable {
        public var process: Int
        public var value: Int

        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.process, lhs.value) < (rhs.process, rhs.value) }
    }

    /// How a descriptor was opened.
    public enum Access: String, Hashable, Sendable {
        case readWrite = "read-write", read, write
        /// `O_ACCMODE` (`O_RDWR | O_WRONLY`, 3): `mq_open` of an existing name fails `EINVAL` (after `O_EXCL`'s `EEXIST`,
        /// before the permissions' `EACCES`); a missing one without `O_CREAT` `ENOENT`; with `O_CREAT` a new queue is made
        /// and opened for neither sending nor receiving (measured, `MessageQueueCreationFactsTests`).
        case invalid
    }

    /// `mq_open` with `O_CREAT`: `O_EXCL`, the attributes asked for (nil: `NULL`, the defaults 10 × 8192), and the
    /// mode argument (nil: the workers' 0600), which only a queue the call makes takes, less the umask.
    public struct Creation: Hashable, Sendable {
        public var exclusive: Bool
        public var maxMessages: Int?
        public var messageSize: Int?
        public var mode: Int?

        public init(exclusive: Bool, maxMessages: Int? = nil, messageSize: Int? = nil, mode: Int? = nil) {
            self.exclusive = exclusive
            self.maxMessages = maxMessages
            self.messageSize = messageSize
            self.mode = mode
        }
    }

    /// This machine's limits on a new queue's attributes (`/proc/sys/fs/mqueue/msg_max`, `msgsize_max`).
    public static let creationLimits = (maxMessages: 10, messageSize: 8192)

    /// A descriptor: how it was opened, and its open description's `O_NONBLOCK` (`mq_setattr`).
    public struct Descriptor: Hashable, Sendable {
        public var access: Access = .readWrite
        public var nonblocking = false
        /// The open description it shares with other processes' descriptors since a `fork` (nil: its own): a
        /// `mq_setattr` through any of them is seen through all (``PosixMessageQueueModel+Fork``).
        public var description: Int?

        public init(access: Access = .readWrite, nonblocking: Bool = false, description: Int? = nil) {
            self.access = access
            self.nonblocking = nonblocking
            self.description = description
        }
    }

    public struct Message: Hashable, Sendable {
        public var data: [UInt8]
        public var priority: Int

        public init(data: [UInt8], priority: Int) {
            self.data = data
            self.priority = priority
        }
    }

    public struct State: Hashable, Sendable {
        public var maxMessages: Int
        public var messageSize: Int
        /// Queued messages in the order they come out.
        public var messages: [Message] = []
        /// The name, and the descriptors open, by process.
        public var name: NamedObjectHandles
        /// Processes asleep in a receive on the empty queue, sorted.
        public var sleepers: [Int] = []
        /// Processes asleep in a send on the full queue, sorted: a receive then takes the first one's message in
        /// (`pipelined_receive`), which wakes no epoll registration (`PosixMessageQueueModel+Epoll`).
        public var sendersAsleep: [Int] = []
        /// Messages a send handed straight to a sleeping receiver, by process: its receive returns it.
        public var handed: [Int: Message] = [:]
        /// The process registered with `mq_notify`, if any.
        public var notifier: Int?
        /// How the registered process asked to be notified.
        public var notifierKind: NotificationKind = .signal
        /// The registration's `sigev_value.sival_int`.
        public var notifierValue = 0
        /// Notifications delivered and not yet taken, one entry per notification, sorted.
        public var notifications: [Notice] = []
        /// `SIGEV_THREAD` notifications sent and not yet taken, by process, sorted: glibc's helper thread runs the
        /// function some time after, so a look may not see them yet.
        public var threadNotifications: [ThreadNotice] = []
        /// Each descriptor, oldest first, of the processes holding one not opened read-write or with `O_NONBLOCK`
        /// set by `mq_setattr` (every descriptor of any other process is a read-write, blocking one).
        public var descriptors: [Int: [Descriptor]] = [:]
        public var permissions = Permissions()
        /// Each process's registration on its epoll instance for this queue (`PosixMessageQueueModel+Epoll`).
        public var epoll: [EpollRegistration] = []
        /// Processes whose epoll calls the model no longer judges (`PosixMessageQueueModel+Epoll`).
        public var epollUnjudged: [Int] = []
        /// The epoll instances processes keep by name, sorted (`PosixMessageQueueModel+NestedEpoll`).
        public var epollInstances: [NestedEpoll.Instance] = []
        /// The kept instances' registrations, and the implicit instance's of instances, sorted.
        public var nestedEpoll: [NestedEpollRegistration] = []
        /// Whether the queue exists yet (a setup with `exists` false: not until an `mq_open` creates it).
        public var created = true
        /// Whether a create after the unlink made a queue under the name that the trace does not follow (so the
        /// namespace's count is no longer known: ``queuesInUse(_:)``).
        public var untracked = false
        /// The processes' umasks (the setup's, as `umask` calls changed them), for the queue a create makes while
        /// `created` is false.
        public var umask: Umasks = 0o022

        /// The process's newest descriptor (it must hold one).
        func newest(of process: Int) -> Descriptor { descriptors[process]?.last ?? Descriptor() }

        /// The process's descriptors, every one listed.
        func listed(_ process: Int) -> [Descriptor] {
            descriptors[process] ?? [Descriptor](repeating: Descriptor(), count: name.holders.filter { $0 == process }.count)
        }

        mutating func store(_ process: Int, _ list: [Descriptor]) {
            descriptors[process] = list.allSatisfy { $0 == Descriptor() } ? nil : list
        }

        /// A descriptor `open` added (the name's handles already count it).
        mutating func opened(_ process: Int, _ mode: Access) {
            guard var list = descriptors[process] else {
                var list = listed(process)
                list[list.count - 1] = Descriptor(access: mode)
                return store(process, list)
            }
            list.append(Descriptor(access: mode))
            store(process, list)
        }

        /// The newest descriptor closed (the name's handles no longer count it).
        mutating func closed(_ process: Int) {
            guard var list = descriptors[process] else { return }
            list.removeLast()
            store(process, list)
        }

        mutating func setNonblocking(_ process: Int, _ nonblocking: Bool) {
            var list = listed(process)
            list[list.count - 1].nonblocking = nonblocking
            store(process, list)
            // The open description is shared with a forked relative's copies: they see it too.
            guard let description = list[list.count - 1].description else { return }
            for (holder, descriptors) in descriptors {
                store(holder, descriptors.map { $0.description == description ? Descriptor(access: $0.access, nonblocking: nonblocking, description: description) : $0 })
            }
        }

        mutating func abandonReceive(of process: Int) {
            _ = sleepers.removeOne(process)
            handed[process] = nil
        }

        mutating func abandonSend(of process: Int) {
            _ = sendersAsleep.removeOne(process)
        }

        /// Queues `message` after every message of the same or a higher priority.
        mutating func enqueue(_ message: Message) {
            messages.insert(message, at: messages.firstIndex { $0.priority < message.priority } ?? messages.endIndex)
        }
    }

    public enum Input: Hashable, Sendable {
        /// `mq_send`, or `mq_timedsend` with a `timeout`.
        case send(process: Int, data: [UInt8], priority: Int, nonblocking: Bool, timeout: Timeout? = nil)
        /// `mq_receive`, or `mq_timedreceive` with a `timeout`.
        case receive(process: Int, max: Int, nonblocking: Bool, timeout: Timeout? = nil)
        /// `mq_getattr`: the queue's attributes and how many messages it holds.
        case getAttributes(process: Int)
        /// `mq_setattr` of `O_NONBLOCK` on the newest descriptor's open description; returns the old flags.
        case setNonblocking(process: Int, nonblocking: Bool)
        /// `mq_setattr` with an `mq_flags` holding a bit other than `O_NONBLOCK` (`flags`, raw): `EINVAL` before the
        /// descriptor is looked up, nothing changed (measured, `MessageQueueFactsTests`).
        case setFlagsRefused(process: Int, flags: Int)
        /// `mq_notify` with a signal (`register`) or `NULL` (not `register`), through the newest descriptor;
        /// `invalidSignal`: registering with a signal number outside 1…64, which fails `EINVAL` before the descriptor
        /// is looked at.
        case notify(process: Int, register: Bool, invalidSignal: Bool = false, kind: NotificationKind = .signal, value: Int = 0)
        /// `mq_notify` registering with a `sigev_notify` of `how`, none of `SIGEV_SIGNAL`, `SIGEV_NONE`, `SIGEV_THREAD`:
        /// `EINVAL` before the descriptor and the registration are looked at (measured,
        /// `MessageQueueNotificationFactsTests`).
        case notifyUnknownKind(process: Int, how: Int)
        /// Takes the notifications delivered to the process since it last looked (its queued notification
        /// signals, with `sigtimedwait` and no wait); no descriptor needed. With `rearm`, a client that, having
        /// taken at least one, registers again at once (`mq_notify`; it stays unregistered when another process
        /// was quicker, `EBUSY`, or when it has no descriptor).
        case takeNotifications(process: Int, rearm: Bool = false, kind: NotificationKind = .signal)
        /// `mq_open` of the queue's name without `O_CREAT`: another descriptor, `O_RDWR`, `O_RDONLY` or `O_WRONLY`.
        /// With `creation`, `O_CREAT`.
        /// `nonblocking`: `O_NONBLOCK`, the new open description's flag (as `mq_setattr` sets it).
        case open(process: Int, access: Access = .readWrite, creation: Creation? = nil, nonblocking: Bool = false)
        case close(process: Int)
        case unlink(process: Int)
        /// `mq_open` (`open` true) or `mq_unlink` of a name glibc or the kernel refuses: `ENAMETOOLONG` for one
        /// longer than `NAME_MAX`, `EINVAL` (glibc) for one without the leading slash or empty, `EACCES` for one
        /// with another slash (the kernel looks it up in the mqueue root).
        case refusedName(process: Int, open: Bool, name: RefusedName)
        /// The process died: its descriptors close.
        case exit(process: Int)
        /// `fork`: `child` starts with copies of the process's descriptors, sharing their open descriptions, and no
        /// registration (``PosixMessageQueueModel+Fork``).
        case fork(process: Int, child: Int)
        /// `umask(2)`: the process's file mode creation mask becomes `mask`'s low nine bits (``Umasks``).
        case umask(process: Int, mask: Int)
        /// `poll` or `select` on the process's newest descriptor (see ``readiness(of:in:)``).
        case readiness(process: Int, call: ReadinessCall)
        /// `epoll_ctl` or `epoll_wait` on the process's epoll instance for this queue (`PosixMessageQueueModel+Epoll`).
        case epoll(process: Int, call: EpollCall)
        /// A call on a kept epoll instance, or one naming an instance as a target (`PosixMessageQueueModel+NestedEpoll`).
        case nestedEpoll(process: Int, call: NestedEpollCall)
        /// `call` (a send, receive, getattr, setattr, notify or close) given a number that is no descriptor of a message
        /// queue, whatever the process holds (`"descriptor"` in the trace): ``outputElsewhere(_:_:)``.
        indirect case elsewhere(ForeignDescriptor, Input)
    }

    /// `O_NONBLOCK` on Linux (x86-64 and most others): the one `mq_flags` bit `mq_setattr` takes.
    public static let nonblockingFlag = 0o4000

    /// A number a call is given that is no message-queue descriptor (measured, `MessageQueueForeignDescriptorFactsTests`).
    public enum ForeignDescriptor: String, Hashable, Sendable, CaseIterable {
        /// No open file has it: -1, `INT_MAX - 1`, a number never opened.
        case unopened
        /// Another kind of file's descriptor: a directory, a regular file, `/dev/null`, a pipe.
        case otherFile = "other-file"
    }

    /// What `call` through `descriptor` gives, the queue untouched: the arguments the kernel checks before it looks the
    /// descriptor up fail `EINVAL` first (the priority, an invalid timeout, `mq_notify`'s sigevent), then `EBADF` —
    /// before the sizes; `mq_close` is glibc's `close(2)`, which closes another file's descriptor as any other.
    static func outputElsewhere(_ descriptor: ForeignDescriptor, _ call: Input) -> Output {
        switch call {
        case .send(_, _, let priority, _, let timeout):
            priority < 0 || priority >= priorityLimit || timeout == .invalid ? .failed(.EINVAL) : .failed(.EBADF)
        case .receive(_, _, _, let timeout): timeout == .invalid ? .failed(.EINVAL) : .failed(.EBADF)
        case .notifyUnknownKind, .setFlagsRefused: .failed(.EINVAL)
        case .notify(_, let register, let invalidSignal, _, _): register && invalidSignal ? .failed(.EINVAL) : .failed(.EBADF)
        case .close: descriptor == .otherFile ? .done : .failed(.EBADF)
        default: .failed(.EBADF)
        }
    }

    /// What `mq_getattr` reports; `nonblocking` (`mq_flags`' `O_NONBLOCK`) is nil in a trace that did not record it.
    public struct Attributes: Hashable, Sendable {
        public var messages: Int
        public var maxMessages: Int
        public var messageSize: Int
        public var nonblocking: Bool?

        public init(messages: Int, maxMessages: Int, messageSize: Int, nonblocking: Bool? = nil) {
            self.messages = messages
            self.maxMessages = maxMessages
            self.messageSize = messageSize
            self.nonblocking = nonblocking
        }
    }

    public enum Output: PlainOutcomes {
        case sent
        case received(Message)
        case attributes(Attributes)
        /// `mq_setattr`'s old flags: whether `O_NONBLOCK` was set.
        case oldFlags(nonblocking: Bool)
        /// How many notifications a process took, and whether it registered again (nil when not asked to); what
        /// each `SIGEV_SIGNAL` one told (nil when not recorded: then not judged), sorted; and the `sigev_value` each
        /// `SIGEV_THREAD` one's function was given (nil when not recorded: not judged), sorted.
        case notifications(Int, rearmed: Bool? = nil, deliveries: [Delivery]? = nil, threadValues: [Int]? = nil)
        case done
        /// `poll`'s `revents` (empty: it returned 0).
        case ready(PollEvents)
        /// `select`'s verdict on the descriptor.
        case selected(readable: Bool, writable: Bool)
        /// `epoll_ctl` done.
        case epollControlled
        /// What `epoll_wait` reported, sorted (empty: it returned 0).
        case epollEvents([EpollReport])
        /// `epoll_create`/`epoll_create1` made an instance (closed at once): its `FD_CLOEXEC` (nil: not recorded).
        case epollCreated(closeOnExec: Bool?)
        /// A wait's events when one names an instance, sorted (`PosixMessageQueueModel+NestedEpoll`).
        case nestedEpollEvents([NestedEpollReport])
        /// `umask`'s result: the mask before the call.
        case oldUmask(Int)
        case failed(ErrorCode)
    }

    public let setups: [(name: String, setup: Setup)]
    /// The trace's own IPC namespace, when the header gives it: `queues_max` is then judged (``queuesInUse(_:)``).
    public let namespace: IPCNamespace?

    public init(queues: [(name: String, setup: Setup)], namespace: IPCNamespace? = nil) {
        self.setups = queues
        self.namespace = namespace
    }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        let setup = setups.first { $0.name == object }?.setup ?? Setup(holders: [])
        var state = State(maxMessages: setup.maxMessages, messageSize: setup.messageSize, name: NamedObjectHandles(holders: setup.holders))
        state.permissions = setup.permissions
        state.created = setup.exists
        state.umask = setup.umask
        return state
    }

    /// Every call's outcomes; an `open` may also fail `EMFILE` (``DescriptorTable/withExhaustion(_:of:in:)``); what
    /// each does to the epoll registrations (``epollAfter(_:before:after:)``).
    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        let transitions: [Transition<State, Output>]
        if case .open(let process, _, _, _) = input {
            transitions = DescriptorTable.withExhaustion(callTransitions(state, input), in: state, free: freeDescriptors(of: process, in: state))
        } else {
            transitions = callTransitions(state, input)
        }
        return transitions.map { transition in
            var after = transition.state
            if case .send(let process, _, _, _, _) = input { after.abandonSend(of: process) }  // asleep no more
            return Transition(transition.output, epollAfter(input, before: state, after: after))
        }
    }

    /// How many numbers `process` has free now, when the setup says how many it had: each descriptor of this queue it
    /// holds beyond those it started with took one, and so does each epoll instance it keeps (``NestedEpoll``).
    func freeDescriptors(of process: Int, in state: State) -> Int? {
        guard let setup = setups.first(where: { $0.setup.descriptorLimits.contains { $0.process == process } })?.setup,
            let known = setup.descriptorLimits.first(where: { $0.process == process })
        else { return nil }
        let started = setup.holders.filter { $0 == process }.count
        return known.free - (state.name.holders.filter { $0 == process }.count - started)
            - state.epollInstances.filter { $0.process == process }.count
    }

    func callTransitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        var next = state
        switch input {
        case .send(let process, let data, let priority, let nonblocking, let timeout):
            if priority < 0 || priority >= Self.priorityLimit || timeout == .invalid {
                return [Transition(.failed(.EINVAL), state)]
            }
            guard state.name.holders.contains(process), [.write, .readWrite].contains(state.newest(of: process).access) else {
                return [Transition(.failed(.EBADF), state)]
            }
            if data.count > state.messageSize { return [Transition(.failed(.EMSGSIZE), state)] }
            if state.messages.count >= state.maxMessages {
                return nonblocking ? [Transition(.failed(.EAGAIN), state)] : []
            }
            let message = Message(data: data, priority: priority)
            if !state.sleepers.isEmpty {
                // Straight to a sleeping receiver: the queue stays empty and no one is notified.
                return Set(state.sleepers).sorted().map { sleeper in
                    var handed = state
                    _ = handed.sleepers.removeOne(sleeper)
                    handed.handed[sleeper] = message
                    return Transition(.sent, handed)
                }
            }
            next.enqueue(message)
            if state.messages.isEmpty, let notifier = state.notifier {
                switch state.notifierKind {
                case .signal:
                    next.notifications.append(Notice(
                        process: notifier,
                        delivery: Delivery(sender: process, value: state.notifierValue, uid: state.permissions.users[process]?.uid ?? 0)))
                    next.notifications.sort()
                case .thread:
                    let notice = ThreadNotice(process: notifier, value: state.notifierValue)
                    next.threadNotifications.insert(notice, at: next.threadNotifications.firstIndex { $0 > notice } ?? next.threadNotifications.endIndex)
                case .none, .signalZero: break
                }
                next.notifier = nil
            }
            return [Transition(.sent, next)]
        case .receive(let process, let max, let nonblocking, let timeout):
            if let message = state.handed[process] {
                next.handed[process] = nil
                return [Transition(.received(message), next)]
            }
            if timeout == .invalid { return [Transition(.failed(.EINVAL), state)] }
            guard state.name.holders.contains(process), [.read, .readWrite].contains(state.newest(of: process).access) else {
                return [Transition(.failed(.EBADF), state)]
            }
            if max < state.messageSize { return [Transition(.failed(.EMSGSIZE), state)] }
            guard !state.messages.isEmpty else { return nonblocking ? [Transition(.failed(.EAGAIN), state)] : [] }
            return [Transition(.received(next.messages.removeFirst()), next)]
        case .getAttributes(let process):
            guard state.name.holders.contains(process) else { return [Transition(.failed(.EBADF), state)] }
            let attributes = Attributes(
                messages: state.messages.count, maxMessages: state.maxMessages, messageSize: state.messageSize,
                nonblocking: state.newest(of: process).nonblocking)
            return [Transition(.attributes(attributes), state)]
        case .setNonblocking(let process, let nonblocking):
            guard state.name.holders.contains(process) else { return [Transition(.failed(.EBADF), state)] }
            next.setNonblocking(process, nonblocking)
            return [Transition(.oldFlags(nonblocking: state.newest(of: process).nonblocking), next)]
        case .notifyUnknownKind, .setFlagsRefused:
            return [Transition(.failed(.EINVAL), state)]
        case .notify(let process, let register, let invalidSignal, let kind, let value):
            if register && invalidSignal { return [Transition(.failed(.EINVAL), state)] }
            guard state.name.holders.contains(process) else { return [Transition(.failed(.EBADF), state)] }
            if register {
                if state.notifier != nil { return [Transition(.failed(.EBUSY), state)] }
                next.notifier = process
                next.notifierKind = kind
                next.notifierValue = value
            } else if state.notifier == process {
                next.notifier = nil
            }
            return [Transition(.done, next)]
        case .takeNotifications(let process, let rearm, let kind):
            next.notifications.removeAll { $0.process == process }
            let deliveries = state.notifications.filter { $0.process == process }.map(\.delivery)
            let signals = deliveries.count
            // Thread notifications whose function has run by now: any of those sent, in any order (each its values).
            let threads = state.threadNotifications.filter { $0.process == process }
            return Self.subMultisets(of: threads).map { taken in
                var after = next
                for notice in taken { after.threadNotifications.remove(at: after.threadNotifications.firstIndex(of: notice)!) }
                let count = signals + taken.count
                let values = taken.isEmpty ? nil : taken.map(\.value)  // none taken: nothing to say
                guard rearm else { return Transition(.notifications(count, deliveries: deliveries, threadValues: values), after) }
                let rearmed = count > 0 && after.notifier == nil && after.name.holders.contains(process)
                if rearmed {
                    after.notifier = process
                    after.notifierKind = kind
                    after.notifierValue = 0
                }
                return Transition(.notifications(count, rearmed: rearmed, deliveries: deliveries, threadValues: values), after)
            }
        case .open(let process, let access, let creation, let nonblocking):
            if !state.created {
                return openBeforeCreation(state, process: process, access: access, creation: creation, nonblocking: nonblocking)
            }
            if let creation {
                if state.name.unlinked {
                    let messages = creation.maxMessages ?? Self.creationLimits.maxMessages
                    let size = creation.messageSize ?? Self.creationLimits.messageSize
                    let valid = (1...Self.creationLimits.maxMessages).contains(messages) && (1...Self.creationLimits.messageSize).contains(size)
                    // A new queue under the name, not this object; or the creator's real user is at its
                    // RLIMIT_MSGQUEUE (EMFILE), or the namespace at queues_max (ENOSPC), which only the namespace shows.
                    var made = state
                    made.untracked = true
                    return creating(state, made: made, attributesValid: valid)
                }
                if creation.exclusive { return [Transition(.failed(ErrorCode("EEXIST")), state)] }
            }
            if !state.name.unlinked && access == .invalid { return [Transition(.failed(.EINVAL), state)] }
            if !state.name.unlinked && !state.permissions.allows(process, read: access != .write, write: access != .read) {
                return [Transition(.failed(.EACCES), state)]
            }
            if let error = next.name.open(process) { return [Transition(.failed(error), state)] }
            next.opened(process, access)
            if nonblocking { next.setNonblocking(process, true) }
            return [Transition(.done, next)]
        case .close(let process):
            guard state.name.holders.contains(process) else { return [Transition(.failed(.EBADF), state)] }
            // The owner of the registration closing any descriptor of the queue removes it.
            if state.notifier == process { next.notifier = nil }
            _ = next.name.release(process, missing: .EBADF)
            next.closed(process)
            return [Transition(.done, next)]
        case .refusedName(_, _, let name):
            let code: ErrorCode? = switch name {
            case .tooLong, .overNameMax: ErrorCode("ENAMETOOLONG")
            case .noSlash, .empty: .EINVAL
            case .withSlash: .EACCES
            case .nameMax: nil  // a name mq_open takes: not a refused one (the trace form does not take it)
            }
            return code.map { [Transition(.failed($0), state)] } ?? []
        case .unlink(let process):
            if !state.created { return [Transition(.failed(.ENOENT), state)] }
            // Only the owner (or root) may remove the name: EACCES for anyone else, once the name is found.
            if !state.name.unlinked && !state.permissions.isOwner(process) { return [Transition(.failed(.EACCES), state)] }
            return nameTransition(state, \.name) { $0.unlink() }
        case .exit(let process):
            next.abandonReceive(of: process)
            next.abandonSend(of: process)
            if next.notifier == process { next.notifier = nil }
            next.notifications.removeAll { $0.process == process }
            next.threadNotifications.removeAll { $0.process == process }
            next.descriptors[process] = nil
            return nameTransition(next, \.name) { $0.exit(process); return nil }
        case .fork(let process, let child):
            return forkTransitions(state, process: process, child: child)
        case .umask(let process, let mask):
            let old = next.umask.set(process, to: mask)
            return [Transition(.oldUmask(old), next)]
        case .readiness(let process, let call):
            return readinessTransitions(call, process: process, in: state)
        case .epoll(let process, let call):
            // Of several (not judged: any), each that is no interruption (step takes EINTR).
            return epollOutcomes(state, process: process, call: call).filter { $0.output != .failed(.EINTR) }
                .map { Transition($0.output ?? .epollControlled, $0.next) }
        case .nestedEpoll(let process, let call):
            return nestedEpollOutcomes(state, process: process, call: call).filter { $0.outcome != .failed(.EINTR) }
                .map { Transition($0.outcome.map(Output.ending) ?? .epollControlled, $0.state) }
        case .elsewhere(let descriptor, let call):
            return [Transition(Self.outputElsewhere(descriptor, call), state)]
        }
    }

    /// Every distinct sub-multiset of `notices` (each sorted; equal values give one): the thread notifications whose
    /// functions may have run by a look.
    static func subMultisets(of notices: [ThreadNotice]) -> [[ThreadNotice]] {
        var seen = Set<[ThreadNotice]>()
        return notices.reduce([[]]) { partial, notice in partial + partial.map { $0 + [notice] } }
            .map { $0.sorted() }.filter { seen.insert($0).inserted }
    }

    /// As ``TransitionModel``'s step, and a blocking receive that finds the queue empty, or a blocking send that finds
    /// it full, may also go to sleep (a piece of effect); a wake-up without effect (`EINTR`, `ETIMEDOUT`) takes the
    /// process out of the sleepers.
    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        if case .nestedEpoll(let process, let call) = input { return nestedEpollSteps(state, process: process, call: call, output: output) }
        if case .epoll(let process, .wait(let maxEvents, let timeout, let form)) = input, state.implicitHoldsInstances(process: process),
            !state.epollUnjudged.contains(process)
        {
            let wait = NestedEpollCall.wait(instance: NestedEpoll.implicitInstance, maxEvents: maxEvents, timeout: timeout, form: form)
            return nestedEpollSteps(state, process: process, call: wait, output: output)
        }
        if case .epoll(let process, let call) = input {
            return epollOutcomes(state, process: process, call: call).filter { output == nil || $0.output == nil || $0.output == output }
                .map { .completed($0.next) }
        }
        let transitions = transitions(state, input)
        // A readiness call that finds nothing ready may be interrupted during the call, whatever its timeout.
        if output == .failed(.EINTR), case .readiness = input {
            let nothingReady = transitions.isEmpty || transitions.contains { $0.output.map(Self.nothingReady) ?? false }
            return nothingReady ? [.completed(state)] : []
        }
        guard transitions.isEmpty else {
            return transitions.compactMap { transition in
                guard let output else { return .completed(transition.state) }
                // A getattr recorded without mq_flags matches whatever the flags are.
                if case .attributes(let recorded) = output, recorded.nonblocking == nil,
                    case .attributes(var expected)? = transition.output
                {
                    expected.nonblocking = nil
                    return expected == recorded ? .completed(transition.state) : nil
                }
                // Notifications recorded without what their signals told (or without a user) match whatever it was.
                if case .notifications(let count, let rearmed, let recorded, let recordedValues) = output,
                    case .notifications(count, rearmed, let expected?, let expectedValues)? = transition.output
                {
                    // Thread functions' values recorded: those of the notifications taken (sorted both).
                    if let recordedValues, recordedValues != expectedValues ?? [] { return nil }
                    guard let recorded else { return .completed(transition.state) }
                    let judged = zip(recorded.sorted(), expected.sorted()).allSatisfy { $0.uid == nil ? ($0.sender, $0.value) == ($1.sender, $1.value) : $0 == $1 }
                    return recorded.count == expected.count && judged ? .completed(transition.state) : nil
                }
                return transition.output == output ? .completed(transition.state) : nil
            }
        }
        var steps: [Step<State>] = []
        let wakeUps = wakeUps(of: input)
        if output.map({ wakeUps.contains($0) }) ?? !wakeUps.isEmpty {
            var awake = state
            _ = awake.sleepers.removeOne(input.process)
            awake.abandonSend(of: input.process)
            steps.append(.completed(awake))
        }
        if case .receive(let process, _, false, _) = input, !state.sleepers.contains(process) {
            var asleep = state
            asleep.sleepers.insertSorted(process)
            steps.append(.partial(asleep))
        }
        if case .send(let process, _, _, false, _) = input, !state.sendersAsleep.contains(process) {
            var asleep = state
            asleep.sendersAsleep.insertSorted(process)
            steps.append(.partial(asleep))
        }
        return steps
    }

    /// A receive whose process died in it: out of the sleepers, and a message handed to it is gone with it.
    public func abandon(_ state: State, _ input: Input) -> State {
        var next = state
        if case .receive(let process, _, _, _) = input { next.abandonReceive(of: process) }
        if case .send(let process, _, _, _, _) = input { next.abandonSend(of: process) }
        return next
    }

    /// A blocking send or receive asleep may be interrupted (`EINTR`); a timed one may also time out.
    public func wakeUps(of input: Input) -> [Output] {
        switch input {
        case .send(_, _, _, false, let timeout), .receive(_, _, false, let timeout):
            timeout == nil ? [.failed(.EINTR)] : [.failed(.EINTR), .failed(.ETIMEDOUT)]
        default: []
        }
    }

    public func describe(_ state: State) -> String {
        if !state.created { return "not created yet" }
        let queued = state.messages.map { "\(Payload.preview($0.data, limit: 12))@\($0.priority)" }
        var parts = ["\(state.messages.count) of \(state.maxMessages) messages [\(queued.joined(separator: ", "))]"]
        if !state.sleepers.isEmpty { parts.append("receivers asleep \(state.sleepers)") }
        if !state.sendersAsleep.isEmpty { parts.append("senders asleep \(state.sendersAsleep)") }
        for (process, message) in state.handed.sorted(by: { $0.key < $1.key }) {
            parts.append("\(Payload.preview(message.data, limit: 12)) handed to process \(process)")
        }
        if let notifier = state.notifier { parts.append("process \(notifier) registered for notification") }
        if !state.notifications.isEmpty { parts.append("notifications delivered to \(state.notifications)") }
        if !state.threadNotifications.isEmpty {
            parts.append("thread notifications sent to " + state.threadNotifications.map { "\($0.process) (sival_int \($0.value))" }.joined(separator: ", "))
        }
        for (process, list) in state.descriptors.sorted(by: { $0.key < $1.key }) {
            parts.append("process \(process)'s descriptors \(list.map { $0.access.rawValue + ($0.nonblocking ? " O_NONBLOCK" : "") })")
        }
        for registration in state.epoll {
            parts.append("process \(registration.process)'s epoll: \(registration.events)" + (registration.disabled ? " (disabled)" : "")
                + (registration.edgeTriggered ? ", news \(registration.news)" : "") + (registration.missable ? ", may have missed a wake" : "") + (registration.listed ? ", listed" : ""))
        }
        if !state.epollUnjudged.isEmpty { parts.append("epoll of processes \(state.epollUnjudged) not judged") }
        for instance in state.epollInstances { parts.append("process \(instance.process) keeps instance \(instance.name)") }
        for registration in state.nestedEpoll {
            parts.append("process \(registration.process)'s \(registration.target): \(registration.events)" + (registration.disabled ? " (disabled)" : "")
                + (registration.edgeTriggered ? ", news \(registration.news)" : ""))
        }
        parts.append("descriptors \(state.name.text)")
        return parts.joined(separator: "; ")
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let call: String
        switch input {
        case .send(_, let data, let priority, let nonblocking, let timeout):
            call = "send \(Payload.preview(data)) (\(data.count) bytes) at priority \(priority)\(nonblocking ? " (nonblocking)" : "")"
                + (timeout.map { " \($0.text)" } ?? "")
        case .receive(_, let max, let nonblocking, let timeout):
            call = "receive into \(max) bytes\(nonblocking ? " (nonblocking)" : "")" + (timeout.map { " \($0.text)" } ?? "")
        case .getAttributes: call = "mq_getattr"
        case .setNonblocking(_, let nonblocking): call = "mq_setattr \(nonblocking ? "O_NONBLOCK" : "0")"
        case .setFlagsRefused(_, let flags): call = "mq_setattr mq_flags \(flags)"
        case .notifyUnknownKind(_, let how): call = "mq_notify with sigev_notify \(how)"
        case .notify(_, let register, let invalidSignal, let kind, let value):
            call = register
                ? (invalidSignal ? "mq_notify (register, invalid signal)" : "mq_notify (register, SIGEV_\(kind.rawValue.uppercased())\(value != 0 ? ", sival_int \(value)" : ""))")
                : "mq_notify (NULL)"
        case .takeNotifications(_, let rearm, _): call = rearm ? "take notifications, registering again" : "take notifications"
        case .open(_, let access, let creation, let nonblocking):
            call = (access == .readWrite ? "open by name" : "open by name, \(access == .read ? "O_RDONLY" : access == .write ? "O_WRONLY" : "O_ACCMODE")")
                + (nonblocking ? " O_NONBLOCK" : "")
                + (creation.map {
                    " O_CREAT\($0.exclusive ? "|O_EXCL" : "")" + ($0.maxMessages.map { " \($0) ×" } ?? "") + ($0.messageSize.map { " \($0) bytes" } ?? "")
                        + ($0.mode.map { " mode 0\(String($0, radix: 8))" } ?? "")
                } ?? "")
        case .close: call = "close"
        case .unlink: call = "unlink"
        case .refusedName(_, let open, let name): call = "\(open ? "mq_open" : "mq_unlink") of a name \(name.rawValue)"
        case .exit: call = "exit (closes its descriptors)"
        case .fork(_, let child): call = "fork (child: process \(child))"
        case .umask(_, let mask): call = "umask 0\(String(mask, radix: 8))"
        case .readiness(_, let readinessCall): call = "\(readinessCall)"
        case .epoll(_, let epollCall): call = "\(epollCall)"
        case .nestedEpoll(_, let nested): call = "\(nested)"
        case .elsewhere(let descriptor, let inner):
            call = (describe(inner, nil).split(separator: " → ").first.map(String.init) ?? "call")
                + " through a number that is no queue descriptor (\(descriptor.rawValue))"
        }
        let result = output.described { output in
            switch output {
            case .sent, .done: "ok"
            case .received(let message): "\(Payload.preview(message.data)) (\(message.data.count) bytes) at priority \(message.priority)"
            case .attributes(let attributes):
                "\(attributes.messages) messages (of \(attributes.maxMessages), \(attributes.messageSize) bytes each)"
                    + (attributes.nonblocking.map { $0 ? ", O_NONBLOCK" : ", blocking" } ?? "")
            case .oldFlags(let nonblocking): "was \(nonblocking ? "O_NONBLOCK" : "blocking")"
            case .notifications(let count, let rearmed, let deliveries, let threadValues):
                "\(count) notifications" + (rearmed.map { $0 ? ", registered again" : ", not registered again" } ?? "")
                    + (deliveries.map { " " + $0.map { "(from \($0.sender), sival_int \($0.value)\($0.uid.map { ", uid \($0)" } ?? ""))" }.joined(separator: " ") } ?? "")
                    + (threadValues.map { $0.isEmpty ? "" : ", thread functions given sival_int \($0)" } ?? "")
            case .ready(let events): "\(events)"
            case .selected(let readable, let writable):
                readable || writable
                    ? [readable ? "readable" : nil, writable ? "writable" : nil].compactMap { $0 }.joined(separator: "+")
                    : "nothing ready"
            case .epollControlled: "ok"
            case .oldUmask(let old): "was 0\(String(old, radix: 8))"
            case .epollCreated(let closeOnExec): "created" + (closeOnExec.map { $0 ? " (FD_CLOEXEC)" : " (no FD_CLOEXEC)" } ?? "")
            case .epollEvents(let reports): reports.isEmpty ? "nothing" : reports.map { "\($0.events)" }.joined(separator: ", ")
            case .nestedEpollEvents(let reports): reports.map { "\($0.target.name) \($0.events)" }.joined(separator: ", ")
            case .failed(let code): code.rawValue
            }
        }
        return "\(call) → \(result)"
    }

    public func estimatedSize(of state: State) -> Int {
        128 + (state.name.holders.count + state.sleepers.count + state.notifications.count) * 8
            + state.messages.reduce(0) { $0 + 40 + $1.data.count } + state.handed.values.reduce(0) { $0 + 64 + $1.data.count }
    }
}

extension PosixMessageQueueModel.Input {
    public var process: Int {
        switch self {
        case .send(let process, _, _, _, _), .receive(let process, _, _, _), .getAttributes(let process), .open(let process, _, _, _),
            .setNonblocking(let process, _), .setFlagsRefused(let process, _),
            .notify(let process, _, _, _, _), .notifyUnknownKind(let process, _), .takeNotifications(let process, _, _),
            .close(let process), .unlink(let process), .exit(let process), .fork(let process, _), .refusedName(let process, _, _),
            .umask(let process, _),
            .readiness(let process, _), .epoll(let process, _), .nestedEpoll(let process, _):
            process
        case .elsewhere(_, let call): call.process
        }
    }
}
