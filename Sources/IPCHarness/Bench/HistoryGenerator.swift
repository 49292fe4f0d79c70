import IPCModels

/// Generates long, linearizable pipe histories for the checker benchmark, without running processes: each
/// process invokes, takes effect at a later point, and completes later still; outputs come from the pipe
/// model applied in the order of those effect points, so every history is allowed and operations overlap.
public enum HistoryGenerator {
    public static func pipeHistory(
        operations count: Int, processes: Int, objects: Int, seed: UInt64
    ) -> History<PipeModel> {
        var generator = SeededGenerator(seed: seed)
        let names = (0..<objects).map { "p\($0)" }
        let everyone = Array(1...processes)
        let model = PipeModel(pipes: names.map { ($0, PipeModel.Setup(readers: everyone, writers: everyone)) })
        var states = Dictionary(uniqueKeysWithValues: names.map { ($0, model.initialState(of: $0)) })

        // Each process's next free time; an operation is (invoke, effect, complete) on the shared clock.
        var free = [UInt64](repeating: 0, count: processes + 1)
        var pending: [(effect: UInt64, operation: Int)] = []
        var operations: [HistoryOperation<PipeModel.Input, PipeModel.Output>] = []
        var clock: UInt64 = 0
        for index in 0..<count {
            let process = generator.next(in: 1...processes)
            let object = generator.pick(names)
            clock += UInt64(generator.next(in: 1...3))
            let invoke = Swift.max(clock, free[process])
            let effect = invoke + UInt64(generator.next(in: 1...20))
            let complete = effect + UInt64(generator.next(in: 1...20))
            free[process] = complete + 1
            let input: PipeModel.Input
            if generator.chance(0.5) {
                let size = generator.pick(weighted: [(80, 1...64), (20, 65...2048)])
                let data = PayloadMaker.make(process: process, sequence: index, count: generator.next(in: size), generator: &generator)
                input = .write(process: process, data: data, nonblocking: true)
            } else {
                input = .read(process: process, max: generator.pick([16, 256, 4096]), nonblocking: true)
            }
            operations.append(HistoryOperation(
                id: index, process: process, object: object, input: input, output: nil, invokeTime: invoke,
                end: .returned(complete), invokeIndex: nil))
            pending.append((effect, index))
        }
        // Apply effects in time order to fill in outputs.
        for (_, index) in pending.sorted(by: { ($0.effect, $0.operation) < ($1.effect, $1.operation) }) {
            let object = operations[index].object
            let (output, step) = model.outcomes(of: operations[index].input, in: states[object]!).first!
            operations[index].output = output
            states[object] = step.state
        }
        return History(model: model, operations: operations)
    }
}
