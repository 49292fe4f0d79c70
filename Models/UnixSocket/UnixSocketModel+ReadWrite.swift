/// `read`, `readv`, `write` and `writev` on a socket: what a user's framing code calls far more often than `send` and
/// `recv`. The kernel turns each into `sock_recvmsg`/`sock_sendmsg` with no flags but the open file description's
/// (`O_NONBLOCK` as `MSG_DONTWAIT`; a seqpacket write adds `MSG_EOR`, which a Unix socket ignores), so the model judges
/// each as the receive or send it becomes — no copy of that code — and adds only what differs (measured in
/// `UnixSocketReadWriteFactsTests`, a C probe first, on every type):
/// - nothing asked, nothing done: a `read` or `readv` of 0 bytes returns 0 at once, taking nothing — a queued datagram
///   or record stays, where `recv` of 0 bytes takes it — and so on a listener, an unconnected socket or one shut for
///   reading too; a `writev` of 0 bytes (no buffers, or empty ones) returns 0 and sends nothing, even on a socket
///   whose peer has gone or that has none (`do_iter_readv_writev` never reaches the socket), where a `write` of 0 bytes
///   is a send of 0 bytes: an empty datagram or record, or a stream's `EPIPE`/`ENOTCONN`;
/// - more than `UIO_MAXIOV` (1024) buffers fail `EINVAL`, after `EBADF` and before every socket check;
/// - a read reports only its bytes: no `MSG_TRUNC` (a longer datagram's tail is dropped silently), no sender, no
///   control buffer — descriptors in what it takes are closed, credentials and pidfds dropped — as a receive with no
///   room for them (a stream read still stops where the sender changes under `SO_PASSCRED`);
/// - a `writev` is one datagram or record, its buffers joined; a `readv` fills its buffers in order from one.
/// `SIGPIPE` (a stream write's `EPIPE` raises it; a seqpacket's does not — measured) is not followed: the harness
/// ignores it, and a process it kills ends with an `exit` event.
extension UnixSocketModel {
    /// `UIO_MAXIOV`: the most buffers a `readv` or `writev` takes.
    public static let maximumBuffers = 1024

    /// The receive or send a `read` or `write` is; nil when it reaches no socket call (nothing asked, or too many
    /// buffers), or for any other input.
    static func plainTransfer(_ input: Input) -> Input? {
        switch input {
        case .read(let process, let end, let sizes, _):
            let total = sizes.reduce(0, +)
            guard sizes.count <= maximumBuffers, total > 0 else { return nil }
            return .receive(process: process, end: end, max: total, nonblocking: false, maxFiles: 0)
        case .write(let process, let end, let buffers, let vectored):
            let data = Array(buffers.joined())
            guard buffers.count <= maximumBuffers, !vectored || !data.isEmpty else { return nil }
            return .send(process: process, end: end, data: data, nonblocking: false, to: nil, files: [])
        default:
            return nil
        }
    }

    /// Every way a `read` or `write` may take effect: its descriptor's and buffers' checks, then the receive's or send's
    /// outcomes, a receipt cut to its bytes.
    func plainOutcomes(of input: Input, in state: State) -> [(output: Output?, step: Step<State>)] {
        let (process, end, count, reading): (Int, String, Int, Bool)
        switch input {
        case .read(let p, let e, let sizes, _): (process, end, count, reading) = (p, e, sizes.count, true)
        case .write(let p, let e, let buffers, _): (process, end, count, reading) = (p, e, buffers.count, false)
        default: return []
        }
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        guard count <= Self.maximumBuffers else { return failure(state, .EINVAL) }
        guard let transfer = Self.plainTransfer(input) else {
            return [(reading ? .received(Received(data: [])) : .sent(0), .completed(state))]
        }
        return outcomes(of: transfer, in: state).map { candidate in
            guard case .received(let received)? = candidate.output else { return candidate }
            return (.received(Received(data: received.data)), candidate.step)
        }
    }

    /// A `read` or `write` the fault plan cut to `count` bytes: the shorter call, its buffers cut in order.
    static func shortenedPlain(_ input: Input, to count: Int) -> Input? {
        switch input {
        case .read(let process, let end, let sizes, let vectored):
            var left = count
            let cut = sizes.map { size in
                defer { left -= Swift.min(size, left) }
                return Swift.min(size, left)
            }
            return .read(process: process, end: end, sizes: cut, vectored: vectored)
        case .write(let process, let end, let buffers, let vectored):
            var left = count
            let cut = buffers.map { buffer in
                defer { left -= Swift.min(buffer.count, left) }
                return Array(buffer.prefix(left))
            }
            return .write(process: process, end: end, buffers: cut, vectored: vectored)
        default:
            return nil
        }
    }
}
