import CURCU

/// A published version as readers see it: a heap block whose words all derive from its version number, so a
/// reader can tell a whole version from a torn one, and from reclaimed memory, which is poisoned on reclamation
/// (liburcu's own test technique: poison on free, readers check).
///
/// Layout: a `curcu_head` at offset 0 (so liburcu's call_rcu can carry it), an owner pointer at 16 (whoever
/// reclaims it through a callback), then four 64-bit words from offset 32: the version, then three check words.
public enum VersionBlock {
    /// What every word of a reclaimed block holds.
    public static let poison: UInt64 = 0x5A5A_5A5A_5A5A_5A5A
    static let size = 64
    static let wordsOffset = 32
    static let wordCount = 4

    /// What a reader found in a block.
    public enum Seen: Hashable, Sendable {
        case whole(version: Int)
        case poisoned
        case torn
    }

    /// A new block holding `version`, with `owner` recorded for callbacks.
    public static func allocate(version: Int, owner: UnsafeMutableRawPointer? = nil) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        block.storeBytes(of: owner, toByteOffset: 16, as: UnsafeMutableRawPointer?.self)
        for index in 0..<wordCount {
            block.storeBytes(of: word(index, of: version), toByteOffset: wordsOffset + 8 * index, as: UInt64.self)
        }
        return block
    }

    @inlinable
    static func word(_ index: Int, of version: Int) -> UInt64 {
        index == 0 ? UInt64(version) : (UInt64(version) &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(index)
    }

    /// Reads the block's words and says what they are.
    @inlinable
    public static func inspect(_ block: UnsafeRawPointer) -> Seen {
        let first = block.load(fromByteOffset: 32, as: UInt64.self)
        let second = block.load(fromByteOffset: 40, as: UInt64.self)
        let third = block.load(fromByteOffset: 48, as: UInt64.self)
        let fourth = block.load(fromByteOffset: 56, as: UInt64.self)
        if first == poison || second == poison || third == poison || fourth == poison { return .poisoned }
        let version = Int(truncatingIfNeeded: first)
        let check = first &* 0x9E37_79B9_7F4A_7C15
        guard second == check ^ 1, third == check ^ 2, fourth == check ^ 3 else { return .torn }
        return .whole(version: version)
    }

    /// The version a block was made for (read by the updater, which owns it).
    public static func version(of block: UnsafeRawPointer) -> Int {
        Int(truncatingIfNeeded: block.load(fromByteOffset: wordsOffset, as: UInt64.self))
    }

    /// The owner recorded at allocation.
    public static func owner(of block: UnsafeRawPointer) -> UnsafeMutableRawPointer? {
        block.load(fromByteOffset: 16, as: UnsafeMutableRawPointer?.self)
    }

    /// Overwrites every word with ``poison``: what a reclaimer does before freeing.
    public static func poisonWords(_ block: UnsafeMutableRawPointer) {
        for index in 0..<wordCount {
            block.storeBytes(of: poison, toByteOffset: wordsOffset + 8 * index, as: UInt64.self)
        }
    }

    /// The block's callback record.
    public static func head(of block: UnsafeMutableRawPointer) -> UnsafeMutablePointer<curcu_head> {
        block.assumingMemoryBound(to: curcu_head.self)
    }

    public static func deallocate(_ block: UnsafeMutableRawPointer) {
        block.deallocate()
    }
}
