import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// Facts about making an eventfd during a run, measured on this kernel (LTP's `eventfd2_01`…`03`: `EFD_CLOEXEC`,
/// `EFD_NONBLOCK`, `EFD_SEMAPHORE`): the new descriptor's count is the `initval` asked for, its open file's
/// `O_NONBLOCK` is `EFD_NONBLOCK`, its `FD_CLOEXEC` is `EFD_CLOEXEC`, and reads take the whole count or 1 as
/// `EFD_SEMAPHORE` says; any other flag bit is `EINVAL` (`KernelEventCounterDescriptorFactsTests`). The `eventfd`
/// model's `eventfd` call (`createdBy`) makes the same object: each case is judged by it, call by call.
@Suite struct EventCounterCreationFactsTests {
    static let model = EventCounterModel(counters: [("e0", EventCounterModel.Setup(holders: [], createdBy: 1))])

    /// The model's state after process 1's `eventfd`, checking it answers `expected`.
    static func made(initial: UInt64, flags: EventCounterModel.CreationFlags, expected: EventCounterModel.Output) -> EventCounterModel.State? {
        let outcome = model.outcome(of: .create(process: 1, initial: initial, flags: flags), in: model.initialState(of: "e0"))
        #expect(outcome?.output == expected, "eventfd(\(initial), \(flags))")
        return outcome?.next
    }

    @Test(arguments: 0..<8, [UInt64(0), 3, UInt64(UInt32.max)])
    func theNewEventfdHasTheCountAndFlagsAsked(bits: Int, initial: UInt64) throws {
        let flags = EventCounterModel.CreationFlags(semaphore: bits & 1 != 0, nonblocking: bits & 2 != 0, closeOnExec: bits & 4 != 0)
        let raw = (flags.semaphore ? 1 : 0) | (flags.nonblocking ? O_NONBLOCK : 0) | (flags.closeOnExec ? O_CLOEXEC : 0)
        let descriptor = try Syscall.eventCounter(initial: UInt32(initial), exactFlags: raw)
        defer { try? Syscall.close(descriptor) }
        var state = try #require(Self.made(initial: initial, flags: flags, expected: .created))

        // What each call answers, on the kernel and in the model.
        func judged(_ input: EventCounterModel.Input) -> EventCounterModel.Output? {
            guard let (output, next) = Self.model.outcome(of: input, in: state) else { return nil }
            state = next
            return output
        }
        #expect(try KernelPipe.flags(descriptor).nonblocking == flags.nonblocking)
        #expect(judged(.fcntl(process: 1, setNonblocking: nil)) == .flags(nonblocking: flags.nonblocking))
        #expect(try Syscall.closesOnExec(descriptor) == flags.closeOnExec)
        #expect(judged(.descriptorFlags(process: 1, setCloseOnExec: nil)) == .closeOnExec(flags.closeOnExec))
        try Syscall.setNonblocking(descriptor, true)
        #expect(judged(.fcntl(process: 1, setNonblocking: true)) == .flagsSet)
        let kernelRead: EventCounterModel.Output = switch try KernelEventCounter.read(descriptor) {
        case .completed(let value): .read(value)
        case .wouldBlock: .failed(.EAGAIN)
        }
        #expect(judged(.read(process: 1, size: 8)) == kernelRead)
        #expect(kernelRead == (initial == 0 ? .failed(.EAGAIN) : .read(flags.semaphore ? 1 : initial)))
        // Another process held nothing before and holds nothing now: one eventfd, its maker's.
        #expect(judged(.read(process: 2, size: 8)) == .failed(.EBADF))
    }

    @Test(arguments: [CInt(2), O_APPEND, 4, CInt(bitPattern: 0x8000_0000)])
    func anyOtherFlagBitFailsEINVALAndMakesNothing(bit: CInt) throws {
        #expect(throws: Errno.invalidArgument) { _ = try Syscall.eventCounter(initial: 0, exactFlags: bit | O_CLOEXEC) }
        let state = try #require(Self.made(initial: 0, flags: .init(closeOnExec: true, otherBits: Int(bit)), expected: .failed(.EINVAL)))
        #expect(!state.created)
        // Nothing made: the maker's calls still find no descriptor, and it may call again.
        #expect(Self.model.outcome(of: .read(process: 1, size: 8), in: state)?.output == .failed(.EBADF))
        #expect(Self.model.outcome(of: .create(process: 1, initial: 0, flags: .init()), in: state)?.output == .created)
    }

    /// Before its `eventfd` nobody holds the object; after it a second `eventfd` would be another object (no step).
    @Test func beforeItIsMadeEveryCallFailsEBADFAndItIsMadeOnce() throws {
        let initial = Self.model.initialState(of: "e0")
        #expect(Self.model.outcome(of: .write(process: 1, value: 1, size: 8), in: initial)?.output == .failed(.EBADF))
        let state = try #require(Self.made(initial: 5, flags: .init(), expected: .created))
        #expect(Self.model.step(state, .create(process: 1, initial: 0, flags: .init()), .created).isEmpty)
        #expect(Self.model.step(initial, .create(process: 1, initial: 0, flags: .init()), .failed(ErrorCode("EMFILE"))).count == 1)
    }
}
