import Glibc

/// How much memory the machine has, for budgets that default to it rather than to a fixed figure.
public enum SystemMemory {
    /// Bytes the kernel estimates are available to a new workload without swapping (`MemAvailable` in
    /// /proc/meminfo: free memory plus the caches it can drop), or the physical memory when that cannot be read.
    ///
    /// The corresponding C functions are `sysconf(_SC_PHYS_PAGES)` and `sysconf(_SC_PAGESIZE)`.
    public static func availableBytes() -> Int {
        if let available = memAvailable() { return available }
        return Int(sysconf(Int32(_SC_PHYS_PAGES))) &* Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func memAvailable() -> Int? {
        guard let file = fopen("/proc/meminfo", "re") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard text.hasPrefix("MemAvailable:") else { continue }
            let digits = text.dropFirst("MemAvailable:".count).filter { $0.isNumber }
            return Int(digits).map { $0 * 1024 }
        }
        return nil
    }
}
