import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage

/// The worker side of the owner, `F_SETSIG`, `O_ASYNC` and `sigtimedwait` calls of the models that keep I/O signals
/// (pipes and FIFOs through ``PipeModel+Owner``, Unix sockets through ``IOSignals``): the trace's owners mapped to
/// pids and back, and the signals a worker keeps blocked, read from its object's `ioSignals` setup.
struct IOSignalBinding {
    let context: WorkerContext?
    /// The I/O signals this process keeps blocked and may take.
    let signals: [Int32]

    init(context: WorkerContext?, signals: [Int32]) {
        self.context = context
        self.signals = signals
    }

    /// Reads `ioSignals` from the setup and blocks them before any can be sent (the driver starts operations once
    /// every worker is ready), so an owner's signals wait for its `sigtimedwait` instead of running their default
    /// action (`SIGIO` and `SIGURG`'s: ending the worker, or nothing).
    init(_ object: WorkerObject, mechanism: String = "object") {
        context = object.context
        var numbers: [Int32] = []
        if case .array(let values)? = object.setup["ioSignals"] {
            numbers = values.compactMap { value -> Int32? in
                guard case .integer(let number) = value else { return nil }
                return Int32(clamping: number)
            }
            do { try KernelSignals.block(numbers) } catch { BindingFailure.abandon("cannot block the \(mechanism)'s I/O signals: \(error)") }
        }
        signals = numbers
    }

    /// `F_SETOWN`'s argument for the trace's owner: a worker's pid, minus its process group, pid 1 for a process
    /// outside the run, a pid above `PID_MAX_LIMIT` (4194304) for one no process has, or `INT_MIN`.
    func argument(_ owner: PipeModel.OwnerArgument) -> CInt {
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
    func report(_ owner: CInt) -> PipeModel.OwnerReport {
        if owner == 0 { return .none }
        if owner < 0 { return .group }
        return context?.process(of: owner).map { .process($0) } ?? .other
    }

    /// `F_SETOWN_EX` of the trace's type and owner.
    func setOwnerEx(_ descriptor: FileDescriptor, type: PipeModel.OwnerType, owner: PipeModel.OwnerArgument) throws(Errno) {
        let number: CInt
        switch type {
        case .thread: number = 0
        case .process: number = 1
        case .group: number = 2
        case .invalid(let other): number = CInt(truncatingIfNeeded: other)
        }
        // A group is named by its (positive) id, as F_SETOWN's negative; a thread by its id, the worker's pid.
        var id = argument(type == .group ? owner.asGroup : owner)
        if id < 0 && id != CInt.min { id = -id }
        try Syscall.setOwnerEx(descriptor, type: number, id: id)
    }

    /// `F_GETOWN_EX`, in the trace's terms.
    func ownerEx(_ descriptor: FileDescriptor) throws(Errno) -> (PipeModel.OwnerType, PipeModel.OwnerReport) {
        let owner = try Syscall.ownerEx(descriptor)
        let type: PipeModel.OwnerType = [0: .thread, 1: .process, 2: .group][owner.type] ?? .invalid(Int(owner.type))
        return (type, owner.id == 0 ? .none : type == .group ? .group : report(owner.id))
    }

    /// Whether `command` is one of the owner calls ``ownerCall(_:on:)`` makes.
    static func isOwnerCall(_ command: PipeModel.FileControl) -> Bool {
        switch command {
        case .getOwner, .setOwner, .getOwnerEx, .setOwnerEx: true
        default: false
        }
    }

    /// A pipe's or FIFO's `F_GETOWN`, `F_SETOWN`, `F_GETOWN_EX` or `F_SETOWN_EX` on `descriptor`.
    func ownerCall(_ command: PipeModel.FileControl, on descriptor: FileDescriptor) throws(Errno) -> PipeModel.Output {
        switch command {
        case .getOwner:
            return .owner(report(try Syscall.owner(descriptor)))
        case .setOwner(let owner):
            try Syscall.setOwner(descriptor, argument(owner))
            return .flagsSet
        case .getOwnerEx:
            let (type, report) = try ownerEx(descriptor)
            return .ownerEx(type, report)
        case .setOwnerEx(let type, let owner):
            try setOwnerEx(descriptor, type: type, owner: owner)
            return .flagsSet
        default:
            BindingFailure.abandon("\(command) is not an owner call")
        }
    }

    /// `sigtimedwait` (`wait`: `sigwaitinfo`) for `requested`, which must be among the signals kept blocked.
    func take(_ requested: [Int], wait: Bool) throws(Errno) -> PipeModel.TakenSignal {
        let numbers = requested.map { Int32(clamping: $0) }
        guard Set(numbers).isSubset(of: signals) else {
            BindingFailure.abandon("sigtimedwait for \(requested), not all among the object's 'ioSignals' \(signals), which alone are kept blocked")
        }
        let taken = try Syscall.waitForIOSignal(numbers, timeoutNanoseconds: wait ? nil : 0, retryOnInterrupt: false)
        return PipeModel.TakenSignal(signal: Int(taken.signal), code: Int(taken.code), band: taken.band)
    }
}
