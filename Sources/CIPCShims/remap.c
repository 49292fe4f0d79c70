#include "ipc_remap.h"

#include <sys/mman.h>

void *ipc_mremap(void *old_address, size_t old_size, size_t new_size, int flags, void *new_address) {
    return mremap(old_address, old_size, new_size, flags, new_address);
}
