import IPCModels

/// A fault injected into the first system call of one operation (see ``FirstCallInjector``).
public enum InjectedFault: Sendable, Hashable {
    /// The call is not made; it fails with this errno ("EINTR").
    case errno(String)
    /// The call is made with at most this many bytes.
    case short(Int)
    /// The call is made after this many microseconds.
    case delay(microseconds: Int)
}

/// What the driver tells a worker to do around one operation besides performing it: sent in the `op` message,
/// and recovered from a trace (its `fault` events and `"point": "after"` kills) to replay the run.
struct OperationDirective: Sendable, Hashable {
    var fault: InjectedFault?
    /// Kill itself (SIGKILL) after the operation's calls returned, before reporting the result.
    var dieAfter = false
    /// A resolution probe (see ``ResolutionProbe``): the process whose indeterminate operation it observes.
    /// Recorded on the invoke as `"resolves"`; the worker is not told.
    var resolves: Int?

    static let none = OperationDirective()

    /// Members added to the `op` message.
    var messageMembers: [(String, JSONValue)] {
        var members: [(String, JSONValue)] = []
        switch fault {
        case .errno(let name)?: members.append(("fault", ["errno": .string(name)]))
        case .short(let count)?: members.append(("fault", ["short": .int(count)]))
        case .delay(let microseconds)?: members.append(("fault", ["delay": .int(microseconds)]))
        case nil: break
        }
        if dieAfter { members.append(("die-after", true)) }
        return members
    }

    init(fault: InjectedFault? = nil, dieAfter: Bool = false) {
        self.fault = fault
        self.dieAfter = dieAfter
    }

    /// The directive an `op` message carries.
    init(message: JSONValue) throws(BindingError) {
        switch message["fault"] {
        case nil: fault = nil
        case .object(let object)?:
            if case .string(let name)? = object["errno"] {
                fault = .errno(name)
            } else if case .integer(let count)? = object["short"], count >= 1 {
                fault = .short(Int(count))
            } else if case .integer(let microseconds)? = object["delay"], (0...1_000_000).contains(microseconds) {
                fault = .delay(microseconds: Int(microseconds))
            } else {
                throw BindingError("an op's fault must be {\"errno\": NAME}, {\"short\": N ≥ 1} or {\"delay\": µs ≤ 10^6}, not \(object)")
            }
        default: throw BindingError("an op's fault must be an object")
        }
        if case .bool(true)? = message["die-after"] { dieAfter = true }
    }
}
