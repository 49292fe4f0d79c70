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
/// type does not have. Both ends of a pair get `O_NONBLOCK` with `SOCK_NONBLOCK` and `FD_CLOEXEC` with
/// `SOCK_CLOEXEC`, never one without the other.
extension UnixSocketModel {
    /// `AF_INET`, whose `socketpair` the model knows only for TCP and UDP (the protocols 0, 6, 17 of stream and
    /// datagram sockets): its other types and protocols depend on the modules loaded, the capabilities and
    /// `ping_group_range`.
    static let internet = 2

    /// What a `socketpair` of `domain`, `type`, `protocol` returns, before the `EMFILE` a full table would give instead.
    public static func createdPair(domain: Int, type: Int, protocol number: Int) -> Output {
        let flags = 0x800 | 0x80000  // SOCK_NONBLOCK, SOCK_CLOEXEC
        if type & ~(0xf | flags) != 0 { return .failed(.EINVAL) }
        if domain == internet || domain == 0 {
            let kind = type & 0xf
            if kind >= 11 { return .failed(.EINVAL) }
            // AF_UNSPEC is in range, but no family registers it.
            if domain == 0 { return .failed(ErrorCode("EAFNOSUPPORT")) }
            let own = kind == 1 ? 6 : 17  // TCP for a stream, UDP for a datagram socket
            return number == 0 || number == own ? .failed(ErrorCode("EOPNOTSUPP")) : .failed(ErrorCode("EPROTONOSUPPORT"))
        }
        let made = createdSocket(domain: domain, type: type, protocol: number)
        guard case .created(let socketType) = made else { return made }
        return .pairCreated(socketType, nonblocking: type & 0x800 != 0, closeOnExec: type & 0x80000 != 0)
    }

    /// Whether `socketpair`'s arguments are ones the model can judge: `AF_UNIX`, `AF_UNSPEC`, a family out of range,
    /// or `AF_INET` with a stream or datagram type and protocol 0, 6 or 17 (or arguments refused before the family's
    /// own checks: bad flags, a type of 11 or more).
    public static func judgesPair(domain: Int, type: Int, protocol number: Int) -> Bool {
        if domain != internet { return domain <= 1 || domain >= 46 }
        let kind = type & 0xf
        return type & ~(0xf | 0x800 | 0x80000) != 0 || kind >= 11 || ([1, 2].contains(kind) && [0, 6, 17].contains(number))
    }

    /// `socketpair`'s outcomes: its answer, and `EMFILE` beside any answer past the flags check (no trace shows the
    /// table; measured with one and with no free number).
    func socketPairOutcomes(domain: Int, type: Int, protocol number: Int, in state: State) -> Transitions {
        let made = Self.createdPair(domain: domain, type: type, protocol: number)
        if made == .failed(.EINVAL), type & ~(0xf | 0x800 | 0x80000) != 0 { return [(made, .completed(state))] }
        return [(made, .completed(state)), (.failed(DescriptorTable.exhausted), .completed(state))]
    }
}
