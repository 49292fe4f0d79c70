/// A value in a trace that does not have the shape a model expects; the message completes "field 'x' ...".
public struct ValueError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reading typed fields out of an operation's `value`, with messages that name the field.
extension JSONValue? {
    /// The member `key` of this object value, which must be present.
    public func required(_ key: String) throws(ModelError) -> JSONValue {
        guard let self else { throw ModelError("value must be an object with a field '\(key)', but is missing") }
        guard case .object(let object) = self else { throw ModelError("value must be an object, not \(self.typeName)") }
        guard let member = object[key] else { throw ModelError("value is missing the field '\(key)'") }
        return member
    }

    /// The member `key` of this object value, or nil when absent or null.
    public func optional(_ key: String) throws(ModelError) -> JSONValue? {
        guard let self else { return nil }
        guard case .object(let object) = self else { throw ModelError("value must be an object, not \(self.typeName)") }
        if case .null? = object[key] { return nil }
        return object[key]
    }
}

extension JSONValue {
    /// This value as an `Int` within `range`, or a message naming `field`.
    public func integer(_ field: String, in range: ClosedRange<Int> = 0...Int.max) throws(ModelError) -> Int {
        guard case .integer(let value) = self else {
            throw ModelError("field '\(field)' must be an integer, not \(typeName)")
        }
        guard let int = Int(exactly: value), range.contains(int) else {
            throw ModelError("field '\(field)' is \(value), outside \(range.lowerBound)...\(range.upperBound)")
        }
        return int
    }

    /// This value as a `Bool`, or a message naming `field`.
    public func boolean(_ field: String) throws(ModelError) -> Bool {
        guard case .bool(let value) = self else { throw ModelError("field '\(field)' must be a boolean, not \(typeName)") }
        return value
    }

    /// This value as a `String`, or a message naming `field`.
    public func text(_ field: String) throws(ModelError) -> String {
        guard case .string(let value) = self else { throw ModelError("field '\(field)' must be a string, not \(typeName)") }
        return value
    }

    /// This value as payload bytes, or a message naming `field`.
    public func payload(_ field: String) throws(ModelError) -> [UInt8] {
        do {
            return try Payload.bytes(from: self)
        } catch {
            throw ModelError("field '\(field)' \(error.message)")
        }
    }

    /// This value as an array, or a message naming `field`.
    public func elements(_ field: String) throws(ModelError) -> [JSONValue] {
        guard case .array(let value) = self else { throw ModelError("field '\(field)' must be an array, not \(typeName)") }
        return value
    }
}
