import CIPCMechanismBench

/// The mechanisms `bench mechanisms` measures, with the C loop's number for each.
public enum BenchMechanism: String, CaseIterable, Sendable, Hashable {
    case pipe
    case fifo
    case unixStream = "unix-stream"
    case unixDatagram = "unix-datagram"
    case unixSeqpacket = "unix-seqpacket"
    case posixMessageQueue = "posix-mq"
    case systemVMessageQueue = "sysv-msg"
    case eventfd
    /// The SPSC ring in shared memory, the consumer asleep on a futex when it is empty: the ring with its
    /// notification.
    case ring = "shm-ring"
    /// The same ring, its consumer polling: what the notification costs is the difference.
    case ringPolling = "shm-ring-polling"
    /// The hybrid channel with T = 0: every message through a shared buffer and a 9-byte notification on a pipe.
    /// The seed's `L_s(s) = a_s + b_s·s + (a_q + b_q·d)` with q a pipe and d = 9.
    case sharedBufferPipeNotification = "shm+pipe-notify"
    /// The hybrid channel with the threshold T: a pipe up to T bytes, shared buffer + notification above.
    case hybrid

    var code: Int32 {
        switch self {
        case .pipe: Int32(IPCMB_PIPE)
        case .fifo: Int32(IPCMB_FIFO)
        case .unixStream: Int32(IPCMB_STREAM)
        case .unixDatagram: Int32(IPCMB_DATAGRAM)
        case .unixSeqpacket: Int32(IPCMB_SEQPACKET)
        case .posixMessageQueue: Int32(IPCMB_POSIX_MQ)
        case .systemVMessageQueue: Int32(IPCMB_SYSV_MSG)
        case .eventfd: Int32(IPCMB_EVENTFD)
        case .ring: Int32(IPCMB_RING)
        case .ringPolling: Int32(IPCMB_RING_POLLING)
        case .sharedBufferPipeNotification, .hybrid: Int32(IPCMB_HYBRID)
        }
    }

    /// Mechanisms whose every message the kernel copies in and out: each gets a crossover T with the ring.
    public var isCopying: Bool {
        switch self {
        case .pipe, .fifo, .unixStream, .unixDatagram, .unixSeqpacket, .posixMessageQueue, .systemVMessageQueue: true
        case .eventfd, .ring, .ringPolling, .sharedBufferPipeNotification, .hybrid: false
        }
    }

    /// What it carries, for the report.
    public var summary: String {
        switch self {
        case .pipe: "pipe(2), default 64 KiB buffer"
        case .fifo: "mkfifo(3), opened by name in each process"
        case .unixStream: "socketpair(AF_UNIX, SOCK_STREAM)"
        case .unixDatagram: "socketpair(AF_UNIX, SOCK_DGRAM), default buffers"
        case .unixSeqpacket: "socketpair(AF_UNIX, SOCK_SEQPACKET), default buffers"
        case .posixMessageQueue: "mq_open, 10 messages of the largest size it accepts"
        case .systemVMessageQueue: "msgget/msgsnd/msgrcv"
        case .eventfd: "eventfd(2): an 8-byte counter"
        case .ring: "SPSC ring in a memfd, memcpy in and out, futex wake when the consumer sleeps"
        case .ringPolling: "the same ring, the consumer polling (no notification)"
        case .sharedBufferPipeNotification: "shared buffer + 9-byte notification through a pipe (hybrid, T = 0)"
        case .hybrid: "hybrid channel: pipe up to T, shared buffer + notification above"
        }
    }
}
