import IPCModels
import SystemPackage

/// How a reference construction's operation ended, in trace form (the constructions, shared with the simulation,
/// read and write their operations in trace form themselves).
enum Completion: Sendable, Hashable {
    case ok(JSONValue?)
    case fail(String)

    var outcome: Outcome {
        switch self {
        case .ok(let value): .ok(value)
        case .fail(let error): .fail(ErrorCode(error))
        }
    }
}

extension JSONValue? {
    /// The descriptor number a setup names under `key`.
    func descriptor(_ key: String) throws(BindingError) -> FileDescriptor {
        guard case .integer(let fd)? = self?[key] else { throw BindingError("the setup has no descriptor '\(key)'") }
        return FileDescriptor(rawValue: CInt(fd))
    }
}
