/// A FIFO (named pipe) with its permission bits, as this kernel treats them: permission is checked when the
/// FIFO is *opened*, never on `read` or `write` — so after a `chmod` that takes access away, descriptors already
/// open keep working, and only new opens fail `EACCES`. Privileged processes (root) pass the check whatever the
/// mode. (Measured: `Tests/IPCMechanismsTests/FIFOPermissionFactsTests.swift`.)
///
/// Opens are nonblocking, as in the workloads: opening for reading always succeeds (permission allowing);
/// opening for writing fails `ENXIO` while no reader has it open; the permission check comes first. Writes are
/// small (well under the FIFO's capacity) and reads take what is buffered, up to their size. A write without a
/// reader fails `EPIPE`; a read of an empty FIFO fails `EAGAIN` while a writer has it open and returns end of
/// file (no bytes) otherwise.
///
/// Trace form:
///
///   f      invoke value                  ok value             fail error
///   open   {"end": "read" | "write"}     (none)               EACCES, ENXIO
///   write  {"data": PAYLOAD}             {"written": INT}     EPIPE, EBADF
///   read   {"max": INT}                  {"data": PAYLOAD}    EAGAIN, EBADF
///   chmod  {"mode": INT}                 (none)               EPERM
///   close  {"end": "read" | "write"}     (none)               EBADF
///
/// params: {"objects": {"f0": {"mode": 438, "owner": 3, "privileged": [3]}}}: the mode at the start (438 is
/// 0o666), the process that owns it (it may chmod), and the processes that bypass permission checks.
public struct FIFOModel: TraceModel {
    public static let name = "fifo"

    public enum End: String, Hashable, Sendable {
        case read, write
    }

    public enum Input: Hashable, Sendable {
        case open(process: Int, end: End)
        case write(process: Int, data: [UInt8])
        case read(process: Int, max: Int)
        case chmod(process: Int, mode: Int)
        case close(process: Int, end: End)
        case exit(process: Int)
    }

    public enum Output: Hashable, Sendable {
        case done
        case wrote(Int)
        case read([UInt8])
        case failed(ErrorCode)
    }

    public struct Setup: Hashable, Sendable {
        public var mode: Int
        public var owner: Int?
        public var privileged: [Int]

        public init(mode: Int, owner: Int?, privileged: [Int]) {
            self.mode = mode
            self.owner = owner
            self.privileged = privileged
        }
    }

    public struct State: Hashable, Sendable {
        public let setup: Setup
        public var mode: Int
        /// Processes with a read or write end open, once per end.
        public var readers: [Int] = []
        public var writers: [Int] = []
        public var buffered: [UInt8] = []
    }

    public let setups: [(name: String, setup: Setup)]

    public init(objects: [(name: String, setup: Setup)]) { self.setups = objects }

    public var objects: [String] { setups.map(\.name) }

    public func initialState(of object: String) -> State {
        let setup = setups.first { $0.name == object }?.setup ?? Setup(mode: 0o666, owner: nil, privileged: [])
        return State(setup: setup, mode: setup.mode)
    }

    public func step(_ state: State, _ input: Input, _ output: Output?) -> [Step<State>] {
        let (result, next) = transition(state, input)
        return output == nil || output == result ? [.completed(next)] : []
    }

    func transition(_ state: State, _ input: Input) -> (Output, State) {
        var next = state
        switch input {
        case .open(let process, let end):
            let bit = end == .read ? 0o004 : 0o002
            if !state.setup.privileged.contains(process) && state.mode & bit == 0 { return (.failed(.EACCES), state) }
            if end == .write && state.readers.isEmpty { return (.failed(.ENXIO), state) }
            if end == .read { next.readers.append(process) } else { next.writers.append(process) }
            return (.done, next)
        case .write(let process, let data):
            guard state.writers.contains(process) else { return (.failed(.EBADF), state) }
            guard !state.readers.isEmpty else { return (.failed(.EPIPE), state) }
            next.buffered += data
            return (.wrote(data.count), next)
        case .read(let process, let max):
            guard state.readers.contains(process) else { return (.failed(.EBADF), state) }
            if state.buffered.isEmpty { return state.writers.isEmpty ? (.read([]), state) : (.failed(.EAGAIN), state) }
            let count = Swift.min(max, state.buffered.count)
            next.buffered.removeFirst(count)
            return (.read(Array(state.buffered.prefix(count))), next)
        case .chmod(let process, let mode):
            guard process == state.setup.owner || state.setup.privileged.contains(process) else { return (.failed(.EPERM), state) }
            next.mode = mode
            return (.done, next)
        case .close(let process, let end):
            guard let index = (end == .read ? state.readers : state.writers).firstIndex(of: process) else {
                return (.failed(.EBADF), state)
            }
            if end == .read { next.readers.remove(at: index) } else { next.writers.remove(at: index) }
            return (.done, next)
        case .exit(let process):
            next.readers.removeAll { $0 == process }
            next.writers.removeAll { $0 == process }
            return (.done, next)
        }
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        let action: String
        switch input {
        case .open(_, let end): action = "open for \(end == .read ? "reading" : "writing")"
        case .write(_, let data): action = "write \(Payload.preview(data))"
        case .read(_, let max): action = "read up to \(max) bytes"
        case .chmod(_, let mode): action = "chmod 0" + String(mode, radix: 8)
        case .close(_, let end): action = "close the \(end.rawValue) end"
        case .exit: action = "exit"
        }
        switch output {
        case nil: return action + " → ?"
        case .done?: return action + " → ok"
        case .wrote(let count)?: return action + " → wrote \(count)"
        case .read(let data)?: return action + " → \(Payload.preview(data))"
        case .failed(let code)?: return action + " → \(code)"
        }
    }

    public func describe(_ state: State) -> String {
        "mode 0\(String(state.mode, radix: 8)); readers \(state.readers); writers \(state.writers); buffered \(Payload.preview(state.buffered))"
    }

    public init(parameters: JSONValue?) throws(ModelError) {
        var setups: [(name: String, setup: Setup)] = []
        for (name, setup) in try parameters.objectSetups(model: "fifo") {
            setups.append((name, Setup(
                mode: try setup.required("mode").integer("mode", in: 0...0o7777),
                owner: try setup.optional("owner")?.integer("owner", in: 1...10_000),
                privileged: try setup.processes("privileged"))))
        }
        self.init(objects: setups)
    }

    public var parameters: JSONValue {
        var objects = JSONObject()
        for (name, setup) in setups {
            var entry: JSONObject = ["mode": .int(setup.mode), "privileged": .array(setup.privileged.map { .int($0) })]
            if let owner = setup.owner { entry["owner"] = .int(owner) }
            objects[name] = .object(entry)
        }
        return ["objects": .object(objects)]
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        func end() throws(ModelError) -> End {
            let name = try call.value.required("end").text("end")
            guard let end = End(rawValue: name) else { throw ModelError("field 'end' must be \"read\" or \"write\", not \"\(name)\"") }
            return end
        }
        switch call.f {
        case "open": return .open(process: call.process, end: try end())
        case "write": return .write(process: call.process, data: try call.value.required("data").payload("data"))
        case "read": return .read(process: call.process, max: try call.value.required("max").integer("max", in: 0...1 << 20))
        case "chmod": return .chmod(process: call.process, mode: try call.value.required("mode").integer("mode", in: 0...0o7777))
        case "close": return .close(process: call.process, end: try end())
        default: throw ModelError("the fifo model has no operation '\(call.f)' (it has open, write, read, chmod and close)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _): return .failed(code)
        case (.ok(let value), .write(_, let data)): return .wrote(try value.required("written").integer("written", in: 0...data.count))
        case (.ok(let value), .read): return .read(try value.required("data").payload("data"))
        case (.ok, _): return .done
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .open(_, let end): ("open", ["end": .string(end.rawValue)])
        case .write(_, let data): ("write", ["data": Payload.json(data)])
        case .read(_, let max): ("read", ["max": .int(max)])
        case .chmod(_, let mode): ("chmod", ["mode": .int(mode)])
        case .close(_, let end): ("close", ["end": .string(end.rawValue)])
        case .exit: ("exit", nil)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .done: .ok(nil)
        case .wrote(let count): .ok(["written": .int(count)])
        case .read(let data): .ok(["data": Payload.json(data)])
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? { .exit(process: process) }
}
