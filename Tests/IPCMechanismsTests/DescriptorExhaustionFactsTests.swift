import Foundation
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `mq_open`, `shm_open` and `sem_open` each make a descriptor, and with the caller's table full they fail `EMFILE`
/// — for an existing name and a missing one alike: the number is taken before the name is looked up. No trace shows
/// the table, so the models allow `EMFILE` beside every other outcome of an open (``DescriptorTable``).
@Suite struct DescriptorExhaustionFactsTests {
    /// In a child process (the limit is the whole process's): every open fails `EMFILE` — not `ENOENT` for the
    /// missing names — and with one number free each existing object opens. Exit status 0 when all held, else the
    /// number of the first check that failed. The parent made the objects under names the child finds by its pid.
    @Test func withAFullTableEveryNamedOpenFailsEMFILEBeforeTheLookup() async throws {
        // The child makes the objects itself: a named semaphore opened here would be mapped into the test process,
        // where other tests look at glibc's mappings. The parent only removes what a failed child left.
        let base = "/ipch-test-\(getpid())-full"
        defer {
            _ = try? Syscall.mqUnlink(base + "-mq")
            _ = try? Syscall.shmUnlink(base + "-shm")
            _ = try? Syscall.semUnlink(base + "-sem")
        }
        await #expect(processExitsWith: .exitCode(0)) {
            let base = "/ipch-test-\(getppid())-full"
            guard let queue = try? PosixMessageQueue.create(base + "-mq", maximumMessages: 2, messageSize: 16),
                let memory = try? PosixSharedMemory.create(base + "-shm", size: 4096),
                let semaphore = try? PosixSemaphore.create(base + "-sem", value: 1)
            else { exit(13) }
            try? Syscall.close(queue)
            try? Syscall.close(memory)
            try? semaphore.close()
            // (The parent removes the names: exit runs no defer.)
            var taken = DescriptorExhaustion.fillTable()
            for (index, suffix) in ["", "-missing"].enumerated() {
                guard DescriptorExhaustionFactsTests.error(opening: 0, base + suffix) == EMFILE else { exit(Int32(20 + index)) }
                guard DescriptorExhaustionFactsTests.error(opening: 1, base + suffix) == EMFILE else { exit(Int32(22 + index)) }
                guard DescriptorExhaustionFactsTests.error(opening: 2, base + suffix) == EMFILE else { exit(Int32(24 + index)) }
            }
            for kind in 0..<3 {
                guard let free = taken.popLast() else { exit(12) }
                close(free)
                guard DescriptorExhaustionFactsTests.error(opening: kind, base) == 0 else { exit(Int32(30 + kind)) }
            }
            exit(0)
        }
        let full = ErrorCode("EMFILE")
        let mq = PosixMessageQueueModel(queues: [("q", PosixMessageQueueModel.Setup(holders: [1]))])
        #expect(mq.transitions(mq.initialState(of: "q"), .open(process: 1)).map(\.output).contains(.failed(full)))
        let shm = PosixSharedMemoryModel(objects: [("m", PosixSharedMemoryModel.Setup(words: 4, mapped: [1]))])
        #expect(shm.transitions(shm.initialState(of: "m"), .open(process: 1)).map(\.output).contains(.failed(full)))
        let sem = PosixSemaphoreModel(semaphores: [("s", .init(value: 1, named: true))])
        #expect(sem.transitions(sem.initialState(of: "s"), .open(process: 1)).map(\.output).contains(.failed(full)))
    }

    /// The errno of opening `name` (0 on success, the descriptor left open): 0 `mq_open`, 1 `shm_open`, 2 `sem_open`.
    static func error(opening kind: Int, _ name: String) -> CInt {
        do {
            switch kind {
            case 0: _ = try Syscall.mqOpen(name + "-mq", flags: O_RDWR)
            case 1: _ = try Syscall.shmOpen(name + "-shm", flags: O_RDWR)
            default: _ = try Syscall.semOpen(name + "-sem")
            }
            return 0
        } catch {
            return error.rawValue
        }
    }
}
