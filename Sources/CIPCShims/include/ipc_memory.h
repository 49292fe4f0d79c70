// Shared memory: memfd_create(2) is a GNU call Swift's Glibc module does not declare.
#ifndef IPC_MEMORY_H
#define IPC_MEMORY_H

/// memfd_create(name, MFD_CLOEXEC): an anonymous file to map MAP_SHARED and hand to other processes.
int ipc_memfd_create(const char *name);

#endif
