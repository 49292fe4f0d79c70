import IPCModels

/// The epoll calls the scenarios on an object with one kind of descriptor draw (`eventfd-epoll`, `posix-mq-epoll`):
/// the object's own calls around them are each scenario's.
enum EpollWorkloadCalls {
    /// An `epoll_ctl` of the object: ADD twice as often as MOD or DEL, one in 20 an unknown op (7), events from
    /// `choices`, one in 20 on the instance itself (`EINVAL`).
    static func control(_ choices: [JSONValue], generator: inout SeededGenerator) -> JSONValue {
        let operations: [JSONValue] = ["EPOLL_CTL_ADD", "EPOLL_CTL_ADD", "EPOLL_CTL_MOD", "EPOLL_CTL_DEL"]
        var value: JSONObject = ["op": generator.chance(0.05) ? .int(7) : generator.pick(operations), "events": generator.pick(choices)]
        if generator.chance(0.05) { value["target"] = "epoll" }
        return .object(value)
    }

    /// A zero-timeout `epoll_wait`, `maxevents` mostly 16, some 1 or 0 (`EINVAL`).
    static func wait(generator: inout SeededGenerator) -> JSONValue {
        ["maxevents": .int(generator.pick([16, 16, 16, 1, 0])), "timeout": 0]
    }
}
