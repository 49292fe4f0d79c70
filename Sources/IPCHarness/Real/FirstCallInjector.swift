import IPCModels
import IPCSyscalls
import Synchronization
import SystemPackage

/// A worker's fault injector for one operation: it acts on the operation's first call that moves data or waits
/// (not on the control channel) and on no other, and remembers what it did so the worker can report it.
///
/// Only the first call, so that an injected errno always means that nothing happened before it: an operation
/// that fails with that errno made no call at all, which is how the checker reads it. And only a fault the kernel
/// could itself produce on that call (``FaultFeasibility``): otherwise, or when the first call moves no bytes for
/// a short fault, the fault does not fire and the operation runs untouched.
///
/// What fired is announced through `announce` at the moment it fires, before the faulted call is made (or
/// refused): a worker killed later inside the same operation has then already told the driver, and the trace
/// holds the fault the kernel saw. Reporting it with the operation's reply lost it whenever the worker died
/// first, and the checker judged the operation as the uncut call (issue 20).
package final class FirstCallInjector: FaultInjector, @unchecked Sendable {
    /// What the injector did, as reported to the driver and recorded in a `fault` event.
    package struct Fired: Sendable, Hashable {
        package var call: SystemCall
        package var fault: InjectedFault
        /// The byte count the call asked for (for a short fault).
        package var requested: Int?

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
    private let announce: @Sendable (Fired) -> Void
    private let state = Mutex<(decided: Bool, fired: Fired?, retry: SyscallContext?)>((false, nil, nil))

    /// - Parameter announce: called once, when the fault fires, before the call it changes is made.
    package init(_ fault: InjectedFault, exempt: FileDescriptor, announce: @escaping @Sendable (Fired) -> Void = { _ in }) {
        self.fault = fault
        self.exempt = exempt
        self.announce = announce
    }

    package var fired: Fired? { state.withLock { $0.fired } }

    /// The calls that move data or wait for the object: those a signal can interrupt, a full or empty object
    /// refuse, or the kernel cut short. Housekeeping around them (a `fcntl` setting O_NONBLOCK first) is not
    /// where such faults happen, and changes nothing the models see.
    static let eligible: Set<SystemCall> = [
        .read, .write, .send, .receive, .sendmsg, .recvmsg, .poll, .mqSend, .mqReceive, .msgsnd, .msgrcv, .semWait,
        .semTryWait, .semop,
    ]

    package func decide(_ context: SyscallContext) -> FaultAction {
        if context.descriptor == exempt || !Self.eligible.contains(context.call) { return .proceed }
        if let limit = retryLimit(context) { return .shorten(to: limit) }
        let (action, fired) = choose(context)
        if let fired { announce(fired) }
        return action
    }

    /// The shortened call moved nothing (interrupted, or ran out with `EAGAIN`): its retry (the same call on the
    /// same descriptor for the same count) gets the same limit, or it would move bytes the fault event does not say.
    package func interrupted(_ context: SyscallContext) {
        state.withLock { state in
            guard case .short? = state.fired?.fault, state.fired?.call == context.call else { return }
            state.retry = context
        }
    }

    /// The limit for a retry of an interrupted shortened call, once.
    private func retryLimit(_ context: SyscallContext) -> Int? {
        state.withLock { state in
            guard let retry = state.retry, retry.call == context.call, retry.descriptor == context.descriptor,
                retry.count == context.count, case .short(let limit)? = state.fired?.fault
            else { return nil }
            state.retry = nil
            return limit
        }
    }

    /// The action for this call, and what fired if it is the one the fault was meant for.
    private func choose(_ context: SyscallContext) -> (FaultAction, Fired?) {
        state.withLock { state in
            guard !state.decided else { return (.proceed, nil) }
            state.decided = true
            let action: FaultAction
            switch fault {
            case .errno(let name):
                guard let error = Errno(name: name), FaultFeasibility.permits(error, for: context) else {
                    return (.proceed, nil)
                }
                state.fired = Fired(call: context.call, fault: fault)
                action = .fail(error)
            case .delay(let microseconds):
                state.fired = Fired(call: context.call, fault: fault)
                action = .delay(nanoseconds: UInt64(microseconds) * 1000)
            case .short(let limit):
                guard let count = context.count, FaultFeasibility.permitsShortTransfer(for: context) else {
                    return (.proceed, nil)
                }
                let shorter = Swift.min(limit, count - 1)
                state.fired = Fired(call: context.call, fault: .short(shorter), requested: count)
                action = .shorten(to: shorter)
            }
            return (action, state.fired)
        }
    }
}
