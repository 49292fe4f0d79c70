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
    /// The copy channel of the message-passing path.
    public let channel: Int

    public init(base: Int, limit: UInt64, channel: Int = 0) {
        self.base = base
        self.limit = limit
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

    static func encode(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
    static func decode(_ bytes: [UInt8]) -> UInt64 {
        bytes.prefix(8).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    /// The client submits a request; false when the previous one has not been served yet (`EAGAIN`).
    public struct Submit: SharedOperation {
        let service: SnapshotService
        let path: Path
        let value: UInt64
        private var pc = 0

        public init(service: SnapshotService, path: Path, value: UInt64) {
            self.service = service
            self.path = path
            self.value = value
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<Bool> {
            defer { pc += 1 }
            if path == .copy { return .finished(shared.send(channel: service.channel, SnapshotService.encode(value))) }
            switch pc {
            case 0: return shared.load(service.flagOffset, .acquiring) == 0 ? .running : .finished(false)
            case 1: shared.store(service.valueOffset, value, .relaxed)
            default:
                shared.store(service.flagOffset, 1, .releasing)
                return .finished(true)
            }
            return .running
        }
    }

    /// The client rewrites its request buffer: on the shared path that is the shared area the service reads;
    /// on the copy path it is the client's own memory, which the service never sees.
    public struct Tamper: SharedOperation {
        let service: SnapshotService
        let path: Path
        let value: UInt64
        /// The client's private request buffer (copy path).
        private var ownBuffer: UInt64 = 0

        public init(service: SnapshotService, path: Path, value: UInt64) {
            self.service = service
            self.path = path
            self.value = value
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<Void> {
            if path == .sharedMemory { shared.store(service.valueOffset, value, .relaxed) } else { ownBuffer = value }
            return .finished(())
        }
    }

    /// The service takes the pending request, checks it, and (if accepted) uses it; nil when none is pending.
    public struct Serve: SharedOperation {
        let service: SnapshotService
        let path: Path
        private var pc = 0
        private var checked: UInt64 = 0
        private var used: UInt64?

        public init(service: SnapshotService, path: Path) {
            self.service = service
            self.path = path
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<Decision?> {
            defer { pc += 1 }
            if path == .copy {
                guard let request = shared.receive(channel: service.channel) else { return .finished(nil) }
                let copy = SnapshotService.decode(request)  // private: nobody else can write it
                let accepted = copy <= service.limit
                return .finished(Decision(checked: copy, accepted: accepted, used: accepted ? copy : nil))
            }
            switch pc {
            case 0:
                return shared.load(service.flagOffset, .acquiring) == 1 ? .running : .finished(nil)
            case 1:
                checked = shared.load(service.valueOffset, .relaxed)  // time of check
                if checked > service.limit { pc = 2 }  // rejected: nothing to use
            case 2:
                used = shared.load(service.valueOffset, .relaxed)  // time of use
            default:
                shared.store(service.flagOffset, 0, .releasing)
                return .finished(Decision(checked: checked, accepted: checked <= service.limit, used: used))
            }
            return .running
        }
    }
}
