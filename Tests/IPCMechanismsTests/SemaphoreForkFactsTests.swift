import CIPCShims
import Glibc
import IPCModels
import IPCSyscalls
import Testing

/// A forked child and a POSIX semaphore (measured first with a C probe; Open POSIX's `sem_init` 3-x and the
/// `sem_post`/`sem_wait` tests with children): the posix-sem model's `fork` (``PosixSemaphoreModel+Fork``). Each test
/// forks inside an exit test's process of its own: glibc's `sem_open`/`sem_close` take a process-wide lock, which
/// another test's thread could hold at the fork in the test process. The grandchild makes only C calls and reports
/// through its exit status; the history is judged by the model call by call, and a wrong belief refused; each failed
/// check exits with its own code.
@Suite struct SemaphoreForkFactsTests {
    typealias Model = PosixSemaphoreModel

    /// Opened twice before the fork (glibc counts two `sem_open`s in the one mapping), the named semaphore is open in
    /// the child: it takes the unit and closes twice, the third close `EINVAL`; the parent then reads 0, posts, and its
    /// own two closes succeed, its semaphore working between them.
    @Test func aNamedSemaphoreIsOpenInTheChildWithItsParentsCount() async {
        await #expect(processExitsWith: .success) {
            let name = "/ipch-test-\(getpid())-fork-sem"
            guard let created = ipc_sem_create(name, O_CREAT | O_EXCL, 0o600, 1) else { exit(2) }  // SEM_FAILED is NULL
            defer { sem_unlink(name) }
            guard let opened = ipc_sem_open(name), opened == created else { exit(3) }
            let semaphore = created.assumingMemoryBound(to: sem_t.self)
            let child = fork()
            if child == 0 {
                // Only C calls here: the unit taken, two closes, a third EINVAL.
                if sem_wait(semaphore) != 0 { _exit(1) }
                if sem_close(semaphore) != 0 || sem_close(semaphore) != 0 { _exit(2) }
                _exit(sem_close(semaphore) == -1 && errno == EINVAL ? 0 : 3)
            }
            var status: CInt = 0
            guard waitpid(child, &status, 0) == child else { exit(4) }
            guard status == 0 else { exit(10 + (status >> 8) & 0xff) }
            var values: [CInt] = [-1, -1]
            guard sem_getvalue(semaphore, &values[0]) == 0, sem_post(semaphore) == 0, sem_close(semaphore) == 0,
                sem_getvalue(semaphore, &values[1]) == 0, sem_close(semaphore) == 0
            else { exit(5) }
            guard values == [0, 1] else { exit(6) }

            let model = Model(semaphores: [("s", .init(value: 1, named: true))])
            let history: [(input: Model.Input, output: Model.Output)] = [
                (.open(process: 1), .done),
                (.fork(process: 1, child: 2), .done),
                (.wait(process: 2, nonblocking: false), .done),
                (.close(process: 2), .done),
                (.close(process: 2), .done),
                (.close(process: 2), .failed(.EINVAL)),
                (.exit(process: 2), .done),
                (.getValue(process: 1), .value(Int(values[0]))),
                (.post(process: 1), .done),
                (.close(process: 1), .done),
                (.getValue(process: 1), .value(Int(values[1]))),
                (.close(process: 1), .done),
            ]
            let judge = DirectedHistory(model: model, object: "s")
            guard judge.firstRefusal(history) == nil else { exit(7) }
            // The wrong belief that the child starts with no handle of its own (its first close EINVAL only).
            var wrong = history
            wrong[3].output = .failed(.EINVAL)
            wrong[4].output = .failed(.EINVAL)
            guard judge.firstRefusal(wrong)?.hasPrefix("call 3") == true else { exit(8) }
        }
    }

    /// An unnamed semaphore in private memory (pshared 0 and 1 alike) is copied: the child's wait takes its copy's
    /// unit, the parent's still reads 1. One in shared memory (`MAP_SHARED`, pshared 1, and pshared 0 too) is the same
    /// semaphore: the child's wait leaves the parent 0.
    @Test func anUnnamedSemaphoreIsCopiedInPrivateMemoryAndSharedInSharedMemory() async {
        await #expect(processExitsWith: .success) {
            let page = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)
            guard let page, page != MAP_FAILED else { exit(2) }
            let privatePage = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            guard let privatePage, privatePage != MAP_FAILED else { exit(2) }
            // Private 0 and 1, shared 1 and 0.
            let semaphores = [privatePage, privatePage + 64, page, page + 64].map { $0.assumingMemoryBound(to: sem_t.self) }
            for (index, semaphore) in semaphores.enumerated() where sem_init(semaphore, index == 1 || index == 2 ? 1 : 0, 1) != 0 { exit(3) }
            let child = fork()
            if child == 0 {
                // Only C calls here: a unit of each, and each copy or semaphore then 0.
                for semaphore in semaphores {
                    var value: CInt = -1
                    if sem_wait(semaphore) != 0 || sem_getvalue(semaphore, &value) != 0 || value != 0 { _exit(1) }
                }
                _exit(0)
            }
            var status: CInt = 0
            guard waitpid(child, &status, 0) == child, status == 0 else { exit(4) }
            let values = semaphores.map { semaphore in
                var value: CInt = -1
                return sem_getvalue(semaphore, &value) == 0 ? Int(value) : -1
            }
            guard values == [1, 1, 0, 0] else { exit(5) }

            for (index, measured) in values.enumerated() {
                let inPrivate = index < 2
                let model = Model(semaphores: [("s", .init(value: 1, named: false, shared: index == 1 || index == 2, privateMemory: inPrivate))])
                let history: [(input: Model.Input, output: Model.Output)] = [
                    (.fork(process: 1, child: 2), .done),
                    (.wait(process: 2, nonblocking: false), .done),
                    (.getValue(process: 2), .value(0)),
                    (.exit(process: 2), .done),
                    (.getValue(process: 1), .value(measured)),
                ]
                let judge = DirectedHistory(model: model, object: "s")
                guard judge.firstRefusal(history) == nil else { exit(Int32(10 + index)) }
                // The wrong belief the other way: shared memory copied, private memory shared.
                var wrong = history
                wrong[4].output = .value(inPrivate ? 0 : 1)
                guard judge.firstRefusal(wrong)?.hasPrefix("call 4") == true else { exit(Int32(20 + index)) }
            }
        }
    }
}
