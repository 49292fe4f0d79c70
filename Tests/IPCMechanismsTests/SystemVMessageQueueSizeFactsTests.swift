import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `msgsnd`'s `msgsz` apart from the data it points at, on this kernel (a C probe first; LTP's `msgsnd02`, whose
/// `msgsz` −1 case this is): `do_msgsnd` refuses a size above `msgmax` — a negative one is a `size_t` above it —
/// with `EINVAL` before anything else: before the type (0 too), before a full queue's `EAGAIN`, before the
/// permission check's `EACCES`, and without reading the text; nothing is queued. A size below the data's sends its
/// prefix. The `sysv-msg` model reads `"size"` beside `send`'s data (``SystemVMessageQueueModel/Input/oversizedSend``);
/// each fact is asked of it through the trace form.
@Suite struct SystemVMessageQueueSizeFactsTests {
    static let oversized = [-1, Int.min, 8193, Int.max]

    static func judged(_ model: SystemVMessageQueueModel, _ state: SystemVMessageQueueModel.State, _ value: JSONValue, process: Int = 1) throws -> [SystemVMessageQueueModel.Output?] {
        let input = try model.input(from: Call(process: process, object: "q", f: "send", value: value))
        return model.transitions(state, input).map(\.output)
    }

    static func kernel(_ call: () throws(Errno) -> Void) -> SystemVMessageQueueModel.Output {
        do throws(Errno) { try call(); return .sent } catch { return .failed(errorCode(error)) }
    }

    @Test func aSizeAboveMsgmaxFailsEINVALBeforeTheTypeAndAFullQueue() throws {
        let queue = try SystemVMessageQueues.create(key: IPC_PRIVATE, capacity: nil)
        defer { try? SystemVMessageQueues.remove(queue) }
        #expect(try Syscall.msgInfo(counts: false).fields["msgmax"] == 8192)
        let model = SystemVMessageQueueModel(queues: [("q", .init(capacity: 16384))])
        var state = model.initialState(of: "q")
        for size in Self.oversized {
            for type in [1, 0] {
                let actual = Self.kernel { () throws(Errno) in
                    try Syscall.msgsnd(queue, type: type, Array("hello".utf8), flags: IPC_NOWAIT, declaredSize: size)
                }
                #expect(actual == .failed(.EINVAL), "msgsnd type \(type) size \(size)")
                #expect(try Self.judged(model, state, ["type": .int(type), "data": "hello", "size": .int(size), "nonblocking": true]) == [actual])
            }
        }
        #expect(try Syscall.msgStatus(queue).msg_qnum == 0)

        // A prefix: the message is the first `size` bytes.
        try Syscall.msgsnd(queue, type: 1, Array("abc".utf8), flags: IPC_NOWAIT, declaredSize: 2)
        let input = try model.input(from: Call(process: 1, object: "q", f: "send", value: ["type": 1, "data": "abc", "size": 2, "nonblocking": true]))
        #expect(input == .send(process: 1, type: 1, data: Array("ab".utf8), nonblocking: true))
        state = model.transitions(state, input)[0].state
        let received = try Syscall.msgrcv(queue, maximum: 16, type: 0, flags: IPC_NOWAIT)
        #expect(received.text == Array("ab".utf8))
        #expect(state.messages.map(\.data) == [Array("ab".utf8)])

        // A full queue (msg_qbytes 0): a size of 1 waits (EAGAIN with IPC_NOWAIT), an oversized one is EINVAL.
        try Syscall.msgSetCapacity(queue, bytes: 0)
        let full = SystemVMessageQueueModel(queues: [("q", .init(capacity: 0))])
        for (size, expected) in [(1, ErrorCode.EAGAIN), (-1, .EINVAL)] {
            let actual = Self.kernel { () throws(Errno) in
                try Syscall.msgsnd(queue, type: 1, Array("x".utf8), flags: IPC_NOWAIT, declaredSize: size)
            }
            #expect(actual == .failed(expected), "full queue, size \(size)")
            #expect(try Self.judged(full, full.initialState(of: "q"), ["type": 1, "data": "x", "size": .int(size), "nonblocking": true]) == [actual])
        }
    }

    /// A process without write permission: `EACCES` for a size within `msgmax`, `EINVAL` for one above it.
    @Test func aSizeAboveMsgmaxFailsEINVALBeforeThePermissionCheck() throws {
        let queue = try SystemVMessageQueues.create(key: IPC_PRIVATE, capacity: nil)
        defer { try? SystemVMessageQueues.remove(queue) }
        try Syscall.msgSet(queue, capacity: nil, mode: 0o600, owner: nil, group: nil)
        let buffer = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 1, count: 2)  // mtype 1, then 8 bytes of text
        let id = queue.id
        let results = ForkedChildren.run(count: 1, slots: 2) { _, slots in
            guard setgroups(0, nil) == 0, setgid(65534) == 0, setuid(65534) == 0 else { return }
            slots[0] = msgsnd(id, buffer, 1, IPC_NOWAIT) == 0 ? 0 : Int(errno)
            slots[1] = msgsnd(id, buffer, Int(bitPattern: UInt.max), IPC_NOWAIT) == 0 ? 0 : Int(errno)
        }
        #expect(results == [[Int(EACCES), Int(EINVAL)]])
        #expect(try Syscall.msgStatus(queue).msg_qnum == 0)

        let model = SystemVMessageQueueModel(queues: [("q", .init(capacity: 16384, permissions: Permissions(mode: 0o600, owner: 0, users: [2: .init(uid: 65534, gid: 65534)])))])
        let state = model.initialState(of: "q")
        #expect(try Self.judged(model, state, ["type": 1, "data": "x", "nonblocking": true], process: 2) == [.failed(.EACCES)])
        #expect(try Self.judged(model, state, ["type": 1, "data": "x", "size": -1, "nonblocking": true], process: 2) == [.failed(.EINVAL)])
    }

    /// A size past the data but within `msgmax` would send bytes the trace does not have: refused, not judged.
    @Test func aSizePastTheDataWithinMsgmaxIsRefused() {
        let model = SystemVMessageQueueModel(queues: [("q", .init(capacity: 16384))])
        #expect(throws: ModelError.self) {
            _ = try model.input(from: Call(process: 1, object: "q", f: "send", value: ["type": 1, "data": "abc", "size": 100]))
        }
    }
}
