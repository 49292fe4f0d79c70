import IPCModels

/// `setsockopt` and `getsockopt` of `SO_RCVTIMEO` and `SO_SNDTIMEO` on a socket pair's end: the unix-socket model's
/// operations of the same names (`{"end", "option", "value": {"sec", "usec"}}`, ``UnixSocketModel/SocketTimeout``),
/// after which the model lets a blocking receive or send that would sleep end as the nonblocking one would (`EAGAIN`)
/// when the time runs out.
///
/// strace prints the `timeval` as its 16 bytes (`"\x00…\x20\x4e…"`, strace 6.1 here, with `-xx`) or, in newer
/// versions, as `{tv_sec=…, tv_usec=…}`: both are read (two 64-bit numbers, `SO_RCVTIMEO_OLD`'s `timeval` and
/// `SO_RCVTIMEO_NEW`'s `__kernel_sock_timeval` alike on 64-bit Linux). What the model cannot say leaves the pair out
/// with the reason: a length other than 16 (`EINVAL` for a short one, not in the model), a `timeval` the log does not
/// show whole or whose numbers the trace form cannot hold, a failure other than `EDOM`. `getsockopt(SO_ERROR)`, which
/// takes the pending error, is the model's too (see ``simulateSocketError(_:_:)``). Other options stay as they were:
/// `setsockopt` of any other leaves the pair out (not followed), `getsockopt` of any other (which only looks) is not
/// imported.
extension StraceSimulation {
    /// `SO_RCVTIMEO_OLD`, `SO_SNDTIMEO_OLD`, `SO_RCVTIMEO_NEW`, `SO_SNDTIMEO_NEW` (x86-64), by the model's names.
    static let socketTimeoutOptions: [Int64: String] = [20: "SO_RCVTIMEO", 21: "SO_SNDTIMEO", 66: "SO_RCVTIMEO", 67: "SO_SNDTIMEO"]

    /// A `timeval` as strace shows it: 16 bytes (little-endian seconds then microseconds) or `{tv_sec=…, tv_usec=…}`.
    static func socketTimeval(_ value: StraceValue?) -> (seconds: Int64, microseconds: Int64)? {
        switch value {
        case .string(let bytes, false)? where bytes.count == 16:
            func number(_ offset: Int) -> Int64 {
                bytes[offset..<offset + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }.signedBitPattern
            }
            return (number(0), number(8))
        case .structure?:
            guard let seconds = value?["tv_sec"]?.integer, let microseconds = value?["tv_usec"]?.integer else { return nil }
            return (seconds, microseconds)
        default:
            return nil
        }
    }

    /// Returns false for a call that is not one of these on a socket pair's end (the caller goes on as before).
    mutating func simulateSocketTimeoutOption(_ call: StraceLog.Call, _ arguments: [StraceValue]) -> Bool {
        func argument(_ index: Int) -> StraceValue? { index < arguments.count ? arguments[index] : nil }
        if call.name == "getsockopt", argument(1)?.integer == 1, argument(2)?.integer == 4 { return simulateSocketError(call, arguments) }
        guard let fd = argument(0)?.descriptor, let entry = descriptors.entry(pid: call.pid, fd: fd),
            let object = descriptors[file: entry.file].object, case .socketPair = objects[object].kind,
            argument(1)?.integer == 1, let option = argument(2)?.integer.flatMap({ Self.socketTimeoutOptions[$0] })
        else { return false }
        if case .error(let error) = call.result, Self.withoutEffect.contains(error) { return true }
        let end = descriptors[file: entry.file].end
        let setting = call.name == "setsockopt"
        if case .error(let error) = call.result, !(setting && error == "EDOM") {
            objects[object].exclude("\(call.name) of \(option) at line \(call.line) failed \(error), which the unix-socket model does not have")
            return true
        }
        // setsockopt's optlen, or getsockopt's as the kernel left it (`[16]`, `[32 => 16]`).
        guard argument(4)?.integer == 16 else {
            objects[object].exclude("\(call.name) of \(option) at line \(call.line) with a length other than a timeval's 16 bytes, which the unix-socket model does not have")
            return true
        }
        if call.result == .unknown, !setting {
            record(object, call, f: "getsockopt", value: ["end": .string(end), "option": .string(option)], outcome: .indeterminate)
            return true
        }
        let int32 = Int64(Int32.min)...Int64(Int32.max)
        guard let timeval = Self.socketTimeval(argument(3)), int32.contains(timeval.seconds), int32.contains(timeval.microseconds) else {
            objects[object].exclude("\(call.name) of \(option) at line \(call.line) with a timeval the log does not show whole, or beyond what a trace holds")
            return true
        }
        let json: JSONValue = ["sec": .integer(timeval.seconds), "usec": .integer(timeval.microseconds)]
        if setting {
            record(object, call, f: "setsockopt", value: ["end": .string(end), "option": .string(option), "value": json], outcome: outcome(call) { nil })
        } else {
            record(object, call, f: "getsockopt", value: ["end": .string(end), "option": .string(option)], outcome: outcome(call) { ["value": json] })
        }
        return true
    }
}

extension StraceSimulation {
    /// `getsockopt(SO_ERROR)` on a socket pair's end: the unix-socket model's `getsockopt` `{"end", "option": "SO_ERROR"}`
    /// (`{"value": 0}` or `{"value": "ECONNRESET"}`). Reading it takes the pending error (`sock_error`), so the next
    /// read finds end of file rather than `ECONNRESET`: a log that reads it cannot be checked without it. The kernel takes
    /// the error before it copies the value out, so a failure other than `EBADF` (an `EFAULT`, say) may have taken it
    /// too, and another error than `ECONNRESET` is not the model's: either leaves the pair out.
    mutating func simulateSocketError(_ call: StraceLog.Call, _ arguments: [StraceValue]) -> Bool {
        guard let fd = arguments.first?.descriptor, let entry = descriptors.entry(pid: call.pid, fd: fd),
            let object = descriptors[file: entry.file].object, case .socketPair = objects[object].kind
        else { return false }
        let end = descriptors[file: entry.file].end
        let value: JSONValue = ["end": .string(end), "option": "SO_ERROR"]
        switch call.result {
        case .error("EBADF"):
            return true
        case .error(let error):
            objects[object].exclude("getsockopt(SO_ERROR) at line \(call.line) failed \(error), and may have taken the pending error")
        case .unknown:
            record(object, call, f: "getsockopt", value: value, outcome: .indeterminate)
        case .value:
            switch arguments.count > 3 ? arguments[3].integer : nil {
            case 0?: record(object, call, f: "getsockopt", value: value, outcome: .ok(["value": 0]))
            case 104?: record(object, call, f: "getsockopt", value: value, outcome: .ok(["value": "ECONNRESET"]))
            case let other:
                objects[object].exclude("getsockopt(SO_ERROR) at line \(call.line) read \(other.map(String.init) ?? "a value the importer cannot read"), which the unix-socket model does not have (0 or ECONNRESET)")
            }
        }
        return true
    }
}

extension UInt64 {
    fileprivate var signedBitPattern: Int64 { Int64(bitPattern: self) }
}
