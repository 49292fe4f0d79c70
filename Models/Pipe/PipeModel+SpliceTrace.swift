// The recorded form of `splice`, `tee` and `vmsplice` (the table is in PipeModel+Trace.swift and traces/README.md).
// What the other side is — a file's bytes, a private pipe's room, where user memory starts in its page — is recorded
// with the call, because the pipe's state after it depends on it and nothing else in the trace says it.
extension PipeModel {
    static func spliceCall(of call: Call) throws(ModelError) -> SpliceCall {
        let value = call.value
        let nonblocking = try value.optional("nonblocking")?.boolean("nonblocking") ?? false
        let bits = try value.optional("bits")?.integer("bits", in: 0...Int(UInt32.max)) ?? 0
        let direction: SpliceDirection
        switch call.f {
        case "tee":
            let into = try value.optional("into")?.text("into") ?? "private"
            guard into == "private" || into == "self" else {
                throw ModelError("field 'into' must be \"private\" or \"self\", not \"\(into)\"")
            }
            // A full private pipe would make the tee wait on a pipe the trace does not follow: not expressible.
            direction = .tee(
                max: try value.required("max").integer("max", in: 0...1 << 30),
                room: try value.optional("room")?.integer("room", in: 1...1 << 20) ?? 16, intoSelf: into == "self")
        case "vmsplice":
            if try spliceEnd(of: value) == .read {
                let sizes = try value.required("iov").elements("iov").map { (size) throws(ModelError) in
                    try size.integer("iov", in: 0...1 << 24)
                }
                guard sizes.reduce(0, +) <= 1 << 24 else { throw ModelError("field 'iov': more than 16 MiB in all") }
                direction = .scatter(sizes: sizes)
            } else {
                let pieces = try value.required("iov").elements("iov").map { (piece) throws(ModelError) in
                    try piece.payload("iov")
                }
                // How many page slots a vector takes depends on where it starts in its page (a 100-byte vector at
                // 4050 takes two): a trace that does not say cannot be judged, so it is refused rather than read as
                // page-aligned — only vectors of at most one byte, which take one slot wherever they start, need none.
                guard let listed = try value.optional("offsets") else {
                    guard pieces.allSatisfy({ $0.count <= 1 }) else {
                        throw ModelError("vmsplice into a pipe needs 'offsets', each vector's offset within its page: the page slots it takes depend on it")
                    }
                    direction = .gather(pieces: pieces, offsets: [])
                    break
                }
                let offsets = try listed.elements("offsets").map { (offset) throws(ModelError) in
                    try offset.integer("offsets", in: 0...1 << 30)
                }
                guard offsets.count == pieces.count else {
                    throw ModelError("field 'offsets' must give one page offset per vector (\(pieces.count))")
                }
                direction = .gather(pieces: pieces, offsets: offsets)
            }
        default:
            let max = try value.required("max").integer("max", in: 0...1 << 30)
            if try spliceEnd(of: value) == .read {
                let into = try value.optional("into")?.text("into") ?? "sink"
                guard into == "sink" || into == "self" else {
                    throw ModelError("field 'into' must be \"sink\" or \"self\", not \"\(into)\"")
                }
                direction = .toSink(max: max, intoSelf: into == "self")
            } else {
                let data = try value.required("data").payload("data")
                guard data.count <= max else {
                    throw ModelError("field 'data': \(data.count) bytes of the file, more than max \(max)")
                }
                direction = .fromFile(
                    max: max, data: data,
                    position: try value.optional("position")?.integer("position", in: 0...1 << 40) ?? 0)
            }
        }
        let offset = try value.optional("offset")?.boolean("offset") ?? false
        return SpliceCall(direction, nonblocking: nonblocking, otherBits: bits, pipeOffset: offset)
    }

    private static func spliceEnd(of value: JSONValue?) throws(ModelError) -> End {
        let name = try value.required("end").text("end")
        guard let end = End(rawValue: name) else {
            throw ModelError("field 'end' must be \"read\" or \"write\", not \"\(name)\"")
        }
        return end
    }

    static func spliceOutput(_ value: JSONValue?, for call: SpliceCall) throws(ModelError) -> Output {
        if case .scatter = call.direction {
            let bytes = try value.required("data").payload("data")
            guard bytes.count <= call.requested else {
                throw ModelError("vmsplice returned \(bytes.count) bytes, more than its buffers' \(call.requested)")
            }
            return .read(bytes)
        }
        return .moved(try value.required("count").integer("count", in: 0...call.requested))
    }

    static func spliceValue(_ call: SpliceCall) -> (f: String, value: JSONValue?) {
        var value: JSONObject = [:]
        if call.nonblocking { value["nonblocking"] = true }
        if call.otherBits != 0 { value["bits"] = .int(call.otherBits) }
        if call.pipeOffset { value["offset"] = true }
        switch call.direction {
        case .toSink(let max, let intoSelf):
            value["end"] = "read"
            value["max"] = .int(max)
            if intoSelf { value["into"] = "self" }
            return ("splice", .object(value))
        case .fromFile(let max, let data, let position):
            value["end"] = "write"
            value["max"] = .int(max)
            value["data"] = Payload.json(data)
            if position != 0 { value["position"] = .int(position) }
            return ("splice", .object(value))
        case .tee(let max, let room, let intoSelf):
            value["max"] = .int(max)
            if room != 16 { value["room"] = .int(room) }
            if intoSelf { value["into"] = "self" }
            return ("tee", .object(value))
        case .gather(let pieces, let offsets):
            value["end"] = "write"
            value["iov"] = .array(pieces.map { Payload.json($0) })
            value["offsets"] = .array(pieces.indices.map { .int($0 < offsets.count ? offsets[$0] : 0) })
            return ("vmsplice", .object(value))
        case .scatter(let sizes):
            value["end"] = "read"
            value["iov"] = .array(sizes.map { .int($0) })
            return ("vmsplice", .object(value))
        }
    }
}

extension PipeModel.SpliceCall: CustomStringConvertible {
    public var description: String {
        var flags: [String] = []
        if nonblocking { flags.append("SPLICE_F_NONBLOCK") }
        if otherBits != 0 { flags.append("bits \(otherBits)") }
        if pipeOffset { flags.append("an offset for the pipe") }
        let suffix = flags.isEmpty ? "" : " (\(flags.joined(separator: ", ")))"
        switch direction {
        case .toSink(let max, let intoSelf):
            return "splice up to \(max) bytes into \(intoSelf ? "its own write end" : "a sink")\(suffix)"
        case .fromFile(let max, let data, let position):
            return
                "splice up to \(max) bytes from a file at \(position) (\(Payload.preview(data)), \(data.count) bytes there)\(suffix)"
        case .tee(let max, let room, let intoSelf):
            return
                "tee up to \(max) bytes into \(intoSelf ? "its own write end" : "a private pipe with \(room) free slots")\(suffix)"
        case .gather(let pieces, _):
            return
                "vmsplice \(Payload.preview(Array(pieces.joined()))) (\(pieces.map { String($0.count) }.joined(separator: " + ")) bytes)\(suffix)"
        case .scatter(let sizes):
            return "vmsplice out up to \(sizes.map(String.init).joined(separator: " + ")) bytes\(suffix)"
        }
    }
}
