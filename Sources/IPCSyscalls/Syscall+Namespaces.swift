import CIPCShims
import Glibc
import SystemPackage

extension Syscall {
    /// Moves the calling thread into a new network namespace (needs CAP_SYS_ADMIN). Unix sockets it creates from
    /// then on, and processes it spawns, live there: an abstract socket name is visible only inside it.
    ///
    /// The corresponding C function is `unshare` with `CLONE_NEWNET`.
    public static func unshareNetwork() throws(Errno) {
        _ = try perform(.unshare, retryOnInterrupt: false) { _ in ipc_unshare_network() }
    }

    /// Moves the calling thread into the network namespace `descriptor` refers to (`/proc/…/ns/net`).
    ///
    /// The corresponding C function is `setns` with `CLONE_NEWNET`.
    public static func enterNetwork(_ descriptor: FileDescriptor) throws(Errno) {
        _ = try perform(.setns, retryOnInterrupt: false) { _ in ipc_enter_network(descriptor.rawValue) }
    }
}
