import Glibc

/// An OS thread running one closure, joined explicitly. Fuzzing runs several drivers at once, each blocking in
/// poll and waitpid: they need threads of their own, not Swift concurrency's small cooperative pool.
final class OSThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { context in
            let me = Unmanaged<OSThread>.fromOpaque(context!).takeRetainedValue()
            me.body()
            return nil
        }, context)
    }

    func join() {
        pthread_join(thread, nil)
    }
}
