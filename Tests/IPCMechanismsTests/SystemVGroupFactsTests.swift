import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// The group in `IPC_SET` (`msg_perm.gid`, `sem_perm.gid`, `shm_perm.gid`; the `set` call's `"group"`), measured
/// for the three System V mechanisms alike, and the models' verdicts on the same calls: the owner (root, or a user
/// `IPC_SET` made the owner) may set any group — one it is not in too; anyone else fails `EPERM`; from then on a
/// process whose group is the object's gets the group's bits (`IPC_STAT` needs read), where before it got the
/// others'. Exit tests: the children fork, and a fork copies every attachment, which other shm tests would see.
@Suite struct SystemVGroupFactsTests {
    /// One mechanism's calls on an object the test made with mode 0640, owned by root, group 0: `IPC_STAT`, and
    /// `IPC_SET` of the group or the owner; and its model over the processes 2 (uid 65534, gid 1234), 3 (65534,
    /// 65534) and 4 (1000, 4321).
    struct Mechanism: Sendable, CustomStringConvertible {
        var description: String
        /// The object's kind for the forked children's C calls (`ipc_sysv_kind`).
        var kind: CInt
        var make: @Sendable () throws(Errno) -> (id: CInt, remove: @Sendable () -> Void)
        /// Whether the mechanism's model agrees with the kernel outcomes of ``steps``.
        var modelDisagreement: @Sendable (_ outcomes: [ErrorCode?]) -> String?
    }

    /// Each step: the process (1 root), and `nil` for `IPC_STAT` or the owner and group `IPC_SET` sets.
    static let steps: [(process: Int, set: (owner: Int?, group: Int?)?)] = [
        (2, nil),  // others' bits (0): EACCES
        (1, (nil, 1234)),  // root sets the group
        (2, nil),  // a member of 1234: the group's read
        (2, (nil, 1234)),  // not the owner: EPERM
        (3, nil),  // not a member: EACCES
        (3, (nil, 1234)),  // neither owner nor reader: EPERM (IPC_SET needs no read permission)
        (1, (65534, nil)),  // root makes 65534 the owner (the group stays)
        (3, (nil, 4321)),  // the owner sets a group it is not in
        (4, nil),  // a member of 4321: the group's read
        (2, nil),  // the owner again (uid 65534): the owner's read
        (4, (nil, 1234)),  // neither owner nor root: EPERM
    ]

    static let users: [Int: (uid: uid_t, gid: gid_t)] = [1: (0, 0), 2: (65534, 1234), 3: (65534, 65534), 4: (1000, 4321)]
    static let permissions = Permissions(mode: 0o640, users: [2: .init(uid: 65534, gid: 1234), 3: .init(uid: 65534), 4: .init(uid: 1000, gid: 4321)])

    static let mechanisms = [
        Mechanism(description: "sysv-msg", kind: CInt(IPC_SYSV_MESSAGES.rawValue), make: { () throws(Errno) in
            let queue = try Syscall.msgget(IPC_PRIVATE, flags: IPC_CREAT | 0o640)
            return (queue.id, { try? Syscall.msgRemove(queue) })
        }, modelDisagreement: { outcomes in
            let model = SystemVMessageQueueModel(queues: [("q", .init(permissions: permissions))])
            return disagreement(model, outcomes) { process, set in
                set.map { .setPermissions(process: process, capacity: nil, mode: nil, owner: $0.owner, group: $0.group) } ?? .stat(process: process)
            }
        }),
        Mechanism(description: "sysv-sem", kind: CInt(IPC_SYSV_SEMAPHORES.rawValue), make: { () throws(Errno) in
            let set = try Syscall.semget(IPC_PRIVATE, count: 1, flags: IPC_CREAT | 0o640)
            return (set.id, { try? Syscall.semRemove(set) })
        }, modelDisagreement: { outcomes in
            let model = SystemVSemaphoreModel(sets: [("s", [0])], permissions: ["s": permissions])
            return disagreement(model, outcomes) { process, set in
                set.map { .setPermissions(process: process, mode: nil, owner: $0.owner, group: $0.group) } ?? .status(process: process)
            }
        }),
        Mechanism(description: "sysv-shm", kind: CInt(IPC_SYSV_SHARED_MEMORY.rawValue), make: { () throws(Errno) in
            let segment = try Syscall.shmget(IPC_PRIVATE, size: 4096, flags: IPC_CREAT | 0o640)
            return (segment.id, { try? Syscall.shmRemove(segment) })
        }, modelDisagreement: { outcomes in
            let model = SystemVSharedMemoryModel(segments: [("g", .init(words: 512, attached: [], permissions: permissions))])
            return disagreement(model, outcomes) { process, set in
                set.map { .setPermissions(process: process, mode: nil, owner: $0.owner, group: $0.group) } ?? .status(process: process)
            }
        }),
    ]

    // One exit test each (an exit test's body captures nothing).
    @Test func aMessageQueuesGroup() async {
        await #expect(processExitsWith: .success) {
            do { try Self.measure(Self.mechanisms[0]) } catch { Issue.record(error) }
        }
    }

    @Test func aSemaphoreSetsGroup() async {
        await #expect(processExitsWith: .success) {
            do { try Self.measure(Self.mechanisms[1]) } catch { Issue.record(error) }
        }
    }

    @Test func aSharedMemorySegmentsGroup() async {
        await #expect(processExitsWith: .success) {
            do { try Self.measure(Self.mechanisms[2]) } catch { Issue.record(error) }
        }
    }

    static func measure(_ mechanism: Mechanism) throws {
        let object = try mechanism.make()
        defer { object.remove() }
        var outcomes: [ErrorCode?] = []
        for step in steps {
            let user = users[step.process]!
            let error = Self.asUser(uid: user.uid, gid: user.gid, kind: mechanism.kind, id: object.id, set: step.set)
            outcomes.append(error.map { ErrorCode($0.name) })
        }
        let expected: [ErrorCode?] = [.EACCES, nil, nil, .EPERM, .EACCES, .EPERM, nil, nil, nil, nil, .EPERM]
        #expect(outcomes == expected, "\(mechanism)")
        if let problem = mechanism.modelDisagreement(outcomes) { Issue.record("\(mechanism): \(problem)") }
    }

    /// Makes `IPC_STAT` (`set` nil) or `IPC_SET` of the owner and group `set` gives (nil: kept) on the object `id`
    /// of `kind`, in a child that dropped its supplementary groups and became `uid`, `gid`: its error, nil if it
    /// succeeded. The child makes only C calls (`ipc_child_sysv_call_as_user`): forked from a threaded process, it
    /// must not enter the Swift runtime.
    static func asUser(uid: uid_t, gid: gid_t, kind: CInt, id: CInt, set: (owner: Int?, group: Int?)?) -> Errno? {
        let (setting, owner, group) = (set == nil ? CInt(0) : 1, set?.owner ?? -1, set?.group ?? -1)
        let child = fork()
        if child == 0 { _exit(ipc_child_sysv_call_as_user(kind, id, uid, gid, setting, owner, group)) }
        var status: CInt = 0
        #expect(waitpid(child, &status, 0) == child)
        let code = (status >> 8) & 0xff
        return code == 0 ? nil : Errno(rawValue: code)
    }

    /// Where `model` first disagrees with the kernel's `outcomes` of ``steps`` (nil: success), if anywhere: each step
    /// must have a transition failing with the same error, or succeeding.
    static func disagreement<M: TransitionModel & TraceModel>(
        _ model: M, _ outcomes: [ErrorCode?], input: (Int, (owner: Int?, group: Int?)?) -> M.Input
    ) -> String? {
        var state = model.initialState(of: model.objects[0])
        for (number, (step, outcome)) in zip(steps, outcomes).enumerated() {
            let stepInput = input(step.process, step.set)
            let transitions = model.transitions(state, stepInput)
            let match = transitions.first { transition in
                guard let output = transition.output else { return false }
                if case .fail(let code) = model.outcome(for: output) { return code == outcome }
                return outcome == nil
            }
            guard let match else {
                return "step \(number) \(model.describe(stepInput, nil)): kernel \(outcome?.rawValue ?? "ok"), model "
                    + transitions.map { model.describe(stepInput, $0.output) }.joined(separator: " or ")
            }
            state = match.state
        }
        return nil
    }
}
