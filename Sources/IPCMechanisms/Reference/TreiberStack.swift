/// A lock-free stack (Treiber 1986) in shared memory, whose top is a tagged word: the top node's index plus one in
/// the low 16 bits (0: empty) and a version tag in the `tagBits` above them, incremented (modulo 2^tagBits) by
/// every successful compare-and-swap of the top.
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

    /// Pushes `value` in free node `node`: the value and the link are written relaxed and published by the
    /// releasing compare-and-swap of the top.
    public func push<Memory: SharedMemory>(_ value: UInt64, node: Int, in memory: Memory) {
        precondition((0..<nodes).contains(node), "node \(node) is not one of the stack's \(nodes)")
        memory.store(valueOffset(node), value, .relaxed)
        var top = memory.load(topOffset, .acquiring)
        while true {
            memory.store(nextOffset(node), top & 0xFFFF, .relaxed)
            let swap = memory.compareExchange(topOffset, expected: top, desired: successor(of: top, top: node), .acquiringAndReleasing)
            if swap.exchanged { return }
            top = swap.original
        }
    }

    /// Pops the top node: its index (now the caller's free node) and value; nil when the stack is empty.
    public func pop<Memory: SharedMemory>(in memory: Memory) -> (node: Int, value: UInt64)? {
        var top = memory.load(topOffset, .acquiring)
        while top & 0xFFFF != 0 {
            let node = Int(top & 0xFFFF) - 1
            let next = memory.load(nextOffset(node), .relaxed)
            let swap = memory.compareExchange(
                topOffset, expected: top, desired: successor(of: top, top: next == 0 ? nil : Int(next) - 1), .acquiringAndReleasing)
            if swap.exchanged { return (node, memory.load(valueOffset(node), .relaxed)) }
            top = swap.original
        }
        return nil
    }
}
