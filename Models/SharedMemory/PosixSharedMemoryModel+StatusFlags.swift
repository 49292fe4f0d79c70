/// `fcntl(F_GETFL)` and `fcntl(F_SETFL)` of the object's descriptor, as measured (`SharedMemoryStatusFlagsFactsTests`,
/// a C probe first; fcntl(2), open(2)).
///
/// - `F_GETFL` after `shm_open` reports the access mode (`O_RDONLY` or `O_RDWR`), `O_LARGEFILE` (the kernel's 0o100000,
///   which a 64-bit kernel forces on every open, though glibc's `O_LARGEFILE` is 0 on x86-64) and `O_NOFOLLOW` (glibc's
///   `shm_open` opens with it); not `O_CREAT`, `O_EXCL`, `O_TRUNC` or `O_CLOEXEC`.
/// - `F_SETFL` changes only `O_APPEND`, `O_NONBLOCK`, `O_DIRECT` (tmpfs takes it on this kernel) and `O_NOATIME`: each is
///   set or cleared as the argument says; `O_ASYNC` succeeds and is dropped (tmpfs has no `fasync`); the access mode and
///   every other bit are ignored. `O_NOATIME` not set yet fails `EPERM` for a process that is neither the object's owner
///   nor root (`CAP_FOWNER`), nothing changed; kept, it is not checked again.
/// - The flags are the open file description's: a descriptor inherited through `fork` shares them, so `F_SETFL` in one
///   process shows in the other's `F_GETFL`; another `shm_open` of the same object has its own.
/// - `O_APPEND` and `O_NONBLOCK` change nothing the model sees: `mmap`, the mapping's stores and `ftruncate` work as
///   before.
/// - A descriptor the setup gives may have come through `exec` or `SCM_RIGHTS`, or been shared before the trace with
///   another setup process: its flags are not known, so its `F_GETFL` may report any of them (its access mode is
///   read-write) and its `F_SETFL` succeeds (or fails `EPERM` for `O_NOATIME`, which may have been set) without the
///   model learning them.
extension PosixSharedMemoryModel {
    /// A descriptor's file status flags, as the kernel's bits on x86-64 (the access mode in the low two bits).
    public struct StatusFlags: OptionSet, Hashable, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let readWrite = StatusFlags(rawValue: 0o2)
        public static let append = StatusFlags(rawValue: 0o2000)
        public static let nonblocking = StatusFlags(rawValue: 0o4000)
        public static let async = StatusFlags(rawValue: 0o20000)
        public static let direct = StatusFlags(rawValue: 0o40000)
        public static let largeFile = StatusFlags(rawValue: 0o100000)
        public static let noFollow = StatusFlags(rawValue: 0o400000)
        public static let noAccessTime = StatusFlags(rawValue: 0o1000000)

        /// What `F_SETFL` changes on this object (`O_ASYNC` is taken and dropped).
        public static let settable: StatusFlags = [.append, .nonblocking, .direct, .noAccessTime]
        /// What every `shm_open` descriptor reports besides its access mode.
        public static let opened: StatusFlags = [.largeFile, .noFollow]

        /// The names a trace gives, with their bits: those `F_GETFL` may report, and others `F_SETFL` ignores.
        static let names: [(name: String, flags: StatusFlags)] = [
            ("O_APPEND", .append), ("O_NONBLOCK", .nonblocking), ("O_ASYNC", .async), ("O_DIRECT", .direct),
            ("O_LARGEFILE", .largeFile), ("O_NOFOLLOW", .noFollow), ("O_NOATIME", .noAccessTime),
            ("O_WRONLY", StatusFlags(rawValue: 0o1)), ("O_RDWR", .readWrite), ("O_CREAT", StatusFlags(rawValue: 0o100)),
            ("O_EXCL", StatusFlags(rawValue: 0o200)), ("O_TRUNC", StatusFlags(rawValue: 0o1000)),
            ("O_DSYNC", StatusFlags(rawValue: 0o10000)), ("O_SYNC", StatusFlags(rawValue: 0o4010000)),
            ("O_CLOEXEC", StatusFlags(rawValue: 0o2000000)),
        ]

        /// `{"flags": [NAME, ...], "bits": INT?}`: the named flags and any other bits.
        static func parse(_ value: JSONValue?) throws(ModelError) -> StatusFlags {
            var flags = StatusFlags(rawValue: try value.optional("bits")?.integer("bits", in: 0...Int(Int32.max)) ?? 0)
            for element in try value.optional("flags")?.elements("flags") ?? [] {
                guard case .string(let name) = element, let known = names.first(where: { $0.name == name }) else {
                    throw ModelError("field 'flags' must name \(names.map(\.name).joined(separator: ", ")) (other bits: 'bits')")
                }
                flags.formUnion(known.flags)
            }
            return flags
        }

        /// The names of the flags held (`O_SYNC` before `O_DSYNC`, which it holds), the access mode's only for an
        /// argument (`F_GETFL`'s answer gives it as `"access"`), sorted, and the bits no name gives.
        func named(access: Bool = false) -> (names: [String], bits: Int) {
            var left = access ? self : subtracting(.readWrite)
            var named: [String] = []
            for (name, flags) in Self.names.sorted(by: { $0.flags.rawValue.nonzeroBitCount > $1.flags.rawValue.nonzeroBitCount })
            where left.isSuperset(of: flags) {
                named.append(name)
                left.subtract(flags)
            }
            return (named.sorted(), left.rawValue)
        }

        /// The same fields: `"flags"` and `"bits"` where there are any.
        func write(into value: inout JSONObject, access: Bool = false) {
            let (names, bits) = named(access: access)
            if !names.isEmpty { value["flags"] = .array(names.map { .string($0) }) }
            if bits != 0 { value["bits"] = .int(bits) }
        }

        /// `F_GETFL`'s answer: `{"access": "read" | "read-write", "flags": [...], "bits"?}`.
        var json: JSONValue {
            var value: JSONObject = ["access": contains(.readWrite) ? "read-write" : "read"]
            write(into: &value)
            return .object(value)
        }

        init(answer value: JSONValue?) throws(ModelError) {
            self = try Self.parse(value)
            switch try value.required("access").text("access") {
            case "read": break
            case "read-write": formUnion(.readWrite)
            case let other: throw ModelError("field 'access' must be \"read\" or \"read-write\", not \"\(other)\"")
            }
        }

        /// An `F_SETFL` argument as the call names it: `O_APPEND|O_NONBLOCK`, `0` for none.
        var argumentText: String {
            let (names, bits) = named(access: true)
            let text = (names + (bits != 0 ? ["0o" + String(bits, radix: 8)] : [])).joined(separator: "|")
            return text.isEmpty ? "0" : text
        }

        /// `O_RDWR|O_LARGEFILE|O_NOFOLLOW` (the access mode named as `F_GETFL` reports it).
        var text: String {
            let (names, bits) = named()
            return ([contains(.readWrite) ? "O_RDWR" : "O_RDONLY"] + names).joined(separator: "|") + (bits != 0 ? "|0o" + String(bits, radix: 8) : "")
        }
    }

    /// `F_GETFL` (`set` nil) or `F_SETFL` of the newest descriptor's open file description.
    func statusFlagsTransitions(_ state: State, process: Int, set argument: StatusFlags?) -> [Transition<State, Output>] {
        guard let newest = state.newestDescriptor(process) else { return [Transition(.failed(.EBADF), state)] }
        let descriptor = state.mappings[process]![newest]
        guard let argument else {
            if let known = descriptor.statusFlags { return [Transition(.statusFlags(known), state)] }
            // Not known: the access mode and whatever else it may hold.
            let unknown: [StatusFlags] = [.largeFile, .noFollow, .append, .nonblocking, .direct, .noAccessTime]
            return (0..<1 << unknown.count).map { subset in
                var flags: StatusFlags = descriptor.readOnlyDescriptor ? [] : .readWrite
                for (bit, flag) in unknown.enumerated() where subset & 1 << bit != 0 { flags.formUnion(flag) }
                return Transition(.statusFlags(flags), state)
            }
        }
        let addsNoAccessTime = argument.contains(.noAccessTime) && descriptor.statusFlags?.contains(.noAccessTime) != true
        let refused = addsNoAccessTime && !state.permissions.isOwner(process) ? [Transition<State, Output>(.failed(.EPERM), state)] : []
        guard let known = descriptor.statusFlags else {
            // Not known: O_NOATIME may be set already (then no EPERM), and the flags stay unknown.
            return [Transition(.done, state)] + refused
        }
        if !refused.isEmpty { return refused }
        let changed = known.subtracting(.settable).union(argument.intersection(.settable))
        var next = state
        next.setStatusFlags(changed, ofDescription: descriptor.openFileDescription)
        return [Transition(.done, next)]
    }
}

extension PosixSharedMemoryModel.State {
    /// A number no open file description held now has: for the one a `shm_open` makes (0 is the setup's).
    func freshOpenFileDescription() -> Int {
        (mappings.values.flatMap { $0.map(\.openFileDescription) }.max() ?? 0) + 1
    }

    /// `F_SETFL`: every descriptor of the description, in every process (inherited through `fork`), has the new flags.
    mutating func setStatusFlags(_ flags: PosixSharedMemoryModel.StatusFlags, ofDescription description: Int) {
        for (process, held) in mappings {
            for index in held.indices where held[index].openFileDescription == description {
                mappings[process]![index].statusFlags = flags
            }
        }
    }
}

extension PosixSharedMemoryModel.StatusFlags {
    /// `F_SETFL`'s invoke value.
    static func setJSON(_ argument: Self) -> JSONValue {
        var value: JSONObject = ["cmd": "F_SETFL"]
        argument.write(into: &value, access: true)
        return .object(value)
    }
}

extension PosixSharedMemoryMapping {
    /// A descriptor `shm_open` just made: its access mode, `O_LARGEFILE` and `O_NOFOLLOW`, in a description of its own.
    mutating func openFileDescription(opened opening: PosixSharedMemoryModel.Opening, in state: PosixSharedMemoryModel.State) {
        statusFlags = PosixSharedMemoryModel.StatusFlags.opened.union(opening.readOnly ? [] : .readWrite)
        openFileDescription = state.freshOpenFileDescription()
    }
}
