import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import Synchronization
import SystemPackage
import Testing

/// Random sequences of `write`, `writev`, `read` and `readv` on a real pipe whose descriptions are nonblocking
/// (`pipe2(O_NONBLOCK)`, some of them packet writers), and on the pipe model: the same outputs, call for call — the
/// vectored calls moving what a `write` or `read` of their total would, short and `EAGAIN` alike. And two writers'
/// concurrent `writev`s of `PIPE_BUF` bytes in all never interleave.
@Suite struct PipeVectoredAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case write(writer: Int, size: Int)
        case writev(writer: Int, sizes: [Int])
        case read(Int)
        case readv([Int])

        var description: String {
            switch self {
            case .write(let writer, let size): "write\(writer)(\(size))"
            case .writev(let writer, let sizes): "writev\(writer)(\(sizes))"
            case .read(let max): "read(\(max))"
            case .readv(let sizes): "readv(\(sizes))"
            }
        }
    }

    static let sizes = Gen.oneOf(Gen.int(in: 0...300).eraseToAny(), Gen.int(in: 0...5000).eraseToAny()).array(of: 0...4)

    static let operations = Gen.oneOf(
        Gen.int(in: 1...9000).map { Operation.write(writer: 1 + $0 % 2, size: $0) }.eraseToAny(),
        sizes.map { Operation.writev(writer: 1 + $0.count % 2, sizes: $0) }.eraseToAny(),
        sizes.map { Operation.writev(writer: 1 + $0.count % 2, sizes: $0) }.eraseToAny(),
        Gen.int(in: 0...9000).map { Operation.read($0) }.eraseToAny(),
        sizes.map { Operation.readv($0) }.eraseToAny()
    ).array(of: 1...60)

    static func payload(_ size: Int, _ sequence: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: sequence &* 31 &+ $0) }
    }

    /// Sequences that meet every required kind, run before the random ones so that meeting a kind never depends on the draw.
    static let directedSequences: [[Operation]] = [
        // 15 full pages (writes of whole pages never merge), so the 6000-byte writev fills the last free page only.
        [.readv([10]), .writev(writer: 1, sizes: [10, 20]), .readv([5, 100])]
            + Array(repeating: .write(writer: 1, size: 8192), count: 7)
            + [.write(writer: 1, size: 4096), .writev(writer: 1, sizes: [3000, 3000]), .writev(writer: 2, sizes: [10])],
    ]

    @Test(arguments: [false, true])
    func modelAndKernelGiveTheSameOutputs(packet: Bool) async throws {
        let seen = Mutex<Set<String>>([])
        for operations in Self.directedSequences {
            try Self.check(packet: packet, operations: operations, seen: seen)
        }
        await checkProperty(count: 150, input: Self.operations) { operations throws in
            try Self.check(packet: packet, operations: operations, seen: seen)
        }
        let missing = Set(["short writev", "writev EAGAIN", "writev", "readv across buffers", "readv EAGAIN"]).subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the generated sequences never met \(missing.sorted())")
    }

    /// Runs one sequence on a fresh nonblocking pipe and the model side by side; records an issue at the first
    /// disagreement.
    /// A disagreement counts only when a second run repeats it (``PipeAgreement/repeatingDisagreements(_:)``).
    static func check(packet: Bool, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements { try checkOnce(packet: packet, operations: operations, seen: seen) }
    }

    static func checkOnce(packet: Bool, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try TwoWriterPipe.with(packet: packet) { pipe in
            let (readEnd, firstWriter, secondWriter, model) = (pipe.readEnd, pipe.firstWriter, pipe.secondWriter, pipe.model)
            var state = pipe.start
            for (index, operation) in operations.enumerated() {
                let input: PipeModel.Input
                let kernel: PipeModel.Output
                do throws(Errno) {
                    switch operation {
                    case .write(let writer, let size):
                        let data = Self.payload(size, index)
                        input = .write(process: writer, data: data, nonblocking: false)
                        kernel = try PipeAgreement.write(writer == 1 ? firstWriter : secondWriter, data, nonblocking: false)
                    case .writev(let writer, let sizes):
                        let pieces = sizes.enumerated().map { Self.payload($0.element, index &* 7 &+ $0.offset) }
                        input = .writev(process: writer, pieces: pieces)
                        switch try KernelPipe.write(writer == 1 ? firstWriter : secondWriter, pieces: pieces) {
                        case .completed(let count): kernel = .wrote(count)
                        case .wouldBlock: kernel = .failed(.EAGAIN)
                        }
                    case .read(let max):
                        input = .read(process: 1, max: max, nonblocking: false)
                        kernel = try PipeAgreement.read(readEnd, max: max, nonblocking: false)
                    case .readv(let sizes):
                        input = .readv(process: 1, sizes: sizes)
                        switch try KernelPipe.read(readEnd, sizes: sizes) {
                        case .completed(let bytes): kernel = .read(bytes)
                        case .wouldBlock: kernel = .failed(.EAGAIN)
                        }
                    }
                } catch {
                    kernel = .failed(ErrorCode(error.name))
                }
                guard let next = PipeAgreement.next(model, from: state, input, kernel: kernel, context: "operation \(index) \(operation) of \(operations)") else {
                    return
                }
                switch (operation, kernel) {
                case (.writev(_, let sizes), .wrote(let count)) where count < sizes.reduce(0, +): seen.withLock { _ = $0.insert("short writev") }
                case (.writev, .failed(.EAGAIN)): seen.withLock { _ = $0.insert("writev EAGAIN") }
                case (.writev(_, let sizes), .wrote) where sizes.count > 1: seen.withLock { _ = $0.insert("writev") }
                case (.readv(let sizes), .read(let bytes)) where sizes.count > 1 && bytes.count > sizes[0]: seen.withLock { _ = $0.insert("readv across buffers") }
                case (.readv, .failed(.EAGAIN)): seen.withLock { _ = $0.insert("readv EAGAIN") }
                default: break
                }
                state = next
            }
        }
    }

    /// Two threads each `writev` 4096 bytes in all (2000 + 2096) of their own byte, blocking, 64 times, while this
    /// thread reads: each 4096-byte stretch of the stream is one writer's (an atomic write takes a page of its own).
    @Test func concurrentWritevsOfPIPE_BUFInAllDoNotInterleave() throws {
        let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
        defer { try? Syscall.close(readEnd) }
        let writers = [UInt8(1), 2].map { byte in
            OSThread {
                for _ in 0..<64 {
                    _ = try? Syscall.write(writeEnd, pieces: [[UInt8](repeating: byte, count: 2000), [UInt8](repeating: byte, count: 2096)])
                }
            }
        }
        var stream: [UInt8] = []
        while stream.count < 2 * 64 * 4096 {
            guard case .completed(let bytes) = try KernelPipe.read(readEnd, max: 65536, nonblocking: false), !bytes.isEmpty else { break }
            stream += bytes
        }
        for writer in writers { writer.join() }
        try Syscall.close(writeEnd)
        #expect(stream.count == 2 * 64 * 4096)
        for start in stride(from: 0, to: stream.count, by: 4096) {
            let stretch = stream[start..<Swift.min(start + 4096, stream.count)]
            #expect(Set(stretch).count == 1, "the stretch at \(start) mixes writers")
            if Set(stretch).count != 1 { break }
        }
    }
}
