import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import PropertyBased
import TestSupport
import SystemPackage
import Testing

/// Random sequences of reads, writes (up to the ceiling), `fcntl` (`F_GETFL`, `F_SETFL` of `O_NONBLOCK` through either
/// of two descriptors of one eventfd), `lseek`, `pread`, `pwrite`, `ioctl` (`FIONBIO`, `FIOASYNC`, `FIONREAD`,
/// `FIOCLEX`, `FIONCLEX` through either descriptor), `F_GETFD`/`F_SETFD` (each descriptor's own `FD_CLOEXEC`), `poll`
/// and `select` give the same outputs on the kernel and in the eventfd model. A call the model says would sleep (a blocking read at 0, a poll with no timeout that finds
/// nothing) is not made on the kernel: the model must then say why it sleeps, and every call it lets complete must
/// complete the same way there.
@Suite struct EventCounterDescriptorAgreementTests {
    enum Operation: Sendable, CustomStringConvertible {
        case write(UInt64)
        case read(size: Int)
        case setNonblocking(holder: Int, Bool)
        case getFlags(holder: Int)
        case lseek(FilePosition)
        case pread(FilePosition)
        case pwrite(size: Int, at: FilePosition)
        case ioctl(holder: Int, EventCounterModel.IoctlRequest)
        case poll(events: EventCounterModel.PollEvents, timeout: Int)
        case select(read: Bool, write: Bool)
        case getCloseOnExec(holder: Int)
        case setCloseOnExec(holder: Int, Bool)

        var description: String {
            switch self {
            case .write(let value): "write(\(value))"
            case .read(let size): "read(\(size))"
            case .setNonblocking(let holder, let on): "F_SETFL\(holder)(\(on))"
            case .getFlags(let holder): "F_GETFL\(holder)"
            case .lseek(let position): "lseek(\(position.offset), \(position.whence))"
            case .pread(let position): "pread(\(position.offset))"
            case .pwrite(let size, let position): "pwrite(\(size), \(position.offset))"
            case .ioctl(let holder, let request): "ioctl\(holder)(\(request))"
            case .poll(let events, let timeout): "poll(\(events), \(timeout))"
            case .select(let read, let write): "select(\(read), \(write))"
            case .getCloseOnExec(let holder): "F_GETFD\(holder)"
            case .setCloseOnExec(let holder, let on): "F_SETFD\(holder)(\(on))"
            }
        }
    }

    static let operations = Gen.oneOf(
        Gen.int(in: 0...9).map { Operation.write(UInt64($0)) }.eraseToAny(),
        Gen.int(in: 4...16).map { Operation.read(size: $0) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.setNonblocking(holder: 1 + $0 / 2, $0 % 2 == 1) }.eraseToAny(),
        Gen.int(in: 1...2).map { Operation.getFlags(holder: $0) }.eraseToAny(),
        Gen.int(in: 1...2).map { Operation.getCloseOnExec(holder: $0) }.eraseToAny(),
        Gen.int(in: 0...3).map { Operation.setCloseOnExec(holder: 1 + $0 / 2, $0 % 2 == 1) }.eraseToAny(),
        Gen.int(in: 0...(2 * PipeDescriptorAgreementTests.positions.count - 1)).map { choice in
            let position = PipeDescriptorAgreementTests.positions[choice / 2]
            return choice % 2 == 0 ? Operation.lseek(position) : .pread(position)
        }.eraseToAny(),
        Gen.int(in: 0...(16 * PipeDescriptorAgreementTests.positions.count - 1)).map { choice in
            Operation.pwrite(size: 1 + choice % 16, at: PipeDescriptorAgreementTests.positions[choice / 16])
        }.eraseToAny(),
        zip(Gen.int(in: 1...2), Gen.int(in: 0...6)).map { holder, pick -> Operation in
            let requests: [EventCounterModel.IoctlRequest] = [
                .fionbio(true), .fionbio(false), .fioasync(true), .fioasync(false), .fionread, .fioclex, .fionclex,
            ]
            return .ioctl(holder: holder, requests[pick])
        }.eraseToAny(),
        // Near the ceiling (2^64 − 2), where POLLOUT ends.
        Gen.int(in: 2...4).map { Operation.write(UInt64.max - UInt64($0)) }.eraseToAny(),
        zip(Gen.int(in: 0...31), Gen.int(in: 0...2)).map { bits, pick -> Operation in
            let all: [EventCounterModel.PollEvents] = [.input, .output, .readNormal, .writeNormal, .priority]
            var events: EventCounterModel.PollEvents = []
            for (index, event) in all.enumerated() where bits & (1 << index) != 0 { events.insert(event) }
            return .poll(events: events, timeout: [0, -1, 0][pick])
        }.eraseToAny(),
        Gen.int(in: 1...3).map { Operation.select(read: $0 & 1 != 0, write: $0 & 2 != 0) }.eraseToAny()
    )

    @Test func modelAndKernelGiveTheSameOutputs() async throws {
        await checkProperty(count: 200, input: Self.operations.array(of: 1...40)) { operations throws in
            // Both descriptors close-on-exec, as made (eventfd(EFD_CLOEXEC), F_DUPFD_CLOEXEC).
            let model = EventCounterModel(counters: [("e0", .init(semaphore: false, nonblocking: true, holders: [1, 2], closeOnExec: true))])
            var state = model.initialState(of: "e0")
            let first = try KernelEventCounter.create(semaphore: false, nonblocking: true)
            defer { try? Syscall.close(first) }
            let second = FileDescriptor(rawValue: fcntl(first.rawValue, F_DUPFD_CLOEXEC, 0))
            defer { try? Syscall.close(second) }
            for (index, operation) in operations.enumerated() {
                let input: EventCounterModel.Input
                switch operation {
                case .write(let value): input = .write(process: 1, value: value, size: 8)
                case .read(let size): input = .read(process: 2, size: size)
                case .setNonblocking(let holder, let on): input = .fcntl(process: holder, setNonblocking: on)
                case .getFlags(let holder): input = .fcntl(process: holder, setNonblocking: nil)
                case .lseek(let position): input = .lseek(process: 1, at: position)
                case .pread(let position): input = .pread(process: 2, size: 8, at: position)
                case .pwrite(let size, let position): input = .pwrite(process: 1, size: size, at: position)
                case .ioctl(let holder, let request): input = .ioctl(process: holder, request: request)
                case .poll(let events, let timeout): input = .readiness(process: 1, call: .poll(events: events, timeout: timeout))
                case .select(let read, let write): input = .readiness(process: 2, call: .select(read: read, write: write, timeout: 0))
                case .getCloseOnExec(let holder): input = .descriptorFlags(process: holder, setCloseOnExec: nil)
                case .setCloseOnExec(let holder, let on): input = .descriptorFlags(process: holder, setCloseOnExec: on)
                }
                guard let (expected, next) = model.outcome(of: input, in: state) else {
                    if case .poll(let events, _) = operation {
                        // Asleep only when nothing asked for is ready: POLLIN at 0, POLLOUT at the ceiling.
                        let ready = (state.count > 0 && events.contains(.input))
                            || (state.count < EventCounterModel.maximum && events.contains(.output))
                        #expect(!ready, "the model sleeps in \(operation) at count \(state.count)")
                    } else if case .write(let value) = operation {
                        #expect(value > EventCounterModel.maximum - state.count && !state.nonblocking, "the model sleeps in \(operation) at count \(state.count)")
                    } else {
                        #expect(state.count == 0 && !state.nonblocking, "the model sleeps in \(operation) at count \(state.count)")
                    }
                    continue
                }
                state = next
                let kernel: EventCounterModel.Output
                do throws(Errno) {
                    switch operation {
                    case .write(let value):
                        kernel = try KernelEventCounter.write(first, value) == .completed(8) ? .wrote(8) : .failed(.EAGAIN)
                    case .read(let size):
                        switch try KernelEventCounter.read(second, size: size) {
                        case .completed(let value): kernel = .read(value)
                        case .wouldBlock: kernel = .failed(.EAGAIN)
                        }
                    case .setNonblocking(let holder, let on):
                        try Syscall.setNonblocking(holder == 1 ? first : second, on)
                        kernel = .flagsSet
                    case .getFlags(let holder):
                        kernel = .flags(nonblocking: try KernelPipe.flags(holder == 1 ? first : second).nonblocking)
                    case .lseek(let position):
                        kernel = .position(try KernelPipe.position(first, offset: position.offset, whence: Int32(truncatingIfNeeded: position.whence)))
                    case .pread(let position):
                        kernel = .position(try KernelPipe.readAt(second, max: 8, offset: position.offset))
                    case .pwrite(let size, let position):
                        kernel = .position(try KernelPipe.writeAt(first, [UInt8](repeating: 0, count: size), offset: position.offset))
                    case .ioctl(let holder, let request):
                        let descriptor = holder == 1 ? first : second
                        switch request {
                        case .fionread: _ = try Syscall.bytesReadable(descriptor)
                        case .fionbio(let on): try Syscall.control(descriptor, request: UInt(FIONBIO), argument: on ? 1 : 0)
                        case .fioasync(let on): try Syscall.control(descriptor, request: UInt(FIOASYNC), argument: on ? 1 : 0)
                        case .fioclex: try Syscall.control(descriptor, request: UInt(FIOCLEX))
                        case .fionclex: try Syscall.control(descriptor, request: UInt(FIONCLEX))
                        }
                        kernel = .flagsSet
                    case .poll(let events, _):
                        // The model let it complete, so the kernel must have it ready now: ask without waiting,
                        // or a model wrong about readiness would hang the test instead of failing it.
                        let revents = try KernelPipe.poll(first, events: Int16(events.rawValue), timeoutMilliseconds: 0)
                        kernel = .ready(EventCounterModel.PollEvents(rawValue: Int(UInt16(bitPattern: revents))))
                    case .select(let read, let write):
                        let (readable, writable) = try KernelPipe.select(second, read: read, write: write, timeoutMilliseconds: 0)
                        kernel = .selected(readable: readable, writable: writable)
                    case .getCloseOnExec(let holder):
                        kernel = .closeOnExec(try Syscall.closesOnExec(holder == 1 ? first : second))
                    case .setCloseOnExec(let holder, let on):
                        try Syscall.setClosesOnExec(holder == 1 ? first : second, on)
                        kernel = .flagsSet
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
