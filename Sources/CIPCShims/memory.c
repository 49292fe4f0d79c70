#include "ipc_memory.h"

#include <sys/mman.h>

int ipc_memfd_create(const char *name) { return memfd_create(name, MFD_CLOEXEC); }
