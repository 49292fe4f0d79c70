import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// How a worker makes the owner and I/O-signal calls of a pipe's or a FIFO's description (one binding for both, as the
/// two models share their rules: ``PipeModel+Owner``, ``PipeModel+Async``): `F_SETOWN`/`F_SETOWN_EX` name workers by
/// their process numbers, which become pids (and `F_GETOWN`'s pids process numbers again), and `sigtimedwait` waits
/// only for the object's `ioSignals`, which the worker keeps blocked from set-up on.
struct IOSignalOwnership {
    /// The workers' pids, which `F_SETOWN` and `F_GETOWN` name as process numbers.
    let context: WorkerContext?
    /// The I/O signals this process keeps blocked and may take (`ioSignals`).
    let ioSignals: [Int32]

    /// The object's `ioSignals`, blocked now: before any can be sent (the driver starts operations once every worker is
    /// ready), so an owner's signals wait for its `sigtimedwait` instead of running `SIGIO`'s default action.
    init(_ object: WorkerObject, mechanism: String) {
        context = object.context
        var numbers: [Int32] = []
        if case .array(let values)? = object.setup["ioSignals"] {
            numbers = values.compactMap { value -> Int32? in
                guard case .integer(let number) = value else { return nil }
                return Int32(clamping: number)
            }
            do { try KernelSignals.block(numbers) } catch { BindingFailure.abandon("cannot block the \(mechanism)'s I/O signals: \(error)") }
        }
        ioSignals = numbers
    }

    init(context: WorkerContext?, ioSignals: [Int32]) {
        self.context = context
        self.ioSignals = ioSignals
    }

    /// Whether `command` is one of the owner calls this type makes.
    static func isOwnerCall(_ command: PipeModel.FileControl) -> Bool {
        switch command {
        case .getOwner, .setOwner, .getOwnerEx, .setOwnerEx: true
        default: false
        }
    }

    /// `F_GETOWN`, `F_SETOWN`, `F_GETOWN_EX` or `F_SETOWN_EX` on `descriptor`.
    func ownerCall(_ command: PipeModel.FileControl, on descriptor: FileDescriptor) throws(Errno) -> PipeModel.Output {
        switch command {
        case .getOwner:
            return .owner(ownerReport(try Syscall.owner(descriptor)))
        case .setOwner(let owner):
            try Syscall.setOwner(descriptor, ownerArgument(owner))
            return .flagsSet
        case .getOwnerEx:
            let owner = try Syscall.ownerEx(descriptor)
            let type: PipeModel.OwnerType = [0: .thread, 1: .process, 2: .group][owner.type] ?? .invalid(Int(owner.type))
            return .ownerEx(type, owner.id == 0 ? .none : type == .group ? .group : ownerReport(owner.id))
        case .setOwnerEx(let type, let owner):
            let number: CInt
            switch type {
            case .thread: number = 0
            case .process: number = 1
            case .group: number = 2
            case .invalid(let other): number = CInt(truncatingIfNeeded: other)
            }
            // A group is named by its (positive) id, as F_SETOWN's negative; a thread by its id, the worker's pid.
            var id = ownerArgument(type == .group ? owner.asGroup : owner)
            if id < 0 && id != CInt.min { id = -id }
            try Syscall.setOwnerEx(descriptor, type: number, id: id)
            return .flagsSet
        default:
            BindingFailure.abandon("\(command) is not an owner call")
        }
    }

    /// `sigtimedwait` (a zero timeout) or, `wait`, `sigwaitinfo` for `signals`, all of which must be `ioSignals`.
    func take(_ signals: [Int], wait: Bool) throws(Errno) -> PipeModel.TakenSignal {
        let numbers = signals.map { Int32(clamping: $0) }
        guard Set(numbers).isSubset(of: ioSignals) else {
            BindingFailure.abandon("sigtimedwait for \(signals), not all among the object's 'ioSignals' \(ioSignals), which alone are kept blocked")
        }
        let taken = try Syscall.waitForIOSignal(numbers, timeoutNanoseconds: wait ? nil : 0, retryOnInterrupt: false)
        return PipeModel.TakenSignal(signal: Int(taken.signal), code: Int(taken.code), band: taken.band)
    }

    /// `F_SETOWN`'s argument for the trace's owner: a worker's pid, minus its process group, pid 1 for a process
    /// outside the run, a pid above `PID_MAX_LIMIT` (4194304) for one no process has, or `INT_MIN`.
    func ownerArgument(_ owner: PipeModel.OwnerArgument) -> CInt {
        switch owner {
        case .none: return 0
        case .process(let process): return context?.pids[process] ?? 4_194_305
        case .group(let process):
            // A worker that is gone has no group (getpgid fails): a group no process has, as the kernel would find.
            guard let pid = context?.pids[process], case let group = getpgid(pid), group > 0 else { return -4_194_305 }
            return -group
        case .other: return 1
        case .missing: return 4_194_305
        case .invalid: return CInt.min
        }
    }

    /// `F_GETOWN`'s value in the trace's terms: a worker by its process number, a group (negative), another process.
    func ownerReport(_ owner: CInt) -> PipeModel.OwnerReport {
        if owner == 0 { return .none }
        if owner < 0 { return .group }
        return context?.process(of: owner).map { .process($0) } ?? .other
    }
}
