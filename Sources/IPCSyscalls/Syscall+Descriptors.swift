import CIPCShims
import Glibc
import SystemPackage

extension Syscall {
    /// Reads up to `buffer.count` bytes; 0 means end of file.
    ///
    /// The corresponding C function is `read`.
    public static func read(
        _ descriptor: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer, retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        try perform(.read, descriptor: descriptor, count: buffer.count, retryOnInterrupt: retryOnInterrupt) {
            Glibc.read(descriptor.rawValue, buffer.baseAddress, $0 ?? buffer.count)
        }
    }

    /// Writes up to `buffer.count` bytes and returns how many the kernel took (possibly fewer).
    ///
    /// The corresponding C function is `write`.
    public static func write(
        _ descriptor: FileDescriptor, _ buffer: UnsafeRawBufferPointer, retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        try perform(.write, descriptor: descriptor, count: buffer.count, retryOnInterrupt: retryOnInterrupt) {
            Glibc.write(descriptor.rawValue, buffer.baseAddress, $0 ?? buffer.count)
        }
    }

    /// Closes a descriptor. Never retried: after `EINTR` the descriptor is already gone on Linux.
    ///
    /// The corresponding C function is `close`.
    public static func close(_ descriptor: FileDescriptor) throws(Errno) {
        _ = try perform(.close, descriptor: descriptor, retryOnInterrupt: false) { _ in
            Glibc.close(descriptor.rawValue)
        }
    }

    /// Creates a pipe. Pass `O_CLOEXEC` (and `O_NONBLOCK`, `O_DIRECT`) in `flags`.
    ///
    /// The corresponding C function is `pipe2`.
    public static func pipe(flags: CInt = O_CLOEXEC) throws(Errno) -> (read: FileDescriptor, write: FileDescriptor) {
        var fds: [CInt] = [-1, -1]
        _ = try perform(.pipe2, retryOnInterrupt: false) { _ in ipc_pipe2(&fds, flags) }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }

    /// Opens a path. Pass `O_CLOEXEC` in `flags`; `mode` applies with `O_CREAT`.
    ///
    /// The corresponding C function is `open`.
    public static func open(
        _ path: String, flags: CInt, mode: mode_t = 0, retryOnInterrupt: Bool = true
    ) throws(Errno) -> FileDescriptor {
        let fd = try perform(.open, retryOnInterrupt: retryOnInterrupt) { _ in Glibc.open(path, flags, mode) }
        return FileDescriptor(rawValue: fd)
    }

    /// Opens another open file description of the same object through `/proc/self/fd`, with its own file status
    /// flags. For a pipe this is a new reader or writer (it counts towards EOF and EPIPE), unlike `dup`, whose
    /// copy shares the original's `O_NONBLOCK` with every other holder.
    public static func reopen(_ descriptor: FileDescriptor, flags: CInt) throws(Errno) -> FileDescriptor {
        try open("/proc/self/fd/\(descriptor.rawValue)", flags: flags)
    }

    /// The descriptor's file status flags (`O_NONBLOCK`, `O_APPEND`, ...).
    ///
    /// The corresponding C function is `fcntl(F_GETFL)`.
    public static func statusFlags(_ descriptor: FileDescriptor) throws(Errno) -> CInt {
        try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_get_status_flags(descriptor.rawValue)
        }
    }

    /// Replaces the descriptor's file status flags.
    ///
    /// The corresponding C function is `fcntl(F_SETFL)`.
    public static func setStatusFlags(_ descriptor: FileDescriptor, _ flags: CInt) throws(Errno) {
        _ = try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_set_status_flags(descriptor.rawValue, flags)
        }
    }

    /// Turns `O_NONBLOCK` on or off, leaving the other status flags as they are.
    public static func setNonblocking(_ descriptor: FileDescriptor, _ nonblocking: Bool) throws(Errno) {
        let flags = try statusFlags(descriptor)
        let wanted = nonblocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if wanted != flags { try setStatusFlags(descriptor, wanted) }
    }

    /// The capacity of the pipe behind `descriptor`, in bytes.
    ///
    /// The corresponding C function is `fcntl(F_GETPIPE_SZ)`.
    public static func pipeSize(_ descriptor: FileDescriptor) throws(Errno) -> Int {
        Int(try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_get_pipe_size(descriptor.rawValue)
        })
    }

    /// Sets the capacity of the pipe behind `descriptor` (rounded up by the kernel to a power of two pages) and
    /// returns the capacity it got. `size` goes to the kernel as an `unsigned int`.
    ///
    /// The corresponding C function is `fcntl(F_SETPIPE_SZ)`.
    @discardableResult
    public static func setPipeSize(_ descriptor: FileDescriptor, _ size: Int) throws(Errno) -> Int {
        Int(try perform(.fcntl, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_set_pipe_size(descriptor.rawValue, CInt(truncatingIfNeeded: size))
        })
    }

    /// The bytes ready to be read from a pipe, FIFO or socket, without reading them.
    ///
    /// The corresponding C function is `ioctl(FIONREAD)`.
    public static func bytesReadable(_ descriptor: FileDescriptor) throws(Errno) -> Int {
        var count: CInt = 0
        _ = try perform(.ioctl, descriptor: descriptor, retryOnInterrupt: false) { _ in
            ipc_bytes_readable(descriptor.rawValue, &count)
        }
        return Int(count)
    }

    /// An `ioctl` whose argument is a pointer to one `int` (`FIONBIO`, `FIOASYNC`) or is unused (`FIOCLEX`,
    /// `FIONCLEX`); returns what the call returned.
    ///
    /// The corresponding C function is `ioctl`.
    @discardableResult
    public static func control(_ descriptor: FileDescriptor, request: UInt, argument: CInt = 0) throws(Errno) -> Int {
        var value = argument
        return Int(try perform(.ioctl, descriptor: descriptor, retryOnInterrupt: false) { _ in
            Glibc.ioctl(descriptor.rawValue, request, &value)
        })
    }

    /// Waits for events on `descriptors`; returns how many have events. A negative timeout waits forever.
    ///
    /// The corresponding C function is `poll`.
    public static func poll(
        _ descriptors: inout [pollfd], timeoutMilliseconds: CInt, retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        let count = descriptors.count
        let asked = descriptors
        let sleeps = { asked.withUnsafeBufferPointer { FaultFeasibility.pollSleeps($0) } }
        return Int(try descriptors.withUnsafeMutableBufferPointer { (buffer) throws(Errno) -> CInt in
            try perform(
                .poll, mayBlock: timeoutMilliseconds != 0, sleeps: sleeps,
                retryOnInterrupt: retryOnInterrupt
            ) { _ in
                Glibc.poll(buffer.baseAddress, nfds_t(count), timeoutMilliseconds)
            }
        })
    }
}

extension Syscall {
    /// `O_DIRECT`, which Swift's Glibc module does not export: on a pipe's write end, packet mode.
    public static var directFlag: CInt { ipc_o_direct() }

    /// Moves the file position; returns the new one.
    ///
    /// The corresponding C function is `lseek`.
    public static func seek(_ descriptor: FileDescriptor, offset: Int, whence: CInt) throws(Errno) -> Int {
        Int(try perform(.lseek, descriptor: descriptor, retryOnInterrupt: false) { _ in
            Glibc.lseek(descriptor.rawValue, off_t(offset), whence)
        })
    }

    /// Reads up to `buffer.count` bytes at `offset`, leaving the file position alone.
    ///
    /// The corresponding C function is `pread`.
    public static func read(
        _ descriptor: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer, at offset: Int
    ) throws(Errno) -> Int {
        try perform(.pread, descriptor: descriptor, count: buffer.count, retryOnInterrupt: true) {
            Glibc.pread(descriptor.rawValue, buffer.baseAddress, $0 ?? buffer.count, off_t(offset))
        }
    }

    /// Writes up to `buffer.count` bytes at `offset`, leaving the file position alone.
    ///
    /// The corresponding C function is `pwrite`.
    public static func write(
        _ descriptor: FileDescriptor, _ buffer: UnsafeRawBufferPointer, at offset: Int
    ) throws(Errno) -> Int {
        try perform(.pwrite, descriptor: descriptor, count: buffer.count, retryOnInterrupt: true) {
            Glibc.pwrite(descriptor.rawValue, buffer.baseAddress, $0 ?? buffer.count, off_t(offset))
        }
    }
}
