import IPCHarness
import IPCModels
import Testing

/// The checker beyond single pipes: partitioning, generated histories, corrupted ones.
@Suite struct CheckerTests {
    @Test func eachObjectIsCheckedOnItsOwnAndOnlyTheBadOneIsBlamed() throws {
        let model = PipeModel(pipes: [("p0", .init(readers: [2], writers: [1])), ("p1", .init(readers: [2], writers: [1]))])
        var operations: [HistoryOperation<PipeModel.Input, PipeModel.Output>] = []
        func add(_ object: String, _ process: Int, _ input: PipeModel.Input, _ output: PipeModel.Output, _ time: UInt64) {
            operations.append(HistoryOperation(
                id: operations.count, process: process, object: object, input: input, output: output, invokeTime: time,
                end: .returned(time + 1), invokeIndex: operations.count))
        }
        add("p0", 1, .write(process: 1, data: Array("ok".utf8), nonblocking: false), .wrote(2), 10)
        add("p1", 1, .write(process: 1, data: Array("ab".utf8), nonblocking: false), .wrote(2), 20)
        add("p0", 2, .read(process: 2, max: 10, nonblocking: false), .read(Array("ok".utf8)), 30)
        add("p1", 2, .read(process: 2, max: 10, nonblocking: false), .read(Array("ba".utf8)), 40)
        let report = LinearizabilityChecker.check(History(model: model, operations: operations))
        #expect(report.result == .violation)
        #expect(report.objects.map(\.result) == [.ok, .violation])
        #expect(report.explanation.hasPrefix("object p1:"))
        #expect(report.verdict.extra["operations"] != nil)
    }

    @Test(arguments: [(500, 4, 1), (500, 8, 1), (2000, 6, 4)])
    func generatedHistoriesAreLinearizable(operations: Int, processes: Int, objects: Int) {
        let history = HistoryGenerator.pipeHistory(operations: operations, processes: processes, objects: objects, seed: 9)
        #expect(LinearizabilityChecker.check(history, budget: CheckBudget(seconds: 60)).result == .ok)
    }

    @Test func aGeneratedHistoryWithOneReadCorruptedIsAViolation() throws {
        var history = HistoryGenerator.pipeHistory(operations: 500, processes: 4, objects: 1, seed: 9)
        let index = try #require(history.operations.firstIndex { operation in
            if case .read(let bytes)? = operation.output { return bytes.count > 2 }
            return false
        })
        guard case .read(var bytes)? = history.operations[index].output else { return }
        bytes.swapAt(0, bytes.count - 1)
        if bytes.first == bytes.last { bytes[0] ^= 0x20 }
        history.operations[index].output = .read(bytes)
        let report = LinearizabilityChecker.check(history, budget: CheckBudget(seconds: 60))
        #expect(report.result == .violation)
    }

    @Test func aTinyMemoryBudgetGivesUnknown() {
        let history = HistoryGenerator.pipeHistory(operations: 2000, processes: 8, objects: 1, seed: 3)
        let report = LinearizabilityChecker.check(history, budget: CheckBudget(seconds: 60, memoryBytes: 1 << 10))
        #expect(report.result == .unknown)
        #expect(report.explanation.contains("memory budget"))
    }
}
