/// The descriptor tables of the traced processes, followed through the calls that change them: creation, `dup`,
/// `fork` (copied) and threads (shared), `SCM_RIGHTS`, `close`, close-on-exec, and death.
///
/// A file is an open file description: what a descriptor points at (`dup` and `fork` share it). Files of the IPC
/// objects the importer checks carry the object and end; every other descriptor (a regular file, a terminal, a pipe
/// made before the trace started) is a file without an object, so that calls on it are recognised and left alone.
struct StraceDescriptors {
    struct File {
        /// The object and its end (`read`/`write`, `a`/`b`, or `use` for objects with a single kind of descriptor).
        var object: Int?
        var end: String
        var nonblocking: Bool
        /// `O_ASYNC`, as `F_SETFL` left it (`fcntl(F_SETFL)` with it is the model's operation where the model has one).
        var async = false
        /// `O_DIRECT` (a pipe's packet mode), as `pipe2` or `F_SETFL` left it.
        var direct = false
        /// The identity strace's `-yy` shows for it (`pipe:12`, `socket:34`), used to notice a descriptor the tables
        /// did not follow.
        var identity: String?
        /// What it is, for messages.
        var description: String
        /// Opened by this table (FIFOs: the model knows only the process that opened it).
        var openerTable: Int?
    }

    struct Entry {
        var file: Int
        var closeOnExec: Bool
    }

    struct Table {
        var fds: [Int: Entry] = [:]
        /// Live processes (threads) using it.
        var members: Set<Int> = []
        /// The process that made it (the leader of a thread group).
        var leader: Int
    }

    /// A change of what a table holds of an object's end: the first descriptor of a file came, or the last went.
    struct HoldingChange {
        var table: Int
        var file: Int
        var gained: Bool
    }

    private(set) var files: [File] = []
    private(set) var tables: [Int: Table] = [:]
    private(set) var tableOf: [Int: Int] = [:]
    private var nextTable = 0
    /// Descriptors per (table, file), to know when a table's last descriptor of a file goes.
    private var counts: [Key: Int] = [:]
    /// Changes made since the last ``takeChanges()``.
    private var changes: [HoldingChange] = []

    private struct Key: Hashable {
        var table: Int
        var file: Int
    }

    mutating func newFile(_ file: File) -> Int {
        files.append(file)
        return files.count - 1
    }

    subscript(file id: Int) -> File {
        get { files[id] }
        set { files[id] = newValue }
    }

    /// A new process with a table of its own, empty (a process the log shows no parent of).
    mutating func addRoot(pid: Int) {
        let table = nextTable
        nextTable += 1
        tables[table] = Table(members: [pid], leader: pid)
        tableOf[pid] = table
    }

    /// A child of `parent`: sharing its table (`CLONE_FILES`, threads) or with a copy of it (`fork`).
    mutating func addChild(pid: Int, parent: Int, sharesTable: Bool) {
        guard let parentTable = tableOf[parent], let source = tables[parentTable] else {
            addRoot(pid: pid)
            return
        }
        if sharesTable {
            tables[parentTable]?.members.insert(pid)
            tableOf[pid] = parentTable
            return
        }
        let table = nextTable
        nextTable += 1
        tables[table] = Table(members: [pid], leader: pid)
        tableOf[pid] = table
        for (number, entry) in source.fds { insert(table: table, number: number, entry: entry) }
    }

    func entry(pid: Int, fd: Int) -> Entry? {
        guard let table = tableOf[pid] else { return nil }
        return tables[table]?.fds[fd]
    }

    /// Puts `file` at `fd` in `pid`'s table, closing what was there.
    mutating func install(pid: Int, fd: Int, file: Int, closeOnExec: Bool) {
        guard let table = tableOf[pid] else { return }
        remove(table: table, number: fd)
        insert(table: table, number: fd, entry: Entry(file: file, closeOnExec: closeOnExec))
    }

    mutating func close(pid: Int, fd: Int) {
        guard let table = tableOf[pid] else { return }
        remove(table: table, number: fd)
    }

    mutating func setCloseOnExec(pid: Int, fd: Int, _ value: Bool) {
        guard let table = tableOf[pid] else { return }
        tables[table]?.fds[fd]?.closeOnExec = value
    }

    /// A successful `execve`: the table becomes the process's own, without its close-on-exec descriptors.
    mutating func exec(pid: Int) {
        guard let shared = tableOf[pid], let source = tables[shared] else { return }
        var table = shared
        if source.members.count > 1 {
            // Other threads die with the exec; the table is no longer shared with them.
            tables[shared]?.members.remove(pid)
            table = nextTable
            nextTable += 1
            tables[table] = Table(members: [pid], leader: pid)
            tableOf[pid] = table
            for (number, entry) in source.fds { insert(table: table, number: number, entry: entry) }
        }
        for (number, entry) in tables[table]?.fds ?? [:] where entry.closeOnExec { remove(table: table, number: number) }
    }

    /// `close_range(first, last, flags)`: closes, or with `CLOSE_RANGE_CLOEXEC` marks close-on-exec.
    mutating func closeRange(pid: Int, first: Int, last: Int, markOnly: Bool) {
        guard let table = tableOf[pid] else { return }
        for number in tables[table]?.fds.keys.sorted() ?? [] where number >= first && number <= last {
            if markOnly { tables[table]?.fds[number]?.closeOnExec = true } else { remove(table: table, number: number) }
        }
    }

    /// A process ended; the table goes with its last process. Returns the table when it went.
    @discardableResult
    mutating func end(pid: Int) -> Int? {
        guard let table = tableOf[pid] else { return nil }
        tables[table]?.members.remove(pid)
        guard tables[table]?.members.isEmpty == true else { return nil }
        for number in tables[table]?.fds.keys.sorted() ?? [] { remove(table: table, number: number) }
        return table
    }

    /// The changes of holding since the last call, in order.
    mutating func takeChanges() -> [HoldingChange] {
        defer { changes.removeAll() }
        return changes
    }

    /// The tables holding at least one descriptor of `file`.
    func holders(of file: Int) -> [Int] {
        counts.filter { $0.key.file == file && $0.value > 0 }.map(\.key.table).sorted()
    }

    private mutating func insert(table: Int, number: Int, entry: Entry) {
        tables[table]?.fds[number] = entry
        let key = Key(table: table, file: entry.file)
        let count = counts[key, default: 0]
        counts[key] = count + 1
        if count == 0 { changes.append(HoldingChange(table: table, file: entry.file, gained: true)) }
    }

    private mutating func remove(table: Int, number: Int) {
        guard let entry = tables[table]?.fds.removeValue(forKey: number) else { return }
        let key = Key(table: table, file: entry.file)
        let count = counts[key, default: 1] - 1
        counts[key] = count
        if count == 0 { changes.append(HoldingChange(table: table, file: entry.file, gained: false)) }
    }
}
