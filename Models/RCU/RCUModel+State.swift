extension RCUModel {
    /// A version no longer published and not yet reclaimed, with the readers its grace period still waits for:
    /// those that were in a section when it was unpublished and have not left it since.
    public struct RetiredVersion: Hashable, Sendable {
        public var version: Int
        public var waitingFor: [Int]

        public init(version: Int, waitingFor: [Int]) {
            self.version = version
            self.waitingFor = waitingFor
        }
    }

    /// A synchronize that has begun, with the readers it must still wait for.
    public struct GracePeriod: Hashable, Sendable {
        public var process: Int
        public var waitingFor: [Int]

        public init(process: Int, waitingFor: [Int]) {
            self.process = process
            self.waitingFor = waitingFor
        }
    }

    /// One published pointer: the current version, who is in a read-side section, and what waits for whom.
    /// Every list is kept sorted so that equal states hash equally.
    public struct State: Hashable, Sendable {
        public internal(set) var current: Int
        /// Processes inside a read-side section.
        public internal(set) var active: [Int] = []
        /// Unpublished versions not yet reclaimed, by version.
        public internal(set) var retired: [RetiredVersion] = []
        /// Synchronizes in progress, by process.
        public internal(set) var synchronizing: [GracePeriod] = []
        /// Versions whose call_rcu callback is queued and has not run.
        public internal(set) var queued: [Int] = []

        init(current: Int) {
            self.current = current
        }

        /// `process` left its section (or passed a quiescent state): no grace period waits for it any more.
        mutating func leaveSection(_ process: Int) {
            for index in retired.indices { retired[index].waitingFor.removeAll { $0 == process } }
            for index in synchronizing.indices { synchronizing[index].waitingFor.removeAll { $0 == process } }
        }
    }
}
