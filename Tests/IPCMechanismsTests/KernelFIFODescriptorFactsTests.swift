import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `fcntl` and `FIONREAD` on an opened FIFO, measured on this kernel: each open is its own open file description, with
/// the open's `O_NONBLOCK`; the pipe's size belongs to the FIFO's pipe, which goes with the last opener.
@Suite struct KernelFIFODescriptorFactsTests {
    final class Path {
        let value = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-fifo"
        init() throws { try KernelFIFO.create(at: value) }
        deinit { unlink(value) }
    }

    @Test func eachOpenHasItsOwnNonblockingFlag() throws {
        let path = try Path()
        let first = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
        defer { try? Syscall.close(first) }
        let writer = try KernelFIFO.open(path.value, for: .write, nonblocking: false)
        defer { try? Syscall.close(writer) }
        let second = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
        defer { try? Syscall.close(second) }
        #expect(try KernelPipe.flags(first).nonblocking)
        #expect(try !KernelPipe.flags(writer).nonblocking)
        try KernelPipe.setFlags(first, nonblocking: false, direct: nil)
        #expect(try !KernelPipe.flags(first).nonblocking)
        #expect(try KernelPipe.flags(second).nonblocking)
    }

    /// `F_SETPIPE_SZ` through any opener sizes the one pipe everyone sees; it stays while someone has the FIFO open, and
    /// the next opener after the last close finds the default 65536 again (and no bytes).
    @Test func thePipeSizeGoesWithTheLastOpener() throws {
        let path = try Path()
        let reader = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
        let writer = try KernelFIFO.open(path.value, for: .write, nonblocking: true)
        #expect(try Syscall.setPipeSize(writer, 8192) == 8192)
        #expect(try Syscall.pipeSize(reader) == 8192)
        _ = try KernelPipe.write(writer, [1, 2, 3], nonblocking: true)
        #expect(try Syscall.bytesReadable(reader) == 3)
        #expect(try Syscall.bytesReadable(writer) == 3)  // the write end reports them too
        try Syscall.close(writer)
        #expect(try Syscall.pipeSize(reader) == 8192)
        try Syscall.close(reader)
        let again = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
        defer { try? Syscall.close(again) }
        #expect(try Syscall.pipeSize(again) == 65536)
        #expect(try Syscall.bytesReadable(again) == 0)
        #expect(throws: Errno.notPermitted) { try Syscall.setPipeSize(again, 1 << 21) }
    }

    /// `FD_CLOEXEC` of a FIFO's opens: `open` sets it only with `O_CLOEXEC`; each open is its own descriptor, so
    /// `F_SETFD` on one leaves another open of the same end (same process) as it was; an `O_RDWR` open is one
    /// descriptor, whose flag its reads and writes share. What the fifo model's `F_GETFD`/`F_SETFD` encode.
    @Test func eachOpenHasItsOwnCloseOnExecFlag() throws {
        let path = try Path()
        try Syscall.withoutConcurrentSpawns {
            let plain = Glibc.open(path.value, O_RDONLY | O_NONBLOCK)
            try #require(plain >= 0)
            defer { close(plain) }
            #expect(fcntl(plain, F_GETFD) == 0)
            let flagged = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
            defer { try? Syscall.close(flagged) }
            #expect(try Syscall.closesOnExec(flagged))
            #expect(fcntl(plain, F_SETFD, FD_CLOEXEC) == 0)
            try Syscall.setClosesOnExec(flagged, false)
            #expect(fcntl(plain, F_GETFD) == 1)
            #expect(try !Syscall.closesOnExec(flagged))
            let both = Glibc.open(path.value, O_RDWR)
            try #require(both >= 0)
            defer { close(both) }
            #expect(fcntl(both, F_GETFD) == 0)
            #expect(fcntl(both, F_SETFD, 0xFF) == 0)
            #expect(fcntl(both, F_GETFD) == 1)
            #expect(fcntl(plain, F_GETFD) == 1)
            #expect(try !Syscall.closesOnExec(flagged))
        }
    }

    /// `dup2` onto another open of the same FIFO closes that open, with a last close's consequences (what a fifo model's
    /// `dup2`/`dup3` would follow; not yet modelled): the read end copied onto the only write end's number leaves no
    /// writer — the bytes already in stay readable, then end of file; the write end copied onto the only read end's
    /// number leaves no reader — `EPIPE`; once the last descriptor of every open has closed, the bytes are gone (a new
    /// open finds an empty FIFO). The copy shares its open's description: `O_NONBLOCK` set through it is the original's.
    /// `dup` of a FIFO descriptor (LTP `dup05`): one more descriptor of the open's description — its `O_NONBLOCK` is
    /// both's, its `FD_CLOEXEC` clear — so the end stays open until the last of them closes: a reader sees `EAGAIN`
    /// (a writer is still there), not end of file, until the write end's copy closes too; a writer can write until the
    /// read end's copy closes, then `EPIPE`. Closes here hold off spawns: no other process may hold a copy.
    @Test func aDupKeepsTheEndOpenUntilItsLastDescriptorCloses() throws {
        Syscall.ignoreBrokenPipeSignal()  // the last write's EPIPE would otherwise end the test process
        let path = try Path()
        try Syscall.withoutConcurrentSpawns {
            let reader = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
            let writer = try KernelFIFO.open(path.value, for: .write, nonblocking: true)
            let writerCopy = try Syscall.duplicate(writer, closeOnExec: false)
            #expect(try !Syscall.closesOnExec(writerCopy))
            try KernelPipe.setFlags(writerCopy, nonblocking: false, direct: nil)
            #expect(try !KernelPipe.flags(writer).nonblocking)
            try Syscall.close(writer)
            #expect(try KernelPipe.read(reader, max: 8, nonblocking: true) == .wouldBlock)
            #expect(try KernelPipe.write(writerCopy, [7], nonblocking: true) == .completed(1))
            let readerCopy = try Syscall.duplicate(reader, closeOnExec: false)
            try Syscall.close(reader)
            #expect(try KernelPipe.read(readerCopy, max: 8, nonblocking: true) == .completed([7]))
            try Syscall.close(writerCopy)
            #expect(try KernelPipe.read(readerCopy, max: 8, nonblocking: true) == .completed([]))
            let lateWriter = try KernelFIFO.open(path.value, for: .write, nonblocking: true)
            try Syscall.close(readerCopy)
            #expect(throws: Errno.brokenPipe) { _ = try KernelPipe.write(lateWriter, [1], nonblocking: true) }
            try Syscall.close(lateWriter)
        }
    }

    @Test func dup2OntoAnotherOpenClosesIt() throws {
        Syscall.ignoreBrokenPipeSignal()
        let path = try Path()
        let reader = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
        let writer = try KernelFIFO.open(path.value, for: .write, nonblocking: true)
        #expect(try KernelPipe.write(writer, [1, 2, 3], nonblocking: true) == .completed(3))
        #expect(try Syscall.duplicate(reader, onto: writer.rawValue, flags: nil) == writer)
        #expect(try KernelPipe.read(reader, max: 10, nonblocking: true) == .completed([1, 2, 3]))
        #expect(try KernelPipe.read(writer, max: 10, nonblocking: true) == .completed([]), "no writer: end of file")
        try Syscall.close(writer)
        try Syscall.close(reader)

        let reader2 = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
        let writer2 = try KernelFIFO.open(path.value, for: .write, nonblocking: false)
        #expect(try KernelPipe.write(writer2, [4, 5], nonblocking: true) == .completed(2))
        #expect(try Syscall.duplicate(writer2, onto: reader2.rawValue, flags: nil) == reader2)
        #expect(throws: Errno.brokenPipe) { try KernelPipe.write(writer2, [6], nonblocking: true) }
        try KernelPipe.setFlags(reader2, nonblocking: true, direct: nil)  // the copy now at reader2's number
        #expect(try KernelPipe.flags(writer2).nonblocking, "one description")
        try Syscall.close(reader2)
        try Syscall.close(writer2)

        let again = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
        defer { try? Syscall.close(again) }
        #expect(try Syscall.bytesReadable(again) == 0, "the last close discarded the bytes")
    }

    /// `F_DUPFD`/`F_DUPFD_CLOEXEC` and `dup3` on a FIFO's descriptor, as on a pipe's: a copy at or above the minimum,
    /// `FD_CLOEXEC` clear or set, that keeps the write end open after its open's own descriptor closes (no end of file
    /// for the reader); `EINVAL` for a minimum below 0 or at `RLIMIT_NOFILE`; `dup3` with a flag other than
    /// `O_CLOEXEC` `EINVAL`, onto itself `EINVAL`, where `dup2` onto itself returns it; `dup2` of a number not open
    /// `EBADF`. What the fifo model's `F_DUPFD`, `dup2` and `dup3` encode, with `dup2OntoAnotherOpenClosesIt`.
    @Test func fDupfdAndDup3OnAFIFO() throws {
        let path = try Path()
        try Syscall.withoutConcurrentSpawns {
            let reader = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
            defer { try? Syscall.close(reader) }
            let writer = try KernelFIFO.open(path.value, for: .write, nonblocking: true)
            let copy = fcntl(writer.rawValue, F_DUPFD, 100)
            try #require(copy >= 100)
            defer { close(copy) }
            #expect(fcntl(copy, F_GETFD) == 0)
            let flagged = fcntl(writer.rawValue, F_DUPFD_CLOEXEC, 0)
            try #require(flagged >= 0)
            #expect(fcntl(flagged, F_GETFD) == FD_CLOEXEC)
            close(flagged)
            try Syscall.close(writer)
            #expect(try KernelPipe.read(reader, max: 1, nonblocking: true) == .wouldBlock, "the copy holds the write end open")
            var limits = rlimit()
            getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits)
            for minimum in [CInt(-1), CInt(clamping: limits.rlim_cur)] {
                #expect(fcntl(copy, F_DUPFD, minimum) == -1 && errno == EINVAL)
            }
            let descriptor = FileDescriptor(rawValue: copy)
            #expect(throws: Errno.invalidArgument) { try Syscall.duplicate(descriptor, onto: 200, flags: O_NONBLOCK) }
            #expect(throws: Errno.invalidArgument) { try Syscall.duplicate(descriptor, onto: copy, flags: 0) }
            #expect(try Syscall.duplicate(descriptor, onto: copy, flags: nil) == descriptor)
            #expect(throws: Errno.badFileDescriptor) {
                try Syscall.duplicate(FileDescriptor(rawValue: CInt(clamping: limits.rlim_cur) - 64), onto: 201, flags: nil)
            }
        }
    }
}
