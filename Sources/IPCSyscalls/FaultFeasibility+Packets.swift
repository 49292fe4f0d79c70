import Glibc
import Synchronization
import SystemPackage

/// Pipes and FIFOs whose writes may be packets (`O_DIRECT` on a write end, from `pipe2` or `F_SETFL`).
///
/// A read of a packet takes at most one packet and discards what its buffer could not hold, so a read cut short by
/// the fault plan would lose the rest of the packet — a loss the kernel causes only when the client's own buffer is
/// that small. Cutting it would make a correct client lose data and be reported for it: a false verdict. Packet mode
/// is the writer's (`F_GETFL` on a read end shows no `O_DIRECT`, measured), so the read end cannot be asked; the
/// harness, which knows from the workload which objects may carry packets, registers them here in every process
/// that holds them, by file identity (device and inode, so `dup`s and reopened descriptions count too), and
/// ``permitsShortTransfer(for:)`` leaves reads of them whole.
extension FaultFeasibility {
    private static let packetCarriers = Mutex<Set<[UInt64]>>([])

    /// Registers the pipe or FIFO `descriptor` refers to as one whose writes may be packets.
    public static func mayCarryPackets(_ descriptor: FileDescriptor) {
        var status = stat()
        guard fstat(descriptor.rawValue, &status) == 0 else { return }
        packetCarriers.withLock { _ = $0.insert([UInt64(status.st_dev), UInt64(status.st_ino)]) }
    }

    /// Registers the FIFO at `path` as one whose writes may be packets.
    public static func mayCarryPackets(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        packetCarriers.withLock { _ = $0.insert([UInt64(status.st_dev), UInt64(status.st_ino)]) }
    }

    /// Whether `descriptor` refers to a registered packet carrier (or cannot be looked at: then, as cutting needs a
    /// reason, it is treated as one).
    static func mayCarryPacketsRead(_ descriptor: FileDescriptor) -> Bool {
        var status = stat()
        guard fstat(descriptor.rawValue, &status) == 0 else { return true }
        let identity = [UInt64(status.st_dev), UInt64(status.st_ino)]
        return packetCarriers.withLock { $0.contains(identity) }
    }
}
