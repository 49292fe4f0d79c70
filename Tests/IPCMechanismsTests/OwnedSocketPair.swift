import IPCMechanisms
import IPCSyscalls
import SystemPackage

/// A socket pair a fact test owns for its length: the ends still open are closed when it goes. `SIGPIPE` is ignored
/// first, so a send to a closed peer is the `EPIPE` the facts are about rather than the end of the test process.
///
/// A test that closes an end early does it through `closeA()`, never `Syscall.close(pair.a)`: a second close of the
/// same number at the end would close whatever another test running beside it has opened since under that number
/// (it did: other tests' pipes and private descriptions failed `EBADF` and `EPIPE`).
final class OwnedSocketPair {
    let a: FileDescriptor
    let b: FileDescriptor
    private var aOpen = true

    init(_ type: UnixSocketType) throws {
        Syscall.ignoreBrokenPipeSignal()
        (a, b) = try KernelUnixSocket.pair(type)
    }

    /// Closes end `a` now; the pair will not close it again.
    func closeA() throws {
        aOpen = false
        try Syscall.close(a)
    }

    deinit {
        if aOpen { try? Syscall.close(a) }
        try? Syscall.close(b)
    }
}
