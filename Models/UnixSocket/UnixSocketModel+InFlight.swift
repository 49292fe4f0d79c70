/// `ETOOMANYREFS`, measured in `UnixSocketInFlightFactsTests` (C probe first, 6.18; `too_many_unix_fds`,
/// `unix_attach_fds`): a send of `SCM_RIGHTS` fails it when the descriptors its sender's user (the user of its *real*
/// uid, shared by all that user's processes) has in flight are more than the sender's `RLIMIT_NOFILE` — checked before
/// the new ones count, so with a limit of L the user may have up to L + n in flight. A descriptor stops counting once
/// received (even one a full table dropped) or once its message is discarded with the receiving socket. Never for a
/// sender with `CAP_SYS_RESOURCE` or `CAP_SYS_ADMIN` (root). It comes after the control buffer's own checks
/// (`EBADF` first, measured).
///
/// The count is the user's over every socket in the system, not only this trace's objects, and no trace gives the
/// limit: the model does not judge it. A send with descriptors by a process not known to be root may succeed (what the
/// model allows), and a trace where one fails `ETOOMANYREFS` is refused rather than judged; from a process the
/// setup makes root it is impossible, and rejected.
extension UnixSocketModel {
    static let tooManyReferences = ErrorCode("ETOOMANYREFS")

    /// Why a recorded `ETOOMANYREFS` of `input` is not judged (nil: the model judges it — no descriptors sent, or a
    /// sender every object's setup makes root, for whom it is impossible).
    func tooManyReferencesUnjudged(_ input: Input) -> String? {
        let process: Int
        switch input {
        case .send(let sender, _, _, _, _, let files) where !files.isEmpty: process = sender
        case .sendCredentials(let sender, _, _, _, let control) where !control.files.isEmpty: process = sender
        default: return nil
        }
        let named = setups.compactMap { $0.setup.users[process] }
        if !named.isEmpty && named.allSatisfy({ $0.uid == 0 }) { return nil }
        return "send: ETOOMANYREFS (process \(process)'s user's descriptors in flight above its RLIMIT_NOFILE) is not judged: "
            + "no trace gives the user's count over the whole system or the limit"
    }
}
