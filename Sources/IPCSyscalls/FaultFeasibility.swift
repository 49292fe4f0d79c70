import CIPCShims
import Glibc
import SystemPackage

/// Which injected faults this kernel could itself produce for a call as it is made.
///
/// A fault injector that makes a call return what the kernel never would makes correct code fail: a client that
/// relies on `PIPE_BUF` atomicity is "broken" by a cut 100-byte pipe write, a probe that reads `EAGAIN` as "a
/// writer is still open" is "broken" by an `EAGAIN` the kernel gives only when one is. Those are false verdicts.
/// So an injector asks this first and leaves the call alone when the answer is no. The rules, from the man pages
/// and this kernel's sources (fs/pipe.c, net/unix/af_unix.c, ipc/), are deliberately conservative:
///
/// | fault    | allowed on                                                                                 |
/// |----------|--------------------------------------------------------------------------------------------|
/// | `EINTR`  | a call that may sleep (blocking descriptor, no `MSG_DONTWAIT`/`IPC_NOWAIT`, poll timeout ≠ 0) and would sleep now (see ``sleepsNow(_:)``) |
/// | `EAGAIN` | a call that sends or queues and may not sleep (a full object is then a moment away)          |
/// | `ENOMEM` | a call that allocates kernel memory: sends, writes, `mq_send`, `msgsnd`, `semop`, `poll`     |
/// | short    | a read from a byte stream (pipe, FIFO, stream socket; not a pipe or FIFO that may carry packets, see ``mayCarryPackets(_:)``); a write of more than `PIPE_BUF` to a pipe or FIFO; a send on a stream socket |
///
/// Never: `EAGAIN` on a receive (the kernel says it only when there is nothing to take, and then says it
/// anyway), `ENOMEM` on a receive (none of these allocate), a short datagram, record or message (they move
/// whole or not at all), a short write of at most `PIPE_BUF` bytes to a pipe (POSIX makes it atomic).
public enum FaultFeasibility {
    /// `PIPE_BUF` on Linux: pipe writes of at most this many bytes are atomic.
    public static let pipeAtomicWrite = 4096

    /// The direction of a transfer call.
    enum Direction { case inward, outward, waiting }

    static func direction(of call: SystemCall) -> Direction? {
        switch call {
        case .read, .receive, .recvmsg, .mqReceive, .msgrcv: .inward
        case .write, .send, .sendmsg, .mqSend, .msgsnd: .outward
        case .poll, .semWait, .semTryWait, .semop: .waiting
        default: nil
        }
    }

    /// What a descriptor refers to (see `ipc_descriptor_kind`).
    public enum DescriptorKind: Sendable, Hashable {
        case pipe, streamSocket, datagramSocket, seqpacketSocket, other, closed

        public init(_ descriptor: FileDescriptor) {
            switch ipc_descriptor_kind(descriptor.rawValue) {
            case 1: self = .pipe
            case 2: self = .streamSocket
            case 3: self = .datagramSocket
            case 4: self = .seqpacketSocket
            case -1: self = .closed
            default: self = .other
            }
        }

        var isByteStream: Bool { self == .pipe || self == .streamSocket }
    }

    /// Whether the kernel could make `context`'s call fail with `error`.
    public static func permits(_ error: Errno, for context: SyscallContext) -> Bool {
        guard let direction = direction(of: context.call) else { return false }
        switch error {
        case .interrupted:
            return mayBlock(context) && sleepsNow(context)
        case .wouldBlock:
            return direction == .outward && !mayBlock(context)
        case .noMemory:
            return direction == .outward || context.call == .semop || context.call == .poll
        default:
            return false
        }
    }

    /// Whether the kernel could move fewer bytes than `context`'s call asks for (when it moves any at all).
    public static func permitsShortTransfer(for context: SyscallContext) -> Bool {
        guard let count = context.count, count > 1, let descriptor = context.descriptor else { return false }
        switch (direction(of: context.call), DescriptorKind(descriptor)) {
        case (.inward?, .pipe): return !mayCarryPacketsRead(descriptor)
        case (.inward?, let kind) where context.call != .mqReceive: return kind.isByteStream
        case (.outward?, .pipe) where context.call == .write: return count > pipeAtomicWrite
        case (.outward?, .streamSocket) where context.call != .mqSend: return true
        default: return false
        }
    }

    /// Whether the call may sleep: its own flags, else the descriptor's `O_NONBLOCK`.
    static func mayBlock(_ context: SyscallContext) -> Bool {
        if let mayBlock = context.mayBlock { return mayBlock }
        guard let descriptor = context.descriptor else { return false }
        let flags = ipc_get_status_flags(descriptor.rawValue)
        return flags != -1 && flags & O_NONBLOCK == 0
    }
}
