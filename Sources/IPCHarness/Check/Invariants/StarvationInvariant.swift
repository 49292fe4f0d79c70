import IPCModels

/// Progress for every receiver: a receiver whose messages are waiting is not refused again and again. A
/// receiver that fails `bound` receives in a row (`EAGAIN`), each invoked after a message addressed to it had
/// been sent and while that message was still undelivered, is starved — the mark of head-of-line blocking, where
/// another receiver's stalled message at the head of a shared queue holds everyone back.
///
/// Messages are `send` operations with `{"to": RECEIVER, "data": ...}`; a receiver is the process that calls
/// `receive`, and gets `{"data": ...}`. Parameters: `{"bound": 3}`.
public struct StarvationInvariant: TraceInvariant {
    public static let name = "starvation"

    private struct Waiting {
        var data: JSONValue
        var sentLine: Int
        var sentIndex: Int
    }

    let bound: Int
    private var invoked: [Int: Trace.Event] = [:]
    /// Messages sent and not yet received, per object and receiver, oldest first.
    private var waiting: [String: [Int: [Waiting]]] = [:]
    /// Receives in a row refused while a message waited, per object and receiver.
    private var streak: [String: [Int: [Int]]] = [:]
    private var finding: InvariantFinding?
    /// The most receives in a row refused while a message waited: a violation needs `bound` of them.
    private var longestStreak = 0

    public init(parameters: JSONValue?) throws(ModelError) {
        bound = try parameters.optional("bound")?.integer("bound", in: 1...1000) ?? 3
    }

    public mutating func observe(_ event: Trace.Event) {
        guard finding == nil, let object = event.object else { return }
        switch event.type {
        case .invoke:
            invoked[event.process] = event
        case .ok where event.f == "send":
            guard let invoke = invoked[event.process], case .integer(let to)? = invoke.value?["to"],
                let data = invoke.value?["data"]
            else { return }
            waiting[object, default: [:]][Int(to), default: []].append(Waiting(data: data, sentLine: event.line, sentIndex: event.index))
        case .ok where event.f == "receive":
            streak[object, default: [:]][event.process] = []
            guard let data = event.value?["data"],
                let position = waiting[object]?[event.process]?.firstIndex(where: { $0.data == data })
            else { return }
            waiting[object]![event.process]!.remove(at: position)
        case .fail where event.f == "receive":
            guard let invoke = invoked[event.process],
                let oldest = waiting[object]?[event.process]?.first, oldest.sentIndex < invoke.index
            else {
                streak[object, default: [:]][event.process] = []
                return
            }
            streak[object, default: [:]][event.process, default: []].append(invoke.index)
            let refused = streak[object]![event.process]!
            longestStreak = Swift.max(longestStreak, refused.count)
            guard refused.count >= bound else { return }
            finding = InvariantFinding(
                explanation: "starvation: process \(event.process)'s last \(refused.count) receives on \(object) (from line \(refused[0] + 2) to line \(event.line)) were all refused while a message sent to it at line \(oldest.sentLine) waited undelivered: it cannot make progress though its messages are there (head-of-line blocking)",
                eventIndices: [oldest.sentIndex] + refused)
        default:
            break
        }
    }

    public func finish() -> InvariantFinding? { finding }

    public var coverageFeatures: [String] { ["streak:\(powerOfTwoBucket(longestStreak))"] }

    /// The longest streak of refusals, exactly: the longer, the nearer the bound.
    public var coverageMetrics: [String: Int] { ["streak": longestStreak] }
}
