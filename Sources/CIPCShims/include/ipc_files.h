// Regular-file calls glibc declares only under _GNU_SOURCE, which Swift's Glibc module does not set.
#ifndef IPC_FILES_H
#define IPC_FILES_H

#include <stdint.h>

/// fallocate(fd, mode, offset, length): 0, or -1 with errno set.
int ipc_fallocate(int fd, int mode, int64_t offset, int64_t length);

#endif
