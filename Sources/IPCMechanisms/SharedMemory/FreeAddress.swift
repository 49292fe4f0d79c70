import Glibc
import IPCSyscalls
import SystemPackage

/// A page-aligned place in this process's address space where nothing is mapped, for a call that is given an
/// address (`shmat`'s, `mmap`'s with `MAP_FIXED` or `MAP_FIXED_NOREPLACE`): `bytes` reserved and given back at
/// once. It stays free only while this thread maps nothing else — which holds for a worker between taking it and
/// the call, since a worker makes one call at a time.
public enum FreeAddress {
    public static func reserve(_ bytes: Int) throws(Errno) -> UnsafeMutableRawPointer {
        let length = max(bytes, 1)
        guard let reserved = mmap(nil, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), reserved != MAP_FAILED else {
            throw .noMemory
        }
        munmap(reserved, length)
        return reserved
    }
}
