#include "ipc_semaphore.h"

#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <stddef.h>
#include <semaphore.h>
#include <sys/mman.h>

void *ipc_sem_create(const char *name, int oflag, unsigned int mode, unsigned int value) {
    sem_t *semaphore = sem_open(name, oflag | O_CREAT, (mode_t)mode, value);
    return semaphore == SEM_FAILED ? NULL : semaphore;
}

void *ipc_sem_open(const char *name) {
    sem_t *semaphore = sem_open(name, 0);
    return semaphore == SEM_FAILED ? NULL : semaphore;
}

int ipc_memfd_create(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int ipc_sem_clockwait(void *semaphore, int clock, const struct timespec *deadline) {
    return sem_clockwait((sem_t *)semaphore, (clockid_t)clock, deadline);
}

int ipc_mutex_clocklock(void *mutex, int clock, const struct timespec *deadline) {
    return pthread_mutex_clocklock((pthread_mutex_t *)mutex, (clockid_t)clock, deadline);
}
