// The pipe model's trace form (documented in traces/README.md):
//
//   f        invoke value                                  ok value            fail error
//   write    {"data": PAYLOAD, "nonblocking": BOOL?}       {"written": INT}    EAGAIN, EPIPE, EBADF, ...
//   write-all {"data": PAYLOAD}                            {"written": INT}    EPIPE, EBADF
//   read     {"max": INT, "nonblocking": BOOL?}            {"data": PAYLOAD}   EAGAIN, EBADF, ...
//   close    {"end": "read" | "write"}                     (none)              EBADF
//
// params: {"pageSize": 4096, "objects": {"p0": {"capacity": 65536, "readers": [1, 2], "writers": [1]}}}
extension PipeModel {
    public init(parameters: JSONValue?) throws(ModelError) {
        let pageSize = try parameters.optional("pageSize")?.integer("pageSize", in: 64...1 << 20) ?? 4096
        guard pageSize & (pageSize - 1) == 0 else { throw ModelError("field 'pageSize' must be a power of two") }
        guard case .object(let objects) = try parameters.required("objects") else {
            throw ModelError("field 'objects' must be an object mapping pipe names to their setup")
        }
        var pipes: [(name: String, setup: Setup)] = []
        for member in objects {
            let setup: JSONValue? = member.value
            let capacity = try setup.optional("capacity")?.integer("capacity", in: pageSize...1 << 30) ?? 65536
            guard capacity % pageSize == 0 else {
                throw ModelError("pipe '\(member.key)': capacity \(capacity) is not a multiple of the page size")
            }
            let readers = try setup.required("readers").elements("readers").map { (value) throws(ModelError) in
                try value.integer("readers")
            }
            let writers = try setup.required("writers").elements("writers").map { (value) throws(ModelError) in
                try value.integer("writers")
            }
            pipes.append((member.key, Setup(capacity: capacity, readers: readers, writers: writers)))
        }
        self.init(pageSize: pageSize, pipes: pipes)
    }

    public var parameters: JSONValue {
        var objects = JSONObject()
        for (name, setup) in setups {
            objects[name] = [
                "capacity": .int(setup.capacity),
                "readers": .array(setup.readers.map { .int($0) }),
                "writers": .array(setup.writers.map { .int($0) }),
            ]
        }
        return ["pageSize": .int(pageSize), "objects": .object(objects)]
    }

    public func input(from call: Call) throws(ModelError) -> Input {
        let nonblocking = try call.value.optional("nonblocking")?.boolean("nonblocking") ?? false
        switch call.f {
        case "write":
            return .write(process: call.process, data: try call.value.required("data").payload("data"), nonblocking: nonblocking)
        case "write-all":
            return .writeAll(process: call.process, data: try call.value.required("data").payload("data"))
        case "read":
            let max = try call.value.required("max").integer("max", in: 0...1 << 24)
            return .read(process: call.process, max: max, nonblocking: nonblocking)
        case "available":
            return .available(process: call.process)
        case "close":
            let name = try call.value.required("end").text("end")
            guard let end = End(rawValue: name) else {
                throw ModelError("field 'end' must be \"read\" or \"write\", not \"\(name)\"")
            }
            return .close(process: call.process, end: end)
        default:
            throw ModelError("the pipe model has no operation '\(call.f)' (it has write, write-all, read, close and available)")
        }
    }

    public func output(from outcome: Outcome, for input: Input) throws(ModelError) -> Output {
        switch (outcome, input) {
        case (.fail(let code), _):
            return .failed(code)
        case (.ok(let value), .write(_, let data, _)), (.ok(let value), .writeAll(_, let data, _)):
            return .wrote(try value.required("written").integer("written", in: 0...data.count))
        case (.ok(let value), .read(_, let max, _)):
            let bytes = try value.required("data").payload("data")
            guard bytes.count <= max else { throw ModelError("read returned \(bytes.count) bytes, more than max \(max)") }
            return .read(bytes)
        case (.ok, .close):
            return .closed
        case (.ok(let value), .available):
            return .available(try value.required("bytes").integer("bytes"))
        case (.ok, .exit):
            return .exited
        }
    }

    public func call(for input: Input) -> (f: String, value: JSONValue?) {
        switch input {
        case .write(_, let data, let nonblocking):
            var value: JSONObject = ["data": Payload.json(data)]
            if nonblocking { value["nonblocking"] = true }
            return ("write", .object(value))
        case .writeAll(_, let data, _):
            return ("write-all", ["data": Payload.json(data)])
        case .read(_, let max, let nonblocking):
            var value: JSONObject = ["max": .int(max)]
            if nonblocking { value["nonblocking"] = true }
            return ("read", .object(value))
        case .close(_, let end):
            return ("close", ["end": .string(end.rawValue)])
        case .available:
            return ("available", nil)
        case .exit:
            return ("exit", nil)
        }
    }

    public func outcome(for output: Output) -> Outcome {
        switch output {
        case .wrote(let count): .ok(["written": .int(count)])
        case .read(let bytes): .ok(["data": Payload.json(bytes)])
        case .closed, .exited: .ok(nil)
        case .available(let count): .ok(["bytes": .int(count)])
        case .failed(let code): .fail(code)
        }
    }

    public func exitInput(process: Int, object: String) -> Input? {
        .exit(process: process)
    }

    public func shortened(_ input: Input, to count: Int, requested: Int?) -> Input? {
        let own: Int
        switch input {
        case .write(_, let data, _), .writeAll(_, let data, _): own = data.count
        case .read(_, let max, _): own = max
        case .close, .available, .exit: return nil
        }
        if let requested, requested != own { return nil }
        return switch input {
        case .write(let process, let data, let nonblocking): .write(process: process, data: Array(data.prefix(count)), nonblocking: nonblocking)
        case .read(let process, let max, let nonblocking): .read(process: process, max: Swift.min(max, count), nonblocking: nonblocking)
        case .writeAll(let process, let data, nil): .writeAll(process: process, data: data, firstCall: Swift.min(count, data.count))
        case .writeAll, .close, .available, .exit: nil
        }
    }
}
