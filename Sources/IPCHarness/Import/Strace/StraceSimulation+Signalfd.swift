import IPCModels

/// Signals taken through a signalfd, as the signal model's `signalfd-read`.
///
/// A signalfd reads the signals of whichever process reads it, so a `read` of a descriptor that
/// `signalfd4(-1, set, 8, flags)` (or `signalfd`) made is the reading process's `signalfd-read` of that set, its
/// `O_NONBLOCK` as the descriptor's file has it then (`SFD_NONBLOCK`, `fcntl`, `FIONBIO` are followed). Each
/// 128-byte `struct signalfd_siginfo` in the buffer is decoded — `ssi_signo`, `ssi_code`, `ssi_pid`, and `ssi_int`
/// for `SI_QUEUE` — when strace shows all of it (`-s` at least the bytes read, as the README's command line has).
///
/// What the importer cannot follow leaves the reader unchecked, as any signalfd did before: a set changed by passing
/// the descriptor back (`signalfd4(fd, …)`), flags or a set it cannot read, a buffer strace cut, `readv`, and a
/// siginfo whose `si_code` no send of the log makes. `poll`, `select` and epoll of a signalfd take nothing, so they
/// change nothing the model follows.
extension StraceSimulation {
    /// `signalfd`/`signalfd4` making a new signalfd the importer can follow: installs its descriptor and returns
    /// true; false (the caller marks the process) for anything else.
    mutating func makeSignalfd(_ call: StraceLog.Call, _ arguments: [StraceValue]) -> Bool {
        func argument(_ index: Int) -> StraceValue? { index < arguments.count ? arguments[index] : nil }
        if case .error = call.result { return true }  // made nothing
        guard argument(0)?.integer == -1, let set = Self.signalSet(argument(1)) else { return false }
        let flags = call.name == "signalfd4" ? argument(3)?.integer : 0
        guard let flags, flags & ~(0o4000 | 0o2000000) == 0, case .value(let text) = call.result,
            let value = (try? StraceValueReader.values(text[...]))?.first, let number = value.descriptor, number >= 0
        else { return false }
        var annotation = ""
        if case .descriptor(_, let shown) = value { annotation = shown }
        let file = descriptors.newFile(.init(
            object: nil, end: "use", nonblocking: flags & 0o4000 != 0, identity: nil,
            description: annotation.isEmpty ? "signalfd \(number)" : annotation))
        descriptors.install(pid: call.pid, fd: number, file: file, closeOnExec: flags & 0o2000000 != 0)
        signals.signalfds[file] = set
        return true
    }

    /// A call through a followed signalfd's descriptor: a `read` is recorded; a call that changes what the importer
    /// follows marks the process. True when the call is done with.
    mutating func usesSignalfd(_ call: StraceLog.Call, _ arguments: [StraceValue]) -> Bool {
        guard let fd = arguments.first?.descriptor, let entry = descriptors.entry(pid: call.pid, fd: fd),
            let set = signals.signalfds[entry.file]
        else { return false }
        switch call.name {
        case "read":
            readSignalfd(call, arguments, set: set, nonblocking: descriptors[file: entry.file].nonblocking)
            return true
        case "poll", "ppoll", "select", "pselect6", "epoll_ctl", "fstat", "newfstatat", "close":
            return false
        default:
            signals.signalfdUsers[call.pid] = signals.signalfdUsers[call.pid] ?? call.line
            return false
        }
    }

    private mutating func readSignalfd(_ call: StraceLog.Call, _ arguments: [StraceValue], set: Set<Int>, nonblocking: Bool) {
        if case .error(let error) = call.result, Self.withoutEffect.contains(error) { return }
        guard let object = receiverIfKnown(call.pid, call: call) else { return }
        signals.involved[object, default: []].formUnion(set)
        guard arguments.count > 2, let max = arguments[2].integer else {
            objects[object].exclude("a signalfd read at line \(call.line) with a size the importer cannot read")
            return
        }
        let value: JSONObject = [
            "signals": .array(set.sorted().map { .string(SignalModel.name(of: $0)) }), "max": .integer(max),
            "nonblocking": .bool(nonblocking),
        ]
        var deliveries: [JSONValue] = []
        if case .value(let text) = call.result {
            guard let count = Int(text), case .string(let bytes, truncated: false) = arguments[1], bytes.count == count,
                count % 128 == 0
            else {
                objects[object].exclude("a signalfd read at line \(call.line) whose siginfos strace did not show whole (-s too small)")
                return
            }
            for start in stride(from: 0, to: count, by: 128) {
                guard let delivery = Self.delivery(Array(bytes[start..<start + 128])) else {
                    objects[object].exclude("a signalfd read at line \(call.line) took a signal with an si_code no kill, sigqueue or tgkill of the log sends")
                    return
                }
                guard case .integer(let sender)? = delivery["senderPid"], sender > 0, logPids.contains(Int(sender)) else {
                    objects[object].exclude("a signalfd read at line \(call.line) took a signal from a process the log does not show")
                    return
                }
                deliveries.append(.object(delivery))
            }
        }
        record(object, call, f: "signalfd-read", value: .object(value), outcome: outcome(call) { ["deliveries": .array(deliveries)] })
    }

    /// One `struct signalfd_siginfo` as the model's delivery, its sender by pid (`senderPid`, numbered when the trace
    /// is assembled); nil for an `si_code` other than `SI_USER`, `SI_QUEUE` and `SI_TKILL`.
    static func delivery(_ info: [UInt8]) -> JSONObject? {
        func word(_ offset: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 | UInt32(info[offset + $1]) << (8 * UInt32($1)) }
        }
        let signal = Int(word(0))
        var delivery: JSONObject = ["signal": .string(SignalModel.name(of: signal))]
        switch Int32(bitPattern: word(8)) {
        case 0: delivery["code"] = "SI_USER"
        case -6: delivery["code"] = "SI_TKILL"
        case -1:
            delivery["code"] = "SI_QUEUE"
            delivery["value"] = .integer(Int64(Int32(bitPattern: word(44))))
        default: return nil
        }
        delivery["senderPid"] = .integer(Int64(word(12)))
        return delivery
    }
}
