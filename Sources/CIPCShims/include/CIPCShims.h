// Thin C shims for calls Swift's Glibc module cannot reach: GNU-only functions (built with _GNU_SOURCE),
// macros (wait status, CMSG) and constants hidden behind enums. No logic lives here: one shim per call.
//
// This header deliberately includes no system headers that would shadow Swift's Glibc overlay
// (<sys/socket.h> hides SOCK_STREAM from Swift files that import other packages); the .c file includes them.
#ifndef CIPCSHIMS_H
#define CIPCSHIMS_H

#include <stddef.h>
#include <stdint.h>

#include "ipc_batches.h"
#include "ipc_children.h"
#include "ipc_credentials.h"
#include "ipc_epoll.h"
#include "ipc_events.h"
#include "ipc_files.h"
#include "ipc_futex.h"
#include "ipc_memory.h"
#include "ipc_remap.h"
#include "ipc_sockets.h"
#include "ipc_mqueue.h"
#include "ipc_rcu.h"
#include "ipc_semaphore.h"
#include "ipc_timers.h"
#include "ipc_sysv.h"
#include "ipc_signal_permissions.h"

/// mkfifo(path, mode) under the file mode creation mask `mask`, on a thread of its own that first unshares its
/// filesystem attributes (unshare(CLONE_FS)), so the process's umask — shared by every thread, and by tests running
/// in parallel — is never changed. On success writes the mode lstat reports (st_mode & 07777) to `reported` and
/// returns 0; else -1 with errno set.
int ipc_mkfifo_under_umask(const char *path, unsigned int mode, unsigned int mask, unsigned int *reported);
/// mknodat(directory, path, mode, device) — `mode` with its file type bits — under the file mode creation mask
/// `mask`, as `ipc_mkfifo_under_umask` does it (a thread of its own); `*reported` the permission bits `fstatat` then
/// reports (without following a link).
int ipc_mknodat_under_umask(
    int directory, const char *path, unsigned int mode, unsigned long device, unsigned int mask, unsigned int *reported);

/// Enters the process's spawn gate, a recursive mutex: held by `Syscall.withoutConcurrentSpawns` around code whose
/// closes must be the last, and by every spawn that goes through it (`Syscall.spawn`; in the test suite, every
/// `posix_spawn` of the process: Tests/CSpawnGate). Between its clone and its exec a child holds a copy of every
/// descriptor of the process, so a close made meanwhile is not the last.
void ipc_spawn_gate_enter(void);
/// Leaves the spawn gate once for each `ipc_spawn_gate_enter`.
void ipc_spawn_gate_leave(void);

/// pipe2(2), a GNU extension.
int ipc_pipe2(int fds[2], int flags);

/// dup3(2), a GNU extension.
int ipc_dup3(int oldfd, int newfd, int flags);

/// splice(2), a GNU extension: each side at its file's position, or, where `*_offset` is nonzero, with an offset of 0
/// given for it (only ESPIPE on a pipe is wanted from that).
long ipc_splice_at(int from, int from_offset, int to, int to_offset, size_t length, unsigned int flags);

/// tee(2), a GNU extension.
long ipc_tee(int from, int to, size_t length, unsigned int flags);

/// vmsplice(2) of `count` vectors: each `lengths[i]` bytes at `bases[i]`, a GNU extension.
long ipc_vmsplice(int descriptor, void *const *bases, const size_t *lengths, size_t count, unsigned int flags);

/// strerrorname_np(3): the symbolic name of an errno value ("EAGAIN"), or NULL when unknown.
const char *ipc_errno_name(int code);

/// fcntl(F_GETPIPE_SZ) and fcntl(F_SETPIPE_SZ), both GNU-only commands.
int ipc_get_pipe_size(int fd);
int ipc_set_pipe_size(int fd, int size);
/// A zero-timeout poll made as the raw ppoll system call, so that the worker's interposer (which wraps libc's poll
/// and ppoll, and asks the fault injector about them) never sees it: the fault injector itself uses it.
int ipc_poll_now(void *descriptors, unsigned long count);
/// ioctl(FIONREAD): the bytes ready to be read (ioctl is variadic, which Swift cannot call).
int ipc_bytes_readable(int fd, int *count);

/// fcntl(F_GETFL) / fcntl(F_SETFL): fcntl is variadic.
int ipc_get_status_flags(int fd);
int ipc_set_status_flags(int fd, int flags);
/// O_DIRECT, which Swift's Glibc does not export (it needs _GNU_SOURCE): packet mode on a pipe.
int ipc_o_direct(void);

/// setresgid(gid, gid, -1) and setresuid(uid, uid, -1) for the calling thread alone (raw syscalls: glibc's wrappers
/// change every thread); the saved ids stay, so a thread of a root process can leave root and come back (uid 0).
int ipc_thread_credentials(unsigned uid, unsigned gid);

/// The wait(2) status macros.
int ipc_wifexited(int status);
int ipc_wexitstatus(int status);
int ipc_wifsignaled(int status);
int ipc_wtermsig(int status);

/// socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0): the control channel between driver and worker.
int ipc_seqpacket_pair(int fds[2]);

/// Socket constants that the Swift overlay exposes only as enum raw values.
int ipc_msg_peek(void);
int ipc_msg_oob(void);
int ipc_msg_trunc(void);
int ipc_msg_waitall(void);
int ipc_msg_dontwait(void);
int ipc_msg_nosignal(void);

/// The process's environment, for posix_spawn.
char *const *ipc_environ(void);

/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34), which the Glibc module does not export;
/// `actions` is a posix_spawn_file_actions_t.
int ipc_spawn_add_close_from(void *actions, int from);

/// The calling thread's id (gettid(2)).
int ipc_gettid(void);

/// Makes standard output line-buffered (setvbuf(stdout, NULL, _IOLBF, 0)); Swift cannot name `stdout` safely.
void ipc_line_buffer_stdout(void);

/// The calling thread leaves its network namespace for a new one (unshare(CLONE_NEWNET)); 0 or -1 with errno.
int ipc_unshare_network(void);
/// The calling thread joins the network namespace `fd` names (setns(fd, CLONE_NEWNET)); 0 or -1 with errno.
int ipc_enter_network(int fd);

/// The calling process leaves its IPC namespace for a new one of its own (unshare(CLONE_NEWIPC), CAP_SYS_ADMIN): its
/// System V objects and POSIX queues, and the limits in /proc/sys/kernel/{msgmni,sem,shmmni} and
/// /proc/sys/fs/mqueue, are then that namespace's. 0 or -1 with errno. For forked children only.
int ipc_unshare_ipc(void);
/// Writes `text` to the file at `path` (a /proc/sys setting) with one write(2); 0 or -1 with errno. Async-signal-safe.
int ipc_write_setting(const char *path, const char *text);

#endif
