import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// The client implementations the scenarios run, on their own: the correct one delivers every byte in order,
/// the broken ones show their bugs directly.
@Suite struct PipeWritersTests {
    func drain(_ descriptor: FileDescriptor) throws -> [UInt8] {
        var all: [UInt8] = []
        while case .completed(let chunk) = try KernelPipe.read(descriptor, max: 65536, nonblocking: true), !chunk.isEmpty {
            all += chunk
        }
        return all
    }

    @Test func writeAllDeliversEveryByteInOrderWhileAReaderDrains() throws {
        let (read, write) = try KernelPipe.create()
        defer { try? Syscall.close(read) }
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        var received: [UInt8] = []
        let reader = TestThread {
            while case .completed(let chunk)? = try? KernelPipe.read(read, max: 8192, nonblocking: false), !chunk.isEmpty {
                received += chunk
            }
        }
        var writer = WriteAllWriter()
        #expect(try writer.write(payload, to: write) == payload.count)
        try Syscall.close(write)
        reader.join()
        #expect(received == payload)
    }

    @Test func theTailDroppingWriterReportsBytesThatNeverArrive() throws {
        let (read, write) = try KernelPipe.create()
        defer {
            try? Syscall.close(read)
            try? Syscall.close(write)
        }
        _ = try KernelPipe.write(write, [UInt8](repeating: 1, count: 60000), nonblocking: true)
        var writer = TailDroppingWriter()
        #expect(try writer.write([UInt8](repeating: 2, count: 20000), to: write) == 20000)
        // Fifteen pages held 60000 bytes; one page was free: 4096 of the 20000 went in.
        #expect(try drain(read).count == 60000 + 4096)
    }

    @Test func theReorderingWriterSendsEachPairNewestFirst() throws {
        let (read, write) = try KernelPipe.create()
        defer {
            try? Syscall.close(read)
            try? Syscall.close(write)
        }
        var writer = ReorderingWriter()
        #expect(try writer.write(Array("first ".utf8), to: write) == 6)
        #expect(try drain(read).isEmpty)  // held back, yet acknowledged
        #expect(try writer.write(Array("second ".utf8), to: write) == 7)
        #expect(try writer.write(Array("third".utf8), to: write) == 5)
        try writer.flush(to: write)
        #expect(String(decoding: try drain(read), as: UTF8.self) == "second first third")
    }
}
