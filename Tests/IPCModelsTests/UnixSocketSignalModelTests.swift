import IPCModels
import Testing

/// What the unix-socket model leaves unjudged in its I/O signals, and what it still judges: the cases the
/// single-process agreement property cannot reach (another process that may be asleep in a receive, the owner's own
/// blocking receive, an exit that releases several sockets). A stream reader asleep suppresses `POLL_IN` and
/// `POLL_HUP` (measured with a C probe: `SOCKWQ_ASYNC_WAITDATA`); a datagram reader does not.
@Suite struct UnixSocketSignalModelTests {
    static let sigio = PipeModel.TakenSignal(signal: 29, code: 0x80, band: 0)

    /// The state after `inputs`, each taking its only completion with the output given (nil: any).
    func state(_ model: UnixSocketModel, _ inputs: [(UnixSocketModel.Input, UnixSocketModel.Output?)]) throws -> UnixSocketModel.State {
        var state = model.initialState(of: "s0")
        for (input, output) in inputs {
            let next = model.step(state, input, output).filter { if case .completed = $0 { true } else { false } }
            state = try #require(next.first, "\(model.describe(input, output)) cannot happen in \(model.describe(state))").state
        }
        return state
    }

    func model(_ type: UnixSocketModel.SocketType, b: [Int]) -> UnixSocketModel {
        UnixSocketModel(objects: [("s0", .init(type: type, shape: .pair(a: [1], b: b)))])
    }

    /// Process 2 owns `b` with `O_ASYNC` (signal 0); process 1 sends a byte.
    func owned(_ extra: [(UnixSocketModel.Input, UnixSocketModel.Output?)] = []) -> [(UnixSocketModel.Input, UnixSocketModel.Output?)] {
        [
            (.fileControl(process: 2, end: "b", command: .setOwner(.process(2))), .closed),
            (.fileControl(process: 2, end: "b", command: .setAsync(true)), .closed),
        ] + extra + [(.send(process: 1, end: "a", data: [1], nonblocking: true, to: nil, files: []), .sent(1))]
    }

    func takes(_ model: UnixSocketModel, _ state: UnixSocketModel.State) -> (signal: Bool, nothing: Bool) {
        let take = UnixSocketModel.Input.takeSignal(process: 2, signals: [29], wait: false)
        return (!model.step(state, take, .signalTaken(Self.sigio)).isEmpty, !model.step(state, take, .failed(.EAGAIN)).isEmpty)
    }

    @Test func aStreamSendSignalsTheOwnerWhenNobodyElseCouldBeAsleep() throws {
        let model = model(.stream, b: [2])
        let takes = takes(model, try state(model, owned()))
        #expect(takes.signal && !takes.nothing)
    }

    @Test func anotherHolderThatMayBeAsleepLeavesAStreamsSignalUnjudged() throws {
        let model = model(.stream, b: [2, 3])
        let takes = takes(model, try state(model, owned()))
        #expect(takes.signal && takes.nothing)
    }

    @Test func aDatagramReaderAsleepSuppressesNothing() throws {
        let model = model(.dgram, b: [2, 3])
        let takes = takes(model, try state(model, owned()))
        #expect(takes.signal && !takes.nothing)
    }

    @Test func theOwnersBlockingStreamReceiveLeavesItsSignalUnjudged() throws {
        let model = model(.stream, b: [2])
        let received = UnixSocketModel.Received(data: [1])
        let after = try state(
            model, owned() + [(.receive(process: 2, end: "b", max: 1, nonblocking: false, maxFiles: 0), .received(received))]
                + [(.send(process: 1, end: "a", data: [2], nonblocking: true, to: nil, files: []), .sent(1))])
        let takes = takes(model, after)
        #expect(takes.signal && takes.nothing)
    }

    @Test func anExitReleasingSeveralSocketsLeavesTheirSignalsUnjudged() throws {
        let model = UnixSocketModel(objects: [("s0", .init(type: .stream, shape: .pair(a: [1], b: [1, 2])))])
        let setup: [(UnixSocketModel.Input, UnixSocketModel.Output?)] = [
            (.fileControl(process: 2, end: "b", command: .setOwner(.process(2))), .closed),
            (.fileControl(process: 2, end: "b", command: .setAsync(true)), .closed),
            (.close(process: 2, end: "b"), .closed),
            (.fileControl(process: 1, end: "a", command: .setOwner(.process(2))), .closed),
            (.fileControl(process: 1, end: "a", command: .setAsync(true)), .closed),
            (.exit(process: 1), .exited),
        ]
        let takes = takes(model, try state(model, setup))
        #expect(takes.nothing)
    }
}
