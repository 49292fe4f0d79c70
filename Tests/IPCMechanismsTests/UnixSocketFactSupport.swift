import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

// What the Unix socket fact tests share: fresh addresses, errors by name, and one accepted connection.

/// An abstract address no other test, nor another run of this one, uses (the process id and a random number).
func uniqueAbstractAddress(_ stem: String) -> UnixAddress {
    .abstract("ipch-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))-\(stem)")
}

/// The name of the errno `body` failed with (`"EISCONN"`), `"ok"` when it did not fail.
func errorName(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "ok"
    } catch let error as Errno {
        return error.name
    } catch {
        return "\(error)"
    }
}

/// A nonblocking client connected to `address` and its accepted end from `listener`; nil, with an issue recorded,
/// when either would block (the client is closed then). The caller closes both.
func acceptedConnection(
    _ type: UnixSocketType, to address: UnixAddress, on listener: FileDescriptor
) throws -> (client: FileDescriptor, accepted: FileDescriptor)? {
    guard case .completed(let client) = try KernelUnixSocket.connect(type, to: address, nonblocking: true) else {
        Issue.record("no connection")
        return nil
    }
    do {
        guard case .completed(let accepted) = try KernelUnixSocket.accept(listener, nonblocking: true) else {
            Issue.record("nothing to accept")
            try? Syscall.close(client)
            return nil
        }
        return (client, accepted)
    } catch {
        try? Syscall.close(client)
        throw error
    }
}
