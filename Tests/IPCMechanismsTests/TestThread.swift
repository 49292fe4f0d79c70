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
