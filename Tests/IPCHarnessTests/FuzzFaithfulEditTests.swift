@testable import IPCHarness
import IPCModels
import Testing

/// An edited run tests only programs its workload could have: a fuzzing edit that gives a process a call it never
/// made, or a call its construction refuses, is drawn again (``FuzzMutator/isFaithful(_:to:workload:modelParameters:)``).
/// Without it, doubled messages trapped the slot preconditions of `spsc-ring` and `hybrid` and `fuzz` reported both
/// correct scenarios broken.
@Suite struct FuzzFaithfulEditTests {
    let workload = Workload(
        objects: [Workload.Object(name: "q0", kind: SharedRingKind.self, parameters: ["capacity": 3, "maximumMessage": 4])],
        processes: [Workload.Process(id: 1, holds: ["q0": ["memory"]]), Workload.Process(id: 2, holds: ["q0": ["memory"]])])

    func send(_ process: Int, _ text: String) -> Call {
        Call(process: process, object: "q0", f: "send", value: .object(["data": Payload.json(Array(text.utf8))]))
    }

    func receive(_ process: Int) -> Call { Call(process: process, object: "q0", f: "receive") }

    var original: [Call] { [send(1, "ab"), receive(2), send(1, "c")] }

    /// The queue model's parameters as a run's header records them.
    let parameters: JSONValue = .object(["objects": .object(["q0": .object(["order": "fifo", "capacity": 3])])])

    func faithful(_ edited: [Call]) -> Bool {
        FuzzMutator.isFaithful(edited, to: original, workload: workload, modelParameters: parameters)
    }

    @Test func theRecordedProgramsAndTheirEditsWithinTheSlotsAreFaithful() {
        #expect(faithful(original))
        #expect(faithful([send(1, "abab"), receive(2), receive(2)]), "doubled to the slot size, a receive duplicated")
        #expect(faithful([]))
    }

    @Test func aMessageLargerThanTheSlotsIsNot() {
        #expect(!faithful([send(1, "ababa"), receive(2)]))
    }

    @Test func aCallTheProcessNeverMadeIsNot() {
        // The consumer of a single-producer ring made to send (what `follow` or a splice could do).
        #expect(!faithful([send(1, "ab"), send(2, "x")]))
        #expect(!faithful([Call(process: 1, object: "q1", f: "send", value: nil)]))
    }

    /// A kernel object refuses nothing here: a message larger than an mq's limit is the EMSGSIZE the model knows.
    @Test func kernelObjectsAreCheckedOnlyForTheirCallers() {
        let pipeWorkload = Workload(
            objects: [Workload.Object(name: "p0", kind: "pipe", parameters: [:])],
            processes: [Workload.Process(id: 1, holds: ["p0": ["write"]])])
        let write = { (size: Int) in Call(process: 1, object: "p0", f: "write", value: .object(["data": Payload.json([UInt8](repeating: 7, count: size))])) }
        #expect(FuzzMutator.isFaithful([write(1 << 20)], to: [write(3)], workload: pipeWorkload, modelParameters: nil))
        #expect(!FuzzMutator.isFaithful([Call(process: 2, object: "p0", f: "write", value: nil)], to: [write(3)], workload: pipeWorkload, modelParameters: nil))
    }
}
