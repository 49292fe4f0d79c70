import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import Synchronization
import SystemPackage
import Testing

/// Random sequences of writes and reads on a real eventfd (plain and semaphore) and on the eventfd model must give
/// the same outputs: sums, resets, semaphore decrements, overflow, `EAGAIN` and `EINVAL` — and the kernel's
/// `eventfd_signal` (an AIO completion: `EventCounterSignalFactsTests`), which passes the ceiling to 2^64 − 1, with a
/// `poll` to see `POLLERR` there.
@Suite struct EventCounterModelAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case write(UInt64, size: Int)
        case read(size: Int)
        case close
        /// An AIO completion naming the eventfd (the kernel's `eventfd_signal`).
        case signal
        /// `poll` for `POLLIN | POLLOUT` with a zero timeout.
        case poll

        var description: String {
            switch self {
            case .signal: "eventfd_signal"
            case .poll: "poll"
            case .write(let value, let size): "write(\(value)\(size == 8 ? "" : ", size \(size)"))"
            case .read(let size): "read(\(size == 8 ? "" : "size \(size)"))"
            case .close: "close"
            }
        }
    }

    static let operations = Gen.oneOf(
        Gen.int(in: 0...20).map { Operation.write(UInt64($0), size: 8) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.write(EventCounterModel.maximum - UInt64($0), size: 8) }.eraseToAny(),
        Gen.int(in: 0...9).map { $0 == 0 ? Operation.write(.max, size: 8) : .write(1, size: [4, 7, 9, 16][$0 % 4]) }.eraseToAny(),
        Gen.int(in: 0...40).map { $0 < 36 ? Operation.read(size: 8) : $0 < 39 ? .read(size: [4, 7, 16][$0 - 36]) : .close }.eraseToAny(),
        Gen.int(in: 0...3).map { $0 < 2 ? Operation.signal : .poll }.eraseToAny()
    ).array(of: 1...40)

    @Test(arguments: [false, true])
    func modelAndKernelGiveTheSameOutputs(semaphore: Bool) async throws {
        let seen = Mutex<Set<String>>([])
        await checkProperty(count: 150, input: Self.operations) { operations throws in
            var descriptor: FileDescriptor? = try KernelEventCounter.create(semaphore: semaphore, nonblocking: true)
            defer { if let descriptor { try? Syscall.close(descriptor) } }
            let model = EventCounterModel(counters: [("e0", .init(semaphore: semaphore, nonblocking: true, holders: [1]))])
            var state = model.initialState(of: "e0")
            for (index, operation) in operations.enumerated() {
                let kernel: EventCounterModel.Output
                let input: EventCounterModel.Input
                do {
                    switch operation {
                    case .write(let value, let size):
                        input = .write(process: 1, value: value, size: size)
                        guard let descriptor else { kernel = .failed(.EBADF); break }
                        switch try KernelEventCounter.write(descriptor, value, size: size) {
                        case .completed(let count): kernel = .wrote(count)
                        case .wouldBlock: kernel = .failed(.EAGAIN)
                        }
                    case .read(let size):
                        input = .read(process: 1, size: size)
                        guard let descriptor else { kernel = .failed(.EBADF); break }
                        switch try KernelEventCounter.read(descriptor, size: size) {
                        case .completed(let value): kernel = .read(value)
                        case .wouldBlock: kernel = .failed(.EAGAIN)
                        }
                    case .signal:
                        input = .signal(process: 1)
                        guard let descriptor else { kernel = .failed(.EBADF); break }
                        try KernelEventCounter.signalByAsyncIO(descriptor)
                        kernel = .flagsSet
                    case .poll:
                        let call = PipeModel.ReadinessCall.poll(events: [.input, .output], timeout: 0)
                        input = .readiness(process: 1, call: call)
                        guard let descriptor else { kernel = .ready(.invalid); break }
                        var asked = [pollfd(fd: descriptor.rawValue, events: Int16(POLLIN | POLLOUT), revents: 0)]
                        _ = try Syscall.poll(&asked, timeoutMilliseconds: 0)
                        kernel = .ready(EventCounterModel.PollEvents(rawValue: Int(asked[0].revents)))
                    case .close:
                        input = .close(process: 1)
                        guard let open = descriptor else { kernel = .failed(.EBADF); break }
                        descriptor = nil
                        try Syscall.close(open)
                        kernel = .closed
                    }
                } catch let error as Errno {
                    kernel = .failed(ErrorCode(error.name))
                } catch {
                    kernel = .failed(ErrorCode("\(error)"))
                }
                seen.withLock { _ = $0.insert("\(kernel)".prefix(while: { $0 != "(" }) + (kernel == .failed(.EAGAIN) ? "EAGAIN" : kernel == .failed(.EINVAL) ? "EINVAL" : "")) }
                guard let (output, next) = model.outcome(of: input, in: state), output == kernel else {
                    Issue.record("operation \(index) \(operation) of \(operations): kernel \(kernel), model \(model.outcome(of: input, in: state).map { "\($0.output)" } ?? "blocks")")
                    return
                }
                state = next
            }
        }
        #expect(seen.withLock { $0 }.isSuperset(of: ["wrote", "read", "failedEAGAIN", "failedEINVAL", "closed", "flagsSet", "ready"]))
    }
}
