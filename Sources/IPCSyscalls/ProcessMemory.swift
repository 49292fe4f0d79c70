import Glibc

/// This process's resident memory now and at its peak, with the peak resettable, so a benchmark can report each
/// case's own peak rather than the process's peak so far (getrusage's `ru_maxrss` never goes down).
public enum ProcessMemory {
    /// Resident bytes now and the peak since the process started or the peak was last reset (`VmRSS`, `VmHWM`).
    public static func resident() -> (current: Int, peak: Int)? {
        guard let file = fopen("/proc/self/status", "re") else { return nil }
        defer { fclose(file) }
        var current: Int?
        var peak: Int?
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let kilobytes = Int(text.filter(\.isNumber)).map { $0 * 1024 }
            if text.hasPrefix("VmRSS:") { current = kilobytes }
            if text.hasPrefix("VmHWM:") { peak = kilobytes }
        }
        guard let current, let peak else { return nil }
        return (current, peak)
    }

    /// Sets the peak to the current resident size; false when the kernel does not allow it (before Linux 4.0).
    ///
    /// The corresponding C operation is writing `5` to `/proc/self/clear_refs`.
    @discardableResult
    public static func resetPeak() -> Bool {
        let descriptor = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return write(descriptor, "5", 1) == 1
    }
}
