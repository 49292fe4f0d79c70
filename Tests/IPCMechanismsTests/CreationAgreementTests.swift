import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// The models of a set, a semaphore and a segment followed from before they exist (`"exists": false`) against the
/// kernel: random sequences on a key or name that never named anything, lookups, creates with and without the
/// exclusive flag, and the ordinary calls before and after. Before the set or segment exists, a call on an id uses
/// one that names nothing (a set or segment made and removed first). A disagreement counts only when a second run
/// repeats it. A wrong model (a created semaphore with another value, a lookup `ENOENT` after the create, a
/// page-rounded `shm_segsz`) fails on fixed sequences.
@Suite struct CreationAgreementTests {
    static let cases = 120

    // MARK: System V semaphores

    enum SetCall: Sendable {
        case get(count: Int, create: Bool, exclusive: Bool)
        case getAll, status, remove
        case getValue(number: Int)
        case setValue(number: Int, value: Int)
        case add(number: Int, change: Int)
    }

    static let setCalls = Gen.oneOf(
        zip(Gen.int(in: 0...4), Gen.int(in: 0...3)).map {
            SetCall.get(count: [0, 1, 2, 3, 32001][$0], create: $1 >= 1, exclusive: $1 == 3)
        }.eraseToAny(),
        Gen.int(in: 0...3).map { [SetCall.getAll, .status, .status, .remove][$0] }.eraseToAny(),
        zip(Gen.int(in: 0...3), Gen.int(in: -1...2)).map { $1 < 0 ? SetCall.getValue(number: $0) : .setValue(number: $0, value: $1) }.eraseToAny(),
        zip(Gen.int(in: 0...2), Gen.int(in: -1...1)).map { SetCall.add(number: $0, change: $1) }.eraseToAny()
    )

    @Test func systemVSemaphoreSetCreatedInTheTraceAgrees() async {
        await checkProperty(count: Self.cases, input: Self.setCalls.array(of: 1...30)) { calls throws in
            if let problem = try Self.repeated({ () throws in try Self.setDisagreement(calls) }) { Issue.record("\(problem)") }
        }
    }

    @Test func aWrongSetModelDisagrees() throws {
        // A lookup after the create: found, which a model still saying ENOENT gets wrong.
        let calls: [SetCall] = [.get(count: 2, create: false, exclusive: false), .get(count: 2, create: true, exclusive: true),
                                .get(count: 2, create: false, exclusive: false), .getAll]
        #expect(try Self.setDisagreement(calls) == nil)
        #expect(try Self.setDisagreement(calls, wrong: true) != nil)
    }

    static func setDisagreement(_ calls: [SetCall], wrong: Bool = false) throws -> String? {
        let key = SystemVKeyFactsTests.key()
        // An id that names no set: one made and removed (its index's next set gets another sequence number).
        let dead = try Syscall.semget(SystemVKeyFactsTests.key(), count: 1, flags: IPC_CREAT | IPC_EXCL | 0o600)
        try Syscall.semRemove(dead)
        final class Followed: @unchecked Sendable {
            var set: SystemVSemaphoreSet
            var count = 1
            var created = false
            init(_ set: SystemVSemaphoreSet) { self.set = set }
        }
        let followed = Followed(dead)
        defer { if followed.created { try? Syscall.semRemove(followed.set) } }
        let right = SystemVSemaphoreModel(sets: [("v", [])], absent: ["v"])
        func outcome(_ call: () throws -> SystemVSemaphoreModel.Output) -> SystemVSemaphoreModel.Output {
            do { return try call() } catch { return .failed(errorCode(error)) }
        }
        let steps = calls.map { call -> (SystemVSemaphoreModel.Input, () throws -> SystemVSemaphoreModel.Output) in
            switch call {
            case .get(let count, let create, let exclusive):
                return (.get(process: 1, count: count, create: create, exclusive: exclusive), {
                    outcome {
                        let found = try Syscall.semget(key, count: count, flags: (create ? IPC_CREAT | 0o600 : 0) | (exclusive ? IPC_EXCL : 0))
                        if !followed.created {
                            (followed.set, followed.count, followed.created) = (found, count, true)
                        } else if found != followed.set {
                            // A new set under the key after the removal: not the object followed (as the worker does).
                            try? Syscall.semRemove(found)
                        }
                        return .done
                    }
                })
            case .getAll:
                return (.values(process: 1), { outcome { .values(try Syscall.semValues(followed.set, count: followed.count)) } })
            case .status:
                return (.status(process: 1), {
                    outcome {
                        let status = try Syscall.semStatus(followed.set)
                        return .size(status.count, mode: Int(status.mode), times: [status.operationTime, status.changeTime])
                    }
                })
            case .remove:
                return (.remove(process: 1), { outcome { try Syscall.semRemove(followed.set); return .done } })
            case .getValue(let number):
                return (.value(process: 1, number: number), { outcome { .value(try Syscall.semValue(followed.set, number: number)) } })
            case .setValue(let number, let value):
                return (.setValue(process: 1, number: number, value: value), {
                    outcome { try Syscall.semSetValue(followed.set, number: number, value: value); return .done }
                })
            case .add(let number, let change):
                let operations = [SystemVSemaphoreModel.Operation(number: number, change: change, undo: false)]
                return (.semop(process: 1, operations: operations, nonblocking: true), {
                    outcome {
                        let kernel = [SemaphoreOperation(number: number, change: change, undo: false)]
                        return try SystemVSemaphores.perform(followed.set, kernel, nonblocking: true) ? .done : .failed(.EAGAIN)
                    }
                })
            }
        }
        let model = NamespaceLimitsMet<SystemVSemaphoreModel>(model: right, wrong: wrong ? Self.setStillUnnamed : nil)
        return ModelAgreement(model: model, object: "v").firstDisagreement(steps)
    }

    // MARK: POSIX named semaphores

    @Test func namedSemaphoreCreatedInTheTraceAgrees() async {
        let calls = zip(Gen.int(in: 0...6), Gen.int(in: 0...3)).array(of: 1...30)
        await checkProperty(count: Self.cases, input: calls) { calls throws in
            if let problem = try Self.repeated({ () throws in try Self.semaphoreDisagreement(calls) }) { Issue.record("\(problem)") }
        }
    }

    @Test func aWrongSemaphoreModelDisagrees() throws {
        // Created with 3, then opened by an O_CREAT asking 1: the value stays 3, where a wrong model takes the 1.
        let calls = [(0, 3), (0, 1), (5, 0)]
        #expect(try Self.semaphoreDisagreement(calls) == nil)
        #expect(try Self.semaphoreDisagreement(calls, wrong: true) != nil)
    }

    /// `calls`: (0 open — variant 0 plain, 1 O_CREAT value 2^31, 2 O_CREAT value 1 (0 on odd draws), 3 O_CREAT|O_EXCL
    /// value 3; 1 unlink; 2 post; 3 trywait; 4 close; 5-6 getvalue). Uses and closes need a handle: without one
    /// (the model's count) the call is an open instead, and O_CREAT without O_EXCL is drawn only while the semaphore
    /// does not exist yet (later, with no handle, the binding could not tell it from a new one).
    static func semaphoreDisagreement(_ calls: [(Int, Int)], wrong: Bool = false) throws -> String? {
        let name = "/ipch-test-\(getpid())-created-\(UInt32.random(in: 0...UInt32.max))"
        let handles = NamedSemaphoreHandles()
        defer {
            try? Syscall.semUnlink(name)
            handles.closeAll()
        }
        let right = try PosixSemaphoreModel(parameters: ["objects": ["s": ["named": true, "exists": false]]])
        var state = right.initialState(of: "s")
        func outcome(_ call: () throws -> Void) -> PosixSemaphoreModel.Output {
            do { try call(); return .done } catch { return .failed(errorCode(error)) }
        }
        let steps = calls.map { choice, variant -> (PosixSemaphoreModel.Input, () throws -> PosixSemaphoreModel.Output) in
            let noHandle = PosixSemaphoreModel.handles(of: 1, in: state) == 0
            let step: (PosixSemaphoreModel.Input, () throws -> PosixSemaphoreModel.Output)
            switch noHandle && choice != 1 ? 0 : choice {
            case 0:
                var kind = variant
                if state.created && noHandle && (kind == 1 || kind == 2) { kind = 0 }
                let creation: PosixSemaphoreModel.Creation? =
                    kind == 0 ? nil : .init(exclusive: kind == 3, value: kind == 1 ? 1 << 31 : kind == 3 ? 3 : choice % 2)
                let createsIt = !state.created
                step = (.open(process: 1, creation: creation), { handles.open(name, creation: creation, createsIt: createsIt) })
            case 1:
                step = (.unlink(process: 1), { outcome { try Syscall.semUnlink(name) } })
            case 2:
                step = (.post(process: 1), { outcome { try PosixSemaphore(pointer: handles.pointer!).post() } })
            case 3:
                step = (.wait(process: 1, nonblocking: true), {
                    try PosixSemaphore(pointer: handles.pointer!).wait(nonblocking: true) ? .done : .failed(.EAGAIN)
                })
            case 4:
                step = (.close(process: 1), {
                    outcome {
                        try Syscall.semClose(handles.pointer!)
                        handles.count -= 1
                    }
                })
            default:
                step = (.getValue(process: 1), { .value(try PosixSemaphore(pointer: handles.pointer!).value()) })
            }
            state = right.transitions(state, step.0).first { $0.output != .failed(ErrorCode("EMFILE")) }?.state ?? state
            return step
        }
        let model = NamespaceLimitsMet<PosixSemaphoreModel>(model: right, wrong: wrong ? Self.laterCreateSetsTheValue : nil)
        return ModelAgreement(model: model, object: "s").firstDisagreement(steps)
    }

    // MARK: System V shared memory

    enum SegmentCall: Sendable {
        case get(size: Int, create: Bool, exclusive: Bool)
        case status, remove, attach, detach
        case load(index: Int)
    }

    static let segmentCalls = Gen.oneOf(
        zip(Gen.int(in: 0...5), Gen.int(in: 0...3)).map {
            SegmentCall.get(size: [0, 1, 100, 101, 4096, 8192][$0], create: $1 >= 1, exclusive: $1 == 3)
        }.eraseToAny(),
        Gen.int(in: 0...5).map { [SegmentCall.status, .status, .remove, .attach, .detach, .load(index: 12)][$0] }.eraseToAny()
    )

    @Test func systemVSegmentCreatedInTheTraceAgrees() async {
        await checkProperty(count: Self.cases, input: Self.segmentCalls.array(of: 1...25)) { calls throws in
            if let problem = try Self.repeated({ () throws in try Self.segmentDisagreement(calls) }) { Issue.record("\(problem)") }
        }
    }

    @Test func aWrongSegmentModelDisagrees() throws {
        let calls: [SegmentCall] = [.get(size: 100, create: true, exclusive: true), .status]
        #expect(try Self.segmentDisagreement(calls) == nil)
        #expect(try Self.segmentDisagreement(calls, wrong: true) != nil)
    }

    static func segmentDisagreement(_ calls: [SegmentCall], wrong: Bool = false) throws -> String? {
        // Forks held off: a child forked meanwhile would hold copies of this process's attachments.
        try Syscall.withoutConcurrentSpawns { () throws -> String? in
            try segmentDisagreementAlone(calls, wrong: wrong)
        }
    }

    static func segmentDisagreementAlone(_ calls: [SegmentCall], wrong: Bool) throws -> String? {
        let key = SystemVKeyFactsTests.key()
        let dead = try Syscall.shmget(SystemVKeyFactsTests.key(), size: 1, flags: IPC_CREAT | IPC_EXCL | 0o600)
        try Syscall.shmRemove(dead)
        final class Followed: @unchecked Sendable {
            var segment: SystemVSharedMemory
            var size = 0
            var created = false
            var attachments: [SharedWords] = []
            init(_ segment: SystemVSharedMemory) { self.segment = segment }
        }
        let followed = Followed(dead)
        defer {
            for attachment in followed.attachments { try? SystemVSharedMemorySegments.detach(attachment) }
            if followed.created { try? Syscall.shmRemove(followed.segment) }
        }
        let right = try SystemVSharedMemoryModel(parameters: ["objects": ["g": ["exists": false, "words": 16]]])
        func outcome(_ call: () throws -> SystemVSharedMemoryModel.Output) -> SystemVSharedMemoryModel.Output {
            do { return try call() } catch { return .failed(errorCode(error)) }
        }
        let steps = calls.map { call -> (SystemVSharedMemoryModel.Input, () throws -> SystemVSharedMemoryModel.Output) in
            switch call {
            case .get(let size, let create, let exclusive):
                return (.get(process: 1, size: size, create: create, exclusive: exclusive), {
                    outcome {
                        let found = try Syscall.shmget(key, size: size, flags: (create ? IPC_CREAT | 0o600 : 0) | (exclusive ? IPC_EXCL : 0))
                        if !followed.created {
                            (followed.segment, followed.size, followed.created) = (found, size, true)
                        } else if found != followed.segment {
                            try? Syscall.shmRemove(found)
                        }
                        return .done
                    }
                })
            case .status:
                return (.status(process: 1), {
                    outcome {
                        let status = try SystemVSharedMemorySegments.status(followed.segment)
                        func number(_ pid: pid_t) -> Int { pid == getpid() ? 1 : pid == 0 ? 0 : -1 }
                        return .status(
                            attachments: status.attachments, removed: status.markedForRemoval, size: status.size,
                            lastProcess: number(status.lastPID), mode: Int(status.mode & 0o777),
                            times: [status.attachTime, status.detachTime, status.changeTime], creator: number(status.creatorPID))
                    }
                })
            case .remove:
                return (.remove(process: 1), { outcome { try Syscall.shmRemove(followed.segment); return .done } })
            case .attach:
                return (.attach(process: 1), {
                    outcome {
                        followed.attachments.append(try SystemVSharedMemorySegments.attach(followed.segment, size: max(followed.size, 1)))
                        return .done
                    }
                })
            case .detach:
                return (.detach(process: 1), {
                    outcome {
                        // The worker's rule: with no attachment, EINVAL (as the kernel's for an address not attached).
                        guard let attachment = followed.attachments.last else { return .failed(.EINVAL) }
                        try SystemVSharedMemorySegments.detach(attachment)
                        followed.attachments.removeLast()
                        return .done
                    }
                })
            case .load(let index):
                let access = WordAccess.load(index: index)
                return (.access(process: 1, access), {
                    // An access past the segment's first page is not this test's (its segments are at most 2 pages).
                    guard let attachment = followed.attachments.last else { return .failed(.EFAULT) }
                    return outcome { .accessed(.value(Int64(bitPattern: try attachment.guardedLoad(index)))) }
                })
            }
        }
        let model = NamespaceLimitsMet<SystemVSharedMemoryModel>(model: right, wrong: wrong ? Self.pageRoundedSize : nil)
        return ModelAgreement(model: model, object: "g").firstDisagreement(steps)
    }

    // MARK: Wrong beliefs

    /// A lookup after the create still fails `ENOENT`.
    @Sendable static func setStillUnnamed(_ state: SystemVSemaphoreModel.State, _ input: SystemVSemaphoreModel.Input)
        -> [Transition<SystemVSemaphoreModel.State, SystemVSemaphoreModel.Output>]?
    {
        guard case .get(_, _, false, _, _) = input, state.created, !state.removed else { return nil }
        return [Transition(.failed(.ENOENT), state)]
    }

    /// A create without `O_EXCL` of the existing semaphore sets the value it asks.
    @Sendable static func laterCreateSetsTheValue(_ state: PosixSemaphoreModel.State, _ input: PosixSemaphoreModel.Input)
        -> [Transition<PosixSemaphoreModel.State, PosixSemaphoreModel.Output>]?
    {
        guard case .open(_, let creation?) = input, state.created, !state.unlinked, !creation.exclusive else { return nil }
        let model = PosixSemaphoreModel(semaphores: [("s", .init(value: 0, named: true))])
        return model.transitions(state, input).map { transition in
            var next = transition.state
            next.value = creation.value
            return Transition(transition.output, next)
        }
    }

    /// `shm_segsz` rounded up to whole pages.
    @Sendable static func pageRoundedSize(_ state: SystemVSharedMemoryModel.State, _ input: SystemVSharedMemoryModel.Input)
        -> [Transition<SystemVSharedMemoryModel.State, SystemVSharedMemoryModel.Output>]?
    {
        guard case .status = input, state.created, !state.destroyed else { return nil }
        var rounded = state
        rounded.size = (state.size + 4095) / 4096 * 4096
        return SystemVSharedMemoryModel(segments: []).transitions(rounded, input).map { Transition($0.output, state) }
    }

    /// A disagreement of `run` that a second run repeats (the machine is shared: another test's fork or a passing
    /// limit may disturb one run).
    static func repeated(_ run: () throws -> String?) throws -> String? {
        guard let first = try run() else { return nil }
        guard try run() != nil else { return nil }
        return first
    }
}

/// A model whose creates never meet the namespace's limits (`ENOSPC`, `ENOMEM`: other objects, outside a trace, which
/// this machine's tests do not fill), so that a create has one outcome and the agreement runs it; and, for the wrong
/// variants, one belief replaced.
struct NamespaceLimitsMet<M: TransitionModel>: TransitionModel where M.Output: Equatable {
    typealias State = M.State
    typealias Input = M.Input
    typealias Output = M.Output
    let model: M
    let wrong: (@Sendable (State, Input) -> [Transition<State, Output>]?)?

    func initialState(of object: String) -> State { model.initialState(of: object) }
    func describe(_ input: Input, _ output: Output?) -> String { model.describe(input, output) }
    func describe(_ state: State) -> String { model.describe(state) }
    func wakeUps(of input: Input) -> [Output] { model.wakeUps(of: input) }

    func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        if let wrong, let belief = wrong(state, input) { return belief }
        let all = model.transitions(state, input)
        let limits = all.filter { transition in
            guard let output = transition.output else { return false }
            return "\(output)".contains("ENOSPC") || "\(output)".contains("ENOMEM")
        }
        return limits.count < all.count ? all.filter { transition in !limits.contains { $0.output == transition.output } } : all
    }

    func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        if let wrong, let belief = wrong(state, input) {
            return belief.filter { output == nil || $0.output == output }.map { .completed($0.state) }
        }
        return model.step(state, input, output)
    }
}
