import Glibc
import SystemPackage

/// Reads what the kernel says a process is doing, from `/proc/PID/stat` and `/proc/PID/syscall`.
///
/// The real-mode driver uses this to tell a worker that is blocked inside an IPC call (asleep in `read` on the
/// pipe it was told to read) from one that is still running towards it, without sleeping and guessing.
public enum ProcessInspector {
    /// A process's scheduling state and, when it is asleep in a system call, which one.
    public struct Snapshot: Sendable, Hashable {
        /// The state letter from `/proc/PID/stat`: R running, S sleeping, D disk sleep, Z zombie, T stopped...
        public var state: Character
        /// The number of the system call it is in, or nil when it is running in user space.
        public var syscall: Int?
        /// The system call's first argument (the descriptor, for read and write).
        public var firstArgument: UInt64?

        /// Asleep inside system call `number` on `descriptor`.
        public func isBlocked(inSyscall number: Int, descriptor: CInt) -> Bool {
            isAsleepInSyscall && syscall == number && firstArgument == UInt64(descriptor)
        }

        /// Asleep inside some system call (not running, not stopped).
        public var isAsleepInSyscall: Bool {
            (state == "S" || state == "D") && syscall != nil
        }
    }

    /// The process's current state, or nil when it no longer exists.
    public static func snapshot(of pid: pid_t) -> Snapshot? {
        guard let stat = readSmallFile("/proc/\(pid)/stat") else { return nil }
        // The command name is in parentheses and may contain spaces; the state follows the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let afterName = stat[stat.index(after: close)...].drop { $0 == " " }
        guard let state = afterName.first else { return nil }
        var snapshot = Snapshot(state: state, syscall: nil, firstArgument: nil)
        if let line = readSmallFile("/proc/\(pid)/syscall") {
            let fields = line.split(separator: " ")
            if let first = fields.first, let number = Int(first), number >= 0 {
                snapshot.syscall = number
                if fields.count > 1 { snapshot.firstArgument = UInt64(fields[1].dropFirst(2), radix: 16) }
            }
        }
        return snapshot
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self).trimmingNewline()
    }
}

/// System call numbers the driver looks for in `/proc/PID/syscall` (x86_64 and aarch64).
public enum SyscallNumber {
    #if arch(x86_64)
    public static let read = 0
    public static let write = 1
    public static let receiveFrom = 45
    public static let nanosleep = 35
    public static let clockNanosleep = 230
    public static let futex = 202
    public static let openAt = 257
    #elseif arch(arm64)
    public static let read = 63
    public static let write = 64
    public static let receiveFrom = 207
    public static let nanosleep = 101
    public static let clockNanosleep = 115
    public static let futex = 98
    public static let openAt = 56
    #endif
}

extension String {
    fileprivate func trimmingNewline() -> String {
        var copy = self
        while copy.last == "\n" { copy.removeLast() }
        return copy
    }
}
