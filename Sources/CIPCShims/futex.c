#include "ipc_futex.h"

#include <linux/futex.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

int ipc_futex_wait(const int *word, int expected) {
    return (int)syscall(__NR_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

int ipc_futex_wake(const int *word, int count) {
    return (int)syscall(__NR_futex, word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

int ipc_futex_wait_shared(const int *word, int expected) {
    return (int)syscall(__NR_futex, word, FUTEX_WAIT, expected, NULL, NULL, 0);
}

int ipc_futex_wake_shared(const int *word, int count) {
    return (int)syscall(__NR_futex, word, FUTEX_WAKE, count, NULL, NULL, 0);
}
