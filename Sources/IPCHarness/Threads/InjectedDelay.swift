import IPCModels
import IPCSyscalls

/// A delay the harness injects into a thread before one of its operations, to shake the OS's schedule: a busy
/// spin (the thread keeps its CPU), a yield (it offers it), or a sleep (it is off the CPU, as a preempted thread).
enum InjectedDelay: Hashable, Sendable {
    case spin(iterations: Int)
    case yield
    case sleep(nanoseconds: UInt64)

    var json: JSONValue {
        switch self {
        case .spin(let iterations): ["spin": .int(iterations)]
        case .yield: ["yield": true]
        case .sleep(let nanoseconds): ["sleep": .int(Int(nanoseconds))]
        }
    }

    func perform() {
        switch self {
        case .spin(let iterations):
            var sink = 0
            for index in 0..<iterations { sink &+= index }
            _blackHole(sink)
        case .yield:
            OSThread.yield()
        case .sleep(let nanoseconds):
            MonotonicClock.sleep(nanoseconds: nanoseconds)
        }
    }
}

@inline(never) func _blackHole(_ value: Int) {}
