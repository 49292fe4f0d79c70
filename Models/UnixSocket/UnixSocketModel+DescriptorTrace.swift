// The trace form of the calls on a socket's descriptor that are not socket calls (documented in traces/README.md,
// judged in `UnixSocketModel+ReadWrite` and `UnixSocketModel+Duplicate`):
//
//   f       invoke value                                   ok value
//   read    {"end": S, "max": INT}                         {"data": PAYLOAD}                   EAGAIN, EINVAL, ...
//   readv   {"end": S, "sizes": [INT]}                     {"data": PAYLOAD}                   as read
//   write   {"end": S, "data": PAYLOAD}                    {"sent": INT}                       EPIPE, ENOTCONN, ...
//   writev  {"end": S, "buffers": [PAYLOAD]}               {"sent": INT}                       as write
//   dup     {"end": S}                                     (none)                              EBADF, EMFILE
//   dup2    {"end": S, "onto": "self" | "free" | "other", "newfd": INT?}   (none)              EBADF
//   dup3    as dup2, plus "flags": ["O_CLOEXEC"]?, "bits": INT?            (none)              EINVAL, EBADF
//   fstat   {"end": S}                                     {"type": "S_IFSOCK", "mode": "0777", "size": 0}   EBADF
//
// (read and write take no "nonblocking": only the socket's O_NONBLOCK; dup2's "onto" as the pipe model's, without
//  another descriptor of the object)
extension UnixSocketModel {
    /// The input of a descriptor call (nil: `call` is another kind).
    static func descriptorInput(of call: Call) throws(ModelError) -> Input? {
        guard ["read", "readv", "write", "writev", "dup", "dup2", "dup3", "fstat"].contains(call.f) else { return nil }
        let end = try call.value.required("end").text("end")
        guard end != regularFile else {
            throw ModelError("\(call.f): \"regular-file\" is no socket; its reads and writes are another model's")
        }
        let size = 0...(1 << 24)
        switch call.f {
        case "read":
            return .read(process: call.process, end: end, sizes: [try call.value.required("max").integer("max", in: size)], vectored: false)
        case "readv":
            let sizes = try call.value.required("sizes").elements("sizes").map { (element) throws(ModelError) in
                try element.integer("sizes", in: size)
            }
            return .read(process: call.process, end: end, sizes: sizes, vectored: true)
        case "write":
            return .write(process: call.process, end: end, buffers: [try call.value.required("data").payload("data")], vectored: false)
        case "writev":
            let buffers = try call.value.required("buffers").elements("buffers").map { (element) throws(ModelError) in
                try element.payload("buffers")
            }
            return .write(process: call.process, end: end, buffers: buffers, vectored: true)
        case "dup":
            return .duplicate(process: call.process, end: end, call: nil)
        case "dup2", "dup3":
            return .duplicate(process: call.process, end: end, call: try PipeModel.duplicateCall(of: call, sameObject: [:]))
        default:
            return .status(process: call.process, end: end)
        }
    }

    /// A descriptor call's recorded success (nil: `input` is another kind).
    static func descriptorOutput(_ value: JSONValue?, for input: Input) throws(ModelError) -> Output? {
        switch input {
        case .read(_, _, let sizes, _):
            let data = try value.required("data").payload("data")
            let total = sizes.reduce(0, +)
            guard data.count <= total else { throw ModelError("read \(data.count) bytes, more than its buffers' \(total)") }
            return .received(Received(data: data))
        case .write(_, _, let buffers, _):
            return .sent(try value.required("sent").integer("sent", in: 0...buffers.reduce(0) { $0 + $1.count }))
        case .duplicate:
            return .closed
        case .status:
            guard let mode = try Permissions.mode(in: value) else { throw ModelError("an fstat's result needs a 'mode'") }
            return .status(
                type: try value.optional("type")?.text("type") ?? "S_IFSOCK", mode: mode,
                size: try value.required("size").integer("size", in: -(1 << 62)...(1 << 62)))
        default:
            return nil
        }
    }

    /// A descriptor call's recorded form (nil: `input` is another kind).
    static func descriptorCall(for input: Input) -> (f: String, value: JSONValue?)? {
        switch input {
        case .read(_, let end, let sizes, let vectored):
            return vectored
                ? ("readv", ["end": .string(end), "sizes": .array(sizes.map { .int($0) })])
                : ("read", ["end": .string(end), "max": .int(sizes.first ?? 0)])
        case .write(_, let end, let buffers, let vectored):
            return vectored
                ? ("writev", ["end": .string(end), "buffers": .array(buffers.map { Payload.json($0) })])
                : ("write", ["end": .string(end), "data": Payload.json(buffers.first ?? [])])
        case .duplicate(_, let end, nil):
            return ("dup", ["end": .string(end)])
        case .duplicate(_, let end, let call?):
            var value: JSONObject = ["end": .string(end)]
            call.addFields(to: &value)
            return (call.name, .object(value))
        case .status(_, let end):
            return ("fstat", ["end": .string(end)])
        default:
            return nil
        }
    }

    /// How a descriptor call reads in a report (nil: `input` is another kind).
    static func describeDescriptorCall(_ input: Input) -> String? {
        switch input {
        case .read(_, let end, let sizes, let vectored):
            return vectored ? "readv on \(end) into buffers of \(sizes) bytes" : "read on \(end) up to \(sizes.first ?? 0) bytes"
        case .write(_, let end, let buffers, let vectored):
            let data = Array(buffers.joined())
            return (vectored ? "writev on \(end) of \(buffers.count) buffers " : "write on \(end) ")
                + "\(Payload.preview(data)) (\(data.count) bytes)"
        case .duplicate(_, let end, nil): return "dup \(end)"
        case .duplicate(_, let end, let call?): return "\(call) of \(end)"
        case .status(_, let end): return "fstat \(end)"
        default: return nil
        }
    }
}
