/// A compare-and-set register, as Jepsen's and Porcupine's histories record one (etcd's, among others): `read`
/// returns the value, or nil when the register was never written; `write` sets it; `cas old new` sets it to `new`
/// if it holds `old`, and says whether it did. Values are integers.
///
/// A cas that reports false did not take effect, and at the point it took its decision the register did not hold
/// `old` — the reading Porcupine gives Jepsen's `:fail` of a cas (Knossos instead drops such operations, a weaker
/// check that this model's verdicts include).
///
/// Trace form (see traces/README.md):
///
///   f      invoke value              ok value
///   read   (none)                    {"value": INT | null}
///   write  {"value": INT}            (none)
///   cas    {"old": INT, "new": INT}  {"ok": BOOL}
///
/// params: {"objects": {"r": {}}}; a register may start with a value: {"r": {"initial": INT}}.
public struct CASRegisterModel: TraceModel, TransitionModel {
    public static let name = "cas-register"

    public typealias State = Int?

    public enum Input: Hashable, Sendable {
        case read(process: Int)
        case write(process: Int, value: Int)
        case cas(process: Int, old: Int, new: Int)
    }

    public enum Output: Hashable, Sendable {
        case read(Int?)
        case written
        case cas(succeeded: Bool)
    }

    /// Each register and its value before any operation (nil: never written).
    public let registers: [(name: String, initial: Int?)]

    public init(registers: [(name: String, initial: Int?)]) {
        self.registers = registers
    }

    public var objects: [String] { registers.map(\.name) }

    public func initialState(of object: String) -> State {
        registers.first { $0.name == object }?.initial ?? nil
    }

    public func transitions(_ state: State, _ input: Input) -> [Transition<State, Output>] {
        switch input {
        case .read:
            return [Transition(.read(state), state)]
        case .write(_, let value):
            return [Transition(.written, value)]
        case .cas(_, let old, let new):
            return state == old ? [Transition(.cas(succeeded: true), new)] : [Transition(.cas(succeeded: false), state)]
        }
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        func value(_ value: Int?) -> String { value.map(String.init) ?? "nil" }
        switch (input, output) {
        case (.read, .read(let read)?): return "read → \(value(read))"
        case (.read, _): return "read → ?"
        case (.write(_, let written), _): return "write \(written)"
        case (.cas(_, let old, let new), .cas(let succeeded)?): return "cas \(old) → \(new): \(succeeded ? "ok" : "failed")"
        case (.cas(_, let old, let new), _): return "cas \(old) → \(new): ?"
        }
    }

    public func describe(_ state: State) -> String {
        state.map { "holds \($0)" } ?? "never written"
    }
}
