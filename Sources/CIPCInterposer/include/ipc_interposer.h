// The libc boundary of a worker process: definitions of the IPC calls (read, write, sendmsg, mq_send, semop,
// sem_wait, poll, ...) that take precedence over libc's in the executable that links this target, so that a
// fault plan reaches code that calls libc directly — Swift's Glibc module, swift-system, Foundation, a C library
// linked in — and not only the harness's own syscall wrappers. Each definition asks the installed decider what to
// do with the call, then makes (or refuses, shortens, delays) the real one, found with dlsym(RTLD_NEXT, ...).
//
// With no decider installed every call goes straight to libc. Only worker executables link this target (the
// IPCHarnessWorker product); nothing else is interposed.
#ifndef IPC_INTERPOSER_H
#define IPC_INTERPOSER_H

#include <time.h>

/// The calls the interposer sees (numbered as IPCSyscalls' SystemCall names them, by name in Swift).
typedef enum {
    IPCH_CALL_READ = 0,
    IPCH_CALL_WRITE = 1,
    IPCH_CALL_SEND = 2,
    IPCH_CALL_RECEIVE = 3,
    IPCH_CALL_SENDMSG = 4,
    IPCH_CALL_RECVMSG = 5,
    IPCH_CALL_MQ_SEND = 6,
    IPCH_CALL_MQ_RECEIVE = 7,
    IPCH_CALL_MSGSND = 8,
    IPCH_CALL_MSGRCV = 9,
    IPCH_CALL_SEMOP = 10,
    IPCH_CALL_SEM_WAIT = 11,
    IPCH_CALL_SEM_TRYWAIT = 12,
    IPCH_CALL_POLL = 13,
} ipch_call;

/// What to do with one call.
typedef enum {
    IPCH_PROCEED = 0,
    /// Do not make the call: fail it with `error`.
    IPCH_FAIL = 1,
    /// Make it with at most `count` bytes.
    IPCH_SHORTEN = 2,
    /// Make it after `nanoseconds`.
    IPCH_DELAY = 3,
} ipch_action_kind;

typedef struct {
    int kind;
    int error;
    long count;
    unsigned long long nanoseconds;
} ipch_action;

/// What a call without a descriptor to read its state from waits on, so that the decider can tell whether it would
/// sleep now — the only moment the kernel can interrupt it with EINTR. Unused fields are NULL, -1 or 0.
typedef struct {
    /// sem_wait, sem_timedwait: the semaphore.
    const void *semaphore;
    /// sem_timedwait, mq_timedsend, mq_timedreceive: the absolute CLOCK_REALTIME deadline; semtimedop, ppoll: the
    /// relative timeout. NULL: none (wait for ever).
    const struct timespec *deadline;
    /// semop, semtimedop: the set's id; msgsnd, msgrcv: the queue's id; -1 otherwise.
    int identifier;
    /// semop, semtimedop: the `struct sembuf` array; poll, ppoll: the `struct pollfd` array.
    const void *entries;
    /// Their number.
    unsigned long count;
    /// msgsnd: the message's size; msgrcv: -1.
    long message_size;
} ipch_subject;

/// Decides a call: `descriptor` is -1 for calls without one; `count` the bytes asked for, -1 when none;
/// `may_block` 1 when the call's own flags let it sleep, 0 when they forbid it, -1 when the descriptor decides;
/// `subject` what a semaphore, System V queue or poll call waits on (NULL for the others).
typedef ipch_action (*ipch_decider)(int call, int descriptor, long count, int may_block, const ipch_subject *subject);

/// Told when a call the decider shortened was interrupted by a real signal before it moved anything (-1, EINTR):
/// the caller's retry is the same call, and must be shortened the same way.
typedef void (*ipch_interrupted)(int call, int descriptor, long count);

/// Installs `decider` and `interrupted` for every thread (NULL removes them).
void ipch_interposer_install(ipch_decider decider, ipch_interrupted interrupted);

/// 1: this executable's IPC calls go through the interposer.
int ipch_interposer_linked(void);

#endif
