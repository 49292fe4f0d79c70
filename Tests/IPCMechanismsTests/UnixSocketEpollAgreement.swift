import IPCModels
import Synchronization
import Testing

/// What the unix-socket epoll agreement tests (`UnixSocketEpollAgreementTests`, `UnixSocketListenerEpollAgreementTests`)
/// share: following the model through one call to the kernel's output, the marks a call met, and the steps their
/// wrong-outcome tests build states from.
enum UnixSocketEpollAgreement {
    /// The model's state after `input` gave `kernel` from `state` — a stream send or receive goes buffer by buffer,
    /// its pieces followed to the completion the kernel gave —; nil, with a disagreement naming `context`, when the
    /// model allows no such output.
    static func next(
        _ model: UnixSocketModel, from state: UnixSocketModel.State, _ input: UnixSocketModel.Input, kernel: UnixSocketModel.Output,
        context: @autoclosure () -> String
    ) -> UnixSocketModel.State? {
        var current = state
        for _ in 0..<1000 {
            let outcomes = model.outcomes(of: input, in: current)
            if let done = outcomes.first(where: { $0.output == kernel }), case .completed(let after) = done.step { return after }
            let pieces = outcomes.filter { if case .partial = $0.step { true } else { false } }
            guard pieces.count == 1 else { break }
            current = pieces[0].step.state
        }
        PipeAgreement.disagreement("\(context()): kernel \(kernel), model \(model.outcomes(of: input, in: current).map { $0.output.map { "\($0)" } ?? "piece" }) from \(model.describe(current))")
        return nil
    }

    /// Moves `state` on by `input` with the kernel's output, recording what it met (``mark(_:_:_:in:seen:)``); false,
    /// with a disagreement naming `context`, when the model allows no such output.
    static func advance(
        _ model: UnixSocketModel, _ state: inout UnixSocketModel.State, _ input: UnixSocketModel.Input, kernel: UnixSocketModel.Output,
        seen: borrowing Mutex<Set<String>>, context: @autoclosure () -> String
    ) -> Bool {
        guard let next = next(model, from: state, input, kernel: kernel, context: context()) else { return false }
        mark(model, input, kernel, in: state, seen: seen)
        state = next
        return true
    }

    /// Records in `seen` what the kernel's `output` of `input` from `state` met: each bit a wait reported, two
    /// reports, the listener reported, an edge-triggered wait silent while its registration's mask was ready
    /// ("edge silent"), each error, a datagram send failing after its buffer ("freed by a failed send").
    static func mark(
        _ model: UnixSocketModel, _ input: UnixSocketModel.Input, _ output: UnixSocketModel.Output, in state: UnixSocketModel.State,
        seen: borrowing Mutex<Set<String>>
    ) {
        seen.withLock { seen in
            switch output {
            case .epollEvents(let reports):
                for report in reports { seen.formUnion(report.events.names) }
                if reports.count > 1 { seen.insert("two reported") }
                if reports.contains(where: { $0.target == "listen" }) { seen.insert("listener reported") }
                if reports.isEmpty, state.epoll.contains(where: { registration in
                    registration.edgeTriggered && !registration.disabled
                        && state.sockets.first { $0.name == registration.target }.map { !registration.reported(of: model.epollMask(of: $0, in: state)).isEmpty } == true
                }) { seen.insert("edge silent") }
            case .failed(let code):
                seen.insert(code.rawValue)
                if model.allocatesDatagramBuffer(input, in: state) { seen.insert("freed by a failed send") }
            default: break
            }
        }
    }

    /// Calls with the outputs the wrong-outcome tests give them, on one object `s0` of `model`.
    struct Steps {
        let model: UnixSocketModel

        /// The state after `inputs`, each with its output (the first way the model allows).
        func after(_ inputs: [(UnixSocketModel.Input, UnixSocketModel.Output)]) -> UnixSocketModel.State {
            var state = model.initialState(of: "s0")
            for (input, output) in inputs { state = model.step(state, input, output).first!.state }
            return state
        }

        func add(_ process: Int, _ end: String, _ events: Epoll.Events) -> (UnixSocketModel.Input, UnixSocketModel.Output) {
            (.epoll(process: process, call: .control(operation: .add, target: end, events: events)), .epollControlled)
        }

        func wait(_ process: Int) -> UnixSocketModel.Input { .epoll(process: process, call: .wait(maxEvents: 16, timeout: 0)) }

        /// A wait's output: `end` reported with `events`, or nothing when they are none.
        func reported(_ end: String, _ events: Epoll.Events) -> UnixSocketModel.Output {
            .epollEvents(events.isEmpty ? [] : [.init(target: end, events: events)])
        }
    }
}
