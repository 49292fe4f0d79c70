import CIPCShims
import SystemPackage

extension Syscall {
    /// Registers this process for private expedited memory barriers (needed once before ``membarrier()``).
    ///
    /// The corresponding C function is `membarrier` with `MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED`.
    public static func registerForMembarrier() throws(Errno) {
        _ = try perform(.membarrier, retryOnInterrupt: true) { _ in ipc_membarrier_register_private_expedited() }
    }

    /// Makes every running thread of this process execute a full memory barrier before returning: the other
    /// half of a read side that uses only compiler barriers (sys_membarrier RCU, as liburcu's memb flavour).
    ///
    /// The corresponding C function is `membarrier` with `MEMBARRIER_CMD_PRIVATE_EXPEDITED`.
    public static func membarrier() throws(Errno) {
        _ = try perform(.membarrier, retryOnInterrupt: true) { _ in ipc_membarrier_private_expedited() }
    }
}
