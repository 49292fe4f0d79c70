import Glibc
import IPCSyscalls
import SystemPackage

/// Writes a whole file atomically: to a hidden temporary file beside it, flushed, then renamed over it, so a
/// reader (or a crash) never sees half a file and what was there before stays until the new one is complete. The
/// temporary file is named in a ledger before it exists, so `ipc-harness clean` removes it if the process dies
/// first; the file is the owner's only (mode 0600: reports carry every payload of a run).
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(HarnessError) {
        let (ledger, temporary) = try Ledger.forTemporaryFile(beside: path)
        defer { ledger.discard() }
        do throws(Errno) {
            // The destination's directory must exist: a mistyped one is the user's to fix, not to be created.
            let descriptor = try Syscall.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode: 0o600)
            var offset = 0
            do throws(Errno) {
                while offset < bytes.count {
                    offset += try bytes.withUnsafeBufferPointer { (raw) throws(Errno) -> Int in
                        try Syscall.write(descriptor, UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: raw[offset...])))
                    }
                }
                try Syscall.fsync(descriptor)
            } catch {
                try? Syscall.close(descriptor)
                throw error
            }
            // Closed exactly once, success or not: a second close could hit a descriptor another thread just opened.
            try Syscall.close(descriptor)
            try Syscall.rename(temporary, to: path)
        } catch {
            try? Syscall.unlink(temporary)
            throw HarnessError("cannot write \(path): \(error)")
        }
    }
}
