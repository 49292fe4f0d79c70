/// The seed's hybrid channel: messages of at most `threshold` bytes (T) go through a copy channel whole; larger
/// ones are written into a shared-memory buffer and only a notification — the buffer's *offset* in the region,
/// never a pointer — goes through the copy channel. Below T the queue's fixed cost wins, above it the copy cost
/// of the queue does (T = (a_s + b_q·d)/(b_q − b_s) in the seed's latency model).
///
/// Layout from `base`: one cache line per buffer holding its state (0 free, 1 in use: set by the sender, cleared
/// by the receiver once it has copied the message out), then the buffers: a length word and the payload.
/// Copy-channel messages start with a kind byte: 0 inline data, 1 a notification with the 8-byte offset.
///
/// `reuseBuffer` is the broken twin: it keeps a single staging buffer and reuses it without waiting for the
/// receiver to free it, so a second large message can overwrite the first before it is read.
public struct HybridChannel: Sendable, Hashable {
    public let base: Int
    public let buffers: Int
    public let bufferBytes: Int
    public let threshold: Int
    public let channel: Int

    public init(base: Int, buffers: Int, bufferBytes: Int, threshold: Int, channel: Int = 0) {
        precondition(threshold + 1 <= PipeCopyChannel.maximumMessage)
        self.base = base
        self.buffers = buffers
        self.bufferBytes = bufferBytes
        self.threshold = threshold
        self.channel = channel
    }

    func stateOffset(_ buffer: Int) -> Int { base + buffer * SharedLayout.cacheLine }
    var bufferStride: Int { SharedLayout.word * (1 + SharedLayout.words(forBytes: bufferBytes)) }
    func bufferOffset(_ buffer: Int) -> Int { base + buffers * SharedLayout.cacheLine + buffer * bufferStride }
    func buffer(at offset: Int) -> Int? {
        let index = (offset - bufferOffset(0)) / bufferStride
        return (0..<buffers).contains(index) && bufferOffset(index) == offset ? index : nil
    }
    public var size: Int { SharedLayout.lines(buffers * SharedLayout.cacheLine + buffers * bufferStride) }

    /// Sends a message; false when the copy channel is full or every buffer is in use (`EAGAIN`).
    public func send<Memory: SharedMemory>(_ message: [UInt8], in memory: Memory, reuseBuffer: Bool = false) -> Bool {
        precondition(message.count <= bufferBytes)
        if message.count <= threshold { return memory.send(channel: channel, [0] + message) }
        // Find a free buffer (the broken twin does not look: it always takes buffer 0).
        guard let buffer = reuseBuffer ? 0 : (0..<buffers).first(where: { memory.load(stateOffset($0), .acquiring) == 0 }) else {
            return false
        }
        memory.store(stateOffset(buffer), 1, .relaxed)  // only the sender sets it: no race
        memory.storeMessage(message, at: bufferOffset(buffer), .relaxed)
        if memory.send(channel: channel, [1] + SnapshotService.encode(UInt64(bufferOffset(buffer)))) { return true }
        memory.store(stateOffset(buffer), 0, .releasing)  // give the buffer back
        return false
    }

    /// Receives the next message, inline or from its buffer; nil when there is none (`EAGAIN`).
    public func receive<Memory: SharedMemory>(in memory: Memory) -> [UInt8]? {
        guard let received = memory.receive(channel: channel), let kind = received.first else { return nil }
        if kind == 0 { return Array(received.dropFirst()) }
        let offset = Int(SnapshotService.decode(Array(received.dropFirst())))
        guard let buffer = buffer(at: offset) else { return nil }
        let message = memory.loadMessage(at: offset, limit: bufferBytes, .relaxed)
        memory.store(stateOffset(buffer), 0, .releasing)
        return message
    }
}
