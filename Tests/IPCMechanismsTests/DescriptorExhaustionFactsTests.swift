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
                for kind in 0..<3 {
                    let full = DescriptorExhaustion.holdsWithFullTable(&taken) { _ in DescriptorExhaustionFactsTests.error(opening: kind, base + suffix) == EMFILE }
                    guard full else { exit(Int32(20 + 2 * kind + index)) }
                }
            }
            DescriptorExhaustion.refill(&taken)
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

    /// `socket` and `accept` take their number too: with a full table a `socket` that could be made fails `EMFILE`
    /// (one with a refused type still `EINVAL`: the type is checked first), and `accept` fails `EMFILE` before it
    /// looks at the socket — a datagram socket too, where `EOPNOTSUPP` would come — leaving the connection waiting:
    /// with one number free it is accepted. Exit status 0 when all held, else the number of the failed check.
    @Test func withAFullTableSocketAndAcceptFailEMFILEFirst() async {
        await #expect(processExitsWith: .exitCode(0)) {
            var pair: [CInt] = [0, 0]
            guard socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else { exit(9) }
            let listener = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0)
            let datagram = socket(AF_UNIX, CInt(SOCK_DGRAM.rawValue), 0)
            // An abstract name: nothing to remove afterwards.
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let name = Array("\0ipch-test-\(getpid())-full".utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count)
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(listener, $0, length) } }
            guard bound == 0, listen(listener, 8) == 0 else { exit(10) }
            // A connection for each try of the full-table accept below that a freed number could let through, and
            // one for the accept with a number free.
            for _ in 0..<5 {
                let client = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0)
                let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(client, $0, length) } }
                guard connected == 0 else { exit(11) }
            }
            var taken = DescriptorExhaustion.fillTable()
            guard DescriptorExhaustion.holdsWithFullTable(&taken, { _ in socket(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0) == -1 && errno == EMFILE }) else { exit(20) }
            guard socket(AF_UNIX, 0x7fff_0000, 0) == -1, errno == EINVAL else { exit(21) }
            guard DescriptorExhaustion.holdsWithFullTable(&taken, { _ in accept(listener, nil, nil) == -1 && errno == EMFILE }) else { exit(22) }
            guard DescriptorExhaustion.holdsWithFullTable(&taken, { _ in accept(datagram, nil, nil) == -1 && errno == EMFILE }) else { exit(23) }
            guard let free = taken.popLast() else { exit(24) }
            close(free)
            guard accept(listener, nil, nil) >= 0 else { exit(25) }
            // A signalfd is a descriptor too: with the table full again, EMFILE before any read could refuse a
            // small buffer.
            // (readSignalDescriptor makes its signalfd, then reads: a 64-byte buffer would be EINVAL at the read.)
            let signalfdFull = DescriptorExhaustion.holdsWithFullTable(&taken) { _ in
                do throws(Errno) {
                    _ = try Syscall.readSignalDescriptor([SIGUSR2], max: 64, nonblocking: true)
                    return false
                } catch {
                    return error == .tooManyOpenFiles
                }
            }
            guard signalfdFull else { exit(27) }
            exit(0)
        }
        // The model, which cannot see the table: EMFILE beside a listener's accept's other outcomes, and beside a
        // socket that can be made (not beside a refused type).
        let model = UnixSocketModel(objects: [("s0", .init(type: .stream, shape: .listener(holders: [9], backlog: 4), address: .abstract))])
        let state = model.initialState(of: "s0")
        let full = UnixSocketModel.Output.failed(ErrorCode("EMFILE"))
        #expect(model.outcomes(of: .accept(process: 9, end: "listen", nonblocking: true), in: state).map(\.output).contains(full))
        #expect(model.outcomes(of: .socket(process: 9, domain: 1, type: 1, protocol: 0), in: state).map(\.output).contains(full))
        #expect(!model.outcomes(of: .socket(process: 9, domain: 1, type: 0x7fff_0000, protocol: 0), in: state).map(\.output).contains(full))
        // And the signal model lets a signalfd read or poll, whose descriptor is made for the call, fail EMFILE — a
        // read with a buffer too small too — taking nothing.
        let signals = SignalModel(receivers: [("g0", SignalModel.Setup(receiver: 1))])
        let quiet = signals.initialState(of: "g0")
        let exhausted = SignalModel.Output.failed(ErrorCode("EMFILE"))
        #expect(signals.step(quiet, .signalfdRead(process: 1, signals: [12], max: 64, nonblocking: true), exhausted) == [.completed(quiet)])
        #expect(signals.step(quiet, .signalfdReadiness(process: 1, signals: [12], call: .poll(events: .input, timeout: 0)), exhausted) == [.completed(quiet)])
    }
}
