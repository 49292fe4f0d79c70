/// A socket's descriptors: `dup`, `dup2`, `dup3` and `fstat`, as this kernel does them (measured in
/// `UnixSocketDuplicateFactsTests`, a C probe first, on every type). A copy is one more descriptor of the same open
/// file, so one more holder of the socket (holders are counted, as the pipe model's ends): closing one copy closes
/// nothing — the peer sees no end of file and sends go on until the last copy closes — while what is done through
/// either copy is done to the one socket (a `shutdown`, `O_NONBLOCK`). `dup2`/`dup3` take the pipe model's checks in
/// `ksys_dup3`'s order (``PipeModel/duplicateOntoChecks(_:held:known:)``: `dup3`'s flags other than `O_CLOEXEC` and
/// its own number `EINVAL`, `dup2` onto its own number nothing at all, `EBADF` for a descriptor not held); the copy's
/// `FD_CLOEXEC` changes nothing a socket call shows and is not followed. `fstat` says `S_IFSOCK`, mode 0777 (the
/// socket inode's, `sock_alloc`, whatever file a bound path is) and `st_size` 0 whatever is queued. A bound socket's
/// mode is not judged: an `fchmod` before its `bind` (the harness's own, making a path 0600; or a user's, which no
/// trace shows) changes the socket inode's bits too.
extension UnixSocketModel {
    /// The permission bits of every socket's own inode until an `fchmod`.
    public static let socketMode = 0o777
    /// The mode of an `fstat` outcome that any recorded mode matches.
    static let modeNotJudged = -1

    /// `dup` (`call` nil), `dup2` or `dup3` of `process`'s descriptor of `end`.
    func duplicate(_ state: State, process: Int, end: String, call: PipeModel.DuplicateCall?) -> Transitions {
        let index = state.socketIndex(end)
        let held = index.map { state.sockets[$0].holders.contains(process) } ?? false
        var outcomes: Transitions = []
        if let call {
            let checks = PipeModel.duplicateOntoChecks(call, held: held, known: nil)
            switch checks.ended {
            case .failed(let code)?: return failure(state, code)
            case .some: return [(.closed, .completed(state))]  // dup2 onto its own number: nothing changes
            case nil: break
            }
            if checks.badDescriptorToo { outcomes += failure(state, .EBADF) }
        } else {
            guard held else { return failure(state, .EBADF) }
            // A full descriptor table, which no trace shows, unless the params say none fills.
            if !tablesNeverFull { outcomes += failure(state, DescriptorTable.exhausted) }
        }
        guard let index, held else { return outcomes }
        var next = state
        next.sockets[index].holders = (next.sockets[index].holders + [process]).sorted()
        return outcomes + [(.closed, .completed(next))]
    }

    /// `fstat` of `process`'s descriptor of `end`.
    func status(_ state: State, process: Int, end: String) -> Transitions {
        guard let index = state.socketIndex(end), state.sockets[index].holders.contains(process) else {
            return failure(state, .EBADF)
        }
        let mode = state.sockets[index].isBound ? Self.modeNotJudged : Self.socketMode
        return [(.status(type: "S_IFSOCK", mode: mode, size: 0), .completed(state))]
    }
}
