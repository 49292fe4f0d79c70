import Foundation
import Testing

/// A lock held by every test that leaves a dead run's objects for `clean` to find, or runs `clean`.
///
/// `clean` removes what any ended run of this user left — so a `clean` in another suite of the same test process
/// (suites run in parallel), or in another `swift test` on the machine, removes a test's planted leftovers between
/// its set-up and its look. The lock is a `flock` on a file of this user's, so it holds across processes too; it is
/// taken on a thread of its own, never blocking the cooperative pool the holder needs to finish.
public struct CleanLock: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // Only around each test (a suite's own scope would hold the lock while its tests wait for it).
        guard testCase != nil || !test.isSuite else { return try await function() }
        let descriptor = open("/tmp/ipc-harness-clean-tests-\(getuid()).lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { return try await function() }
        defer {
            flock(descriptor, LOCK_UN)
            close(descriptor)
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                while flock(descriptor, LOCK_EX) != 0 && errno == EINTR {}
                continuation.resume()
            }
        }
        try await function()
    }
}

extension Trait where Self == CleanLock {
    /// See ``CleanLock``.
    public static var cleanLock: Self { CleanLock() }
}
