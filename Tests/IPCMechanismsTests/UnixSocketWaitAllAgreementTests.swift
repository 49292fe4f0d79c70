import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// The unix-socket model's receive with `MSG_WAITALL` against the kernel on a pair of each type (one process, so a
/// blocking receive is made only where it cannot sleep): sends of 3 and 4 bytes, a blocking receive of 5 (a stream
/// takes both buffers' bytes, a record socket one record), nonblocking ones (what is queued, then `EAGAIN`), a send
/// of 6, the sender's `SHUT_WR`, and blocking receives of 10 — short at end of file on a stream (6, then 0).
@Suite struct UnixSocketWaitAllAgreementTests {
    enum Operation: CustomStringConvertible {
        case send(Int)
        case shutWrite
        case receive(max: Int, blocking: Bool)

        var description: String {
            switch self {
            case .send(let size): "send(\(size))"
            case .shutWrite: "shutdown(a, SHUT_WR)"
            case .receive(let max, let blocking): "receive(\(max), MSG_WAITALL\(blocking ? "" : " | MSG_DONTWAIT"))"
            }
        }
    }

    static func operations(_ type: UnixSocketType) -> [Operation] {
        [.send(3), .send(4), .receive(max: 5, blocking: true), .receive(max: 10, blocking: false), .receive(max: 4, blocking: false),
         .send(6), .shutWrite, .receive(max: 10, blocking: true), .receive(max: 10, blocking: type != .dgram)]
    }

    @Test(arguments: UnixSocketType.allCases)
    func waitAllReceivesAgree(type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        let model = UnixSocketModel(objects: [("s0", .init(type: .init(rawValue: type.rawValue)!, shape: .pair(a: [1], b: [1])))])
        var state = model.initialState(of: "s0")
        for (index, operation) in Self.operations(type).enumerated() {
            let kernel: UnixSocketModel.Output
            let input: UnixSocketModel.Input
            switch operation {
            case .send(let size):
                let data = UnixSocketModelAgreementTests.payload(size)
                input = .send(process: 1, end: "a", data: data, nonblocking: true, to: nil, files: [])
                guard case .completed(let count) = try KernelUnixSocket.send(a, data, nonblocking: true) else {
                    Issue.record("send \(size) would block")
                    return
                }
                kernel = .sent(count)
            case .shutWrite:
                input = .shutdown(process: 1, end: "a", how: 1)
                try Syscall.shutdown(a, how: CInt(SHUT_WR))
                kernel = .closed
            case .receive(let max, let blocking):
                input = .receiveWaitingAll(process: 1, end: "b", max: max, nonblocking: !blocking)
                switch try KernelUnixSocket.receive(b, maximum: max, nonblocking: !blocking, waitingForAll: true, retryOnInterrupt: false) {
                case .wouldBlock: kernel = .failed(.EAGAIN)
                case .completed(let message): kernel = .received(.init(data: message.data, truncated: message.truncated))
                }
            }
            // A stream receive takes effect in pieces: follow them to the completion the kernel gave.
            var current = state
            var completed: UnixSocketModel.State?
            for _ in 0..<100 {
                let outcomes = model.outcomes(of: input, in: current)
                if let done = outcomes.first(where: { if case .completed = $0.step { $0.output == kernel } else { false } }),
                    case .completed(let next) = done.step
                {
                    completed = next
                    break
                }
                guard let piece = outcomes.first(where: { $0.output == nil }) else { break }
                current = piece.step.state
            }
            guard let next = completed else {
                Issue.record("operation \(index) \(operation): kernel \(kernel), model \(model.outcomes(of: input, in: current).map { "\($0.output.map { "\($0)" } ?? "piece")" })\nstate: \(model.describe(current))")
                return
            }
            state = next
        }
    }
}
