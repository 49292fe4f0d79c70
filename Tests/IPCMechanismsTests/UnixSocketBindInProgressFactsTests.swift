import Glibc
import IPCMechanisms
import IPCSyscalls
import SystemPackage
import Testing

/// What others meet while a new socket holds a name it has just bound and not yet closed — the moment inside the
/// `unix-socket` model's `bind` of a new socket (bound, then closed at once). A bind followed by its close is made
/// here as two calls, so the moment between them lasts as long as the test needs: no race is timed. Measured on
/// this kernel, as root.
@Suite struct UnixSocketBindInProgressFactsTests {
    /// A bound datagram socket `b` closed, its abstract name free; a new socket of `type` binds it. While it is open:
    /// a second socket of that type fails `EADDRINUSE` on the name; a datagram socket's `sendto` and `connect` to the
    /// name reach the new socket if it is a datagram socket (the datagram is queued: `SIOCOUTQ` counts it), and are
    /// refused (`ECONNREFUSED`) if it is of another type (the kernel's abstract names are per type: another type's
    /// holder is not found, so not `EPROTOTYPE`). Once it closes: what it was sent is discarded (the sender's
    /// `SIOCOUTQ` back to 0), a `sendto` is refused, and a socket that connected to it finds its peer gone as after
    /// any peer's close — the first send without an address `ECONNREFUSED`, then `ENOTCONN`.
    @Test(arguments: UnixSocketType.allCases)
    func datagramSendersMeetTheNewSocket(type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let addressA = uniqueAbstractAddress("a"), addressB = uniqueAbstractAddress("b")
            let a = try KernelUnixSocket.bound(.dgram, to: addressA)
            var open = [a]
            defer { for socket in open { try? Syscall.close(socket) } }
            try Syscall.close(try KernelUnixSocket.bound(.dgram, to: addressB))
            let dontWait = Syscall.MessageFlags.dontWait
            let reached = type == .dgram ? "ok" : "ECONNREFUSED"

            let binder = try Syscall.unixSocket(type)
            open.append(binder)
            #expect(errorName { try Syscall.bind(binder, to: addressB) } == "ok")
            let second = try Syscall.unixSocket(type)
            open.append(second)
            #expect(errorName { try Syscall.bind(second, to: addressB) } == "EADDRINUSE")
            #expect(errorName { _ = try Syscall.sendMessage(a, Array("1".utf8), to: addressB, flags: dontWait) } == reached)
            #expect((try Syscall.socketOutputQueue(a) > 0) == (type == .dgram))
            #expect(errorName { try Syscall.connect(a, to: addressB) } == reached)
            #expect(errorName { _ = try Syscall.sendMessage(a, Array("2".utf8), flags: dontWait) } == (type == .dgram ? "ok" : "ENOTCONN"))

            open.removeAll { $0 == binder }
            try Syscall.close(binder)
            #expect(try Syscall.socketOutputQueue(a) == 0)
            #expect(errorName { _ = try Syscall.sendMessage(a, Array("3".utf8), to: addressB, flags: dontWait) } == "ECONNREFUSED")
            if type == .dgram {
                #expect(errorName { _ = try Syscall.sendMessage(a, Array("4".utf8), flags: dontWait) } == "ECONNREFUSED")
            }
            #expect(errorName { _ = try Syscall.sendMessage(a, Array("5".utf8), flags: dontWait) } == "ENOTCONN")
            #expect(errorName { try Syscall.bind(second, to: addressB) } == "ok")
        }
    }

    /// A listener of `type` closed, its abstract name free; a new socket of any type binds it. While it is open, a
    /// `connect` of `type` to the name is refused (`ECONNREFUSED`) as it is with nobody there: a holder of the same
    /// type is found but does not listen, one of another type is not found (not `EPROTOTYPE`).
    @Test(arguments: [UnixSocketType.stream, .seqpacket], UnixSocketType.allCases)
    func connectsMeetTheNewSocket(listenerType: UnixSocketType, type: UnixSocketType) throws {
        try Syscall.withoutConcurrentSpawns { () throws in
            let address = uniqueAbstractAddress("listener")
            try Syscall.close(try KernelUnixSocket.listener(listenerType, at: address, backlog: 4))
            let binder = try Syscall.unixSocket(type)
            defer { try? Syscall.close(binder) }
            #expect(errorName { try Syscall.bind(binder, to: address) } == "ok")
            #expect(errorName { _ = try KernelUnixSocket.connect(listenerType, to: address, nonblocking: true) } == "ECONNREFUSED")
        }
    }
}
