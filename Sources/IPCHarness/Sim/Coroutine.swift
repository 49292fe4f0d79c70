import CCoroutine

/// A stack of its own for one virtual process: ordinary synchronous code runs on it and gives control back at each
/// scheduling point (``yield()``), so the code under test need not be written as a state machine.
///
/// All of a simulation's coroutines run on the thread that resumes them, one at a time: nothing in them runs in
/// parallel, and a seed fixes everything. (See `CCoroutine` for the switch, the guard pages and crash handling;
/// `ipc-harness bench sim` measures the switch against the alternatives.)
final class Coroutine {
    /// How a resume ended.
    enum Outcome: Equatable {
        /// It reached a scheduling point and waits to be resumed.
        case yielded
        /// Its body returned.
        case finished
        /// It died of `signal` (a Swift trap is SIGILL or SIGTRAP; a bad access SIGSEGV); `overflow` when the fault
        /// was in its stack's guard page.
        case crashed(signal: Int32, overflow: Bool)
    }

    /// Stack bytes per virtual process: generous for unoptimised builds (pages are only committed when touched).
    static let stackSize = 1 << 20

    private let handle: OpaquePointer
    private var body: (() -> Void)?

    init() throws(HarnessError) {
        guard let handle = ipc_coroutine_create(Self.stackSize) else {
            throw HarnessError("cannot map a \(Self.stackSize)-byte stack for a virtual process")
        }
        self.handle = handle
    }

    deinit { ipc_coroutine_destroy(handle) }

    /// Makes it run `body` from the start at its next resume; anything it was in the middle of is abandoned.
    func start(_ body: @escaping () -> Void) {
        self.body = body
        ipc_coroutine_start(handle, { argument in
            Unmanaged<Coroutine>.fromOpaque(argument!).takeUnretainedValue().body!()
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Runs it until its next scheduling point, its end, or a crash.
    func resume() -> Outcome {
        switch ipc_coroutine_resume(handle) {
        case Int32(IPC_COROUTINE_YIELDED): return .yielded
        case Int32(IPC_COROUTINE_FINISHED): return .finished
        default:
            let address = ipc_coroutine_crash_address(handle)
            return .crashed(signal: ipc_coroutine_crash_signal(handle), overflow: ipc_coroutine_is_guard_address(handle, address) != 0)
        }
    }

    /// Inside a coroutine: back to its resumer until it is resumed again.
    static func yield() { ipc_coroutine_yield() }

    /// Inside a coroutine: ends it as crashed by `signal`, raising nothing; never returns.
    static func fail(signal: Int32) -> Never { ipc_coroutine_fail(signal) }

    /// Whether the caller runs inside a coroutine.
    static var isInside: Bool { ipc_coroutine_current() != nil }

    /// Whether context switches use the hand-written x86-64 routine (else swapcontext).
    static var usesAssembly: Bool { ipc_coroutine_uses_assembly() != 0 }
}
