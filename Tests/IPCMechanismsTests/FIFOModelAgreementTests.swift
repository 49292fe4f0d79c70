import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import Synchronization
import SystemPackage
import Testing

/// Random sequences of nonblocking opens, reads, writes and closes on a real FIFO and on the fifo model must give
/// the same outputs: `ENXIO`, end of file without a writer, `EAGAIN` with one, `EPIPE`, and the bytes discarded
/// once nobody has the FIFO open; and `poll` and `select` (zero timeout) of the latest descriptor of each end, with the
/// `POLLHUP` a nonblocking reader opened before any writer does not see; and `O_RDWR` opens, one description that is
/// the latest of both ends (shared flags, both ends' `poll` bits, closed by a close of either end); `F_GETFD` and
/// `F_SETFD` on the latest open of an end, each open its own `FD_CLOEXEC` (an `O_RDWR` open's one for both ends).
@Suite struct FIFOModelAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case open(PipeModel.End)
        case openReadWrite
        case write(Int)
        case read(Int)
        case close(PipeModel.End)
        case readiness(PipeModel.End, PipeModel.ReadinessCall)
        case fcntl(PipeModel.End, PipeModel.FileControl)
        case available
        case status(PipeModel.End)
        case writev([Int])
        case readv([Int])
        /// `dup` of the latest descriptor of the end (an `O_RDWR` one's copy held under both ends).
        case dup(PipeModel.End)

        var description: String {
            switch self {
            case .dup(let end): "dup(\(end))"
            case .open(let end): "open(\(end))"
            case .openReadWrite: "open(O_RDWR)"
            case .write(let size): "write(\(size))"
            case .read(let max): "read(\(max))"
            case .close(let end): "close(\(end))"
            case .readiness(let end, let call): "\(call) on \(end)"
            case .fcntl(let end, let command): "fcntl(\(end), \(command))"
            case .available: "FIONREAD"
            case .status(let end): "fstat(\(end))"
            case .writev(let sizes): "writev(\(sizes))"
            case .readv(let sizes): "readv(\(sizes))"
            }
        }
    }

    static let operations = Gen.oneOf(
        Gen.int(in: 0...3).map { Operation.open($0 % 2 == 0 ? .read : .write) }.eraseToAny(),
        Gen.int(in: 0...0).map { _ in Operation.openReadWrite }.eraseToAny(),
        Gen.int(in: 1...5000).map { Operation.write($0) }.eraseToAny(),
        Gen.int(in: 0...70000).map { Operation.write($0) }.eraseToAny(),
        Gen.int(in: 0...70000).map { Operation.read($0) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.close($0 % 2 == 0 ? .read : .write) }.eraseToAny(),
        Gen.int(in: 0...1).map { Operation.dup($0 == 0 ? .read : .write) }.eraseToAny(),
        Gen.int(in: 0...11).map { Operation.readiness($0 % 2 == 0 ? .read : .write, Self.readinessCalls[$0 / 2]) }.eraseToAny(),
        Gen.int(in: 0...31).map { Operation.fcntl($0 % 2 == 0 ? .read : .write, Self.fileControls[$0 / 2]) }.eraseToAny(),
        Gen.int(in: 0...0).map { _ in Operation.available }.eraseToAny(),
        Gen.int(in: 0...1).map { Operation.status($0 == 0 ? .read : .write) }.eraseToAny(),
        Gen.int(in: 0...5000).array(of: 0...3).map { Operation.writev($0) }.eraseToAny(),
        Gen.int(in: 0...5000).array(of: 0...3).map { Operation.readv($0) }.eraseToAny()
    ).array(of: 1...40)

    static let fileControls: [PipeModel.FileControl] = [
        .getFlags, .getFlags, .setFlags(nonblocking: false, direct: nil), .setFlags(nonblocking: false, direct: nil),
        .setFlags(nonblocking: true, direct: nil), .getPipeSize, .setPipeSize(4096), .setPipeSize(16384),
        .getDescriptorFlags, .setDescriptorFlags(closeOnExec: false), .setDescriptorFlags(closeOnExec: true),
        // ioctl (KernelPipeIoctlFactsTests): FIONREAD through either end, FIONBIO, FIOCLEX/FIONCLEX.
        .ioctl(.bytesAvailable), .ioctl(.nonblocking(true)), .ioctl(.nonblocking(false)), .ioctl(.closeOnExec(true)),
        .ioctl(.closeOnExec(false)),
    ]

    static let readinessCalls: [PipeModel.ReadinessCall] = [
        .poll(events: [.input, .output], timeout: 0), .poll(events: .input, timeout: 0), .poll(events: [.output, .writeNormal], timeout: 0),
        .poll(events: [], timeout: 0), .select(read: true, write: true, timeout: 0), .select(read: true, write: false, timeout: 0),
    ]

    static let pattern: [UInt8] = (0..<80_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 253) }

    /// Sequences that meet every required kind, run before the random ones so that meeting a kind never depends on the draw.
    static let directedSequences: [[Operation]] = [
        [.open(.read), .readiness(.read, .poll(events: [.input, .output], timeout: 0)), .read(10), .open(.write), .write(10),
         .readiness(.read, .poll(events: [.input, .output], timeout: 0)), .readiness(.write, .poll(events: [.input, .output], timeout: 0)),
         .read(5), .writev([3, 4]), .readv([2, 100]), .read(100), .write(10000), .fcntl(.write, .setPipeSize(4096)),
         .fcntl(.write, .setFlags(nonblocking: false, direct: nil)), .fcntl(.write, .getFlags), .close(.write),
         .readiness(.read, .poll(events: [.input, .output], timeout: 0)), .close(.read), .open(.write)],
        [.open(.read), .open(.write), .close(.read), .write(10), .readiness(.write, .poll(events: [.output, .writeNormal], timeout: 0)),
         .fcntl(.write, .setPipeSize(4096)), .close(.write), .open(.read), .fcntl(.read, .getPipeSize)],
        // O_RDWR alone: its own partner (EAGAIN, not end of file; no EPIPE); both ends' poll bits on one descriptor; a
        // close of the write end takes the read half too, while a later O_RDONLY keeps the bytes; flags set through
        // one half are the other's; the last close discards the bytes.
        [.openReadWrite, .read(10), .write(10), .readiness(.read, .poll(events: [.input, .output], timeout: 0)),
         .readiness(.write, .select(read: true, write: true, timeout: 0)), .open(.read), .close(.write), .read(4), .write(1),
         .readiness(.read, .poll(events: [.input, .output], timeout: 0)), .openReadWrite,
         .fcntl(.read, .setFlags(nonblocking: false, direct: nil)), .fcntl(.write, .getFlags), .write(3), .close(.read), .read(100),
         .close(.read), .openReadWrite, .write(5), .close(.write), .openReadWrite, .read(10)],
        // FD_CLOEXEC per open: cleared on the latest of two read opens, the earlier keeps its own (set, as opened) and
        // is seen once the latest closes; cleared on it, a later open has its own again; an O_RDWR open's flag set
        // through one end is read through the other.
        [.open(.read), .open(.read), .fcntl(.read, .setDescriptorFlags(closeOnExec: false)), .close(.read), .fcntl(.read, .getDescriptorFlags),
         .fcntl(.read, .setDescriptorFlags(closeOnExec: false)), .open(.read), .fcntl(.read, .getDescriptorFlags),
         .close(.read), .fcntl(.read, .getDescriptorFlags), .openReadWrite, .fcntl(.write, .setDescriptorFlags(closeOnExec: false)),
         .fcntl(.read, .getDescriptorFlags), .close(.read), .fcntl(.read, .getDescriptorFlags), .fcntl(.write, .getDescriptorFlags)],
    ]

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        Syscall.ignoreBrokenPipeSignal()
        let seen = Mutex<Set<String>>([])
        for operations in Self.directedSequences {
            try Self.check(operations: operations, seen: seen)
        }
        await checkProperty(count: 1200, input: Self.operations) { operations throws in
            try Self.check(operations: operations, seen: seen)
        }
        let missing = Set([
            "ENXIO", "EAGAIN", "EPIPE", "end of file", "data", "discarded", "POLLHUP", "POLLHUP suppressed", "POLLERR", "POLLIN", "POLLOUT",
            "size reset", "blocking description", "EBUSY", "writev", "readv", "O_RDWR polled both ways", "O_RDWR discarded",
            "FD_CLOEXEC set", "FD_CLOEXEC clear",
        ]).subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the generated sequences never met \(missing.sorted()); met \(seen.withLock { $0 }.sorted())")
    }

    /// Runs one sequence on a fresh FIFO and the model side by side; records an issue at the first disagreement.
    static func check(operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try Self.withFreshFIFO { path, held in
            // KernelFIFO.open, like the worker's, opens close-on-exec.
            let model = FIFOModel(fifos: [("f0", FIFOModel.Setup(closeOnExec: true))])
            var state = model.initialState(of: "f0")
            for (index, planned) in operations.enumerated() {
                // A vectored call blocks as its description says: on a blocking one it could sleep for good, so the
                // step turns the description nonblocking instead.
                var operation = planned
                switch planned {
                case .writev, .readv:
                    let end: PipeModel.End = if case .writev = planned { .write } else { .read }
                    if let descriptor = held[end]?.last, try !KernelPipe.flags(descriptor).nonblocking {
                        operation = .fcntl(end, .setFlags(nonblocking: true, direct: nil))
                    }
                default: break
                }
                let input: FIFOModel.Input
                let kernel: FIFOModel.Output
                do {
                    switch operation {
                    case .open(let end):
                        (input, kernel) = Self.open(end, path: path, &held)
                    case .openReadWrite:
                        input = .openReadWrite(process: 1, nonblocking: true)
                        kernel = Self.outcome {
                            let descriptor = try KernelFIFO.open(path, for: .readWrite, nonblocking: true)
                            held[.read, default: []].append(descriptor)
                            held[.write, default: []].append(descriptor)
                            return .opened
                        }
                    case .write(let size):
                        let start = size % 253
                        (input, kernel) = Self.write(Array(Self.pattern[start..<start + size]), held)
                    case .read(let max):
                        (input, kernel) = Self.read(max, held)
                    case .close(let end):
                        (input, kernel) = Self.close(end, &held)
                    case .dup(let end):
                        input = .duplicate(process: 1, end: end)
                        guard let descriptor = held[end]?.last else { kernel = .failed(.EBADF); break }
                        let copy = try Syscall.duplicate(descriptor, closeOnExec: false)
                        held[end, default: []].append(copy)
                        let other: PipeModel.End = end == .read ? .write : .read
                        if let index = held[other]?.lastIndex(of: descriptor) { held[other]?.insert(copy, at: index + 1) }
                        kernel = .duplicated
                    case .fcntl(let end, let command):
                        input = .fcntl(process: 1, end: end, command: command)
                        guard let descriptor = held[end]?.last else { kernel = .failed(.EBADF); break }
                        switch command {
                        case .getFlags:
                            let flags = try KernelPipe.flags(descriptor)
                            kernel = .flags(nonblocking: flags.nonblocking, direct: flags.direct)
                        case .setFlags(let nonblocking, _):
                            try KernelPipe.setFlags(descriptor, nonblocking: nonblocking, direct: nil)
                            kernel = .flagsSet
                        case .getPipeSize: kernel = .size(try Syscall.pipeSize(descriptor))
                        case .setPipeSize(let size): kernel = .size(try Syscall.setPipeSize(descriptor, size))
                        case .getDescriptorFlags: kernel = .descriptorFlags(closeOnExec: try Syscall.closesOnExec(descriptor))
                        case .setDescriptorFlags(let closeOnExec):
                            try Syscall.setClosesOnExec(descriptor, closeOnExec)
                            kernel = .flagsSet
                        case .ioctl(.bytesAvailable): kernel = .available(try Syscall.bytesReadable(descriptor))
                        case .ioctl(.nonblocking(let on)):
                            try Syscall.control(descriptor, request: UInt(FIONBIO), argument: on ? 1 : 0)
                            kernel = .flagsSet
                        case .ioctl(.closeOnExec(let on)):
                            try Syscall.control(descriptor, request: UInt(on ? FIOCLEX : FIONCLEX))
                            kernel = .flagsSet
                        case .duplicate, .duplicateOnto, .getOwner, .setOwner, .getOwnerEx, .setOwnerEx, .getSignal, .setSignal, .setFlagsWithAsync,
                            .ioctl(.async):
                            kernel = .failed(.EINVAL)  // never drawn
                        }
                    case .writev(let sizes):
                        let pieces = sizes.enumerated().map { Array(Self.pattern[$0.offset..<$0.offset + $0.element]) }
                        input = .writev(process: 1, pieces: pieces)
                        guard let descriptor = held[.write]?.last else { kernel = .failed(.EBADF); break }
                        switch try KernelPipe.write(descriptor, pieces: pieces) {
                        case .completed(let count): kernel = .wrote(count)
                        case .wouldBlock: kernel = .failed(.EAGAIN)
                        }
                    case .readv(let sizes):
                        input = .readv(process: 1, sizes: sizes)
                        guard let descriptor = held[.read]?.last else { kernel = .failed(.EBADF); break }
                        switch try KernelPipe.read(descriptor, sizes: sizes) {
                        case .completed(let bytes): kernel = .read(bytes)
                        case .wouldBlock: kernel = .failed(.EAGAIN)
                        }
                    case .status(let end):
                        input = .status(process: 1, end: end)
                        guard let descriptor = held[end]?.last else { kernel = .failed(.EBADF); break }
                        let status = try KernelPipe.status(descriptor)
                        kernel = .status(type: status.type, mode: status.mode, size: status.size)
                    case .available:
                        input = .available(process: 1)
                        guard let descriptor = held[.read]?.last else { kernel = .failed(.EBADF); break }
                        kernel = .available(try Syscall.bytesReadable(descriptor))
                    case .readiness(let end, let call):
                        input = .readiness(process: 1, end: end, call: call)
                        switch call {
                        case .poll(let events, _):
                            guard let descriptor = held[end]?.last else { kernel = .ready(.invalid); break }
                            let revents = try KernelPipe.poll(descriptor, events: Int16(events.rawValue), timeoutMilliseconds: 0)
                            kernel = .ready(PipeModel.PollEvents(rawValue: Int(revents)))
                        case .select(let read, let write, _):
                            guard let descriptor = held[end]?.last else { kernel = .failed(.EBADF); break }
                            let (readable, writable) = try KernelPipe.select(descriptor, read: read, write: write, timeoutMilliseconds: 0)
                            kernel = .selected(readable: readable, writable: writable)
                        }
                    }
                } catch let error as Errno {
                    kernel = .failed(ErrorCode(error.name))
                } catch {
                    kernel = .failed(ErrorCode("\(error)"))
                }
                guard let next = Self.agreedStep(model, state, input, kernel, "operation \(index) \(operation) of \(operations)") else { return }
                let discarded = state.pipe.bufferedCount > 0 && next.pipe.bufferedCount == 0 && kernel == .closed
                seen.withLock { _ = $0.insert(discarded ? "discarded" : Self.kind(operation, kernel)) }
                if discarded, state.opens.contains(where: \.readWrite) { seen.withLock { _ = $0.insert("O_RDWR discarded") } }
                if case .ready(let events) = kernel, events.isSuperset(of: [.input, .output]) {
                    seen.withLock { _ = $0.insert("O_RDWR polled both ways") }
                }
                if case .size(65536) = kernel, case .fcntl(_, .getPipeSize) = operation, state.pipe.slots == 16,
                    seen.withLock({ $0.contains("resized") })
                {
                    seen.withLock { _ = $0.insert("size reset") }
                }
                if case .size(let size) = kernel, size != 65536 { seen.withLock { _ = $0.insert("resized") } }
                if case .writev = operation, case .wrote(let count) = kernel, count > 0 { seen.withLock { _ = $0.insert("writev") } }
                if case .readv = operation, case .read(let bytes) = kernel, !bytes.isEmpty { seen.withLock { _ = $0.insert("readv") } }
                if case .flags(false, _) = kernel { seen.withLock { _ = $0.insert("blocking description") } }
                if case .descriptorFlags(let closeOnExec) = kernel { seen.withLock { _ = $0.insert(closeOnExec ? "FD_CLOEXEC set" : "FD_CLOEXEC clear") } }
                if case .ready(let events) = kernel {
                    seen.withLock { seen in
                        for name in events.names { seen.insert(name) }
                        if case .readiness(.read, _) = operation, state.pipe.writers.isEmpty, !events.contains(.hangUp), !events.contains(.invalid) {
                            seen.insert("POLLHUP suppressed")
                        }
                    }
                }
                state = next
            }
        }
    }

    /// The FIFO's name: random sequences of `unlink`, `mkfifo` (a mode under a umask, or in a missing directory) and
    /// `chmod` among nonblocking opens, writes, reads and closes, on a real FIFO and on the model, give the same
    /// outputs: descriptors open before the `unlink` keep working, later opens, `chmod`s and `unlink`s fail `ENOENT`,
    /// `mkfifo` fails `EEXIST` until the name is gone and then reports its mode less the umask.
    enum NameOperation: Sendable, CustomStringConvertible {
        case open(PipeModel.End)
        case write(Int)
        case read(Int)
        case close(PipeModel.End)
        case unlink
        case mkfifo(mode: Int, umask: Int, missingDirectory: Bool)
        case chmod(Int)

        var description: String {
            switch self {
            case .open(let end): "open(\(end))"
            case .write(let size): "write(\(size))"
            case .read(let max): "read(\(max))"
            case .close(let end): "close(\(end))"
            case .unlink: "unlink"
            case .mkfifo(let mode, let umask, let missing): "mkfifo(0\(String(mode, radix: 8)), umask 0\(String(umask, radix: 8))\(missing ? ", missing directory" : ""))"
            case .chmod(let mode): "chmod(0\(String(mode, radix: 8)))"
            }
        }
    }

    static let nameOperations = Gen.oneOf(
        Gen.int(in: 0...1).map { NameOperation.open($0 == 0 ? .read : .write) }.eraseToAny(),
        Gen.int(in: 0...100).map { NameOperation.write($0) }.eraseToAny(),
        Gen.int(in: 0...100).map { NameOperation.read($0) }.eraseToAny(),
        Gen.int(in: 0...1).map { NameOperation.close($0 == 0 ? .read : .write) }.eraseToAny(),
        Gen.always(NameOperation.unlink).eraseToAny(),  // twice as likely: a second unlink must come up
        Gen.always(NameOperation.unlink).eraseToAny(),
        zip(Gen.int(in: 0...0o777), Gen.int(in: 0...0o777), Gen.int(in: 0...5)).map { NameOperation.mkfifo(mode: $0, umask: $1, missingDirectory: $2 == 0) }.eraseToAny(),
        Gen.int(in: 0...0o777).map { NameOperation.chmod($0) }.eraseToAny()
    ).array(of: 1...20).map { [NameOperation.open(.read), .open(.write), .write(10)] + $0 }  // bytes to read after an unlink

    /// Sequences that meet every required kind, run before the random ones so that meeting a kind never depends on the draw.
    static let directedNameSequences: [[NameOperation]] = [
        [.open(.read), .open(.write), .write(10), .mkfifo(mode: 0o644, umask: 0o022, missingDirectory: false),
         .mkfifo(mode: 0o644, umask: 0o022, missingDirectory: true), .unlink, .read(5), .open(.read), .chmod(0o600), .unlink,
         .mkfifo(mode: 0o644, umask: 0o022, missingDirectory: false)],
    ]

    @Test func modelAndKernelAgreeOnTheName() async throws {
        Syscall.ignoreBrokenPipeSignal()
        let seen = Mutex<Set<String>>([])
        for operations in Self.directedNameSequences {
            try Self.checkName(operations: operations, seen: seen)
        }
        await checkProperty(count: 300, input: Self.nameOperations) { operations throws in
            try Self.checkName(operations: operations, seen: seen)
        }
        let missing = Set(["made", "read after unlink", "open ENOENT", "chmod ENOENT", "unlink ENOENT", "mkfifo EEXIST", "mkfifo ENOENT"])
            .subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the generated sequences never met \(missing.sorted()); met \(seen.withLock { $0 }.sorted())")
    }

    /// Runs one name sequence on a fresh FIFO and the model side by side; records an issue at the first disagreement.
    static func checkName(operations: [NameOperation], seen: borrowing Mutex<Set<String>>) throws {
        try Self.withFreshFIFO { path, held in
            let model = FIFOModel(fifos: [("f0", FIFOModel.Setup())])
            var state = model.initialState(of: "f0")
            for (index, operation) in operations.enumerated() {
                let input: FIFOModel.Input
                let kernel: FIFOModel.Output
                do {
                    switch operation {
                    case .open(let end):
                        (input, kernel) = Self.open(end, path: path, &held)
                    case .write(let size):
                        (input, kernel) = Self.write(Array(Self.pattern[0..<size]), held)
                    case .read(let max):
                        (input, kernel) = Self.read(max, held)
                    case .close(let end):
                        (input, kernel) = Self.close(end, &held)
                    case .unlink:
                        input = .unlink(process: 1)
                        try Syscall.unlink(path)
                        kernel = .unlinked
                    case .mkfifo(let mode, let umask, let missingDirectory):
                        input = .mkfifo(process: 1, mode: mode, umask: umask, missingDirectory: missingDirectory)
                        let target = missingDirectory ? "\(path)-missing-directory/fifo" : path
                        let made = try KernelFIFO.make(at: target, mode: mode_t(mode), umask: mode_t(umask))
                        try Syscall.unlink(target)  // as the worker does: not the FIFO the sequence follows
                        kernel = .made(mode: made)
                    case .chmod(let mode):
                        input = .chmod(process: 1, mode: mode)
                        try Syscall.changeMode(path, mode_t(mode))
                        kernel = .modeChanged
                    }
                } catch let error as Errno {
                    kernel = .failed(ErrorCode(error.name))
                } catch {
                    kernel = .failed(ErrorCode("\(error)"))
                }
                guard let next = Self.agreedStep(model, state, input, kernel, "operation \(index) \(operation) of \(operations)") else { return }
                seen.withLock { seen in
                    switch (operation, kernel) {
                    case (.mkfifo, .made): seen.insert("made")
                    case (.read, .read(let bytes)) where !bytes.isEmpty && !state.linked: seen.insert("read after unlink")
                    case (.open, .failed(let code)), (.chmod, .failed(let code)), (.unlink, .failed(let code)), (.mkfifo, .failed(let code)):
                        seen.insert("\(operation.description.prefix { $0 != "(" }) \(code.rawValue)")
                    default: break
                    }
                }
                state = next
            }
        }
    }

    static func kind(_ operation: Operation, _ output: FIFOModel.Output) -> String {
        switch (operation, output) {
        case (.read(let max), .read(let bytes)) where max > 0: bytes.isEmpty ? "end of file" : "data"
        case (_, .failed(let code)): code.rawValue
        default: ""
        }
    }

    static func short(_ output: FIFOModel.Output) -> String {
        if case .read(let bytes) = output { return "read \(bytes.count) bytes" }
        return "\(output)"
    }

    // MARK: The calls both properties make alike

    typealias Held = [PipeModel.End: [FileDescriptor]]

    /// `body` with a fresh FIFO's path and the descriptors it opens, all closed afterwards (an `O_RDWR` one, held
    /// under both ends, once) and the FIFO removed. No spawn may hold a copy of them: their closes must be the last.
    /// A disagreement counts only when a second run (on a fresh FIFO) repeats it
    /// (``PipeAgreement/repeatingDisagreements(_:)``): the test library's own spawns cannot hold off.
    static func withFreshFIFO(_ body: (String, inout Held) throws -> Void) throws {
        try PipeAgreement.repeatingDisagreements { try withFreshFIFOOnce(body) }
    }

    static func withFreshFIFOOnce(_ body: (String, inout Held) throws -> Void) throws {
        try Syscall.withoutConcurrentSpawns {
            let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
            try KernelFIFO.create(at: path)
            var held: Held = [:]
            defer {
                for descriptor in Set(held.values.joined()) { try? Syscall.close(descriptor) }
                unlink(path)
            }
            try body(path, &held)
        }
    }

    /// The model's one completion of `input` that gives the kernel's output, or nil with an issue recorded. Without
    /// the test process's descriptor table in the setup the model also allows `EMFILE` for an open, which the kernel
    /// never gives here.
    static func agreedStep(
        _ model: FIFOModel, _ state: FIFOModel.State, _ input: FIFOModel.Input, _ kernel: FIFOModel.Output, _ context: String
    ) -> FIFOModel.State? {
        let full = FIFOModel.Output.failed(ErrorCode("EMFILE"))
        let outcomes = model.outcomes(of: input, in: state).filter { kernel == full || $0.output != full }
        guard outcomes.count == 1, case .completed(let next) = outcomes[0].step, outcomes[0].output == kernel else {
            PipeAgreement.disagreement("\(context): kernel \(short(kernel)), model \(outcomes.map { $0.output.map(short) ?? "piece" })")
            return nil
        }
        return next
    }

    /// A nonblocking open of `end`, the new descriptor held as the newest of its end.
    static func open(_ end: PipeModel.End, path: String, _ held: inout Held) -> (FIFOModel.Input, FIFOModel.Output) {
        let input = FIFOModel.Input.open(process: 1, end: end, nonblocking: true)
        return (input, outcome { held[end, default: []].append(try KernelFIFO.open(path, for: end == .read ? .read : .write, nonblocking: true)); return .opened })
    }

    /// A nonblocking write through the newest write descriptor (`EBADF` without one).
    static func write(_ data: [UInt8], _ held: Held) -> (FIFOModel.Input, FIFOModel.Output) {
        let input = FIFOModel.Input.write(process: 1, data: data, nonblocking: true)
        guard let descriptor = held[.write]?.last else { return (input, .failed(.EBADF)) }
        return (input, outcome {
            switch try KernelPipe.write(descriptor, data, nonblocking: true) {
            case .completed(let count): .wrote(count)
            case .wouldBlock: .failed(.EAGAIN)
            }
        })
    }

    /// A nonblocking read through the newest read descriptor (`EBADF` without one).
    static func read(_ max: Int, _ held: Held) -> (FIFOModel.Input, FIFOModel.Output) {
        let input = FIFOModel.Input.read(process: 1, max: max, nonblocking: true)
        guard let descriptor = held[.read]?.last else { return (input, .failed(.EBADF)) }
        return (input, outcome {
            switch try KernelPipe.read(descriptor, max: max, nonblocking: true) {
            case .completed(let bytes): .read(bytes)
            case .wouldBlock: .failed(.EAGAIN)
            }
        })
    }

    /// Closes the newest descriptor of `end` (`EBADF` without one); it is no longer held — under either end, for an
    /// `O_RDWR` one.
    static func close(_ end: PipeModel.End, _ held: inout Held) -> (FIFOModel.Input, FIFOModel.Output) {
        let input = FIFOModel.Input.close(process: 1, end: end)
        guard let descriptor = held[end]?.popLast() else { return (input, .failed(.EBADF)) }
        let other: PipeModel.End = end == .read ? .write : .read
        if let index = held[other]?.lastIndex(of: descriptor) { held[other]?.remove(at: index) }
        return (input, outcome { try Syscall.close(descriptor); return .closed })
    }

    /// Every state `model` may be in after `input` gave the kernel's output, from any of `states` (judged by `step`, so
    /// what the model leaves unjudged goes); nil, with the disagreement reported, when none.
    static func nextStates(
        _ model: FIFOModel, from states: [FIFOModel.State], _ input: FIFOModel.Input, kernel: FIFOModel.Output, context: @autoclosure () -> String
    ) -> [FIFOModel.State]? {
        var next: [FIFOModel.State] = []
        for state in states {
            for case .completed(let after) in model.step(state, input, kernel) where !next.contains(after) { next.append(after) }
        }
        guard !next.isEmpty else {
            let allowed = states.flatMap { model.outcomes(of: input, in: $0).map { $0.output.map { "\($0)" } ?? "piece" } }
            PipeAgreement.disagreement("\(context()): kernel \(kernel), model \(allowed)")
            return nil
        }
        return next
    }

    /// What `body` gave, or the error it failed with as the model names it.
    static func outcome(_ body: () throws -> FIFOModel.Output) -> FIFOModel.Output {
        do {
            return try body()
        } catch let error as Errno {
            return .failed(ErrorCode(error.name))
        } catch {
            return .failed(ErrorCode("\(error)"))
        }
    }
}
