import Glibc
import IPCMechanisms
import IPCModels
import IPCSyscalls
import SystemPackage
import Testing

/// The kernel's own `eventfd_signal` on an eventfd, as an AIO completion makes it (`io_submit` of an iocb with
/// `IOCB_FLAG_RESFD`; LTP `eventfd06`), measured on this kernel (a C probe first): it adds 1 — and, unlike a write,
/// passes the ceiling 2^64 − 2 to 2^64 − 1 (`if (ctx->count < ULLONG_MAX) ctx->count++`), where it stays. There
/// `eventfd_poll` adds `POLLERR` (reported asked or not) beside `POLLIN`, `select` finds it readable and writable (an
/// error counts for both sets), no write fits — not even one of 0 (`ULLONG_MAX - count > value` fails) — and a read
/// takes 2^64 − 1 (a semaphore's read 1, leaving 2^64 − 2: `POLLIN` alone). An edge-triggered `EPOLLIN` registration
/// hears it as a write (`wake_up_locked_poll(…, EPOLLIN)`). A number not open: `EBADF` from `io_submit`. The model's
/// `signal` (trace `eventfd_signal`) gives every outcome here.
@Suite struct EventCounterSignalFactsTests {
    typealias PollEvents = EventCounterModel.PollEvents

    static func poll(_ descriptor: FileDescriptor, _ events: Int16) throws -> PollEvents {
        var asked = [pollfd(fd: descriptor.rawValue, events: events, revents: 0)]
        _ = try Syscall.poll(&asked, timeoutMilliseconds: 0)
        return PollEvents(rawValue: Int(asked[0].revents))
    }

    @Test(arguments: [false, true]) func anAsyncIOCompletionPassesTheCeiling(semaphore: Bool) throws {
        let descriptor = try KernelEventCounter.create(semaphore: semaphore, nonblocking: true)
        defer { try? Syscall.close(descriptor) }
        let model = EventCounterModel(counters: [("e0", .init(semaphore: semaphore, nonblocking: true, holders: [1]))])
        var state = model.initialState(of: "e0")
        /// The kernel's output must be the model's, which then steps.
        func agree(_ input: EventCounterModel.Input, _ kernel: EventCounterModel.Output, sourceLocation: SourceLocation = #_sourceLocation) {
            let outcome = model.outcome(of: input, in: state)
            #expect(outcome?.output == kernel, "\(input): kernel \(kernel), model \(outcome.map { "\($0.output)" } ?? "blocks")", sourceLocation: sourceLocation)
            if let outcome { state = outcome.next }
        }
        func write(_ value: UInt64) throws -> EventCounterModel.Output {
            switch try KernelEventCounter.write(descriptor, value) {
            case .completed(let count): .wrote(count)
            case .wouldBlock: .failed(.EAGAIN)
            }
        }
        func read() throws -> EventCounterModel.Output {
            switch try KernelEventCounter.read(descriptor) {
            case .completed(let value): .read(value)
            case .wouldBlock: .failed(.EAGAIN)
            }
        }
        let both = Int16(POLLIN | POLLOUT)
        let pollBoth = EventCounterModel.Input.readiness(process: 1, call: .poll(events: [.input, .output], timeout: 0))
        let pollNone = EventCounterModel.Input.readiness(process: 1, call: .poll(events: [], timeout: 0))
        let selectBoth = EventCounterModel.Input.readiness(process: 1, call: .select(read: true, write: true, timeout: 0))
        // From 5: one more, as a write of 1 would.
        agree(.write(process: 1, value: 5, size: 8), try write(5))
        try KernelEventCounter.signalByAsyncIO(descriptor)
        agree(.signal(process: 1), .flagsSet)
        agree(.read(process: 1, size: 8), try read())
        if semaphore { for _ in 0..<5 { agree(.read(process: 1, size: 8), try read()) } }
        #expect(state.count == 0)
        // From the ceiling: past it, where it stays.
        agree(.write(process: 1, value: EventCounterModel.maximum, size: 8), try write(EventCounterModel.maximum))
        try KernelEventCounter.signalByAsyncIO(descriptor)
        agree(.signal(process: 1), .flagsSet)
        let atTop = try Self.poll(descriptor, both)
        #expect(atTop == [.input, .error])
        agree(pollBoth, .ready(atTop))
        agree(pollNone, .ready(try Self.poll(descriptor, 0)))
        let selected = try KernelPipe.select(descriptor, read: true, write: true, timeoutMilliseconds: 0)
        #expect(selected == (true, true))
        agree(selectBoth, .selected(readable: selected.0, writable: selected.1))
        agree(.write(process: 1, value: 0, size: 8), try write(0))
        #expect(state.count == .max)
        try KernelEventCounter.signalByAsyncIO(descriptor)
        agree(.signal(process: 1), .flagsSet)
        agree(.read(process: 1, size: 8), try read())
        agree(pollBoth, .ready(try Self.poll(descriptor, both)))
        // EBADF for a number not open (-1: a number closed here could be another test's by now).
        #expect(throws: Errno.badFileDescriptor) { try KernelEventCounter.signalByAsyncIO(FileDescriptor(rawValue: -1)) }
        #expect(model.outcome(of: .signal(process: 2), in: state)?.output == .failed(.EBADF))
    }

    /// The plausible wrong beliefs, rejected: the signal stopping at the ceiling as a write does; no `POLLERR` at
    /// 2^64 − 1; a write of 0 still fitting there; and the edge-triggered registration deaf to the signal.
    @Test func thePlausibleWrongOutcomesAreRejected() {
        let model = EventCounterModel(counters: [("e0", .init(initial: EventCounterModel.maximum, nonblocking: true, holders: [1]))])
        var top = model.initialState(of: "e0")
        top = model.step(top, .signal(process: 1), .flagsSet).first!.state
        #expect(top.count == .max)
        #expect(model.step(top, .read(process: 1, size: 8), .read(EventCounterModel.maximum)).isEmpty)
        let poll = EventCounterModel.Input.readiness(process: 1, call: .poll(events: [.input], timeout: 0))
        #expect(model.step(top, poll, .ready(.input)).isEmpty)
        #expect(!model.step(top, poll, .ready([.input, .error])).isEmpty)
        #expect(model.step(top, .write(process: 1, value: 0, size: 8), .wrote(8)).isEmpty)
        let edge = EventCounterModel(counters: [("e0", .init(initial: 1, nonblocking: true, holders: [1]))])
        var state = edge.initialState(of: "e0")
        let wait = EventCounterModel.Input.epoll(process: 1, call: .wait(maxEvents: 4, timeout: 0))
        state = edge.step(state, .epoll(process: 1, call: .control(operation: .add, target: .eventfd, events: [.input, .edgeTriggered])), .epollControlled).first!.state
        state = edge.step(state, wait, .epollEvents([.init(target: .eventfd, events: .input)])).first!.state
        state = edge.step(state, .signal(process: 1), .flagsSet).first!.state
        #expect(edge.step(state, wait, .epollEvents([])).isEmpty)
        #expect(!edge.step(state, wait, .epollEvents([.init(target: .eventfd, events: .input)])).isEmpty)
        // EPOLLERR beside EPOLLIN at 2^64 − 1 (measured with a C probe), unasked too.
        var listening = top
        listening = model.step(listening, .epoll(process: 1, call: .control(operation: .add, target: .eventfd, events: .input)), .epollControlled).first!.state
        #expect(model.step(listening, wait, .epollEvents([.init(target: .eventfd, events: .input)])).isEmpty)
        #expect(!model.step(listening, wait, .epollEvents([.init(target: .eventfd, events: [.input, .error])])).isEmpty)
    }
}
