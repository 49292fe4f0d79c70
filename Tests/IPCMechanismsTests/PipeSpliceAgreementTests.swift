import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import Synchronization
import SystemPackage
import Testing

/// Sequences of `write`, `read`, `splice` (out into `/dev/null`, in from a file), `tee` (into a fresh private pipe) and
/// `vmsplice` (in and out) on a real pipe and on the pipe model: the same outputs, call for call. Every splice is
/// `SPLICE_F_NONBLOCK` (vmsplice would sleep whatever the pipe's `O_NONBLOCK`), the plain calls nonblocking through the
/// descriptions; writer 2 writes packets when `packet`. Shown to fail on wrong models: with lent pages mergeable
/// (`fill` ignoring `lent`), a 4097-byte write after vmsplices (kernel wrote 4096, model 4097); with `splice` out
/// taking a packet alone, `[write2(4097), splice-out(4097)]` in the packet run (kernel moved 4097, model 4096).
@Suite struct PipeSpliceAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case write(writer: Int, size: Int)
        case read(Int)
        case spliceOut(Int)
        case spliceIn(max: Int, fileBytes: Int, position: Int)
        case tee(Int)
        case vmspliceIn(sizes: [Int], offsets: [Int])
        case vmspliceOut([Int])

        var description: String {
            switch self {
            case .write(let writer, let size): "write\(writer)(\(size))"
            case .read(let max): "read(\(max))"
            case .spliceOut(let max): "splice-out(\(max))"
            case .spliceIn(let max, let fileBytes, let position): "splice-in(\(max), file \(fileBytes) at \(position))"
            case .tee(let max): "tee(\(max))"
            case .vmspliceIn(let sizes, let offsets): "vmsplice-in(\(sizes) at \(offsets))"
            case .vmspliceOut(let sizes): "vmsplice-out(\(sizes))"
            }
        }
    }

    static let size = Gen.oneOf(Gen.int(in: 0...300).eraseToAny(), Gen.int(in: 0...9000).eraseToAny())

    static let operations = Gen.oneOf(
        Gen.int(in: 1...9000).map { Operation.write(writer: 1 + $0 % 2, size: $0) }.eraseToAny(),
        size.map { Operation.read($0) }.eraseToAny(),
        size.map { Operation.spliceOut($0) }.eraseToAny(),
        zip(size, size, Gen.int(in: 0...8191)).map { Operation.spliceIn(max: $0, fileBytes: $1, position: $2) }
            .eraseToAny(),
        size.map { Operation.tee($0) }.eraseToAny(),
        zip(Gen.int(in: 0...5000).array(of: 0...3), Gen.int(in: 0...4095).array(of: 3...3)).map {
            Operation.vmspliceIn(sizes: $0, offsets: Array($1.prefix($0.count)))
        }.eraseToAny(),
        Gen.int(in: 0...5000).array(of: 1...3).map { Operation.vmspliceOut($0) }.eraseToAny()
    ).array(of: 1...50)

    static func payload(_ size: Int, _ sequence: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: sequence &* 31 &+ $0) }
    }

    /// Sequences that meet every required kind, run before the random ones.
    static let directedSequences: [[Operation]] = [
        // A 1-byte write after a 100-byte splice takes a page of its own; 1-byte writes then fill 15 pages.
        [.spliceIn(max: 100, fileBytes: 100, position: 0)] + Array(repeating: .write(writer: 1, size: 4096), count: 14)
            + [
                .write(writer: 1, size: 1), .write(writer: 1, size: 4095), .write(writer: 1, size: 1),
                .spliceIn(max: 10, fileBytes: 10, position: 0),
            ],
        // Splices out across writes, tee without consuming, vmsplice out, end of a splice in from a page's middle.
        [
            .write(writer: 1, size: 5), .write(writer: 2, size: 5), .tee(3), .tee(100), .spliceOut(3),
            .vmspliceOut([2, 2]), .spliceOut(100),
            .spliceOut(10), .tee(10), .vmspliceOut([10]), .spliceIn(max: 100_000, fileBytes: 100_000, position: 100),
            .spliceIn(max: 1, fileBytes: 1, position: 0),
            .spliceOut(5000), .spliceIn(max: 9000, fileBytes: 9000, position: 4000),
        ],
        // vmsplice: one slot per page of each vector, straddling ones two; full: EAGAIN.
        [
            .vmspliceIn(sizes: [100], offsets: [4050]), .vmspliceIn(sizes: [100, 100], offsets: [0, 0]),
            .vmspliceIn(sizes: [70000], offsets: [10]),
            .vmspliceIn(sizes: [1], offsets: [0]), .read(5000), .vmspliceIn(sizes: [9000], offsets: [0]),
            .spliceOut(70000), .vmspliceOut([1]),
        ],
    ]

    static let required: Set<String> = [
        "splice-out", "splice-out EAGAIN", "splice-in short", "splice-in EAGAIN", "tee", "tee EAGAIN",
        "vmsplice-in short", "vmsplice-in EAGAIN",
        "vmsplice-out", "vmsplice-out EAGAIN",
    ]

    @Test(arguments: [false, true])
    func modelAndKernelGiveTheSameOutputs(packet: Bool) async throws {
        let seen = Mutex<Set<String>>([])
        for operations in Self.directedSequences {
            try Self.check(packet: packet, operations: operations, seen: seen)
        }
        await checkProperty(count: 100, input: Self.operations) { operations throws in
            try Self.check(packet: packet, operations: operations, seen: seen)
        }
        let missing = Self.required.subtracting(seen.withLock { $0 })
        #expect(missing.isEmpty, "the sequences never met \(missing.sorted())")
    }

    /// The kernel's outcome of a splice call as the model's output.
    static func kernel(_ body: () throws(Errno) -> Int) -> PipeModel.Output {
        do throws(Errno) { return .moved(try body()) } catch { return .failed(ErrorCode(error.name)) }
    }

    /// A disagreement counts only when a second run repeats it (``PipeAgreement/repeatingDisagreements(_:)``).
    static func check(packet: Bool, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try PipeAgreement.repeatingDisagreements { try checkOnce(packet: packet, operations: operations, seen: seen) }
    }

    static func checkOnce(packet: Bool, operations: [Operation], seen: borrowing Mutex<Set<String>>) throws {
        try TwoWriterPipe.with(packet: packet) { pipe in
            let (readEnd, firstWriter, secondWriter, model) = (
                pipe.readEnd, pipe.firstWriter, pipe.secondWriter, pipe.model
            )
            var state = pipe.start
            let flags = Syscall.spliceNonblocking
            for (index, operation) in operations.enumerated() {
                let input: PipeModel.Input
                let kernel: PipeModel.Output
                switch operation {
                case .write(let writer, let size):
                    let data = Self.payload(size, index)
                    input = .write(process: writer, data: data, nonblocking: false)
                    kernel = try PipeAgreement.write(writer == 1 ? firstWriter : secondWriter, data, nonblocking: false)
                case .read(let max):
                    input = .read(process: 1, max: max, nonblocking: false)
                    kernel = try PipeAgreement.read(readEnd, max: max, nonblocking: false)
                case .spliceOut(let max):
                    input = .splice(process: 1, call: .init(.toSink(max: max, intoSelf: false), nonblocking: true))
                    kernel = Self.kernel { () throws(Errno) in
                        try KernelPipe.spliceOut(readEnd, max: max, flags: flags, offset: false)
                    }
                case .spliceIn(let max, let fileBytes, let position):
                    let data = Array(Self.payload(fileBytes, index).prefix(max))
                    input = .splice(
                        process: 1, call: .init(.fromFile(max: max, data: data, position: position), nonblocking: true))
                    kernel = Self.kernel { () throws(Errno) in
                        try KernelPipe.spliceIn(
                            firstWriter, max: max, data: data, position: position, flags: flags, offset: false)
                    }
                case .tee(let max):
                    input = .splice(
                        process: 1, call: .init(.tee(max: max, room: 16, intoSelf: false), nonblocking: true))
                    kernel = Self.kernel { () throws(Errno) in try KernelPipe.tee(readEnd, max: max, flags: flags) }
                case .vmspliceIn(let sizes, let offsets):
                    let pieces = sizes.enumerated().map { Self.payload($0.element, index &* 7 &+ $0.offset) }
                    input = .splice(
                        process: 1, call: .init(.gather(pieces: pieces, offsets: offsets), nonblocking: true))
                    kernel = Self.kernel { () throws(Errno) in
                        try KernelPipe.vmspliceIn(firstWriter, pieces: pieces, offsets: offsets, flags: flags)
                    }
                case .vmspliceOut(let sizes):
                    input = .splice(process: 1, call: .init(.scatter(sizes: sizes), nonblocking: true))
                    do throws(Errno) {
                        kernel = .read(try KernelPipe.vmspliceOut(readEnd, sizes: sizes, flags: flags))
                    } catch {
                        kernel = .failed(ErrorCode(error.name))
                    }
                }
                guard
                    let next = PipeAgreement.next(
                        model, from: state, input, kernel: kernel,
                        context: "operation \(index) \(operation) of \(operations)")
                else {
                    return
                }
                if let kind = Self.kind(operation, kernel) { seen.withLock { _ = $0.insert(kind) } }
                state = next
            }
        }
    }

    static func kind(_ operation: Operation, _ output: PipeModel.Output) -> String? {
        let name: String
        let requested: Int
        switch operation {
        case .write, .read: return nil
        case .spliceOut(let max): (name, requested) = ("splice-out", max)
        case .spliceIn(_, let fileBytes, _): (name, requested) = ("splice-in", fileBytes)
        case .tee(let max): (name, requested) = ("tee", max)
        case .vmspliceIn(let sizes, _): (name, requested) = ("vmsplice-in", sizes.reduce(0, +))
        case .vmspliceOut(let sizes): (name, requested) = ("vmsplice-out", sizes.reduce(0, +))
        }
        switch output {
        case .failed(.EAGAIN): return name + " EAGAIN"
        case .moved(let count) where name.hasSuffix("-in") && count > 0 && count < requested: return name + " short"
        case .moved(let count) where count > 0: return name
        case .read(let bytes) where !bytes.isEmpty: return name
        default: return nil
        }
    }
}
