// See ipc_interposer.h. Each definition has libc's exact prototype; the real function is found once, at load time,
// with dlsym(RTLD_NEXT, name). No logic beyond asking the decider and applying its answer lives here: which faults
// are due, and which the kernel could give at all, is decided in Swift (FirstCallInjector, FaultFeasibility).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ipc_interposer.h"

#include <dlfcn.h>
#include <errno.h>
#include <mqueue.h>
#include <poll.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static _Atomic(ipch_decider) installed = NULL;
static _Atomic(ipch_interrupted) interruption_notice = NULL;
// A call the decider itself makes (announcing a fault on the control channel) goes straight through.
static __thread int deciding = 0;

void ipch_interposer_install(ipch_decider decider, ipch_interrupted interrupted) {
    atomic_store(&interruption_notice, interrupted);
    atomic_store(&installed, decider);
}

int ipch_interposer_linked(void) { return 1; }

static ipch_action decide_about(int call, int descriptor, long count, int may_block, const ipch_subject *subject) {
    ipch_action proceed = {IPCH_PROCEED, 0, 0, 0};
    ipch_decider decider = atomic_load_explicit(&installed, memory_order_acquire);
    if (decider == NULL || deciding) return proceed;
    deciding = 1;
    ipch_action action = decider(call, descriptor, count, may_block, subject);
    deciding = 0;
    if (action.kind == IPCH_DELAY) {
        struct timespec request = {(time_t)(action.nanoseconds / 1000000000ULL), (long)(action.nanoseconds % 1000000000ULL)};
        struct timespec remaining;
        while (nanosleep(&request, &remaining) == -1 && errno == EINTR) request = remaining;
    }
    return action;
}

static ipch_action decide(int call, int descriptor, long count, int may_block) {
    return decide_about(call, descriptor, count, may_block, NULL);
}

/// A subject with nothing in it: fields are set by the caller.
static ipch_subject nothing(void) {
    ipch_subject subject = {NULL, NULL, -1, NULL, 0, 0};
    return subject;
}

/// After a shortened call: tells the decider when it moved nothing — a real signal interrupted it, or it ran out
/// (EAGAIN: a timeout such as SO_RCVTIMEO's, after which the caller may try again) — so that a retry of the same
/// call is shortened the same way.
static ssize_t noticing(ipch_action action, ssize_t result, int call, int descriptor, long count) {
    if (action.kind == IPCH_SHORTEN && result == -1 && (errno == EINTR || errno == EAGAIN)) {
        int saved = errno;
        ipch_interrupted notice = atomic_load(&interruption_notice);
        if (notice != NULL && !deciding) {
            deciding = 1;
            notice(call, descriptor, count);
            deciding = 0;
        }
        errno = saved;
    }
    return result;
}

/// The byte count to pass after `action`: the requested one, or the shortened one.
static size_t limited(ipch_action action, size_t count) {
    if (action.kind == IPCH_SHORTEN && action.count >= 0 && (size_t)action.count < count) return (size_t)action.count;
    return count;
}

/// A copy of `vector` holding at most `limit` bytes in all (into `room`, of `capacity` entries); its new length.
static int truncate_vector(const struct iovec *vector, int count, size_t limit, struct iovec *room, int capacity) {
    int used = 0;
    for (int index = 0; index < count && used < capacity && limit > 0; index++) {
        room[used] = vector[index];
        if (room[used].iov_len > limit) room[used].iov_len = limit;
        limit -= room[used].iov_len;
        used++;
    }
    return used;
}

static size_t vector_bytes(const struct iovec *vector, int count) {
    size_t total = 0;
    for (int index = 0; index < count; index++) total += vector[index].iov_len;
    return total;
}

#define REAL(name) static __typeof__(name) *real_##name;
REAL(read)
REAL(write)
REAL(readv)
REAL(writev)
REAL(send)
REAL(sendto)
REAL(recv)
REAL(recvfrom)
REAL(sendmsg)
REAL(recvmsg)
REAL(mq_send)
REAL(mq_timedsend)
REAL(mq_receive)
REAL(mq_timedreceive)
REAL(msgsnd)
REAL(msgrcv)
REAL(semop)
REAL(semtimedop)
REAL(sem_wait)
REAL(sem_timedwait)
REAL(sem_trywait)
REAL(poll)
REAL(ppoll)

__attribute__((constructor)) static void find_the_real_calls(void) {
#define FIND(name) real_##name = (__typeof__(real_##name))dlsym(RTLD_NEXT, #name);
    FIND(read) FIND(write) FIND(readv) FIND(writev) FIND(send) FIND(sendto) FIND(recv) FIND(recvfrom)
    FIND(sendmsg) FIND(recvmsg) FIND(mq_send) FIND(mq_timedsend) FIND(mq_receive) FIND(mq_timedreceive)
    FIND(msgsnd) FIND(msgrcv) FIND(semop) FIND(semtimedop) FIND(sem_wait) FIND(sem_timedwait) FIND(sem_trywait)
    FIND(poll) FIND(ppoll)
#undef FIND
}

#define FAIL_IF_REFUSED(action)        \
    if ((action).kind == IPCH_FAIL) {  \
        errno = (action).error;        \
        return -1;                     \
    }

static int message_may_block(int flags) { return (flags & MSG_DONTWAIT) ? 0 : -1; }

ssize_t read(int fd, void *buffer, size_t count) {
    ipch_action action = decide(IPCH_CALL_READ, fd, (long)count, -1);
    FAIL_IF_REFUSED(action)
    return noticing(action, real_read(fd, buffer, limited(action, count)), IPCH_CALL_READ, fd, (long)count);
}

ssize_t write(int fd, const void *buffer, size_t count) {
    ipch_action action = decide(IPCH_CALL_WRITE, fd, (long)count, -1);
    FAIL_IF_REFUSED(action)
    return noticing(action, real_write(fd, buffer, limited(action, count)), IPCH_CALL_WRITE, fd, (long)count);
}

ssize_t readv(int fd, const struct iovec *vector, int count) {
    size_t total = vector_bytes(vector, count);
    ipch_action action = decide(IPCH_CALL_READ, fd, (long)total, -1);
    FAIL_IF_REFUSED(action)
    if (limited(action, total) == total) return real_readv(fd, vector, count);
    struct iovec room[64];
    return noticing(action, real_readv(fd, room, truncate_vector(vector, count, limited(action, total), room, 64)), IPCH_CALL_READ, fd, (long)total);
}

ssize_t writev(int fd, const struct iovec *vector, int count) {
    size_t total = vector_bytes(vector, count);
    ipch_action action = decide(IPCH_CALL_WRITE, fd, (long)total, -1);
    FAIL_IF_REFUSED(action)
    if (limited(action, total) == total) return real_writev(fd, vector, count);
    struct iovec room[64];
    return noticing(action, real_writev(fd, room, truncate_vector(vector, count, limited(action, total), room, 64)), IPCH_CALL_WRITE, fd, (long)total);
}

ssize_t send(int fd, const void *buffer, size_t count, int flags) {
    ipch_action action = decide(IPCH_CALL_SEND, fd, (long)count, message_may_block(flags));
    FAIL_IF_REFUSED(action)
    return noticing(action, real_send(fd, buffer, limited(action, count), flags), IPCH_CALL_SEND, fd, (long)count);
}

ssize_t sendto(int fd, const void *buffer, size_t count, int flags, const struct sockaddr *to, socklen_t length) {
    ipch_action action = decide(IPCH_CALL_SEND, fd, (long)count, message_may_block(flags));
    FAIL_IF_REFUSED(action)
    return noticing(action, real_sendto(fd, buffer, limited(action, count), flags, to, length), IPCH_CALL_SEND, fd, (long)count);
}

ssize_t recv(int fd, void *buffer, size_t count, int flags) {
    ipch_action action = decide(IPCH_CALL_RECEIVE, fd, (long)count, message_may_block(flags));
    FAIL_IF_REFUSED(action)
    return noticing(action, real_recv(fd, buffer, limited(action, count), flags), IPCH_CALL_RECEIVE, fd, (long)count);
}

ssize_t recvfrom(int fd, void *buffer, size_t count, int flags, struct sockaddr *from, socklen_t *length) {
    ipch_action action = decide(IPCH_CALL_RECEIVE, fd, (long)count, message_may_block(flags));
    FAIL_IF_REFUSED(action)
    return noticing(action, real_recvfrom(fd, buffer, limited(action, count), flags, from, length), IPCH_CALL_RECEIVE, fd, (long)count);
}

ssize_t sendmsg(int fd, const struct msghdr *message, int flags) {
    size_t total = vector_bytes(message->msg_iov, (int)message->msg_iovlen);
    ipch_action action = decide(IPCH_CALL_SENDMSG, fd, (long)total, message_may_block(flags));
    FAIL_IF_REFUSED(action)
    if (limited(action, total) == total) return real_sendmsg(fd, message, flags);
    struct iovec room[64];
    struct msghdr shorter = *message;
    shorter.msg_iov = room;
    shorter.msg_iovlen = (size_t)truncate_vector(message->msg_iov, (int)message->msg_iovlen, limited(action, total), room, 64);
    return noticing(action, real_sendmsg(fd, &shorter, flags), IPCH_CALL_SENDMSG, fd, (long)total);
}

ssize_t recvmsg(int fd, struct msghdr *message, int flags) {
    size_t total = vector_bytes(message->msg_iov, (int)message->msg_iovlen);
    ipch_action action = decide(IPCH_CALL_RECVMSG, fd, (long)total, message_may_block(flags));
    FAIL_IF_REFUSED(action)
    if (limited(action, total) == total) return real_recvmsg(fd, message, flags);
    struct iovec room[64];
    struct iovec *original = message->msg_iov;
    size_t length = message->msg_iovlen;
    message->msg_iov = room;
    message->msg_iovlen = (size_t)truncate_vector(original, (int)length, limited(action, total), room, 64);
    ssize_t result = real_recvmsg(fd, message, flags);
    int saved = errno;
    message->msg_iov = original;
    message->msg_iovlen = length;
    errno = saved;
    return noticing(action, result, IPCH_CALL_RECVMSG, fd, (long)total);
}

int mq_send(mqd_t queue, const char *message, size_t length, unsigned int priority) {
    ipch_action action = decide(IPCH_CALL_MQ_SEND, queue, (long)length, -1);
    FAIL_IF_REFUSED(action)
    return real_mq_send(queue, message, length, priority);
}

int mq_timedsend(mqd_t queue, const char *message, size_t length, unsigned int priority, const struct timespec *until) {
    ipch_subject subject = nothing();
    subject.deadline = until;
    ipch_action action = decide_about(IPCH_CALL_MQ_SEND, queue, (long)length, -1, &subject);
    FAIL_IF_REFUSED(action)
    return real_mq_timedsend(queue, message, length, priority, until);
}

ssize_t mq_receive(mqd_t queue, char *message, size_t length, unsigned int *priority) {
    ipch_action action = decide(IPCH_CALL_MQ_RECEIVE, queue, (long)length, -1);
    FAIL_IF_REFUSED(action)
    return real_mq_receive(queue, message, length, priority);
}

ssize_t mq_timedreceive(mqd_t queue, char *message, size_t length, unsigned int *priority, const struct timespec *until) {
    ipch_subject subject = nothing();
    subject.deadline = until;
    ipch_action action = decide_about(IPCH_CALL_MQ_RECEIVE, queue, (long)length, -1, &subject);
    FAIL_IF_REFUSED(action)
    return real_mq_timedreceive(queue, message, length, priority, until);
}

int msgsnd(int queue, const void *message, size_t length, int flags) {
    ipch_subject subject = nothing();
    subject.identifier = queue;
    subject.message_size = (long)length;
    ipch_action action = decide_about(IPCH_CALL_MSGSND, -1, (long)length, (flags & IPC_NOWAIT) ? 0 : 1, &subject);
    FAIL_IF_REFUSED(action)
    return real_msgsnd(queue, message, length, flags);
}

ssize_t msgrcv(int queue, void *message, size_t length, long type, int flags) {
    ipch_subject subject = nothing();
    subject.identifier = queue;
    subject.message_size = -1;
    ipch_action action = decide_about(IPCH_CALL_MSGRCV, -1, (long)length, (flags & IPC_NOWAIT) ? 0 : 1, &subject);
    FAIL_IF_REFUSED(action)
    return real_msgrcv(queue, message, length, type, flags);
}

/// A semop may sleep when one of its operations lacks IPC_NOWAIT.
static int operations_may_block(const struct sembuf *operations, size_t count) {
    for (size_t index = 0; index < count; index++) {
        if (!(operations[index].sem_flg & IPC_NOWAIT)) return 1;
    }
    return 0;
}

int semop(int set, struct sembuf *operations, size_t count) {
    ipch_subject subject = nothing();
    subject.identifier = set;
    subject.entries = operations;
    subject.count = count;
    ipch_action action = decide_about(IPCH_CALL_SEMOP, -1, -1, operations_may_block(operations, count), &subject);
    FAIL_IF_REFUSED(action)
    return real_semop(set, operations, count);
}

int semtimedop(int set, struct sembuf *operations, size_t count, const struct timespec *timeout) {
    ipch_subject subject = nothing();
    subject.identifier = set;
    subject.entries = operations;
    subject.count = count;
    subject.deadline = timeout;
    ipch_action action = decide_about(IPCH_CALL_SEMOP, -1, -1, operations_may_block(operations, count), &subject);
    FAIL_IF_REFUSED(action)
    return real_semtimedop(set, operations, count, timeout);
}

int sem_wait(sem_t *semaphore) {
    ipch_subject subject = nothing();
    subject.semaphore = semaphore;
    ipch_action action = decide_about(IPCH_CALL_SEM_WAIT, -1, -1, 1, &subject);
    FAIL_IF_REFUSED(action)
    return real_sem_wait(semaphore);
}

int sem_timedwait(sem_t *semaphore, const struct timespec *until) {
    ipch_subject subject = nothing();
    subject.semaphore = semaphore;
    subject.deadline = until;
    ipch_action action = decide_about(IPCH_CALL_SEM_WAIT, -1, -1, 1, &subject);
    FAIL_IF_REFUSED(action)
    return real_sem_timedwait(semaphore, until);
}

int sem_trywait(sem_t *semaphore) {
    ipch_action action = decide(IPCH_CALL_SEM_TRYWAIT, -1, -1, 0);
    FAIL_IF_REFUSED(action)
    return real_sem_trywait(semaphore);
}

int poll(struct pollfd *descriptors, nfds_t count, int timeout) {
    ipch_subject subject = nothing();
    subject.entries = descriptors;
    subject.count = count;
    ipch_action action = decide_about(IPCH_CALL_POLL, count > 0 ? descriptors[0].fd : -1, -1, timeout != 0, &subject);
    FAIL_IF_REFUSED(action)
    return real_poll(descriptors, count, timeout);
}

int ppoll(struct pollfd *descriptors, nfds_t count, const struct timespec *timeout, const sigset_t *mask) {
    int may_block = timeout == NULL || timeout->tv_sec != 0 || timeout->tv_nsec != 0;
    ipch_subject subject = nothing();
    subject.entries = descriptors;
    subject.count = count;
    ipch_action action = decide_about(IPCH_CALL_POLL, count > 0 ? descriptors[0].fd : -1, -1, may_block, &subject);
    FAIL_IF_REFUSED(action)
    return real_ppoll(descriptors, count, timeout, mask);
}
