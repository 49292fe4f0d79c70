import IPCMechanisms
import IPCSyscalls
import SystemPackage

/// A socket pair a fact test owns for its length: both ends closed when it goes. `SIGPIPE` is ignored first, so a
/// send to a closed peer is the `EPIPE` the facts are about rather than the end of the test process.
final class OwnedSocketPair {
    let a: FileDescriptor
    let b: FileDescriptor

    init(_ type: UnixSocketType) throws {
        Syscall.ignoreBrokenPipeSignal()
        (a, b) = try KernelUnixSocket.pair(type)
    }

    deinit {
        try? Syscall.close(a)
        try? Syscall.close(b)
    }
}
