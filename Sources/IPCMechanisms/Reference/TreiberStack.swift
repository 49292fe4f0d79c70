/// A lock-free stack (Treiber 1986) in shared memory, whose top is a tagged word: the top node's index in the
/// low 16 bits and a version tag in the `tagBits` above them, incremented (modulo 2^tagBits) by every
/// successful compare-and-swap of the top.
///
/// The tag is there against ABA: a pop reads top = A and A's next = B, is preempted, and meanwhile others pop
/// A, pop B and push A back; the top is A again, so an untagged compare-and-swap would succeed and install B,
/// a node that is no longer on the stack. With a tag the compare-and-swap fails, unless exactly a multiple of
/// 2^tagBits successful updates happened in between: small tags wrap (`aba-tag8-broken`), a 48-bit tag (the
/// rest of the 64-bit word) does not in practice.
///
/// Layout from `base`: line 0 holds the top word; then `nodes` nodes of two words (next index + 1, or 0 for
/// none; the value). Nodes are referred to by index (an offset in disguise), never by address. Which process may
/// push which free node is the caller's business (each process keeps its own free nodes).
public struct TreiberStack: Sendable, Hashable {
    public let base: Int
    public let nodes: Int
    public let tagBits: Int

    public init(base: Int, nodes: Int, tagBits: Int) {
        precondition(nodes < 1 << 16 && (0...48).contains(tagBits))
        self.base = base
        self.nodes = nodes
        self.tagBits = tagBits
    }

    public var topOffset: Int { base }
    func nextOffset(_ node: Int) -> Int { base + SharedLayout.cacheLine + node * 2 * SharedLayout.word }
    func valueOffset(_ node: Int) -> Int { nextOffset(node) + SharedLayout.word }
    public var size: Int { SharedLayout.lines(SharedLayout.cacheLine + nodes * 2 * SharedLayout.word) }

    /// The top word after a successful update that installs `node` (nil: empty) over `old`.
    func successor(of old: UInt64, top node: Int?) -> UInt64 {
        let mask: UInt64 = tagBits == 0 ? 0 : (1 << UInt64(tagBits)) - 1
        let tag = ((old >> 16) &+ 1) & mask
        return tag << 16 | UInt64(node.map { $0 + 1 } ?? 0)
    }

    /// Pushes `value` in free node `node`.
    public struct Push: SharedOperation {
        let stack: TreiberStack
        let node: Int
        let value: UInt64
        private var pc = 0
        private var top: UInt64 = 0

        public init(stack: TreiberStack, node: Int, value: UInt64) {
            self.stack = stack
            self.node = node
            self.value = value
        }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<Void> {
            switch pc {
            case 0:
                shared.store(stack.valueOffset(node), value, .relaxed)
            case 1:
                top = shared.load(stack.topOffset, .acquiring)
            case 2:
                shared.store(stack.nextOffset(node), top & 0xFFFF, .relaxed)
            default:
                let desired = stack.successor(of: top, top: node)
                if shared.compareExchange(stack.topOffset, expected: top, desired: desired, .acquiringAndReleasing).exchanged {
                    return .finished(())
                }
                pc = 1
                return .running
            }
            pc += 1
            return .running
        }
    }

    /// Pops the top node: its index (now the caller's free node) and value; nil when the stack is empty.
    ///
    /// `pause` makes the preemption window explicit: after reading the top and its next, the pop takes that many
    /// steps that touch nothing (the process is descheduled) before its compare-and-swap. In the simulation
    /// each is a scheduling point where others run; in a worker process it costs nothing.
    public struct Pop: SharedOperation {
        let stack: TreiberStack
        let pause: Int
        private var pc = 0
        private var paused = 0
        private var top: UInt64 = 0
        private var next: UInt64 = 0

        public init(stack: TreiberStack, pause: Int = 0) {
            self.stack = stack
            self.pause = pause
        }

        var topNode: Int { Int(top & 0xFFFF) - 1 }

        public mutating func step(_ shared: any SharedAccess) -> OperationProgress<(node: Int, value: UInt64)?> {
            switch pc {
            case 0:
                top = shared.load(stack.topOffset, .acquiring)
                if top & 0xFFFF == 0 { return .finished(nil) }
            case 1:
                next = shared.load(stack.nextOffset(topNode), .relaxed)
                paused = 0
            case 2:
                if paused < pause {
                    paused += 1
                    return .running
                }
                let desired = stack.successor(of: top, top: next == 0 ? nil : Int(next) - 1)
                if !shared.compareExchange(stack.topOffset, expected: top, desired: desired, .acquiringAndReleasing).exchanged {
                    pc = 0
                    return .running
                }
            default:
                return .finished((topNode, shared.load(stack.valueOffset(topNode), .relaxed)))
            }
            pc += 1
            return .running
        }
    }
}
