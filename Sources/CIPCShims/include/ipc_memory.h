// A word access to shared memory that reports, instead of dying of it, the signal the kernel sends when the
// access is refused: SIGSEGV (a read-only mapping or attachment written, no mapping) or SIGBUS (a page of a
// mapping wholly beyond the end of its object). sigsetjmp cannot be called from Swift, hence C.
#ifndef IPC_MEMORY_H
#define IPC_MEMORY_H

#include <stdint.h>
#include <stddef.h>

/// The accesses ipc_guarded_word makes (sequentially consistent atomics, as SharedWords').
enum ipc_word_operation { IPC_WORD_LOAD = 0, IPC_WORD_STORE = 1, IPC_WORD_ADD = 2 };

/// Loads (*result = the word), stores `operand`, or fetch-and-adds `operand` (*result = the word before) at
/// `address`. Handlers for SIGSEGV and SIGBUS are installed at the first call and stay; a fault outside a guarded
/// access goes to the handler that was there before. Returns 0, or the signal the access raised; then nothing
/// was stored.
int ipc_guarded_word(int operation, uint64_t *address, uint64_t operand, uint64_t *result);

/// mlock2(address, length, flags): glibc declares it only under _GNU_SOURCE, which Swift's Glibc module does not set.
int ipc_mlock2(void *address, size_t length, unsigned int flags);

/// Whether this process has CAP_IPC_LOCK in its effective set (capget): 1, 0, or -1 with errno.
int ipc_has_ipc_lock_capability(void);

/// Drops CAP_IPC_LOCK from this process's effective and permitted sets (capset): RLIMIT_MEMLOCK then applies to it,
/// as to an unprivileged process. 0, or -1 with errno.
int ipc_drop_ipc_lock_capability(void);

/// Drops CAP_SYS_RESOURCE from this process's effective and permitted sets (capset): it can then no longer raise a
/// hard resource limit (setrlimit EPERM). 0, or -1 with errno.
int ipc_drop_sys_resource_capability(void);

#endif
