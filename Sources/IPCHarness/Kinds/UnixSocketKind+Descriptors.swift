import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// The calls on one of this process's sockets that are not socket calls (`UnixSocketModel+ReadWrite`,
/// `UnixSocketModel+Duplicate`): `read`, `readv`, `write`, `writev` as the kernel takes them (no flags; `EINTR`
/// reported, never retried), and `dup`, `dup2`, `dup3`, `fstat`. A copy is kept beside the socket's descriptor
/// (``copies``): the socket's calls go on through the descriptor, and a `close` of the socket closes that descriptor
/// and puts its newest copy in its place, so the socket stays open while a copy does.
extension UnixSocketBinding {
    mutating func performOnDescriptor(_ input: UnixSocketModel.Input) throws(Errno) -> UnixSocketModel.Output {
        switch input {
        case .read(_, let end, let sizes, let vectored):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            return .received(.init(data: try Self.outsideWindows(socket, waitingFor: POLLIN) { () throws(Errno) -> [UInt8] in
                if vectored { return try Syscall.read(socket, sizes: sizes, retryOnInterrupt: false) }
                var buffer = [UInt8](repeating: 0, count: sizes.first ?? 0)
                let count = try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
                    try Syscall.read(socket, into: UnsafeMutableRawBufferPointer(raw), retryOnInterrupt: false)
                }
                return Array(buffer[..<count])
            }))
        case .write(_, let end, let buffers, let vectored):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            return .sent(try Self.outsideWindows(socket, waitingFor: POLLOUT) { () throws(Errno) -> Int in
                if vectored { return try Syscall.write(socket, pieces: buffers, retryOnInterrupt: false) }
                var data = buffers.first ?? []
                return try data.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
                    try Syscall.write(socket, UnsafeRawBufferPointer(raw), retryOnInterrupt: false)
                }
            })
        case .duplicate(_, let end, nil):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            copies[end, default: []].append(try Syscall.duplicate(socket, closeOnExec: false))
            return .closed
        case .duplicate(_, let end, let call?):
            let source = sockets[end] ?? FileDescriptor(rawValue: -1)
            let flags = call.closeOnExec.map { ($0 ? O_CLOEXEC : 0) | CInt(truncatingIfNeeded: call.otherBits) }
            var placeholder: FileDescriptor?
            defer { if let placeholder { try? Syscall.close(placeholder) } }
            let target = try PipeBinding.duplicateTarget(of: call, source: source, sameObject: [], placeholder: &placeholder)
            let made = try Syscall.duplicate(source, onto: target.rawValue, flags: flags)
            placeholder = nil
            if call.target != .itself { copies[end, default: []].append(made) }
            return .closed
        case .status(_, let end):
            guard let socket = sockets[end] else { throw .badFileDescriptor }
            let status = try KernelPipe.status(socket)
            return .status(type: status.type, mode: status.mode, size: status.size)
        default:
            BindingFailure.abandon("not a descriptor call: \(input)")
        }
    }

    /// `call`, which has no `MSG_DONTWAIT` of its own, answering `EAGAIN` only where the socket's description is the
    /// user's nonblocking one — not while a sibling's `accept` or `connect` holds it nonblocking for a moment
    /// (``KernelUnixSocket/blocking(_:waitingFor:retryOnInterrupt:_:)``, as the binding's sends and receives do).
    private static func outsideWindows<T: Hashable & Sendable>(
        _ socket: FileDescriptor, waitingFor events: Int32, _ call: () throws(Errno) -> T
    ) throws(Errno) -> T {
        let result = try KernelUnixSocket.blocking(socket, waitingFor: Int16(events), retryOnInterrupt: false) {
            () throws(Errno) -> TransferResult<T> in
            do throws(Errno) { return .completed(try call()) } catch .wouldBlock { return .wouldBlock }
        }
        switch result {
        case .completed(let value): return value
        case .wouldBlock: throw .wouldBlock
        }
    }
}
