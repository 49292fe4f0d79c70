import CIPCShims
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import Synchronization
import SystemPackage
import Testing

/// One epoll instance shared by two processes: made, with a pipe, before a `fork` that copied both (LTP's
/// `epoll_wait11` and `epoll_wait12`: a child waits on the parent's instance; the kernel selftest
/// `epoll_wakeup_test.c`'s threads on one instance alike). The kernel keys a registration by the open file description
/// and the number it was added with, and `fork` copies both, so either process's calls reach the same registrations;
/// a registration goes only when the description does (`eventpoll_release` at its last close), not at one process's
/// close of its copy. Measured here (a C probe first) and judged by the pipe model with `params` `sharedEpoll`.
@Suite struct PipeSharedEpollTests {
    typealias Events = KernelEpoll.Events

    /// One command to the forked sharer and its reply: `[op, a, b, c]` in, `[result, errno, fd, events, fd, events…]`
    /// back (``replyCount`` numbers). op 1: `close(a)`; 2: `epoll_ctl(instance, a, b, events c)`; 3:
    /// `epoll_wait(instance, maxevents a, timeout b)`; 4: `write(a, b bytes of c)`; 5: `open(path, flags a)` of the
    /// ``Sharer``'s path (a FIFO's sharer opens it itself: `KernelFIFOSharedEpollFactsTests`); 6: `dup2(a, b)`; 0: exit.
    static let replyCount = 10

    /// A forked process sharing the test process's instance and pipe descriptions: it runs commands, C calls only.
    final class Sharer {
        let pid: pid_t
        let toChild: CInt, fromChild: CInt
        let command = UnsafeMutablePointer<Int32>.allocate(capacity: 4)
        let reply = UnsafeMutablePointer<Int32>.allocate(capacity: PipeSharedEpollTests.replyCount)

        /// Forks; the child serves commands on the instance `instance` (and opens of `path`) until told to exit. Call
        /// inside `Syscall.withoutConcurrentSpawns`.
        init(instance: CInt, path: String? = nil) throws {
            let path = strdup(path ?? "")!  // made before the fork: the child makes no Swift allocation
            defer { free(path) }
            let (down, up) = (try Syscall.pipe(flags: O_CLOEXEC), try Syscall.pipe(flags: O_CLOEXEC))
            let (commandIn, replyOut) = (down.0.rawValue, up.1.rawValue)
            let count = PipeSharedEpollTests.replyCount
            let (command, reply) = (command, reply)
            let events = UnsafeMutablePointer<UInt32>.allocate(capacity: 4), numbers = UnsafeMutablePointer<CInt>.allocate(capacity: 4)
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 65536)
            let child = fork()
            if child == 0 {  // C calls only
                while Glibc.read(commandIn, command, 16) == 16 && command[0] != 0 {
                    for index in 0..<count { reply[index] = 0 }
                    var result: CInt = -1
                    errno = 0
                    switch command[0] {
                    case 1: result = Glibc.close(command[1])
                    case 2: result = ipc_epoll_ctl(instance, command[1], command[2], UInt32(bitPattern: command[3]), 1)
                    case 3:
                        result = ipc_epoll_wait(instance, command[1], command[2], events, numbers, 4)
                        if result > 0 { for index in 0..<Int(min(result, 4)) { reply[2 + 2 * index] = numbers[index]; reply[3 + 2 * index] = Int32(bitPattern: events[index]) } }
                    case 4:
                        memset(bytes, command[3], Int(command[2]))
                        result = CInt(Glibc.write(command[1], bytes, Int(command[2])))
                    case 5: result = Glibc.open(path, command[1])
                    case 6: result = dup2(command[1], command[2])
                    default: _exit(2)
                    }
                    reply[0] = result
                    reply[1] = result < 0 ? errno : 0
                    guard Glibc.write(replyOut, reply, 4 * count) == 4 * count else { _exit(3) }
                }
                _exit(0)
            }
            events.deallocate(); numbers.deallocate(); bytes.deallocate()
            try? Syscall.close(down.0)
            try? Syscall.close(up.1)
            guard child > 0 else {
                try? Syscall.close(down.1)
                try? Syscall.close(up.0)
                throw Errno(rawValue: errno)
            }
            (pid, toChild, fromChild) = (child, down.1.rawValue, up.0.rawValue)
        }

        /// Sends one command; the reply's result and errno, and the reported (fd, events) pairs of a wait.
        func run(_ op: Int32, _ a: Int32, _ b: Int32 = 0, _ c: Int32 = 0) -> (result: Int32, errno: Int32, events: [(CInt, UInt32)]) {
            (command[0], command[1], command[2], command[3]) = (op, a, b, c)
            let count = PipeSharedEpollTests.replyCount
            guard Glibc.write(toChild, command, 16) == 16, Glibc.read(fromChild, reply, 4 * count) == 4 * count else {
                return (-1, EIO, [])
            }
            let reported = op == 3 && reply[0] > 0 ? (0..<Int(min(reply[0], 4))).map { (reply[2 + 2 * $0], UInt32(bitPattern: reply[3 + 2 * $0])) } : []
            return (reply[0], reply[1], reported)
        }

        /// Tells the child to exit and reaps it: whether it exited 0.
        func finish() -> Bool {
            command[0] = 0
            _ = Glibc.write(toChild, command, 16)
            var status: CInt = 0
            let reaped = waitpid(pid, &status, 0) == pid
            Glibc.close(toChild)
            Glibc.close(fromChild)
            command.deallocate()
            reply.deallocate()
            return reaped && status == 0
        }
    }

    /// The facts of a shared instance, as a child of the test process sees them beside it: (1) the child, its copy of
    /// the write end closed, waits on the parent's instance (a registration the parent added): the parent's close of
    /// the last write end reports `EPOLLHUP` to the child's wait (LTP `epoll_wait11`). (2) The child closes its copy of
    /// the read end: its waits still report the registration (the description is open in the parent), its MOD fails
    /// `EBADF` (it holds no such number), while the parent's MOD succeeds. (3) The parent's close, the description's
    /// last: the registration is gone for both. (4) `EPOLLET` news is the instance's: the child's wait takes it and the
    /// parent's next wait finds none, until another write. (5) The child's exit leaves the instance to the parent.
    @Test func aForkedChildSharesTheInstanceAndItsRegistrations() throws {
        let hangUp = Events.hangUp.rawValue, input = Events.input.rawValue  // UInt32
        var childSaw: [(Int32, Int32, [(CInt, UInt32)])] = []
        var parentSaw: [[KernelEpoll.Event]] = []
        var parentModify: Bool = false
        var exitedCleanly = false
        try Syscall.withoutConcurrentSpawns { () throws in
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            let (edgeRead, edgeWrite) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            let instance = try KernelEpoll.create()
            defer { for descriptor in [edgeRead, edgeWrite, instance] { try? Syscall.close(descriptor) } }
            let (r, w) = (readEnd.rawValue, writeEnd.rawValue)
            #expect(ipc_epoll_ctl(instance.rawValue, ipc_epoll_ctl_add(), r, input, 1) == 0)
            #expect(ipc_epoll_ctl(instance.rawValue, ipc_epoll_ctl_add(), edgeRead.rawValue, input | ipc_epollet(), 1) == 0)
            let sharer = try Sharer(instance: instance.rawValue)
            func record(_ reply: (result: Int32, errno: Int32, events: [(CInt, UInt32)])) { childSaw.append((reply.result, reply.errno, reply.events)) }
            record(sharer.run(1, w))  // (1) the child's copy of the write end
            try? Syscall.close(writeEnd)  // the last writer
            record(sharer.run(3, 4, 10_000))
            record(sharer.run(1, r))  // (2)
            record(sharer.run(3, 4, 0))
            record(sharer.run(2, ipc_epoll_ctl_mod(), r, Int32(bitPattern: input)))
            parentSaw.append(try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0))
            parentModify = ipc_epoll_ctl(instance.rawValue, ipc_epoll_ctl_mod(), r, input, 1) == 0
            try? Syscall.close(readEnd)  // (3) the description's last close
            record(sharer.run(3, 4, 0))
            parentSaw.append(try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0))
            // (4) edge-triggered news: the ADD's was taken by the waits above (nothing was ready); a write is news.
            _ = try KernelPipe.write(edgeWrite, [1], nonblocking: true)
            record(sharer.run(3, 4, 10_000))
            parentSaw.append(try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0))
            record(sharer.run(4, edgeWrite.rawValue, 1, 7))  // the child's write is news for the parent's wait
            exitedCleanly = sharer.finish()  // (5)
            parentSaw.append(try KernelEpoll.wait(instance.rawValue, maxEvents: 4, timeoutMilliseconds: 0))
            #expect(parentSaw[0].map(\.descriptor) == [r] && parentSaw[3].map(\.descriptor) == [edgeRead.rawValue])
            #expect(childSaw[1].2.map(\.0) == [r] && childSaw[6].2.map(\.0) == [edgeRead.rawValue])
        }
        #expect(exitedCleanly)
        #expect(childSaw.map(\.0) == [0, 1, 0, 1, -1, 0, 1, 1])
        #expect(childSaw[4].1 == EBADF)
        #expect(childSaw[1].2.map(\.1) == [hangUp] && childSaw[3].2.map(\.1) == [hangUp])
        #expect(childSaw[6].2.map(\.1) == [input])
        #expect(parentSaw.map(\.count) == [1, 0, 0, 1])
        #expect(parentSaw[0].first?.events.rawValue == hangUp && parentSaw[3].first?.events.rawValue == input)
        #expect(parentModify)
    }

    /// The plausible wrong beliefs about a shared instance, each rejected beside the kernel's outcome: a child's wait
    /// on its own empty instance (no hang-up reported), the child's close of its copy ending the registration, the
    /// registration outliving the description's last close, and edge-triggered news reported to both sharers.
    @Test func thePlausibleWrongOutcomesAreRejected() {
        let model = Self.model
        func after(_ steps: [(PipeModel.Input, PipeModel.Output)]) -> PipeModel.State {
            var state = model.initialState(of: "p0")
            for (input, output) in steps { state = model.step(state, input, output).first!.state }
            return state
        }
        func control(_ process: Int, _ operation: PipeModel.EpollOperation, _ end: PipeModel.End, _ events: PipeModel.EpollEvents) -> (PipeModel.Input, PipeModel.Output) {
            (.epoll(process: process, call: .control(operation: operation, end: end, events: events)), .epollControlled)
        }
        func wait(_ process: Int) -> PipeModel.Input { .epoll(process: process, call: .wait(maxEvents: 16, timeout: 0)) }
        func close(_ process: Int, _ end: PipeModel.End) -> (PipeModel.Input, PipeModel.Output) { (.close(process: process, end: end), .closed) }
        let none = PipeModel.Output.epollEvents([]), hangUp = PipeModel.Output.epollEvents([.init(end: .read, events: .hangUp)])
        let readable = PipeModel.Output.epollEvents([.init(end: .read, events: .input)])
        // epoll_wait11: the child's wait reports the parent's registration's hang-up.
        let hungUp = after([control(1, .add, .read, .input), close(2, .write), close(1, .write)])
        #expect(model.step(hungUp, wait(2), none).isEmpty)
        #expect(!model.step(hungUp, wait(2), hangUp).isEmpty)
        // The child's close of its copy leaves it; its MOD is EBADF, the parent's succeeds.
        let childClosed = after([control(1, .add, .read, .input), close(2, .write), close(1, .write), close(2, .read)])
        #expect(model.step(childClosed, wait(1), none).isEmpty)
        #expect(model.step(childClosed, wait(2), none).isEmpty)
        #expect(model.step(childClosed, control(2, .modify, .read, .input).0, .epollControlled).isEmpty)
        #expect(!model.step(childClosed, control(2, .modify, .read, .input).0, .failed(.EBADF)).isEmpty)
        #expect(!model.step(childClosed, control(1, .modify, .read, .input).0, .epollControlled).isEmpty)
        // The description's last close ends it for both.
        let released = after([control(1, .add, .read, .input), close(2, .write), close(1, .write), close(2, .read), close(1, .read)])
        #expect(model.step(released, wait(2), hangUp).isEmpty)
        #expect(!model.step(released, wait(2), none).isEmpty)
        // EEXIST for the other sharer's ADD; EPOLLET news taken by one sharer's wait is gone for the other.
        #expect(model.step(after([control(1, .add, .read, .input)]), control(2, .add, .read, .input).0, .epollControlled).isEmpty)
        let write = (PipeModel.Input.write(process: 1, data: [1], nonblocking: true), PipeModel.Output.wrote(1))
        let taken = after([control(2, .add, .read, [.input, .edgeTriggered]), (wait(1), none), write, (wait(2), readable)])
        #expect(model.step(taken, wait(1), readable).isEmpty)
        #expect(!model.step(taken, wait(1), none).isEmpty)
        // The sharer's exit leaves the instance: a level-triggered registration still reports.
        let exited = after([control(2, .add, .read, .input), write, (.exit(process: 2), .exited)])
        #expect(model.step(exited, wait(1), none).isEmpty)
        #expect(!model.step(exited, wait(1), readable).isEmpty)
    }

    // MARK: - The model against the kernel

    enum Operation: Sendable, CustomStringConvertible {
        case write(holder: Int, size: Int)
        case read(Int)
        case close(holder: Int, end: PipeModel.End)
        case control(holder: Int, operation: PipeModel.EpollOperation, end: PipeModel.End, events: PipeModel.EpollEvents)
        case wait(holder: Int, maxEvents: Int)
        /// The sharer's exit: its copies closed, the instance left to holder 1.
        case exitSharer

        /// Whose call it is (1 for a read, 2 for the sharer's exit).
        var holder: Int {
            switch self {
            case .write(let holder, _), .close(let holder, _), .control(let holder, _, _, _), .wait(let holder, _): holder
            case .read: 1
            case .exitSharer: 2
            }
        }

        var description: String {
            switch self {
            case .write(let holder, let size): "write\(holder)(\(size))"
            case .read(let max): "read(\(max))"
            case .close(let holder, let end): "close\(holder)(\(end))"
            case .control(let holder, let operation, let end, let events): "epoll_ctl\(holder)(\(operation.name), \(end), \(events))"
            case .wait(let holder, let maxEvents): "epoll_wait\(holder)(\(maxEvents))"
            case .exitSharer: "exit2"
            }
        }
    }

    static let eventChoices: [PipeModel.EpollEvents] = [
        .input, [.input, .edgeTriggered], [.input, .oneShot], .output, [.output, .edgeTriggered], [.input, .output, .edgeTriggered], [],
    ]

    static let operations = Gen.oneOf(
        Gen.int(in: 1...9000).map { Operation.write(holder: 1 + $0 % 2, size: $0) }.eraseToAny(),
        Gen.int(in: 1...300).map { Operation.write(holder: 1 + $0 % 2, size: $0) }.eraseToAny(),
        Gen.int(in: 0...9000).map { Operation.read($0) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.close(holder: 1 + $0 % 2, end: $0 < 2 ? .read : .write) }.eraseToAny(),
        Gen.int(in: 0...111).map { value in
            Operation.control(
                holder: 1 + value % 2, operation: [.add, .add, .modify, .delete][(value / 2) % 4], end: (value / 8) % 2 == 0 ? .read : .write,
                events: Self.eventChoices[(value / 16) % 7])
        }.eraseToAny(),
        Gen.int(in: 0...5).map { Operation.wait(holder: 1 + $0 % 2, maxEvents: [1, 16, 16][$0 / 2]) }.eraseToAny(),
        Gen.int(in: 0...40).map { value in value == 0 ? Operation.exitSharer : Operation.wait(holder: 1 + value % 2, maxEvents: 16) }.eraseToAny()
    ).array(of: 1...40)

    static let directedSequences: [[Operation]] = [
        // epoll_wait11: the child's wait reports the hang-up after both write ends are closed; the child's own close of
        // the read end leaves it reported; its MOD EBADF, the parent's MOD succeeds; the last close ends it.
        [.control(holder: 1, operation: .add, end: .read, events: .input), .close(holder: 2, end: .write), .wait(holder: 2, maxEvents: 16),
         .close(holder: 1, end: .write), .wait(holder: 2, maxEvents: 16), .close(holder: 2, end: .read), .wait(holder: 2, maxEvents: 16),
         .control(holder: 2, operation: .modify, end: .read, events: .input), .control(holder: 1, operation: .modify, end: .read, events: [.input, .edgeTriggered]),
         .wait(holder: 2, maxEvents: 16), .wait(holder: 1, maxEvents: 16), .close(holder: 1, end: .read), .wait(holder: 2, maxEvents: 16)],
        // epoll_wait12: the write end registered on a full pipe; the readers' last close reports EPOLLERR.
        [.write(holder: 1, size: 65536), .control(holder: 1, operation: .add, end: .write, events: .output), .wait(holder: 2, maxEvents: 16),
         .close(holder: 2, end: .read), .wait(holder: 2, maxEvents: 16), .close(holder: 1, end: .read), .wait(holder: 2, maxEvents: 16)],
        // EPOLLET news and EPOLLONESHOT are the instance's: one holder's wait takes what the other's then lacks; EEXIST
        // for the other holder's ADD, its DEL works; the sharer's exit leaves the registrations.
        [.control(holder: 2, operation: .add, end: .read, events: [.input, .edgeTriggered]), .wait(holder: 1, maxEvents: 16), .write(holder: 2, size: 5),
         .wait(holder: 1, maxEvents: 16), .wait(holder: 2, maxEvents: 16), .write(holder: 1, size: 1), .wait(holder: 2, maxEvents: 16),
         .control(holder: 1, operation: .add, end: .read, events: .input), .control(holder: 1, operation: .add, end: .write, events: [.output, .oneShot]),
         .wait(holder: 2, maxEvents: 16), .wait(holder: 1, maxEvents: 16), .exitSharer, .write(holder: 1, size: 1), .wait(holder: 1, maxEvents: 16),
         .control(holder: 1, operation: .delete, end: .read, events: []), .wait(holder: 1, maxEvents: 16)],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        try await EpollAgreement.agree(
            directed: Self.directedSequences, random: Self.operations,
            marks: Set(["EPOLLIN", "EPOLLOUT", "EPOLLHUP", "EPOLLERR", "EEXIST", "ENOENT", "EBADF", "shared report", "kept after a close", "exit"]),
            check: { operations, seen throws in try PipeAgreement.repeatingDisagreements { try Self.checkOnce(operations: operations, seen: seen) } })
    }

    static let model = PipeModel(pipes: [
        ("p0", PipeModel.Setup(readers: [1, 2], writers: [1, 2], nonblocking: true, shared: [[1, 2]], sharedEpoll: [[1, 2]]))
    ])

    /// Holder 1 is the test process, holder 2 a forked sharer of its pipe descriptions and instance.
    static func checkOnce(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try Syscall.withoutConcurrentSpawns {
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            let instance = try KernelEpoll.create()
            var ends: [PipeModel.End: [Int: FileDescriptor]] = [.read: [1: readEnd, 2: readEnd], .write: [1: writeEnd, 2: writeEnd]]
            var sharer: Sharer? = try Sharer(instance: instance.rawValue)
            defer {
                _ = sharer?.finish()
                for descriptor in Set([ends[.read]![1], ends[.write]![1]].compactMap { $0?.rawValue }) { Glibc.close(descriptor) }
                try? Syscall.close(instance)
            }
            var registered: [CInt: PipeModel.End] = [:]
            var states = [model.initialState(of: "p0")]
            for (index, operation) in operations.enumerated() {
                if sharer == nil && operation.holder == 2 { continue }  // the sharer has exited: nothing of it to run
                let input: PipeModel.Input
                var kernel: PipeModel.Output = .closed
                switch operation {
                case .write(let holder, let size):
                    let data = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: size)
                    input = .write(process: holder, data: data, nonblocking: true)
                    let number = ends[.write]![holder]?.rawValue ?? -1
                    if holder == 2, let sharer {
                        let reply = sharer.run(4, number, Int32(size), Int32(data.first ?? 0))
                        kernel = reply.result >= 0 ? .wrote(Int(reply.result)) : .failed(ErrorCode(Errno(rawValue: reply.errno).name))
                    } else {
                        do throws(Errno) {
                            kernel = number < 0 ? .failed(.EBADF) : try PipeAgreement.write(FileDescriptor(rawValue: number), data, nonblocking: true)
                        } catch { kernel = .failed(ErrorCode(error.name)) }
                    }
                case .read(let max):
                    input = .read(process: 1, max: max, nonblocking: true)
                    do throws(Errno) {
                        if let descriptor = ends[.read]![1] {
                            kernel = try PipeAgreement.read(descriptor, max: max, nonblocking: true)
                        } else {
                            kernel = .failed(.EBADF)
                        }
                    } catch { kernel = .failed(ErrorCode(error.name)) }
                case .close(let holder, let end):
                    input = .close(process: holder, end: end)
                    let number = ends[end]![holder]?.rawValue ?? -1
                    let result = holder == 1 ? (number < 0 ? -1 : Glibc.close(number)) : (sharer?.run(1, number).result ?? -1)
                    kernel = result == 0 ? .closed : .failed(.EBADF)
                    if result == 0 { ends[end]![holder] = nil }
                case .control(let holder, let operation, let end, let events):
                    input = .epoll(process: holder, call: .control(operation: operation, end: end, events: events))
                    let number = ends[end]![holder]?.rawValue ?? -1
                    let code: CInt = switch operation {
                    case .add: ipc_epoll_ctl_add()
                    case .modify: ipc_epoll_ctl_mod()
                    default: ipc_epoll_ctl_del()
                    }
                    let bits = Int32(bitPattern: UInt32(truncatingIfNeeded: events.rawValue))
                    let (result, error): (Int32, Int32)
                    if holder == 1 {
                        errno = 0
                        result = ipc_epoll_ctl(instance.rawValue, code, number, UInt32(bitPattern: bits), 1)
                        error = errno
                    } else if let sharer {
                        (result, error) = { let reply = sharer.run(2, code, number, bits); return (reply.result, reply.errno) }()
                    } else {
                        (result, error) = (-1, EBADF)
                    }
                    kernel = result == 0 ? .epollControlled : .failed(ErrorCode(Errno(rawValue: error).name))
                    if result == 0, case .add = operation { registered[number] = end }
                case .wait(let holder, let maxEvents):
                    input = .epoll(process: holder, call: .wait(maxEvents: maxEvents, timeout: 0))
                    var events: [(CInt, PipeModel.EpollEvents)] = []
                    if holder == 1 {
                        do throws(Errno) {
                            events = try KernelEpoll.wait(instance.rawValue, maxEvents: maxEvents, timeoutMilliseconds: 0).map {
                                ($0.descriptor, PipeModel.EpollEvents(rawValue: Int($0.events.rawValue)))
                            }
                        } catch { kernel = .failed(ErrorCode(error.name)) }
                    } else if let sharer {
                        events = sharer.run(3, Int32(maxEvents), 0).events.map { ($0.0, PipeModel.EpollEvents(rawValue: Int($0.1))) }
                    }
                    if case .failed = kernel {} else {
                        kernel = PipeEpollAgreementTests.reports(events.map { (descriptor: $0.0, events: $0.1) }, registered: registered)
                    }
                case .exitSharer:
                    input = .exit(process: 2)
                    kernel = .exited
                    if let current = sharer {
                        if !current.finish() { PipeAgreement.disagreement("the sharer did not exit cleanly") }
                        sharer = nil
                    }
                    ends[.read]![2] = nil
                    ends[.write]![2] = nil
                }
                guard let next = PipeAgreement.nextStates(model, from: states, input, kernel: kernel, context: "operation \(index) \(operation) of \(operations)") else {
                    return
                }
                seen.withLock { seen in
                    switch kernel {
                    case .epollEvents(let reports):
                        for report in reports { seen.formUnion(report.events.names) }
                        if !reports.isEmpty, case .wait(2, _) = operation { seen.insert("shared report") }
                        if !reports.isEmpty, reports.contains(where: { report in ends[report.end]![1] == nil || ends[report.end]![2] == nil }) {
                            seen.insert("kept after a close")
                        }
                    case .failed(let code): seen.insert(code.rawValue)
                    case .exited: seen.insert("exit")
                    default: break
                    }
                }
                states = next
            }
        }
    }
}
