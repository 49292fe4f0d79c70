// mremap(2), which glibc declares variadic (the new address is a fifth argument only with MREMAP_FIXED), so Swift
// cannot call it.
#ifndef IPC_REMAP_H
#define IPC_REMAP_H

#include <stddef.h>

/// mremap(old_address, old_size, new_size, flags, new_address): the new address, or MAP_FAILED with errno set.
void *ipc_mremap(void *old_address, size_t old_size, size_t new_size, int flags, void *new_address);

#endif
