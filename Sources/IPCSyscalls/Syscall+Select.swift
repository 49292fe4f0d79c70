import Glibc
import SystemPackage

extension Syscall {
    /// Waits until `descriptor` is readable (when `read`) or writable (when `write`); returns which. A negative
    /// timeout waits forever. The fault plan treats it as `poll` (the same wait in the kernel, `do_select`).
    ///
    /// The corresponding C function is `select`.
    public static func select(
        _ descriptor: FileDescriptor, read: Bool, write: Bool, timeoutMilliseconds: Int, retryOnInterrupt: Bool = true
    ) throws(Errno) -> (readable: Bool, writable: Bool) {
        let ready = try select(
            descriptor, read: read, write: write, exceptional: false, timeoutMilliseconds: timeoutMilliseconds,
            retryOnInterrupt: retryOnInterrupt)
        return (ready.readable, ready.writable)
    }

    /// As ``select(_:read:write:timeoutMilliseconds:retryOnInterrupt:)``, with the descriptor in the exceptional set
    /// too when `exceptional` (ready on `POLLPRI`: a stream socket's out-of-band byte).
    ///
    /// The corresponding C function is `select`.
    public static func select(
        _ descriptor: FileDescriptor, read: Bool, write: Bool, exceptional: Bool, timeoutMilliseconds: Int,
        retryOnInterrupt: Bool = true
    ) throws(Errno) -> (readable: Bool, writable: Bool, exceptional: Bool) {
        let number = Int(descriptor.rawValue)
        precondition(number >= 0 && number < Int(FD_SETSIZE), "select takes descriptors below FD_SETSIZE")
        var readSet = fd_set()
        var writeSet = fd_set()
        var exceptionSet = fd_set()
        if read { set(number, in: &readSet) }
        if write { set(number, in: &writeSet) }
        if exceptional { set(number, in: &exceptionSet) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        let asked = (read ? POLLIN : 0) | (write ? POLLOUT : 0) | (exceptional ? POLLPRI : 0)
        let sleeps = {
            guard asked != 0 else { return true }
            let entry = [pollfd(fd: descriptor.rawValue, events: Int16(asked), revents: 0)]
            return entry.withUnsafeBufferPointer { FaultFeasibility.pollSleeps($0) }
        }
        _ = try perform(.poll, mayBlock: timeoutMilliseconds != 0, sleeps: sleeps, retryOnInterrupt: retryOnInterrupt) { _ in
            timeoutMilliseconds < 0
                ? Glibc.select(CInt(number + 1), &readSet, &writeSet, &exceptionSet, nil)
                : Glibc.select(CInt(number + 1), &readSet, &writeSet, &exceptionSet, &timeout)
        }
        return (isSet(number, in: &readSet), isSet(number, in: &writeSet), isSet(number, in: &exceptionSet))
    }

    /// `FD_SET`, which Swift's Glibc module does not export: bit `number % 64` of word `number / 64`.
    private static func set(_ number: Int, in set: inout fd_set) {
        withUnsafeMutableBytes(of: &set) { bytes in
            let words = bytes.bindMemory(to: UInt.self)
            words[number / UInt.bitWidth] |= 1 << UInt(number % UInt.bitWidth)
        }
    }

    /// `FD_ISSET`.
    private static func isSet(_ number: Int, in set: inout fd_set) -> Bool {
        withUnsafeMutableBytes(of: &set) { bytes in
            let words = bytes.bindMemory(to: UInt.self)
            return words[number / UInt.bitWidth] & (1 << UInt(number % UInt.bitWidth)) != 0
        }
    }
}
