/// Histories recorded by other tools, read as traces: what `ipc-harness import` converts, and what `check` and
/// `report` read directly with `--format`.
public enum ForeignHistory {
    public enum Format: String, Sendable, CaseIterable {
        /// This harness's own JSON Lines (format 1).
        case trace
        /// Jepsen's history: log lines (`INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]`) or EDN maps, one per line;
        /// the model is named by the operations (a cas register, a key-value store, a set).
        case jepsen
        /// Porcupine's key-value histories: Jepsen EDN maps with a `:key`, checked against the `kv` model.
        case porcupineKV = "porcupine-kv"
        /// `strace -f` output of programs doing IPC: each call an operation of its kernel model.
        case strace

        public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
    }

    /// The formats `import` converts: all but our own.
    public static var importable: [Format] { Format.allCases.filter { $0 != .trace } }

    /// The history at `path` as a trace (not yet checked); bad input is a ``TraceError`` naming the file and line.
    public static func load(path: String, format: Format) throws(TraceError) -> Trace {
        switch format {
        case .trace: try Trace.load(path: path)
        case .jepsen: try JepsenImporter.importTrace(path: path)
        case .porcupineKV: try JepsenImporter.importTrace(path: path, target: .keyValue)
        case .strace: try StraceImporter.importTrace(path: path)
        }
    }
}
