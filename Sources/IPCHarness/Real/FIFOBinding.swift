import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// FIFO operations in a worker: `open` by path (each a new open file description), then `read`, `write` and `close`
/// on the most recently opened descriptor of each direction, and `chmod` of the path. A process set up with a
/// `user` gives up root for that user first, so the kernel's permission checks apply to it.
struct FIFOBinding: WorkerBinding {
    private let path: String
    private var held: [PipeModel.End: [FileDescriptor]] = [:]

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
            let nonblocking = try value.optional("nonblocking")?.boolean("nonblocking") ?? false
            switch f {
            case "open":
                let end = try Self.end(value)
                let descriptor = try KernelFIFO.open(path, for: end == .read ? .read : .write, nonblocking: nonblocking)
                held[end, default: []].append(descriptor)
                return .ok(nil)
            case "read":
                guard let descriptor = held[.read]?.last else { return .fail("EBADF") }
                let max = try value.required("max").integer("max", in: 0...1 << 24)
                switch try KernelPipe.read(descriptor, max: max, nonblocking: nonblocking) {
                case .completed(let bytes): return .ok(["data": Payload.json(bytes)])
                case .wouldBlock: return .fail("EAGAIN")
                }
            case "write":
                guard let descriptor = held[.write]?.last else { return .fail("EBADF") }
                let data = try value.required("data").payload("data")
                switch try KernelPipe.write(descriptor, data, nonblocking: nonblocking) {
                case .completed(let count): return .ok(["written": .int(count)])
                case .wouldBlock: return .fail("EAGAIN")
                }
            case "close":
                guard let descriptor = held[try Self.end(value)]?.popLast() else { return .fail("EBADF") }
                try Syscall.close(descriptor)
                return .ok(nil)
            case "chmod":
                try Syscall.changeMode(path, mode_t(try value.required("mode").integer("mode", in: 0...0o7777)))
                return .ok(nil)
            default:
                throw BindingError("the fifo binding has no operation '\(f)'")
            }
        }
    }

    private static func end(_ value: JSONValue?) throws -> PipeModel.End {
        let name = try value.required("end").text("end")
        guard let end = PipeModel.End(rawValue: name) else { throw BindingError("unknown end '\(name)'") }
        return end
    }
}
