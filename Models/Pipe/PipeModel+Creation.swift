/// A pipe made during the run: the `pipe` or `pipe2` call of the process the setup names (`createdBy`), as this kernel
/// does it (`KernelPipeCreationFactsTests`). The object is that one pipe, so its creating call is its first operation:
/// before it nobody holds an end (every call fails `EBADF`), after it the creator holds both.
extension PipeModel {
    /// `pipe2`'s flags (`pipe` is `pipe2` with none).
    public struct CreationFlags: Hashable, Sendable, CustomStringConvertible {
        /// The call was `pipe2` (else `pipe`, which takes no flags).
        public var flagged: Bool
        /// `O_NONBLOCK`: both new descriptions start nonblocking.
        public var nonblocking: Bool
        /// `O_DIRECT`: the write end's description starts in packet mode (the kernel sets it there only).
        public var direct: Bool
        /// `O_CLOEXEC`: both new descriptors have `FD_CLOEXEC` set (`F_GETFD` shows it).
        public var closeOnExec: Bool
        /// Any other bits, as given.
        public var otherBits: Int

        /// `O_NOTIFICATION_PIPE` (`O_EXCL`'s bit): `ENOPKG` on this kernel, built without `CONFIG_WATCH_QUEUE`.
        public static let notificationBit = 0x80

        public init(flagged: Bool = true, nonblocking: Bool = false, direct: Bool = false, closeOnExec: Bool = false, otherBits: Int = 0) {
            self.flagged = flagged
            self.nonblocking = nonblocking
            self.direct = direct
            self.closeOnExec = closeOnExec
            self.otherBits = otherBits
        }

        public var description: String {
            guard flagged else { return "pipe" }
            var names: [String] = []
            if nonblocking { names.append("O_NONBLOCK") }
            if direct { names.append("O_DIRECT") }
            if closeOnExec { names.append("O_CLOEXEC") }
            if otherBits != 0 { names.append("0x" + String(otherBits, radix: 16)) }
            return "pipe2(" + (names.isEmpty ? "0" : names.joined(separator: "|")) + ")"
        }
    }

    /// `do_pipe2`: the flags first (`EINVAL` for a bit outside `O_CLOEXEC`, `O_NONBLOCK`, `O_DIRECT` and
    /// `O_NOTIFICATION_PIPE`, then `ENOPKG` for that one), then two descriptor numbers: with fewer than two free below
    /// `RLIMIT_NOFILE`, `EMFILE` and neither taken (measured with exactly one free: it stays free). For a process
    /// whose table the parameters do not describe, `EMFILE` may always happen. Made once: a second successful
    /// `pipe` would be another pipe, another object, so a trace cannot give this one two.
    func creationTransitions(_ state: State, process: Int, flags: CreationFlags) -> [(output: Output?, step: Step<State>)] {
        guard !state.created else { return [] }
        if flags.otherBits & ~CreationFlags.notificationBit != 0 { return [(.failed(.EINVAL), .completed(state))] }
        if flags.otherBits != 0 { return [(.failed(ErrorCode("ENOPKG")), .completed(state))] }
        let full: (output: Output?, step: Step<State>) = (.failed(ErrorCode("EMFILE")), .completed(state))
        let known = state.descriptorLimits.first { $0.process == process }
        if let known, known.free < 2 { return [full] }
        var next = state
        next.created = true
        next.readers = (next.readers + [process]).sorted()
        next.writers = (next.writers + [process]).sorted()
        next.changeFreeDescriptors(of: process, by: -2)
        if let userPages = state.userPages { next.slots = userPages.newPipeSlots(madeBy: process) }
        if flags.nonblocking {
            next.setFlag(\.nonblocking, of: process, .read, true)
            next.setFlag(\.nonblocking, of: process, .write, true)
        }
        if flags.direct { next.setFlag(\.direct, of: process, .write, true) }
        if flags.closeOnExec {
            next.addDescriptorFlag(of: process, .read, .set)
            next.addDescriptorFlag(of: process, .write, .set)
        }
        let made: (output: Output?, step: Step<State>) = (.created, .completed(next))
        return known == nil ? [made, full] : [made]
    }
}
