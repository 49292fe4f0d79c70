#include "ipc_spawn.h"

#include <fcntl.h>

int ipc_dup_at_least(int fd, int minimum) { return fcntl(fd, F_DUPFD_CLOEXEC, minimum); }
