/// A service that validates a request and then acts on it (time of check, time of use), reached two ways.
///
/// - Through shared memory: the client writes its request into a shared area and raises a flag; the service
///   checks the value in place and then uses it in place — it reads the shared word twice. The client can
///   rewrite the request between the two reads (TOCTOU): the service approves one value and acts on another.
/// - Through a copy channel: the client sends its request; the kernel copies it at send, so the service checks
///   and uses its private copy, and the client's later writes to its own buffer change nothing.
///
/// A request is a number; the service accepts it when it is at most `limit` (say, an amount or a length).
public struct SnapshotService: Sendable, Hashable {
    public let base: Int
    public let limit: UInt64
    public let path: Path
    /// The copy channel of the message-passing path.
    public let channel: Int

    public init(base: Int, limit: UInt64, path: Path, channel: Int = 0) {
        self.base = base
        self.limit = limit
        self.path = path
        self.channel = channel
    }

    var flagOffset: Int { base }
    var valueOffset: Int { base + SharedLayout.word }
    public var size: Int { SharedLayout.cacheLine }

    /// What the service did with one request: the value it checked, whether it accepted it, and the value it
    /// then used (nil when it rejected the request and used nothing).
    public struct Decision: Sendable, Hashable {
        public var checked: UInt64
        public var accepted: Bool
        public var used: UInt64?
    }

    /// How the request reaches the service.
    public enum Path: String, Sendable, Hashable {
        case sharedMemory = "shm"
        case copy
    }

    public static func encode(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
    public static func decode(_ bytes: [UInt8]) -> UInt64 {
        bytes.prefix(8).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    /// The client's side: its request buffer, which on the copy path is its own memory.
    public struct Client: Sendable, Hashable {
        public let service: SnapshotService
        /// The request buffer in the client's own memory (copy path).
        public private(set) var ownBuffer: UInt64 = 0

        public init(service: SnapshotService) { self.service = service }

        /// Submits a request; false when the previous one has not been served yet (`EAGAIN`).
        public mutating func submit<Memory: SharedMemory>(_ value: UInt64, in memory: Memory) -> Bool {
            if service.path == .copy {
                ownBuffer = value
                return memory.send(channel: service.channel, SnapshotService.encode(ownBuffer))
            }
            guard memory.load(service.flagOffset, .acquiring) == 0 else { return false }
            memory.store(service.valueOffset, value, .relaxed)
            memory.store(service.flagOffset, 1, .releasing)
            return true
        }

        /// Rewrites the request buffer: on the shared path that is the shared area the service reads; on the copy
        /// path it is the client's own memory, which the service never sees.
        public mutating func tamper<Memory: SharedMemory>(_ value: UInt64, in memory: Memory) {
            if service.path == .sharedMemory { memory.store(service.valueOffset, value, .relaxed) } else { ownBuffer = value }
        }
    }

    /// The service takes the pending request, checks it, and (if accepted) uses it; nil when none is pending.
    public func serve<Memory: SharedMemory>(in memory: Memory) -> Decision? {
        if path == .copy {
            guard let request = memory.receive(channel: channel) else { return nil }
            let copy = Self.decode(request)  // private: nobody else can write it
            let accepted = copy <= limit
            return Decision(checked: copy, accepted: accepted, used: accepted ? copy : nil)
        }
        guard memory.load(flagOffset, .acquiring) == 1 else { return nil }
        let checked = memory.load(valueOffset, .relaxed)  // time of check
        let used = checked <= limit ? memory.load(valueOffset, .relaxed) : nil  // time of use
        memory.store(flagOffset, 0, .releasing)
        return Decision(checked: checked, accepted: checked <= limit, used: used)
    }
}
