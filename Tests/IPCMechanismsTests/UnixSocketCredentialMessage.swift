import Glibc

/// One `sendmsg` of a byte with an `SCM_CREDENTIALS` message, maybe to a path, built once in C memory so that a
/// forked child can send it with C calls alone (a child of a threaded process must not enter the Swift runtime):
/// ``send(_:pid:uid:gid:)`` only writes the ids and calls `sendmsg`. Swift's Glibc has no `sendmsg` helpers for
/// credentials with an address (`Syscall.sendWithControl` names none).
final class UnixSocketCredentialMessage {
    private let message = UnsafeMutablePointer<msghdr>.allocate(capacity: 1)
    private let vector = UnsafeMutablePointer<iovec>.allocate(capacity: 1)
    private let byte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    private let address = UnsafeMutablePointer<sockaddr_un>.allocate(capacity: 1)
    /// `CMSG_SPACE(sizeof(struct ucred))`: a 16-byte header and 12 bytes of ids, rounded to 32.
    private let control = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 8)

    /// A message to `path` (nil: the connected peer).
    init(to path: String? = nil) {
        byte.pointee = UInt8(ascii: "c")
        vector.pointee = iovec(iov_base: UnsafeMutableRawPointer(byte), iov_len: 1)
        control.initializeMemory(as: UInt8.self, repeating: 0, count: 32)
        let header = control.assumingMemoryBound(to: cmsghdr.self)
        header.pointee.cmsg_len = 28
        header.pointee.cmsg_level = SOL_SOCKET
        header.pointee.cmsg_type = 2  // SCM_CREDENTIALS
        message.pointee = msghdr()
        message.pointee.msg_iov = vector
        message.pointee.msg_iovlen = 1
        message.pointee.msg_control = control
        message.pointee.msg_controllen = 32
        if let path {
            address.pointee = sockaddr_un()
            address.pointee.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.pointee.sun_path) { raw in
                for (index, character) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = character }
            }
            message.pointee.msg_name = UnsafeMutableRawPointer(address)
            message.pointee.msg_namelen = socklen_t(MemoryLayout<sockaddr_un>.size)
        }
    }

    deinit {
        for pointer in [UnsafeMutableRawPointer(message), UnsafeMutableRawPointer(vector), UnsafeMutableRawPointer(byte),
                        UnsafeMutableRawPointer(address), control] {
            pointer.deallocate()
        }
    }

    /// Sends the byte, non-blocking, with credentials `pid`, `uid`, `gid` on descriptor `fd`: 0, or the errno.
    func send(_ fd: CInt, pid: Int32, uid: UInt32, gid: UInt32) -> CInt {
        let ids = (control + 16).assumingMemoryBound(to: UInt32.self)
        ids[0] = UInt32(bitPattern: pid)
        ids[1] = uid
        ids[2] = gid
        return sendmsg(fd, message, CInt(MSG_DONTWAIT)) < 0 ? errno : 0
    }
}
