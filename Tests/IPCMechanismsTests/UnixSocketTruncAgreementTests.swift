import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// The unix-socket model's receive with `MSG_TRUNC` against the kernel on a pair of each type (one process): sends of
/// 10, 2, 0 and 5 bytes, then peeks and receives with the flag into 4- and 0-byte buffers — a datagram or record
/// reports its whole length when truncated (peeking too), a stream ignores the flag — and plain receives after.
@Suite struct UnixSocketTruncAgreementTests {
    enum Operation: CustomStringConvertible {
        case send(Int)
        case receive(max: Int, peek: Bool, trunc: Bool)

        var description: String {
            switch self {
            case .send(let size): "send(\(size))"
            case .receive(let max, let peek, let trunc): "\(peek ? "peek" : "receive")(\(max)\(trunc ? ", MSG_TRUNC" : ""))"
            }
        }
    }

    static let operations: [Operation] = [
        .send(10), .send(2), .send(0), .send(5), .receive(max: 4, peek: true, trunc: true), .receive(max: 4, peek: false, trunc: true),
        .receive(max: 4, peek: false, trunc: true), .receive(max: 4, peek: false, trunc: true), .receive(max: 0, peek: false, trunc: true),
        .receive(max: 4, peek: false, trunc: true), .send(7), .receive(max: 3, peek: false, trunc: false), .send(6),
        .receive(max: 6, peek: false, trunc: true), .receive(max: 4, peek: false, trunc: false),
    ]

    @Test(arguments: UnixSocketType.allCases)
    func truncatingReceivesAgree(type: UnixSocketType) throws {
        let (a, b) = try KernelUnixSocket.pair(type)
        defer { for socket in [a, b] { try? Syscall.close(socket) } }
        let model = UnixSocketModel(objects: [("s0", .init(type: .init(rawValue: type.rawValue)!, shape: .pair(a: [1], b: [1])))])
        var state = model.initialState(of: "s0")
        for (index, operation) in Self.operations.enumerated() {
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
            case .receive(let max, let peek, let trunc):
                input =
                    trunc
                    ? .receiveTruncating(process: 1, end: "b", max: max, nonblocking: true, peek: peek)
                    : .receive(process: 1, end: "b", max: max, nonblocking: true, maxFiles: 0)
                switch try KernelUnixSocket.receive(b, maximum: max, nonblocking: true, peek: peek, truncating: trunc, retryOnInterrupt: false) {
                case .wouldBlock: kernel = .failed(.EAGAIN)
                case .completed(let message):
                    kernel = .received(.init(
                        data: message.data, truncated: message.truncated,
                        length: message.length == message.data.count ? nil : message.length))
                }
            }
            // A stream receive may take effect in pieces: follow them to the completion.
            var current = state
            var completed: (UnixSocketModel.Output?, UnixSocketModel.State)?
            for _ in 0..<100 {
                let outcomes = model.outcomes(of: input, in: current)
                if let done = outcomes.first(where: { if case .completed = $0.step { $0.output == kernel } else { false } }),
                    case .completed(let next) = done.step
                {
                    completed = (done.output, next)
                    break
                }
                guard outcomes.count == 1, outcomes[0].output == nil else { break }
                current = outcomes[0].step.state
            }
            guard let (_, next) = completed else {
                Issue.record("operation \(index) \(operation): kernel \(kernel), model \(model.outcomes(of: input, in: current).map { "\($0.output.map { "\($0)" } ?? "piece")" })\nstate: \(model.describe(current))")
                return
            }
            state = next
        }
    }
}
