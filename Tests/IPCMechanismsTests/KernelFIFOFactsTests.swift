import Foundation
import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// Facts about this kernel's FIFOs that the fifo model encodes, measured on the real thing.
@Suite struct KernelFIFOFactsTests {
    final class Path {
        let value = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-fifo"
        init() throws { try KernelFIFO.create(at: value) }
        deinit { unlink(value) }
    }

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func creationIsExclusiveWithMode0600() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            #expect(Syscall.permissions(of: path.value) == 0o600)
            #expect(throws: Errno.fileExists) { try KernelFIFO.create(at: path.value) }
        }
    }

    /// `mkfifo`'s mode as `stat` reports it: the mode asked for less the umask.
    @Test(arguments: [(0o666, 0o022, 0o644), (0o777, 0o027, 0o750), (0o600, 0o000, 0o600), (0o640, 0o777, 0o000), (0o123, 0o004, 0o123)])
    func mkfifoMakesTheModeLessTheUmask(mode: Int, umask: Int, expected: Int) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = "/tmp/ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-mkfifo"
            defer { unlink(path) }
            let before = try Self.processUmask()
            #expect(try KernelFIFO.make(at: path, mode: mode_t(mode), umask: mode_t(umask)) == expected)
            // The process's own umask is untouched (the call ran on a thread with a umask of its own).
            #expect(try Self.processUmask() == before)
            let model = FIFOModel(fifos: [("f0", FIFOModel.Setup())])
            var unlinked = model.initialState(of: "f0")
            if case .completed(let next)? = model.outcomes(of: .unlink(process: 1), in: unlinked).first?.step { unlinked = next }
            #expect(model.outcomes(of: .mkfifo(process: 1, mode: mode, umask: umask, missingDirectory: false), in: unlinked).map(\.output) == [.made(mode: expected)])
        }
    }

    /// The process's umask as /proc reports it (reading it with umask(2) would change it for a moment).
    static func processUmask() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Umask:") })
        return try #require(Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8))
    }

    /// `mkfifo` of a name that is there fails `EEXIST` (whatever the mode), and in a missing directory `ENOENT`.
    @Test func mkfifoFailsEEXISTOnTheNameAndENOENTInAMissingDirectory() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            #expect(throws: Errno.fileExists) { _ = try KernelFIFO.make(at: path.value, mode: 0o666, umask: 0) }
            #expect(throws: Errno.noSuchFileOrDirectory) { _ = try KernelFIFO.make(at: path.value + "-missing/fifo", mode: 0o600, umask: 0) }
            #expect(Syscall.permissions(of: path.value) == 0o600)
        }
    }

    /// `unlink` removes the name only: descriptors already open keep the FIFO (bytes written before and after go
    /// through; closing the writer gives the reader end of file), a new open fails `ENOENT`, as do `chmod` and a
    /// second `unlink`; then `mkfifo` makes a new FIFO at the name.
    @Test func unlinkRemovesTheNameWhileOpenDescriptorsKeepWorking() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            let reader = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
            defer { try? Syscall.close(reader) }
            let writer = try KernelFIFO.open(path.value, for: .write, nonblocking: true)
            #expect(try KernelPipe.write(writer, bytes("ab"), nonblocking: true) == .completed(2))
            try Syscall.unlink(path.value)
            #expect(Syscall.permissions(of: path.value) == nil)
            #expect(try KernelPipe.write(writer, bytes("cd"), nonblocking: true) == .completed(2))
            #expect(try KernelPipe.read(reader, max: 10, nonblocking: true) == .completed(bytes("abcd")))
            #expect(throws: Errno.noSuchFileOrDirectory) { _ = try KernelFIFO.open(path.value, for: .read, nonblocking: true) }
            #expect(throws: Errno.noSuchFileOrDirectory) { _ = try KernelFIFO.open(path.value, for: .write, nonblocking: true) }
            #expect(throws: Errno.noSuchFileOrDirectory) { try Syscall.changeMode(path.value, 0o644) }
            #expect(throws: Errno.noSuchFileOrDirectory) { try Syscall.unlink(path.value) }
            try Syscall.close(writer)
            #expect(try KernelPipe.read(reader, max: 10, nonblocking: true) == .completed([]))
            #expect(try KernelFIFO.make(at: path.value, mode: 0o600, umask: 0) == 0o600)
        }
    }

    @Test func aNonblockingWriterWithoutReaderFailsENXIO() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            #expect(throws: Errno.noSuchAddressOrDevice) { _ = try KernelFIFO.open(path.value, for: .write, nonblocking: true) }
        }
    }

    @Test func aNonblockingReaderWithoutWriterReadsEndOfFileNotEAGAIN() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            let reader = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
            defer { try? Syscall.close(reader) }
            #expect(try KernelPipe.read(reader, max: 10, nonblocking: true) == .completed([]))
        }
    }

    /// Opens for writing, nonblocking, until a reader has registered (ENXIO before): the state change itself tells
    /// that the other thread is inside its open, no sleep needed.
    func openWriterOnceAReaderIsRegistered(_ path: String) throws -> FileDescriptor {
        while true {
            do {
                return try KernelFIFO.open(path, for: .write, nonblocking: true)
            } catch .noSuchAddressOrDevice {
                sched_yield()
            }
        }
    }

    /// On its own thread: a blocking open for reading, one blocking read of up to 100 bytes, close. `join` returns
    /// what the read gave.
    final class SleepingReader: @unchecked Sendable {
        private var received: TransferResult<[UInt8]>?
        private var thread: TestThread?

        init(_ path: String) {
            thread = TestThread { [self] in
                guard let descriptor = try? KernelFIFO.open(path, for: .read, nonblocking: false) else { return }
                received = try? KernelPipe.read(descriptor, max: 100, nonblocking: false)
                try? Syscall.close(descriptor)
            }
        }

        func join() -> TransferResult<[UInt8]>? {
            thread?.join()
            return received
        }
    }

    @Test func aReaderAsleepInOpenAlreadyCountsAsAReader() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            let reader = SleepingReader(path.value)
            let writer = try openWriterOnceAReaderIsRegistered(path.value)
            // The reader may still be asleep in open; the write goes in all the same, and EPIPE would mean no reader.
            #expect(try KernelPipe.write(writer, bytes("for the sleeper"), nonblocking: true) == .completed(15))
            try Syscall.close(writer)
            #expect(reader.join() == .completed(bytes("for the sleeper")))
        }
    }

    @Test func aReaderAsleepInOpenIsReleasedByAWriterThatOpensAndClosesAtOnce() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            let reader = SleepingReader(path.value)
            try Syscall.close(try openWriterOnceAReaderIsRegistered(path.value))
            #expect(reader.join() == .completed([]))
        }
    }

    @Test func theBytesAreDiscardedWhenTheLastOpenerCloses() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            let reader = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
            let writer = try KernelFIFO.open(path.value, for: .write, nonblocking: true)
            #expect(try KernelPipe.write(writer, bytes("lost"), nonblocking: true) == .completed(4))
            try Syscall.close(writer)
            try Syscall.close(reader)
            let again = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
            defer { try? Syscall.close(again) }
            #expect(try KernelPipe.read(again, max: 10, nonblocking: true) == .completed([]))
        }
    }

    @Test func theBytesStayWhileAReaderKeepsItOpen() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            let reader = try KernelFIFO.open(path.value, for: .read, nonblocking: true)
            defer { try? Syscall.close(reader) }
            let writer = try KernelFIFO.open(path.value, for: .write, nonblocking: true)
            _ = try KernelPipe.write(writer, bytes("kept"), nonblocking: true)
            try Syscall.close(writer)
            #expect(try KernelPipe.read(reader, max: 10, nonblocking: true) == .completed(bytes("kept")))
            #expect(try KernelPipe.read(reader, max: 10, nonblocking: true) == .completed([]))
        }
    }

    /// Outside the model (the harness opens read-only or write-only): Linux lets `O_RDWR` open a FIFO without a
    /// partner, and such an opener is its own writer, so it never reads end of file.
    @Test func readWriteOpensNeverBlockAndNeverSeeEndOfFile() throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let path = try Path()
            let both = try Syscall.open(path.value, flags: O_RDWR | O_CLOEXEC)
            defer { try? Syscall.close(both) }
            #expect(try KernelPipe.read(both, max: 10, nonblocking: true) == .wouldBlock)
        }
    }
}
