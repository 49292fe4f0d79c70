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

    /// Gives the processor to another runnable thread.
    ///
    /// The corresponding C function is `sched_yield`.
    public static func yield() {
        sched_yield()
    }
}
