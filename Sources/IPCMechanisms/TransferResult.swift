/// The result of a transfer that did not fail: the kernel's count or data, or "would block".
///
/// `EAGAIN` is an outcome to record, not an error to throw (swift-nio's `.wouldBlock`), and a short count is a
/// count: callers see exactly what the kernel did.
public enum TransferResult<Value: Hashable & Sendable>: Hashable, Sendable {
    case completed(Value)
    case wouldBlock
}
