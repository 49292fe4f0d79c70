import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// Ack-queue operations in a worker (model `ack-queue`): `send`, `receive` and `ack` on the queue the driver laid
/// out in the page it handed over. Implementations: `reference.ack-queue` (a consumer's message in flight is
/// recorded in shared memory and given back when it dies) and the fragile `client.consumer-forgets-unacked`
/// (a consumer that takes the message out of the queue and keeps it only in its own memory until it acknowledges).
struct AckQueueBinding: WorkerBinding {
    static let implementations = ["reference.ack-queue", "client.consumer-forgets-unacked"]

    private var queue: SharedAckQueue

    /// `implementation` names what the run tests, which may be another object's: only the fragile client changes
    /// what this binding does.
    init(setup: JSONValue, implementation: String, context: WorkerContext) throws(BindingError) {
        let descriptor = try (setup as JSONValue?).descriptor("fd")
        defer { try? Syscall.close(descriptor) }
        guard (1...SharedAckQueue.maximumProcesses).contains(context.process) else {
            throw BindingError("an ack queue serves processes 1 to \(SharedAckQueue.maximumProcesses), not \(context.process)")
        }
        do {
            queue = try SharedAckQueue(
                at: try Syscall.mapShared(descriptor, size: SharedAckQueue.size), process: context.process,
                forgetsOnDeath: implementation == "client.consumer-forgets-unacked")
        } catch {
            throw BindingError("cannot join the ack queue: \(error)")
        }
    }

    mutating func perform(f: String, value: JSONValue?) throws(BindingError) -> Completion {
        try completing(f) {
            switch f {
            case "send":
                let message = try value.required("message").integer("message")
                return try queue.send(UInt64(message)) ? .ok(nil) : .fail("EAGAIN")
            case "receive":
                switch try queue.receive() {
                case .success(let message): return .ok(["message": .int(Int(message))])
                case .failure(.empty): return .fail("EAGAIN")
                case .failure(.holding): return .fail("EBUSY")
                }
            case "ack":
                return try queue.acknowledge() ? .ok(nil) : .fail("EINVAL")
            default:
                throw BindingError("the ack-queue binding has no operation '\(f)'")
            }
        }
    }

    mutating func prepareForExit() {}
}
