import IPCModels

/// Generates long, linearizable pipe histories for the checker benchmark, without running processes.
///
/// Each process has its own timeline: it thinks (1–40 time units), invokes, takes effect 1–10 units later and
/// completes 1–10 units after that, so a process is inside an operation about a third of the time, as a process
/// doing IPC between bouts of work is. Outputs come from the pipe model applied in the order of the effect
/// points, so every history is allowed, and operations of different processes overlap.
public enum HistoryGenerator {
    public static func pipeHistory(
        operations count: Int, processes: Int, objects: Int, seed: UInt64
    ) -> History<PipeModel> {
        var generator = SeededGenerator(seed: seed)
        let names = (0..<objects).map { "p\($0)" }
        let everyone = Array(1...processes)
        let model = PipeModel(pipes: names.map { ($0, PipeModel.Setup(readers: everyone, writers: everyone)) })
        var states = Dictionary(uniqueKeysWithValues: names.map { ($0, model.initialState(of: $0)) })

        // Timelines first: (invoke, effect, complete) per operation, per process.
        var planned: [(invoke: UInt64, effect: UInt64, complete: UInt64, process: Int)] = []
        let perProcess = (count + processes - 1) / processes
        for process in 1...processes {
            var time: UInt64 = 0
            for _ in 0..<perProcess {
                let invoke = time + UInt64(generator.next(in: 1...40))
                let effect = invoke + UInt64(generator.next(in: 1...10))
                let complete = effect + UInt64(generator.next(in: 1...10))
                planned.append((invoke, effect, complete, process))
                time = complete
            }
        }
        planned.sort { ($0.invoke, $0.process) < ($1.invoke, $1.process) }
        planned.removeLast(planned.count - count)

        var operations: [HistoryOperation<PipeModel.Input, PipeModel.Output>] = []
        for (index, plan) in planned.enumerated() {
            let process = plan.process
            let object = generator.pick(names)
            let input: PipeModel.Input
            // Producers and consumers as pipes are used: odd processes mostly write messages, even ones mostly
            // read with buffers that usually take everything buffered.
            if generator.chance(process % 2 == 1 ? 0.8 : 0.2) {
                let size = generator.pick(weighted: [(80, 1...64), (20, 65...2048)])
                let data = PayloadMaker.make(process: process, sequence: index, count: generator.next(in: size), generator: &generator)
                input = .write(process: process, data: data, nonblocking: true)
            } else {
                let max = generator.pick(weighted: [(10, 64), (30, 4096), (60, 65536)])
                input = .read(process: process, max: max, nonblocking: true)
            }
            operations.append(HistoryOperation(
                id: index, process: process, object: object, input: input, output: nil, invokeTime: plan.invoke,
                end: .returned(plan.complete), invokeIndex: nil))
        }
        // Apply effects in time order to fill in outputs.
        let order = planned.indices.sorted { (planned[$0].effect, $0) < (planned[$1].effect, $1) }
        for index in order {
            let object = operations[index].object
            let (output, step) = model.outcomes(of: operations[index].input, in: states[object]!).first!
            operations[index].output = output
            states[object] = step.state
        }
        return History(model: model, operations: operations)
    }
}
