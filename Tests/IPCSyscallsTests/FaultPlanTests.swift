import Glibc
import IPCSyscalls
import SystemPackage
import Testing

/// The fault-injection point, in the manner of swift-system's MockTestCase: the exact call trace, one EINTR
/// thrown, counted EINTRs retried, and faults that pass through to the real call when none is due.
@Suite struct FaultPlanTests {
    /// A pipe with `bytes` already in it, closed when the test ends.
    final class TestPipe {
        let read: FileDescriptor
        let write: FileDescriptor
        init(holding bytes: [UInt8] = []) throws {
            let (read, write) = try Syscall.pipe()
            self.read = read
            self.write = write
            if !bytes.isEmpty { _ = try bytes.withUnsafeBytes { try Syscall.write(write, $0) } }
        }
        deinit {
            try? Syscall.close(read)
            try? Syscall.close(write)
        }
    }

    func readOnce(_ descriptor: FileDescriptor, retryOnInterrupt: Bool = true) throws(Errno) -> Int {
        var buffer = [UInt8](repeating: 0, count: 16)
        return try buffer.withUnsafeMutableBufferPointer { (raw) throws(Errno) -> Int in
            try Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(raw), retryOnInterrupt: retryOnInterrupt)
        }
    }

    @Test func recordsEveryCallWithItsArgumentsAndAction() throws {
        let pipe = try TestPipe(holding: Array("hello".utf8))
        let plan = FaultPlan(rules: [])
        try FaultInjection.$taskInjector.withValue(plan) {
            _ = try readOnce(pipe.read)
        }
        #expect(plan.records == [
            FaultPlan.Record(context: SyscallContext(call: .read, descriptor: pipe.read, count: 16), action: .proceed)
        ])
    }

    @Test func oneInjectedEINTRIsThrownWhenTheCallerDoesNotRetry() throws {
        let pipe = try TestPipe(holding: Array("x".utf8))
        let plan = FaultPlan(rules: [.counted(.read, errno: .interrupted)])
        FaultInjection.$taskInjector.withValue(plan) {
            #expect(throws: Errno.interrupted) { _ = try readOnce(pipe.read, retryOnInterrupt: false) }
        }
        // The byte is still there: an injected EINTR happens before the real call.
        #expect(try readOnce(pipe.read) == 1)
    }

    @Test func countedEINTRsAreRetriedWhenTheCallerAsks() throws {
        let pipe = try TestPipe(holding: Array("abc".utf8))
        let plan = FaultPlan(rules: [.counted(.read, errno: .interrupted, count: 3)])
        let count = try FaultInjection.$taskInjector.withValue(plan) { try readOnce(pipe.read) }
        #expect(count == 3)
        #expect(plan.records.map(\.action) == [
            .fail(.interrupted), .fail(.interrupted), .fail(.interrupted), .proceed,
        ])
    }

    @Test func alwaysFailsEveryMatchingCall() throws {
        let pipe = try TestPipe()
        let plan = FaultPlan(rules: [.always(.write, errno: .noSpace)])
        FaultInjection.$taskInjector.withValue(plan) {
            for _ in 0..<3 {
                #expect(throws: Errno.noSpace) { _ = try [UInt8(1)].withUnsafeBytes { try Syscall.write(pipe.write, $0) } }
            }
        }
        #expect(plan.records.count == 3)
    }

    @Test func shortenCutsATransferToTheGivenCount() throws {
        let pipe = try TestPipe()
        let plan = FaultPlan(rules: [FaultPlan.Rule(call: .write, action: .shorten(to: 2), count: 1)])
        let written = try FaultInjection.$taskInjector.withValue(plan) {
            try Array("hello".utf8).withUnsafeBytes { try Syscall.write(pipe.write, $0) }
        }
        #expect(written == 2)
        #expect(try readOnce(pipe.read) == 2)
    }

    @Test func rulesMatchOnlyTheirDescriptorAndExemptDescriptorsAreNeverFaulted() throws {
        let first = try TestPipe(holding: [1])
        let second = try TestPipe(holding: [2])
        let plan = FaultPlan(
            rules: [FaultPlan.Rule(call: .read, descriptor: first.read, action: .fail(.wouldBlock))],
            exempt: [second.write])
        try FaultInjection.$taskInjector.withValue(plan) {
            #expect(throws: Errno.wouldBlock) { _ = try readOnce(first.read) }
            #expect(try readOnce(second.read) == 1)
            _ = try [UInt8(3)].withUnsafeBytes { try Syscall.write(second.write, $0) }
        }
        #expect(plan.records.count == 2)  // the exempt write is not even recorded
    }

    @Test func withoutAPlanCallsPassStraightThrough() throws {
        let pipe = try TestPipe(holding: Array("abc".utf8))
        #expect(try readOnce(pipe.read) == 3)
    }

    @Test func aTaskLocalPlanDoesNotLeakIntoOtherTasks() async throws {
        let pipe = try TestPipe(holding: Array("ab".utf8))
        let plan = FaultPlan(rules: [.always(.read, errno: .ioError)])
        await FaultInjection.$taskInjector.withValue(plan) {
            await Task.detached {
                #expect(FaultInjection.taskInjector == nil)
            }.value
        }
        #expect(try readOnce(pipe.read) == 2)
    }

    @Test func closeIsNeverRetried() throws {
        let (read, write) = try Syscall.pipe()
        defer { try? Syscall.close(write) }
        let plan = FaultPlan(rules: [.counted(.close, errno: .interrupted)])
        FaultInjection.$taskInjector.withValue(plan) {
            #expect(throws: Errno.interrupted) { try Syscall.close(read) }
        }
        try Syscall.close(read)
    }
}
