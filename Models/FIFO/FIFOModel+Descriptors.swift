/// `EMFILE` on a FIFO's `open`, counted per process as on a pipe (``PipeModel/DescriptorLimit``): `do_sys_openat2`
/// takes a descriptor number before it looks the path up, so with no number free below `RLIMIT_NOFILE` every open
/// fails `EMFILE` — before `ENOENT`, `EACCES` and `ENXIO` (measured, `KernelFIFOReadWriteFactsTests`) — and takes
/// nothing. An open that succeeds, or sleeps waiting for its partner, holds one number; a close gives it back, and so
/// does a sleeping open that `EINTR` undoes. For a process the parameters say nothing about, `EMFILE` may always
/// happen (its table is outside the trace).
extension FIFOModel {
    func takingADescriptor(
        _ state: State, process: Int, _ transitions: (State) -> [(output: Output?, step: Step<State>)]
    ) -> [(output: Output?, step: Step<State>)] {
        let full: (output: Output?, step: Step<State>) = (.failed(ErrorCode("EMFILE")), .completed(state))
        let known = state.pipe.descriptorLimits.first { $0.process == process }
        if let known, known.free <= 0 { return [full] }
        let outcomes = transitions(state).map { candidate -> (output: Output?, step: Step<State>) in
            guard candidate.output == .opened || candidate.output == .duplicated || candidate.output == nil else { return candidate }
            switch candidate.step {
            case .completed(var next):
                next.pipe.changeFreeDescriptors(of: process, by: -1)
                return (candidate.output, .completed(next))
            case .partial(var next):
                next.pipe.changeFreeDescriptors(of: process, by: -1)
                return (candidate.output, .partial(next))
            }
        }
        return known == nil ? outcomes + [full] : outcomes
    }
}
