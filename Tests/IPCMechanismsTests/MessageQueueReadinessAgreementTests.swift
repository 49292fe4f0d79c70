import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// Random sequences of nonblocking sends and receives and of `poll`/`select` through an `O_RDWR`, an `O_RDONLY` and
/// an `O_WRONLY` descriptor of one queue give the same outputs on the kernel and in the posix-mq model.
@Suite struct MessageQueueReadinessAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case send
        case receive
        case poll(holder: Int, events: PosixMessageQueueModel.PollEvents)
        case select(holder: Int, read: Bool, write: Bool)

        var description: String {
            switch self {
            case .send: "send"
            case .receive: "receive"
            case .poll(let holder, let events): "poll\(holder)(\(events))"
            case .select(let holder, let read, let write): "select\(holder)(\(read), \(write))"
            }
        }
    }

    static let operations = Gen.oneOf(
        Gen.int(in: 0...1).map { $0 == 0 ? Operation.send : .receive }.eraseToAny(),
        zip(Gen.int(in: 1...3), Gen.int(in: 0...31)).map { holder, bits -> Operation in
            let all: [PosixMessageQueueModel.PollEvents] = [.input, .output, .readNormal, .writeNormal, .priority]
            var events: PosixMessageQueueModel.PollEvents = []
            for (index, event) in all.enumerated() where bits & (1 << index) != 0 { events.insert(event) }
            return .poll(holder: holder, events: events)
        }.eraseToAny(),
        zip(Gen.int(in: 1...3), Gen.int(in: 1...3)).map { holder, pick in
            Operation.select(holder: holder, read: pick & 1 != 0, write: pick & 2 != 0)
        }.eraseToAny()
    )

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        await checkProperty(count: 100, input: Self.operations.array(of: 1...30)) { operations throws in
            let owned = try OwnedQueueDescriptors("pollagree", maximumMessages: 3, messageSize: 8)
            defer { withExtendedLifetime(owned) {} }
            let (queue, reader, writer) = (owned.queue, owned.reader, owned.writer)
            // Process 1 holds the O_RDWR descriptor, 2 the O_RDONLY one, 3 the O_WRONLY one.
            let model = PosixMessageQueueModel(queues: [("q0", .init(maxMessages: 3, messageSize: 8, holders: [1, 2, 3]))])
            var state = model.initialState(of: "q0")
            state.descriptors = [2: [.init(access: .read)], 3: [.init(access: .write)]]
            let descriptors = [1: queue, 2: reader, 3: writer]
            for (index, operation) in operations.enumerated() {
                let input: PosixMessageQueueModel.Input
                switch operation {
                case .send: input = .send(process: 1, data: [UInt8(index)], priority: index % 3, nonblocking: true)
                case .receive: input = .receive(process: 1, max: 8, nonblocking: true)
                case .poll(let holder, let events): input = .readiness(process: holder, call: .poll(events: events, timeout: 0))
                case .select(let holder, let read, let write):
                    input = .readiness(process: holder, call: .select(read: read, write: write, timeout: 0))
                }
                let transitions = model.transitions(state, input)
                guard transitions.count == 1, let expected = transitions[0].output else {
                    Issue.record("operation \(index) \(operation): the model gives \(transitions.count) outcomes")
                    return
                }
                state = transitions[0].state
                let kernel: PosixMessageQueueModel.Output
                do throws(Errno) {
                    switch operation {
                    case .send:
                        let result = try PosixMessageQueue.send(queue, [UInt8(index)], priority: index % 3, nonblocking: true)
                        kernel = result == .wouldBlock ? .failed(.EAGAIN) : .sent
                    case .receive:
                        switch try PosixMessageQueue.receive(queue, maximum: 8, nonblocking: true) {
                        case .completed(let message): kernel = .received(.init(data: message.data, priority: message.priority))
                        case .wouldBlock: kernel = .failed(.EAGAIN)
                        }
                    case .poll(let holder, let events):
                        let revents = try KernelPipe.poll(descriptors[holder]!, events: Int16(events.rawValue), timeoutMilliseconds: 0)
                        kernel = .ready(PosixMessageQueueModel.PollEvents(rawValue: Int(UInt16(bitPattern: revents))))
                    case .select(let holder, let read, let write):
                        let (readable, writable) = try KernelPipe.select(descriptors[holder]!, read: read, write: write, timeoutMilliseconds: 0)
                        kernel = .selected(readable: readable, writable: writable)
                    }
                } catch {
                    kernel = .failed(ErrorCode(error.name))
                }
                if kernel != expected {
                    Issue.record("operation \(index) \(operation) of \(operations): kernel \(kernel), model \(expected)")
                    return
                }
            }
        }
    }
}
