import Glibc
import IPCSyscalls
import SystemPackage

/// A file read whole: a history recorded elsewhere (read once, line by line, to be converted), and the one reader of
/// whole files for the rest of the harness too (a fuzzing record, a trace `fuzz merge` copies). A failure is one
/// line naming the file.
enum ImportedFile {
    /// The file's text; not UTF-8 is an error.
    static func read(_ path: String) throws(TraceError) -> String {
        let bytes = try self.bytes(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TraceError(path: path, line: 1, "the file is not UTF-8 text")
        }
        return text
    }

    /// The file's bytes.
    static func bytes(_ path: String) throws(TraceError) -> [UInt8] {
        let descriptor: FileDescriptor
        do {
            descriptor = try Syscall.open(path, flags: O_RDONLY | O_CLOEXEC)
        } catch {
            throw TraceError(path: path, "cannot open: \(error)")
        }
        defer { try? Syscall.close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { (raw) throws(Errno) -> Int in try Syscall.read(descriptor, into: raw) }
            } catch {
                throw TraceError(path: path, "cannot read: \(error)")
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }
}
