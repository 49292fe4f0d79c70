/// An eventfd made during the run: the `eventfd` call of the process the setup names (`createdBy`), as this kernel
/// does it (`EventCounterCreationFactsTests`, `KernelEventCounterDescriptorFactsTests`; LTP's `eventfd2_01`…`03`).
/// The object is that one eventfd, so its making is its first operation: before it nobody holds it (every call
/// fails `EBADF`, as on any number that is no descriptor), after it the maker holds it with the count it asked for
/// (`initval`, an `unsigned int`) and the call's flags — `EFD_SEMAPHORE`, `EFD_NONBLOCK` (the open file's
/// `O_NONBLOCK`), `EFD_CLOEXEC` (its descriptor's `FD_CLOEXEC`). Any other flag bit fails `EINVAL` before a
/// descriptor is taken; then a full descriptor table is `EMFILE`, which no trace of this model can rule out (the
/// maker's table is not in it), so it is allowed beside every success. A second eventfd would be another object.
extension EventCounterModel {
    /// `eventfd`'s flags.
    public struct CreationFlags: Hashable, Sendable, CustomStringConvertible {
        public var semaphore: Bool
        public var nonblocking: Bool
        public var closeOnExec: Bool
        /// Any other bits, as given (`EINVAL`).
        public var otherBits: Int

        public init(semaphore: Bool = false, nonblocking: Bool = false, closeOnExec: Bool = false, otherBits: Int = 0) {
            self.semaphore = semaphore
            self.nonblocking = nonblocking
            self.closeOnExec = closeOnExec
            self.otherBits = otherBits
        }

        /// The names a trace gives in `"flags"`.
        public static let names = ["EFD_SEMAPHORE", "EFD_NONBLOCK", "EFD_CLOEXEC"]

        public var names: [String] {
            [semaphore ? "EFD_SEMAPHORE" : nil, nonblocking ? "EFD_NONBLOCK" : nil, closeOnExec ? "EFD_CLOEXEC" : nil].compactMap { $0 }
        }

        public var description: String {
            let all = names + (otherBits != 0 ? ["0x" + String(otherBits, radix: 16)] : [])
            return all.isEmpty ? "0" : all.joined(separator: "|")
        }
    }

    /// The outcomes of the `eventfd` call that makes the object: none once it is made (a second would be another).
    func creationSteps(_ state: State, process: Int, initial: UInt64, flags: CreationFlags, output: Output?) -> [Step<State>] {
        guard !state.created else { return [] }
        if flags.otherBits != 0 { return output == nil || output == .failed(.EINVAL) ? [.completed(state)] : [] }
        switch output {
        case .failed(ErrorCode("EMFILE"))?:
            return [.completed(state)]
        case nil, .created?:
            var next = state
            next.created = true
            next.count = initial
            next.semaphore = flags.semaphore
            next.nonblocking = flags.nonblocking
            next.holders = [process]
            next.closeOnExec[process] = flags.closeOnExec
            return [.completed(next)]
        default:
            return []
        }
    }

    /// Reads `eventfd`'s `{"initial": U32?, "flags": [...]?, "bits": INT?}`.
    static func creation(of call: Call) throws(ModelError) -> Input {
        let initial = try call.value.optional("initial")?.unsigned64("initial") ?? 0
        guard initial <= UInt64(UInt32.max) else {
            throw ModelError("eventfd's 'initial' is \(initial); eventfd(2) takes an unsigned int")
        }
        var flags = CreationFlags()
        for name in try call.value.optional("flags")?.elements("flags") ?? [] {
            switch try name.text("flags") {
            case "EFD_SEMAPHORE": flags.semaphore = true
            case "EFD_NONBLOCK": flags.nonblocking = true
            case "EFD_CLOEXEC": flags.closeOnExec = true
            case let other: throw ModelError("eventfd's flag '\(other)' is not one of \(CreationFlags.names.joined(separator: ", ")) (give other bits as \"bits\")")
            }
        }
        flags.otherBits = try call.value.optional("bits")?.integer("bits", in: Int(Int32.min)...Int(Int32.max)) ?? 0
        // EFD_SEMAPHORE 1, EFD_NONBLOCK O_NONBLOCK, EFD_CLOEXEC O_CLOEXEC: given as bits they are those flags.
        guard flags.otherBits & (1 | 0o4000 | 0o2000000) == 0 else {
            throw ModelError("eventfd's 'bits' holds a flag it names (EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC): give it in 'flags'")
        }
        return .create(process: call.process, initial: initial, flags: flags)
    }

    /// `eventfd`'s value as the trace writes it.
    static func creationValue(initial: UInt64, flags: CreationFlags) -> JSONValue? {
        var value: JSONObject = [:]
        if initial != 0 { value["initial"] = json(initial) }
        if !flags.names.isEmpty { value["flags"] = .array(flags.names.map { .string($0) }) }
        if flags.otherBits != 0 { value["bits"] = .int(flags.otherBits) }
        return value.members.isEmpty ? nil : .object(value)
    }
}
