import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// FIFO operations in a worker: `open` (nonblocking), `write`, `read`, `chmod` and `close` on the FIFO at the
/// path the driver created. A process holding the FIFO as `unprivileged` gives up root for the nobody user when
/// it is set up, so the kernel's permission checks apply to it.
struct FIFOBinding: WorkerBinding {
    private let path: String
    private var readEnd: FileDescriptor?
    private var writeEnd: FileDescriptor?

    init(setup: JSONValue) throws(BindingError) {
        path = try (setup as JSONValue?).setupText("path")
        if case .integer(let user)? = setup["user"] {
            do {
                try Syscall.becomeUser(uid_t(user), group: gid_t(user))
            } catch {
                throw BindingError("cannot become user \(user): \(error)")
            }
        }
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        try completing(f) {
            switch f {
            case "open":
                let forWriting = try value.required("end").text("end") == "write"
                let descriptor = try Syscall.open(path, flags: (forWriting ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_CLOEXEC)
                if forWriting { writeEnd = descriptor } else { readEnd = descriptor }
                return .ok(nil)
            case "write":
                guard let writeEnd else { return .fail("EBADF") }
                switch try KernelPipe.write(writeEnd, try value.required("data").payload("data"), nonblocking: true) {
                case .completed(let count): return .ok(["written": .int(count)])
                case .wouldBlock: return .fail("EAGAIN")
                }
            case "read":
                guard let readEnd else { return .fail("EBADF") }
                switch try KernelPipe.read(readEnd, max: try value.required("max").integer("max", in: 0...1 << 20), nonblocking: true) {
                case .completed(let bytes): return .ok(["data": Payload.json(bytes)])
                case .wouldBlock: return .fail("EAGAIN")
                }
            case "chmod":
                try Syscall.changeMode(path, mode_t(try value.required("mode").integer("mode", in: 0...0o7777)))
                return .ok(nil)
            case "close":
                let forWriting = try value.required("end").text("end") == "write"
                guard let descriptor = forWriting ? writeEnd : readEnd else { return .fail("EBADF") }
                if forWriting { writeEnd = nil } else { readEnd = nil }
                try Syscall.close(descriptor)
                return .ok(nil)
            default:
                throw BindingError("the FIFO binding has no operation '\(f)'")
            }
        }
    }
}
