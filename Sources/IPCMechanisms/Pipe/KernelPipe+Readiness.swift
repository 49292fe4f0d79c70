import Glibc
import IPCSyscalls
import SystemPackage

/// `poll` and `select` on one of a pipe's or FIFO's descriptors, as a user's event loop makes them. A signal's `EINTR`
/// is returned, not retried: the call is the operation, and a retry would restart its timeout.
extension KernelPipe {
    /// `poll` of `descriptor` for `events` (the `<poll.h>` bits); returns its `revents` (0: nothing ready in time).
    public static func poll(_ descriptor: FileDescriptor, events: Int16, timeoutMilliseconds: Int) throws(Errno) -> Int16 {
        var descriptors = [pollfd(fd: descriptor.rawValue, events: events, revents: 0)]
        _ = try Syscall.poll(&descriptors, timeoutMilliseconds: CInt(clamping: timeoutMilliseconds), retryOnInterrupt: false)
        return descriptors[0].revents
    }

    /// `select` with `descriptor` in the read set, the write set, or both; returns which sets kept it.
    public static func select(
        _ descriptor: FileDescriptor, read: Bool, write: Bool, timeoutMilliseconds: Int
    ) throws(Errno) -> (readable: Bool, writable: Bool) {
        try Syscall.select(descriptor, read: read, write: write, timeoutMilliseconds: timeoutMilliseconds, retryOnInterrupt: false)
    }
}
