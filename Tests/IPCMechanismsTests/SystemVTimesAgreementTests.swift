import IPCModels
import Testing

/// Directed sequences for the times `IPC_STAT` reports (`StatTimes`), run on the real objects and on their models
/// by the agreement properties' own steps: every call that sets a time, every failed call that must not, and a stat
/// between each. (The random sequences of `ObjectModelAgreementTests` record the times too.)
@Suite struct SystemVTimesAgreementTests {
    typealias Message = ObjectModelAgreementTests.MessageOperation

    /// Sends, receives that fail (`ENOMSG`, `E2BIG`, a bad size), a copy, a receive that takes, an `IPC_SET` that is
    /// refused (`EPERM`) and one that succeeds, a removal: a stat after each.
    static let messageSequences: [[Message]] = [
        [.stat, .receive(type: 0, max: 30, except: false, truncate: false), .stat, .send(type: 0, size: 3), .stat,
         .send(type: 1, size: 10), .stat, .stat, .receive(type: 0, max: 4, except: false, truncate: false), .stat,
         .copy(index: 0, max: 30, except: false, truncate: false, nonblocking: true), .stat,
         .receive(type: 0, max: 30, except: false, truncate: false), .stat, .set(capacity: 16385), .stat, .set(capacity: 30), .stat,
         .send(type: 2, size: 4), .stat, .remove, .stat],
        [.set(capacity: 60), .stat, .send(type: 3, size: 5), .receive(type: 3, max: 2, except: false, truncate: true), .stat,
         .receive(type: -1, max: -1, except: false, truncate: false), .stat],
    ]

    @Test(arguments: messageSequences.indices) func messageQueueTimes(_ index: Int) throws {
        if let problem = try ObjectModelAgreementTests.messageQueueDisagreement(Self.messageSequences[index]) {
            Issue.record("\(problem)")
        }
    }
}
