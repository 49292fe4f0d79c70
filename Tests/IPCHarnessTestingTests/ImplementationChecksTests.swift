import Glibc
import IPCHarness
import IPCHarnessTesting
import IPCModels
import Synchronization
import Testing

/// A correct queue: a mutex around an array.
final class LockedQueue: ConcurrentQueue {
    private let storage = Mutex<[Int]>([])
    private let capacity: Int?

    init(capacity: Int?) { self.capacity = capacity }

    func enqueue(_ value: Int) -> Bool {
        storage.withLock { values in
            if let capacity, values.count >= capacity { return false }
            values.append(value)
            return true
        }
    }

    func dequeue() -> Int? {
        storage.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }
}

/// Broken: last in, first out.
final class StackQueue: ConcurrentQueue {
    private let storage = Mutex<[Int]>([])
    init(capacity: Int?) {}
    func enqueue(_ value: Int) -> Bool {
        storage.withLock { $0.append(value) }
        return true
    }
    func dequeue() -> Int? {
        storage.withLock { $0.popLast() }
    }
}

/// Broken: ignores its capacity.
final class UnboundedQueue: ConcurrentQueue {
    private let inner = LockedQueue(capacity: nil)
    init(capacity: Int?) {}
    func enqueue(_ value: Int) -> Bool { inner.enqueue(value) }
    func dequeue() -> Int? { inner.dequeue() }
}

/// Broken: a dequeue on an empty queue waits for an enqueue that may never come (a lost wake-up, a deadlock).
final class WaitingQueue: ConcurrentQueue {
    private let inner = LockedQueue(capacity: nil)
    init(capacity: Int?) {}
    func enqueue(_ value: Int) -> Bool { inner.enqueue(value) }
    func dequeue() -> Int? {
        while true {
            if let value = inner.dequeue() { return value }
            sched_yield()
        }
    }
}

@Suite struct ImplementationChecksTests {
    let directory = "/tmp/ipc-harness-implementations-\(getpid())"

    /// A call that never returns ends its run as a hang — an issue that says so — and the test goes on: the
    /// watchdog abandons the stuck thread instead of waiting for it.
    @Test func aCallThatNeverReturnsIsAHangNotAHungTest() async {
        await withKnownIssue {
            let report = IPCHarnessExpectations.checkImplementation(
                named: "WaitingQueue", model: QueueModel(), runs: 20, seed: 5, traceDirectory: directory,
                hangAfterSeconds: 0.2,
                programs: { _ in [[.receive(process: 1)], [.receive(process: 2), .send(process: 2, to: nil, data: Array("1".utf8))]] },
                instance: {
                    let queue = WaitingQueue(capacity: nil)
                    return { input in
                        switch input {
                        case .send(_, _, let data): queue.enqueue(Int(String(decoding: data, as: UTF8.self))!) ? .sent : .failed(.EAGAIN)
                        case .receive: queue.dequeue().map { .received(Array(String($0).utf8)) } ?? .failed(.EAGAIN)
                        case .revoke: .failed(.EINVAL)
                        }
                    }
                })
            #expect(report?.result == .unknown)
            #expect(report?.hangs.first?.contains("hung in 'receive'") == true)
        } matching: { issue in
            let text = issue.comments.map(\.rawValue).joined()
            return text.contains("WaitingQueue: hung in run") && text.contains("the OS schedules the threads")
        }
    }

    @Test func aCorrectQueuePasses() async {
        let report = await IPCHarnessExpectations.check(LockedQueue.self, against: QueueModel(), runs: 200, seed: 1, traceDirectory: directory)
        #expect(report == nil)
        let bounded = await IPCHarnessExpectations.check(LockedQueue.self, against: QueueModel(capacity: 2), runs: 100, seed: 2, traceDirectory: directory)
        #expect(bounded == nil)
    }

    @Test func aLIFOQueueFailsTheTestWithTheTraceAndHowToRerunIt() async {
        await withKnownIssue {
            let report = await IPCHarnessExpectations.check(StackQueue.self, against: QueueModel(), runs: 200, seed: 3, traceDirectory: directory)
            #expect(report?.result == .violation)
        } matching: { issue in
            let text = issue.comments.map(\.rawValue).joined()
            return text.contains("StackQueue: not linearizable") && text.contains("check again: ipc-harness check \(directory)/StackQueue-")
                && text.contains("rerun: IPC_HARNESS_SEED=")
        }
    }

    @Test func aQueueThatIgnoresItsCapacityFails() async {
        await withKnownIssue {
            await IPCHarnessExpectations.check(UnboundedQueue.self, against: QueueModel(capacity: 1), runs: 200, seed: 4, traceDirectory: directory)
        } matching: { issue in
            issue.comments.map(\.rawValue).joined().contains("send \"")
        }
    }

    @Test func aModelThatIsNotOneFIFOQueueIsRefusedWithAnIssue() async {
        let perReceiver = QueueModel(objects: [("q", .init(order: .perReceiver, credits: 1))])
        await withKnownIssue {
            let report = await IPCHarnessExpectations.check(LockedQueue.self, against: perReceiver, runs: 1, seed: 5, traceDirectory: directory)
            #expect(report == nil)
        } matching: { issue in
            issue.comments.map(\.rawValue).joined().contains("checked against one FIFO queue")
        }
    }

    @Test func theRecordedHistoryIsATraceTheCommandLineCanCheck() throws {
        let model = QueueModel()
        let queue = StackQueue(capacity: nil)
        let programs: [[QueueModel.Input]] = [
            [.send(process: 1, to: nil, data: Array("1".utf8)), .send(process: 1, to: nil, data: Array("2".utf8))],
            [.receive(process: 2)],
        ]
        let plan = ThreadedRun.Plan(model: model, implementation: "StackQueue", programs: programs) { input in
            switch input {
            case .send(_, _, let data): queue.enqueue(Int(String(decoding: data, as: UTF8.self))!) ? .sent : .failed(.EAGAIN)
            case .receive: queue.dequeue().map { .received(Array(String($0).utf8)) } ?? .failed(.EAGAIN)
            case .revoke: .failed(.EINVAL)
            }
        }
        let trace = ThreadedRun.run(plan, seed: 9)
        #expect(trace.header.mode == "threads")
        #expect(trace.events.filter { $0.type == .invoke }.count == 3)
        let reread = try Trace.parse(trace.serialized())
        #expect(reread == trace)
        _ = try TraceChecker.check(reread)
    }
}
