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
}

extension UnixSocketAddressAgreementTests {
    /// `bind` on the kernel: of `socket` (nil inside: the process does not hold it, `EBADF`), or (nil) of a new
    /// socket of `type` closed at once. A fresh path is unique and removed after the bind; a missing directory is
    /// under a unique name; an existing file is `/proc/self/status` (measured: `EADDRINUSE`, as any file).
    static func bind(
        _ socket: FileDescriptor??, type: UnixSocketType, to address: UnixSocketModel.BindAddress,
        addresses: [String: UnixAddress]
    ) throws(Errno) -> UnixSocketModel.Output {
        let target: UnixAddress
        switch address {
        case .of(let name): target = addresses[name]!
        case .freshPath: target = .path("/tmp/" + Self.name("fresh"))
        case .freshAbstract: target = .abstract(Self.name("fresh"))
        case .missingDirectory: target = .path("/tmp/" + Self.name("missing") + "/socket")
        case .existingFile: target = .path("/proc/self/status")
        }
        let descriptor: FileDescriptor
        switch socket {
        case .some(nil): return .failed(.EBADF)
        case .some(let held?): descriptor = held
        case nil: descriptor = try Syscall.unixSocket(type)
        }
        defer { if socket == nil { try? Syscall.close(descriptor) } }
        try Syscall.bind(descriptor, to: target)
        if case .freshPath = address, case .path(let path) = target { unlink(path) }
        return .closed
    }
}
