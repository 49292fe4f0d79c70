import Glibc

/// Runs a closure on its own OS thread (not the cooperative pool, which blocking reads would starve) and waits
/// for it on `join()`.
final class TestThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { context in
            let me = Unmanaged<TestThread>.fromOpaque(context!).takeRetainedValue()
            me.body()
            return nil
        }, context)
    }

    func join() {
        pthread_join(thread, nil)
    }
}

extension TestThread {
    /// Runs `body` on a thread of its own and waits for it, rethrowing what it threw.
    ///
    /// For robust mutexes in memory the test unmaps: each robust lock puts the mutex on the locking thread's robust
    /// list, which glibc keeps in the mutexes' own memory. One left on the list when its page is unmapped — still
    /// held, destroyed while held, re-initialised — leaves the list pointing at nothing, and that thread's next robust
    /// lock writes into the unmapped page (a test process crashed so in `aMutexLockAsleepIsNeverInterrupted`, another
    /// test's list being left on a cooperative-pool thread). A thread of its own ends with the test, and the kernel,
    /// which walks the list at its exit, stops where the memory is gone.
    static func runAlone<T>(_ body: () throws -> T) throws -> T {
        let outcome = ThreadOutcome<T>()
        withoutActuallyEscaping(body) { body in
            TestThread { outcome.result = Result { try body() } }.join()
        }
        return try outcome.result!.get()
    }
}

/// What a ``TestThread/runAlone(_:)`` body gave, handed across the join.
private final class ThreadOutcome<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
