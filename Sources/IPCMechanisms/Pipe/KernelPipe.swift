import Glibc
import IPCSyscalls
import SystemPackage

/// The kernel's anonymous pipe, through the syscall layer (so every call can have faults injected).
public enum KernelPipe {
    /// Creates a pipe, both ends close-on-exec.
    public static func create() throws(Errno) -> (read: FileDescriptor, write: FileDescriptor) {
        try Syscall.pipe(flags: O_CLOEXEC)
    }

    /// A new open file description of one end, for one process: its own `O_NONBLOCK`, and its own place in
    /// the pipe's reader or writer count (closing the last one gives end of file or `EPIPE`).
    public static func openEnd(_ end: FileDescriptor, forWriting: Bool) throws(Errno) -> FileDescriptor {
        try Syscall.reopen(end, flags: (forWriting ? O_WRONLY : O_RDONLY) | O_CLOEXEC)
    }

    /// Reads up to `max` bytes; empty data is end of file. The call blocks or not as the open file description's
    /// `O_NONBLOCK` says (an empty pipe with writers then gives ``TransferResult/wouldBlock``), or, with
    /// `nonblocking`, does not block whatever the description says (see ``withCallDescription(_:nonblocking:forWriting:_:)``).
    /// The description's flags are never changed.
    public static func read(
        _ descriptor: FileDescriptor, max: Int, nonblocking: Bool, retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<[UInt8]> {
        try withCallDescription(descriptor, nonblocking: nonblocking, forWriting: false) { (descriptor) throws(Errno) in
            var buffer = [UInt8](repeating: 0, count: max)
            do throws(Errno) {
                let count = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
                    try Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(raw), retryOnInterrupt: retryOnInterrupt)
                }
                buffer.removeLast(max - count)
                return .completed(buffer)
            } catch .wouldBlock {
                return .wouldBlock
            }
        }
    }

    /// Writes `bytes` with one call; the count may be short (nonblocking, or interrupted). Blocking as for
    /// ``read(_:max:nonblocking:retryOnInterrupt:)``; the description's flags are never changed.
    public static func write(
        _ descriptor: FileDescriptor, _ bytes: some Collection<UInt8>, nonblocking: Bool, retryOnInterrupt: Bool = true
    ) throws(Errno) -> TransferResult<Int> {
        let contiguous = Array(bytes)
        return try withCallDescription(descriptor, nonblocking: nonblocking, forWriting: true) { (descriptor) throws(Errno) in
            do throws(Errno) {
                return .completed(try contiguous.withUnsafeBufferPointer { (raw) throws(Errno) -> Int in
                    try Syscall.write(descriptor, UnsafeRawBufferPointer(raw), retryOnInterrupt: retryOnInterrupt)
                })
            } catch .wouldBlock {
                return .wouldBlock
            }
        }
    }

    /// Runs `body` on a descriptor that does not block when `nonblocking` is asked for, without touching the flags
    /// of `descriptor`'s open file description.
    ///
    /// `O_NONBLOCK` belongs to the description, which every holder shares (a forked sibling, a `dup` handed to an
    /// event loop): turning it on for one call, even briefly, makes a sibling's blocking read of an empty pipe fail
    /// `EAGAIN` in that window — a failure the kernel gives only to nonblocking descriptions, so the model rightly
    /// rejects it, and the harness would report a violation of its own making. A pipe has no per-call flag
    /// (`RWF_NOWAIT` gives `EOPNOTSUPP` on pipes and FIFOs, measured), so a nonblocking call on a blocking description
    /// is made on a private description of the same end, opened through `/proc/self/fd` with `O_NONBLOCK` (and the
    /// write end's `O_DIRECT`, which decides packet mode per write) and closed after the call. It is one more reader
    /// or writer only while the caller already holds one, so no end of file or `EPIPE` changes. A write end whose
    /// readers are all gone cannot be opened nonblocking (`ENXIO`): the write would fail `EPIPE`, so it does.
    ///
    /// When the process has no descriptor number to spare (`EMFILE`, `ENFILE`) the flag is turned on around the one
    /// call instead, the only way left; a process at its descriptor limit that shares a description is the one case
    /// this cannot make private.
    static func withCallDescription<Result>(
        _ descriptor: FileDescriptor, nonblocking: Bool, forWriting: Bool,
        _ body: (FileDescriptor) throws(Errno) -> Result
    ) throws(Errno) -> Result {
        guard nonblocking else { return try body(descriptor) }
        let flags = try Syscall.statusFlags(descriptor)
        guard flags & O_NONBLOCK == 0 else { return try body(descriptor) }
        let access = forWriting ? O_WRONLY : O_RDONLY
        let privateDescription: FileDescriptor
        do throws(Errno) {
            privateDescription = try Syscall.reopen(descriptor, flags: access | O_NONBLOCK | O_CLOEXEC)
        } catch .noSuchAddressOrDevice where forWriting {
            throw .brokenPipe
        } catch .tooManyOpenFiles, .tooManyOpenFilesInSystem {
            try Syscall.setStatusFlags(descriptor, flags | O_NONBLOCK)
            defer { try? Syscall.setStatusFlags(descriptor, flags) }
            return try body(descriptor)
        }
        defer { try? Syscall.close(privateDescription) }
        if forWriting, flags & Syscall.directFlag != 0 {
            // open(2) does not take O_DIRECT for a pipe; F_SETFL does (as pipe2 and fcntl set it).
            try Syscall.setStatusFlags(privateDescription, O_WRONLY | O_NONBLOCK | Syscall.directFlag)
        }
        return try body(privateDescription)
    }

    /// Waits until the write end has room for at least one page (`POLLOUT`), or the readers are gone.
    public static func waitWritable(_ descriptor: FileDescriptor) throws(Errno) {
        var descriptors = [pollfd(fd: descriptor.rawValue, events: Int16(POLLOUT), revents: 0)]
        _ = try Syscall.poll(&descriptors, timeoutMilliseconds: -1)
    }

    /// Waits until the read end has bytes or end of file (`POLLIN`, `POLLHUP`): what a blocking read waits for, for a
    /// reader whose description someone else made nonblocking.
    public static func waitReadable(_ descriptor: FileDescriptor) throws(Errno) {
        var descriptors = [pollfd(fd: descriptor.rawValue, events: Int16(POLLIN), revents: 0)]
        _ = try Syscall.poll(&descriptors, timeoutMilliseconds: -1)
    }

    /// The pipe's capacity in bytes.
    public static func capacity(_ descriptor: FileDescriptor) throws(Errno) -> Int {
        try Syscall.pipeSize(descriptor)
    }
}

/// The calls on a pipe's open file description: its flags as `fcntl` sees them, and the calls that need a position.
extension KernelPipe {
    /// The description's `O_NONBLOCK` and `O_DIRECT`.
    public static func flags(_ descriptor: FileDescriptor) throws(Errno) -> (nonblocking: Bool, direct: Bool) {
        let flags = try Syscall.statusFlags(descriptor)
        return (flags & O_NONBLOCK != 0, flags & Syscall.directFlag != 0)
    }

    /// `F_SETFL`: `O_NONBLOCK` as given, `O_DIRECT` and `O_ASYNC` as given or (nil) as they were. Every descriptor of
    /// this open file description (a `dup`, a forked copy) sees the change; another description of the same end does not.
    public static func setFlags(_ descriptor: FileDescriptor, nonblocking: Bool, direct: Bool?, async: Bool? = nil) throws(Errno) {
        var flags = try Syscall.statusFlags(descriptor)
        flags = nonblocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if let direct { flags = direct ? flags | Syscall.directFlag : flags & ~Syscall.directFlag }
        if let async { flags = async ? flags | O_ASYNC : flags & ~O_ASYNC }
        try Syscall.setStatusFlags(descriptor, flags)
    }

    /// The description's `O_ASYNC`: whether its end's events send its owner a signal.
    public static func isAsync(_ descriptor: FileDescriptor) throws(Errno) -> Bool {
        try Syscall.statusFlags(descriptor) & O_ASYNC != 0
    }

    /// `lseek(descriptor, offset, whence)`, by default `SEEK_CUR` by 0: the position, which a pipe does not have
    /// (`ESPIPE`; an unknown `whence` `EINVAL` first).
    public static func position(_ descriptor: FileDescriptor, offset: Int = 0, whence: Int32 = SEEK_CUR) throws(Errno) -> Int {
        try Syscall.seek(descriptor, offset: offset, whence: whence)
    }

    /// `pread` of up to `max` bytes at `offset` (`ESPIPE` on a pipe; a negative offset `EINVAL` before anything).
    public static func readAt(_ descriptor: FileDescriptor, max: Int, offset: Int = 0) throws(Errno) -> Int {
        var buffer = [UInt8](repeating: 0, count: max)
        return try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
            try Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(raw), at: offset)
        }
    }

    /// `pwrite` of `bytes` at `offset` (`ESPIPE` on a pipe; a negative offset `EINVAL` before anything).
    public static func writeAt(_ descriptor: FileDescriptor, _ bytes: [UInt8], offset: Int = 0) throws(Errno) -> Int {
        try bytes.withUnsafeBufferPointer { (raw) throws(Errno) -> Int in
            try Syscall.write(descriptor, UnsafeRawBufferPointer(raw), at: offset)
        }
    }
}
