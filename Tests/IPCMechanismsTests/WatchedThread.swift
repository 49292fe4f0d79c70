import Glibc
import IPCSyscalls
import Synchronization

/// A test's thread that goes to sleep in a system call (`pause`), watched from the test through `/proc` rather than
/// by time: whether it is asleep, whether it has reported how its call ended, and signals sent to it alone.
final class WatchedThread: Sendable {
    private let threadID = Atomic<Int32>(0)
    private let pthread = Atomic<UInt>(0)
    /// "" until the thread reports its ending.
    private let ending = Mutex<String>("")
    /// A bound that fails the test instead of hanging it.
    let giveUp = ContinuousClock.now + .seconds(120)

    /// Called on the watched thread, before it sleeps: from now on the test can see it and signal it.
    func register() {
        pthread.store(UInt(pthread_self()), ordering: .sequentiallyConsistent)
        threadID.store(OSThread.currentID, ordering: .sequentiallyConsistent)
    }

    /// Called on the watched thread once its call has ended.
    func finish(_ text: String) { ending.withLock { $0 = text } }

    var id: Int32 { threadID.load(ordering: .sequentiallyConsistent) }
    var asleep: Bool { id != 0 && ProcessInspector.snapshot(of: id)?.isAsleepInSyscall == true }
    var finished: Bool { !ending.withLock { $0 }.isEmpty }
    var result: String { ending.withLock { $0 } }

    /// Sends `signal` to the watched thread alone.
    func send(_ signal: CInt) { pthread_kill(pthread_t(pthread.load(ordering: .sequentiallyConsistent)), signal) }

    /// Waits until it is asleep: nil then; otherwise why not — it returned first, or it was never seen asleep before
    /// `giveUp`, when `release` is sent to end its call.
    func waitUntilAsleep(release: CInt) -> String? {
        while !asleep {
            if finished { return "returned before sleeping" }
            if ContinuousClock.now > giveUp {
                send(release)
                return "never asleep"
            }
            OSThread.yield()
        }
        return nil
    }

    /// Waits until it has reported its ending and `also` holds; false if that does not happen before `giveUp`.
    func waitUntilFinished(also: () -> Bool = { true }) -> Bool {
        while !finished || !also() {
            if ContinuousClock.now > giveUp { return false }
            OSThread.yield()
        }
        return true
    }
}
