import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// Pipe operations in a worker: `read`, `write`, `write-all`, `close` and `available` (FIONREAD) on the ends this process holds,
/// carried out by the implementation under test.
///
/// Implementations: `kernel.pipe` (one system call per operation), `client.write-all` (the poll-and-retry loop),
/// the broken twins `client.pipe-drops-tail` and `client.pipe-reorders`, and clients judged under faults: the
/// fragile `client.pipe-eof-on-eintr` (blocking reads) and `client.pipe-ignores-short-writes` (`write-all`), and
/// their robust twins `client.pipe-retrying-reader` and `client.write-all`; `client.pipe-spins-at-eof` busy-polls
/// and spins forever at end of file (for the watchdog).
struct PipeBinding: WorkerBinding {
    static let implementations = [
        "kernel.pipe", "client.write-all", "client.pipe-drops-tail", "client.pipe-reorders",
        "client.pipe-eof-on-eintr", "client.pipe-retrying-reader", "client.pipe-ignores-short-writes",
        "client.pipe-spins-at-eof",
    ]

    private var readEnd: FileDescriptor?
    private var writeEnd: FileDescriptor?
    private var writer: any PipeWriter
    /// The client that carries out blocking reads, when the implementation is a reading client.
    private var reader: (any PipeReader)?
    private let implementation: String

    init(setup: JSONValue, implementation: String) throws(BindingError) {
        guard Self.implementations.contains(implementation) else {
            throw BindingError("unknown pipe implementation '\(implementation)'")
        }
        self.implementation = implementation
        if case .integer(let fd)? = setup["read"] { readEnd = FileDescriptor(rawValue: CInt(fd)) }
        if case .integer(let fd)? = setup["write"] { writeEnd = FileDescriptor(rawValue: CInt(fd)) }
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
        default: reader = nil
        }
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        try completing(f) {
            switch f {
            case "read":
                guard let readEnd else { return .fail("EBADF") }
                let max = try value.required("max").integer("max", in: 0...1 << 24)
                let nonblocking = try value.optional("nonblocking")?.boolean("nonblocking") ?? false
                if !nonblocking, var client = reader {
                    defer { reader = client }
                    return .ok(["data": Payload.json(try client.read(max: max, from: readEnd))])
                }
                switch try KernelPipe.read(readEnd, max: max, nonblocking: nonblocking) {
                case .completed(let bytes): return .ok(["data": Payload.json(bytes)])
                case .wouldBlock: return .fail("EAGAIN")
                }
            case "write" where implementation == "client.pipe-reorders":
                guard let writeEnd else { return .fail("EBADF") }
                let data = try value.required("data").payload("data")
                return .ok(["written": .int(try writer.write(data, to: writeEnd))])
            case "write":
                guard let writeEnd else { return .fail("EBADF") }
                let data = try value.required("data").payload("data")
                let nonblocking = try value.optional("nonblocking")?.boolean("nonblocking") ?? false
                switch try KernelPipe.write(writeEnd, data, nonblocking: nonblocking) {
                case .completed(let count): return .ok(["written": .int(count)])
                case .wouldBlock: return .fail("EAGAIN")
                }
            case "write-all":
                guard let writeEnd else { return .fail("EBADF") }
                let data = try value.required("data").payload("data")
                return .ok(["written": .int(try writer.write(data, to: writeEnd))])
            case "available":
                guard let readEnd else { return .fail("EBADF") }
                return .ok(["bytes": .int(try Syscall.bytesReadable(readEnd))])
            case "close":
                let end = try value.required("end").text("end")
                switch end {
                case "read":
                    guard let readEnd else { return .fail("EBADF") }
                    self.readEnd = nil
                    try Syscall.close(readEnd)
                case "write":
                    guard let writeEnd else { return .fail("EBADF") }
                    writer.flushQuietly(to: writeEnd)
                    self.writeEnd = nil
                    try Syscall.close(writeEnd)
                default:
                    throw BindingError("close: unknown end '\(end)'")
                }
                return .ok(nil)
            default:
                throw BindingError("the pipe binding has no operation '\(f)'")
            }
        }
    }

    mutating func prepareForExit() {
        if let writeEnd { writer.flushQuietly(to: writeEnd) }
    }
}

extension PipeWriter {
    fileprivate mutating func flushQuietly(to descriptor: FileDescriptor) {
        try? flush(to: descriptor)
    }
}
