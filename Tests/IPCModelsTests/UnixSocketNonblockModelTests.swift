import IPCModels
import Testing

/// When the unix-socket model reads a description's `O_NONBLOCK`: as a call enters, as the kernel does (`sock_sendmsg`
/// turns it into `MSG_DONTWAIT` once) — the cases the single-process agreement property cannot reach, a blocking call
/// asleep or half done while another holder's `F_SETFL` changes the flag — and a `receive-exactly` loop, whose every
/// receive reads it anew.
@Suite struct UnixSocketNonblockModelTests {
    let model = UnixSocketModel(objects: [("s0", .init(type: .stream, shape: .pair(a: [1, 3], b: [2])))])

    /// `state` after `input`'s pieces, as long as it has one (a piece: no output).
    func pieces(_ state: UnixSocketModel.State, _ input: UnixSocketModel.Input) -> UnixSocketModel.State {
        var current = state
        for _ in 0..<100 {
            guard let piece = model.outcomes(of: input, in: current).first(where: { $0.output == nil }) else { return current }
            current = piece.step.state
        }
        return current
    }

    func completed(_ state: UnixSocketModel.State, _ input: UnixSocketModel.Input, _ output: UnixSocketModel.Output) throws -> UnixSocketModel.State {
        let next = model.step(state, input, output).filter { if case .completed = $0 { true } else { false } }
        return try #require(next.first, "\(model.describe(input, output)) cannot happen in \(model.describe(state))").state
    }

    static func setFlag(_ on: Bool) -> UnixSocketModel.Input {
        .fileControl(process: 3, end: "a", command: .setNonblocking(on))
    }

    @Test func aBlockingSendHalfDoneStaysBlockingWhenAnotherHolderSetsTheFlag() throws {
        let send = UnixSocketModel.Input.send(process: 1, end: "a", data: Array(repeating: 7, count: 300_000), nonblocking: false, to: nil, files: [])
        // Asleep for room with part of it queued: no piece left, only a signal's end (its count so far).
        var state = pieces(model.initialState(of: "s0"), send)
        #expect(model.outcomes(of: send, in: state).allSatisfy { $0.output != nil && $0.output != .failed(.EAGAIN) })
        state = try completed(state, Self.setFlag(true), .closed)
        // The reader drains; the send goes on sleeping for room and completes whole, never short.
        let receive = UnixSocketModel.Input.receive(process: 2, end: "b", max: 300_000, nonblocking: true, maxFiles: 0)
        for _ in 0..<3 {
            state = pieces(state, send)
            let drained = pieces(state, receive)
            guard let taken = model.outcomes(of: receive, in: drained).first(where: { $0.output != nil }) else { break }
            state = taken.step.state
        }
        state = pieces(state, send)
        #expect(!model.step(state, send, .sent(300_000)).isEmpty)
        #expect(model.outcomes(of: send, in: state).allSatisfy { $0.output != .failed(.EAGAIN) })
    }

    @Test func aCallEnteringAfterTheFlagIsSetAnswersAtOnceAndBlocksAgainOnceCleared() throws {
        let receive = UnixSocketModel.Input.receive(process: 1, end: "a", max: 10, nonblocking: false, maxFiles: 0)
        var state = try completed(model.initialState(of: "s0"), Self.setFlag(true), .closed)
        #expect(model.outcomes(of: receive, in: state).map(\.output) == [.failed(.EAGAIN)])
        state = try completed(state, Self.setFlag(false), .closed)
        #expect(model.outcomes(of: receive, in: state).isEmpty)  // asleep
        #expect(!model.step(state, receive, .failed(.EINTR)).isEmpty)
    }

    @Test func aReceiveExactlyLoopReadsTheFlagAtEachReceive() throws {
        let loop = UnixSocketModel.Input.receiveExactly(process: 1, end: "a", size: 4)
        var state = model.initialState(of: "s0")
        state = try completed(state, .send(process: 2, end: "b", data: [1, 2], nonblocking: true, to: nil, files: []), .sent(2))
        state = pieces(state, loop)  // the two bytes taken, asleep for the rest
        #expect(model.outcomes(of: loop, in: state).isEmpty)
        state = try completed(state, Self.setFlag(true), .closed)
        #expect(!model.step(state, loop, .received(.init(data: [1, 2]))).isEmpty)
        let fresh = try completed(model.initialState(of: "s0"), Self.setFlag(true), .closed)
        #expect(!model.step(fresh, loop, .failed(.EAGAIN)).isEmpty)
    }
}
