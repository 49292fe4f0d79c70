// POSIX named semaphores and anonymous shared memory: sem_open is variadic, memfd_create is GNU.
#ifndef IPC_SEMAPHORE_H
#define IPC_SEMAPHORE_H

/// sem_open(name, oflag | O_CREAT, mode, value); NULL (SEM_FAILED) on error.
void *ipc_sem_create(const char *name, int oflag, unsigned int mode, unsigned int value);
/// sem_open(name, 0) of an existing semaphore; NULL (SEM_FAILED) on error.
void *ipc_sem_open(const char *name);
struct timespec;
/// sem_clockwait(3) (GNU): sem_timedwait with the deadline on `clock`; -1 with errno on error.
int ipc_sem_clockwait(void *semaphore, int clock, const struct timespec *deadline);
/// pthread_mutex_clocklock(3) (GNU): returns the error number (0 when locked), as pthread calls do.
int ipc_mutex_clocklock(void *mutex, int clock, const struct timespec *deadline);
/// memfd_create(name, MFD_CLOEXEC): anonymous memory to share by descriptor.
int ipc_memfd_create(const char *name);

#endif
