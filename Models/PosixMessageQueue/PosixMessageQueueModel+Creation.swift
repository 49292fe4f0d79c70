/// A queue the trace itself creates (`"exists": false` in the setup; measured, `MessageQueueCreatedInTraceFactsTests`):
/// until an `mq_open` with `O_CREAT` makes it, the name names nothing — `mq_open` without `O_CREAT` and `mq_unlink`
/// fail `ENOENT`, and no process holds a descriptor, so every call through one fails as a call through no descriptor
/// does (`EBADF`, after the argument checks). The first create that succeeds, `O_EXCL` or not, makes the followed
/// queue, empty, with the attributes it asked for (`attr` `NULL`: the defaults 10 × 8192), owned by the creator's
/// user and group, its mode the mode asked less the creator's umask (the setup's, 022 unless given, or the one its
/// own `umask` call set: ``Umasks``; measured under several umasks, `MessageQueueModeFactsTests`,
/// `CreationUmaskFactsTests`), the bits above 0777 kept (07777 under 022 is 07755: `CreationModeBitsFactsTests`) — which later opens by other users meet (`EACCES`), while the creator
/// holds the descriptor its create gave whatever the mode (mode 0 too); attributes outside 1…10 messages and 1…8192
/// bytes fail `EINVAL` and make nothing (after `queues_max`'s `ENOSPC`: ``creating(_:made:attributesValid:)``). It may also fail
/// `EMFILE` (the creator's user at `RLIMIT_MSGQUEUE`), which the trace does not show, or `ENOSPC` (`queues_max`),
/// which only the trace's own IPC namespace shows (``IPCNamespace``).
/// From then on the queue is as any other: `O_EXCL` fails `EEXIST` (two racing exclusive creators: one wins), a create
/// without it opens this queue whatever attributes and mode it asks, after the permission check of any open (two racing
/// creators, threads or processes: the first one's attributes, in whichever order the checker finds).
extension PosixMessageQueueModel {
    /// `mq_open` while the followed queue does not exist yet (and the name was never unlinked).
    func openBeforeCreation(
        _ state: State, process: Int, access: Access, creation: Creation?, nonblocking: Bool
    ) -> [Transition<State, Output>] {
        guard let creation else { return [Transition(.failed(.ENOENT), state)] }
        let messages = creation.maxMessages ?? Self.creationLimits.maxMessages
        let size = creation.messageSize ?? Self.creationLimits.messageSize
        let valid = (1...Self.creationLimits.maxMessages).contains(messages) && (1...Self.creationLimits.messageSize).contains(size)
        var next = state
        next.created = true
        next.maxMessages = messages
        next.messageSize = size
        next.permissions.mode = Permissions.created(mode: creation.mode, umask: state.umask.of(process))
        next.permissions.ownedByCreator(process)
        _ = next.name.open(process)
        next.opened(process, access)
        if nonblocking { next.setNonblocking(process, true) }
        return creating(state, made: next, attributesValid: valid)
    }

    /// A setup with `exists` false: no holders, and no attributes, mode or owner (the create decides them).
    static func checkNotExisting(_ name: String, setup: JSONValue?, holders: [Int]) throws(ModelError) {
        guard holders.isEmpty, try setup.optional("maxMessages") == nil, try setup.optional("messageSize") == nil else {
            throw ModelError("queue \(name) does not exist at the start ('exists': false): no process holds it ('holders' empty) and the creating mq_open gives its attributes ('maxMessages' and 'messageSize' cannot be given)")
        }
        for field in ["mode", "owner", "group"] where try setup.optional(field) != nil {
            throw ModelError(
                "queue \(name) does not exist at the start ('exists': false): its '\(field)' is not the setup's (the creating mq_open's 'mode' less the setup's 'umask' gives the mode, the owner is the creator); leave '\(field)' out")
        }
    }
}
