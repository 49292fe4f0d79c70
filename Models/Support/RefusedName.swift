/// A name given to a POSIX named object's `*_open` or `*_unlink` instead of the object's own, of a kind glibc or the
/// kernel refuses: what each refusal is depends on the call (`PosixSharedMemoryModel`, `PosixMessageQueueModel`,
/// `PosixSemaphoreModel` say). The workers derive each from the object's name (`path(for:)`).
public enum RefusedName: String, Hashable, Sendable, CaseIterable {
    /// A slash after the first character (`/name/x`).
    case withSlash = "with-slash"
    /// The empty name.
    case empty
    /// Longer than `NAME_MAX` (255) after the slash: 300 characters, past what glibc's `shm_open` and `sem_open`
    /// put in their path buffer (`/dev/shm/` and the name), so they refuse it themselves.
    case tooLong = "too-long"
    /// `NAME_MAX` + 1 (256) characters after the slash: glibc's `shm_open` hands it on (up to 259 it fits its
    /// buffer) and the kernel fails `ENAMETOOLONG`; `sem_open` refuses it `EINVAL` itself; `mq_open` as any name
    /// longer than `NAME_MAX` (`NameLengthFactsTests`).
    case overNameMax = "over-name-max"
    /// No leading slash (`mq_open` refuses it; `shm_open` and `sem_open` take it as another name).
    case noSlash = "no-slash"
    /// Exactly `NAME_MAX` (255) characters after the slash: `mq_open` and `shm_open` take it, but `sem_open` opens
    /// `/dev/shm/sem.` and the name, longer than `NAME_MAX` (so do names of 252 to 254): the kernel's `ENAMETOOLONG`.
    case nameMax = "name-max"

    /// The name a worker gives for `name`, the object's own.
    public func path(for name: String) -> String {
        switch self {
        case .withSlash: name + "/x"
        case .empty: ""
        case .tooLong: "/" + String(repeating: "a", count: 300)
        case .noSlash: String(name.drop { $0 == "/" })
        case .nameMax: "/" + String(repeating: "n", count: 255)
        case .overNameMax: "/" + String(repeating: "o", count: 256)
        }
    }

    /// The `"name"` field of an open's or unlink's value, when it has one; `allowed` lists the kinds the call refuses
    /// (a name it takes as another object's would be another object).
    public static func field(of value: JSONValue?, allowed: [RefusedName]) throws(ModelError) -> RefusedName? {
        if case .null? = value { return nil }
        guard let text = try value.optional("name")?.text("name") else { return nil }
        guard let name = RefusedName(rawValue: text), allowed.contains(name) else {
            throw ModelError("field 'name' must be one of \(allowed.map(\.rawValue).joined(separator: ", "))")
        }
        return name
    }
}
