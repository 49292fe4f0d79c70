#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "ipc_epoll.h"

int ipc_epoll_create1(int flags) { return epoll_create1(flags); }

int ipc_epoll_create(int size) { return epoll_create(size); }

int ipc_epoll_ctl(int epfd, int op, int fd, uint32_t events, int with_event) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = events;
    event.data.fd = fd;
    return epoll_ctl(epfd, op, fd, with_event ? &event : NULL);
}

int ipc_epoll_max_events(void) { return (int)(INT_MAX / sizeof(struct epoll_event)); }

/// `maxevents` for a buffer of `capacity`: a valid one larger than the buffer is cut to it; one the kernel refuses
/// (≤ 0, or over EP_MAX_EVENTS) is passed as given, so the call fails EINVAL before it writes anything.
static int ipc_epoll_room(int maxevents, int capacity) {
    return maxevents > capacity && maxevents <= ipc_epoll_max_events() ? capacity : maxevents;
}

int ipc_epoll_wait_unclamped(int epfd, int maxevents, int timeout) {
    struct epoll_event buffer[16];
    return epoll_wait(epfd, buffer, maxevents, timeout);
}

int ipc_epoll_wait(int epfd, int maxevents, int timeout, uint32_t *events, int *fds, int capacity) {
    struct epoll_event buffer[16];
    if (capacity > 16) capacity = 16;
    int n = epoll_wait(epfd, buffer, ipc_epoll_room(maxevents, capacity), timeout);
    for (int i = 0; i < n && i < capacity; i++) {
        events[i] = buffer[i].events;
        fds[i] = buffer[i].data.fd;
    }
    return n;
}

static int ipc_epoll_copy(int n, struct epoll_event *buffer, uint32_t *events, int *fds, int capacity) {
    for (int i = 0; i < n && i < capacity; i++) {
        events[i] = buffer[i].events;
        fds[i] = buffer[i].data.fd;
    }
    return n;
}

static const sigset_t *ipc_epoll_mask(sigset_t *set, const int *signals, int count) {
    if (count < 0) return NULL;
    sigemptyset(set);
    for (int i = 0; i < count; i++) sigaddset(set, signals[i]);
    return set;
}

int ipc_epoll_pwait(int epfd, int maxevents, int timeout, const int *signals, int count, uint32_t *events, int *fds, int capacity) {
    struct epoll_event buffer[16];
    sigset_t set;
    if (capacity > 16) capacity = 16;
    int n = epoll_pwait(epfd, buffer, ipc_epoll_room(maxevents, capacity), timeout, ipc_epoll_mask(&set, signals, count));
    return ipc_epoll_copy(n, buffer, events, fds, capacity);
}

int ipc_epoll_pwait2(int epfd, int maxevents, int has_timeout, long long seconds, long long nanoseconds, const int *signals,
                     int count, uint32_t *events, int *fds, int capacity) {
    struct epoll_event buffer[16];
    sigset_t set;
    struct timespec timeout = {.tv_sec = (time_t)seconds, .tv_nsec = (long)nanoseconds};
    if (capacity > 16) capacity = 16;
    int n = epoll_pwait2(epfd, buffer, ipc_epoll_room(maxevents, capacity), has_timeout ? &timeout : NULL,
                         ipc_epoll_mask(&set, signals, count));
    return ipc_epoll_copy(n, buffer, events, fds, capacity);
}

uint32_t ipc_epollin(void) { return EPOLLIN; }
uint32_t ipc_epollout(void) { return EPOLLOUT; }
uint32_t ipc_epollerr(void) { return EPOLLERR; }
uint32_t ipc_epollhup(void) { return EPOLLHUP; }
uint32_t ipc_epollrdhup(void) { return EPOLLRDHUP; }
uint32_t ipc_epollet(void) { return EPOLLET; }
uint32_t ipc_epolloneshot(void) { return EPOLLONESHOT; }
uint32_t ipc_epollexclusive(void) { return EPOLLEXCLUSIVE; }
uint32_t ipc_epollwakeup(void) { return EPOLLWAKEUP; }
int ipc_epoll_cloexec(void) { return EPOLL_CLOEXEC; }
int ipc_epoll_ctl_add(void) { return EPOLL_CTL_ADD; }
int ipc_epoll_ctl_mod(void) { return EPOLL_CTL_MOD; }
int ipc_epoll_ctl_del(void) { return EPOLL_CTL_DEL; }
