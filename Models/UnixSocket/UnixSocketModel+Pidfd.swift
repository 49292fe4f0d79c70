/// `SO_PASSPIDFD` and `SCM_PIDFD`, and `SO_PEERPIDFD` (see ``option(_:_:)``), measured in `UnixSocketPidfdFactsTests`
/// (C probes first; the kernel selftest `net/af_unix/scm_pidfd.c`):
/// - The kernel records the sending process with a message (`UNIXCB(skb).pid`) only when the sending or the
///   receiving socket has `SO_PASSPIDFD` at the send (`unix_may_passcred`; measured: a message queued before the
///   receiver set it carries nothing, one sent while it was set does, and so does one a sender with the option set
///   sent); a receiver with `SO_PASSPIDFD` set at the receive gets, with each such datagram or record, an
///   `SCM_PIDFD` control message holding a new pidfd of that process. The model keeps each message's sending trace
///   process (0: not recorded) and reports it as the receipt's `pidfd`.
/// - Without control room (`maxFiles` 0: no control buffer) the pidfd is not installed and the receipt says
///   `MSG_CTRUNC` (`filesTruncated`); any room for a descriptor (`CMSG_SPACE(sizeof(int))`) holds it.
/// - The pidfd stays valid after the sender exits (`POLLIN`), and after it was reaped (`Pid: -1`, `POLLIN|POLLHUP`):
///   a trace names the process either way.
/// - The control room `SCM_CREDENTIALS`, `SCM_RIGHTS` and `SCM_PIDFD` share, in that order, and a stream read's stop
///   at a change of sender: see `UnixSocketModel+Credentials` (measured in `UnixSocketCredentialsFactsTests`).
extension UnixSocketModel {
    /// The `pidfd` of a receipt the model does not judge.
    public static let pidfdNotJudged = -1

    func setPassPidfd(_ state: State, process: Int, end: String, value: Int) -> Transitions {
        settingFlag(state, process: process, end: end, \.passPidfd, value: value)
    }

    /// `setsockopt(SO_PASSPIDFD)`'s trace form: `{"end": S, "option": "SO_PASSPIDFD", "value": INT}`, on any type.
    func passPidfdInput(of call: Call) throws(ModelError) -> Input {
        return .setPassPidfd(
            process: call.process, end: try call.value.required("end").text("end"),
            value: try call.value.required("value").integer("value", in: Int(Int32.min)...Int(Int32.max)))
    }
}
