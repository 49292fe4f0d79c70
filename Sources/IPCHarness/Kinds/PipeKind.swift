import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// The kernel's anonymous pipe (model `pipe`). Roles: `read`, `write`; parameter `capacity` (bytes, set with
/// `F_SETPIPE_SZ`). Each holder gets its own open file description of each end it holds (reopened through
/// `/proc/self/fd`), so `O_NONBLOCK` is its own and each counts as a reader or writer.
///
/// Implementations: `kernel.pipe` (one system call per operation), `client.write-all` (the poll-and-retry loop),
/// the broken twins `client.pipe-drops-tail` and `client.pipe-reorders`, and clients judged under faults: the
/// fragile `client.pipe-eof-on-eintr` (blocking reads) and `client.pipe-ignores-short-writes` (`write-all`), and
/// their robust twins `client.pipe-retrying-reader` and `client.write-all`; `client.pipe-spins-at-eof` busy-polls
/// and spins forever at end of file (for the watchdog); and the same reading pair written straight against libc
/// (`client.libc-eof-on-eintr`, `client.libc-retrying-reader`), which only the worker's interposer can fault.
public enum PipeKind: MechanismKind {
    public typealias Model = PipeModel

    public static let implementations = [
        "kernel.pipe", "client.write-all", "client.pipe-drops-tail", "client.pipe-reorders",
        "client.pipe-eof-on-eintr", "client.pipe-retrying-reader", "client.pipe-ignores-short-writes",
        "client.pipe-spins-at-eof", "client.libc-eof-on-eintr", "client.libc-retrying-reader",
    ]

    /// `FIONREAD` on a read end: what a killed writer's write left in the pipe.
    public static let resolutionProbe: ResolutionProbe? = ResolutionProbe(f: "available", role: "read")

    public static func model(for workload: Workload) -> PipeModel {
        let pipes = workload.objects.filter { $0.kind == name }.map { object in
            (
                name: object.name,
                setup: PipeModel.Setup(
                    capacity: object.integer("capacity") ?? 65536, readers: workload.holders(of: object.name, role: "read"),
                    writers: workload.holders(of: object.name, role: "write"))
            )
        }
        return PipeModel(pipes: pipes)
    }

    public static func provision(
        _ object: Workload.Object, in workload: Workload, into objects: inout ProvisionedObjects
    ) throws(HarnessError) {
        do {
            let (readEnd, writeEnd) = try KernelPipe.create()
            objects.keepUntilStarted(readEnd)
            objects.keepUntilStarted(writeEnd)
            if let capacity = object.integer("capacity"), capacity != 65536 { try Syscall.setPipeSize(writeEnd, capacity) }
            for process in workload.processes {
                guard let roles = process.holds[object.name] else { continue }
                var setup = JSONObject()
                for role in roles {
                    let forWriting = role == "write"
                    let end = try KernelPipe.openEnd(forWriting ? writeEnd : readEnd, forWriting: forWriting)
                    objects.keepUntilStarted(end)
                    setup[role] = .int(objects.hand(end, to: process.id))
                }
                objects.tell(process.id, about: object.name, setup)
            }
        } catch {
            throw HarnessError("cannot create pipe \(object.name): \(error)")
        }
    }

    public static func binding(for object: WorkerObject, implementation: String) -> any ObjectBinding<PipeModel> {
        PipeBinding(readEnd: object.optionalDescriptor("read"), writeEnd: object.optionalDescriptor("write"), implementation: implementation)
    }
}

/// Pipe operations on the ends this process holds, carried out by the implementation under test.
struct PipeBinding: ObjectBinding {

    typealias Model = PipeModel
    private var readEnd: FileDescriptor?
    private var writeEnd: FileDescriptor?
    private var writer: any PipeWriter
    /// The client that carries out blocking reads, when the implementation is a reading client.
    private var reader: (any PipeReader)?
    private let reordersWrites: Bool

    init(readEnd: FileDescriptor?, writeEnd: FileDescriptor?, implementation: String) {
        self.readEnd = readEnd
        self.writeEnd = writeEnd
        reordersWrites = implementation == "client.pipe-reorders"
        switch implementation {
        case "client.pipe-drops-tail": writer = TailDroppingWriter()
        case "client.pipe-reorders": writer = ReorderingWriter()
        case "client.pipe-ignores-short-writes": writer = ShortWriteIgnoringWriter()
        default: writer = WriteAllWriter()
        }
        switch implementation {
        case "client.pipe-eof-on-eintr": reader = EndOfFileOnInterruptReader()
        case "client.pipe-retrying-reader": reader = RetryingReader()
        case "client.pipe-spins-at-eof": reader = SpinningReader()
        case "client.libc-eof-on-eintr": reader = LibcEndOfFileOnInterruptReader()
        case "client.libc-retrying-reader": reader = LibcRetryingReader()
        default: reader = nil
        }
    }

    mutating func perform(_ input: PipeModel.Input) throws(Errno) -> PipeModel.Output {
        switch input {
        case .read(_, let max, let nonblocking):
            guard let readEnd else { throw .badFileDescriptor }
            if !nonblocking, var client = reader {
                defer { reader = client }
                return .read(try client.read(max: max, from: readEnd))
            }
            switch try KernelPipe.read(readEnd, max: max, nonblocking: nonblocking) {
            case .completed(let bytes): return .read(bytes)
            case .wouldBlock: throw .wouldBlock
            }
        case .write(_, let data, _) where reordersWrites:
            guard let writeEnd else { throw .badFileDescriptor }
            return .wrote(try writer.write(data, to: writeEnd))
        case .write(_, let data, let nonblocking):
            guard let writeEnd else { throw .badFileDescriptor }
            switch try KernelPipe.write(writeEnd, data, nonblocking: nonblocking) {
            case .completed(let count): return .wrote(count)
            case .wouldBlock: throw .wouldBlock
            }
        case .writeAll(_, let data, _):
            guard let writeEnd else { throw .badFileDescriptor }
            return .wrote(try writer.write(data, to: writeEnd))
        case .available:
            guard let readEnd else { throw .badFileDescriptor }
            return .available(try Syscall.bytesReadable(readEnd))
        case .close(_, .read):
            guard let readEnd else { throw .badFileDescriptor }
            self.readEnd = nil
            try Syscall.close(readEnd)
            return .closed
        case .close(_, .write):
            guard let writeEnd else { throw .badFileDescriptor }
            try? writer.flush(to: writeEnd)
            self.writeEnd = nil
            try Syscall.close(writeEnd)
            return .closed
        case .exit:
            BindingFailure.abandon("a worker is never asked to perform 'exit'")
        }
    }

    mutating func prepareForExit() {
        if let writeEnd { try? writer.flush(to: writeEnd) }
    }
}
