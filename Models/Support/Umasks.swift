/// The file mode creation masks (umasks) of a trace's processes, which a POSIX queue's, named semaphore's and shared
/// memory object's create takes from the mode it asks (``Permissions/created(mode:umask:)``). Measured in forked
/// children (`CreationUmaskFactsTests`, a C probe first): the mask is each process's own — two processes creating by
/// turn under 022 and 077 make 0644 and 0600 of 0666, for `mq_open`, `sem_open` and `shm_open` alike — and a `umask(2)`
/// in mid-trace changes the caller's alone, for its later creates, returning the old mask; the kernel keeps only the
/// low nine bits (`umask(07777)` then `umask(0)` returns 0777). A child a `fork` makes starts with its parent's.
/// System V's `msgget`, `semget` and `shmget` take no umask at all (their models read none).
///
/// Setup form, beside a created object's other fields: `"umask": "0022"` for every process, or
/// `{"1": "0022", "2": "0077"}` per process (a process not named: 022). Call form: `umask {"umask": "0077"}` (octal
/// text or a number; any `mode_t`, of which the low nine bits count) → `{"old": "0022"}`. The umask is the whole
/// process's and a model judges one object at a time, so a model takes the call only in a trace with one object.
public struct Umasks: Hashable, Sendable, ExpressibleByIntegerLiteral {
    /// The mask of every process `processes` does not name: the setup's single `"umask"`, 022 unless given.
    public var common: Int
    /// The processes whose mask the setup gave or a call of the trace set.
    public var processes: [Int: Int]

    public init(_ common: Int = 0o022, processes: [Int: Int] = [:]) {
        self.common = common
        self.processes = processes
    }

    public init(integerLiteral value: Int) { self.init(value) }

    /// `process`'s mask now.
    public func of(_ process: Int) -> Int { processes[process] ?? common }

    /// `umask(2)` by `process`: its mask becomes `mask`'s permission bits; the old one is returned.
    public mutating func set(_ process: Int, to mask: Int) -> Int {
        let old = of(process)
        processes[process] = mask & 0o777
        return old
    }

    /// `fork`: `child` starts with `parent`'s mask, whatever the trace said of that number before.
    public mutating func fork(_ parent: Int, child: Int) { processes[child] = of(parent) }

    /// The setup's `"umask"`; nil when there is none.
    public init?(setup: JSONValue?) throws(ModelError) {
        switch try setup.optional("umask") {
        case nil: return nil
        case .object(let table)?:
            var processes: [Int: Int] = [:]
            for member in table {
                guard let process = Int(member.key) else { throw ModelError("field 'umask' must be octal text such as \"0022\" or map process numbers to such text") }
                processes[process] = try Self.mask(member.value, "umask")
            }
            self.init(processes: processes)
        case let value?: self.init(try Self.mask(value, "umask"))
        }
    }

    /// The setup's form: nil for the default (022 for every process).
    public var json: JSONValue? {
        if processes.isEmpty { return common == 0o022 ? nil : Permissions.text(ofMode: common) }
        return .object(JSONObject(processes.sorted { $0.key < $1.key }.map { (String($0.key), Permissions.text(ofMode: $0.value)) }))
    }

    /// A mask in a setup or an `"old"` result: octal text of at most nine bits.
    static func mask(_ value: JSONValue, _ field: String) throws(ModelError) -> Int {
        guard case .string(let text) = value, let bits = Int(text, radix: 8), (0...0o777).contains(bits) else {
            throw ModelError("field '\(field)' must be octal text such as \"0022\"")
        }
        return bits
    }

    /// The argument of a `umask` call (`{"umask": "0077"}`, octal text or a number): any `mode_t`. `objects`: how many
    /// objects the trace's model follows; the call sets the process's mask for all of them, so only one is taken.
    public static func argument(of value: JSONValue?, model: String, objects: Int) throws(ModelError) -> Int {
        guard objects == 1 else {
            throw ModelError("'umask' sets the process's mask for every object: the \(model) model judges it only in a trace with one object (this one has \(objects))")
        }
        switch try value.required("umask") {
        case .string(let text):
            guard let bits = Int(text, radix: 8), (0...0o177777).contains(bits) else {
                throw ModelError("field 'umask' of a umask call must be octal text such as \"0077\", not \"\(text)\"")
            }
            return bits
        case let number: return try number.integer("umask", in: 0...0o177777)
        }
    }

    /// The `"old"` mask a `umask` call returned (its `ok` value).
    public static func old(in value: JSONValue?) throws(ModelError) -> Int { try mask(value.required("old"), "old") }

    /// The call's JSON and its result's.
    public static func argumentJSON(_ mask: Int) -> JSONValue { ["umask": Permissions.text(ofMode: mask)] }
    public static func oldJSON(_ mask: Int) -> JSONValue { ["old": Permissions.text(ofMode: mask)] }
}
