/// What a queued Unix-socket buffer costs its sender, in this kernel's accounting.
///
/// A sender may queue buffers while the memory charged to it (each unconsumed buffer's *true size*: its data
/// rounded up to allocation sizes plus bookkeeping, what `ioctl(SIOCOUTQ)` reports) is below its send buffer
/// (`SO_SNDBUF`, 212992 by default). So capacity is counted in true sizes, not bytes: 278 one-byte datagrams fill
/// a socket, 13 of 10000 bytes. The formulas are those of `sock_alloc_send_pskb` and `alloc_skb_with_frags`,
/// with the constants measured here (`UnixSocketFactsTests` checks them against `SIOCOUTQ` for random sizes).
public enum UnixSocketMemory {
    /// The bookkeeping of every buffer (`struct sk_buff`, cache-aligned).
    public static let bufferOverhead = 256
    /// The tail of every linear buffer (`struct skb_shared_info`, cache-aligned).
    public static let sharedInfo = 320
    /// The smallest linear allocation.
    public static let smallestHead = 512
    public static let pageSize = 4096
    /// The largest linear part of a stream buffer before data goes into pages (`SKB_MAX_HEAD(0)`).
    public static let streamLinearLimit = pageSize - sharedInfo
    /// The largest stream buffer: one page of linear data plus 32 KiB of pages. A longer send is cut into buffers
    /// of this size (or of `SO_SNDBUF / 2 − 64`, if smaller).
    public static let streamBufferLimit = streamLinearLimit + 32768
    /// The largest linear part of a datagram (`SKB_MAX_ALLOC`); the rest goes into at most 17 pages.
    public static let datagramLinearLimit = 4 * pageSize - sharedInfo
    public static let datagramPageLimit = 17 * pageSize

    /// The kernel memory a linear part of `length` bytes takes: at least 512, else the power of two that holds
    /// the length (rounded to 64) and the shared info.
    static func head(_ length: Int) -> Int {
        let needed = (length + 63) / 64 * 64 + sharedInfo
        var size = smallestHead
        while size < needed { size *= 2 }
        return size
    }

    static func pageAligned(_ length: Int) -> Int { (length + pageSize - 1) / pageSize * pageSize }

    /// The true size of one stream buffer carrying `length` bytes.
    public static func streamCost(_ length: Int) -> Int {
        guard length > streamLinearLimit else { return bufferOverhead + head(length) }
        let paged = min(length, pageAligned(length - streamLinearLimit))
        return bufferOverhead + head(length - paged) + pageAligned(paged)
    }

    /// The true size of one datagram or record of `length` bytes.
    public static func datagramCost(_ length: Int) -> Int {
        guard length > datagramLinearLimit else { return bufferOverhead + head(length) }
        let paged = pageAligned(min(length - datagramLinearLimit, datagramPageLimit))
        return bufferOverhead + head(length - paged) + paged
    }

    /// How long the next stream buffer of a send with `remaining` bytes is.
    public static func streamChunk(_ remaining: Int, sendBuffer: Int) -> Int {
        min(remaining, min(sendBuffer / 2 - 64, streamBufferLimit))
    }

    /// The longest datagram or record a socket with this send buffer takes (longer: `EMSGSIZE`).
    public static func largestMessage(sendBuffer: Int) -> Int { sendBuffer - 32 }

    /// How many descriptors a control buffer made for `requested` holds: `CMSG_SPACE` rounds the room up to 8
    /// bytes, so asking for room for 1 descriptor makes room for 2.
    public static func descriptorRoom(requested: Int) -> Int {
        requested <= 0 ? 0 : (requested * 4 + 7) / 8 * 8 / 4
    }
}
