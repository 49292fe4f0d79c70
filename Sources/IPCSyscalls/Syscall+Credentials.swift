import CIPCShims
import Glibc
import SystemPackage

/// One message `recvmsg` gave with its control messages read (see ``Syscall/receiveWithCredentials(_:maximum:controlRoom:flags:)``).
public struct CredentialedMessage: Sendable, Hashable {
    public var data: [UInt8]
    /// `MSG_CTRUNC` in its flags.
    public var controlTruncated: Bool
    /// `SCM_CREDENTIALS`' pid, uid and gid; nil when none came.
    public var credentials: (pid: Int, uid: Int, gid: Int)? {
        credentialIds.map { (pid: $0[0], uid: $0[1], gid: $0[2]) }
    }
    var credentialIds: [Int]?
    /// An `SCM_CREDENTIALS` message cut short by the room (its ids not read).
    public var credentialsCut: Bool
    /// The `SCM_PIDFD` descriptor, owned by the caller.
    public var pidfd: FileDescriptor?
    /// How many `SCM_RIGHTS` descriptors came (closed already).
    public var descriptors: Int
}

extension Syscall {
    /// `SO_PASSCRED`.
    public static var optionPassCredentials: CInt { ipc_so_passcred() }

    /// Receives one message into `maximum` bytes with `controlRoom` bytes of control room (0: none) and reads its
    /// `SCM_CREDENTIALS`, `SCM_PIDFD` and `SCM_RIGHTS` (whose descriptors it closes).
    ///
    /// The corresponding C function is `recvmsg`.
    public static func receiveWithCredentials(
        _ descriptor: FileDescriptor, maximum: Int, controlRoom: Int, flags: CInt = 0
    ) throws(Errno) -> CredentialedMessage {
        var buffer = [UInt8](repeating: 0, count: max(maximum, 1))
        var messageFlags: CInt = 0
        var ids = [CLong](repeating: 0, count: 3)
        var hasCredentials: CInt = 0
        var pidfd: CInt = -1
        var descriptors: CInt = 0
        let count = try perform(.recvmsg, descriptor: descriptor, mayBlock: mayBlock(flags), retryOnInterrupt: false) { _ in
            buffer.withUnsafeMutableBytes { raw in
                ipc_receive_with_credentials(
                    descriptor.rawValue, raw.baseAddress, maximum, controlRoom, flags, &messageFlags, &ids, &hasCredentials,
                    &pidfd, &descriptors)
            }
        }
        return CredentialedMessage(
            data: Array(buffer.prefix(Int(count))), controlTruncated: messageFlags & ipc_msg_ctrunc() != 0,
            credentialIds: hasCredentials == 1 ? ids.map { Int($0) } : nil, credentialsCut: hasCredentials == -1,
            pidfd: pidfd >= 0 ? FileDescriptor(rawValue: pidfd) : nil, descriptors: Int(descriptors))
    }

    /// Sends `data` with an `SCM_CREDENTIALS` message of `pid`, `uid` and `gid`.
    ///
    /// The corresponding C function is `sendmsg`.
    public static func sendWithCredentials(
        _ descriptor: FileDescriptor, _ data: [UInt8], pid: Int32, uid: UInt32, gid: UInt32, flags: CInt = 0
    ) throws(Errno) -> Int {
        try sendWithControl(descriptor, data, credentials: [(pid, uid, gid)], flags: flags)
    }

    /// Sends `data` with an `SCM_CREDENTIALS` message for each of `credentials` (at most 8), in order, and, when
    /// `descriptors` is not empty, an `SCM_RIGHTS` message of them — before the credentials if `rightsFirst`.
    ///
    /// The corresponding C function is `sendmsg`.
    public static func sendWithControl(
        _ descriptor: FileDescriptor, _ data: [UInt8], credentials: [(pid: Int32, uid: UInt32, gid: UInt32)],
        descriptors: [FileDescriptor] = [], rightsFirst: Bool = false, flags: CInt = 0
    ) throws(Errno) -> Int {
        let ids = credentials.flatMap { [UInt32(bitPattern: $0.pid), $0.uid, $0.gid] }
        let raw = descriptors.map(\.rawValue)
        return Int(try perform(.sendmsg, descriptor: descriptor, mayBlock: mayBlock(flags), retryOnInterrupt: false) { _ in
            data.withUnsafeBytes { bytes in
                ipc_send_with_control(
                    descriptor.rawValue, bytes.baseAddress, data.count, ids, CInt(credentials.count), raw, CInt(raw.count),
                    rightsFirst ? 1 : 0, flags)
            }
        })
    }
}
