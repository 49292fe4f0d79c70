import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// The unix-socket model's `connect` and addressed send to a socket's own address and to paths and names that are no
/// socket's, against the kernel on a pair of each type (held by one process): a pair's end bound to a fresh
/// abstract name is refused by a stream or seqpacket connect (it does not listen) and by a socket of another type
/// (abstract names are per type), and a datagram one takes a connect only from its peer (`EPERM` for a new
/// socket); a missing path `ENOENT`, a file that is no socket or a free name `ECONNREFUSED`; a stream send with an
/// address `EISCONN`, a seqpacket one ignores it, a datagram one looks it up. (Listeners and bound datagram sockets:
/// `UnixSocketAddressAgreementTests`.)
@Suite struct UnixSocketConnectAgreementTests {
    enum Operation: CustomStringConvertible {
        case bind(String, UnixSocketModel.BindAddress)
        case connect(end: String?, type: UnixSocketType?, to: UnixSocketModel.BindAddress)
        case send(end: String, to: String)
        case close(String)

        var description: String {
            switch self {
            case .bind(let end, let address): "bind(\(end) to \(address.name))"
            case .connect(let end, let type, let to): "connect(\(end ?? "new \(type?.rawValue ?? "socket")") to \(to.name))"
            case .send(let end, let to): "send(\(end) to \(to))"
            case .close(let end): "close(\(end))"
            }
        }
    }

    static func operations(_ type: UnixSocketType) -> [Operation] {
        let other: UnixSocketType = type == .stream ? .seqpacket : .stream
        return [
            .bind("a", .freshAbstract), .connect(end: nil, type: type, to: .of("a")), .connect(end: nil, type: other, to: .of("a")),
            .connect(end: "b", type: nil, to: .of("a")), .connect(end: "a", type: nil, to: .freshPath),
            .connect(end: "a", type: nil, to: .missingDirectory), .connect(end: "a", type: nil, to: .existingFile),
            .connect(end: "b", type: nil, to: .freshAbstract), .send(end: "b", to: "fresh-path"), .send(end: "b", to: "fresh-abstract"),
            .send(end: "b", to: "existing-file"), .send(end: "b", to: "a"), .close("a"), .connect(end: nil, type: type, to: .of("a")),
            .connect(end: "b", type: nil, to: .of("a")),
        ]
    }

    @Test(arguments: UnixSocketType.allCases)
    func connectsToAddressesAgree(type: UnixSocketType) throws {
        Syscall.ignoreBrokenPipeSignal()
        try Syscall.withoutConcurrentSpawns {
            let (a, b) = try KernelUnixSocket.pair(type)
            var sockets = ["a": a, "b": b]
            var ownNames: [String: UnixAddress] = [:]
            defer { for socket in sockets.values { try? Syscall.close(socket) } }
            let model = UnixSocketModel(objects: [
                ("s0", .init(type: .init(rawValue: type.rawValue)!, shape: .pair(a: [1], b: [1])))
            ])
            var state = model.initialState(of: "s0")
            let operations = Self.operations(type)
            for (index, operation) in operations.enumerated() {
                let kernel: UnixSocketModel.Output
                do {
                    kernel = try Self.run(operation, type: type, &sockets, &ownNames)
                } catch let error as Errno {
                    kernel = .failed(ErrorCode(error.name))
                }
                let outcomes = model.outcomes(of: Self.input(operation), in: state)
                guard outcomes.count == 1, case .completed(let next) = outcomes[0].step, outcomes[0].output == kernel else {
                    Issue.record("operation \(index) \(operation) of \(operations): kernel \(kernel), model \(outcomes.map { "\($0.output.map { "\($0)" } ?? "piece")" })\nstate: \(model.describe(state))")
                    return
                }
                state = next
            }
        }
    }

    static func run(
        _ operation: Operation, type: UnixSocketType, _ sockets: inout [String: FileDescriptor], _ ownNames: inout [String: UnixAddress]
    ) throws(Errno) -> UnixSocketModel.Output {
        switch operation {
        case .bind(let end, let address):
            let target = UnixSocketAddressAgreementTests.target(of: address, addresses: ownNames)
            let output = try UnixSocketAddressAgreementTests.bind(sockets[end], type: type, to: target)
            if case .freshAbstract = address { ownNames[end] = target }
            return output
        case .connect(let end, let newType, let to):
            return try UnixSocketAddressAgreementTests.connect(
                end.map { sockets[$0] }, type: newType ?? type, to: UnixSocketAddressAgreementTests.target(of: to, addresses: ownNames))
        case .send(let end, let to):
            guard let socket = sockets[end] else { return .failed(.EBADF) }
            let target = UnixSocketAddressAgreementTests.target(of: .init(name: to), addresses: ownNames)
            switch try KernelUnixSocket.send(socket, [7], to: target, nonblocking: true, retryOnInterrupt: false) {
            case .completed(let count): return .sent(count)
            case .wouldBlock: return .failed(.EAGAIN)
            }
        case .close(let end):
            guard let socket = sockets.removeValue(forKey: end) else { return .failed(.EBADF) }
            try Syscall.close(socket)
            return .closed
        }
    }

    static func input(_ operation: Operation) -> UnixSocketModel.Input {
        switch operation {
        case .bind(let end, let address): .bind(process: 1, end: end, type: nil, address: address)
        case .connect(let end, let type, let to):
            .connectTo(process: 1, end: end, type: type.map { .init(rawValue: $0.rawValue)! }, address: to, nonblocking: true)
        case .send(let end, let to): .send(process: 1, end: end, data: [7], nonblocking: true, to: to, files: [])
        case .close(let end): .close(process: 1, end: end)
        }
    }
}
