// The trace form of the FIFO's creation and ownership calls (documented in traces/README.md's fifo section):
//
//   f         invoke value                                              ok value        fail error
//   mknod     {"mode": INT (0…07777), "type": TYPE?, "umask": INT?,     {"mode": INT}   EINVAL, EPERM, EEXIST, ENOENT, EACCES
//              "missingDirectory": BOOL?, "device": INT?}
//   mknodat   as mknod, with "dirfd": DIRFD?                            {"mode": INT}   … EBADF, ENOTDIR
//   mkfifoat  {"mode", "umask"?, "missingDirectory"?, "dirfd": DIRFD?}  {"mode": INT}   EBADF, ENOTDIR, EEXIST, ENOENT, EACCES
//   fchmod    {"end": "read" | "write", "mode": INT}                    (none)          EBADF, EPERM
//   chown, lchown  {"owner": PROCESS?}                                  (none)          ENOENT, EPERM
//   fchown    {"end": "read" | "write", "owner": PROCESS?}              (none)          EBADF, EPERM
//
// TYPE: "fifo" (the default), "regular", "socket", "character", "block", "directory", "symlink", "none"; DIRFD: "cwd"
// (AT_FDCWD, the default), "directory", "file" (a descriptor of no directory), "closed" (a number not held).
// "owner": the process whose user is to own the FIFO; absent: -1. A "group" other than -1 is refused: a trace knows
// no groups.
extension FIFOModel {
    /// `mknod`, `mknodat` and `mkfifoat` (nil for any other call).
    static func creationInput(from call: Call) throws(ModelError) -> Input? {
        guard let kind = CreationCall(rawValue: call.f), kind != .mkfifo else { return nil }
        let value = call.value
        var creation = NodeCreation(
            call: kind, mode: try value.required("mode").integer("mode", in: 0...0o7777),
            umask: try value.optional("umask")?.integer("umask", in: 0...0o777) ?? 0,
            missingDirectory: try value.optional("missingDirectory")?.boolean("missingDirectory") ?? false)
        if kind == .mknod || kind == .mknodat {
            if let name = try value.optional("type")?.text("type") {
                guard let type = NodeType(rawValue: name) else {
                    throw ModelError("field 'type' must be one of \(NodeType.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), not \"\(name)\"")
                }
                creation.type = type
            }
            creation.device = try value.optional("device")?.integer("device") ?? 0
        }
        if kind == .mknodat || kind == .mkfifoat, let name = try value.optional("dirfd")?.text("dirfd") {
            guard let directory = DirectoryDescriptor(rawValue: name) else {
                throw ModelError("field 'dirfd' must be one of \(DirectoryDescriptor.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), not \"\(name)\"")
            }
            creation.directory = directory
        }
        return .makeNode(process: call.process, creation: creation)
    }

    /// `fchmod`, `chown`, `lchown` and `fchown` (nil for any other call).
    static func ownershipInput(from call: Call) throws(ModelError) -> Input? {
        let value = call.value
        func end() throws(ModelError) -> PipeModel.End {
            let name = try value.required("end").text("end")
            guard let end = PipeModel.End(rawValue: name) else { throw ModelError("field 'end' must be \"read\" or \"write\", not \"\(name)\"") }
            return end
        }
        if call.f == "fchmod" {
            return .fchmod(process: call.process, end: try end(), mode: try value.required("mode").integer("mode", in: 0...0o7777))
        }
        guard let kind = OwnerCall(rawValue: call.f) else { return nil }
        if let group = try value.optional("group"), try group.integer("group", in: -1...Int(UInt32.max)) != -1 {
            throw ModelError("\(call.f) of FIFO '\(call.object)' with a group: the trace knows no groups, so a group change is not judged")
        }
        return .chown(
            process: call.process, call: kind, end: kind == .fchown ? try end() : nil,
            owner: try value.optional("owner")?.integer("owner", in: 1...10_000))
    }

    /// The trace form of a creation or ownership input (nil for any other).
    static func creationOrOwnershipCall(for input: Input) -> (f: String, value: JSONValue?)? {
        switch input {
        case .makeNode(_, let creation):
            var value: JSONObject = ["mode": .int(creation.mode), "umask": .int(creation.umask)]
            if creation.missingDirectory { value["missingDirectory"] = true }
            if creation.call == .mknod || creation.call == .mknodat {
                value["type"] = .string(creation.type.rawValue)
                if creation.device != 0 { value["device"] = .int(creation.device) }
            }
            if creation.call == .mknodat || creation.call == .mkfifoat { value["dirfd"] = .string(creation.directory.rawValue) }
            return (creation.call.rawValue, .object(value))
        case .fchmod(_, let end, let mode):
            return ("fchmod", ["end": .string(end.rawValue), "mode": .int(mode)])
        case .chown(_, let call, let end, let owner):
            var value = JSONObject()
            if let end { value["end"] = .string(end.rawValue) }
            if let owner { value["owner"] = .int(owner) }
            return (call.rawValue, .object(value))
        default:
            return nil
        }
    }
}
