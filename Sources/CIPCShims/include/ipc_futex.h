// futex(2), which glibc wraps only through the variadic syscall(2): private futexes for threads of one process (the
// project's RCU), shared ones for processes that map the same memory (the SharedMemory protocol's wait and wake).
#ifndef IPC_FUTEX_H
#define IPC_FUTEX_H

/// futex(FUTEX_WAIT_PRIVATE): sleeps while *word == expected (until a wake, a signal, or at once when it differs).
/// 0, or -1 with errno (EAGAIN: it differed; EINTR).
int ipc_futex_wait(const int *word, int expected);

/// futex(FUTEX_WAKE_PRIVATE): wakes up to `count` waiters on *word; the number woken, or -1 with errno.
int ipc_futex_wake(const int *word, int count);

/// futex(FUTEX_WAIT) on memory other processes map too (keyed by the page, not the address).
int ipc_futex_wait_shared(const int *word, int expected);

/// futex(FUTEX_WAKE) on memory other processes map too.
int ipc_futex_wake_shared(const int *word, int count);

#endif
