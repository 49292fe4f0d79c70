import Glibc
import IPCHarness
import IPCModels
import SystemPackage

/// A client of a built-in kind: your own framing reader, run on the harness's `unix-socket` kind's stream sockets
/// and judged by its model's `receive-exactly` (receive until a message's size has come; short only at end of
/// stream). Every other operation is handed to the kind's own binding, which the client wraps.
///
/// Registered as a ``ClientImplementation`` and named as a scenario's implementation, it runs wherever the
/// scenario's objects are unix sockets; nothing else about the kind changes.
public struct ExampleFramingReader: ObjectBinding {
    public typealias Model = UnixSocketModel
    var kernel: UnixSocketBinding

    public init(_ object: WorkerObject) throws(BindingError) {
        kernel = try UnixSocketBinding(object)
    }

    public mutating func perform(_ input: UnixSocketModel.Input) throws(Errno) -> UnixSocketModel.Output {
        guard case .receiveExactly(_, let end, let size) = input, let socket = kernel.socketNumber(end) else {
            return try kernel.perform(input)
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var received = 0
        while received < size {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(socket, $0.baseAddress! + received, size - received) }
            if count > 0 {
                received += count
            } else if count == 0 {
                break  // The stream ended: what has come is the message.
            } else {
                let error = Errno(rawValue: errno)
                if error == .interrupted { continue }
                if received == 0 { throw error }
                break  // An error after some bytes: they are the message, and the error is consumed with it.
            }
        }
        return .received(UnixSocketModel.Received(data: Array(bytes[..<received])))
    }
}

public enum ExampleClients {
    public static let framingReader = ClientImplementation("example.framing-reader", of: UnixSocketKind.self) {
        (object) throws(BindingError) in try ExampleFramingReader(object)
    }

    /// The built-in framing workload (a writer sends 2-6 messages of 1-80 KB on a stream socket pair and closes; a
    /// reader takes each with `receive-exactly`, then finds end of stream), with this client as the reader, under
    /// receives cut short, interrupted by the fault plan and by real signals.
    public static let framingReaderScenario = Scenario.real(
        name: "example-framing-reader-client", kind: UnixSocketKind.self, implementation: "example.framing-reader",
        summary: "a user's framing reader as a client of the built-in unix-socket kind, under cut and interrupted receives",
        defaultFaults: FaultScenarios.cutReceives,
        makeWorkload: { generator in UnixSocketScenarios.framingWorkload(sizes: 1_000...80_000, generator: &generator) })
}
