/// `mremap` of a process's newest attachment, as measured (`SharedMemoryRemapFactsTests`, C probes first): the
/// refusals are posix-shm's (``PosixSharedMemoryModel+Remap``). What the segment sees: a move (growing with
/// `MREMAP_MAYMOVE` where the pages after are taken, or `MREMAP_FIXED`) opens the new area and closes the old one —
/// `shm_lpid` becomes the caller and both `shm_atime` and `shm_dtime` are set, `shm_nattch` unchanged; growing in place
/// changes nothing; `MREMAP_DONTUNMAP` and an old size of 0 (with `MREMAP_MAYMOVE`) make a second attachment
/// (`shm_nattch` one more, `shm_lpid` and `shm_atime` set), which `shmdt` detaches as any other. Pages grown past the
/// segment's `SIGBUS`, which no trace reaches (its accesses stay within the segment's pages). The model keeps no
/// pages of an attachment, so a remap that would leave part of one (shrinking, an old size that is not the whole
/// attachment) is refused, and so is one of a segment made in the trace (its size is the `get`'s).
extension SystemVSharedMemoryModel {
    func remapTransitions(_ state: State, process: Int, _ remap: PosixSharedMemoryModel.Remap) -> [Transition<State, Output>] {
        if remap.refused { return [Transition(.failed(.EINVAL), state)] }
        guard let readOnly = state.readOnly[process]?.last else { return [Transition(.failed(.EFAULT), state)] }
        var attached = state
        attached.attachments.insertSorted(process)
        attached.readOnly[process]!.append(readOnly)
        attached.lastProcess = process
        attached.times.set(0)
        if remap.oldPages == 0 { return [Transition(remap.mayMove ? .done : .failed(.ENOMEM), remap.mayMove ? attached : state)] }
        if remap.dontUnmap { return [Transition(.done, attached)] }
        var moved = state
        moved.lastProcess = process
        moved.times.set(0)
        moved.times.set(1)
        if remap.fixed { return [Transition(.done, moved)] }
        if remap.newPages == remap.oldPages { return [Transition(.done, state)] }
        // Growing: in place if the pages after are free (the trace cannot say), else moved or ENOMEM.
        return [Transition(.done, state), Transition(remap.mayMove ? .done : .failed(.ENOMEM), remap.mayMove ? moved : state)]
    }

    /// The trace's `remap`, refused where it would leave part of an attachment.
    static func remap(_ call: Call, setup: Setup?) throws(ModelError) -> PosixSharedMemoryModel.Remap {
        guard let setup, setup.exists else {
            throw ModelError("the sysv-shm model judges remap only of a segment the setup gives: one made in the trace has the get's size")
        }
        let pages = wordsReached(setup.words) / (pageSize / 8)
        let remap = try PosixSharedMemoryModel.Remap.parse(call.value, pages: pages + 16)
        guard remap.oldPages == 0 || remap.oldPages == pages, remap.newPages >= pages || remap.newPages == 0 else {
            throw ModelError("the sysv-shm model keeps no pages of an attachment: a remap's oldPages must be 0 or the whole attachment (\(pages)), and its pages at least that many")
        }
        return remap
    }
}
