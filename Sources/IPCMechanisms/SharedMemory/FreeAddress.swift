import Glibc
import IPCSyscalls
import SystemPackage

/// A page-aligned place in this process's address space where nothing is mapped, for a call that is given an
/// address (`shmat`'s, `mmap`'s with `MAP_FIXED` or `MAP_FIXED_NOREPLACE`): `bytes` reserved and given back at
/// once. Another thread of the process may map something there before the call (a test process runs many at once;
/// a worker's runtime has threads too), so a call that needs the place free goes through ``attempt(_:_:raced:)``.
public enum FreeAddress {
    public static func reserve(_ bytes: Int) throws(Errno) -> UnsafeMutableRawPointer {
        let reserved = try reservation(bytes)
        munmap(reserved, max(bytes, 1))
        return reserved
    }

    /// `bytes` of `PROT_NONE` memory of this process's own: a place a `MAP_FIXED` call may replace without touching
    /// anything else (the caller unmaps what is left of it).
    public static func reservation(_ bytes: Int) throws(Errno) -> UnsafeMutableRawPointer {
        guard let reserved = mmap(nil, max(bytes, 1), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), reserved != MAP_FAILED else {
            throw .noMemory
        }
        return reserved
    }

    /// Whether any page of `bytes` from `address` is mapped (`msync` with no flags fails `ENOMEM` only where a page
    /// is not).
    public static func isTaken(_ address: UnsafeMutableRawPointer, _ bytes: Int) -> Bool {
        stride(from: 0, to: max(bytes, 1), by: 4096).contains { msync(address + $0, 4096, 0) == 0 }
    }

    /// `body` at a free place of `bytes`: when it fails as `raced` says and the place has been taken meanwhile,
    /// the place was not free when the call was made — another thread's doing, not the call's answer for a free
    /// place — so it is tried again at a fresh one (a few times).
    public static func attempt<T>(
        _ bytes: Int, _ body: (UnsafeMutableRawPointer) throws(Errno) -> T, raced: (Errno) -> Bool
    ) throws(Errno) -> T {
        var tries = 0
        while true {
            let place = try reserve(bytes)
            do throws(Errno) {
                return try body(place)
            } catch {
                tries += 1
                guard tries < 16, raced(error), isTaken(place, bytes) else { throw error }
            }
        }
    }
}
