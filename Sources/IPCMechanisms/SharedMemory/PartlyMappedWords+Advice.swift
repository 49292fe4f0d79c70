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
        try eachMappedRun(first: first, count: count, length: length) { (address, size) throws(Errno) in try Syscall.advise(address, size: size, advice: advice) }
    }

    /// `call` on each run of the pages still mapped of `count` from `first` (the last one `length`'s bytes, when
    /// given), then `ENOMEM` if a page in the range is not mapped: `msync`'s and `madvise`'s way past holes.
    func eachMappedRun(first: Int, count: Int, length: Int?, _ call: (UnsafeMutableRawPointer, Int) throws(Errno) -> Void) throws(Errno) {
        let pages = first..<first + count
        for run in runs(pages) {
            try call(address(ofPage: run.lowerBound, unaligned: false), size(of: run, first: first, count: count, length: length))
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
