import CIPCShims
import Glibc

/// An OS thread running a closure, joined with ``join()``. RCU readers and updaters need threads of their own:
/// each registers with the RCU domain and stays on that thread, which tasks on the cooperative pool cannot promise.
public final class OSThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> Void
    private var joined = false

    /// Starts `body` on a new thread. Traps when the system refuses a thread (EAGAIN: out of resources), which the
    /// harness cannot run without.
    ///
    /// The corresponding C function is `pthread_create`.
    public init(_ body: @escaping () -> Void) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&thread, nil, { context in
            let me = Unmanaged<OSThread>.fromOpaque(context!).takeRetainedValue()
            me.body()
            return nil
        }, context)
        precondition(result == 0, "pthread_create failed with error \(result)")
    }

    /// Waits for the thread to finish.
    ///
    /// The corresponding C function is `pthread_join`.
    public func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }

    /// Sends `signal` to this thread (not the process: only this thread can take it).
    ///
    /// The corresponding C function is `pthread_kill`.
    public func send(_ signal: CInt) {
        pthread_kill(thread, signal)
    }

    /// The calling thread's kernel id, as `/proc/TID` and ``ProcessInspector`` name it.
    ///
    /// The corresponding C function is `gettid`.
    public static var currentID: pid_t { ipc_gettid() }

    /// Gives the processor to another runnable thread.
    ///
    /// The corresponding C function is `sched_yield`.
    public static func yield() {
        sched_yield()
    }
}
