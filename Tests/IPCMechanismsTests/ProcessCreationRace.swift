import Glibc
import IPCModels
import IPCSyscalls
import SystemPackage

/// Two forked processes racing to create one object (last round's racers were two threads of the test process; here
/// the kernel sees two processes: two `current`s, two descriptor tables, two glibc states).
enum ProcessRace {
    /// Runs `body` in two children at once (``ForkedChildren``) with their index (0, 1); returns what each returned,
    /// by index, or nil when a child could not be run. `body` makes C calls only and returns a non-negative result or
    /// `-errno`.
    static func run(_ body: (Int) -> Int) -> [Int]? {
        ForkedChildren.run(count: 2, slots: 1) { index, slots in slots[0] = body(index) }?.map { $0[0] }
    }
}

/// A create race as a model sees it: trace processes 1 and 2 are children 0 and 1, each asking for its own mode,
/// value or attributes, so a look at the object afterwards tells which one made it.
struct CreationRace<M: Model> {
    let model: M
    let object: String
    /// Child `index`'s create as trace process `index + 1`, `O_EXCL`/`IPC_EXCL` when `exclusive`.
    let create: (_ index: Int, _ exclusive: Bool) -> M.Input
    /// A create's success, and a failure, as the model writes them.
    let success: M.Output
    let failure: (ErrorCode) -> M.Output
    /// A look at the object by trace process `process`, and what it shows when child `maker` made the object.
    let look: (_ process: Int) -> M.Input
    let shows: (_ maker: Int) -> M.Output

    /// The race linearized with `maker`'s create first, each create with its outcome (a kernel's result: a value or
    /// `-errno`), then a look — by the maker when the race was exclusive (the other holds nothing), else by the other,
    /// whose create opened what the maker made.
    func history(maker: Int, exclusive: Bool, results: [Int]) -> [(input: M.Input, output: M.Output)] {
        let other = 1 - maker
        func outcome(_ result: Int) -> M.Output {
            result >= 0 ? success : failure(errorCode(Errno(rawValue: CInt(-result))))
        }
        return [
            (create(maker, exclusive), outcome(results[maker])), (create(other, exclusive), outcome(results[other])),
            (look(exclusive ? maker + 1 : other + 1), shows(maker)),
        ]
    }

    /// The kernel's two answers: exactly one exclusive create wins (`EEXIST` for the other); both plain ones succeed.
    static func kernelResults(winner: Int, exclusive: Bool) -> [Int] {
        var results = [0, 0]
        if exclusive { results[1 - winner] = -Int(EEXIST) }
        return results
    }

    /// What the model makes of the race: each problem found — an order the kernel gives that it refuses, or a wrong
    /// belief it accepts (both exclusive creators winning; a plain creator that lost seeing the values it asked for).
    func modelProblems() -> [String] {
        let judge = DirectedHistory(model: model, object: object)
        var problems: [String] = []
        for maker in 0..<2 {
            for exclusive in [true, false] {
                let right = history(maker: maker, exclusive: exclusive, results: Self.kernelResults(winner: maker, exclusive: exclusive))
                if let refusal = judge.firstRefusal(right) { problems.append("child \(maker) first, exclusive \(exclusive): \(refusal)") }
            }
            if judge.firstRefusal(history(maker: maker, exclusive: true, results: [0, 0])) == nil {
                problems.append("child \(maker) first: both exclusive creators succeeding accepted")
            }
            var ownValues = history(maker: maker, exclusive: false, results: [0, 0])
            ownValues[2].output = shows(1 - maker)
            if judge.firstRefusal(ownValues) == nil { problems.append("child \(maker) first: the other seeing its own values accepted") }
        }
        return problems
    }

    /// One race on the kernel judged: `results` each child's, `maker` the child whose values the object shows (nil:
    /// neither's). A problem when the kernel's answers are not one winner (exclusive) or two successes (plain), or when
    /// the model refuses them.
    func kernelProblem(exclusive: Bool, results: [Int], maker: Int?) -> String? {
        guard let maker else { return "the object shows neither child's values: \(results)" }
        let expected = exclusive ? results[maker] >= 0 && results[1 - maker] == -Int(EEXIST) : results.allSatisfy { $0 >= 0 }
        guard expected else { return "exclusive \(exclusive): child \(maker) made it, results \(results)" }
        return DirectedHistory(model: model, object: object).firstRefusal(history(maker: maker, exclusive: exclusive, results: results))
    }
}
