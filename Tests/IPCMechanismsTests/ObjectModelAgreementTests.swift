import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// Random operation sequences on the real kernel objects and on their models, from one process, must give the
/// same outputs call for call (nonblocking calls only: the model must predict every errno, count and byte).
@Suite struct ObjectModelAgreementTests {
    static let cases = 250

    // MARK: POSIX message queue

    enum QueueOperation: Sendable {
        case send(size: Int, priority: Int)
        case receive(max: Int)
        case open, close, unlink
        /// `mq_open` `O_RDONLY` or `O_WRONLY`: later calls use it, the wrong direction failing `EBADF`.
        case openFor(read: Bool)
        /// `mq_setattr` of `O_NONBLOCK`, and `mq_getattr` with `mq_flags`.
        case setattr(nonblocking: Bool)
        case getattr
        /// `mq_open` with `O_CREAT` (and `O_EXCL`), asking for `messages` × `size`: the existing queue, `EEXIST`,
        /// `EINVAL` or, once unlinked, a new queue the test closes and unlinks at once, as the worker does.
        case create(exclusive: Bool, messages: Int, size: Int)
        /// `mq_notify` with `SIGEV_NONE` (register) or `NULL`: whether a registration exists, and was used up by a
        /// message arriving in the empty queue, shows in the next register's `EBUSY`.
        case notify(register: Bool)
        /// `mq_notify` with a signal number out of range: `EINVAL` before the descriptor.
        case notifyInvalid
        /// `mq_notify` with a `sigev_notify` the kernel does not know (`SIGEV_THREAD_ID`, 99): `EINVAL` first.
        case notifyUnknownKind(Int)
        /// `mq_notify` with `SIGEV_SIGNAL` and signal 0: registers (it notifies nothing).
        case notifySignalZero
        /// One of ``elsewhereCalls`` given a number that is no queue descriptor: `INT_MAX - 1` or a directory's.
        case elsewhere(otherFile: Bool, call: Int)
        /// `mq_open` with the access mode `O_ACCMODE`, with `O_CREAT` (and `O_EXCL`) or not: `EINVAL` while the name
        /// exists (after `EEXIST`), `ENOENT` once unlinked, or a new queue the test closes and unlinks at once.
        case openInvalidAccess(create: Bool, exclusive: Bool)
        /// `mq_setattr` with a raw `mq_flags` (`O_NONBLOCK` with another bit: `EINVAL` before the descriptor).
        case setFlags(Int)
    }

    /// The calls drawn through another number: a send (the priority and an invalid timeout checked first), a receive
    /// (a buffer too small too), getattr, setattr, notify (an invalid signal first) and close.
    static let elsewhereCalls: [PosixMessageQueueModel.Input] = [
        .send(process: 1, data: [1], priority: 0, nonblocking: true), .send(process: 1, data: [1], priority: 32768, nonblocking: true),
        .send(process: 1, data: [UInt8](repeating: 1, count: 17), priority: 0, nonblocking: true),
        .send(process: 1, data: [1], priority: 0, nonblocking: false, timeout: .invalid),
        .receive(process: 1, max: 16, nonblocking: true), .receive(process: 1, max: 1, nonblocking: true),
        .receive(process: 1, max: 16, nonblocking: false, timeout: .invalid),
        .getAttributes(process: 1), .setNonblocking(process: 1, nonblocking: true),
        .notify(process: 1, register: true, kind: .none), .notify(process: 1, register: false),
        .notify(process: 1, register: true, invalidSignal: true), .setFlagsRefused(process: 1, flags: 2), .close(process: 1),
    ]

    /// What `call` through `descriptor` gives on the kernel (the raw calls: a send or receive on the queue first sets
    /// its description's `O_NONBLOCK`, which another number would fail first).
    static func performElsewhere(_ call: PosixMessageQueueModel.Input, through descriptor: FileDescriptor) throws(Errno) -> PosixMessageQueueModel.Output {
        switch call {
        case .send(_, let data, let priority, _, let timeout):
            try data.withUnsafeBufferPointer { (raw) throws(Errno) in
                try Syscall.mqSend(descriptor, UnsafeRawBufferPointer(raw), priority: UInt32(priority), deadline: timeout == .invalid ? Syscall.invalidDeadline : nil)
            }
            return .sent
        case .receive(_, let max, _, let timeout):
            var buffer = [UInt8](repeating: 0, count: max)
            let (length, priority) = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) in
                try Syscall.mqReceive(descriptor, into: UnsafeMutableRawBufferPointer(raw), deadline: timeout == .invalid ? Syscall.invalidDeadline : nil)
            }
            return .received(.init(data: Array(buffer.prefix(length)), priority: Int(priority)))
        case .getAttributes:
            let attributes = try Syscall.mqAttributes(descriptor)
            return .attributes(.init(
                messages: attributes.currentMessages, maxMessages: attributes.maximumMessages, messageSize: attributes.messageSize,
                nonblocking: attributes.nonblocking))
        case .setNonblocking(_, let nonblocking): return .oldFlags(nonblocking: try Syscall.mqSetNonblocking(descriptor, nonblocking))
        case .setFlagsRefused(_, let flags):
            try Syscall.mqSetFlags(descriptor, flags)
            return .done
        case .notify(_, let register, let invalid, _, _):
            try Syscall.mqNotify(descriptor, !register ? nil : invalid ? .signal(999) : .withoutSignal)
            return .done
        default:
            try Syscall.close(descriptor)
            return .done
        }
    }

    static let queueOperations = Gen.oneOf(
        zip(Gen.int(in: 0...20), Gen.int(in: 0...4)).map { QueueOperation.send(size: $0, priority: [0, 1, 5, 6, 10][$1]) }.eraseToAny(),
        zip(Gen.int(in: 15...17), Gen.int(in: 0...40)).map { QueueOperation.send(size: $0, priority: $1 == 0 ? 32768 : 3) }.eraseToAny(),
        Gen.int(in: 0...9).map { QueueOperation.receive(max: $0 == 0 ? 15 : 16) }.eraseToAny(),
        Gen.int(in: 0...30).map { $0 < 10 ? QueueOperation.open : $0 < 20 ? .close : $0 == 20 ? .unlink : .receive(max: 16) }.eraseToAny(),
        Gen.int(in: 0...7).map {
            $0 == 4 ? QueueOperation.notifyInvalid : $0 == 7 ? .notifySignalZero : $0 >= 5 ? .notifyUnknownKind($0 == 5 ? 4 : 99) : .notify(register: $0 != 0)
        }.eraseToAny(),
        Gen.int(in: 0...1).map { QueueOperation.openFor(read: $0 == 0) }.eraseToAny(),
        Gen.int(in: 0...2).map { $0 == 2 ? QueueOperation.getattr : .setattr(nonblocking: $0 == 0) }.eraseToAny(),
        zip(Gen.int(in: 0...1), Gen.int(in: 0...3)).map {
            QueueOperation.create(exclusive: $0 == 1, messages: [3, 11, 0, 10][$1], size: [16, 16, 8, 8193][$1])
        }.eraseToAny(),
        zip(Gen.int(in: 0...1), Gen.int(in: 0...(elsewhereCalls.count - 1))).map { QueueOperation.elsewhere(otherFile: $0 == 1, call: $1) }
            .eraseToAny(),
        Gen.int(in: 0...2).map { QueueOperation.openInvalidAccess(create: $0 > 0, exclusive: $0 == 2) }.eraseToAny(),
        Gen.int(in: 0...3).map { QueueOperation.setFlags([Int(O_NONBLOCK) | Int(O_RDWR), 1, Int(O_CLOEXEC), -1][$0]) }.eraseToAny()
    )

    @Test func posixMessageQueueAgreesWithItsModel() async {
        await checkProperty(count: Self.cases, input: Self.queueOperations.array(of: 1...40)) { operations throws in
            let name = "/ipch-test-\(getpid())-agree-\(UInt32.random(in: 0...UInt32.max))"
            var descriptors = [try PosixMessageQueue.create(name, maximumMessages: 3, messageSize: 16)]
            let inode = try Syscall.inode(of: descriptors[0])
            defer {
                for descriptor in descriptors { try? Syscall.close(descriptor) }
                try? Syscall.mqUnlink(name)
            }
            let model = PosixMessageQueueModel(queues: [("q", .init(maxMessages: 3, messageSize: 16, holders: [1]))])
            var sequence = 0
            // The O_NONBLOCK setattr left on each description; a send or receive sets its own mode and, as the
            // worker does, puts the flag back after.
            var flags: [FileDescriptor: Bool] = [:]
            func restore(_ queue: FileDescriptor) { try? Syscall.mqSetNonblocking(queue, flags[queue] ?? false) }
            let steps = operations.map { operation -> (PosixMessageQueueModel.Input, () throws -> PosixMessageQueueModel.Output) in
                sequence += 1
                switch operation {
                case .send(let size, let priority):
                    let data = [UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: size)
                    return (.send(process: 1, data: data, priority: priority, nonblocking: true), {
                        // As the worker does: the kernel checks the priority before the descriptor.
                        guard priority < PosixMessageQueueModel.priorityLimit else { return .failed(.EINVAL) }
                        guard let queue = descriptors.last else { return .failed(.EBADF) }
                        defer { restore(queue) }
                        do {
                            return try PosixMessageQueue.send(queue, data, priority: priority, nonblocking: true) == .wouldBlock ? .failed(.EAGAIN) : .sent
                        } catch { return .failed(errorCode(error)) }
                    })
                case .receive(let max):
                    return (.receive(process: 1, max: max, nonblocking: true), {
                        guard let queue = descriptors.last else { return .failed(.EBADF) }
                        defer { restore(queue) }
                        do {
                            switch try PosixMessageQueue.receive(queue, maximum: max, nonblocking: true) {
                            case .completed(let message): return .received(.init(data: message.data, priority: message.priority))
                            case .wouldBlock: return .failed(.EAGAIN)
                            }
                        } catch { return .failed(errorCode(error)) }
                    })
                case .open:
                    return (.open(process: 1), {
                        do { descriptors.append(try PosixMessageQueue.open(name)); return .done } catch { return .failed(errorCode(error)) }
                    })
                case .close:
                    return (.close(process: 1), {
                        guard let queue = descriptors.popLast() else { return .failed(.EBADF) }
                        flags[queue] = nil  // the number may come back for another description
                        try Syscall.close(queue)
                        return .done
                    })
                case .unlink:
                    return (.unlink(process: 1), {
                        do { try PosixMessageQueue.unlink(name); return .done } catch { return .failed(errorCode(error)) }
                    })
                case .notifyUnknownKind(let how):
                    return (.notifyUnknownKind(process: 1, how: how), {
                        do { try Syscall.mqNotify(descriptors.last ?? FileDescriptor(rawValue: -1), .how(CInt(how))); return .done } catch {
                            return .failed(errorCode(error))
                        }
                    })
                case .notifyInvalid:
                    return (.notify(process: 1, register: true, invalidSignal: true), {
                        do { try Syscall.mqNotify(descriptors.last ?? FileDescriptor(rawValue: -1), .signal(999)); return .done } catch {
                            return .failed(errorCode(error))
                        }
                    })
                case .create(let exclusive, let messages, let size):
                    return (.open(process: 1, creation: .init(exclusive: exclusive, maxMessages: messages, messageSize: size)), {
                        do {
                            let queue = try Syscall.mqCreate(
                                name, flags: O_RDWR | O_CLOEXEC | (exclusive ? O_EXCL : 0), mode: 0o600, maximumMessages: messages,
                                messageSize: size)
                            if try Syscall.inode(of: queue) == inode {
                                descriptors.append(queue)
                            } else {
                                try? Syscall.close(queue)
                                try? Syscall.mqUnlink(name)
                            }
                            return .done
                        } catch { return .failed(errorCode(error)) }
                    })
                case .setattr(let nonblocking):
                    return (.setNonblocking(process: 1, nonblocking: nonblocking), {
                        guard let queue = descriptors.last else { return .failed(.EBADF) }
                        do {
                            let old = try Syscall.mqSetNonblocking(queue, nonblocking)
                            flags[queue] = nonblocking
                            return .oldFlags(nonblocking: old)
                        } catch { return .failed(errorCode(error)) }
                    })
                case .getattr:
                    return (.getAttributes(process: 1), {
                        guard let queue = descriptors.last else { return .failed(.EBADF) }
                        do {
                            let attributes = try Syscall.mqAttributes(queue)
                            return .attributes(.init(
                                messages: attributes.currentMessages, maxMessages: attributes.maximumMessages,
                                messageSize: attributes.messageSize, nonblocking: attributes.nonblocking))
                        } catch { return .failed(errorCode(error)) }
                    })
                case .openFor(let read):
                    return (.open(process: 1, access: read ? .read : .write), {
                        do {
                            descriptors.append(try PosixMessageQueue.open(name, access: read ? O_RDONLY : O_WRONLY))
                            return .done
                        } catch { return .failed(errorCode(error)) }
                    })
                case .notifySignalZero:
                    return (.notify(process: 1, register: true, kind: .signalZero), {
                        guard let queue = descriptors.last else { return .failed(.EBADF) }
                        do { try Syscall.mqNotify(queue, .signalZero); return .done } catch { return .failed(errorCode(error)) }
                    })
                case .notify(let register):
                    return (.notify(process: 1, register: register), {
                        guard let queue = descriptors.last else { return .failed(.EBADF) }
                        do { try Syscall.mqNotify(queue, register ? .withoutSignal : nil); return .done } catch { return .failed(errorCode(error)) }
                    })
                case .setFlags(let flags):
                    return (.setFlagsRefused(process: 1, flags: flags), {
                        do { try Syscall.mqSetFlags(descriptors.last ?? FileDescriptor(rawValue: -1), flags); return .done } catch {
                            return .failed(errorCode(error))
                        }
                    })
                case .openInvalidAccess(let create, let exclusive):
                    let creation = create ? PosixMessageQueueModel.Creation(exclusive: exclusive, maxMessages: 3, messageSize: 16) : nil
                    return (.open(process: 1, access: .invalid, creation: creation), {
                        do {
                            let queue = create
                                ? try Syscall.mqCreate(
                                    name, flags: O_ACCMODE | O_CLOEXEC | (exclusive ? O_EXCL : 0), mode: 0o600, maximumMessages: 3, messageSize: 16)
                                : try Syscall.mqOpen(name, flags: O_ACCMODE | O_CLOEXEC)
                            // Never this queue (EINVAL while the name exists): a new one, closed and unlinked at once.
                            if try Syscall.inode(of: queue) == inode { descriptors.append(queue) } else {
                                try? Syscall.close(queue)
                                try? Syscall.mqUnlink(name)
                            }
                            return .done
                        } catch { return .failed(errorCode(error)) }
                    })
                case .elsewhere(let otherFile, let index):
                    let call = Self.elsewhereCalls[index]
                    return (.elsewhere(otherFile ? .otherFile : .unopened, call), {
                        let descriptor = otherFile
                            ? try Syscall.open("/", flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC) : FileDescriptor(rawValue: Int32.max - 1)
                        var closed = !otherFile
                        defer { if !closed { try? Syscall.close(descriptor) } }
                        if case .close = call { closed = true }
                        do { return try Self.performElsewhere(call, through: descriptor) } catch { return .failed(errorCode(error)) }
                    })
                }
            }
            if let problem = ModelAgreement(model: model, object: "q").firstDisagreement(steps) { Issue.record("\(problem)") }
        }
    }

    // MARK: System V message queue

    enum MessageOperation: Sendable {
        case send(type: Int, size: Int)
        case receive(type: Int, max: Int, except: Bool, truncate: Bool)
        case remove
        /// `msgget` of the queue's key: found, `EEXIST` exclusive, `ENOENT` once removed (a create then makes another).
        case get(create: Bool, exclusive: Bool)
        /// `msgrcv` with `MSG_COPY` of the message at `index`, with or without `IPC_NOWAIT`, `MSG_EXCEPT`, `MSG_NOERROR`.
        case copy(index: Int, max: Int, except: Bool, truncate: Bool, nonblocking: Bool)
        /// `IPC_STAT`, with `msg_lspid`/`msg_lrpid` as process numbers (this process is 1) and the times.
        case stat
        /// `IPC_SET` of `msg_qbytes` (`EPERM` above `msgmnb`): sets `msg_ctime` when it succeeds.
        case set(capacity: Int)
        /// `IPC_INFO`, or `MSG_INFO` with `counts`.
        case info(counts: Bool)
        /// `MSG_STAT`, or `MSG_STAT_ANY`, of the queue's index.
        case statAtIndex(any: Bool)
    }

    static let messageOperations = Gen.oneOf(
        zip(Gen.int(in: 0...5), Gen.int(in: 0...30)).map { MessageOperation.send(type: $0, size: $1) }.eraseToAny(),
        zip(Gen.int(in: -6...6), Gen.int(in: 0...3), Gen.int(in: 0...4)).map {
            MessageOperation.receive(type: $0, max: [-1, 4, 30, 30][$1], except: $2 == 0, truncate: $2 == 1)
        }.eraseToAny(),
        Gen.int(in: 0...60).map { $0 == 0 ? MessageOperation.remove : .receive(type: 0, max: 30, except: false, truncate: false) }.eraseToAny(),
        Gen.int(in: 0...3).map { MessageOperation.get(create: $0 >= 2, exclusive: $0 == 3 || $0 == 1) }.eraseToAny(),
        zip(Gen.int(in: -1...4), Gen.int(in: 0...3), Gen.int(in: 0...5)).map {
            MessageOperation.copy(index: $0, max: [-1, 4, 30, 30][$1], except: $2 == 0, truncate: $2 == 1, nonblocking: $2 != 2)
        }.eraseToAny(),
        Gen.int(in: 0...10).map {
            [MessageOperation.set(capacity: 30), .set(capacity: 16385), .info(counts: false), .info(counts: true),
             .statAtIndex(any: false), .statAtIndex(any: true)].dropFirst($0).first ?? .stat
        }.eraseToAny()
    )

    @Test func systemVMessageQueueAgreesWithItsModel() async {
        await checkProperty(count: Self.cases, input: Self.messageOperations.array(of: 1...40)) { operations throws in
            if let problem = try Self.messageQueueDisagreement(operations) { Issue.record("\(problem)") }
        }
    }

    /// Where a fresh queue (capacity 60) and the model first disagree on `operations`, if anywhere.
    static func messageQueueDisagreement(_ operations: [MessageOperation]) throws -> String? {
        let key = SystemVKeyFactsTests.key()
        let queue = try SystemVMessageQueues.create(key: key, capacity: 60)
        defer { try? Syscall.msgRemove(queue) }
        let model = SystemVMessageQueueModel(queues: [("m", .init(capacity: 60))])
        /// `IPC_STAT`'s answer in the model's terms (this process is 1).
        func status(_ status: msqid_ds) -> SystemVMessageQueueModel.Status {
            func number(_ pid: pid_t) -> Int { pid == getpid() ? 1 : pid == 0 ? 0 : -1 }
            return .init(
                messages: Int(status.msg_qnum), bytes: Int(status.__msg_cbytes), capacity: Int(status.msg_qbytes),
                lastSender: number(status.msg_lspid), lastReceiver: number(status.msg_lrpid),
                sendTime: Int(status.msg_stime), receiveTime: Int(status.msg_rtime), changeTime: Int(status.msg_ctime))
        }
        var sequence = 0
        let steps = operations.map { operation -> (SystemVMessageQueueModel.Input, () throws -> SystemVMessageQueueModel.Output) in
            sequence += 1
            switch operation {
            case .send(let type, let size):
                let data = [UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: size)
                return (.send(process: 1, type: type, data: data, nonblocking: true), {
                    do {
                        return try SystemVMessageQueues.send(queue, type: type, data, nonblocking: true) == .wouldBlock ? .failed(.EAGAIN) : .sent
                    } catch { return .failed(errorCode(error)) }
                })
            case .receive(let type, let max, let except, let truncate):
                return (.receive(process: 1, type: type, max: max, except: except, truncate: truncate, nonblocking: true), {
                    do {
                        let result = try SystemVMessageQueues.receive(
                            queue, maximum: max, selector: except ? .except(type) : .type(type), truncate: truncate, nonblocking: true)
                        switch result {
                        case .completed(let message): return .received(.init(type: message.type, data: message.data))
                        case .wouldBlock: return .failed(.ENOMSG)
                        }
                    } catch { return .failed(errorCode(error)) }
                })
            case .remove:
                return (.remove(process: 1), {
                    do { try SystemVMessageQueues.remove(queue); return .removed } catch { return .failed(errorCode(error)) }
                })
            case .get(let create, let exclusive):
                return (.get(process: 1, create: create, exclusive: exclusive), {
                    do {
                        let found = try Syscall.msgget(key, flags: (create ? IPC_CREAT | 0o600 : 0) | (exclusive ? IPC_EXCL : 0))
                        if found != queue { try? SystemVMessageQueues.remove(found) }
                        return .found
                    } catch { return .failed(errorCode(error)) }
                })
            case .copy(let index, let max, let except, let truncate, let nonblocking):
                return (.copy(process: 1, index: index, max: max, except: except, truncate: truncate, nonblocking: nonblocking), {
                    let flags = Syscall.messageCopy | (except ? Syscall.messageExcept : 0) | (truncate ? MSG_NOERROR : 0) | (nonblocking ? IPC_NOWAIT : 0)
                    do {
                        let message = try Syscall.msgrcv(queue, maximum: max, type: index, flags: flags)
                        return .received(.init(type: message.type, data: message.text))
                    } catch { return .failed(errorCode(error)) }
                })
            case .stat:
                return (.stat(process: 1), {
                    do { return .status(status(try Syscall.msgStatus(queue))) } catch { return .failed(errorCode(error)) }
                })
            case .info(let counts):
                return (.info(process: 1, counts: counts), {
                    do {
                        let info = try Syscall.msgInfo(counts: counts)
                        return .info(.init(index: info.index, fields: info.fields))
                    } catch { return .failed(errorCode(error)) }
                })
            case .statAtIndex(let any):
                return (.statAtIndex(process: 1, any: any), {
                    do {
                        let found = try Syscall.msgStatus(index: Int(queue.id & 0x7fff), any: any)
                        return found.id == queue.id ? .status(status(found.status)) : .failed(.EINVAL)
                    } catch { return .failed(errorCode(error)) }
                })
            case .set(let capacity):
                return (.setCapacity(process: 1, capacity: capacity), {
                    do { try Syscall.msgSetCapacity(queue, bytes: capacity); return .capacitySet } catch { return .failed(errorCode(error)) }
                })
            }
        }
        return ModelAgreement(model: model, object: "m").firstDisagreement(steps)
    }

    // MARK: System V semaphores

    enum SetOperation: Sendable {
        case semop([SystemVSemaphoreModel.Operation])
        case getAll
        case setValue(number: Int, value: Int)
        case remove
        /// `GETNCNT`/`GETZCNT`: 0 with no sleeper (one process here), `EINVAL` outside the set or once removed.
        case waiters(number: Int, zero: Bool)
        /// `IPC_STAT`'s `sem_nsems`.
        case status
        /// `semget` of the set's key for `count` semaphores.
        case get(count: Int, create: Bool, exclusive: Bool)
        /// `GETPID`: this process (1) once it changed the semaphore, 0 before.
        case lastProcess(number: Int)
        /// `IPC_INFO`, or `SEM_INFO` with `counts`.
        case info(counts: Bool)
        /// `SEM_STAT`, or `SEM_STAT_ANY`, of the set's index.
        case statusAtIndex(any: Bool)
    }

    static let semaphoreOperation = zip(Gen.int(in: 0...2), Gen.int(in: -3...3), Gen.int(in: 0...1)).map {
        SystemVSemaphoreModel.Operation(number: $0, change: $1 == 3 ? 32767 : $1, undo: $2 == 1)
    }

    static let setOperations = Gen.oneOf(
        Self.semaphoreOperation.array(of: 0...3).map { SetOperation.semop($0) }.eraseToAny(),
        Self.semaphoreOperation.array(of: 1...2).map { SetOperation.semop($0) }.eraseToAny(),
        zip(Gen.int(in: 0...2), Gen.int(in: -1...4)).map { SetOperation.setValue(number: $0, value: $1 == 4 ? 32768 : $1) }.eraseToAny(),
        Gen.int(in: 0...40).map { $0 == 0 ? SetOperation.remove : .getAll }.eraseToAny(),
        zip(Gen.int(in: 0...2), Gen.int(in: 0...2)).map { $1 == 2 ? SetOperation.status : .waiters(number: $0, zero: $1 == 1) }.eraseToAny(),
        Gen.int(in: 0...2).map { SetOperation.lastProcess(number: $0) }.eraseToAny(),
        Gen.int(in: 0...3).map { $0 < 2 ? SetOperation.info(counts: $0 == 1) : .statusAtIndex(any: $0 == 3) }.eraseToAny(),
        zip(Gen.int(in: 0...4), Gen.int(in: 0...3)).map {
            SetOperation.get(count: [0, 1, 2, 3, 32001][$0], create: $1 >= 2, exclusive: $1 == 3 || $1 == 1)
        }.eraseToAny()
    )

    @Test func systemVSemaphoresAgreeWithTheirModel() async {
        await checkProperty(count: Self.cases, input: Self.setOperations.array(of: 1...40)) { operations throws in
            if let problem = try Self.semaphoreSetDisagreement(operations) { Issue.record("\(problem)") }
        }
    }

    /// Where a fresh set of 2 semaphores, set to [1, 0] first, and the model first disagree on `operations`, if
    /// anywhere.
    static func semaphoreSetDisagreement(_ operations: [SetOperation]) throws -> String? {
        let key = SystemVKeyFactsTests.key()
        // A fresh set (every GETPID 0); its first step, SETALL [1, 0], is the model's too.
        let set = try Syscall.semget(key, count: 2, flags: IPC_CREAT | IPC_EXCL | 0o600)
        defer { try? Syscall.semRemove(set) }
        let model = SystemVSemaphoreModel(sets: [("v", [0, 0])])
        let setAll: (SystemVSemaphoreModel.Input, () throws -> SystemVSemaphoreModel.Output) = (.setValues(process: 1, values: [1, 0]), {
            try Syscall.semSetValues(set, [1, 0])
            return .done
        })
        let steps = [setAll] + operations.map { operation -> (SystemVSemaphoreModel.Input, () throws -> SystemVSemaphoreModel.Output) in
            switch operation {
            case .semop(let operations):
                return (.semop(process: 1, operations: operations, nonblocking: true), {
                    let kernel = operations.map { SemaphoreOperation(number: $0.number, change: $0.change, undo: $0.undo) }
                    do {
                        return try SystemVSemaphores.perform(set, kernel, nonblocking: true) ? .done : .failed(.EAGAIN)
                    } catch { return .failed(errorCode(error)) }
                })
            case .getAll:
                return (.values(process: 1), {
                    do { return .values(try SystemVSemaphores.values(set, count: 2)) } catch { return .failed(errorCode(error)) }
                })
            case .setValue(let number, let value):
                return (.setValue(process: 1, number: number, value: value), {
                    do { try SystemVSemaphores.setValue(set, number: number, value: value); return .done } catch { return .failed(errorCode(error)) }
                })
            case .remove:
                return (.remove(process: 1), {
                    do { try SystemVSemaphores.remove(set); return .done } catch { return .failed(errorCode(error)) }
                })
            case .get(let count, let create, let exclusive):
                return (.get(process: 1, count: count, create: create, exclusive: exclusive), {
                    do {
                        let found = try Syscall.semget(key, count: count, flags: (create ? IPC_CREAT | 0o600 : 0) | (exclusive ? IPC_EXCL : 0))
                        if found != set { try? SystemVSemaphores.remove(found) }
                        return .done
                    } catch { return .failed(errorCode(error)) }
                })
            case .status:
                return (.status(process: 1), {
                    do {
                        let status = try Syscall.semStatus(set)
                        return .size(status.count, times: [status.operationTime, status.changeTime])
                    } catch { return .failed(errorCode(error)) }
                })
            case .waiters(let number, let zero):
                return (.waiters(process: 1, number: number, zero: zero), {
                    do { return .value(try Syscall.semWaiters(set, number: number, zero: zero)) } catch { return .failed(errorCode(error)) }
                })
            case .lastProcess(let number):
                return (.lastProcess(process: 1, number: number), {
                    do {
                        let pid = try Syscall.semLastProcess(set, number: number)
                        return .process(pid == getpid() ? 1 : pid == 0 ? 0 : -1)
                    } catch { return .failed(errorCode(error)) }
                })
            case .info(let counts):
                return (.info(process: 1, counts: counts), {
                    do {
                        let info = try Syscall.semInfo(counts: counts)
                        return .info(index: info.index, fields: info.fields)
                    } catch { return .failed(errorCode(error)) }
                })
            case .statusAtIndex(let any):
                return (.statusAtIndex(process: 1, any: any), {
                    do {
                        let found = try Syscall.semStatus(index: Int(set.id & 0x7fff), any: any)
                        guard found.id == set.id else { return .failed(.EINVAL) }
                        return .size(found.count, times: [found.operationTime, found.changeTime])
                    } catch { return .failed(errorCode(error)) }
                })
            }
        }
        return ModelAgreement(model: model, object: "v").firstDisagreement(steps)
    }

    // MARK: POSIX semaphore and robust mutex (in anonymous shared memory)

    /// Sequences that meet sem_init (EINVAL above SEM_VALUE_MAX, pshared 0 and 1, a value at the maximum that a post
    /// then overflows) and sem_destroy (twice, and uses after it) before the random ones.
    static let unnamedSemaphoreDirected: [(start: Int, operations: [Int])] = [
        (1, [15, 8, 13, 0, 4, 8, 14, 8, 0, 0, 0, 17, 8, 4, 0, 17, 16, 4, 8]),
        (3, [17, 17, 0, 8, 15, 8, 16, 0, 4, 4, 8, 14, 17, 8]),
    ]

    @Test func posixSemaphoreAgreesWithItsModel() async throws {
        for (start, operations) in Self.unnamedSemaphoreDirected {
            try Self.checkUnnamedSemaphore(operations, start: start)
        }
        let operations = Gen.int(in: 0...17).array(of: 1...40)
        await checkProperty(count: Self.cases, input: operations, Gen.int(in: 0...3)) { operations, start throws in
            try Self.checkUnnamedSemaphore(operations, start: start)
        }
    }

    /// One sequence on a fresh unnamed semaphore and its model: 0-3 trywait, 4-7 post, 8-9 getvalue, 10-12
    /// sem_clockwait, 13-16 sem_init (value 0 pshared 1; 2 pshared 0; 2^31: EINVAL; 2^31 - 1), 17 sem_destroy.
    static func checkUnnamedSemaphore(_ operations: [Int], start: Int) throws {
        let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(memory, 4096) }
        let value = start == 3 ? Int(Int32.max) - 2 : start
        let semaphore = try PosixSemaphore.initialize(at: memory, value: value)
        let model = PosixSemaphoreModel(semaphores: [("s", .init(value: value, named: false))])
        func outcome(_ call: () throws -> Void) -> PosixSemaphoreModel.Output {
            do { try call(); return .done } catch { return .failed(errorCode(error)) }
        }
        let steps = operations.map { choice -> (PosixSemaphoreModel.Input, () throws -> PosixSemaphoreModel.Output) in
            switch choice {
            case 0...3:
                return (.wait(process: 1, nonblocking: true), { try semaphore.wait(nonblocking: true) ? .done : .failed(.EAGAIN) })
            case 10...12:
                // sem_clockwait with a deadline already past (asleep it would time out: the model skips that), an
                // invalid deadline, or a clock glibc refuses.
                let clock: WaitClock = choice == 12 ? .unsupported : choice == 11 ? .realtime : .monotonic
                let timeout: Timeout = choice == 11 ? .invalid : .milliseconds(0)
                return (.wait(process: 1, nonblocking: false, timeout: timeout, clock: clock), {
                    let deadline = timeout == .invalid ? Syscall.invalidDeadline : timespec(tv_sec: 0, tv_nsec: 0)
                    let id = clock == .unsupported ? CLOCK_BOOTTIME : clock == .realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC
                    return outcome { _ = try semaphore.wait(nonblocking: false, deadline: deadline, clock: id) }
                })
            case 4...7:
                return (.post(process: 1), { outcome { try semaphore.post() } })
            case 13...16:
                let (value, shared) = [(0, true), (2, false), (1 << 31, true), (Int(Int32.max), true)][choice - 13]
                return (.initialize(process: 1, value: value, shared: shared), {
                    outcome { try Syscall.semInit(semaphore.pointer, shared: shared, value: UInt32(value)) }
                })
            case 17:
                return (.destroy(process: 1), { outcome { try Syscall.semDestroy(semaphore.pointer) } })
            default:
                return (.getValue(process: 1), { .value(try semaphore.value()) })
            }
        }
        if let problem = ModelAgreement(model: model, object: "s").firstDisagreement(steps) { Issue.record("\(problem)") }
    }

    /// A named semaphore: opens by name with and without `O_CREAT`/`O_EXCL` and values up to 2^31, unlinks, and the
    /// value through the semaphore first opened. A create that made a new semaphore (after the unlink) is closed and
    /// unlinked at once, as the worker does.
    @Test func namedPosixSemaphoreAgreesWithItsModel() async {
        let operations = zip(Gen.int(in: 0...7), Gen.int(in: 0...3)).array(of: 1...30)
        await checkProperty(count: Self.cases, input: operations) { operations throws in
            let name = "/ipch-test-\(getpid())-named-\(UInt32.random(in: 0...UInt32.max))"
            let handles = NamedSemaphoreHandles(pointer: try PosixSemaphore.create(name, value: 1).pointer, count: 1)
            defer {
                try? Syscall.semUnlink(name)
                handles.closeAll()
            }
            let model = PosixSemaphoreModel(semaphores: [("s", .init(value: 1, named: true))])
            // The model's state along the way, to know when no handle is left: then a use or a close would be
            // undefined behaviour (or close another test's semaphore), so the step is a plain open instead.
            var state = model.initialState(of: "s")
            let steps = operations.map { choice, variant -> (PosixSemaphoreModel.Input, () throws -> PosixSemaphoreModel.Output) in
                let noHandle = PosixSemaphoreModel.handles(of: 1, in: state) == 0
                let step: (PosixSemaphoreModel.Input, () throws -> PosixSemaphoreModel.Output)
                switch noHandle ? 0 : choice {
                case 0...2:
                    let creation =
                        variant == 0 || noHandle ? nil : PosixSemaphoreModel.Creation(exclusive: variant == 2, value: choice == 2 ? 1 << 31 : 1)
                    step = (.open(process: 1, creation: creation), { handles.open(name, creation: creation) })
                case 3:
                    step = (.unlink(process: 1), {
                        do { try PosixSemaphore.unlink(name); return .done } catch { return .failed(errorCode(error)) }
                    })
                case 4:
                    step = (.post(process: 1), {
                        do { try PosixSemaphore(pointer: handles.pointer!).post(); return .done } catch { return .failed(errorCode(error)) }
                    })
                case 5:
                    step = (.wait(process: 1, nonblocking: true), {
                        try PosixSemaphore(pointer: handles.pointer!).wait(nonblocking: true) ? .done : .failed(.EAGAIN)
                    })
                case 6:
                    step = (.getValue(process: 1), { .value(try PosixSemaphore(pointer: handles.pointer!).value()) })
                default:
                    step = (.close(process: 1), {
                        do {
                            try Syscall.semClose(handles.pointer!)
                            handles.count -= 1
                            return .done
                        } catch { return .failed(errorCode(error)) }
                    })
                }
                state = model.transitions(state, step.0).first?.state ?? state
                return step
            }
            if let problem = ModelAgreement(model: model, object: "s").firstDisagreement(steps) { Issue.record("\(problem)") }
        }
    }

    /// Process 1 is this thread; "process 2" is a fresh thread each time that tries to lock and exits, holding the
    /// mutex if it got it — the kernel walks a thread's robust list at its exit as at a process's death. Directed
    /// sequences first (destroy and init on every state the model keeps apart, a stalled mutex whose owner exited),
    /// then random ones.
    @Test func robustMutexAgreesWithItsModel() async {
        for (index, operations) in Self.directedMutexSequences.enumerated() {
            if let problem = robustMutexDisagreement(operations) { Issue.record("directed sequence \(index): \(problem)") }
        }
        await checkProperty(count: Self.cases, input: Gen.int(in: 0...31).array(of: 1...30)) { operations throws in
            if let problem = robustMutexDisagreement(operations) { Issue.record("\(problem)") }
        }
    }

    /// Operation numbers as ``robustMutexDisagreement(_:)`` reads them: 0 lock, 2 trylock, 4 unlock, 6 consistent,
    /// 7 another thread's trylock and exit, 10 timedlock (deadline past), 11 clocklock with an invalid deadline, 12 on a
    /// refused clock, 13 destroy, 14-19 init: robust or (odd) stalled, error-checking (14, 15), normal (16, 17) or
    /// recursive (18, 19); 20-22 init robust with `PTHREAD_PRIO_INHERIT`, error-checking, normal or recursive; 23 init
    /// robust with `PTHREAD_PRIO_PROTECT` (refused, `EOPNOTSUPP`, whatever the mutex's state); 24-26 init stalled with
    /// `PTHREAD_PRIO_INHERIT`, 27-29 stalled with `PTHREAD_PRIO_PROTECT` (ceiling 5), error-checking, normal or
    /// recursive; 30 `getprioceiling`; 31 `setprioceiling`, each time the next of 0, 3, 5, 9, 100, 50. The mutex's
    /// lockers are `SCHED_OTHER` threads taking no other priority-protect mutex (`"scheduling": "other"`).
    static let directedMutexSequences: [[Int]] = [
        [13, 13, 0, 2, 4, 6, 10, 11, 12, 14, 0, 4, 13, 14],  // destroyed free: EINVAL for all but destroy and init
        [7, 13, 6, 2, 14, 2, 4, 6],  // owner died, destroyed, consistent EINVAL (never inconsistent), init
        [7, 7, 13, 6, 6, 0, 14, 0, 4],  // inconsistent holder died, destroyed: consistent once, then EINVAL
        [7, 0, 4, 0, 14, 0, 4, 6],  // not recoverable, then init without destroy
        [7, 0, 4, 13, 0, 14, 2, 4],  // not recoverable, destroyed, init
        [15, 0, 2, 0, 10, 11, 13, 4, 13, 6, 14],  // stalled: trylock by holder EBUSY, lock EDEADLK, destroy EBUSY held
        [15, 7, 2, 10, 11, 12, 4, 6, 13, 0],  // stalled, its owner exited: EBUSY, (asleep), EINVAL twice, EPERM, EINVAL, EBUSY
        [0, 13, 4, 14, 2, 4],  // destroyed held (robust): 0, then not judged (the model stops there)
        [17, 4, 4, 0, 13, 4, 13, 14],  // stalled normal: unlocking a free one succeeds, and destroy is then EBUSY
        [17, 0, 2, 10, 11, 7, 4, 13],  // stalled normal held: trylock EBUSY, (asleep on itself), EINVAL, EBUSY, anyone unlocks
        [19, 0, 0, 11, 2, 7, 4, 4, 4, 13, 4, 4, 13],  // stalled recursive: counts up (even an invalid deadline), EBUSY
        [18, 7, 0, 0, 4, 0, 4, 4, 0],  // robust recursive inconsistent: unlock above 1 ENOTRECOVERABLE, still held
        [16, 4, 0, 2, 10, 11, 4, 7, 2, 2, 4, 0, 2],  // robust normal: EPERM, EBUSY, EINVAL; owner died: EBUSY relock
        [20, 7, 0, 4, 2, 2, 4, 0, 7, 13, 20],  // PI: not recoverable, its trylocks give the word back (no EDEADLK)
        [21, 7, 2, 4, 2, 7, 2, 0, 10, 4],  // PI normal: another's trylock after a not-recoverable trylock: ENOTRECOVERABLE
        [22, 7, 0, 0, 4, 4, 2, 2, 6, 13],  // PI recursive: inconsistent unlock above 1, then not recoverable
        [0, 23, 2, 4, 23, 0, 7, 23, 2],  // priority-protect refused while held, free, owner died: nothing changes
        [14, 7, 0, 4, 2, 2],  // and without a protocol the not-recoverable trylock keeps the word (EDEADLK)
        [18, 8, 8, 6, 4, 4, 2, 4],  // recursive, its inconsistent holder dead, made consistent: that caller's unlock frees it
        [22, 8, 8, 6, 4, 4, 2, 6, 4],  // the same with PI: the unlock leaves the word owner-died (CI on 07231af)
        [24, 0, 2, 11, 4, 4, 7, 2, 11, 4, 13, 6],  // stalled PI: EDEADLK twice, EPERM; holder exited: EBUSY, EINVAL, EBUSY
        [25, 4, 0, 2, 11, 4, 4, 13, 30, 31],  // stalled PI normal: unlocks check the owner; no ceiling (EINVAL)
        [26, 0, 2, 11, 4, 4, 4, 4, 13],  // stalled PI recursive: counts
        [27, 30, 31, 31, 31, 0, 0, 2, 31, 4, 30, 31, 0, 4, 13, 30, 31, 30, 0],  // PP: bounds, the old ceiling, EINVAL once
        [28, 0, 0, 2, 4, 4, 4, 0, 2, 13],  // PP normal: an unlock of a free one leaves the caller's record unknown
        [29, 31, 31, 0, 0, 2, 31, 31, 31, 4, 4, 4, 30],  // PP recursive: the holder's setprioceiling, EINVAL above
        [27, 7, 2, 2, 30, 31, 4, 13, 6],  // PP holder exited: EINVAL (first raise), EBUSY, the ceiling; set sleeps
        [27, 13, 30, 31, 30, 0, 27, 0],  // PP destroyed: the ceiling reads and sets, lock EINVAL
    ]

    /// Runs `operations` on a fresh mutex and its model; the first disagreement, or nil. Destroy and init are made
    /// only where the model judges them (not on a mutex held by a live thread), where both sides are deterministic.
    func robustMutexDisagreement(_ operations: [Int], belief: WrongMutexBelief? = nil) -> String? {
        let memory = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
        defer { munmap(memory, 4096) }
        guard let mutex = try? RobustMutex.initialize(at: memory) else { return "cannot initialise the mutex" }
        func outcome(_ call: () throws -> RobustMutex.Acquisition) -> RobustMutexModel.Output {
            do {
                switch try call() {
                case .acquired: return .locked
                case .acquiredOwnerDied: return .lockedOwnerDied
                case .busy: return .failed(.EBUSY)
                }
            } catch { return .failed(errorCode(error)) }
        }
        func done(_ call: () throws -> Void) -> RobustMutexModel.Output {
            do { try call(); return .done } catch { return .failed(errorCode(error)) }
        }
        var steps: [(RobustMutexModel.Input, () throws -> RobustMutexModel.Output)] = []
        var state = model().initialState(of: "x")
        var ceilings = [0, 3, 5, 9, 100, 50].makeIterator()
        for choice in operations {
            // Undefined (not judged) when held; a robust one this thread holds would stay on its robust list.
            let held = state.holder != nil || state.word == .deadHolder
            switch choice {
            case 0...1: steps.append((.lock(process: 1), { outcome { try mutex.lock(tryOnly: false) } }))
            case 2...3: steps.append((.tryLock(process: 1), { outcome { try mutex.lock(tryOnly: true) } }))
            case 4...5: steps.append((.unlock(process: 1), { done { try mutex.unlock() } }))
            case 10...12:
                // timedlock with a deadline already past, clocklock with an invalid deadline, clocklock on a clock
                // glibc refuses: where the model has the call sleep, the agreement skips it.
                let timeout: Timeout = choice == 11 ? .invalid : .milliseconds(0)
                let clock: WaitClock? = choice == 10 ? nil : choice == 11 ? .monotonic : .unsupported
                steps.append((.timedLock(process: 1, timeout: timeout, clock: clock), {
                    let deadline = timeout == .invalid ? Syscall.invalidDeadline : timespec(tv_sec: 0, tv_nsec: 0)
                    let id: clockid_t? = clock.map { $0 == .unsupported ? CLOCK_BOOTTIME : CLOCK_MONOTONIC }
                    return outcome { try mutex.timedLock(deadline: deadline, clock: id) }
                }))
            case 13 where !(held && state.robust):
                steps.append((.destroy(process: 1), { done { try mutex.destroy() } }))
            case 14...19 where !held:
                let robust = choice % 2 == 0
                let type: RobustMutexModel.MutexType = choice < 16 ? .errorCheck : choice < 18 ? .normal : .recursive
                let kernelType: RobustMutex.MutexType = choice < 16 ? .errorCheck : choice < 18 ? .normal : .recursive
                steps.append((.initialize(process: 1, robust: robust, type: type), {
                    done { try mutex.initialize(robust: robust, type: kernelType) }
                }))
            case 20...22 where !held:
                let type: RobustMutexModel.MutexType = choice == 20 ? .errorCheck : choice == 21 ? .normal : .recursive
                let kernelType: RobustMutex.MutexType = choice == 20 ? .errorCheck : choice == 21 ? .normal : .recursive
                steps.append((.initialize(process: 1, robust: true, type: type, protocol: .inherit), {
                    done { try mutex.initialize(robust: true, type: kernelType, protocol: .inherit) }
                }))
            case 23:
                steps.append((.initialize(process: 1, robust: true, protocol: .protect), {
                    done { try mutex.initialize(robust: true, protocol: .protect) }
                }))
            case 24...29 where !held:
                let types: [(RobustMutexModel.MutexType, RobustMutex.MutexType)] = [(.errorCheck, .errorCheck), (.normal, .normal), (.recursive, .recursive)]
                let (type, kernelType) = types[(choice - 24) % 3]
                let protect = choice >= 27
                steps.append((.initialize(process: 1, robust: false, type: type, protocol: protect ? .protect : .inherit, ceiling: 5), {
                    done { try mutex.initialize(robust: false, type: kernelType, protocol: protect ? .protect : .inherit, ceiling: protect ? 5 : nil) }
                }))
            case 30:
                steps.append((.getCeiling(process: 1), {
                    do { return .ceiling(Int(try mutex.priorityCeiling())) } catch { return .failed(errorCode(error)) }
                }))
            case 31 where state.word != .free && !(state.holder == 1 && state.type != .normal):
                // Asleep for good on a word another holds, or on its own normal one: one thread cannot wait for itself.
                continue
            case 31:
                let ceiling = ceilings.next() ?? 7
                steps.append((.setCeiling(process: 1, ceiling: ceiling), {
                    do { return .oldCeiling(Int(try mutex.setPriorityCeiling(Int32(ceiling)))) } catch { return .failed(errorCode(error)) }
                }))
            case 6, 13...29: steps.append((.consistent(process: 1), { done { try mutex.consistent() } }))
            default:
                // Another thread trylocks and exits: two model steps, the trylock and the exit.
                nonisolated(unsafe) var result = RobustMutexModel.Output.done
                steps.append((.tryLock(process: 2), {
                    TestThread { result = outcome { try mutex.lock(tryOnly: true) } }.join()
                    return result
                }))
                steps.append((.exit(process: 2), { .done }))
                state = model().transitions(state, .tryLock(process: 2)).first?.state ?? state
                state = model().transitions(state, .exit(process: 2)).first?.state ?? state
                continue
            }
            state = model().transitions(state, steps[steps.count - 1].0).first?.state ?? state
        }
        // One thread is process 1 throughout, and ends before the memory is unmapped: robust mutexes belong
        // to threads, and a thread's robust list must not point into memory that is gone.
        nonisolated(unsafe) var problem: String?
        TestThread {
            if let belief {
                problem = ModelAgreement(model: WrongMutexModel(model: model(), belief: belief), object: "x").firstDisagreement(steps)
            } else {
                problem = ModelAgreement(model: model(), object: "x").firstDisagreement(steps)
            }
        }.join()
        return problem
    }

    func model() -> RobustMutexModel { RobustMutexModel(mutexes: ["x"], schedulingKnown: ["x"]) }

    /// The agreement can fail: each plausible wrong belief about stalled mutexes with a protocol disagrees with the
    /// kernel on the directed sequences.
    @Test(arguments: WrongMutexBelief.allCases) func robustMutexAgreementRejectsAWrongBelief(_ belief: WrongMutexBelief) {
        let found = Self.directedMutexSequences.contains { robustMutexDisagreement($0, belief: belief) != nil }
        #expect(found, "\(belief)")
    }

    // MARK: Shared memory: two mappings in one process are one memory

    static let wordOperations = zip(Gen.int(in: 0...9), Gen.int(in: 0...3), Gen.int(in: -5...5))

    /// The object is 2 pages of words mapped, 32 bytes long at first: `ftruncate` (to 0, 8, 12, 40, 4096, 8192 or
    /// -1) zeroes what a shrink cuts and moves where `SIGBUS` starts; `shm_open` with `O_CREAT`, `O_EXCL`, `O_TRUNC`,
    /// `O_RDONLY` (a `PROT_READ` mapping, or `EACCES` for `PROT_WRITE`) and refused names; `fstat`'s size. One
    /// process's calls of ``PosixSharedMemoryAgreementTests/disagreement(_:)`` (which has the mappings' calls too).
    @Test func posixSharedMemoryAgreesWithItsModel() async {
        await checkProperty(count: Self.cases, input: Self.wordOperations.array(of: 1...40)) { operations throws in
            if let problem = try PosixSharedMemoryAgreementTests.disagreement(operations) { Issue.record("\(problem)") }
        }
    }

    /// `SHM_STAT`, `SHM_STAT_ANY`, `IPC_INFO` and `SHM_INFO` before the removal, after it while attached, and once
    /// destroyed, with a page written between (`shm_rss`).
    @Test func systemVSharedMemoryInfoAndStatAtIndexAgree() throws {
        let stat = [(8, 2, 0), (8, 2, 1), (8, 3, 0), (8, 3, 1)]
        let operations = stat + [(1, 0, 5)] + stat + [(9, 0, -5)] + stat + [(7, 0, 0)] + stat
        if let problem = try Self.sharedMemoryDisagreement(operations) { Issue.record("\(problem)") }
    }

    /// shmat's addresses and flags, directed: at the set-up attachment without and with SHM_REMAP (read-only: the
    /// store after it SIGSEGV), unaligned without and with SHM_RND, NULL with SHM_REMAP, free with SHM_EXEC, then
    /// the attachments detached one by one (the remap counted once) and the status.
    @Test func systemVSharedMemoryAttachAddressesAgree() throws {
        let operations = [(6, 3, 2), (6, 3, -3), (1, 0, 5), (8, 0, 0), (6, 2, 2), (6, 2, 1), (6, 0, 0), (6, 1, 5), (8, 0, 0),
                          (7, 0, 0), (7, 0, 0), (7, 0, 0), (8, 0, 0), (7, 0, 0), (6, 3, 4), (8, 0, 0)]
        if let problem = try Self.sharedMemoryDisagreement(operations) { Issue.record("\(problem)") }
    }

    @Test func systemVSharedMemoryAgreesWithItsModel() async {
        await checkProperty(count: Self.cases, input: Self.wordOperations.array(of: 1...40)) { operations throws in
            if let problem = try Self.sharedMemoryDisagreement(operations) { Issue.record("\(problem)") }
        }
    }

    /// Where a fresh segment of 4 words, attached once by this process (1), and the model first disagree on
    /// `operations`, if anywhere: each (choice, index, amount) — 0…4 an access (3 and 4 at an odd index: of word
    /// 508 + index, past the segment's size in its page), 5…6 `shmat` (`SHM_RDONLY` for an
    /// amount below −2; 6 with an address and flags unless index 0 and amount ≤ 3), 7 `shmdt`, 8 `IPC_STAT` (with the times and `SHM_LOCKED`; at index 2 `SHM_STAT`, or
    /// `SHM_STAT_ANY` for an odd amount; at index 3 `IPC_INFO`, or `SHM_INFO` for an odd amount), 9 `shmget` (amount above 0),
    /// `IPC_SET` of the mode (amount 0), `SHM_LOCK` (−1), `SHM_UNLOCK` (−2) or `IPC_RMID`.
    static func sharedMemoryDisagreement(_ operations: [(Int, Int, Int)]) throws -> String? {
        // Forks held off: a child another test forked meanwhile would hold copies of the segment's attachments.
        try Syscall.withoutConcurrentSpawns { () throws in try sharedMemoryDisagreementAlone(operations) }
    }

    static func sharedMemoryDisagreementAlone(_ operations: [(Int, Int, Int)]) throws -> String? {
        let key = SystemVKeyFactsTests.key()
        let segment = try Syscall.shmget(key, size: 32, flags: IPC_CREAT | IPC_EXCL | 0o600)
        var attachments = [try SystemVSharedMemorySegments.attach(segment, size: 32)]
        defer {
            for attachment in attachments { try? SystemVSharedMemorySegments.detach(attachment) }
            try? Syscall.shmRemove(segment)
        }
        let model = SystemVSharedMemoryModel(segments: [("g", .init(words: 4, attached: [1]))])
        let steps = operations.map { choice, index, amount -> (SystemVSharedMemoryModel.Input, () throws -> SystemVSharedMemoryModel.Output) in
            switch choice {
            case 0...4:
                let access = Self.access(choice, choice >= 3 && index % 2 == 1 ? 508 + index : index, amount)
                return (.access(process: 1, access), {
                    switch Self.perform(access, attachments.last) {
                    case .accessed(let result): return .accessed(result)
                    case .failed(let code): return .failed(code)
                    case .done, .size, .closeOnExec, .oldUmask, .statusFlags, .data, .written, .offset, .residency: return .done
                    }
                })
            case 6 where index != 0 || amount > 3:
                // shmat with an address (NULL, free, unaligned, at the latest attachment) and SHM_RND (odd amount),
                // SHM_REMAP (amount ≤ 0), SHM_RDONLY (below −2), SHM_EXEC (5).
                let address = SystemVSharedMemoryModel.AttachHint.Address.allCases[index % 4]
                let hint = SystemVSharedMemoryModel.AttachHint(
                    address: address, readOnly: amount < -2, round: amount % 2 != 0, remap: amount <= 0, exec: amount == 5)
                return (.attachAt(process: 1, hint: hint), {
                    let placement: SystemVSharedMemorySegments.Placement
                    switch address {
                    case .null: placement = .kernel
                    case .free: placement = .free
                    case .unaligned: placement = .unaligned
                    case .overlapping: placement = attachments.last.map { .at($0) } ?? .free
                    }
                    let flags = (hint.readOnly ? SHM_RDONLY : 0) | (hint.round ? SHM_RND : 0) | (hint.remap ? SHM_REMAP : 0) | (hint.exec ? SHM_EXEC : 0)
                    do {
                        let attached = try SystemVSharedMemorySegments.attach(segment, size: 32, at: placement, flags: CInt(flags))
                        if case .at = placement, hint.remap { attachments.removeLast() }
                        attachments.append(attached)
                        return .done
                    } catch { return .failed(errorCode(error)) }
                })
            case 5...6:
                // SHM_RDONLY now and then: a store or add through it is refused with SIGSEGV.
                let readOnly = amount < -2
                return (.attach(process: 1, readOnly: readOnly), {
                    do {
                        attachments.append(try SystemVSharedMemorySegments.attach(segment, size: 32, readOnly: readOnly))
                        return .done
                    } catch { return .failed(errorCode(error)) }
                })
            case 7:
                return (.detach(process: 1), {
                    guard let attachment = attachments.popLast() else { return .failed(.EINVAL) }
                    try SystemVSharedMemorySegments.detach(attachment)
                    return .done
                })
            case 8 where index == 2:
                // SHM_STAT or SHM_STAT_ANY of the segment's index; another segment there means this one's is free.
                return (.statusAtIndex(process: 1, any: amount % 2 != 0), {
                    do {
                        let found = try Syscall.shmStatus(index: Int(segment.id & 0x7fff), any: amount % 2 != 0)
                        return found.id == segment.id ? sharedMemoryStatus(found.status) : .failed(.EINVAL)
                    } catch { return .failed(errorCode(error)) }
                })
            case 8 where index == 3:
                return (.info(process: 1, counts: amount % 2 != 0), {
                    do {
                        let info = try Syscall.shmInfo(counts: amount % 2 != 0)
                        return .info(index: info.index, fields: SystemVSharedMemoryModel.infoFields(info.fields))
                    } catch { return .failed(errorCode(error)) }
                })
            case 8:
                return (.status(process: 1), {
                    do { return sharedMemoryStatus(try SystemVSharedMemorySegments.status(segment)) } catch { return .failed(errorCode(error)) }
                })
            case 9 where amount > 0:
                // shmget of the key: found up to its size, EEXIST exclusive, ENOENT once removed (even attached).
                let size = [0, 32, 33, 16][index]
                let create = amount >= 3
                let exclusive = amount == 5 || amount == 2
                return (.get(process: 1, size: size, create: create, exclusive: exclusive), {
                    do {
                        let found = try Syscall.shmget(key, size: size, flags: (create ? IPC_CREAT | 0o600 : 0) | (exclusive ? IPC_EXCL : 0))
                        if found != segment { try? Syscall.shmRemove(found) }
                        return .done
                    } catch { return .failed(errorCode(error)) }
                })
            case 9 where amount == 0:
                return (.setPermissions(process: 1, mode: 0o600, owner: nil), {
                    do { try Syscall.shmSet(segment, mode: 0o600, owner: nil); return .done } catch { return .failed(errorCode(error)) }
                })
            case 9 where amount == -1 || amount == -2:
                return (.lock(process: 1, locked: amount == -1), {
                    do { try Syscall.shmLock(segment, lock: amount == -1); return .done } catch { return .failed(errorCode(error)) }
                })
            default:
                return (.remove(process: 1), {
                    do { try SystemVSharedMemorySegments.remove(segment); return .done } catch { return .failed(errorCode(error)) }
                })
            }
        }
        return ModelAgreement(model: model, object: "g").firstDisagreement(steps)
    }

    /// `IPC_STAT`'s answer as the model's output: this process is process 1.
    static func sharedMemoryStatus(_ status: SharedMemoryStatus) -> SystemVSharedMemoryModel.Output {
        let last = status.lastPID == getpid() ? 1 : status.lastPID == 0 ? 0 : -1
        return .status(
            attachments: status.attachments, removed: status.markedForRemoval, size: status.size, lastProcess: last,
            times: [status.attachTime, status.detachTime, status.changeTime], locked: status.locked)
    }

    static func access(_ choice: Int, _ index: Int, _ amount: Int) -> WordAccess {
        switch choice % 3 {
        case 0: .load(index: index)
        case 1: .store(index: index, value: Int64(amount))
        default: .add(index: index, delta: Int64(amount))
        }
    }

    /// The access as the workers make it: guarded, a refusing signal (`SIGSEGV`, `SIGBUS`) its error.
    static func perform(_ access: WordAccess, _ words: SharedWords?) -> PosixSharedMemoryModel.Output {
        guard let words else { return .failed(.EFAULT) }
        do {
            switch access {
            case .load(let index): return .accessed(.value(Int64(bitPattern: try words.guardedLoad(index))))
            case .store(let index, let value):
                try words.guardedStore(index, UInt64(bitPattern: value))
                return .accessed(.stored)
            case .add(let index, let delta): return .accessed(.value(Int64(bitPattern: try words.guardedAdd(index, UInt64(bitPattern: delta)))))
            }
        } catch { return .failed(errorCode(error)) }
    }
}

/// Wrong beliefs about stalled mutexes with a protocol, for showing that the agreement catches them.
enum WrongMutexBelief: CaseIterable, Sendable {
    /// A stalled PI mutex's holder trylock is EBUSY, as without a protocol.
    case stalledPIDoesNotCheckItsOwner
    /// setprioceiling returns the new ceiling.
    case setCeilingReturnsTheNewCeiling
    /// A priority-protect lock never fails EINVAL (glibc's failed raise ignored).
    case priorityProtectLockNeverFails
}

/// The robust-mutex model with one belief made wrong.
struct WrongMutexModel: TransitionModel {
    typealias State = RobustMutexModel.State
    typealias Input = RobustMutexModel.Input
    typealias Output = RobustMutexModel.Output
    let model: RobustMutexModel
    let belief: WrongMutexBelief

    func initialState(of object: String) -> State { model.initialState(of: object) }
    func describe(_ input: Input, _ output: Output?) -> String { model.describe(input, output) }
    func describe(_ state: State) -> String { model.describe(state) }
    func wakeUps(of input: Input) -> [Output] { model.wakeUps(of: input) }

    func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        let right = model.transitions(state, input)
        switch (belief, input) {
        case (.stalledPIDoesNotCheckItsOwner, .tryLock(let process)) where !state.robust && state.protocol == .inherit && state.holder == process:
            return [Transition(.failed(.EBUSY), state)]
        case (.setCeilingReturnsTheNewCeiling, .setCeiling(_, let ceiling)):
            return right.map { transition in
                guard case .oldCeiling? = transition.output else { return transition }
                return Transition(.oldCeiling(ceiling), transition.state)
            }
        case (.priorityProtectLockNeverFails, .lock(let process)), (.priorityProtectLockNeverFails, .tryLock(let process)):
            guard state.protocol == .protect, right.contains(where: { $0.output == .failed(.EINVAL) }) else { return right }
            var raised = state
            raised.raised[process] = 99
            return model.transitions(raised, input)
        default:
            return right
        }
    }
}
