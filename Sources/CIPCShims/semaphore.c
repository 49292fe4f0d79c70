#include "ipc_semaphore.h"

#include <fcntl.h>
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
