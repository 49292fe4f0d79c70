import IPCMechanisms
import IPCModels
import IPCSyscalls
import Glibc
import SystemPackage

/// A POSIX message queue (model `posix-mq`) under a fresh name from the run's namespace; parameters `maxMessages`
/// and `messageSize`. Holders in role `open` open a descriptor while setting up; `open` adds one, `close` closes
/// the newest; with none, `send` and `receive` fail `EBADF` as the kernel would. Implementations: `kernel.posix-mq`
/// (every call as the kernel answers it; `notified` with `rearm` registers again after taking a notification) and
/// the fragile `client.mq-notify-not-rearmed`, a consumer that takes its notification and forgets to register
/// again, so it never hears of later messages; and the fragile `client.mq-poll-once`, a consumer that, asked to wait
/// for a message (`poll` without a timeout), looks once (`poll` with a timeout of 0) and takes "not ready" for "no
/// message will come", returning with nothing ready; and the fragile `client.mq-epoll-one-per-wakeup`, an `EPOLLET`
/// consumer that takes one message per wake-up and answers its other receives `EAGAIN` without asking, believing the
/// queue empty until the next wake-up (a burst of sends wakes it once: the rest is stranded); and the fragile
/// `client.mq-nested-dispatch`, an event loop that, when its main epoll instance reports a kept one, drains the kept
/// one's events unrecorded (``KeptEpollInstances/wait``), so the recorded wait on it misses the edge; and the fragile
/// `client.mq-errno-eagain-only`, a producer whose error check looks only for `EAGAIN`: a send through a number that is no
/// longer its queue's (`"descriptor"`) fails `EBADF`, which it takes for sent.
public enum PosixMessageQueueKind: MechanismKind {
    /// What it reads of an object's parameters (``ObjectKind/parameterNames``).
    public static let parameterNames: Set<String>? = ["maxMessages", "messageSize", "exists"]
    public typealias Model = PosixMessageQueueModel

    public static let implementations = [
        "kernel.posix-mq", "client.mq-notify-not-rearmed", "client.mq-poll-once", "client.mq-epoll-one-per-wakeup", "client.mq-nested-dispatch",
        "client.mq-errno-eagain-only",
    ]

    /// `mq_getattr`'s `mq_curmsgs`: whether a killed process's send or receive took effect.
    public static let resolutionProbe: ResolutionProbe? = ResolutionProbe(f: "getattr", role: "open")

    public static func model(for workload: Workload) -> PosixMessageQueueModel {
        PosixMessageQueueModel(queues: workload.objects.filter { $0.kind == name }.map { object in
            (object.name, PosixMessageQueueModel.Setup(
                maxMessages: object.integer("maxMessages") ?? 10, messageSize: object.integer("messageSize") ?? 8192,
                holders: workload.holders(of: object.name, role: "open")))
        })
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        try refuseAbsent(object)
        let name = objects.namespace.posixName(object.name)
        let queue = try objects.createNamed(.posixMessageQueue, name) { () throws(Errno) in
            try PosixMessageQueue.create(
                name, maximumMessages: object.integer("maxMessages") ?? 10, messageSize: object.integer("messageSize") ?? 8192)
        }
        let inode = (try? Syscall.inode(of: queue)) ?? 0
        try? Syscall.close(queue)
        for process in workload.processes {
            guard let roles = process.holds[object.name] else { continue }
            objects.tell(process.id, about: object.name, [
                "name": .string(name), "open": .bool(roles.contains("open")), "inode": .int(Int(truncatingIfNeeded: inode)),
            ])
        }
    }

    public static func binding(for object: WorkerObject, implementation: String) throws(BindingError) -> any ObjectBinding<PosixMessageQueueModel> {
        let name = try object.text("name")
        var binding = PosixMessageQueueBinding(
            name: name, inode: UInt64(truncatingIfNeeded: (try? object.integer("inode")) ?? 0),
            forgetsToRearm: implementation == "client.mq-notify-not-rearmed", pollsOnce: implementation == "client.mq-poll-once",
            onePerWakeup: implementation == "client.mq-epoll-one-per-wakeup",
            context: object.context)
        binding.dispatchesNested = implementation == "client.mq-nested-dispatch"
        binding.checksOnlyEAGAIN = implementation == "client.mq-errno-eagain-only"
        if object.flag("open") {
            do {
                binding.descriptors.append(try PosixMessageQueue.open(name))
            } catch {
                throw BindingError("cannot open message queue \(name): \(error)")
            }
        }
        return binding
    }
}

/// POSIX message queue operations on this process's descriptors of the queue.
struct PosixMessageQueueBinding: ObjectBinding {

    typealias Model = PosixMessageQueueModel
    /// The signal `mq_notify` registrations ask for (`SIGRTMIN+7`: real-time, so notifications queue and are
    /// counted; blocked in the worker's thread, and every other thread of the worker blocks every signal).
    static var notificationSignal: Int32 { Syscall.realtimeSignalMinimum + 7 }
    /// A signal number outside 1…64, which `mq_notify` refuses `EINVAL`.
    static let invalidSignal: Int32 = 999
    let name: String
    /// The queue's inode: a descriptor `mq_open` with `O_CREAT` returns for another one (the name was unlinked and
    /// the call made a new queue) is not the object the trace follows, and goes at once.
    let inode: UInt64
    /// `client.mq-notify-not-rearmed`: a consumer that takes its notification and does not register again.
    var forgetsToRearm = false
    /// `client.mq-poll-once`: a `poll` meant to wait (negative timeout) looks once and gives up.
    var pollsOnce = false
    /// `client.mq-epoll-one-per-wakeup`: after its first `epoll_wait`, a receive is made only as the first after a
    /// wait that reported; every other is answered `EAGAIN` without the call.
    var onePerWakeup = false
    /// For `onePerWakeup`: whether a wait has been made, and whether the last one's wake-up is still unused.
    var waited = false, wakeupUnused = false
    /// Where the `SIGEV_THREAD` functions log the `sigev_value` each was given (one per worker's binding, for the
    /// worker's life), and how many of those a `notified` has taken.
    let threadLog: OpaquePointer? = Syscall.mqThreadLog()
    var threadsTaken = 0

    /// The workers' pids, which a notification's `si_pid` names as process numbers.
    let context: WorkerContext?

    /// `mq_notify` registering this process, as `kind` asks (a signal's `sigev_value.sival_int` `value`).
    func register(_ queue: FileDescriptor, _ kind: PosixMessageQueueModel.NotificationKind, value: Int = 0) throws(Errno) {
        switch kind {
        case .signal: try Syscall.mqNotify(queue, .signalWithValue(Self.notificationSignal, CInt(truncatingIfNeeded: value)))
        case .thread:
            guard let threadLog else { throw .noMemory }
            try Syscall.mqNotifyThread(queue, log: threadLog, value: CInt(truncatingIfNeeded: value))
        case .none: try Syscall.mqNotify(queue, .withoutSignal)
        case .signalZero: try Syscall.mqNotify(queue, .signalZero)
        }
    }
    var descriptors: [FileDescriptor] = []
    /// This process's epoll instance for the queue: registrations name the newest descriptor.
    let epoll = EpollInstance<PosixMessageQueueModel.EpollTarget>()
    /// The epoll instances kept by name (``NestedEpoll``), which may hold the newest descriptor and one another.
    var kept = KeptEpollInstances<PosixMessageQueueModel.EpollTarget>()
    /// `client.mq-nested-dispatch`'s wrong belief (``KeptEpollInstances/wait``): a reported kept instance drained at once.
    var dispatchesNested = false
    /// `client.mq-errno-eagain-only`'s wrong belief: a send through another number that fails other than `EAGAIN` was sent.
    var checksOnlyEAGAIN = false
    /// The `O_NONBLOCK` `setattr` left on each descriptor's open description (absent: clear). A send or receive
    /// sets the flag for its own mode (``PosixMessageQueue``'s calls do), and the flag is put back after it.
    var descriptionFlags: [FileDescriptor: Bool] = [:]

    func restoreFlag(of queue: FileDescriptor) {
        try? Syscall.mqSetNonblocking(queue, descriptionFlags[queue] ?? false)
    }

    /// A call on a kept epoll instance, or one naming an instance as its target (a wait on the implicit instance too,
    /// once it holds one): the queue is the newest descriptor.
    private mutating func nested(_ call: PosixMessageQueueModel.NestedEpollCall) throws(Errno) -> PosixMessageQueueModel.Output {
        let newest = descriptors.last
        return PosixMessageQueueModel.output(
            of: try kept.perform(call, implicit: epoll, leaf: { _ in newest?.rawValue ?? -1 }, unknown: .queue, dispatchingNested: dispatchesNested))
    }

    mutating func perform(_ input: PosixMessageQueueModel.Input) throws(Errno) -> PosixMessageQueueModel.Output {
        switch input {
        case .send(_, let data, let priority, let nonblocking, let timeout):
            // The kernel checks the priority before it even looks at the descriptor.
            guard priority >= 0 && priority < PosixMessageQueueModel.priorityLimit else { throw .invalidArgument }
            // mq_timedsend checks the timeout before the descriptor.
            guard let queue = descriptors.last else { throw timeout == .invalid ? .invalidArgument : .badFileDescriptor }
            defer { restoreFlag(of: queue) }
            switch try PosixMessageQueue.send(queue, data, priority: priority, nonblocking: nonblocking, deadline: timeout?.deadline) {
            case .completed: return .sent
            case .wouldBlock: throw .wouldBlock
            }
        case .receive(_, let max, let nonblocking, let timeout):
            if onePerWakeup && waited {
                // One message per wake-up: the queue is believed empty until the next.
                guard wakeupUnused else { throw .wouldBlock }
                wakeupUnused = false
            }
            guard let queue = descriptors.last else { throw timeout == .invalid ? .invalidArgument : .badFileDescriptor }
            defer { restoreFlag(of: queue) }
            switch try PosixMessageQueue.receive(queue, maximum: max, nonblocking: nonblocking, deadline: timeout?.deadline) {
            case .completed(let message): return .received(PosixMessageQueueModel.Message(data: message.data, priority: message.priority))
            case .wouldBlock: throw .wouldBlock
            }
        case .readiness(_, let call):
            // A Linux mqd_t is a file descriptor: poll and select take the newest one.
            var call = call
            if pollsOnce, case .poll(let events, let timeout) = call, timeout < 0 { call = .poll(events: events, timeout: 0) }
            switch try PipeBinding.readiness(call, on: descriptors.last) {
            case .ready(let events): return .ready(events)
            case .selected(let readable, let writable): return .selected(readable: readable, writable: writable)
            default: throw .badFileDescriptor
            }
        case .nestedEpoll(_, let call):
            return try nested(call)
        case .epoll(_, .wait(let maxEvents, let timeout, let form)) where kept.implicitHoldsNested:
            return try nested(.wait(instance: NestedEpoll.implicitInstance, maxEvents: maxEvents, timeout: timeout, form: form))
        case .epoll(_, .control(let operation, let target, let events)):
            try epoll.control(operation, target: target, descriptor: descriptors.last, events: events)
            return .epollControlled
        case .epoll(_, .misdirected(let call)):
            let newest = descriptors.last
            return try epoll.perform(call, descriptor: { _ in newest }, unknown: .queue).map { .epollEvents($0) } ?? .epollControlled
        case .epoll(_, .create(let creation)):
            return .epollCreated(closeOnExec: try creation.perform())
        case .epoll(_, .wait(let maxEvents, let timeout, let form)):
            let reports = try epoll.wait(maxEvents: maxEvents, timeout: timeout, form: form, unknown: .queue)
            (waited, wakeupUnused) = (true, !reports.isEmpty)
            return .epollEvents(reports)
        case .getAttributes:
            guard let queue = descriptors.last else { throw .badFileDescriptor }
            let attributes = try Syscall.mqAttributes(queue)
            return .attributes(PosixMessageQueueModel.Attributes(
                messages: attributes.currentMessages, maxMessages: attributes.maximumMessages, messageSize: attributes.messageSize,
                nonblocking: attributes.nonblocking))
        case .setNonblocking(_, let nonblocking):
            guard let queue = descriptors.last else { throw .badFileDescriptor }
            let old = try Syscall.mqSetNonblocking(queue, nonblocking)
            descriptionFlags[queue] = nonblocking
            return .oldFlags(nonblocking: old)
        case .setFlagsRefused(_, let flags):
            // Refused before the descriptor is looked at.
            try Syscall.mqSetFlags(descriptors.last ?? FileDescriptor(rawValue: -1), flags)
            return .done
        case .notifyUnknownKind(_, let how):
            // Refused before the descriptor is looked at, as the invalid signal below.
            try Syscall.mqNotify(descriptors.last ?? FileDescriptor(rawValue: -1), .how(CInt(truncatingIfNeeded: how)))
            return .done
        case .notify(_, let register, let invalidSignal, let kind, let value):
            if register && invalidSignal {
                // The kernel checks the signal before the descriptor: no descriptor is needed to see its EINVAL.
                try Syscall.mqNotify(descriptors.last ?? FileDescriptor(rawValue: -1), .signal(Self.invalidSignal))
                return .done
            }
            guard let queue = descriptors.last else { throw .badFileDescriptor }
            try Syscall.setSignalsBlocked([Self.notificationSignal], true)
            if register {
                try self.register(queue, kind, value: value)
            } else {
                try Syscall.mqNotify(queue, nil)
            }
            return .done
        case .takeNotifications(_, let rearm, let kind):
            try Syscall.setSignalsBlocked([Self.notificationSignal], true)
            var count = 0
            var deliveries: [PosixMessageQueueModel.Delivery] = []
            while true {
                do throws(Errno) {
                    let info = try Syscall.waitForSignal([Self.notificationSignal], timeoutNanoseconds: 0)
                    count += 1
                    // si_pid: the worker whose send notified (-1: none of the run's, which the model never allows).
                    deliveries.append(.init(sender: context?.process(of: info.senderPID) ?? -1, value: Int(info.value)))
                } catch .wouldBlock {
                    break
                }
            }
            deliveries.sort()
            // SIGEV_THREAD notifications whose function has run by now, and the sigev_value each was given.
            let (threads, logged) = threadLog.map { Syscall.mqThreadLogValues($0) } ?? (0, [])
            count += threads - threadsTaken
            // Every value while the log holds them (its first 256), else not recorded.
            let threadValues = threads <= logged.count ? logged[threadsTaken..<threads].map { Int($0) }.sorted() : nil
            threadsTaken = threads
            guard rearm else { return .notifications(count, deliveries: deliveries, threadValues: threadValues) }
            guard count > 0, let queue = descriptors.last else {
                return .notifications(count, rearmed: false, deliveries: deliveries, threadValues: threadValues)
            }
            // The fragile client believes it registers again, and never does: later messages notify no one.
            if forgetsToRearm { return .notifications(count, rearmed: true, deliveries: deliveries, threadValues: threadValues) }
            do throws(Errno) {
                try self.register(queue, kind)
                return .notifications(count, rearmed: true, deliveries: deliveries, threadValues: threadValues)
            } catch .resourceBusy {
                return .notifications(count, rearmed: false, deliveries: deliveries, threadValues: threadValues)
            }
        case .open(_, let access, let creation, let nonblocking):
            let mode = (access == .read ? O_RDONLY : access == .write ? O_WRONLY : access == .invalid ? O_ACCMODE : O_RDWR) | (nonblocking ? O_NONBLOCK : 0)
            guard let creation else {
                let queue = try PosixMessageQueue.open(name, access: mode)
                descriptors.append(queue)
                if nonblocking { descriptionFlags[queue] = true }
                return .done
            }
            let queue = try Syscall.mqCreate(
                name, flags: mode | O_CLOEXEC | (creation.exclusive ? O_EXCL : 0), mode: mode_t(creation.mode ?? 0o600),
                maximumMessages: creation.maxMessages ?? PosixMessageQueueModel.creationLimits.maxMessages,
                messageSize: creation.messageSize ?? PosixMessageQueueModel.creationLimits.messageSize)
            if (try? Syscall.inode(of: queue)) == inode {
                descriptors.append(queue)
                if nonblocking { descriptionFlags[queue] = true }
            } else {
                try? Syscall.close(queue)
                try? Syscall.mqUnlink(name)
            }
            return .done
        case .close:
            guard let queue = descriptors.popLast() else { throw .badFileDescriptor }
            descriptionFlags[queue] = nil
            try PosixMessageQueue.close(queue)
            return .done
        case .refusedName(_, let open, let refused):
            if open {
                // Refused before any queue is opened: nothing to close.
                _ = try Syscall.mqOpen(refused.path(for: name), flags: O_RDWR | O_CLOEXEC)
            } else {
                try Syscall.mqUnlink(refused.path(for: name))
            }
            return .done
        case .unlink:
            try PosixMessageQueue.unlink(name)
            return .done
        case .exit:
            BindingFailure.abandon("a worker is never asked to perform 'exit'")
        case .fork:
            BindingFailure.abandon("the posix-mq worker does not fork: a trace's fork is judged by the model only")
        case .umask:
            BindingFailure.abandon("the posix-mq worker does not call umask: a trace's umask is judged by the model only")
        case .elsewhere(let descriptor, let call):
            do throws(Errno) {
                return try Self.perform(call, through: descriptor)
            } catch where checksOnlyEAGAIN && error != .wouldBlock {
                guard case .send = call else { throw error }
                return .sent  // `if (r == -1 && errno == EAGAIN) retry(); else sent++;`
            }
        }
    }

    /// `call` given a number that is no message-queue descriptor: `INT_MAX - 1` (never open here), or a descriptor of
    /// the root directory opened for the call (and closed after, unless the call closed it). The raw calls, without
    /// the `O_NONBLOCK` setting a send or receive on the queue makes first.
    static func perform(
        _ call: PosixMessageQueueModel.Input, through kind: PosixMessageQueueModel.ForeignDescriptor
    ) throws(Errno) -> PosixMessageQueueModel.Output {
        let descriptor = kind == .unopened ? FileDescriptor(rawValue: Int32.max - 1) : try Syscall.open("/", flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        var closed = kind == .unopened
        defer { if !closed { try? Syscall.close(descriptor) } }
        switch call {
        case .send(_, let data, let priority, _, let timeout):
            let priority = UInt32(clamping: priority < 0 ? Int(UInt32.max) : priority)
            try data.withUnsafeBufferPointer { (raw) throws(Errno) in try Syscall.mqSend(descriptor, UnsafeRawBufferPointer(raw), priority: priority, deadline: timeout?.deadline) }
            return .sent
        case .receive(_, let max, _, let timeout):
            var buffer = [UInt8](repeating: 0, count: max)
            let (length, priority) = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) in
                try Syscall.mqReceive(descriptor, into: UnsafeMutableRawBufferPointer(raw), deadline: timeout?.deadline)
            }
            return .received(PosixMessageQueueModel.Message(data: Array(buffer.prefix(length)), priority: Int(priority)))
        case .getAttributes:
            let attributes = try Syscall.mqAttributes(descriptor)
            return .attributes(PosixMessageQueueModel.Attributes(
                messages: attributes.currentMessages, maxMessages: attributes.maximumMessages, messageSize: attributes.messageSize,
                nonblocking: attributes.nonblocking))
        case .setNonblocking(_, let nonblocking):
            return .oldFlags(nonblocking: try Syscall.mqSetNonblocking(descriptor, nonblocking))
        case .setFlagsRefused(_, let flags):
            try Syscall.mqSetFlags(descriptor, flags)
            return .done
        case .notifyUnknownKind(_, let how):
            try Syscall.mqNotify(descriptor, .how(CInt(truncatingIfNeeded: how)))
            return .done
        case .notify(_, let register, let refused, let kind, let value):
            let notification: Syscall.MessageQueueNotification? =
                !register ? nil : refused ? .signal(invalidSignal) : kind == .signalZero ? .signalZero
                : kind == .none ? .withoutSignal : .signalWithValue(notificationSignal, CInt(truncatingIfNeeded: value))
            try Syscall.mqNotify(descriptor, notification)
            return .done
        case .close:
            closed = true
            try Syscall.close(descriptor)
            return .done
        default:
            BindingFailure.abandon("no call but send, receive, getattr, setattr, notify and close takes another number")
        }
    }
}

extension Timeout {
    /// The absolute `CLOCK_REALTIME` deadline a timed call is given, starting now.
    var deadline: timespec {
        switch self {
        case .milliseconds(let milliseconds): Syscall.realtimeDeadline(milliseconds: milliseconds)
        case .invalid: Syscall.invalidDeadline
        }
    }

    /// The absolute deadline on `clock` a `sem_clockwait` or `pthread_mutex_clocklock` is given, starting now.
    func deadline(on clock: WaitClock) -> timespec {
        switch self {
        case .milliseconds(let milliseconds): Syscall.deadline(on: clock.identifier, milliseconds: milliseconds)
        case .invalid: Syscall.invalidDeadline
        }
    }

    /// The relative interval `semtimedop` is given.
    var interval: timespec {
        switch self {
        case .milliseconds(let milliseconds): timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        case .invalid: Syscall.invalidDeadline
        }
    }
}

extension WaitClock {
    /// The clock id the call is given: an unsupported clock is `CLOCK_BOOTTIME` (glibc 2.36 refuses it).
    var identifier: clockid_t {
        switch self {
        case .monotonic: CLOCK_MONOTONIC
        case .realtime: CLOCK_REALTIME
        case .unsupported: CLOCK_BOOTTIME
        }
    }
}
