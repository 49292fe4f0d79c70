import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// Calls the kernel refuses before it looks at any object, on this kernel (LTP's `msgctl04`, `semctl03`, `shmctl02`:
/// the command −1; `msgsnd02`, `msgrcv02`, `semop02`, `shmat02`, and the same three: the id −1):
/// - `msgctl`, `semctl` and `shmctl` with a command the mechanism does not have — −1, 4, 10, 21, 100, 255, 256,
///   `IPC_64 | IPC_STAT` (258: glibc passes the number as given here, x86_64), `INT_MAX`, and each mechanism's
///   neighbours of its own (`msgctl` 14, `shmctl` 16) — fail `EINVAL`, on the object, once it is removed, and on the
///   id −1;
/// - every call that takes an id, made with −1, fails `EINVAL` (`msgsnd` whatever its size, `msgrcv`, `shmat`
///   whatever its address) — but a `semop` of more than 500 operations fails `E2BIG`: the count is checked before
///   the id (the surprise; 0 operations is `EINVAL` either way);
/// - none of them changes the object.
///
/// The models take both in their trace form (``SystemVInvalidCall``: `"control"` with `{"command": N}`, and `"id": N`
/// beside a call's fields) and judge them; each call here goes through the model as the trace form reads it.
@Suite struct SystemVInvalidCallFactsTests {
    static let commands = [-1, 4, 10, 21, 100, 255, 256, 258, Int(Int32.max)]

    /// The model's answer for the trace-form call `f` with `value` on object `o` (one transition expected).
    static func judged<M: TraceModel & TransitionModel>(_ model: M, _ f: String, _ value: JSONValue?, object: String) throws -> M.Output? {
        let input = try model.input(from: Call(process: 1, object: object, f: f, value: value))
        let transitions = model.transitions(model.initialState(of: object), input)
        return transitions.count == 1 ? transitions[0].output : nil
    }

    static func outcome<Output>(_ failed: (ErrorCode) -> Output, done: Output, _ call: () throws(Errno) -> Void) -> Output {
        do throws(Errno) { try call(); return done } catch { return failed(errorCode(error)) }
    }

    @Test func messageQueueCallsWithAnUnknownCommandOrANegativeIdFailEINVAL() throws {
        let model = SystemVMessageQueueModel(queues: [("q", .init(capacity: 16384))])
        let queue = try SystemVMessageQueues.create(key: IPC_PRIVATE, capacity: nil)
        var removed = false
        defer { if !removed { try? SystemVMessageQueues.remove(queue) } }
        func kernel(_ call: () throws(Errno) -> Void) -> SystemVMessageQueueModel.Output {
            Self.outcome({ .failed($0) }, done: .found, call)
        }
        let bad = SystemVMessageQueue(id: -1)
        for id in [queue.id, -1] {
            for command in Self.commands + [14] {
                let actual = kernel { () throws(Errno) in try Syscall.msgControl(id: id, command: CInt(truncatingIfNeeded: command)) }
                #expect(actual == .failed(.EINVAL), "msgctl(\(id), \(command))")
                let value: JSONValue = id < 0 ? ["command": .int(command), "id": .int(Int(id))] : ["command": .int(command)]
                #expect(try Self.judged(model, "control", value, object: "q") == actual)
            }
        }
        let calls: [(String, JSONValue, () throws(Errno) -> Void)] = [
            ("stat", ["id": -1], { () throws(Errno) in _ = try Syscall.msgStatus(bad) }),
            ("remove", ["id": -1], { () throws(Errno) in try Syscall.msgRemove(bad) }),
            ("info", ["command": "IPC_INFO", "id": -1], { () throws(Errno) in try Syscall.msgControl(id: -1, command: 3) }),  // IPC_INFO
            ("send", ["type": 1, "data": "hello", "id": -1], { () throws(Errno) in
                _ = try SystemVMessageQueues.send(bad, type: 1, Array("hello".utf8), nonblocking: true)
            }),
            ("send", ["type": 0, "data": "hello", "id": -1], { () throws(Errno) in
                _ = try SystemVMessageQueues.send(bad, type: 0, Array("hello".utf8), nonblocking: true)
            }),
            ("receive", ["type": 0, "max": 8, "nonblocking": true, "id": -1], { () throws(Errno) in
                _ = try SystemVMessageQueues.receive(bad, maximum: 8, selector: .type(0), truncate: false, nonblocking: true)
            }),
            ("receive", ["type": 0, "max": -1, "nonblocking": true, "id": -1], { () throws(Errno) in
                _ = try Syscall.msgrcv(bad, maximum: -1, type: 0, flags: IPC_NOWAIT, retryOnInterrupt: false)
            }),
        ]
        for (f, value, call) in calls {
            let actual = kernel(call)
            #expect(actual == .failed(.EINVAL), "\(f) \(value)")
            #expect(try Self.judged(model, f, value, object: "q") == actual, "\(f) \(value)")
        }
        #expect(try Syscall.msgStatus(queue).msg_qnum == 0)
        try SystemVMessageQueues.remove(queue)
        removed = true
        #expect(kernel { () throws(Errno) in try Syscall.msgControl(id: queue.id, command: -1) } == .failed(.EINVAL))
    }

    @Test func semaphoreCallsWithAnUnknownCommandOrANegativeIdFailEINVALOrE2BIG() throws {
        let model = SystemVSemaphoreModel(sets: [("s", [1, 0])])
        let set = try SystemVSemaphores.create(key: IPC_PRIVATE, values: [1, 0])
        var removed = false
        defer { if !removed { try? SystemVSemaphores.remove(set) } }
        func kernel(_ call: () throws(Errno) -> Void) -> SystemVSemaphoreModel.Output {
            Self.outcome({ .failed($0) }, done: .done, call)
        }
        for id in [set.id, -1] {
            for command in Self.commands {
                let actual = kernel { () throws(Errno) in try Syscall.semControl(id: id, command: CInt(truncatingIfNeeded: command)) }
                #expect(actual == .failed(.EINVAL), "semctl(\(id), \(command))")
                let value: JSONValue = id < 0 ? ["command": .int(command), "id": .int(Int(id))] : ["command": .int(command)]
                #expect(try Self.judged(model, "control", value, object: "s") == actual)
            }
        }
        let bad = SystemVSemaphoreSet(id: -1)
        func semop(_ count: Int) -> () throws(Errno) -> Void {
            { () throws(Errno) in
                _ = try SystemVSemaphores.perform(bad, Array(repeating: SemaphoreOperation(number: 0, change: 1), count: count), nonblocking: true)
            }
        }
        func ops(_ count: Int) -> JSONValue { .array(Array(repeating: ["num": 0, "op": 1], count: count)) }
        let calls: [(String, JSONValue, ErrorCode, () throws(Errno) -> Void)] = [
            ("semop", ["ops": ops(1), "nonblocking": true, "id": -1], .EINVAL, semop(1)),
            ("semop", ["ops": ops(0), "nonblocking": true, "id": -1], .EINVAL, semop(0)),
            ("semop", ["ops": ops(501), "nonblocking": true, "id": -1], .E2BIG, semop(501)),
            ("getval", ["num": 0, "id": -1], .EINVAL, { () throws(Errno) in _ = try Syscall.semValue(bad, number: 0) }),
            ("setval", ["num": 0, "value": 1, "id": -1], .EINVAL, { () throws(Errno) in try Syscall.semSetValue(bad, number: 0, value: 1) }),
            ("getall", ["id": -1], .EINVAL, { () throws(Errno) in _ = try Syscall.semValues(bad, count: 2) }),
            ("getpid", ["num": 0, "id": -1], .EINVAL, { () throws(Errno) in _ = try Syscall.semLastProcess(bad, number: 0) }),
            ("stat", ["id": -1], .EINVAL, { () throws(Errno) in _ = try Syscall.semStatus(bad) }),
            ("remove", ["id": -1], .EINVAL, { () throws(Errno) in try Syscall.semRemove(bad) }),
        ]
        for (f, value, expected, call) in calls {
            let actual = kernel(call)
            #expect(actual == .failed(expected), "\(f) \(value)")
            #expect(try Self.judged(model, f, value, object: "s") == actual, "\(f) \(value)")
        }
        #expect(try SystemVSemaphores.values(set, count: 2) == [1, 0])
        try SystemVSemaphores.remove(set)
        removed = true
        #expect(kernel { () throws(Errno) in try Syscall.semControl(id: set.id, command: -1) } == .failed(.EINVAL))
    }

    @Test func sharedMemoryCallsWithAnUnknownCommandOrANegativeIdFailEINVAL() throws {
        let model = SystemVSharedMemoryModel(segments: [("g", .init(words: 4, attached: []))])
        let segment = try Syscall.shmget(IPC_PRIVATE, size: 32, flags: IPC_CREAT | 0o600)
        var removed = false
        defer { if !removed { try? Syscall.shmRemove(segment) } }
        func kernel(_ call: () throws(Errno) -> Void) -> SystemVSharedMemoryModel.Output {
            Self.outcome({ .failed($0) }, done: .done, call)
        }
        for id in [segment.id, -1] {
            for command in Self.commands + [16] {
                let actual = kernel { () throws(Errno) in try Syscall.shmControl(id: id, command: CInt(truncatingIfNeeded: command)) }
                #expect(actual == .failed(.EINVAL), "shmctl(\(id), \(command))")
                let value: JSONValue = id < 0 ? ["command": .int(command), "id": .int(Int(id))] : ["command": .int(command)]
                #expect(try Self.judged(model, "control", value, object: "g") == actual)
            }
        }
        let bad = SystemVSharedMemory(id: -1)
        let calls: [(String, JSONValue, () throws(Errno) -> Void)] = [
            ("attach", ["id": -1], { () throws(Errno) in _ = try SystemVSharedMemorySegments.attach(bad, size: 32) }),
            ("attach", ["address": "unaligned", "id": -1], { () throws(Errno) in
                _ = try SystemVSharedMemorySegments.attach(bad, size: 32, at: .unaligned, flags: 0)
            }),
            ("status", ["id": -1], { () throws(Errno) in _ = try SystemVSharedMemorySegments.status(bad) }),
            ("remove", ["id": -1], { () throws(Errno) in try Syscall.shmRemove(bad) }),
            ("lock", ["id": -1], { () throws(Errno) in try Syscall.shmLock(bad, lock: true) }),
        ]
        for (f, value, call) in calls {
            let actual = kernel(call)
            #expect(actual == .failed(.EINVAL), "\(f) \(value)")
            #expect(try Self.judged(model, f, value, object: "g") == actual, "\(f) \(value)")
        }
        #expect(try SystemVSharedMemorySegments.status(segment).attachments == 0)
        try Syscall.shmRemove(segment)
        removed = true
        #expect(kernel { () throws(Errno) in try Syscall.shmControl(id: segment.id, command: -1) } == .failed(.EINVAL))
    }

    /// The trace form refuses what it cannot judge: a non-negative id (it may name another object), a `"control"`
    /// of a command the model has a call for, and an id on a call that takes none.
    @Test func theTraceFormRefusesWhatItCannotJudge() {
        let queue = SystemVMessageQueueModel(queues: [("q", .init(capacity: 16384))])
        for (f, value): (String, JSONValue) in [("stat", ["id": 5]), ("control", ["command": 2]), ("control", ["command": 13]), ("get", ["id": -1])] {
            #expect(throws: ModelError.self) { try queue.input(from: Call(process: 1, object: "q", f: f, value: value)) }
        }
        let set = SystemVSemaphoreModel(sets: [("s", [0])])
        #expect(throws: ModelError.self) { try set.input(from: Call(process: 1, object: "s", f: "control", value: ["command": 17])) }
        let segment = SystemVSharedMemoryModel(segments: [("g", .init(words: 4, attached: []))])
        for (f, value): (String, JSONValue) in [("control", ["command": 11]), ("detach", ["id": -1]), ("load", ["index": 0, "id": -1])] {
            #expect(throws: ModelError.self) { try segment.input(from: Call(process: 1, object: "g", f: f, value: value)) }
        }
    }

    /// Random sequences of ordinary calls on a queue (sends, nonblocking receives, stats) with unknown commands and
    /// negative-id calls among them, run on the kernel and judged by the model: the invalid ones change nothing the
    /// ordinary ones then see.
    @Test func invalidCallsAmongOrdinaryOnesAgreeWithTheModel() async {
        let choices = Gen.int(in: 0...7).array(of: 1...30)
        await checkProperty(count: 40, input: choices) { choices throws in
            if let problem = try Self.queueDisagreement(choices) { Issue.record("\(problem)") }
        }
    }

    static func queueDisagreement(_ choices: [Int]) throws -> String? {
        let queue = try SystemVMessageQueues.create(key: IPC_PRIVATE, capacity: 64)
        defer { try? SystemVMessageQueues.remove(queue) }
        let model = SystemVMessageQueueModel(queues: [("q", .init(capacity: 64))])
        typealias Output = SystemVMessageQueueModel.Output
        func kernel(_ call: @escaping () throws(Errno) -> Output) -> () throws -> Output {
            { do throws(Errno) { return try call() } catch { return .failed(errorCode(error)) } }
        }
        let bad = SystemVMessageQueue(id: -1)
        let steps = try choices.enumerated().map { index, choice throws -> (input: SystemVMessageQueueModel.Input, kernel: () throws -> Output) in
            let data = Array("m\(index)".utf8)
            switch choice {
            case 0, 1:
                return (.send(process: 1, type: 1 + index % 3, data: data, nonblocking: true), kernel { () throws(Errno) in
                    guard try SystemVMessageQueues.send(queue, type: 1 + index % 3, data, nonblocking: true) == .completed(data.count) else {
                        throw .wouldBlock
                    }
                    return .sent
                })
            case 2:
                return (.receive(process: 1, type: 0, max: 16, except: false, truncate: false, nonblocking: true), kernel { () throws(Errno) in
                    guard case .completed(let message) = try SystemVMessageQueues.receive(
                        queue, maximum: 16, selector: .type(0), truncate: false, nonblocking: true) else { throw .noMessage }
                    return .received(.init(type: message.type, data: message.data))
                })
            case 3:
                return (.stat(process: 1), kernel { () throws(Errno) in
                    let status = try Syscall.msgStatus(queue)
                    return .status(.init(messages: Int(status.msg_qnum), bytes: Int(status.__msg_cbytes), capacity: Int(status.msg_qbytes)))
                })
            case 4, 5:
                let command = Self.commands[index % Self.commands.count]
                let input = try model.input(from: Call(process: 1, object: "q", f: "control", value: ["command": .int(command)]))
                return (input, kernel { () throws(Errno) in
                    try Syscall.msgControl(id: queue.id, command: CInt(truncatingIfNeeded: command))
                    return .found
                })
            case 6:
                let input = try model.input(from: Call(process: 1, object: "q", f: "send", value: ["type": 1, "data": "x", "id": -1]))
                return (input, kernel { () throws(Errno) in
                    _ = try SystemVMessageQueues.send(bad, type: 1, Array("x".utf8), nonblocking: true)
                    return .sent
                })
            default:
                let input = try model.input(from: Call(process: 1, object: "q", f: "remove", value: ["id": -1]))
                return (input, kernel { () throws(Errno) in
                    try Syscall.msgRemove(bad)
                    return .removed
                })
            }
        }
        return ModelAgreement(model: model, object: "q").firstDisagreement(steps)
    }
}
