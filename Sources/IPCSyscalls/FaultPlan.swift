import Synchronization
import SystemPackage

/// A fault injector driven by explicit rules, in the spirit of swift-system's `Mocking.swift`: each rule says
/// which calls it matches and what to do to them, for how many matching calls; every call seen is recorded with
/// the action taken, so a test can assert the exact call trace.
///
/// Rules are tried in order; the first whose filter matches and whose count is not exhausted decides.
/// Descriptors in `exempt` are never faulted (a worker exempts its control channel).
public final class FaultPlan: FaultInjector, @unchecked Sendable {
    public struct Rule: Sendable, Hashable {
        public var call: SystemCall?
        public var descriptor: FileDescriptor?
        public var action: FaultAction
        /// How many matching calls this rule applies to; nil means every one.
        public var count: Int?

        public init(call: SystemCall? = nil, descriptor: FileDescriptor? = nil, action: FaultAction, count: Int? = nil) {
            self.call = call
            self.descriptor = descriptor
            self.action = action
            self.count = count
        }

        /// Fails the next `count` matching calls with `error` (swift-system's `.counted(errno:count:)`).
        public static func counted(_ call: SystemCall, errno error: Errno, count: Int = 1) -> Rule {
            Rule(call: call, action: .fail(error), count: count)
        }

        /// Fails every matching call with `error` (swift-system's `.always(errno:)`).
        public static func always(_ call: SystemCall, errno error: Errno) -> Rule {
            Rule(call: call, action: .fail(error))
        }
    }

    /// One call the plan saw.
    public struct Record: Sendable, Hashable {
        public var context: SyscallContext
        public var action: FaultAction

        public init(context: SyscallContext, action: FaultAction) {
            self.context = context
            self.action = action
        }
    }

    private struct State {
        var rules: [Rule]
        var records: [Record] = []
    }

    private let state: Mutex<State>
    private let exempt: Set<FileDescriptor>
    private let recording: Bool

    public init(rules: [Rule], exempt: Set<FileDescriptor> = [], recording: Bool = true) {
        self.state = Mutex(State(rules: rules))
        self.exempt = exempt
        self.recording = recording
    }

    /// Adds a rule after the existing ones.
    public func append(_ rule: Rule) {
        state.withLock { $0.rules.append(rule) }
    }

    /// Every call seen so far, in order, with the action taken.
    public var records: [Record] { state.withLock { $0.records } }

    public func decide(_ context: SyscallContext) -> FaultAction {
        if let descriptor = context.descriptor, exempt.contains(descriptor) { return .proceed }
        return state.withLock { state in
            var action = FaultAction.proceed
            for index in state.rules.indices {
                let rule = state.rules[index]
                if let call = rule.call, call != context.call { continue }
                if let descriptor = rule.descriptor, descriptor != context.descriptor { continue }
                if let remaining = rule.count {
                    if remaining <= 0 { continue }
                    state.rules[index].count = remaining - 1
                }
                action = rule.action
                break
            }
            if recording { state.records.append(Record(context: context, action: action)) }
            return action
        }
    }
}
