// The trace form of the posix-mq model's epoll calls (traces/README.md's posix-mq table; the shared part, the same as
// the eventfd's, is Models/Support/EpollTrace.swift):
//
//   epoll_ctl   {"op": "EPOLL_CTL_ADD"|"EPOLL_CTL_MOD"|"EPOLL_CTL_DEL"|N, "events": [...], "target": "queue"|"epoll"?}
//               (none)                       EBADF, EINVAL, EEXIST, ENOENT
//   epoll_wait  {"maxevents": N, "timeout": MS}   {"events": [{"events": ["EPOLLIN", ...]}]}   EINVAL, EINTR
//   kept instances (PosixMessageQueueModel+NestedEpoll): epoll_create1 {"keep": NAME}, {"instance": NAME} on epoll_ctl,
//   epoll_wait and close, an instance's NAME as "target" and as a report's "target" (Models/Support/NestedEpollTrace.swift)
extension PosixMessageQueueModel {
    static func epollCall(of call: Call) throws(ModelError) -> EpollCall { try Epoll.call(of: call, only: EpollTarget.queue) }
    static func epollReports(_ value: JSONValue?) throws(ModelError) -> [EpollReport] { try Epoll.reports(value, only: EpollTarget.queue) }
}
