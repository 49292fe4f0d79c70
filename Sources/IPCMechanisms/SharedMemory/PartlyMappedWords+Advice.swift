import Glibc
import IPCSyscalls
import SystemPackage

/// `madvise` and `mincore` of pages of a mapping with holes, as `msync` goes (``PartlyMappedWords/sync(first:count:unaligned:length:flags:)``):
/// the kernel is given only the runs of pages still mapped (something else may be mapped in a hole since), and a hole
/// in the range fails `ENOMEM` afterwards, as the kernel fails it after doing the rest (measured,
/// `SharedMemoryAdviceFactsTests`, `SharedMemoryResidencyFactsTests`). A call the kernel refuses before it looks at
/// the pages (an unaligned address, an advice it does not know) or one of no pages goes to it as it is.
extension PartlyMappedWords {
    public func advise(first: Int, count: Int, unaligned: Bool = false, length: Int? = nil, advice: CInt, known: Bool) throws(Errno) {
        if unaligned || count == 0 || !known {
            try Syscall.advise(address(ofPage: first, unaligned: unaligned), size: length ?? count * Self.pageSize, advice: advice)
            return
        }
        let pages = first..<first + count
        for run in runs(pages) {
            try Syscall.advise(address(ofPage: run.lowerBound, unaligned: false), size: size(of: run, first: first, count: count, length: length), advice: advice)
        }
        if pages.contains(where: { $0 >= pageCount || holes.contains($0) }) { throw .noMemory }
    }

    /// `mincore`: one answer a page, in order.
    public func residency(first: Int, count: Int, unaligned: Bool = false, length: Int? = nil) throws(Errno) -> [Bool] {
        if unaligned || count == 0 { return try Syscall.residency(address(ofPage: first, unaligned: unaligned), size: length ?? count * Self.pageSize) }
        let pages = first..<first + count
        if pages.contains(where: { $0 >= pageCount || holes.contains($0) }) { throw .noMemory }
        return try Syscall.residency(address(ofPage: first, unaligned: false), size: length ?? count * Self.pageSize)
    }
}
