import IPCModels
import IPCSyscalls
import Synchronization
import SystemPackage

/// A worker's fault injector for one operation: it acts on the operation's first call that moves data or waits
/// (not on the control channel) and on no other, and remembers what it did so the worker can report it.
///
/// Only the first call, so that an injected errno always means that nothing happened before it: an operation
/// that fails with that errno made no call at all, which is how the checker reads it. A short fault needs a call
/// that moves bytes; if the first call moves none (a poll), the fault does not fire.
final class FirstCallInjector: FaultInjector, @unchecked Sendable {
    /// What the injector did, as reported to the driver and recorded in a `fault` event.
    struct Fired: Sendable, Hashable {
        var call: SystemCall
        var fault: InjectedFault
        /// The byte count the call asked for (for a short fault).
        var requested: Int?

        /// As sent in the worker's reply: `{"call": "read", "errno": "EINTR"}` or `{"call": "write", "short": 7}`.
        var json: JSONValue {
            switch fault {
            case .errno(let name): ["call": .string(call.rawValue), "errno": .string(name)]
            case .short(let count): ["call": .string(call.rawValue), "short": .int(count), "of": requested.map { .int($0) } ?? .null]
            case .delay(let microseconds): ["call": .string(call.rawValue), "delay": .int(microseconds)]
            }
        }
    }

    private let fault: InjectedFault
    private let exempt: FileDescriptor
    private let state = Mutex<(decided: Bool, fired: Fired?)>((false, nil))

    init(_ fault: InjectedFault, exempt: FileDescriptor) {
        self.fault = fault
        self.exempt = exempt
    }

    var fired: Fired? { state.withLock { $0.fired } }

    /// The calls that move data or wait for the object: those a signal can interrupt, a full or empty object
    /// refuse, or the kernel cut short. Housekeeping around them (a `fcntl` setting O_NONBLOCK first) is not
    /// where such faults happen, and changes nothing the models see.
    static let eligible: Set<SystemCall> = [
        .read, .write, .send, .receive, .sendmsg, .recvmsg, .poll, .mqSend, .mqReceive, .msgsnd, .msgrcv, .semWait,
        .semTryWait, .semop,
    ]

    func decide(_ context: SyscallContext) -> FaultAction {
        if context.descriptor == exempt || !Self.eligible.contains(context.call) { return .proceed }
        return state.withLock { state in
            guard !state.decided else { return .proceed }
            state.decided = true
            switch fault {
            case .errno(let name):
                guard let error = Errno(name: name) else { return .proceed }
                state.fired = Fired(call: context.call, fault: fault)
                return .fail(error)
            case .delay(let microseconds):
                state.fired = Fired(call: context.call, fault: fault)
                return .delay(nanoseconds: UInt64(microseconds) * 1000)
            case .short(let limit):
                guard let count = context.count, count > 1 else { return .proceed }
                let shorter = Swift.min(limit, count - 1)
                state.fired = Fired(call: context.call, fault: .short(shorter), requested: count)
                return .shorten(to: shorter)
            }
        }
    }
}
