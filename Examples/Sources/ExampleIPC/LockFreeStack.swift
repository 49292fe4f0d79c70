import IPCMechanisms

/// A user's lock-free stack (Treiber) of 64-bit values in shared memory, written once as ordinary Swift over the
/// harness's ``SharedMemory`` protocol: the same code runs over a `MAP_SHARED` mapping between real processes
/// (``MappedSharedMemory``) and in the harness's simulation. It imports only `IPCMechanisms`, as production code
/// would.
///
/// The top word holds the top node's index plus one (0: empty) in its low 16 bits and, when `tagged`, a counter in
/// the 48 bits above, bumped by every successful update. Without the counter the stack has the classic ABA bug: a
/// pop reads top = A and A's next = B, is preempted while others pop A, pop B and push A back, then its
/// compare-and-swap still finds A on top and installs B — a node no longer on the stack.
///
/// Layout: the top word on the first cache line; then the nodes, two words each (next index + 1, value). Each
/// process pushes only nodes it owns (`free`): nodes are handed over by popping them.
public struct LockFreeStack<Memory: SharedMemory> {
    public let memory: Memory
    public let tagged: Bool
    /// This process's free nodes.
    public var free: [Int]

    public static var topOffset: Int { 0 }
    static func nextOffset(_ node: Int) -> Int { 64 + node * 16 }
    static func valueOffset(_ node: Int) -> Int { 64 + node * 16 + 8 }
    /// Bytes a stack of `nodes` nodes needs.
    public static func size(nodes: Int) -> Int { 64 + nodes * 16 }

    public init(memory: Memory, tagged: Bool, free: [Int]) {
        self.memory = memory
        self.tagged = tagged
        self.free = free
    }

    /// The new top word over `old` with `node` (nil: empty) on top.
    func top(_ node: Int?, over old: UInt64) -> UInt64 {
        let counter: UInt64 = tagged ? ((old >> 16) &+ 1) & 0xFFFF_FFFF_FFFF : 0
        return counter << 16 | UInt64(node.map { $0 + 1 } ?? 0)
    }

    /// Pushes `value`; false when this process has no free node left.
    public mutating func push(_ value: UInt64) -> Bool {
        guard let node = free.popLast() else { return false }
        memory.store(Self.valueOffset(node), value, .relaxed)
        var old = memory.load(Self.topOffset, .acquiring)
        while true {
            memory.store(Self.nextOffset(node), old & 0xFFFF, .relaxed)
            let swap = memory.compareExchange(Self.topOffset, expected: old, desired: top(node, over: old), .acquiringAndReleasing)
            if swap.exchanged { return true }
            old = swap.original
        }
    }

    /// Pops the top value; nil when the stack is empty. The node becomes this process's.
    public mutating func pop() -> UInt64? {
        var old = memory.load(Self.topOffset, .acquiring)
        while old & 0xFFFF != 0 {
            let node = Int(old & 0xFFFF) - 1
            let next = memory.load(Self.nextOffset(node), .relaxed)
            let swap = memory.compareExchange(
                Self.topOffset, expected: old, desired: top(next == 0 ? nil : Int(next) - 1, over: old), .acquiringAndReleasing)
            if swap.exchanged {
                free.append(node)
                return memory.load(Self.valueOffset(node), .relaxed)
            }
            old = swap.original
        }
        return nil
    }
}
