import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// What `IPC_STAT` reports of an object's owner and group (`*_perm.uid`, `*_perm.gid`), measured for the three System
/// V mechanisms alike, beside their models' `stat` answers: the creator's ids at first (root here: 0 and 0), the
/// group `IPC_SET` gave from then on, and the group left as it was when `IPC_SET` changes only the owner. A stat
/// that reports the group is judged on it: before, the models had no word for it.
@Suite struct SystemVStatGroupFactsTests {
    /// Each step: `nil` for `IPC_STAT`, or the owner and group an `IPC_SET` by root sets.
    static let steps: [(owner: Int?, group: Int?)?] = [nil, (nil, 1234), nil, (65534, nil), nil, (nil, 4321), nil]
    /// The `(uid, gid)` each stat of ``steps`` reports.
    static let expected = [[0, 0], [0, 1234], [65534, 1234], [65534, 4321]]

    @Test func aMessageQueueReportsItsGroup() throws {
        let queue = try Syscall.msgget(IPC_PRIVATE, flags: IPC_CREAT | 0o640)
        defer { try? Syscall.msgRemove(queue) }
        let kernel = try Self.steps.compactMap { (step) throws(Errno) -> [Int]? in
            guard let step else {
                let status = try Syscall.msgStatus(queue)
                return [Int(status.msg_perm.uid), Int(status.msg_perm.gid)]
            }
            try Syscall.msgSet(queue, capacity: nil, mode: nil, owner: step.owner.map { uid_t($0) }, group: step.group.map { gid_t($0) })
            return nil
        }
        #expect(kernel == Self.expected)
        let model = SystemVMessageQueueModel(queues: [("q", .init(permissions: Permissions(mode: 0o640)))])
        #expect(Self.stats(model) { step in
            step.map { .setPermissions(process: 1, capacity: nil, mode: nil, owner: $0.owner, group: $0.group) } ?? .stat(process: 1)
        } == Self.expected)
    }

    @Test func aSemaphoreSetReportsItsGroup() throws {
        let set = try Syscall.semget(IPC_PRIVATE, count: 1, flags: IPC_CREAT | 0o640)
        defer { try? Syscall.semRemove(set) }
        let kernel = try Self.steps.compactMap { (step) throws(Errno) -> [Int]? in
            guard let step else {
                let status = try Syscall.semStatus(set)
                return [Int(status.ownerUID), Int(status.groupGID)]
            }
            try Syscall.semSet(set, mode: nil, owner: step.owner.map { uid_t($0) }, group: step.group.map { gid_t($0) })
            return nil
        }
        #expect(kernel == Self.expected)
        let model = SystemVSemaphoreModel(sets: [("s", [0])], permissions: ["s": Permissions(mode: 0o640)])
        #expect(Self.stats(model) { step in
            step.map { .setPermissions(process: 1, mode: nil, owner: $0.owner, group: $0.group) } ?? .status(process: 1)
        } == Self.expected)
    }

    @Test func aSharedMemorySegmentReportsItsGroup() throws {
        let segment = try Syscall.shmget(IPC_PRIVATE, size: 4096, flags: IPC_CREAT | 0o640)
        defer { try? Syscall.shmRemove(segment) }
        let kernel = try Self.steps.compactMap { (step) throws(Errno) -> [Int]? in
            guard let step else {
                let status = try Syscall.shmStatus(segment)
                return [Int(status.ownerUID), Int(status.groupGID)]
            }
            try Syscall.shmSet(segment, mode: nil, owner: step.owner.map { uid_t($0) }, group: step.group.map { gid_t($0) })
            return nil
        }
        #expect(kernel == Self.expected)
        let model = SystemVSharedMemoryModel(segments: [("g", .init(words: 512, attached: [], permissions: Permissions(mode: 0o640)))])
        #expect(Self.stats(model) { step in
            step.map { .setPermissions(process: 1, mode: nil, owner: $0.owner, group: $0.group) } ?? .status(process: 1)
        } == Self.expected)
    }

    /// The `(owner, group)` the model's stats of ``steps`` report (its only transition each), as the trace's ok
    /// values carry them.
    static func stats<M: TransitionModel & TraceModel>(_ model: M, input: ((owner: Int?, group: Int?)?) -> M.Input) -> [[Int]] {
        var state = model.initialState(of: model.objects[0])
        var reported: [[Int]] = []
        for step in steps {
            guard let transition = model.transitions(state, input(step)).first, let output = transition.output else { return [] }
            if step == nil, case .ok(let value) = model.outcome(for: output) {
                reported.append([(try? value.required("owner").integer("owner")) ?? -1, (try? value.required("group").integer("group")) ?? -1])
            }
            state = transition.state
        }
        return reported
    }
}
