import CIPCShims
import Glibc
import IPCSyscalls
import SystemPackage

/// `epoll_create1`, `epoll_ctl` and `epoll_wait` as a user's event loop makes them, one call each (the C side is
/// `Sources/CIPCShims/epoll.c`: `struct epoll_event` is packed). A signal's `EINTR` is returned, not retried: the call
/// is the operation. Each registration's data is its descriptor's number, which `wait` reports back.
public enum KernelEpoll {
    /// `<sys/epoll.h>`'s event bits.
    public struct Events: OptionSet, Hashable, Sendable {
        public var rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let input = Events(rawValue: ipc_epollin())
        public static let output = Events(rawValue: ipc_epollout())
        public static let error = Events(rawValue: ipc_epollerr())
        public static let hangUp = Events(rawValue: ipc_epollhup())
        public static let readHangUp = Events(rawValue: ipc_epollrdhup())
        public static let edgeTriggered = Events(rawValue: ipc_epollet())
        public static let oneShot = Events(rawValue: ipc_epolloneshot())
        public static let exclusive = Events(rawValue: ipc_epollexclusive())
        public static let wakeUp = Events(rawValue: ipc_epollwakeup())
    }

    /// `epoll_ctl`'s operations, with the kernel's values (a raw one may be given to see `EINVAL`).
    public static let add = ipc_epoll_ctl_add(), modify = ipc_epoll_ctl_mod(), delete = ipc_epoll_ctl_del()
    public static let closeOnExec = ipc_epoll_cloexec()

    /// One reported event: the registration's descriptor (its data) and the ready bits.
    public struct Event: Hashable, Sendable {
        public var descriptor: CInt
        public var events: Events

        public init(descriptor: CInt, events: Events) {
            self.descriptor = descriptor
            self.events = events
        }
    }

    /// `epoll_create1(flags)`, the flags as given.
    public static func create(flags: CInt = ipc_epoll_cloexec()) throws(Errno) -> FileDescriptor {
        let result = ipc_epoll_create1(flags)
        guard result >= 0 else { throw Errno(rawValue: Glibc.errno) }
        return FileDescriptor(rawValue: result)
    }

    /// `epoll_create(size)`.
    public static func create(size: CInt) throws(Errno) -> FileDescriptor {
        let result = ipc_epoll_create(size)
        guard result >= 0 else { throw Errno(rawValue: Glibc.errno) }
        return FileDescriptor(rawValue: result)
    }

    /// `epoll_ctl(instance, operation, descriptor, &event)`; `withEvent` false passes a null event.
    public static func control(
        _ instance: CInt, _ operation: CInt, _ descriptor: CInt, events: Events = [], withEvent: Bool = true
    ) throws(Errno) {
        guard ipc_epoll_ctl(instance, operation, descriptor, events.rawValue, withEvent ? 1 : 0) == 0 else {
            throw Errno(rawValue: Glibc.errno)
        }
    }

    /// `epoll_pwait(instance, buffer, maxEvents, timeout, mask)`: as ``wait(_:maxEvents:timeoutMilliseconds:)``, with
    /// the signal mask made of `signals` for the call (nil: a null mask).
    public static func pwait(_ instance: CInt, maxEvents: Int = 16, timeoutMilliseconds: Int, signals: [CInt]?) throws(Errno) -> [Event] {
        var events = [UInt32](repeating: 0, count: 16)
        var descriptors = [CInt](repeating: -1, count: 16)
        let mask = signals ?? []
        let count = ipc_epoll_pwait(
            instance, CInt(clamping: maxEvents), CInt(clamping: timeoutMilliseconds), mask, signals == nil ? -1 : CInt(mask.count), &events, &descriptors, 16)
        guard count >= 0 else { throw Errno(rawValue: Glibc.errno) }
        return (0..<Int(count)).map { Event(descriptor: descriptors[$0], events: Events(rawValue: events[$0])) }
    }

    /// `epoll_pwait2(instance, buffer, maxEvents, &timeout or NULL, mask)`: `timeout` (seconds, nanoseconds) as given,
    /// nil a null pointer (forever); the mask as in ``pwait(_:maxEvents:timeoutMilliseconds:signals:)``.
    public static func pwait2(
        _ instance: CInt, maxEvents: Int = 16, timeout: (seconds: Int, nanoseconds: Int)?, signals: [CInt]?
    ) throws(Errno) -> [Event] {
        var events = [UInt32](repeating: 0, count: 16)
        var descriptors = [CInt](repeating: -1, count: 16)
        let mask = signals ?? []
        let count = ipc_epoll_pwait2(
            instance, CInt(clamping: maxEvents), timeout == nil ? 0 : 1, Int64(timeout?.seconds ?? 0), Int64(timeout?.nanoseconds ?? 0), mask,
            signals == nil ? -1 : CInt(mask.count), &events, &descriptors, 16)
        guard count >= 0 else { throw Errno(rawValue: Glibc.errno) }
        return (0..<Int(count)).map { Event(descriptor: descriptors[$0], events: Events(rawValue: events[$0])) }
    }

    /// Whether `descriptor` has `FD_CLOEXEC` (`fcntl(F_GETFD)`).
    public static func closeOnExec(_ descriptor: CInt) throws(Errno) -> Bool {
        let flags = fcntl(descriptor, F_GETFD)
        guard flags >= 0 else { throw Errno(rawValue: Glibc.errno) }
        return flags & FD_CLOEXEC != 0
    }

    /// `epoll_wait(instance, buffer, maxEvents, timeout)` (at most 16 events taken); the events reported, in order.
    public static func wait(_ instance: CInt, maxEvents: Int = 16, timeoutMilliseconds: Int) throws(Errno) -> [Event] {
        var events = [UInt32](repeating: 0, count: 16)
        var descriptors = [CInt](repeating: -1, count: 16)
        let count = ipc_epoll_wait(instance, CInt(clamping: maxEvents), CInt(clamping: timeoutMilliseconds), &events, &descriptors, 16)
        guard count >= 0 else { throw Errno(rawValue: Glibc.errno) }
        return (0..<Int(count)).map { Event(descriptor: descriptors[$0], events: Events(rawValue: events[$0])) }
    }
}
