// Descriptor juggling for posix_spawn's file actions.
#ifndef IPC_SPAWN_H
#define IPC_SPAWN_H

/// fcntl(fd, F_DUPFD_CLOEXEC, minimum): a close-on-exec copy numbered at least `minimum` (fcntl is variadic).
int ipc_dup_at_least(int fd, int minimum);

#endif
