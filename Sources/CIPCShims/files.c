#include "ipc_files.h"

#include <fcntl.h>

int ipc_fallocate(int fd, int mode, int64_t offset, int64_t length) {
    return fallocate(fd, mode, (off_t)offset, (off_t)length);
}
