import IPCModels

/// What `socket`'s and `socketpair`'s facts tests share to hold the model's answer against the kernel's.
enum SocketCreationAgreement {
    /// `AF_INET` protocols a sweep tries: out of range, TCP's, UDP's, ICMP's, module-registered ones, `IPPROTO_MAX`.
    static let internetProtocols = [-1, 0, 1, 2, 6, 17, 115, 132, 136, 255, 256, 262, 263, 1000]

    /// Calls `check` on every `AF_INET` (type, protocol) of `types` × ``internetProtocols`` that `judges`; how many.
    static func sweep(types: [Int], judges: (Int, Int, Int) -> Bool, check: (Int, Int, Int) -> Void) -> Int {
        var judged = 0
        for type in types {
            for number in internetProtocols where judges(2, type, number) {
                judged += 1
                check(2, type, number)
            }
        }
        return judged
    }

    /// An output as the facts tests describe what the kernel made: `type N` (with ` nonblocking` and ` cloexec` for
    /// a pair), or the error's name.
    static func text(_ output: UnixSocketModel.Output) -> String {
        let numbers = ["stream": 1, "dgram": 2, "seqpacket": 5]
        switch output {
        case .created(let kind): return "type \(numbers[kind.rawValue]!)"
        case .pairCreated(let kind, let nonblocking, let closeOnExec):
            return "type \(numbers[kind.rawValue]!)" + (nonblocking == true ? " nonblocking" : "") + (closeOnExec == true ? " cloexec" : "")
        case .failed(let code): return code.rawValue
        default: return "?"
        }
    }
}
