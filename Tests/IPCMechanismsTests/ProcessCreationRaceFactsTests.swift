import CIPCShims
import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// Two *processes* racing to create one object that does not exist yet — `mq_open`, `msgget`, `sem_open`, `semget`,
/// `shmget` — measured with forked children (``ProcessRace``; a C probe first, 200 rounds of each, saw both children
/// win): with the exclusive flag exactly one wins and the other fails `EEXIST`; without it both succeed and the object
/// is the one the winner made — its attributes, value or mode, each child having asked for its own. Each race is then
/// judged by the object's model (`"exists": false`) with the winner's create first; and the model, on its own,
/// accepts either child winning and refuses the two wrong beliefs (``CreationRace/modelProblems()``).
@Suite struct ProcessCreationRaceFactsTests {
    static let rounds = 20

    /// The message size (`mq_open`) and the mode (`msgget`, `semget`, `shmget`) child `index` asks for.
    static func messageSize(_ index: Int) -> Int { 16 * (index + 1) }
    static func mode(_ index: Int) -> Int { index == 0 ? 0o600 : 0o640 }

    /// The maker of a System V object whose mode is `mode`.
    static func maker(ofMode mode: Int) -> Int? { (0..<2).first { Self.mode($0) == mode } }

    @Test func racingMqOpenProcessesMakeOneQueue() throws {
        let race = CreationRace(
            model: PosixMessageQueueModel(queues: [("q", .init(holders: [], exists: false))]), object: "q",
            create: { index, exclusive in
                .open(process: index + 1, creation: .init(exclusive: exclusive, maxMessages: 2, messageSize: Self.messageSize(index)))
            },
            success: .done, failure: { .failed($0) }, look: { .getAttributes(process: $0) },
            shows: { .attributes(.init(messages: 0, maxMessages: 2, messageSize: Self.messageSize($0))) })
        #expect(race.modelProblems() == [])
        for round in 0..<Self.rounds {
            for exclusive in [true, false] {
                let name = "/ipch-test-\(getpid())-process-race-\(round)-\(UInt32.random(in: 0...UInt32.max))"
                defer { try? Syscall.mqUnlink(name) }
                let flags = O_RDWR | O_CLOEXEC | (exclusive ? O_EXCL : 0)
                let results = try #require(name.withCString { name in
                    ProcessRace.run { index in
                        let queue = ipc_mq_create(name, flags, 0o600, 2, Self.messageSize(index))
                        return queue >= 0 ? Int(queue) : -Int(errno)
                    }
                })
                let queue = try Syscall.mqOpen(name, flags: O_RDONLY | O_CLOEXEC)
                defer { try? Syscall.close(queue) }
                let size = try Syscall.mqAttributes(queue).messageSize
                #expect(race.kernelProblem(exclusive: exclusive, results: results, maker: (0..<2).first { Self.messageSize($0) == size }) == nil, "round \(round)")
            }
        }
    }

    /// Races `race`'s System V creates on the kernel, `rounds` times each way: `get` is the call each child makes (its
    /// key and flags, the mode it asks included); `inspect` finds the object by its key and returns its id and mode,
    /// removing it. Both racers' ids, where they succeeded, are the object's.
    static func raceSystemV<M: Model>(
        _ race: CreationRace<M>, get: (key_t, CInt) -> CInt, inspect: (key_t) throws -> (id: CInt, mode: Int)
    ) throws {
        #expect(race.modelProblems() == [])
        for round in 0..<Self.rounds {
            for exclusive in [true, false] {
                let key = SystemVKeyFactsTests.key()
                let flags = IPC_CREAT | (exclusive ? IPC_EXCL : 0)
                let results = try #require(ProcessRace.run { index in
                    let id = get(key, flags | CInt(Self.mode(index)))
                    return id >= 0 ? Int(id) : -Int(errno)
                })
                let (id, mode) = try inspect(key)
                #expect(race.kernelProblem(exclusive: exclusive, results: results, maker: Self.maker(ofMode: mode)) == nil, "round \(round)")
                #expect(results.filter { $0 >= 0 }.allSatisfy { $0 == Int(id) }, "round \(round): \(results)")
            }
        }
    }

    @Test func racingMsggetProcessesMakeOneQueue() throws {
        let race = CreationRace(
            model: SystemVMessageQueueModel(queues: [("m", .init(exists: false))]), object: "m",
            create: { index, exclusive in .get(process: index + 1, create: true, exclusive: exclusive, mode: Self.mode(index)) },
            success: .found, failure: { .failed($0) }, look: { .stat(process: $0) },
            shows: { .status(.init(messages: 0, bytes: 0, capacity: 16384, mode: Self.mode($0))) })
        try Self.raceSystemV(race, get: { msgget($0, $1) }) { key in
            let queue = try Syscall.msgget(key, flags: 0)
            defer { try? Syscall.msgRemove(queue) }
            return (queue.id, Int(try Syscall.msgStatus(queue).msg_perm.mode & 0o777))
        }
    }

    @Test func racingSemgetProcessesMakeOneSet() throws {
        let race = CreationRace(
            model: SystemVSemaphoreModel(sets: [("v", [])], absent: ["v"]), object: "v",
            create: { index, exclusive in .get(process: index + 1, count: 2, create: true, exclusive: exclusive, mode: Self.mode(index)) },
            success: .done, failure: { .failed($0) }, look: { .status(process: $0) }, shows: { .size(2, mode: Self.mode($0)) })
        try Self.raceSystemV(race, get: { semget($0, 2, $1) }) { key in
            let set = try Syscall.semget(key, count: 0, flags: 0)
            defer { try? Syscall.semRemove(set) }
            return (set.id, Int(try Syscall.semStatus(set).mode))
        }
    }

    @Test func racingShmgetProcessesMakeOneSegment() throws {
        let race = CreationRace(
            model: try SystemVSharedMemoryModel(parameters: ["objects": ["g": ["exists": false, "words": 512]]]), object: "g",
            create: { index, exclusive in .get(process: index + 1, size: 4096, create: true, exclusive: exclusive, mode: Self.mode(index)) },
            success: .done, failure: { .failed($0) }, look: { .status(process: $0) },
            shows: { .status(attachments: 0, removed: false, size: 4096, mode: Self.mode($0)) })
        try Self.raceSystemV(race, get: { shmget($0, 4096, $1) }) { key in
            let segment = try Syscall.shmget(key, size: 0, flags: 0)
            defer { try? Syscall.shmRemove(segment) }
            return (segment.id, Int(try Syscall.shmStatus(segment).mode & 0o777))
        }
    }

    /// `sem_open`, each child asking for its own value (1, 2). In an exit test's process of its own: glibc's
    /// `sem_open` takes a process-wide lock, which another test's thread could hold at the fork in the test process
    /// (as `SemaphoreForkFactsTests`). Each failed check exits with its own code.
    @Test func racingSemOpenProcessesMakeOneSemaphore() async {
        await #expect(processExitsWith: .success) {
            guard let model = try? PosixSemaphoreModel(parameters: ["objects": ["s": ["named": true, "exists": false]]]) else { exit(2) }
            let race = CreationRace(
                model: model, object: "s",
                create: { index, exclusive in .open(process: index + 1, creation: .init(exclusive: exclusive, value: index + 1)) },
                success: .done, failure: { .failed($0) }, look: { .getValue(process: $0) }, shows: { .value($0 + 1) })
            guard race.modelProblems().isEmpty else { exit(3) }
            for round in 0..<ProcessCreationRaceFactsTests.rounds {
                for exclusive in [true, false] {
                    let name = "/ipch-test-\(getpid())-process-race-\(round)-\(exclusive)"
                    let flags = O_CREAT | (exclusive ? O_EXCL : 0)
                    guard let results = name.withCString({ name in
                        ProcessRace.run { index in ipc_sem_create(name, flags, 0o600, UInt32(index + 1)) != nil ? 0 : -Int(errno) }
                    }) else { exit(4) }
                    guard let semaphore = ipc_sem_open(name)?.assumingMemoryBound(to: sem_t.self) else { exit(5) }
                    var value: CInt = -1
                    let read = sem_getvalue(semaphore, &value) == 0
                    sem_close(semaphore)
                    sem_unlink(name)
                    guard read else { exit(6) }
                    let maker = (1...2).contains(value) ? Int(value) - 1 : nil
                    guard race.kernelProblem(exclusive: exclusive, results: results, maker: maker) == nil else { exit(exclusive ? 7 : 8) }
                }
            }
        }
    }
}
