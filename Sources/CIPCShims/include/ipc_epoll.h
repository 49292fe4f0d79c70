// epoll shims: struct epoll_event is packed on x86-64 and its flag bits are an enum, so Swift gets them here. No system
// header is included (see CIPCShims.h); one shim per call, no logic.
#ifndef IPC_EPOLL_H
#define IPC_EPOLL_H

#include <stdint.h>

/// epoll_create1(flags), exactly as given (EPOLL_CLOEXEC only if asked).
int ipc_epoll_create1(int flags);
/// epoll_create(size).
int ipc_epoll_create(int size);
/// epoll_ctl(epfd, op, fd, &{events, data.fd = fd}); `with_event` 0 passes a null event pointer (DEL may).
int ipc_epoll_ctl(int epfd, int op, int fd, uint32_t events, int with_event);
/// epoll_wait(epfd, buffer, maxevents, timeout) into a buffer of `capacity` (at least 1) events: writes the first
/// `min(result, capacity)` events' bits to `events` and their data.fd to `fds`; returns its result, or -1 with errno.
/// `maxevents` is passed as given (0 or negative: EINVAL from the kernel).
int ipc_epoll_wait(int epfd, int maxevents, int timeout, uint32_t *events, int *fds, int capacity);
/// epoll_pwait(epfd, buffer, maxevents, timeout, mask) as ipc_epoll_wait, the mask made of the `count` signals in
/// `signals` (`count` -1: a null mask).
int ipc_epoll_pwait(int epfd, int maxevents, int timeout, const int *signals, int count, uint32_t *events, int *fds, int capacity);
/// epoll_pwait2(epfd, buffer, maxevents, &{seconds, nanoseconds} or NULL when `has_timeout` is 0, mask) as
/// ipc_epoll_pwait.
int ipc_epoll_pwait2(int epfd, int maxevents, int has_timeout, long long seconds, long long nanoseconds, const int *signals,
                     int count, uint32_t *events, int *fds, int capacity);

/// EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event) (12 bytes, packed, on x86-64), the largest maxevents a wait
/// takes. The waits above cut a larger valid maxevents to their buffer and pass one the kernel refuses as given.
int ipc_epoll_max_events(void);
/// epoll_wait(epfd, buffer of 16, maxevents, timeout) with maxevents passed as given, even over 16: only for an
/// instance with at most 16 registrations (the kernel writes only the ready ones). Returns the count, or -1 with errno.
int ipc_epoll_wait_unclamped(int epfd, int maxevents, int timeout);
/// The bits and values of <sys/epoll.h>.
uint32_t ipc_epollin(void);
uint32_t ipc_epollout(void);
uint32_t ipc_epollerr(void);
uint32_t ipc_epollhup(void);
uint32_t ipc_epollrdhup(void);
uint32_t ipc_epollet(void);
uint32_t ipc_epolloneshot(void);
uint32_t ipc_epollexclusive(void);
uint32_t ipc_epollwakeup(void);
int ipc_epoll_cloexec(void);
int ipc_epoll_ctl_add(void);
int ipc_epoll_ctl_mod(void);
int ipc_epoll_ctl_del(void);

#endif
