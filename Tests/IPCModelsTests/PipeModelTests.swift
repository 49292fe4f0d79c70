import IPCModels
import PropertyBased
import TestSupport
import Testing

/// The pipe model's rules, each stated as the sequence of outputs a single process sees. The same sequences run
/// on the real kernel in IPCMechanismsTests (KernelPipeFactsTests), so the model and this kernel are held to
/// the same facts.
@Suite struct PipeModelTests {
    let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: [1], writers: [1]))])

    /// Runs inputs in order, taking the only possible completion each time.
    func outputs(_ inputs: [PipeModel.Input], from start: PipeModel.State? = nil) -> [PipeModel.Output?] {
        var state = start ?? model.initialState(of: "p0")
        var results: [PipeModel.Output?] = []
        for input in inputs {
            let outcomes = model.outcomes(of: input, in: state).filter { if case .completed = $0.step { true } else { false } }
            guard let outcome = outcomes.first else {
                results.append(nil)
                continue
            }
            results.append(outcome.output)
            state = outcome.step.state
        }
        return results
    }

    func write(_ count: Int, nonblocking: Bool = true) -> PipeModel.Input {
        .write(process: 1, data: [UInt8](repeating: 0x61, count: count), nonblocking: nonblocking)
    }

    /// How many bytes nonblocking writes of `size` put into an empty pipe before it refuses.
    func fill(with size: Int) -> Int {
        var state = model.initialState(of: "p0")
        var total = 0
        while let outcome = model.outcomes(of: write(size), in: state).first, case .wrote(let count)? = outcome.output {
            total += count
            state = outcome.step.state
            if count < size { break }
        }
        return total
    }

    @Test(arguments: [(1, 65536), (100, 64000), (3000, 48000), (4095, 65520), (4096, 65536), (4097, 45066), (5000, 54096)])
    func capacityDependsOnHowWritesFillPages(size: Int, filled: Int) {
        #expect(fill(with: size) == filled)
    }

    @Test func aMergeAppendsAfterTheReadOffsetNotIntoFreedSpace() {
        let results = outputs([write(4000), .read(process: 1, max: 3000, nonblocking: true), write(96)] + Array(repeating: write(4096), count: 16))
        #expect(results.prefix(3) == [.wrote(4000), .read([UInt8](repeating: 0x61, count: 3000)), .wrote(96)])
        // 4000 - 3000 + 96 fills the first page to its end; fifteen more pages fit, not sixteen.
        #expect(results.dropFirst(3).filter { $0 == .wrote(4096) }.count == 15)
        #expect(results.last == .failed(.EAGAIN))
    }

    @Test func anAtomicWriteThatDoesNotFitFailsEAGAINAndWritesNothing() {
        let results = outputs([write(65536 - 100), write(200), .read(process: 1, max: 70000, nonblocking: true)])
        #expect(results[1] == .failed(.EAGAIN))
        #expect(results[2] == .read([UInt8](repeating: 0x61, count: 65436)))
    }

    @Test func aLargeNonblockingWriteIsShort() {
        #expect(outputs([write(60000), write(10000)]) == [.wrote(60000), .wrote(4096)])
    }

    @Test func readsAndWritesOfZeroBytesReturnZero() {
        #expect(outputs([write(0), .read(process: 1, max: 0, nonblocking: true)]) == [.wrote(0), .read([])])
    }

    @Test func endOfFileComesAfterTheDataOnceTheLastWriterIsGone() {
        let results = outputs([
            write(3), .close(process: 1, end: .write), .read(process: 1, max: 2, nonblocking: false),
            .read(process: 1, max: 2, nonblocking: false), .read(process: 1, max: 2, nonblocking: false),
        ])
        #expect(results == [.wrote(3), .closed, .read([0x61, 0x61]), .read([0x61]), .read([])])
    }

    @Test func aBlockingReadOfAnEmptyPipeWithAWriterCannotTakeEffect() {
        #expect(outputs([.read(process: 1, max: 10, nonblocking: false)]) == [nil])
        #expect(outputs([.read(process: 1, max: 10, nonblocking: true)]) == [.failed(.EAGAIN)])
    }

    @Test func writingWithoutReadersFailsEPIPE() {
        #expect(outputs([.close(process: 1, end: .read), write(1), write(1, nonblocking: false)]) == [.closed, .failed(.EPIPE), .failed(.EPIPE)])
    }

    @Test func endsNotHeldGiveEBADF() {
        #expect(outputs([.close(process: 1, end: .write), .close(process: 1, end: .write), write(1)]) == [.closed, .failed(.EBADF), .failed(.EBADF)])
        #expect(outputs([.read(process: 2, max: 1, nonblocking: true)]) == [.failed(.EBADF)])
    }

    @Test func aBlockingWriteLargerThanThePipeTakesEffectInPieces() {
        let state = model.initialState(of: "p0")
        let big = PipeModel.Input.write(process: 1, data: [UInt8](repeating: 0x62, count: 70000), nonblocking: false)
        let first = model.outcomes(of: big, in: state)
        #expect(first.count == 1)
        guard case .partial(let filled) = first[0].step else {
            Issue.record("expected a piece, got outputs \(first.map(\.output))")
            return
        }
        #expect(filled.bufferedCount == 65536)
        // Nothing more can go in until a reader frees a page; only a signal can end the write now, returning 65536.
        #expect(model.outcomes(of: big, in: filled).map(\.output) == [.wrote(65536)])
        var drained = filled
        drained = model.outcomes(of: .read(process: 1, max: 65536, nonblocking: false), in: drained)[0].step.state
        let last = model.outcomes(of: big, in: drained)
        #expect(last.map(\.output) == [.wrote(65536), .wrote(70000)])
    }

    @Test func aBlockingWriterThatFindsThePipeFullSleepsAndThenTakesAFreshPage() {
        var state = model.initialState(of: "p0")
        state = model.outcomes(of: write(65536 - 10), in: state)[0].step.state
        let small = PipeModel.Input.write(process: 1, data: [0x63, 0x63, 0x63], nonblocking: false)
        // The last page has 10 bytes free: three merge into it.
        #expect(model.outcomes(of: small, in: state).map(\.output) == [.wrote(3)])
        state = model.outcomes(of: write(10), in: state)[0].step.state  // now every page is full
        let sleeping = model.outcomes(of: small, in: state)
        guard sleeping.count == 1, case .partial(let asleep) = sleeping[0].step else {
            Issue.record("expected the writer to go to sleep, got outputs \(sleeping.map(\.output))")
            return
        }
        #expect(model.outcomes(of: small, in: asleep).isEmpty)
        let woken = model.outcomes(of: .read(process: 1, max: 4096, nonblocking: true), in: asleep)[0].step.state
        let after = model.outcomes(of: small, in: woken)
        #expect(after.map(\.output) == [.wrote(3)])
        #expect(after.first?.step.state.pages.last?.bytes.count == 3)
    }

    @Test func stepFiltersByTheRecordedOutput() {
        let state = model.initialState(of: "p0")
        #expect(model.step(state, write(5), .wrote(5)).count == 1)
        #expect(model.step(state, write(5), .wrote(4)).isEmpty)
        #expect(model.step(state, write(5), .failed(.EAGAIN)).isEmpty)
        #expect(model.step(state, write(5), nil).count == 1)
    }

    @Test func equalBuffersHashAlikeHoweverTheyWereBuilt() {
        var direct = model.initialState(of: "p0")
        direct = model.outcomes(of: .write(process: 1, data: Array("bc".utf8), nonblocking: true), in: direct)[0].step.state
        var roundabout = model.initialState(of: "p0")
        roundabout = model.outcomes(of: .write(process: 1, data: Array("abc".utf8), nonblocking: true), in: roundabout)[0].step.state
        roundabout = model.outcomes(of: .read(process: 1, max: 1, nonblocking: true), in: roundabout)[0].step.state
        // Same bytes, but one more byte has passed through: different stream positions are different states.
        #expect(direct != roundabout)
        var twin = model.initialState(of: "p0")
        twin = model.outcomes(of: .write(process: 1, data: Array("ab".utf8), nonblocking: true), in: twin)[0].step.state
        twin = model.outcomes(of: .write(process: 1, data: Array("c".utf8), nonblocking: true), in: twin)[0].step.state
        twin = model.outcomes(of: .read(process: 1, max: 1, nonblocking: true), in: twin)[0].step.state
        #expect(twin == roundabout)
        #expect(twin.hashValue == roundabout.hashValue)
    }

    @Test func traceFormRoundTrips() async throws {
        let inputs = Gen.oneOf(
            zip(Gen.int(in: 1...4), Gen.uint8().array(of: 0...40), Gen.bool)
                .map { PipeModel.Input.write(process: $0, data: $1, nonblocking: $2) }.eraseToAny(),
            zip(Gen.int(in: 1...4), Gen.uint8().array(of: 0...40))
                .map { PipeModel.Input.writeAll(process: $0, data: $1) }.eraseToAny(),
            zip(Gen.int(in: 1...4), Gen.int(in: 0...70000), Gen.bool)
                .map { PipeModel.Input.read(process: $0, max: $1, nonblocking: $2) }.eraseToAny(),
            zip(Gen.int(in: 1...4), Gen.bool)
                .map { PipeModel.Input.close(process: $0, end: $1 ? .read : .write) }.eraseToAny()
        )
        await checkProperty(count: 300, input: inputs) { input throws in
            let (f, value) = model.call(for: input)
            let decoded = try model.input(from: Call(process: input.process, object: "p0", f: f, value: value))
            #expect(decoded == input)
        }
        for output: PipeModel.Output in [.wrote(3), .read(Array("xyz".utf8)), .read([0xFF]), .closed, .failed(.EAGAIN)] {
            let input: PipeModel.Input = switch output {
            case .wrote: write(3)
            case .read: .read(process: 1, max: 3, nonblocking: false)
            default: .close(process: 1, end: .read)
            }
            #expect(try model.output(from: model.outcome(for: output), for: input) == output)
        }
    }

    @Test func rejectsMalformedCallsWithTheFieldNamed() {
        let cases: [(String, JSONValue?, String)] = [
            ("write", nil, "'data'"),
            ("write", ["data": 5], "field 'data'"),
            ("read", ["max": "ten"], "field 'max' must be an integer"),
            ("read", ["max": -1], "field 'max' is -1"),
            ("close", ["end": "both"], "field 'end'"),
            ("seek", ["to": 0], "no operation 'seek'"),
        ]
        for (f, value, message) in cases {
            #expect {
                try model.input(from: Call(process: 1, object: "p0", f: f, value: value))
            } throws: { error in
                "\(error)".contains(message)
            }
        }
    }

    @Test func parametersRoundTripAndAreValidated() throws {
        let configured = PipeModel(pipes: [("a", PipeModel.Setup(capacity: 8192, readers: [2], writers: [1, 3]))])
        let reread = try PipeModel(parameters: configured.parameters)
        #expect(reread.parameters == configured.parameters)
        #expect(throws: ModelError.self) { try PipeModel(parameters: ["objects": ["a": ["readers": [1]]]]) }
        #expect(throws: ModelError.self) {
            try PipeModel(parameters: ["objects": ["a": ["capacity": 5000, "readers": [1], "writers": [1]]]])
        }
        #expect(throws: ModelError.self) { try PipeModel(parameters: nil) }
    }
}
