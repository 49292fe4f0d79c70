import Glibc
import IPCHarness
import IPCMechanisms
import IPCModels
import IPCSyscalls
import Testing

/// The workers' System V bindings make the calls the kernel refuses first (``SystemVInvalidCall``) for real: an
/// unknown `*ctl` command on the object's id, and a call with a negative id in place of the object's, each read from
/// the trace form by the model and answered by the kernel as the model says; the object is untouched.
@Suite struct SystemVInvalidCallBindingTests {
    static func object(_ kind: String, _ setup: JSONObject, _ parameters: JSONValue) -> WorkerObject {
        WorkerObject(name: "q0", kind: kind, roles: ["use"], setup: setup, modelParameters: parameters, context: WorkerContext(process: 1, pids: [1: getpid()]))
    }

    /// Performs each trace-form call through `binding`, expecting the model's one answer.
    static func agree<M: TraceModel & TransitionModel>(
        _ model: M, _ binding: inout any ObjectBinding<M>, _ calls: [(String, JSONValue)]
    ) throws where M.Output: Equatable {
        for (f, value) in calls {
            let input = try model.input(from: Call(process: 1, object: "q0", f: f, value: value))
            let expected = model.transitions(model.initialState(of: "q0"), input).map(\.output)
            let actual: M.Output
            do { actual = try binding.perform(input) } catch { actual = try model.output(from: .fail(ErrorCode(error.name)), for: input) }
            #expect(expected == [actual], "\(f) \(value)")
        }
    }

    @Test func messageQueueBindingMakesThem() throws {
        let queue = try SystemVMessageQueues.create(key: IPC_PRIVATE, capacity: nil)
        defer { try? SystemVMessageQueues.remove(queue) }
        let parameters: JSONValue = ["objects": ["q0": ["capacity": 16384]]]
        let model = try SystemVMessageQueueModel(parameters: parameters)
        var binding = try SystemVMessageQueueKind.binding(
            for: Self.object("sysv-msg", ["id": .int(Int(queue.id)), "key": 0], parameters), implementation: "kernel.sysv-msg")
        try Self.agree(model, &binding, [
            ("control", ["command": -1]), ("control", ["command": 258, "id": -1]), ("stat", ["id": -1]),
            ("send", ["type": 1, "data": "x", "id": -1]), ("receive", ["type": 0, "max": 8, "nonblocking": true, "id": -1]),
            ("remove", ["id": -1]),
        ])
        #expect(try Syscall.msgStatus(queue).msg_qnum == 0)
    }

    @Test func semaphoreBindingMakesThem() throws {
        let set = try SystemVSemaphores.create(key: IPC_PRIVATE, values: [1, 0])
        defer { try? SystemVSemaphores.remove(set) }
        let parameters: JSONValue = ["objects": ["q0": ["values": [1, 0]]]]
        let model = try SystemVSemaphoreModel(parameters: parameters)
        var binding = try SystemVSemaphoreKind.binding(
            for: Self.object("sysv-sem", ["id": .int(Int(set.id)), "count": 2, "key": 0], parameters), implementation: "kernel.sysv-sem")
        try Self.agree(model, &binding, [
            ("control", ["command": -1]), ("control", ["command": 21, "id": -1]), ("getval", ["num": 0, "id": -1]),
            ("semop", ["ops": [["num": 0, "op": -1]], "nonblocking": true, "id": -1]),
            ("setall", ["values": [5, 5], "id": -1]), ("remove", ["id": -1]),
        ])
        #expect(try SystemVSemaphores.values(set, count: 2) == [1, 0])
    }

    @Test func sharedMemoryBindingMakesThem() throws {
        let segment = try Syscall.shmget(IPC_PRIVATE, size: 32, flags: IPC_CREAT | 0o600)
        defer { try? Syscall.shmRemove(segment) }
        let parameters: JSONValue = ["objects": ["q0": ["words": 4, "attached": []]]]
        let model = try SystemVSharedMemoryModel(parameters: parameters)
        var binding = try SystemVSharedMemoryKind.binding(
            for: Self.object("sysv-shm", ["id": .int(Int(segment.id)), "words": 4, "key": 0], parameters), implementation: "kernel.sysv-shm")
        try Self.agree(model, &binding, [
            ("control", ["command": -1]), ("control", ["command": 16, "id": -1]), ("status", ["id": -1]),
            ("attach", ["id": -1]), ("remove", ["id": -1]),
        ])
        #expect(try SystemVSharedMemorySegments.status(segment).attachments == 0)
    }
}
