/// `fcntl`'s owner, signal and `O_ASYNC` commands on a socket, as this kernel does them (measured in
/// `UnixSocketAsyncFactsTests`, the pipe's in `KernelDescriptorOwnerFactsTests`): each belongs to the socket's open
/// file description — one per socket here, shared by every process that holds it — so one end's `F_SETOWN` is never
/// the other's. A socket starts with no owner (`{F_OWNER_TID, 0}`), signal 0 and no `O_ASYNC`; an accepted socket
/// too, whatever its listener has. The owner is named in the trace's terms (``PipeModel/OwnerArgument``), with the
/// pipe's rules for one that may be gone; the rules themselves are ``IOSignals``'. `O_NONBLOCK` is the description's
/// too (measured, `UnixSocketNonblockFactsTests`): set through one descriptor — a `dup`, one received by
/// `SCM_RIGHTS`, another process's — it holds for all, never for the other end, and an accepted socket starts without
/// it whatever its listener has.
extension UnixSocketModel {
    /// The `fcntl` commands the model follows on a socket.
    public enum FileControl: Hashable, Sendable {
        /// `F_GETFL`: `O_NONBLOCK` and `O_ASYNC`.
        case getFlags
        /// `F_SETFL` changing `O_ASYNC` alone.
        case setAsync(Bool)
        /// `ioctl(FIOASYNC)`: the same (`ioctl_fioasync`; measured: any value but 0 turns it on).
        case setAsyncByIoctl(Bool)
        /// `F_SETFL` changing `O_NONBLOCK` alone (see ``Socket/descriptorNonblocking``).
        case setNonblocking(Bool)
        /// `ioctl(FIONBIO)`: the same (measured: any value but 0 turns it on).
        case setNonblockingByIoctl(Bool)
        /// `F_SETFL` setting both `O_NONBLOCK` and `O_ASYNC`.
        case setFlags(nonblocking: Bool, async: Bool)
        case getOwner
        case setOwner(PipeModel.OwnerArgument)
        case getOwnerEx
        case setOwnerEx(PipeModel.OwnerType, PipeModel.OwnerArgument)
        case getSignal
        case setSignal(Int)
    }

    /// `fcntl(end, command)` by `process`: `EBADF` for a socket it does not hold, else the command.
    func fileControl(_ state: State, process: Int, end: String, command: FileControl) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return [(.failed(.EBADF), .completed(state))]
        }
        let signals = state.ioSignals
        func set(_ outcomes: [(error: ErrorCode?, next: IOSignals<String>)]) -> Transitions {
            outcomes.map { outcome in
                var next = state
                next.ioSignals = outcome.next
                return (outcome.error.map(Output.failed) ?? .closed, .completed(next))
            }
        }
        switch command {
        case .getFlags:
            let socket = state.sockets[index]
            return [(.flags(nonblocking: socket.descriptorNonblocking, async: signals.async.contains(end)), .completed(state))]
        case .setAsync(let on), .setAsyncByIoctl(let on):
            var next = state
            next.ioSignals.setAsync(end, on)
            return [(.closed, .completed(next))]
        case .setNonblocking(let on), .setNonblockingByIoctl(let on):
            var next = state
            next.sockets[index].descriptorNonblocking = on
            return [(.closed, .completed(next))]
        case .setFlags(let nonblocking, let async):
            var next = state
            next.sockets[index].descriptorNonblocking = nonblocking
            next.ioSignals.setAsync(end, async)
            return [(.closed, .completed(next))]
        case .getOwner:
            return signals.owner(of: end).reports.map { (.owner($0), .completed(state)) }
        case .getOwnerEx:
            let owner = signals.owner(of: end)
            return owner.reports.map { (.ownerEx(owner.type, $0), .completed(state)) }
        case .setOwner(let owner):
            // F_SETOWN's sign types it: a negative (a group) F_OWNER_PGRP, else F_OWNER_PID.
            if case .group = owner { return set(signals.settingOwner(of: end, type: .group, owner: owner)) }
            return set(signals.settingOwner(of: end, type: .process, owner: owner))
        case .setOwnerEx(let type, let owner):
            return set(signals.settingOwner(of: end, type: type, owner: owner))
        case .getSignal:
            return [(.ioSignal(signals.signal(of: end)), .completed(state))]
        case .setSignal(let number):
            return set([signals.settingSignal(of: end, to: number)])
        }
    }

    /// `sigtimedwait` (`wait`: `sigwaitinfo`) by `process` for `signals`, which it keeps blocked.
    func takeSignal(_ state: State, process: Int, signals: [Int], wait: Bool) -> Transitions {
        state.ioSignals.taking(by: process, signals: signals, wait: wait).map { outcome in
            var next = state
            next.ioSignals = outcome.next
            return (outcome.taken.map(Output.signalTaken) ?? .failed(.EAGAIN), .completed(next))
        }
    }
}
