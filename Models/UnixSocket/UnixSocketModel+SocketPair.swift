/// `socketpair(domain, type, protocol, sv)` as this kernel answers it (measured in `UnixSocketPairFactsTests`): a call
/// whose pair is closed at once, judged on its type, the flags both ends got, or its error. LTP's `socketpair01` and
/// `socketpair02` ask exactly this.
///
/// The kernel's order (`__sys_socketpair`): `type` bits other than the type, `SOCK_NONBLOCK` and `SOCK_CLOEXEC` fail
/// `EINVAL`; then two descriptor numbers are taken — so a full table fails `EMFILE` before anything else is looked
/// at (a family out of range too); then both sockets are made as `socket` would make them (see ``createdSocket``:
/// a family out of range `EAFNOSUPPORT`, a type of 11 or more `EINVAL`, an unregistered family such as `AF_UNSPEC`
/// `EAFNOSUPPORT`, `AF_UNIX`'s protocol and type checks) and joined by the family's `socketpair`, which only
/// `AF_UNIX` has: `AF_INET`'s TCP and UDP sockets fail `EOPNOTSUPP`, after `EPROTONOSUPPORT` for a protocol its
/// type does not have; `AF_INET`'s own checks come first (`inet_create`): a protocol outside 0..<`IPPROTO_MAX` (263)
/// `EINVAL`, a raw socket of protocol 0 `EPROTONOSUPPORT` (the raw entry is a wildcard that wants a protocol), a
/// stream of a protocol no stream registers (ICMP's 1 in LTP's `socketpair01`) `EPROTONOSUPPORT`; a raw socket of any
/// other protocol needs `CAP_NET_RAW` (`EPERM` without, ``socketPairOutcomes``) and then has no `socketpair`
/// (`EOPNOTSUPP`). Both ends of a pair get `O_NONBLOCK` with `SOCK_NONBLOCK` and `FD_CLOEXEC` with
/// `SOCK_CLOEXEC`, never one without the other.
extension UnixSocketModel {
    /// `AF_INET`, whose `socketpair` the model knows for TCP and UDP (the protocols 0, 6, 17 of stream and datagram
    /// sockets), raw sockets, protocols out of range, and stream protocols nothing registers: its other types and
    /// protocols depend on the modules loaded (SCTP's 132, `IPPROTO_SMC`'s 256 and MPTCP's 262 on a stream, SCTP's
    /// seqpacket) and `ping_group_range` (a datagram socket of ICMP's 1).
    static let internet = 2
    /// `IPPROTO_MAX`: `inet_create` refuses a protocol outside 0..<263 with `EINVAL` first.
    static let internetProtocolLimit = 263
    /// Stream protocols a module or the configuration may register for `AF_INET` (SCTP, SMC, MPTCP): not judged.
    static let moduleStreamProtocols: Set<Int> = [132, 256, 262]

    /// Whether `type` has bits beyond the type (its low 4 bits), `SOCK_NONBLOCK` and `SOCK_CLOEXEC`: `EINVAL` first.
    static func hasUnknownFlags(_ type: Int) -> Bool { type & ~(0xf | socketNonblock | socketCloseOnExec) != 0 }

    /// What a `socketpair` of `domain`, `type`, `protocol` returns, before the `EMFILE` a full table would give instead.
    public static func createdPair(domain: Int, type: Int, protocol number: Int) -> Output {
        if hasUnknownFlags(type) { return .failed(.EINVAL) }
        if domain == internet || domain == 0 {
            let kind = type & 0xf
            if kind >= 11 { return .failed(.EINVAL) }
            // AF_UNSPEC is in range, but no family registers it.
            if domain == 0 { return .failed(ErrorCode("EAFNOSUPPORT")) }
            if (1...3).contains(kind), !(0..<internetProtocolLimit).contains(number) { return .failed(.EINVAL) }
            // Raw: protocol 0 matches no entry; any other makes a raw socket (with CAP_NET_RAW), which has no pair.
            if kind == 3 { return number == 0 ? .failed(ErrorCode("EPROTONOSUPPORT")) : .failed(ErrorCode("EOPNOTSUPP")) }
            let own = kind == 1 ? 6 : 17  // TCP for a stream, UDP for a datagram socket
            return number == 0 || number == own ? .failed(ErrorCode("EOPNOTSUPP")) : .failed(ErrorCode("EPROTONOSUPPORT"))
        }
        let made = createdSocket(domain: domain, type: type, protocol: number)
        guard case .created(let socketType) = made else { return made }
        return .pairCreated(socketType, nonblocking: type & socketNonblock != 0, closeOnExec: type & socketCloseOnExec != 0)
    }

    /// Whether `socketpair`'s arguments are ones the model can judge: `AF_UNIX`, `AF_UNSPEC`, a family out of range,
    /// or `AF_INET` (arguments refused before the family's own checks — bad flags, a type of 11 or more — and for the
    /// stream, datagram and raw types: a protocol out of range, any raw socket, a stream of a protocol no module can
    /// register, a datagram socket of protocol 0, 6 or 17).
    public static func judgesPair(domain: Int, type: Int, protocol number: Int) -> Bool {
        if domain != internet { return domain <= 1 || domain >= 46 }
        let kind = type & 0xf
        if hasUnknownFlags(type) || kind >= 11 { return true }
        guard (1...3).contains(kind) else { return false }
        if !(0..<internetProtocolLimit).contains(number) || kind == 3 { return true }
        if kind == 1 { return !moduleStreamProtocols.contains(number) }
        return [0, 6, 17].contains(number)
    }

    /// Whether `socket`'s arguments are ones the model can judge: `AF_UNIX`, `AF_UNSPEC`, a family out of range, or
    /// `AF_INET` as for ``judgesPair`` but for a raw socket of a protocol (made with `CAP_NET_RAW`: a raw socket the
    /// model has no type for).
    public static func judgesSocket(domain: Int, type: Int, protocol number: Int) -> Bool {
        judgesPair(domain: domain, type: type, protocol: number) && withoutCapabilities(domain: domain, type: type, protocol: number) == nil
    }

    /// The other answer a caller's capabilities may give (none in a trace): a raw `AF_INET` socket of a protocol
    /// needs `CAP_NET_RAW`, so without it the pair fails `EPERM` (measured as uid 65534 with `setpriv`).
    public static func withoutCapabilities(domain: Int, type: Int, protocol number: Int) -> Output? {
        guard domain == internet, !hasUnknownFlags(type), type & 0xf == 3, (1..<internetProtocolLimit).contains(number) else { return nil }
        return .failed(ErrorCode("EPERM"))
    }

    /// `socketpair`'s outcomes: its answer, and `EMFILE` beside any answer past the flags check (no trace shows the
    /// table; measured with one and with no free number).
    func socketPairOutcomes(domain: Int, type: Int, protocol number: Int, in state: State) -> Transitions {
        let made = Self.createdPair(domain: domain, type: type, protocol: number)
        if made == .failed(.EINVAL), Self.hasUnknownFlags(type) { return [(made, .completed(state))] }
        var outcomes: Transitions = [(made, .completed(state)), (.failed(DescriptorTable.exhausted), .completed(state))]
        if let other = Self.withoutCapabilities(domain: domain, type: type, protocol: number) { outcomes.append((other, .completed(state))) }
        return outcomes
    }
}
