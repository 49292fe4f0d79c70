/// `shmat`'s address and flags beyond `SHM_RDONLY`, as this kernel's `do_shmat` takes them (measured,
/// `SystemVSharedMemoryFactsTests`, and as uid 65534 with a C probe under `setpriv`; LTP's `shmat01`, `shmat02`,
/// `shmt05`), in its order:
/// - an address not aligned to `SHMLBA` without `SHM_RND` fails `EINVAL`, and so does `SHM_REMAP` with a `NULL`
///   address — both before the segment is looked up (a removed segment, one the caller may not use: `EINVAL` still);
/// - then the segment (`EINVAL` once destroyed) and the permission: read, write unless `SHM_RDONLY`, and execute with
///   `SHM_EXEC` (`EACCES`; root passes);
/// - then, without `SHM_REMAP`, an address inside an attachment the process has fails `EINVAL`;
/// - with `SHM_RND` the address is rounded down, and the segment attached there (a free place: as a plain attach);
///   with `SHM_REMAP` at the start of the process's latest attachment of the segment, the new attachment replaces it:
///   the attach count stays (the old one's close and the new one's attach), and the new one's `SHM_RDONLY` holds.
/// Where the address lands the model does not know beyond that: a trace names it by kind (``AttachHint/Address``).
extension SystemVSharedMemoryModel {
    public struct AttachHint: Hashable, Sendable {
        public enum Address: String, Hashable, Sendable, CaseIterable {
            /// `NULL`: the kernel chooses.
            case null
            /// An aligned address where nothing is mapped.
            case free
            /// An address not aligned to `SHMLBA` (nor to a page), in a free place.
            case unaligned
            /// The start of the process's latest attachment of this segment (a free place when it has none).
            case overlapping
        }

        public var address: Address
        public var readOnly: Bool
        /// `SHM_RND`, `SHM_REMAP`, `SHM_EXEC`.
        public var round: Bool
        public var remap: Bool
        public var exec: Bool

        public init(address: Address, readOnly: Bool = false, round: Bool = false, remap: Bool = false, exec: Bool = false) {
            self.address = address
            self.readOnly = readOnly
            self.round = round
            self.remap = remap
            self.exec = exec
        }

        /// The trace's `attach` value for this hint.
        var json: JSONValue {
            var value: JSONObject = ["address": .string(address.rawValue)]
            if readOnly { value["readOnly"] = true }
            if round { value["round"] = true }
            if remap { value["remap"] = true }
            if exec { value["exec"] = true }
            return .object(value)
        }

        /// How `describe` names the call.
        var text: String {
            var flags = [readOnly ? "SHM_RDONLY" : nil, round ? "SHM_RND" : nil, remap ? "SHM_REMAP" : nil, exec ? "SHM_EXEC" : nil].compactMap { $0 }
            if flags.isEmpty { flags = ["0"] }
            return "shmat at \(address == .null ? "NULL" : "an address \(address.rawValue == "free" ? "free" : address.rawValue)"), \(flags.joined(separator: "|"))"
        }

        /// The hint an `attach` value gives, or nil for a plain attach (no `address` and no flag but `readOnly`).
        static func field(of value: JSONValue?) throws(ModelError) -> AttachHint? {
            var given = false
            for key in ["address", "round", "remap", "exec"] where try value.optional(key) != nil { given = true }
            guard given else { return nil }
            var address = Address.null
            if let text = try value.optional("address")?.text("address") {
                guard let found = Address(rawValue: text) else {
                    throw ModelError("attach: 'address' must be \"null\", \"free\", \"unaligned\" or \"overlapping\", not \"\(text)\"")
                }
                address = found
            }
            return AttachHint(
                address: address, readOnly: try value.optional("readOnly")?.boolean("readOnly") ?? false,
                round: try value.optional("round")?.boolean("round") ?? false, remap: try value.optional("remap")?.boolean("remap") ?? false,
                exec: try value.optional("exec")?.boolean("exec") ?? false)
        }
    }

    /// `shmat` by `process` with `hint`, in `do_shmat`'s order (see the extension's description).
    func attaching(_ state: State, process: Int, hint: AttachHint) -> [Transition<State, Output>] {
        if hint.address == .unaligned && !hint.round { return [Transition(.failed(.EINVAL), state)] }
        if hint.address == .null && hint.remap { return [Transition(.failed(.EINVAL), state)] }
        if state.destroyed { return [Transition(.failed(.EINVAL), state)] }
        guard state.permissions.allows(process, read: true, write: !hint.readOnly), !hint.exec || state.permissions.allowsExecuting(process) else {
            return [Transition(.failed(.EACCES), state)]
        }
        var next = state
        let attached = state.readOnly[process]?.isEmpty == false
        if hint.address == .overlapping && attached {
            guard hint.remap else { return [Transition(.failed(.EINVAL), state)] }
            // The old attachment closes and the new one takes its place: the count stays, both times are set.
            next.readOnly[process]![next.readOnly[process]!.count - 1] = hint.readOnly
            next.lastProcess = process
            next.times.set(0)
            next.times.set(1)
            return [Transition(.done, next)]
        }
        return transitions(state, .attach(process: process, readOnly: hint.readOnly))
    }
}
