import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import Synchronization
import SystemPackage
import Testing

/// The step every pipe agreement property takes after a call on the real pipe: the model must give exactly one
/// completion, with the kernel's output.
enum PipeAgreement {
    /// Set while a sequence runs the first time (see ``repeatingDisagreements(_:)``): a disagreement is then noted
    /// here instead of recorded.
    @TaskLocal static var firstRun: Disagreed?

    /// Whether a first run disagreed.
    final class Disagreed: Sendable {
        let value = Mutex(false)
    }

    /// Runs `sequence` (one kernel-and-model sequence on fresh objects) and, when it disagreed, once more: only a
    /// disagreement the second run repeats is recorded. The sequences are deterministic, single-process calls on
    /// objects of their own; what differs between two runs is another test of this process, which can hold a copy of
    /// the objects for a moment (a `fork` or an exit test's spawn between its clone and its exec: the test library's
    /// spawns cannot hold off as ours do), so that a close is not the last. A model that is wrong disagrees twice.
    static func repeatingDisagreements(_ sequence: () throws -> Void) throws {
        let disagreed = Disagreed()
        try $firstRun.withValue(disagreed) { try sequence() }
        if disagreed.value.withLock({ $0 }) { try sequence() }
    }

    /// Records `message`, or on a first run notes that there was a disagreement.
    static func disagreement(_ message: @autoclosure () -> String) {
        if let firstRun { firstRun.value.withLock { $0 = true } } else { Issue.record(Comment(rawValue: message())) }
    }

    /// The model's state after `input`, or nil (and an issue naming `context`) when the model disagrees with `kernel`.
    static func next(
        _ model: PipeModel, from state: PipeModel.State, _ input: PipeModel.Input, kernel: PipeModel.Output, context: @autoclosure () -> String
    ) -> PipeModel.State? {
        let outcomes = model.outcomes(of: input, in: state)
        guard outcomes.count == 1, case .completed(let next) = outcomes[0].step, outcomes[0].output == kernel else {
            disagreement("\(context()): kernel \(kernel), model \(outcomes.map { $0.output.map { "\($0)" } ?? "piece" })")
            return nil
        }
        return next
    }

    /// Every state the model may be in after `input` from any of `states` with the kernel's output, or nil (and an
    /// issue naming `context`) when none allows it: for calls whose descriptor the model cannot tell apart from the
    /// process's others of that end (`F_GETFD`, `F_SETFD`, `close` after `dup`), each branch is followed.
    static func nextStates(
        _ model: PipeModel, from states: [PipeModel.State], _ input: PipeModel.Input, kernel: PipeModel.Output, context: @autoclosure () -> String
    ) -> [PipeModel.State]? {
        var next: [PipeModel.State] = []
        var outputs: [String] = []
        for state in states {
            for outcome in model.outcomes(of: input, in: state) {
                outputs.append(outcome.output.map { "\($0)" } ?? "piece")
                guard outcome.output == kernel, case .completed(let after) = outcome.step, !next.contains(after) else { continue }
                next.append(after)
            }
        }
        guard !next.isEmpty else {
            disagreement("\(context()): kernel \(kernel), model \(outputs)")
            return nil
        }
        return next
    }
}

extension PipeAgreement {
    /// A `write` on the real pipe as the model's output: the count, or `EAGAIN` (other errors are thrown).
    static func write(_ descriptor: FileDescriptor, _ data: [UInt8], nonblocking: Bool) throws(Errno) -> PipeModel.Output {
        switch try KernelPipe.write(descriptor, data, nonblocking: nonblocking) {
        case .completed(let count): .wrote(count)
        case .wouldBlock: .failed(.EAGAIN)
        }
    }

    /// A `read` on the real pipe as the model's output: the bytes, or `EAGAIN`.
    static func read(_ descriptor: FileDescriptor, max: Int, nonblocking: Bool) throws(Errno) -> PipeModel.Output {
        switch try KernelPipe.read(descriptor, max: max, nonblocking: nonblocking) {
        case .completed(let bytes): .read(bytes)
        case .wouldBlock: .failed(.EAGAIN)
        }
    }
}

/// A nonblocking pipe (`pipe2(O_NONBLOCK)`) read by process 1 and written by processes 1 and 2, each writer with a
/// description of its own, process 2's in packet mode when `packet`; and the model's state for it.
struct TwoWriterPipe {
    let readEnd: FileDescriptor
    let firstWriter: FileDescriptor
    let secondWriter: FileDescriptor
    let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [1, 2], nonblocking: true))])
    let start: PipeModel.State

    /// Runs `body` on a fresh pipe (no process is spawned meanwhile, so none inherits its ends), closing it after.
    static func with(packet: Bool, _ body: (TwoWriterPipe) throws -> Void) throws {
        try Syscall.withoutConcurrentSpawns {
            let (readEnd, firstWriter) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            let secondWriter = try KernelPipe.openEnd(firstWriter, forWriting: true)
            defer { for descriptor in [readEnd, firstWriter, secondWriter] { try? Syscall.close(descriptor) } }
            try KernelPipe.setFlags(secondWriter, nonblocking: true, direct: packet)
            try body(TwoWriterPipe(readEnd: readEnd, firstWriter: firstWriter, secondWriter: secondWriter, packet: packet))
        }
    }

    private init(readEnd: FileDescriptor, firstWriter: FileDescriptor, secondWriter: FileDescriptor, packet: Bool) {
        self.readEnd = readEnd
        self.firstWriter = firstWriter
        self.secondWriter = secondWriter
        var state = model.initialState(of: "p0")
        if packet, case .completed(let next) = model.outcomes(of: .fcntl(process: 2, end: .write, command: .setFlags(nonblocking: true, direct: true)), in: state)[0].step {
            state = next
        }
        start = state
    }

    func writer(_ process: Int) -> FileDescriptor { process == 1 ? firstWriter : secondWriter }
}

/// A nonblocking pipe (`pipe2(O_NONBLOCK)`) given to holders 1 and 2, each with its own description of each end (as
/// processes given the pipe), and the steps the readiness and epoll agreement properties share: a write by either
/// holder, a read by holder 1, a close, `F_SETPIPE_SZ` by the lowest writer — each as the model's input and the
/// kernel's output (an error the call fails with included). Made and used inside `Syscall.withoutConcurrentSpawns`.
final class HeldPipeEnds {
    static let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1, 2], writers: [1, 2], nonblocking: true))])
    /// The holders' descriptors; a closed one is gone.
    private(set) var ends: [PipeModel.End: [Int: FileDescriptor]]

    init() throws {
        let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
        ends = [.read: [1: readEnd], .write: [1: writeEnd]]
        ends[.read]![2] = try KernelPipe.openEnd(readEnd, forWriting: false)
        ends[.write]![2] = try KernelPipe.openEnd(writeEnd, forWriting: true)
        for descriptor in [ends[.read]![2]!, ends[.write]![2]!] { try KernelPipe.setFlags(descriptor, nonblocking: true, direct: nil) }
    }

    deinit { for descriptor in ends.values.flatMap(\.values) { try? Syscall.close(descriptor) } }

    private static func outcome(_ call: () throws(Errno) -> PipeModel.Output) -> PipeModel.Output {
        do throws(Errno) { return try call() } catch { return .failed(ErrorCode(error.name)) }
    }

    func write(holder: Int, size: Int, fill: UInt8) -> (PipeModel.Input, PipeModel.Output) {
        let data = [UInt8](repeating: fill, count: size)
        return (.write(process: holder, data: data, nonblocking: false), Self.outcome { () throws(Errno) in
            guard let descriptor = ends[.write]![holder] else { return .failed(.EBADF) }
            return try PipeAgreement.write(descriptor, data, nonblocking: false)
        })
    }

    func read(max: Int) -> (PipeModel.Input, PipeModel.Output) {
        (.read(process: 1, max: max, nonblocking: false), Self.outcome { () throws(Errno) in
            guard let descriptor = ends[.read]![1] else { return .failed(.EBADF) }
            return try PipeAgreement.read(descriptor, max: max, nonblocking: false)
        })
    }

    func close(holder: Int, end: PipeModel.End) -> (PipeModel.Input, PipeModel.Output) {
        (.close(process: holder, end: end), Self.outcome { () throws(Errno) in
            guard let descriptor = ends[end]![holder] else { return .failed(.EBADF) }
            ends[end]![holder] = nil
            try Syscall.close(descriptor)
            return .closed
        })
    }

    func setSize(_ size: Int) -> (PipeModel.Input, PipeModel.Output) {
        let holder = ends[.write]!.keys.min() ?? 1
        return (.fcntl(process: holder, end: .write, command: .setPipeSize(size)), Self.outcome { () throws(Errno) in
            guard let descriptor = ends[.write]![holder] else { return .failed(.EBADF) }
            return .size(try Syscall.setPipeSize(descriptor, size))
        })
    }
}
