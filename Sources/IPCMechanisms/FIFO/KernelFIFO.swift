import Glibc
import IPCSyscalls
import SystemPackage

/// The kernel's FIFO (named pipe): a pipe that processes open by path. Reads and writes on an open FIFO are
/// pipe reads and writes (``KernelPipe``); what differs is `open`:
///
/// - `O_RDONLY` sleeps until a writer opens (any writer, even one that closes again at once), unless
///   `O_NONBLOCK`; `O_WRONLY` sleeps until a reader opens, and with `O_NONBLOCK` fails `ENXIO` when none has.
/// - A process sleeping in `open` already counts as a reader or writer: a nonblocking writer may open, and its
///   data waits for the sleeper.
/// - When the last descriptor of every opener closes, the buffered bytes are discarded; the name stays.
public enum KernelFIFO {
    /// Which way a process opens the FIFO.
    public enum Direction: String, Sendable, Hashable {
        case read, write
        /// `O_RDWR`: Linux opens it at once, the opener being its own partner (POSIX leaves it undefined).
        case readWrite
    }

    /// Creates the FIFO at `path` with mode 0600; `EEXIST` when anything is there already (exclusive creation).
    public static func create(at path: String) throws(Errno) {
        try Syscall.makeFIFO(path, mode: 0o600)
    }

    /// `mkfifo` of `path` with `mode` under the umask `umask` (the process's own is left alone): the permission
    /// bits `stat` then reports. `EEXIST` when anything is there, `ENOENT` when its directory is missing.
    public static func make(at path: String, mode: mode_t, umask: mode_t) throws(Errno) -> Int {
        try Syscall.makeFIFO(path, mode: mode, umask: umask)
    }

    /// Opens the FIFO for `direction`, close-on-exec. Each open is a new open file description (its own
    /// `O_NONBLOCK`). A blocking open may sleep (see the type's notes); `EINTR` is retried when `retryOnInterrupt`.
    /// `async` adds `O_ASYNC`, which on a FIFO only sets the bit `F_GETFL` reports: the description joins no signal list
    /// then or ever after (`KernelFIFOOpenAsyncFactsTests`).
    public static func open(
        _ path: String, for direction: Direction, nonblocking: Bool, async: Bool = false, retryOnInterrupt: Bool = true
    ) throws(Errno) -> FileDescriptor {
        let access =
            switch direction {
            case .read: O_RDONLY
            case .write: O_WRONLY
            case .readWrite: O_RDWR
            }
        return try Syscall.open(
            path, flags: access | O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0) | (async ? O_ASYNC : 0), retryOnInterrupt: retryOnInterrupt)
    }
}
