import CIPCShims
import Glibc
import SystemPackage

/// Whether a call would sleep at the moment it is made: the only moment the kernel can end it with `EINTR`.
///
/// A blocking call that finds what it needs (a pipe with bytes, a semaphore above 0, a queue with room) returns
/// without sleeping and never sees a signal; `EINTR` there is a return the kernel cannot give, and a client that
/// mishandles it is "caught" in a situation that cannot happen — a false verdict. So an injected `EINTR` needs the
/// call to be one that would sleep now. The state is read just before the call, inside the operation's interval,
/// so the model can place the interruption at that moment. The state is read with calls the worker's libc
/// interposer does not wrap (`ipc_poll_now` is the raw `ppoll`), since the interposer asks the injector about the
/// calls it wraps and the injector is asking this. Every rule errs towards "no": an injection the harness
/// cannot justify is left out (a real signal can still interrupt the call, and the kernel then says what it says).
extension FaultFeasibility {
    /// The rule for ``SyscallContext/sleepsNow`` when the wrapper left it unset: read off the descriptor.
    ///
    /// - Receives (`read`, `recv`, `recvmsg`, `mq_receive`) sleep only when nothing is readable: a zero-timeout
    ///   `poll` for `POLLIN` reports nothing (bytes, a message, end of file, a hang-up or an error all return at once).
    /// - A pipe or FIFO write sleeps for certain only when the pipe holds its capacity in bytes (a smaller write may
    ///   merge into the last page although `poll` says not writable, measured in `KernelReadinessFactsTests`).
    /// - A Unix socket send sleeps for certain only when its unconsumed sends (`SIOCOUTQ`, skb memory) reach
    ///   `SO_SNDBUF`, where `sock_alloc_send_pskb` waits; a datagram send also waits for a full peer queue, which the
    ///   harness cannot read, so it is not counted.
    /// - Any other descriptor (an mq descriptor, an eventfd): `poll` for `POLLOUT` reports nothing, which for both is
    ///   exactly "full".
    /// - No descriptor and no word from the wrapper: no.
    static func sleepsNow(_ context: SyscallContext) -> Bool {
        if let sleepsNow = context.sleepsNow { return sleepsNow }
        guard let descriptor = context.descriptor else { return false }
        switch direction(of: context.call) {
        case .inward?:
            return !isReady(descriptor, events: POLLIN)
        case .outward?:
            switch DescriptorKind(descriptor) {
            case .pipe:
                var buffered: CInt = 0
                let capacity = ipc_get_pipe_size(descriptor.rawValue)
                return ipc_bytes_readable(descriptor.rawValue, &buffered) == 0 && capacity > 0 && buffered >= capacity
            case .streamSocket, .datagramSocket, .seqpacketSocket:
                let queued = ipc_socket_output_queue(descriptor.rawValue)
                let limit = ipc_send_buffer_size(descriptor.rawValue)
                return queued >= 0 && limit > 0 && queued >= limit
            case .other:
                return !isReady(descriptor, events: POLLOUT)
            case .closed:
                return false
            }
        case .waiting?, nil:
            return false
        }
    }

    /// Whether a zero-timeout `poll` of `descriptor` reports anything (asked `events`, or a hang-up, error or
    /// invalid descriptor, which any call returns on at once).
    static func isReady(_ descriptor: FileDescriptor, events: CInt) -> Bool {
        var entry = pollfd(fd: descriptor.rawValue, events: Int16(events), revents: 0)
        return ipc_poll_now(&entry, 1) != 0
    }

    /// Whether a `poll` (or `select`) of `descriptors` would sleep: nothing among them is ready now.
    public static func pollSleeps(_ descriptors: UnsafeBufferPointer<pollfd>) -> Bool {
        var copy = Array(descriptors)
        for index in copy.indices { copy[index].revents = 0 }
        return ipc_poll_now(&copy, UInt(copy.count)) == 0
    }

    /// Whether a wait on a POSIX semaphore would sleep: its value is 0 (and, for a timed wait, its deadline is
    /// valid and still ahead on `clock`; a past or invalid one returns at once).
    public static func semaphoreWaitSleeps(
        _ semaphore: UnsafeMutablePointer<sem_t>, deadline: timespec? = nil, clock: clockid_t = CLOCK_REALTIME
    ) -> Bool {
        var value: CInt = 0
        guard sem_getvalue(semaphore, &value) == 0, value <= 0 else { return false }
        guard let deadline else { return true }
        return isAhead(deadline, on: clock)
    }

    /// Whether the absolute `deadline` is valid and still ahead on `clock`: a timed call with a past or invalid one
    /// returns at once (`ETIMEDOUT`, `EINVAL`) and never sleeps.
    public static func isAhead(_ deadline: timespec, on clock: clockid_t = CLOCK_REALTIME) -> Bool {
        guard deadline.tv_nsec >= 0, deadline.tv_nsec < 1_000_000_000 else { return false }
        var now = timespec()
        clock_gettime(clock, &now)
        return (now.tv_sec, now.tv_nsec) < (deadline.tv_sec, deadline.tv_nsec)
    }

    /// Whether a `semop` of `operations` (number, change) on set `id` would sleep: applied in order to the values
    /// `GETVAL` reads now, one of them cannot proceed (a decrement below 0, or a wait-for-zero on a nonzero value).
    public static func semopSleeps(set id: CInt, _ operations: [(number: Int, change: Int)]) -> Bool {
        firstBlocked(set: id, operations) != nil
    }

    /// As ``semopSleeps(set:_:)`` for operations as a caller passes them to `semop`, each with its own flags: the
    /// kernel sleeps at the first operation that cannot proceed unless that one carries `IPC_NOWAIT` (then the call
    /// fails `EAGAIN` at once).
    public static func semopSleeps(set id: CInt, _ operations: UnsafeBufferPointer<sembuf>) -> Bool {
        guard let blocked = firstBlocked(set: id, operations.map { (Int($0.sem_num), Int($0.sem_op)) }) else { return false }
        return operations[blocked].sem_flg & Int16(IPC_NOWAIT) == 0
    }

    /// The index of the first of `operations` that cannot proceed on the values `GETVAL` reads now, applied in
    /// order; nil when all can, or a value cannot be read (the call then fails at once).
    static func firstBlocked(set id: CInt, _ operations: [(number: Int, change: Int)]) -> Int? {
        var values: [Int: Int] = [:]
        for (index, operation) in operations.enumerated() {
            if values[operation.number] == nil {
                let value = ipc_semctl_getval(id, CInt(operation.number))
                guard value >= 0 else { return nil }
                values[operation.number] = Int(value)
            }
            let value = values[operation.number]!
            if operation.change == 0 && value != 0 { return index }
            if operation.change < 0 && value + operation.change < 0 { return index }
            values[operation.number] = value + operation.change
        }
        return nil
    }

    /// Whether a System V `msgsnd` of `size` bytes (`receive`: false) or a `msgrcv` (`receive`: true) on queue `id`
    /// would sleep, by `IPC_STAT`: a send when the message does not fit (`msg_fits_inqueue`: bytes and count against
    /// `msg_qbytes`), a receive when the queue is empty (a typed receive that finds no match also sleeps; that
    /// one is not counted).
    public static func messageQueueSleeps(id: CInt, sending size: Int?) -> Bool {
        var status = msqid_ds()
        guard msgctl(id, IPC_STAT, &status) == 0 else { return false }
        guard let size else { return status.msg_qnum == 0 }
        return Int(status.__msg_cbytes) + size > Int(status.msg_qbytes) || Int(status.msg_qnum) + 1 > Int(status.msg_qbytes)
    }
}
