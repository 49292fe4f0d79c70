import IPCModels

/// What a trace's source showed but no model checks, as its header's `notChecked` lists it: an importer of a
/// program's system calls records there the calls and objects it saw but could not turn into operations, rather
/// than guess at them or drop them unsaid. A verdict covers only what was checked, so the report repeats each entry
/// (`NOT CHECKED: …`), and a check that covered no operation at all cannot be `ok`: "no violation" about a history
/// whose every call went unchecked would be a false verdict. It is `unknown`.
public enum NotChecked {
    /// The header field.
    public static let key = "notChecked"

    /// The header's entries (``TraceRules`` refuses anything but an array of strings, on line 1).
    public static func entries(of header: Trace.Header) -> [String] {
        guard case .array(let values)? = header.extra[Self.key] else { return [] }
        return values.compactMap { value -> String? in
            guard case .string(let text) = value else { return nil }
            return text
        }
    }
}

extension CheckReport {
    /// Adds what the header says was not checked; with nothing checked at all, the result is at best unknown.
    mutating func note(notChecked entries: [String]) {
        guard !entries.isEmpty else { return }
        notChecked += entries
        if result == .ok, objects.allSatisfy({ $0.operationCount == 0 }) { result = .unknown }
    }
}
