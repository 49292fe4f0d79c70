import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// Facts about this kernel's pipes that the pipe model encodes, measured on the real thing. If a kernel update
/// changes one of them, this is the test that says so, and the model must follow.
@Suite struct KernelPipeFactsTests {
    func makePipe() throws -> (read: FileDescriptor, write: FileDescriptor) {
        try KernelPipe.create()
    }

    func close(_ ends: (read: FileDescriptor, write: FileDescriptor)) {
        try? Syscall.close(ends.read)
        try? Syscall.close(ends.write)
    }

    func bytes(_ count: Int, _ value: UInt8 = 0x61) -> [UInt8] { [UInt8](repeating: value, count: count) }

    @Test func defaultCapacityIs65536() throws {
        let pipe = try makePipe()
        defer { close(pipe) }
        #expect(try KernelPipe.capacity(pipe.write) == 65536)
    }

    @Test(arguments: [(1, 65536), (100, 64000), (3000, 48000), (4095, 65520), (4096, 65536), (4097, 45066), (5000, 54096)])
    func capacityDependsOnHowWritesFillPages(size: Int, filled: Int) throws {
        let pipe = try makePipe()
        defer { close(pipe) }
        var total = 0
        while case .completed(let count) = try KernelPipe.write(pipe.write, bytes(size), nonblocking: true) {
            total += count
            if count < size { break }
        }
        #expect(total == filled)
    }

    @Test func anAtomicWriteThatDoesNotFitFailsEAGAINAndWritesNothing() throws {
        let pipe = try makePipe()
        defer { close(pipe) }
        #expect(try KernelPipe.write(pipe.write, bytes(65536 - 100), nonblocking: true) == .completed(65436))
        #expect(try KernelPipe.write(pipe.write, bytes(200, 0x62), nonblocking: true) == .wouldBlock)
        #expect(try KernelPipe.read(pipe.read, max: 70000, nonblocking: true) == .completed(bytes(65436)))
    }

    @Test func aLargeNonblockingWriteIsShortByWholePages() throws {
        let pipe = try makePipe()
        defer { close(pipe) }
        #expect(try KernelPipe.write(pipe.write, bytes(60000), nonblocking: true) == .completed(60000))
        #expect(try KernelPipe.write(pipe.write, bytes(10000), nonblocking: true) == .completed(4096))
    }

    @Test func endOfFileComesAfterTheDataOnceTheLastWriterCloses() throws {
        // Its closes must be the last: held off from spawns (a spawn's child holds a copy until its exec).
        try Syscall.withoutConcurrentSpawns { () throws in
            let pipe = try makePipe()
            defer { try? Syscall.close(pipe.read) }
            _ = try KernelPipe.write(pipe.write, bytes(3), nonblocking: false)
            try Syscall.close(pipe.write)
            #expect(try KernelPipe.read(pipe.read, max: 2, nonblocking: false) == .completed(bytes(2)))
            #expect(try KernelPipe.read(pipe.read, max: 2, nonblocking: false) == .completed(bytes(1)))
            #expect(try KernelPipe.read(pipe.read, max: 2, nonblocking: false) == .completed([]))
        }
    }

    @Test func writingWithNoReaderFailsEPIPE() throws {
        // Its closes must be the last: held off from spawns (a spawn's child holds a copy until its exec).
        try Syscall.withoutConcurrentSpawns { () throws in
            Syscall.ignoreBrokenPipeSignal()
            let pipe = try makePipe()
            defer { try? Syscall.close(pipe.write) }
            try Syscall.close(pipe.read)
            #expect(throws: Errno.brokenPipe) { _ = try KernelPipe.write(pipe.write, bytes(1), nonblocking: true) }
        }
    }

    @Test func aReopenedEndCountsAsAnotherWriter() throws {
        // Its closes must be the last: held off from spawns (a spawn's child holds a copy until its exec).
        try Syscall.withoutConcurrentSpawns { () throws in
            let pipe = try makePipe()
            let second = try KernelPipe.openEnd(pipe.write, forWriting: true)
            defer {
                try? Syscall.close(pipe.read)
                try? Syscall.close(second)
            }
            try Syscall.close(pipe.write)
            // One writer is still open: an empty pipe would block, so nonblocking says EAGAIN, not end of file.
            #expect(try KernelPipe.read(pipe.read, max: 1, nonblocking: true) == .wouldBlock)
        }
    }

    @Test func zeroLengthTransfersReturnZero() throws {
        let pipe = try makePipe()
        defer { close(pipe) }
        #expect(try KernelPipe.write(pipe.write, [], nonblocking: true) == .completed(0))
        #expect(try KernelPipe.read(pipe.read, max: 0, nonblocking: false) == .completed([]))
    }

    @Test func aBlockingWriteLargerThanThePipeCompletesAsAReaderDrains() throws {
        let pipe = try makePipe()
        defer { close(pipe) }
        let payload = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var received: [UInt8] = []
        let reader = TestThread {
            while received.count < payload.count,
                case .completed(let chunk)? = try? KernelPipe.read(pipe.read, max: 65536, nonblocking: false), !chunk.isEmpty
            {
                received += chunk
            }
        }
        #expect(try KernelPipe.write(pipe.write, payload, nonblocking: false) == .completed(payload.count))
        reader.join()
        #expect(received == payload)
    }
}
