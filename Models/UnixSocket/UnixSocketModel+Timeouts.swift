/// `SO_RCVTIMEO` and `SO_SNDTIMEO`: a socket's timed waits, as measured (`UnixSocketTimeoutFactsTests`, a C probe;
/// socket(7)):
/// - `setsockopt` takes a `timeval`: `tv_usec` outside 0..<1000000 fails `EDOM`; a negative `tv_sec` (any usec in
///   range) means no timeout (the kernel warns once and sets none), as does 0/0 (the default: never time out);
/// - `getsockopt` reports it rounded *up* to the scheduler's tick — `sec * HZ + ceil(usec / (1000000 / HZ))` jiffies
///   turned back into a `timeval` (4000 µs for 1 µs here, `CONFIG_HZ=250`); 0/0 while none. The tick is the
///   machine's, not in the trace: a report is taken if some `HZ` of 100, 250, 300 or 1000 gives it;
/// - a call that would sleep on a socket with a timeout may instead end when it runs out, as the same call
///   nonblocking would end at that moment — a receive (`recv`, a peek, `MSG_WAITALL`) or `accept` under `SO_RCVTIMEO`,
///   a send or `connect` under `SO_SNDTIMEO`: `EAGAIN` with nothing moved, or the count it moved (a stream send that
///   queued part, a `MSG_WAITALL` receive that got part). `accept` with nobody waiting and `connect` to a full backlog
///   (a client's again, or a pair's end's; stream and seqpacket) end `EAGAIN` — never `EWOULDBLOCK` apart (the same
///   number) nor `EINPROGRESS` — and the socket that timed out connecting stays unconnected; measured
///   (`UnixSocketTimeoutFactsTests`, a C probe; `unix_stream_connect` waits in `unix_wait_for_peer` and tries again
///   with no time left, `skb_recv_datagram` under `sock_rcvtimeo` for `accept`). The model keeps no time, so any sleep may run out; a
///   handled signal ends such a sleep with `EINTR` even under `SA_RESTART` (signal(7)), which the model allows for
///   every sleep already.
extension UnixSocketModel {
    /// A `timeval` as set or reported.
    public struct SocketTimeout: Hashable, Sendable, CustomStringConvertible {
        public var seconds: Int
        public var microseconds: Int

        public init(seconds: Int, microseconds: Int) {
            self.seconds = seconds
            self.microseconds = microseconds
        }

        public var description: String { "\(seconds).\(String(repeating: "0", count: max(0, 6 - String(microseconds).count)))\(microseconds)s" }

        /// The ticks per second a kernel may be built with.
        static let tickRates = [100, 250, 300, 1000]

        /// What `getsockopt` reports for this timeout on a kernel of `HZ` ticks a second (`sock_set_timeout`, then
        /// `sock_get_timeout`).
        func reported(ticksPerSecond hz: Int) -> SocketTimeout {
            let tick = 1_000_000 / hz
            let jiffies = seconds * hz + (microseconds + tick - 1) / tick
            return SocketTimeout(seconds: jiffies / hz, microseconds: (jiffies % hz) * (1_000_000_000 / hz) / 1000)
        }
    }

    /// `setsockopt(SO_RCVTIMEO/SO_SNDTIMEO)` and `getsockopt` of them on the process's socket `end`.
    func timeoutOutcome(_ state: State, _ input: Input) -> Transitions {
        let (process, end): (Int, String)
        switch input {
        case .setTimeout(let who, let name, _, _): (process, end) = (who, name)
        case .getOption(let who, let name, .receiveTimeout), .getOption(let who, let name, .sendTimeout): (process, end) = (who, name)
        default: return []
        }
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return [(.failed(.EBADF), .completed(state))]
        }
        switch input {
        case .setTimeout(_, _, let send, let timeout):
            guard (0..<1_000_000).contains(timeout.microseconds) else { return [(.failed(Self.outOfDomain), .completed(state))] }
            let kept = timeout.seconds < 0 || (timeout.seconds == 0 && timeout.microseconds == 0) ? nil : timeout
            var next = state
            if send { next.sockets[index].sendTimeout = kept } else { next.sockets[index].receiveTimeout = kept }
            return [(.closed, .completed(next))]
        case .getOption(_, _, let option):
            let set = option == .sendTimeout ? state.sockets[index].sendTimeout : state.sockets[index].receiveTimeout
            guard let set else { return [(.timeout(SocketTimeout(seconds: 0, microseconds: 0)), .completed(state))] }
            var reports: [SocketTimeout] = []
            for hz in SocketTimeout.tickRates where !reports.contains(set.reported(ticksPerSecond: hz)) {
                reports.append(set.reported(ticksPerSecond: hz))
            }
            return reports.map { (.timeout($0), .completed(state)) }
        default:
            return []
        }
    }

    /// `EDOM`: a `timeval` whose microseconds are out of range.
    static let outOfDomain = ErrorCode("EDOM")

    /// The same call made nonblocking when it would sleep on a socket whose timeout for it is set (nil otherwise):
    /// its outcomes are also the call's, as when the timeout runs out.
    static func timedOut(_ input: Input, in state: State) -> Input? {
        let end: String
        let send: Bool
        switch input {
        case .receive(_, let name, _, false, _), .receiveWaitingAll(_, let name, _, false), .peek(_, let name, _, false, _),
            .receiveTruncating(_, let name, _, false, _), .accept(_, let name, false, _):
            (end, send) = (name, false)
        case .send(_, let name, _, false, _, _), .sendOutOfBand(_, let name, _, false), .sendCredentials(_, let name, _, false, _),
            .connectTo(_, let name?, _, _, false):
            (end, send) = (name, true)
        case .connect(let process, false):
            // A client connecting again (its socket `client-P` exists, connected): to a full backlog it sleeps, and
            // its `SO_SNDTIMEO` ends that sleep `EAGAIN` (measured). A new client's socket has no timeout yet.
            (end, send) = ("client-\(process)", true)
        default:
            return nil
        }
        guard let index = state.socketIndex(end) else { return nil }
        let socket = state.sockets[index]
        guard (send ? socket.sendTimeout : socket.receiveTimeout) != nil else { return nil }
        return madeNonblocking(input)
    }
}
