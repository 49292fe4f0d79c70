// The trace form of the eventfd model's epoll calls (traces/README.md's eventfd table; the shared part, the same as
// the message queue's, is Models/Support/EpollTrace.swift):
//
//   epoll_ctl   {"op": "EPOLL_CTL_ADD"|"EPOLL_CTL_MOD"|"EPOLL_CTL_DEL"|N, "events": [...], "target": "eventfd"|"epoll"?}
//               (none)                       EBADF, EINVAL, EEXIST, ENOENT
//   epoll_wait  {"maxevents": N, "timeout": MS}   {"events": [{"events": ["EPOLLIN", ...]}]}   EINVAL, EINTR
extension EventCounterModel {
    static func epollCall(of call: Call) throws(ModelError) -> EpollCall { try Epoll.call(of: call, only: EpollTarget.eventfd) }
    static func epollReports(_ value: JSONValue?) throws(ModelError) -> [EpollReport] { try Epoll.reports(value, only: EpollTarget.eventfd) }
}
