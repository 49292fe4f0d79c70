import CIPCShims
import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The descriptor's own flag, `FD_CLOEXEC`, and `dup2`/`dup3`, measured on this kernel: what the pipe model's
/// `F_GETFD`, `F_SETFD` and `dup2`/`dup3` encode (`PipeModel+DescriptorFlags`). `FD_CLOEXEC` belongs to the number,
/// not to the open file description that `F_SETFL` changes: each copy has its own, set by the call that made it.
@Suite struct KernelDescriptorFlagFactsTests {
    var limit: CInt {
        var limits = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits)
        return CInt(limits.rlim_cur)
    }

    /// A number no descriptor holds: near the limit, where the lowest free number — which every other open takes — never
    /// is (a number just closed could be taken at once by a test running in parallel).
    var closedNumber: CInt { limit - 2 }

    func closeOnExec(_ descriptor: CInt) -> Bool? {
        let flags = fcntl(descriptor, F_GETFD)
        return flags < 0 ? nil : flags & FD_CLOEXEC != 0
    }

    /// Runs `body` with no process spawned meanwhile (a descriptor without `FD_CLOEXEC` would be inherited), closing
    /// the descriptors it lists after.
    func withoutSpawns(_ body: (inout [CInt]) throws -> Void) throws {
        try Syscall.withoutConcurrentSpawns {
            var made: [CInt] = []
            defer { for descriptor in made { close(descriptor) } }
            try body(&made)
        }
    }

    /// `pipe2(O_CLOEXEC)` sets the flag on both ends, `pipe2(0)` on neither; `eventfd` likewise with `EFD_CLOEXEC`.
    @Test func creationSetsTheFlagOnlyWhenAsked() throws {
        try withoutSpawns { made in
            for flagged in [true, false] {
                let (readEnd, writeEnd) = try Syscall.pipe(flags: flagged ? O_CLOEXEC : 0)
                made += [readEnd.rawValue, writeEnd.rawValue]
                #expect(closeOnExec(readEnd.rawValue) == flagged)
                #expect(closeOnExec(writeEnd.rawValue) == flagged)
                let counter = ipc_eventfd_exact(0, flagged ? O_CLOEXEC : 0)
                try #require(counter >= 0)
                made.append(counter)
                #expect(closeOnExec(counter) == flagged)
            }
        }
    }

    /// A copy's flag is set by the call that made it, whatever the original's: `dup`, `F_DUPFD` and `dup2` clear it,
    /// `F_DUPFD_CLOEXEC` and `dup3(O_CLOEXEC)` set it; `dup2` onto a number that had it set clears it.
    @Test func eachCopyTakesTheFlagOfItsCall() throws {
        try withoutSpawns { made in
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
            made += [readEnd.rawValue, writeEnd.rawValue]
            let plain = dup(readEnd.rawValue)
            let dupfd = fcntl(readEnd.rawValue, F_DUPFD, 0)
            made += [plain, dupfd]
            #expect(closeOnExec(plain) == false)
            #expect(closeOnExec(dupfd) == false)
            let flagged = fcntl(plain, F_DUPFD_CLOEXEC, 0)
            made.append(flagged)
            #expect(closeOnExec(flagged) == true)
            let onto = fcntl(writeEnd.rawValue, F_DUPFD_CLOEXEC, 0)  // a number holding a flagged descriptor
            made.append(onto)
            #expect(dup2(readEnd.rawValue, onto) == onto)
            #expect(closeOnExec(onto) == false)
            #expect(ipc_dup3(plain, onto, O_CLOEXEC) == onto)
            #expect(closeOnExec(onto) == true)
        }
    }

    /// `F_SETFD` changes one descriptor's flag only (a duplicate keeps its own), while `F_SETFL` through it is seen by
    /// both; only the `FD_CLOEXEC` bit of its argument counts (0xFF sets it, 2 clears it), and `F_GETFD` returns 1 or 0.
    @Test func theFlagIsPerDescriptor() throws {
        try withoutSpawns { made in
            let (readEnd, writeEnd) = try Syscall.pipe(flags: 0)
            made += [readEnd.rawValue, writeEnd.rawValue]
            let copy = dup(readEnd.rawValue)
            made.append(copy)
            #expect(fcntl(copy, F_SETFD, FD_CLOEXEC) == 0)
            #expect(fcntl(copy, F_GETFD) == 1)
            #expect(fcntl(readEnd.rawValue, F_GETFD) == 0)
            #expect(fcntl(readEnd.rawValue, F_SETFD, 0xFF) == 0)
            #expect(fcntl(readEnd.rawValue, F_GETFD) == 1)
            #expect(fcntl(copy, F_SETFD, 2) == 0)
            #expect(fcntl(copy, F_GETFD) == 0)
            #expect(fcntl(readEnd.rawValue, F_GETFD) == 1)
            try KernelPipe.setFlags(FileDescriptor(rawValue: copy), nonblocking: true, direct: nil)
            #expect(try KernelPipe.flags(readEnd).nonblocking)
            let closed = closedNumber
            try #require(fcntl(closed, F_GETFD) == -1)
            #expect(fcntl(closed, F_GETFD) == -1 && errno == EBADF)
            #expect(fcntl(closed, F_SETFD, FD_CLOEXEC) == -1 && errno == EBADF)
        }
    }

    /// `dup2(fd, fd)` returns `fd` and changes nothing (a flagged descriptor stays flagged), or fails `EBADF` when `fd` is
    /// not open; `dup3(fd, fd, 0)` fails `EINVAL` whether `fd` is open or not; `dup3` with any flag but `O_CLOEXEC` fails
    /// `EINVAL` before it looks at either number (a closed one, one at the limit).
    @Test func ontoItselfAndBadFlags() throws {
        try withoutSpawns { made in
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
            made += [readEnd.rawValue, writeEnd.rawValue]
            let fd = readEnd.rawValue
            #expect(dup2(fd, fd) == fd)
            #expect(closeOnExec(fd) == true)
            let closed = closedNumber
            try #require(fcntl(closed, F_GETFD) == -1)
            #expect(dup2(closed, closed) == -1 && errno == EBADF)
            #expect(ipc_dup3(fd, fd, 0) == -1 && errno == EINVAL)
            #expect(ipc_dup3(fd, fd, O_CLOEXEC) == -1 && errno == EINVAL)
            #expect(ipc_dup3(closed, closed, 0) == -1 && errno == EINVAL)
            for bits in [O_NONBLOCK, 0o40000 /* O_DIRECT */, O_RDWR, 1 << 30] {
                #expect(ipc_dup3(fd, closed, bits) == -1 && errno == EINVAL)
                #expect(ipc_dup3(closed, limit, bits) == -1 && errno == EINVAL)
            }
            #expect(fcntl(closed, F_GETFD) == -1, "nothing was made at the closed number")
        }
    }

    /// A new number at or above `RLIMIT_NOFILE` fails `EBADF` (before the old descriptor is looked at: a closed one
    /// gives the same), one below it is taken whatever number it is; a failed call takes nothing.
    @Test func theNewNumberAndTheLimit() throws {
        try withoutSpawns { made in
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
            made += [readEnd.rawValue, writeEnd.rawValue]
            let limit = limit
            let target = limit - 3  // not limit - 1, which KernelDuplicateFactsTests takes
            try #require(fcntl(target, F_GETFD) == -1)
            #expect(dup2(readEnd.rawValue, limit) == -1 && errno == EBADF)
            #expect(ipc_dup3(readEnd.rawValue, limit, O_CLOEXEC) == -1 && errno == EBADF)
            let closed = closedNumber
            try #require(fcntl(closed, F_GETFD) == -1)
            #expect(ipc_dup3(closed, limit, 0) == -1 && errno == EBADF)
            #expect(dup2(closed, target) == -1 && errno == EBADF)
            #expect(fcntl(target, F_GETFD) == -1, "a failed dup2 takes no number")
            #expect(dup2(readEnd.rawValue, target) == target)
            made.append(target)
            #expect(closeOnExec(target) == false)
        }
    }

    /// `dup2` onto a number holding another descriptor of the same pipe closes that one: its process's write end put on
    /// the number of its only read end leaves the pipe with no reader (`EPIPE`), two write ends where one was; the read
    /// end put on the write end's number leaves no writer (end of file).
    @Test func ontoAnotherDescriptorOfThePipeClosesIt() throws {
        Syscall.ignoreBrokenPipeSignal()
        try withoutSpawns { made in
            let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            made += [readEnd.rawValue, writeEnd.rawValue]
            #expect(dup2(writeEnd.rawValue, readEnd.rawValue) == readEnd.rawValue)
            #expect(closeOnExec(readEnd.rawValue) == false)
            #expect(throws: Errno.brokenPipe) { _ = try KernelPipe.write(readEnd, [1], nonblocking: true) }

            let (second, secondWriter) = try Syscall.pipe(flags: O_CLOEXEC | O_NONBLOCK)
            made += [second.rawValue, secondWriter.rawValue]
            #expect(try KernelPipe.read(second, max: 4, nonblocking: true) == .wouldBlock)
            #expect(dup2(second.rawValue, secondWriter.rawValue) == secondWriter.rawValue)
            #expect(try KernelPipe.read(second, max: 4, nonblocking: true) == .completed([]))
        }
    }

    /// An eventfd's copies share its count and its `O_NONBLOCK` but each has its own `FD_CLOEXEC`: `F_DUPFD` clears it,
    /// `F_DUPFD_CLOEXEC` sets it, `FIOCLEX`/`FIONCLEX` and `F_SETFD` change the caller's descriptor only.
    @Test func anEventfdsCopiesKeepTheirOwnFlag() throws {
        try withoutSpawns { made in
            let counter = ipc_eventfd_exact(0, O_CLOEXEC | O_NONBLOCK)
            try #require(counter >= 0)
            made.append(counter)
            let plain = fcntl(counter, F_DUPFD, 0)
            let flagged = fcntl(counter, F_DUPFD_CLOEXEC, 0)
            made += [plain, flagged]
            #expect(closeOnExec(plain) == false)
            #expect(closeOnExec(flagged) == true)
            var one: UInt64 = 1
            #expect(write(plain, &one, 8) == 8)
            var taken: UInt64 = 0
            #expect(read(flagged, &taken, 8) == 8 && taken == 1, "one counter")
            #expect(ioctl(plain, UInt(FIOCLEX)) == 0)
            #expect(closeOnExec(plain) == true)
            #expect(ioctl(counter, UInt(FIONCLEX)) == 0)
            #expect(closeOnExec(counter) == false)
            #expect(closeOnExec(flagged) == true, "FIONCLEX through another copy leaves this one's")
            #expect(fcntl(flagged, F_SETFD, 0) == 0)
            #expect(closeOnExec(plain) == true, "F_SETFD through another copy leaves this one's")
        }
    }

    /// `dup2`/`dup3` of an eventfd, as of a pipe's end (the same `ksys_dup3`): onto itself `dup2` returns the number and
    /// `dup3` fails `EINVAL`, as does `dup3` with `O_NONBLOCK`; a new number at `RLIMIT_NOFILE` `EBADF`; `dup2` onto the
    /// number of another of its descriptors (flagged) replaces it — the copy is clear, the count still one — and
    /// `dup3(O_CLOEXEC)` onto a free number gives a flagged copy; an old number not open `EBADF`.
    @Test func anEventfdsDup2AndDup3() throws {
        try withoutSpawns { made in
            let counter = ipc_eventfd_exact(0, O_CLOEXEC | O_NONBLOCK)
            try #require(counter >= 0)
            made.append(counter)
            #expect(dup2(counter, counter) == counter)
            #expect(ipc_dup3(counter, counter, O_CLOEXEC) == -1 && errno == EINVAL)
            #expect(ipc_dup3(counter, closedNumber, O_NONBLOCK) == -1 && errno == EINVAL)
            #expect(dup2(counter, limit) == -1 && errno == EBADF)
            #expect(dup2(closedNumber, closedNumber - 1) == -1 && errno == EBADF)
            let flagged = fcntl(counter, F_DUPFD_CLOEXEC, 0)
            made.append(flagged)
            let plain = fcntl(counter, F_DUPFD, 0)
            made.append(plain)
            #expect(dup2(plain, flagged) == flagged)
            #expect(closeOnExec(flagged) == false)
            var one: UInt64 = 1
            #expect(write(flagged, &one, 8) == 8)
            var taken: UInt64 = 0
            #expect(read(counter, &taken, 8) == 8 && taken == 1, "one counter")
            #expect(ipc_dup3(counter, closedNumber, O_CLOEXEC) == closedNumber)
            made.append(closedNumber)
            #expect(closeOnExec(closedNumber) == true)
            #expect(closeOnExec(counter) == true)
        }
    }
}
