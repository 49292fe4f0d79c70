/// Reading a model's `params` of the common shape `{"objects": {"name": {setup...}, ...}, ...}`.
extension Optional where Wrapped == JSONValue {
    /// Each object's name and setup, in order; `model` names the model in the message.
    public func objectSetups(model: String) throws(ModelError) -> [(name: String, setup: JSONValue?)] {
        guard case .object(let objects) = try required("objects") else {
            throw ModelError("field 'objects' must be an object mapping \(model) object names to their setup")
        }
        return objects.map { ($0.key, $0.value) }
    }

    /// A list of process numbers, or [] when absent.
    public func processes(_ key: String) throws(ModelError) -> [Int] {
        try optional(key)?.elements(key).map { (value) throws(ModelError) in try value.integer(key, in: 1...10_000) } ?? []
    }
}
