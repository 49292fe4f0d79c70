/// A POSIX named object's name and the handles processes hold to it (message queue descriptors, shared memory
/// mappings): what opening by name, releasing a handle, `unlink` and a process's death do. The object lives on
/// without handles until it is unlinked; once unlinked, handles keep working and opens fail `ENOENT`.
public struct NamedObjectHandles: Hashable, Sendable {
    /// One entry per handle, by process, sorted (so equal multisets are equal states).
    public var holders: [Int]
    public var unlinked = false

    public init(holders: [Int]) {
        self.holders = holders.sorted()
    }

    /// Opens by name: another handle, or `ENOENT` once unlinked.
    mutating func open(_ process: Int) -> ErrorCode? {
        if unlinked { return .ENOENT }
        holders.insertSorted(process)
        return nil
    }

    /// Gives up one of the process's handles, or fails with `missing` when it holds none.
    mutating func release(_ process: Int, missing: ErrorCode) -> ErrorCode? {
        holders.removeOne(process) ? nil : missing
    }

    /// Removes the name (`ENOENT` the second time).
    mutating func unlink() -> ErrorCode? {
        if unlinked { return .ENOENT }
        unlinked = true
        return nil
    }

    /// The process died: every handle it held goes.
    mutating func exit(_ process: Int) {
        holders.removeAll { $0 == process }
    }

    var text: String { "held by \(holders)\(unlinked ? "; unlinked" : "")" }
}

/// Outputs with a plain success and an errno failure, so shared transitions can produce them.
public protocol PlainOutcomes: Hashable, Sendable {
    static var done: Self { get }
    static func failed(_ code: ErrorCode) -> Self
}

extension TransitionModel where Output: PlainOutcomes {
    /// What `change` does to the object's name and handles: `done`, or its failure with the state unchanged.
    func nameTransition(
        _ state: State, _ name: WritableKeyPath<State, NamedObjectHandles>, _ change: (inout NamedObjectHandles) -> ErrorCode?
    ) -> [Transition<State, Output>] {
        var next = state
        if let error = change(&next[keyPath: name]) { return [Transition(.failed(error), state)] }
        return [Transition(.done, next)]
    }
}
