import IPCHarness
import IPCModels

/// Random register and queue histories as traces, in the manner of ../shared/perf/gen_history.py: each process
/// has its own timeline, every operation takes effect at a point inside its interval on a real sequential object,
/// so an unmutated history is linearizable. Mutations then change outputs (which may or may not break it), and
/// some processes die inside their last operation (an `info` and an `exit`), leaving it indeterminate.
struct GeneratedHistory {
    enum Kind: CaseIterable { case register, queue }

    var kind: Kind
    var operations: Int
    var processes: Int
    var objects: Int
    /// Every process always inside an operation, long intervals: many overlaps, hard searches.
    var stress = false
    /// How many outputs to change after the fact.
    var mutations = 0
    /// The chance that a process dies inside its last operation.
    var deaths = 0.0
    var capacity = 3

    func trace(seed: UInt64) -> Trace {
        var random = SeededGenerator(seed: seed)
        let names = (0..<objects).map { (kind == .register ? "m" : "q") + String($0) }
        struct Planned {
            var process: Int, invoke: UInt64, effect: UInt64, end: UInt64, object: String
            var f = "", argument: Int? = nil, result: Int? = nil, error: String? = nil, dies = false
        }
        var planned: [Planned] = []
        let perProcess = Swift.max(1, (operations + processes - 1) / processes)
        for process in 1...processes {
            var time: UInt64 = 0
            let count = random.next(in: 1...perProcess)
            for index in 0..<count {
                let invoke = time + UInt64(random.next(in: stress ? 0...1 : 1...20)) + 1
                let effect = invoke + UInt64(random.next(in: stress ? 1...30 : 1...5))
                let end = effect + UInt64(random.next(in: stress ? 1...30 : 1...5))
                // Distinct times: scaled by the process count, offset by the process.
                let scale = UInt64(3 * (processes + 1))
                planned.append(Planned(
                    process: process, invoke: invoke * scale + UInt64(process),
                    effect: effect * scale + UInt64(process + processes + 1),
                    end: end * scale + UInt64(process + 2 * (processes + 1)), object: random.pick(names),
                    dies: index == count - 1 && random.chance(deaths)))
                time = end
            }
        }
        var counter = 0
        for index in planned.indices {
            counter += 1
            let writes = random.chance(0.5)
            switch kind {
            case .register: planned[index].f = writes ? "write" : "read"
            case .queue: planned[index].f = writes ? "send" : "receive"
            }
            if writes { planned[index].argument = counter }
        }
        // Outputs in effect order, on real sequential objects.
        var registers: [String: Int] = [:]
        var queues: [String: [Int]] = [:]
        for index in planned.indices.sorted(by: { planned[$0].effect < planned[$1].effect }) {
            let object = planned[index].object
            switch planned[index].f {
            case "write": registers[object] = planned[index].argument
            case "read": planned[index].result = registers[object] ?? 0
            case "send":
                if queues[object, default: []].count >= capacity { planned[index].error = "EAGAIN" }
                else { queues[object, default: []].append(planned[index].argument!) }
            default:
                if queues[object, default: []].isEmpty { planned[index].error = "EAGAIN" }
                else { planned[index].result = queues[object]!.removeFirst() }
            }
        }
        for _ in 0..<mutations {
            let index = random.next(below: planned.count)
            switch planned[index].f {
            case "read", "receive":
                planned[index].result = random.next(in: 0...counter)
                planned[index].error = nil
            case "send": planned[index].error = planned[index].error == nil ? "EAGAIN" : nil
            default: break
            }
        }
        // Events: invoke, then ok/fail, or info and the process's exit.
        var events: [(time: UInt64, order: Int, event: Trace.Event)] = []
        for (index, operation) in planned.enumerated() {
            var invoke = Trace.Event(index: 0, time: operation.invoke, process: operation.process, type: .invoke, f: operation.f, object: operation.object)
            if let argument = operation.argument {
                invoke.value = kind == .register ? ["words": [.int(argument)]] : ["data": .string("m\(argument)")]
            }
            events.append((operation.invoke, 2 * index, invoke))
            if operation.dies {
                events.append((operation.end, 2 * index + 1, Trace.Event(index: 0, time: operation.end, process: operation.process, type: .info, f: operation.f, object: operation.object)))
                var exit = Trace.Event(index: 0, time: operation.end + 1, process: operation.process, type: .exit)
                exit.value = ["signal": "SIGKILL"]
                events.append((operation.end + 1, 2 * index + 1, exit))
                continue
            }
            var completion = Trace.Event(
                index: 0, time: operation.end, process: operation.process, type: operation.error == nil ? .ok : .fail,
                f: operation.f, object: operation.object, error: operation.error)
            if let result = operation.result, operation.error == nil {
                completion.value = kind == .register ? ["words": [.int(result)]] : ["data": .string("m\(result)")]
            }
            events.append((operation.end, 2 * index + 1, completion))
        }
        events.sort { ($0.time, $0.order) < ($1.time, $1.order) }
        let header: Trace.Header
        switch kind {
        case .register:
            header = Trace.Header(
                model: RegisterModel.name, parameters: RegisterModel(objects: names.map { ($0, 1) }).parameters,
                mechanism: "generated", seed: String(seed), strategy: "random")
        case .queue:
            header = Trace.Header(
                model: QueueModel.name,
                parameters: QueueModel(objects: names.map { ($0, QueueModel.Setup(capacity: capacity)) }).parameters,
                mechanism: "generated", seed: String(seed), strategy: "random")
        }
        var trace = Trace(header: header)
        for (position, entry) in events.enumerated() {
            var event = entry.event
            event.index = position
            trace.events.append(event)
        }
        return trace
    }
}
