import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

extension UnixSocketAddressAgreementTests.Operation {
    /// The addresses a `bind` may name besides the object's sockets'.
    static let otherAddresses: [UnixSocketModel.BindAddress] = [.freshPath, .freshAbstract, .missingDirectory, .existingFile]

    /// A `bind` drawn from two picks: the socket (`ends[socket]`; a nil end is a new socket, of the object's type, or
    /// of another type for the last nil pick) and the address.
    static func bind(ends: [String?], _ socket: Int, address addresses: [UnixSocketModel.BindAddress], _ address: Int) -> Self {
        let end = ends[socket]
        let otherType = end == nil && socket == ends.lastIndex(of: nil)
        return .bind(end: end, type: otherType ? .seqpacket : nil, address: addresses[address])
    }

    /// A `connect` to an address drawn from two picks: the socket (`ends[socket]`; nil, a new datagram socket — a
    /// new socket of the listener's type connecting to it is the plain `connect`) and the address.
    static func connectTo(ends: [String?], _ socket: Int, address addresses: [UnixSocketModel.BindAddress], _ address: Int) -> Self {
        let end = ends[socket]
        return .connectTo(end: end, type: end == nil ? .dgram : nil, address: addresses[address])
    }
}

extension UnixSocketAddressAgreementTests {
    /// `bind` on the kernel: of `socket` (nil inside: the process does not hold it, `EBADF`), or (nil) of a new
    /// socket of `type` closed at once. A fresh path is unique and removed after the bind; a missing directory is
    /// under a unique name; an existing file is `/proc/self/status` (measured: `EADDRINUSE`, as any file).
    static func bind(_ socket: FileDescriptor??, type: UnixSocketType, to target: UnixAddress) throws(Errno) -> UnixSocketModel.Output {
        try withSocket(socket, type: type) { descriptor throws(Errno) in
            try Syscall.bind(descriptor, to: target)
            if case .path(let path) = target, path.contains("-fresh") { unlink(path) }
            return .closed
        }
    }

    /// `body` on `socket` (nil inside: not held, `EBADF` without calling it), or (nil) on a new socket of `type`
    /// closed after it.
    static func withSocket(
        _ socket: FileDescriptor??, type: UnixSocketType, _ body: (FileDescriptor) throws(Errno) -> UnixSocketModel.Output
    ) throws(Errno) -> UnixSocketModel.Output {
        let descriptor: FileDescriptor
        switch socket {
        case .some(nil): return .failed(.EBADF)
        case .some(let held?): descriptor = held
        case nil: descriptor = try Syscall.unixSocket(type)
        }
        defer { if socket == nil { try? Syscall.close(descriptor) } }
        return try body(descriptor)
    }

    /// Where `address` points on the kernel: a socket's address from `addresses`, a unique fresh path (never made
    /// unless a bind makes it) or abstract name, a path under a unique missing directory, or `/proc/self/status` (a
    /// file that is no socket: a bind there `EADDRINUSE`, a connect `ECONNREFUSED`, measured).
    static func target(of address: UnixSocketModel.BindAddress, addresses: [String: UnixAddress]) -> UnixAddress {
        switch address {
        case .of(let name): addresses[name]!
        case .freshPath: .path("/tmp/" + Self.name("fresh"))
        case .freshAbstract: .abstract(Self.name("fresh"))
        case .missingDirectory: .path("/tmp/" + Self.name("missing") + "/socket")
        case .existingFile: .path("/dev/null")
        }
    }

    /// A nonblocking `connect` on the kernel of `socket` (nil inside: not held, `EBADF`; its `O_NONBLOCK` put back
    /// after), or (nil) of a new socket of `type` closed at once.
    static func connect(_ socket: FileDescriptor??, type: UnixSocketType, to target: UnixAddress) throws(Errno) -> UnixSocketModel.Output {
        try withSocket(socket, type: type) { descriptor throws(Errno) in
            let flags = try Syscall.statusFlags(descriptor)
            try Syscall.setStatusFlags(descriptor, flags | O_NONBLOCK)
            defer { try? Syscall.setStatusFlags(descriptor, flags) }
            do throws(Errno) {
                try Syscall.connect(descriptor, to: target, retryOnInterrupt: false)
            } catch .wouldBlock {
                return .failed(.EAGAIN)
            }
            return .closed
        }
    }
}
