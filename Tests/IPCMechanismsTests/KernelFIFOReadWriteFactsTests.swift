import Foundation
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import Synchronization
import SystemPackage
import Testing

/// `open(path, O_RDWR)` on a FIFO, as this kernel's `fifo_open` does it (POSIX leaves it undefined): the facts the
/// fifo model's `openReadWrite` encodes (``FIFOModel``, `FIFOModel+ReadWrite.swift`). Each is checked against the model
/// too, from the same start.
@Suite struct KernelFIFOReadWriteFactsTests {
    final class Path {
        let value = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-rdwr"
        init() throws { try KernelFIFO.create(at: value) }
        deinit { unlink(value) }
    }

    /// The processes' descriptor tables are described, so `EMFILE` is not among the outcomes of an open.
    let model = FIFOModel(fifos: [("f0", FIFOModel.Setup(descriptorLimits: [
        PipeModel.DescriptorLimit(process: 1, free: 100, limit: 1024), PipeModel.DescriptorLimit(process: 2, free: 100, limit: 1024),
    ]))])

    /// The model's one outcome of `input` from `state`, and the state after it.
    func step(_ state: inout FIFOModel.State, _ input: FIFOModel.Input) -> FIFOModel.Output? {
        let outcomes = model.outcomes(of: input, in: state)
        guard outcomes.count == 1, case .completed(let next) = outcomes[0].step else { return nil }
        state = next
        return outcomes[0].output
    }

    /// A blocking `O_RDWR` open with nobody else at the FIFO returns at once: the opener is its own partner. Through
    /// it, an empty FIFO reads `EAGAIN` (a writer is open: itself), never end of file; a write with no other reader
    /// succeeds, never `EPIPE`; and a nonblocking `O_WRONLY` open, which fails `ENXIO` without a reader, succeeds.
    @Test func aReadWriteOpenIsItsOwnPartner() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            let both = try KernelFIFO.open(path.value, for: .readWrite, nonblocking: false)
            defer { try? Syscall.close(both) }
            var state = model.initialState(of: "f0")
            #expect(step(&state, .openReadWrite(process: 1, nonblocking: false)) == .opened)

            #expect(throws: Errno.resourceTemporarilyUnavailable) { _ = try Self.read(both, 10) }
            #expect(step(&state, .read(process: 1, max: 10, nonblocking: true)) == .failed(.EAGAIN))
            #expect(try KernelPipe.write(both, Array("abc".utf8), nonblocking: true) == .completed(3))
            #expect(step(&state, .write(process: 1, data: Array("abc".utf8), nonblocking: true)) == .wrote(3))

            let writer = try KernelFIFO.open(path.value, for: .write, nonblocking: true)
            defer { try? Syscall.close(writer) }
            #expect(step(&state, .open(process: 2, end: .write, nonblocking: true)) == .opened)
            #expect(try Self.read(both, 10) == Array("abc".utf8))
            #expect(step(&state, .read(process: 1, max: 10, nonblocking: true)) == .read(Array("abc".utf8)))
        }
    }

    /// `poll` of the one descriptor reports both ends' bits: `POLLIN` with bytes and `POLLOUT` with room, and never
    /// `POLLHUP` or `POLLERR` (it is its own reader and writer).
    @Test func pollReportsBothEndsOnOneDescriptor() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            let both = try KernelFIFO.open(path.value, for: .readWrite, nonblocking: true)
            defer { try? Syscall.close(both) }
            var state = model.initialState(of: "f0")
            _ = step(&state, .openReadWrite(process: 1, nonblocking: true))
            let asked: PipeModel.PollEvents = [.input, .output]
            #expect(try KernelPipe.poll(both, events: Int16(asked.rawValue), timeoutMilliseconds: 0) == Int16(POLLOUT))
            #expect(step(&state, .readiness(process: 1, end: .read, call: .poll(events: asked, timeout: 0))) == .ready(.output))
            _ = try KernelPipe.write(both, [1], nonblocking: true)
            _ = step(&state, .write(process: 1, data: [1], nonblocking: true))
            #expect(try KernelPipe.poll(both, events: Int16(asked.rawValue), timeoutMilliseconds: 0) == Int16(POLLIN | POLLOUT))
            #expect(step(&state, .readiness(process: 1, end: .write, call: .poll(events: asked, timeout: 0))) == .ready([.input, .output]))
        }
    }

    /// It is one description: `O_NONBLOCK` set through it is the description's, for reads and writes alike; and
    /// when it was the last opener, its close discards the bytes (the next open finds an empty FIFO).
    @Test func oneDescriptionWhoseLastCloseDiscardsTheBytes() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            let both = try KernelFIFO.open(path.value, for: .readWrite, nonblocking: false)
            var state = model.initialState(of: "f0")
            _ = step(&state, .openReadWrite(process: 1, nonblocking: false))
            try KernelPipe.setFlags(both, nonblocking: true, direct: nil)
            #expect(step(&state, .fcntl(process: 1, end: .read, command: .setFlags(nonblocking: true, direct: nil))) == .flagsSet)
            #expect(try KernelPipe.flags(both).nonblocking)
            #expect(step(&state, .fcntl(process: 1, end: .write, command: .getFlags)) == .flags(nonblocking: true, direct: false))
            _ = try KernelPipe.write(both, Array("lost".utf8), nonblocking: false)
            _ = step(&state, .write(process: 1, data: Array("lost".utf8), nonblocking: false))
            try Syscall.close(both)
            #expect(step(&state, .close(process: 1, end: .write)) == .closed)
            #expect(step(&state, .read(process: 1, max: 10, nonblocking: true)) == .failed(.EBADF))

            let again = try KernelFIFO.open(path.value, for: .readWrite, nonblocking: true)
            defer { try? Syscall.close(again) }
            #expect(throws: Errno.resourceTemporarilyUnavailable) { _ = try Self.read(again, 10) }
            _ = step(&state, .openReadWrite(process: 1, nonblocking: true))
            #expect(step(&state, .read(process: 1, max: 10, nonblocking: true)) == .failed(.EAGAIN))
        }
    }

    /// A process asleep in a blocking `O_RDONLY` open is released by another's `O_RDWR` open (it counts as a writer),
    /// and the model lets the sleeper's open return only then.
    @Test func aReadWriteOpenReleasesASleepingOpener() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            let opened = Atomic<Int32>(-2)
            let threadID = Atomic<Int32>(0)
            let thread = OSThread {
                threadID.store(OSThread.currentID, ordering: .sequentiallyConsistent)
                let descriptor = try? KernelFIFO.open(path.value, for: .read, nonblocking: false)
                opened.store(descriptor?.rawValue ?? -1, ordering: .sequentiallyConsistent)
            }
            // A bound far past any wait, so that a machine where /proc does not show the sleep fails instead of hanging.
            let giveUp = ContinuousClock.now + .seconds(120)
            while !(threadID.load(ordering: .sequentiallyConsistent) != 0
                && ProcessInspector.snapshot(of: threadID.load(ordering: .sequentiallyConsistent))?.isAsleepInSyscall == true)
            {
                if ContinuousClock.now > giveUp { break }
                OSThread.yield()
            }
            #expect(opened.load(ordering: .sequentiallyConsistent) == -2, "the reader's open returned before any writer")
            var state = model.initialState(of: "f0")
            #expect(model.outcomes(of: .open(process: 2, end: .read, nonblocking: false), in: state).map(\.output) == [nil])
            if case .partial(let asleep)? = model.outcomes(of: .open(process: 2, end: .read, nonblocking: false), in: state).first?.step {
                state = asleep
            }
            let both = try KernelFIFO.open(path.value, for: .readWrite, nonblocking: false)
            defer { try? Syscall.close(both) }
            thread.join()
            let reader = opened.load(ordering: .sequentiallyConsistent)
            #expect(reader >= 0)
            if reader >= 0 { try? Syscall.close(FileDescriptor(rawValue: reader)) }
            _ = step(&state, .openReadWrite(process: 1, nonblocking: false))
            #expect(model.outcomes(of: .open(process: 2, end: .read, nonblocking: false), in: state).map(\.output) == [.opened])
        }
    }

    static func read(_ descriptor: FileDescriptor, _ max: Int) throws(Errno) -> [UInt8] {
        switch try KernelPipe.read(descriptor, max: max, nonblocking: true) {
        case .completed(let bytes): return bytes
        case .wouldBlock: throw .resourceTemporarilyUnavailable
        }
    }
}

/// `EMFILE` on a FIFO's `open`: the number is taken before the path is looked up.
@Suite struct KernelFIFODescriptorLimitFactsTests {
    /// In a child process (the limit is the whole process's): with every number below a lowered `RLIMIT_NOFILE`
    /// taken, an open of a missing path, a nonblocking write open with no reader and an `O_RDWR` open all fail
    /// `EMFILE` — not `ENOENT` or `ENXIO` — and with one number free the `O_RDWR` open takes exactly it. Exit status 0
    /// when all held, else the number of the first check that failed.
    @Test func withNoFreeNumberEveryOpenFailsEMFILEFirst() async throws {
        // The child (an exit test captures nothing) finds the FIFO by its parent's process number.
        let path = "/tmp/ipch-test-\(getpid())-emfile-fifo"
        unlink(path)
        try KernelFIFO.create(at: path)
        defer { unlink(path) }
        await #expect(processExitsWith: .exitCode(0)) {
            let path = "/tmp/ipch-test-\(getppid())-emfile-fifo"
            var taken = DescriptorExhaustion.fillTable()
            guard let last = taken.popLast() else { exit(11) }
            func failure(_ target: String, _ direction: KernelFIFO.Direction) -> Errno? {
                do { _ = try KernelFIFO.open(target, for: direction, nonblocking: true); return nil } catch { return error }
            }
            guard DescriptorExhaustion.holdsWithFullTable(&taken, { _ in failure(path + "-missing", .read) == .tooManyOpenFiles }) else { exit(12) }
            guard DescriptorExhaustion.holdsWithFullTable(&taken, { _ in failure(path, .write) == .tooManyOpenFiles }) else { exit(13) }
            guard DescriptorExhaustion.holdsWithFullTable(&taken, { _ in failure(path, .readWrite) == .tooManyOpenFiles }) else { exit(14) }
            taken.append(last)
            // One number free (the runtime may take or free one meanwhile, hence the tries): the write open fails
            // ENXIO, then the O_RDWR open takes exactly that number.
            var write: Errno?
            let held = DescriptorExhaustion.holdsWithFullTable(&taken) { taken in
                guard let freed = taken.popLast() else { return false }
                close(freed)
                write = failure(path, .write)
                guard let both = try? KernelFIFO.open(path, for: .readWrite, nonblocking: true) else { return false }
                taken.append(both.rawValue)
                return write == .noSuchAddressOrDevice && both.rawValue == freed
            }
            guard held else { exit(write == .noSuchAddressOrDevice ? 16 : 15) }
            exit(0)
        }
        let limits = [PipeModel.DescriptorLimit(process: 1, free: 0, limit: 64)]
        let model = FIFOModel(fifos: [("f0", FIFOModel.Setup(descriptorLimits: limits))])
        let state = model.initialState(of: "f0")
        for input in [FIFOModel.Input.open(process: 1, end: .write, nonblocking: true), .openReadWrite(process: 1, nonblocking: true)] {
            #expect(model.outcomes(of: input, in: state).map(\.output) == [.failed(ErrorCode("EMFILE"))])
        }
        // One free: the O_RDWR open takes it, and then the next open fails EMFILE; its close gives one number back.
        let one = FIFOModel(fifos: [("f0", FIFOModel.Setup(descriptorLimits: [PipeModel.DescriptorLimit(process: 1, free: 1, limit: 64)]))])
        var next = one.initialState(of: "f0")
        if case .completed(let opened)? = one.outcomes(of: .openReadWrite(process: 1, nonblocking: true), in: next).first?.step { next = opened }
        #expect(one.outcomes(of: .open(process: 1, end: .read, nonblocking: true), in: next).map(\.output) == [.failed(ErrorCode("EMFILE"))])
        if case .completed(let closed)? = one.outcomes(of: .close(process: 1, end: .read), in: next).first?.step { next = closed }
        #expect(one.outcomes(of: .open(process: 1, end: .read, nonblocking: true), in: next).map(\.output) == [.opened])
    }
}
