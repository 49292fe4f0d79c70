/// The `"command"` field of a System V model's `stat` and `info` calls: which `msgctl`/`semctl` command a trace
/// recorded, where the kernel offers several that answer alike.
enum SystemVCommand {
    /// A `stat`'s command: nil for `IPC_STAT` (also a stat without a value, or with null), false for
    /// `<prefix>_STAT` and true for `<prefix>_STAT_ANY` (the object's own index, without the read check).
    static func statAtIndex(_ value: JSONValue?, prefix: String) throws(ModelError) -> Bool? {
        switch value == .null ? nil : try value.optional("command") {
        case nil, .string("IPC_STAT")?: return nil
        case .string("\(prefix)_STAT")?: return false
        case .string("\(prefix)_STAT_ANY")?: return true
        default: throw ModelError("field 'command' of a stat must be \"IPC_STAT\", \"\(prefix)_STAT\" or \"\(prefix)_STAT_ANY\"")
        }
    }

    /// An `info`'s command: false for `IPC_INFO`, true for `<prefix>_INFO` (the namespace's use in place of constants).
    static func infoCounts(_ value: JSONValue?, prefix: String) throws(ModelError) -> Bool {
        switch try value.required("command") {
        case .string("IPC_INFO"): return false
        case .string("\(prefix)_INFO"): return true
        default: throw ModelError("field 'command' of an info must be \"IPC_INFO\" or \"\(prefix)_INFO\"")
        }
    }
}
