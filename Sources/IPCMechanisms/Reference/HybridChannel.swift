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
    func buffer(at offset: Int) -> Int { (offset - bufferOffset(0)) / bufferStride }
    public var size: Int { SharedLayout.lines(buffers * SharedLayout.cacheLine + buffers * bufferStride) }

    public struct Send: SharedOperation {
        let hybrid: HybridChannel
        let message: [UInt8]
        let reuseBuffer: Bool
        private var pc = 0
        private var buffer = 0
        private var writer: WordWriter?

        public init(hybrid: HybridChannel, message: [UInt8], reuseBuffer: Bool = false) {
            precondition(message.count <= hybrid.bufferBytes)
            self.hybrid = hybrid
            self.message = message
            self.reuseBuffer = reuseBuffer
        }

        /// False when the copy channel is full or every buffer is in use (`EAGAIN`).
        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<Bool> {
            if message.count <= hybrid.threshold {
                return .finished(shared.send(channel: hybrid.channel, [0] + message))
            }
            switch pc {
            case 0:
                // Find a free buffer (the broken twin does not look: it always takes buffer 0).
                if reuseBuffer || shared.load(hybrid.stateOffset(buffer), .acquiring) == 0 {
                    pc = 1
                    if reuseBuffer { return step(shared) }
                } else {
                    buffer += 1
                    if buffer == hybrid.buffers { return .finished(false) }
                }
                return .running
            case 1:
                shared.store(hybrid.stateOffset(buffer), 1, .relaxed)  // only the sender sets it: no race
                writer = WordWriter(offset: hybrid.bufferOffset(buffer), message: message)
                pc = 2
                return .running
            case 2:
                if !writer!.isDone {
                    writer!.step(shared)
                    return .running
                }
                let notification = [UInt8(1)] + SnapshotService.encode(UInt64(hybrid.bufferOffset(buffer)))
                if shared.send(channel: hybrid.channel, notification) { return .finished(true) }
                pc = 3
                return .running
            default:
                shared.store(hybrid.stateOffset(buffer), 0, .releasing)  // give the buffer back
                return .finished(false)
            }
        }
    }

    /// Receives the next message, inline or from its buffer; nil when there is none (`EAGAIN`).
    public struct Receive: SharedOperation {
        let hybrid: HybridChannel
        private var reader: WordReader?
        private var offset = 0
        private var message: [UInt8]?

        public init(hybrid: HybridChannel) { self.hybrid = hybrid }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<[UInt8]?> {
            guard reader != nil else {
                guard let received = shared.receive(channel: hybrid.channel), let kind = received.first else { return .finished(nil) }
                if kind == 0 { return .finished(Array(received.dropFirst())) }
                offset = Int(SnapshotService.decode(Array(received.dropFirst())))
                reader = WordReader(offset: offset, limit: hybrid.bufferBytes)
                return .running
            }
            if let message {
                shared.store(hybrid.stateOffset(hybrid.buffer(at: offset)), 0, .releasing)
                return .finished(message)
            }
            message = reader!.step(shared)
            return .running
        }
    }
}
