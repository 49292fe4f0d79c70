import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// Signal operations in a worker, on one receiving process's pending set: any holder may `kill` or `sigqueue` the
/// receiver; the receiver blocks the object's signals in its main thread at setup (before any can be sent, since
/// the driver starts operations only once every worker is ready) and takes them with `wait` (`sigtimedwait`).
struct SignalBinding: WorkerBinding {
    private let receiverPID: Int32
    private let context: WorkerContext

    init(setup: JSONValue, context: WorkerContext) throws(BindingError) {
        guard case .integer(let receiver)? = setup["receiver"], let pid = context.pids[Int(receiver)] else {
            throw BindingError("a signal setup needs a 'receiver' among the run's processes")
        }
        receiverPID = pid
        self.context = context
        guard Int(receiver) == context.process else { return }
        guard case .array(let names)? = setup["signals"] else { throw BindingError("the receiver's setup needs 'signals'") }
        do {
            let signals = try names.map { (name) throws(BindingError) in try Self.number(name) }
            guard !signals.contains(SignalName.number(of: "SIGUSR1")!) else { throw BindingError("SIGUSR1 is reserved (liburcu's signal flavour)") }
            try KernelSignals.block(signals)
            if case .integer(let limit)? = setup["queueLimit"] { try Syscall.setPendingSignalLimit(Int(limit)) }
        } catch let error as BindingError {
            throw error
        } catch {
            throw BindingError("cannot prepare to receive signals: \(error)")
        }
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        try completing(f) {
            switch f {
            case "kill", "sigqueue":
                let signal = try Self.number(try value.required("signal"))
                let number = f == "sigqueue" ? try value.required("value").integer("value", in: Int(Int32.min)...Int(Int32.max)) : 0
                try KernelSignals.send(signal, to: receiverPID, by: f == "kill" ? .kill : .sigqueue, value: Int32(number))
                return .ok(nil)
            case "wait":
                let signals = try value.required("signals").elements("signals").map { (name) throws(BindingError) in
                    try Self.number(name)
                }
                let timeout = try value.optional("timeout")?.integer("timeout", in: 0...3_600_000)
                switch try KernelSignals.wait(for: signals, timeoutNanoseconds: timeout.map { Int64($0) * 1_000_000 }) {
                case .wouldBlock:
                    return .fail("EAGAIN")
                case .completed(let info):
                    var result: JSONObject = [
                        "signal": .string(SignalName.name(of: info.signal)),
                        "code": info.code == SignalInfo.queueCode ? "SI_QUEUE" : "SI_USER",
                    ]
                    if let sender = context.process(of: info.senderPID) { result["sender"] = .int(sender) }
                    if info.code == SignalInfo.queueCode { result["value"] = .int(Int(info.value)) }
                    return .ok(.object(result))
                }
            default:
                throw BindingError("the signal binding has no operation '\(f)'")
            }
        }
    }

    mutating func prepareForExit() {}

    /// A signal named as traces name them, or given by number (to provoke `EINVAL`).
    private static func number(_ value: JSONValue) throws(BindingError) -> Int32 {
        switch value {
        case .string(let name):
            guard let number = SignalName.number(of: name) else { throw BindingError("unknown signal '\(name)'") }
            return number
        case .integer(let number):
            return Int32(clamping: number)
        default:
            throw BindingError("a signal is a name or a number, not \(value.typeName)")
        }
    }
}
