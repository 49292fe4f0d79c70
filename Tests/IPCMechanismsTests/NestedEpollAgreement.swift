import IPCModels

/// What the nested-epoll agreement tests (`PipeNestedEpollAgreementTests`, `UnixSocketNestedEpollAgreementTests`,
/// `FIFONestedEpollAgreementTests`, `EventCounterNestedEpollAgreementTests`, `PosixMessageQueueNestedEpollAgreementTests`)
/// share: one process's calls on its implicit instance (`"epoll"`) and kept ones, as a trace decodes them — the implicit
/// instance's own calls on leaves stay the model's plain epoll calls — and the marks a wait's reports meet; their kernel
/// side is in `NestedEpollAgreement+Kernel.swift`.
enum NestedEpollAgreement {
    /// A call as the model takes it: the implicit instance's plain call, or a nested one.
    enum Decoded<Leaf: Hashable & Sendable & Comparable> {
        case plain(Epoll.Call<Leaf>)
        case nested(NestedEpoll.Call<Leaf>)
    }

    static func create<Leaf>(_ name: String) -> Decoded<Leaf> { .nested(.create(.flags(Epoll.Creation.closeOnExec), keep: name)) }

    static func closeInstance<Leaf>(_ name: String) -> Decoded<Leaf> { .nested(.close(instance: name)) }

    static func control<Leaf>(_ instance: String, _ operation: Epoll.Operation, _ target: NestedEpoll.Target<Leaf>, _ events: Epoll.Events) -> Decoded<Leaf> {
        if instance == "epoll", case .end(let leaf) = target { return .plain(.control(operation: operation, target: leaf, events: events)) }
        if instance == "epoll", target == .instance("epoll") { return .plain(.control(operation: operation, target: nil, events: events)) }
        return .nested(.control(instance: instance, operation: operation, target: target, events: events))
    }

    static func wait<Leaf>(_ instance: String, maxEvents: Int) -> Decoded<Leaf> {
        instance == "epoll"
            ? .plain(.wait(maxEvents: maxEvents, timeout: 0)) : .nested(.wait(instance: instance, maxEvents: maxEvents, timeout: 0, form: .plain))
    }

    /// Every state `model` allows after `input` with the kernel's output from one of `states` (nil: none, a
    /// disagreement naming `context` recorded) — for a model whose calls here complete in one step (an eventfd's, a
    /// message queue's nonblocking ones).
    static func nextStates<M: Model>(
        _ model: M, from states: [M.State], _ input: M.Input, kernel: M.Output, context: @autoclosure () -> String
    ) -> [M.State]? {
        var next: [M.State] = []
        for state in states {
            for step in model.step(state, input, kernel) where !next.contains(step.state) { next.append(step.state) }
        }
        guard !next.isEmpty else {
            PipeAgreement.disagreement("\(context()): kernel \(kernel), model states \(states.map(model.describe))")
            return nil
        }
        return next
    }

    /// Records a wait's reports that name an instance ("instance reported"), and one that an `EPOLLET` registration of
    /// the waited instance made in one of `states` ("edge instance reported").
    static func mark<Leaf>(
        _ reports: [NestedEpoll.Report<Leaf>], waitedOn instance: String?, registrations: [[NestedEpoll.Registration<Leaf>]], seen: inout Set<String>
    ) {
        seen.insert("instance reported")
        guard let instance else { return }
        if reports.contains(where: { report in
            registrations.contains { $0.contains { $0.target == .init(instance: instance, target: report.target) && $0.edgeTriggered } }
        }) {
            seen.insert("edge instance reported")
        }
    }
}

import PropertyBased

extension NestedEpollAgreement {
    /// The draws of instance calls the tests make (the pipe's first): closes and re-creations of the kept instances,
    /// ADD/MOD/DEL of every target on every instance, ADDs of instances into one another, and waits on each.
    static func draws<Operation: NestedEpollAgreementOperation>(
        kept: [String], targets: [NestedEpoll.Target<Operation.Leaf>], eventChoices: [Epoll.Events], of _: Operation.Type
    ) -> (lifetimes: Generator<Operation, AnySequence<Any>>, controls: Generator<Operation, AnySequence<Any>>,
          links: Generator<Operation, AnySequence<Any>>, waits: Generator<Operation, AnySequence<Any>>, fullWaits: Generator<Operation, AnySequence<Any>>) {
        let instances = ["epoll"] + kept
        let (n, t, e) = (instances.count, targets.count, eventChoices.count)
        return (
            Gen.int(in: 0...(2 * kept.count - 1)).map { $0 < kept.count ? Operation.closeInstance(kept[$0]) : Operation.create(kept[$0 - kept.count]) }.eraseToAny(),
            Gen.int(in: 0...(n * 4 * t * e - 1)).map { value in
                Operation.control(
                    instance: instances[value % n], operation: [.add, .add, .modify, .delete][(value / n) % 4], target: targets[(value / (4 * n)) % t],
                    events: eventChoices[(value / (4 * n * t)) % e])
            }.eraseToAny(),
            Gen.int(in: 0...959).map { value in
                Operation.control(instance: instances[value % n], operation: .add, target: .instance(instances[(value / n) % n]), events: eventChoices[(value / (n * n)) % 4])
            }.eraseToAny(),
            Gen.int(in: 0...(2 * n - 1)).map { Operation.wait(instance: instances[$0 % n], maxEvents: $0 < n ? 16 : 1) }.eraseToAny(),
            Gen.int(in: 0...(n - 1)).map { Operation.wait(instance: instances[$0], maxEvents: 16) }.eraseToAny()
        )
    }
}
