import Glibc
import SystemPackage

extension Syscall {
    /// Flushes a file's data and metadata to storage.
    ///
    /// The corresponding C function is `fsync`.
    public static func fsync(_ descriptor: FileDescriptor) throws(Errno) {
        _ = try perform(.fsync, descriptor: descriptor, retryOnInterrupt: true) { _ in Glibc.fsync(descriptor.rawValue) }
    }

    /// Renames `source` to `destination`, atomically replacing it.
    ///
    /// The corresponding C function is `rename`.
    public static func rename(_ source: String, to destination: String) throws(Errno) {
        _ = try perform(.rename, retryOnInterrupt: false) { _ in Glibc.rename(source, destination) }
    }

    /// Removes a file name.
    ///
    /// The corresponding C function is `unlink`.
    public static func unlink(_ path: String) throws(Errno) {
        _ = try perform(.unlink, retryOnInterrupt: false) { _ in Glibc.unlink(path) }
    }

    /// Creates a directory and any missing parents (`mkdir -p`), the owner's only unless `mode` says otherwise:
    /// what the harness writes (traces, fuzz records) carries a run's payloads, and even the names in a directory
    /// tell another local user which scenarios failed. Directories that exist keep their mode.
    ///
    /// The corresponding C function is `mkdir`.
    public static func createDirectories(_ path: String, mode: mode_t = 0o700) throws(Errno) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            let result = try perform(.mkdir, retryOnInterrupt: false) { _ -> CInt in
                let result = Glibc.mkdir(prefix, mode)
                return result == -1 && Glibc.errno == EEXIST ? 0 : result
            }
            _ = result
            prefix += "/"
        }
    }

    /// The names in a directory, without "." and "..".
    ///
    /// The corresponding C functions are `opendir` and `readdir`.
    public static func directoryEntries(_ path: String) throws(Errno) -> [String] {
        guard let directory = opendir(path) else { throw Errno(rawValue: Glibc.errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Whether `path` names a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether `path` exists.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}
