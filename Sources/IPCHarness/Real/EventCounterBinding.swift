import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// eventfd operations in a worker: `write`, `read` and `close` on the one descriptor it was given (whose blocking
/// mode every holder shares).
struct EventCounterBinding: WorkerBinding {
    private var descriptor: FileDescriptor?

    init(setup: JSONValue) throws(BindingError) {
        guard case .integer(let fd)? = setup["fd"] else { throw BindingError("an eventfd setup needs its 'fd'") }
        descriptor = FileDescriptor(rawValue: CInt(fd))
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        try completing(f) {
            let size = try value.optional("size")?.integer("size", in: 0...64) ?? 8
            switch f {
            case "write":
                guard let descriptor else { return .fail("EBADF") }
                let number = try value.required("value").unsigned64("value")
                switch try KernelEventCounter.write(descriptor, number, size: size) {
                case .completed(let count): return .ok(["written": .int(count)])
                case .wouldBlock: return .fail("EAGAIN")
                }
            case "read":
                guard let descriptor else { return .fail("EBADF") }
                switch try KernelEventCounter.read(descriptor, size: size) {
                case .completed(let number): return .ok(["value": EventCounterModel.json(number)])
                case .wouldBlock: return .fail("EAGAIN")
                }
            case "close":
                guard let open = descriptor else { return .fail("EBADF") }
                descriptor = nil
                try Syscall.close(open)
                return .ok(nil)
            default:
                throw BindingError("the eventfd binding has no operation '\(f)'")
            }
        }
    }

    mutating func prepareForExit() {}
}
