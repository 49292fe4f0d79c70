import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

extension PipeBinding {
    /// `splice`, `tee` or `vmsplice` between this process's end and something made for the call (`/dev/null`, an
    /// unnamed file holding the recorded bytes, a fresh private pipe, memory kept for the pipe). An end the process
    /// does not hold is passed as descriptor -1, so that the kernel reports its own errors in its own order (0 bytes
    /// asked and bad flags come before `EBADF`).
    static func splice(_ call: PipeModel.SpliceCall, readEnd: FileDescriptor?, writeEnd: FileDescriptor?) throws(Errno)
        -> PipeModel.Output
    {
        let none = FileDescriptor(rawValue: -1)
        let flags = KernelPipe.spliceFlags(nonblocking: call.nonblocking, otherBits: call.otherBits)
        switch call.direction {
        case .toSink(let max, let intoSelf):
            return .moved(
                try KernelPipe.spliceOut(
                    readEnd ?? none, max: max, flags: flags, offset: call.pipeOffset,
                    into: intoSelf ? writeEnd ?? none : nil))
        case .fromFile(let max, let data, let position):
            return .moved(
                try KernelPipe.spliceIn(
                    writeEnd ?? none, max: max, data: data, position: position, flags: flags, offset: call.pipeOffset))
        case .tee(let max, _, let intoSelf):
            return .moved(
                try KernelPipe.tee(readEnd ?? none, max: max, flags: flags, into: intoSelf ? writeEnd ?? none : nil))
        case .gather(let pieces, let offsets):
            return .moved(try KernelPipe.vmspliceIn(writeEnd ?? none, pieces: pieces, offsets: offsets, flags: flags))
        case .scatter(let sizes):
            return .read(try KernelPipe.vmspliceOut(readEnd ?? none, sizes: sizes, flags: flags))
        }
    }
}
