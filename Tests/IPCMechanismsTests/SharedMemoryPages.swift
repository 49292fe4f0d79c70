import CIPCShims
import Glibc
import SystemPackage

/// Plain C calls on pages of shared memory for the `mremap`, `madvise` and `mincore` facts: none of them enters the
/// Swift runtime beyond its arguments, so a forked child (``SharedMemoryFactsTests/factsInChild(_:)``) may call them.
enum SharedMemoryPages {
    static let page = 4096
    static let mayMove: CInt = 1, fixed: CInt = 2, dontUnmap: CInt = 4

    /// `mremap`: the new address, or nil with `errno` set.
    static func remap(_ address: UnsafeMutableRawPointer, _ oldPages: Int, _ newPages: Int, _ flags: CInt, to place: UnsafeMutableRawPointer? = nil)
        -> UnsafeMutableRawPointer?
    {
        let moved = ipc_mremap(address, oldPages * page, newPages * page, flags, place)
        return moved == UnsafeMutableRawPointer(bitPattern: -1) ? nil : moved
    }

    /// Whether `mremap` fails with `code`.
    static func remapFails(_ address: UnsafeMutableRawPointer, _ oldPages: Int, _ newPages: Int, _ flags: CInt, _ code: CInt) -> Bool {
        remap(address, oldPages, newPages, flags) == nil && errno == code
    }

    /// `madvise` of `pages` pages: 0, or the error.
    static func advise(_ address: UnsafeMutableRawPointer, _ pages: Int, _ advice: Int) -> CInt {
        madvise(address, pages * page, CInt(truncatingIfNeeded: advice)) == 0 ? 0 : errno
    }

    /// The signal a load (or store of 1) of the word at `address` raises, 0 for none; a load's value in `value`.
    static func fault(_ address: UnsafeMutableRawPointer, store: Bool = false, value: UnsafeMutablePointer<UInt64>? = nil) -> CInt {
        var result: UInt64 = 0
        let signal = ipc_guarded_word(
            CInt((store ? IPC_WORD_STORE : IPC_WORD_LOAD).rawValue), address.assumingMemoryBound(to: UInt64.self), 1, &result)
        value?.pointee = result
        return signal
    }

    /// `mincore` of `pages` pages as a bit mask (page 0 the lowest bit), or -1 with `errno` set.
    static func resident(_ address: UnsafeMutableRawPointer, _ pages: Int) -> Int {
        var vector: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
        let result = withUnsafeMutableBytes(of: &vector) { mincore(address, pages * page, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        guard result == 0 else { return -1 }
        return withUnsafeBytes(of: &vector) { bytes in (0..<min(pages, 8)).reduce(0) { $0 | (Int(bytes[$1] & 1) << $1) } }
    }

    /// A bit mask written as `mincore`'s trace form, page 0 first.
    static func text(_ mask: Int, pages: Int) -> String { String((0..<pages).map { mask & (1 << $0) != 0 ? "1" : "0" }) }
}
