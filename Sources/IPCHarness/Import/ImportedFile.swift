import Glibc
import IPCSyscalls
import SystemPackage

/// A history file read whole (histories recorded elsewhere are read once, line by line, to be converted).
enum ImportedFile {
    static func read(_ path: String) throws(TraceError) -> String {
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
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TraceError(path: path, line: 1, "the file is not UTF-8 text")
        }
        return text
    }
}
