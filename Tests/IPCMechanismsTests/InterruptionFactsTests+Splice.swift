import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// `splice`, `tee` and `vmsplice` asleep on a pipe (empty for those taking bytes out, full for those putting bytes in):
/// a handled signal ends each with `EINTR` and no effect, or, with `SA_RESTART`, restarts it. `vmsplice` sleeps even
/// with the pipe end's `O_NONBLOCK` set (only `SPLICE_F_NONBLOCK` stops it), so it is measured that way.
extension InterruptionFactsTests {
    enum SpliceSleeper: String, CaseIterable, Sendable {
        case spliceOut, tee, vmspliceOut, spliceIn, vmspliceIn

        var fillsThePipe: Bool { self == .spliceIn || self == .vmspliceIn }

        func call(_ readEnd: FileDescriptor, _ writeEnd: FileDescriptor) throws(Errno) {
            switch self {
            case .spliceOut:
                _ = try KernelPipe.spliceOut(readEnd, max: 10, flags: 0, offset: false, retryOnInterrupt: false)
            case .tee: _ = try KernelPipe.tee(readEnd, max: 10, flags: 0, retryOnInterrupt: false)
            case .vmspliceOut: _ = try KernelPipe.vmspliceOut(readEnd, sizes: [10], flags: 0, retryOnInterrupt: false)
            case .spliceIn:
                _ = try KernelPipe.spliceIn(
                    writeEnd, max: 10, data: Array(repeating: 1, count: 10), position: 0, flags: 0, offset: false,
                    retryOnInterrupt: false)
            case .vmspliceIn:
                _ = try KernelPipe.vmspliceIn(
                    writeEnd, pieces: [Array(repeating: 1, count: 10)], offsets: [], flags: 0, retryOnInterrupt: false)
            }
        }

        /// The model's form of the call by process 1, which holds both ends.
        var input: PipeModel.Input {
            let call: PipeModel.SpliceCall =
                switch self {
                case .spliceOut: .init(.toSink(max: 10, intoSelf: false))
                case .tee: .init(.tee(max: 10, room: 16, intoSelf: false))
                case .vmspliceOut: .init(.scatter(sizes: [10]))
                case .spliceIn: .init(.fromFile(max: 10, data: Array(repeating: 1, count: 10), position: 0))
                case .vmspliceIn: .init(.gather(pieces: [Array(repeating: 1, count: 10)], offsets: []))
                }
            return .splice(process: 1, call: call)
        }
    }

    @Test(arguments: SpliceSleeper.allCases, [false, true])
    func aSpliceTeeOrVmspliceAsleep(call: SpliceSleeper, restart: Bool) throws {
        Syscall.ignoreBrokenPipeSignal()
        let (readEnd, writeEnd) = try Syscall.pipe(flags: O_CLOEXEC)
        defer { try? Syscall.close(readEnd); try? Syscall.close(writeEnd) }
        let model = PipeModel(pipes: [("p", .init(readers: [1], writers: [1]))])
        var state = model.initialState(of: "p")
        if call.fillsThePipe {
            let page = [UInt8](repeating: 7, count: 4096)
            for _ in 0..<16 {
                _ = try KernelPipe.write(writeEnd, page, nonblocking: true)
                state = try #require(
                    model.outcomes(of: .write(process: 1, data: page, nonblocking: true), in: state).first?.step.state)
            }
        }
        if call == .vmspliceIn || call == .vmspliceOut {
            try Syscall.setNonblocking(call == .vmspliceIn ? writeEnd : readEnd, true)
            let end: PipeModel.End = call == .vmspliceIn ? .write : .read
            state = try #require(
                model.outcomes(
                    of: .fcntl(process: 1, end: end, command: .setFlags(nonblocking: true, direct: nil)), in: state
                ).first?.step.state)
        }
        let ending = try ending(
            restart: restart,
            of: { () throws(Errno) in
                try call.call(readEnd, writeEnd)
            },
            release: {
                if call.fillsThePipe {
                    _ = try KernelPipe.read(readEnd, max: 4096, nonblocking: true)
                } else {
                    _ = try KernelPipe.write(writeEnd, [1], nonblocking: true)
                }
            })
        #expect(ending == (restart ? .restarted : .interrupted))
        // Asleep, the model has no completion for the call, and allows EINTR with no effect.
        #expect(model.outcomes(of: call.input, in: state).isEmpty)
        #expect(model.step(state, call.input, .failed(.EINTR)) == [.completed(state)])
    }
}
