import IPCModels
import Testing

/// `EPOLLEXCLUSIVE` and `EPOLLWAKEUP` in the shared epoll layer (`Epoll.control`, `Epoll.waitOutcomes`), held to what
/// `EpollExclusiveFactsTests` measured, and the pipe model's use of it.
@Suite struct EpollExclusiveModelTests {
    typealias Registration = Epoll.Registration<String>
    typealias Events = Epoll.Events

    func control(_ registrations: [Registration], _ process: Int, _ operation: Epoll.Operation, _ events: Events, target: String = "t", unjudged: [Int] = [])
        -> (failure: ErrorCode?, registrations: [Registration])
    {
        Epoll.control(registrations, process: process, target: target, operation: operation, events: events, unjudged: unjudged)
    }

    /// Every set of reports `process`'s wait may give with the target ready for input (`contended`: the model's hook).
    func reports(_ registrations: [Registration], _ process: Int, contended: Bool = false) -> Set<[String]> {
        Set(Epoll.waitOutcomes(registrations, process: process, maxEvents: 16, contended: { _ in contended }) { _ in .input }
            .map { $0.reports.map(\.description) })
    }

    /// The errors in the measured order: MOD with the flag `EINVAL` before `ENOENT`; ADD with a bad bit `EINVAL`
    /// before `EEXIST`; MOD of an exclusive registration `EINVAL` whatever the events; DEL ignores the events.
    @Test func controlErrorsInTheMeasuredOrder() {
        let none: [Registration] = []
        #expect(control(none, 1, .modify, [.exclusive, .input]).failure == .EINVAL)
        #expect(control(none, 1, .modify, .input).failure == .ENOENT)
        #expect(control(none, 1, .delete, [.exclusive, .priority]).failure == .ENOENT)
        #expect(control(none, 1, .other(99), [.exclusive, .input]).failure == .EINVAL)
        for bit: Events in [.priority, .readNormal, .readBand, .writeNormal, .writeBand, .readHangUp, .oneShot] {
            #expect(control(none, 1, .add, [.exclusive, .input, bit]).failure == .EINVAL, "\(bit)")
        }
        for bits: Events in [[], .input, .output, .error, .hangUp, .wakeUp, .edgeTriggered, [.input, .output, .error, .hangUp, .wakeUp, .edgeTriggered]] {
            #expect(control(none, 1, .add, bits.union(.exclusive)).failure == nil, "\(bits)")
        }
        let plain = control(none, 1, .add, .input).registrations
        #expect(control(plain, 1, .add, [.exclusive, .input]).failure == .EEXIST)
        #expect(control(plain, 1, .add, [.exclusive, .priority]).failure == .EINVAL)
        #expect(control(plain, 1, .modify, [.exclusive, .input]).failure == .EINVAL)
        #expect(control(plain, 1, .modify, [.output, .wakeUp]).failure == nil)
        let exclusive = control(none, 1, .add, [.exclusive, .input]).registrations
        for events: Events in [.input, [.exclusive, .input], []] {
            #expect(control(exclusive, 1, .modify, events).failure == .EINVAL, "\(events)")
        }
        #expect(control(exclusive, 1, .add, .input).failure == .EEXIST)
        #expect(control(exclusive, 1, .delete, []).failure == nil)
        #expect(Events.names.map(\.name).contains("EPOLLEXCLUSIVE") && Events.names.map(\.name).contains("EPOLLWAKEUP"))
    }

    /// Alone on the object, an exclusive registration is judged as a plain one: ready, it must report.
    @Test func aloneItIsJudgedAsAPlainOne() {
        for events: Events in [[.exclusive, .input], [.exclusive, .wakeUp, .input], [.wakeUp, .input]] {
            let registrations = control([], 1, .add, events).registrations
            #expect(reports(registrations, 1) == [["t EPOLLIN"]], "\(events)")
        }
        // Another process's plain registration is never ahead (plain entries are woken first, all of them).
        var registrations = control([], 2, .add, .input).registrations
        registrations = control(registrations, 1, .add, [.exclusive, .input]).registrations
        #expect(reports(registrations, 1) == [["t EPOLLIN"]])
        #expect(reports(registrations, 2) == [["t EPOLLIN"]])
    }

    /// Behind another process's exclusive registration, a ready one may go unreported (the measured miss); the one
    /// ahead is judged fully. The miss outlives the one ahead (measured: nothing reported after the child's exit until
    /// another write): deleted, it leaves the other missable; added again, alone, a registration is judged fully.
    @Test func behindAnotherExclusiveOneItMayMiss() {
        var registrations = control([], 1, .add, [.exclusive, .input]).registrations
        registrations = control(registrations, 2, .add, [.exclusive, .input]).registrations
        #expect(registrations.map(\.missable) == [false, true])
        #expect(reports(registrations, 1) == [["t EPOLLIN"]])
        #expect(reports(registrations, 2) == [["t EPOLLIN"], []])
        registrations = control(registrations, 1, .delete, []).registrations
        #expect(reports(registrations, 2) == [["t EPOLLIN"], []])
        registrations = control(registrations, 2, .delete, []).registrations
        registrations = control(registrations, 2, .add, [.exclusive, .input]).registrations
        #expect(reports(registrations, 2) == [["t EPOLLIN"]])
        registrations = control(registrations, 1, .add, [.exclusive, .input, .edgeTriggered]).registrations
        #expect(registrations.map(\.missable) == [true, false])
        #expect(reports(registrations, 1) == [["t EPOLLIN"], []])  // edge-triggered with the ADD's news: perhaps
        #expect(reports(registrations, 2) == [["t EPOLLIN"]])
        // A process whose registrations are not followed may hold an exclusive one ahead.
        let behindUnjudged = control([], 1, .add, [.exclusive, .input], unjudged: [3]).registrations
        #expect(reports(behindUnjudged, 1) == [["t EPOLLIN"], []])
        // The model's own sleepers (a blocking read of a pipe): contended, it may miss, and may have missed from then
        // on; a plain one never misses.
        let alone = control([], 1, .add, [.exclusive, .input]).registrations
        #expect(reports(alone, 1, contended: true) == [["t EPOLLIN"], []])
        let after = Epoll.waitOutcomes(alone, process: 1, maxEvents: 16, contended: { _ in true }) { _ in .input }.map(\.registrations)
        #expect(after.allSatisfy { $0.map(\.missable) == [true] })
        #expect(reports(control([], 1, .add, .input).registrations, 1, contended: true) == [["t EPOLLIN"]])
    }

    /// The pipe model: one holder of the read end, its exclusive registration judged fully; a second holder of the
    /// read end (which could sleep in a blocking read ahead of it) lets a ready one go unreported.
    @Test func thePipeJudgesALoneHolderFully() {
        for readers in [[1], [1, 2]] {
            let model = PipeModel(pipes: [("p0", PipeModel.Setup(readers: readers, writers: [1], nonblocking: true))])
            var state = model.initialState(of: "p0")
            for input: PipeModel.Input in [
                .epoll(process: 1, call: .control(operation: .add, end: .read, events: [.exclusive, .input])), .write(process: 1, data: [7], nonblocking: true),
            ] {
                state = model.outcomes(of: input, in: state).first!.step.state
            }
            let outputs = Set(model.outcomes(of: .epoll(process: 1, call: .wait(maxEvents: 16, timeout: 0)), in: state).map(\.output))
            let reported = PipeModel.Output.epollEvents([PipeModel.EpollReport(end: .read, events: .input)])
            #expect(outputs == (readers.count == 1 ? [reported] : [reported, .epollEvents([])]), "\(readers)")
        }
    }
}
