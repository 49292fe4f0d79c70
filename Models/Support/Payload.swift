import ExtrasBase64

/// Payload bytes as they appear in traces: a JSON string when the bytes are printable UTF-8, otherwise
/// `{"base64": "..."}`. Either form decodes to exactly the original bytes.
public enum Payload {
    /// The JSON form of `bytes`.
    public static func json(_ bytes: some Collection<UInt8>) -> JSONValue {
        if let text = printableText(bytes) { return .string(text) }
        return .object(["base64": .string(Base64.encodeToString(bytes: bytes))])
    }

    /// The bytes a JSON payload stands for.
    public static func bytes(from value: JSONValue) throws(ValueError) -> [UInt8] {
        switch value {
        case .string(let text):
            return Array(text.utf8)
        case .object(let object) where object.count == 1:
            guard case .string(let encoded)? = object["base64"] else { break }
            do {
                return try encoded.base64decoded()
            } catch {
                throw ValueError("is not valid base64")
            }
        default:
            break
        }
        throw ValueError("must be a string or {\"base64\": ...}, not \(value.typeName)")
    }

    /// The bytes as text when they are valid UTF-8 without control characters other than tab, newline and
    /// carriage return.
    public static func printableText(_ bytes: some Collection<UInt8>) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: continue
            case 0..<0x20, 0x7F...0x9F: return nil
            default: continue
            }
        }
        return text
    }

    /// A short human-readable rendering for reports: quoted text (cut at `limit` characters) or hex.
    public static func preview(_ bytes: some Collection<UInt8>, limit: Int = 24) -> String {
        if bytes.isEmpty { return "\"\"" }
        if let text = printableText(bytes) {
            let escaped = text.unicodeScalars.prefix(limit).map { $0.escaped(asASCII: false) }.joined()
            return "\"" + escaped + (text.unicodeScalars.count > limit ? "…" : "") + "\""
        }
        let hex = bytes.prefix(limit / 2).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return "0x" + hex + (bytes.count > limit / 2 ? "…" : "")
    }
}
