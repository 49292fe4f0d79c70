import CIPCMechanismBench
import Glibc
import IPCSyscalls
import SystemPackage

/// The other process of `bench mechanisms`: the worker executable started with ``argument`` and a mode, its
/// descriptors from 3 on. A real second process (posix_spawn of the worker, as real-mode runs start theirs), so
/// the kernel's cross-process paths — wake-ups of another task, copies into another address space, cache lines
/// moving between cores — are what is measured.
public enum BenchPeer {
    /// The worker's first argument (after the CLI's own self-serve argument, if any) that selects a peer mode.
    public static let argument = "--bench-peer"

    enum Mode: String {
        /// The receiving side of one mechanism's pair: control block at 3, the receiver's ends at 4 and 5, the
        /// shared region at 6 (each only when open).
        case pair
        /// The consumer of the false-sharing ring: region at 3; arguments: the gap and the message count.
        case falseSharing = "false-sharing"
        /// The other writer of the two-counter experiment: region at 3; arguments: offset, increments, CPU.
        case counter
        /// One consumer of the head-of-line experiment: region at 3; arguments: design, consumer, layout.
        case headOfLine = "head-of-line"
    }

    /// Runs the peer mode `CommandLine.arguments` names, if they name one (never returns then).
    public static func runIfAsked() {
        let arguments = CommandLine.arguments
        guard let index = arguments.firstIndex(of: argument), index + 1 < arguments.count,
            let mode = Mode(rawValue: arguments[index + 1])
        else { return }
        Syscall.ignoreBrokenPipeSignal()
        let rest = Array(arguments[(index + 2)...])
        switch mode {
        case .pair: exit(receivePair())
        case .falseSharing: exit(consumeFalseSharing(rest))
        case .counter: exit(count(rest))
        case .headOfLine: exit(HeadOfLineBenchmark.consume(rest))
        }
    }

    static func isOpen(_ descriptor: CInt) -> Bool { fcntl(descriptor, F_GETFD) >= 0 }

    static func size(of descriptor: CInt) -> Int {
        var status = stat()
        return fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
    }

    private static func receivePair() -> Int32 {
        let bytes = size(of: 3)
        guard bytes > 0, let mapping = ipcmb_map(3, Int64(bytes)) else { return 2 }
        defer { ipcmb_unmap(mapping, Int64(bytes)) }
        let control = mapping.assumingMemoryBound(to: ipcmb_control.self)
        var fds: [CInt] = [isOpen(4) ? 4 : -1, isOpen(5) ? 5 : -1]
        return ipcmb_run_receiver(control, &fds, isOpen(6) ? 6 : -1) == 0 ? 0 : 1
    }

    private static func consumeFalseSharing(_ arguments: [String]) -> Int32 {
        guard arguments.count == 3, let gap = Int32(arguments[0]), let messages = Int64(arguments[1]), let cpu = Int32(arguments[2]) else { return 2 }
        if cpu >= 0 { _ = ipcmb_pin(cpu) }
        let bytes = size(of: 3)
        guard bytes > 0, let region = ipcmb_map(3, Int64(bytes)) else { return 2 }
        defer { ipcmb_unmap(region, Int64(bytes)) }
        return ipcmb_false_sharing_consume(region, gap, messages) == 0 ? 0 : 1
    }

    private static func count(_ arguments: [String]) -> Int32 {
        guard arguments.count == 3, let offset = Int32(arguments[0]), let increments = Int64(arguments[1]), let cpu = Int32(arguments[2]) else { return 2 }
        if cpu >= 0 { _ = ipcmb_pin(cpu) }
        let bytes = size(of: 3)
        guard bytes > 0, let region = ipcmb_map(3, Int64(bytes)) else { return 2 }
        defer { ipcmb_unmap(region, Int64(bytes)) }
        _ = ipcmb_counter_run(region, offset, increments)
        return 0
    }

    /// Starts the peer in `mode` with `descriptors` (source in this process, number in the peer) and a thread that
    /// waits for it; `ended` runs on that thread as soon as it exits (to stop a sender waiting on it).
    static func start(
        _ mode: Mode, arguments: [String] = [], descriptors: [(FileDescriptor, CInt)], worker: WorkerCommand,
        ended: @escaping @Sendable () -> Void = {}
    ) throws(HarnessError) -> PeerProcess {
        let request = SpawnRequest(
            path: worker.path, arguments: worker.arguments + [argument, mode.rawValue] + arguments,
            descriptors: descriptors.map { (source: $0.0, target: $0.1) })
        let pid: pid_t
        do {
            pid = try Syscall.spawn(request)
        } catch {
            throw HarnessError("cannot start the bench's peer process \(worker.path): \(error)")
        }
        return PeerProcess(pid: pid, ended: ended)
    }
}

/// A started peer and the thread that reaps it.
final class PeerProcess: @unchecked Sendable {
    let pid: pid_t
    private var status: ExitStatus?
    private var thread: OSThread?

    init(pid: pid_t, ended: @escaping @Sendable () -> Void) {
        self.pid = pid
        thread = OSThread { [self] in
            status = try? Syscall.wait(pid)
            ended()
        }
    }

    /// Waits for the peer to end; how it ended.
    func join() -> ExitStatus? {
        thread?.join()
        thread = nil
        return status
    }
}
