import IPCModels
import Testing

/// The RCU model's rules step by step, and its trace form.
@Suite struct RCUModelTests {
    let model = RCUModel(objects: [("r0", 0)])

    /// Steps `inputs` in order with their outputs; nil when one cannot take effect. Partial steps count.
    func run(_ steps: [(RCUModel.Input, RCUModel.Output?)]) -> RCUModel.State? {
        var state = model.initialState(of: "r0")
        for (input, output) in steps {
            guard let next = model.step(state, input, output).first else { return nil }
            state = next.state
        }
        return state
    }

    @Test func synchronizeTakesEffectInTwoPiecesWhenReadersAreInSections() {
        var state = model.initialState(of: "r0")
        state = model.step(state, .lock(process: 2), .done)[0].state
        let start = model.step(state, .synchronize(process: 1), .done)
        #expect(start == [.partial(start[0].state)])
        #expect(start[0].state.synchronizing == [RCUModel.GracePeriod(process: 1, waitingFor: [2])])
        // Cannot end while reader 2 is in its section; can once it has left.
        #expect(model.step(start[0].state, .synchronize(process: 1), .done).isEmpty)
        let left = model.step(start[0].state, .unlock(process: 2), .done)[0].state
        #expect(model.step(left, .synchronize(process: 1), .done) == [.completed(model.initialState(of: "r0"))])
        // Abandoned (the updater died mid-way), it leaves no trace.
        #expect(model.abandon(start[0].state, .synchronize(process: 1)).synchronizing.isEmpty)
    }

    @Test func aPublishRetiresTheReplacedVersionUntilItsReadersLeave() {
        let state = run([(.lock(process: 2), .done), (.publish(process: 1, version: 5), .replaced(0))])
        #expect(state?.current == 5)
        #expect(state?.retired == [RCUModel.RetiredVersion(version: 0, waitingFor: [2])])
        #expect(run([(.publish(process: 1, version: 5), .replaced(3))]) == nil)
        #expect(run([(.publish(process: 1, version: 0), .replaced(0))]) == nil)
        #expect(run([
            (.lock(process: 2), .done), (.publish(process: 1, version: 5), .replaced(0)), (.quiescent(process: 2), .done),
            (.reclaim(process: 1, version: 0), .done), (.reclaim(process: 1, version: 0), .done),
        ]) == nil)
    }

    @Test func theTraceFormReadsWhatItWrites() throws {
        let parsed = try RCUModel(parameters: ["objects": ["r0": ["initial": 4], "r1": [:]]])
        #expect(parsed.objects == ["r0", "r1"])
        #expect(parsed.initialState(of: "r0").current == 4)
        #expect(parsed.initialState(of: "r1").current == 0)
        #expect(try RCUModel(parameters: parsed.parameters).parameters == parsed.parameters)
        let inputs: [RCUModel.Input] = [
            .lock(process: 2), .read(process: 2), .unlock(process: 2), .quiescent(process: 2),
            .publish(process: 1, version: 3), .synchronize(process: 1), .reclaim(process: 1, version: 2),
            .callRCU(process: 1, version: 2), .barrier(process: 1),
        ]
        for input in inputs {
            let (f, value) = model.call(for: input)
            #expect(try model.input(from: Call(process: input.process, object: "r0", f: f, value: value)) == input)
        }
        let outputs: [(RCUModel.Input, RCUModel.Output)] = [
            (.read(process: 2), .read(version: 3)), (.read(process: 2), .poisoned), (.read(process: 2), .torn),
            (.publish(process: 1, version: 3), .replaced(2)), (.synchronize(process: 1), .done),
        ]
        for (input, output) in outputs {
            #expect(try model.output(from: model.outcome(for: output), for: input) == output)
        }
        #expect(throws: ModelError.self) { try model.input(from: Call(process: 1, object: "r0", f: "write")) }
        #expect(throws: ModelError.self) { try model.input(from: Call(process: 1, object: "r0", f: "publish")) }
        #expect(throws: ModelError.self) { try RCUModel(parameters: ["objects": ["r0": ["initial": -1]]]) }
    }

    @Test func descriptionsNameWhatWaitsForWhom() {
        #expect(model.describe(.publish(process: 1, version: 3), .replaced(2)) == "publish version 3 → replaced 2")
        #expect(model.describe(.read(process: 2), .poisoned) == "read → POISONED (reclaimed memory)")
        let state = run([(.lock(process: 2), .done), (.publish(process: 1, version: 1), .replaced(0))])!
        #expect(model.describe(state) == "version 1 published; readers in sections [2]; version 0 retired, grace period waits for [2]")
    }
}
