// What the fact tests' forked children do between fork() and _exit, in C.
//
// A child forked from the multithreaded test process must not enter the Swift runtime (allocation, metadata,
// Swift wrappers, print, #expect): another thread may have held one of the runtime's locks at the fork, and the
// child would deadlock or crash. So a child that needs more than one or two calls runs one of these functions and
// exits with what it returns: 0 when every check held, else a code naming the first that failed (as the test's
// message says). Each is called in the child only, right after fork(); none forks the caller itself.
#ifndef IPC_CHILDREN_H
#define IPC_CHILDREN_H

/// Which System V mechanism an ipc_child_sysv_* function works on.
enum ipc_sysv_kind { IPC_SYSV_MESSAGES = 0, IPC_SYSV_SEMAPHORES = 1, IPC_SYSV_SHARED_MEMORY = 2 };

/// Becomes uid 65534 (else 10), then checks, for the object `id` at `index` of `kind` (made mode 0600 by root):
/// the *_STAT command fails EACCES (else 11); *_STAT_ANY succeeds with `id` — for a queue holding 1 message, for a
/// set of 3 semaphores (else 12); the info commands succeed with an index of at least `index` — IPC_INFO's msgmax
/// 8192, SEM_INFO's semopm 500, IPC_INFO's shmmni 4096 — (else 13). Returns 0 when all held.
int ipc_child_sysv_stat_as_nobody(int kind, int index, int id);

/// Drops the supplementary groups and becomes `gid` and `uid` (else 255), then makes, on the object `id` of `kind`,
/// IPC_STAT (`set` 0) or IPC_SET of the owner `owner` and the group `group` (each -1: kept), the rest read with
/// *_STAT_ANY as Syscall.msgSet, semSet and shmSet do. Returns the call's errno, 0 when it succeeded.
int ipc_child_sysv_call_as_user(int kind, int id, unsigned int uid, unsigned int gid, int set, long owner, long group);

/// Becomes uid 65534 (else 10), then (`owner` 0) checks that SHM_UNLOCK and SHM_LOCK of the segment `id` both fail,
/// the second EPERM, or (`owner` 1) that SHM_UNLOCK succeeds, IPC_STAT then shows no SHM_LOCKED, and SHM_LOCK
/// succeeds (else 11). Returns 0 when all held.
int ipc_child_shm_lock_as_nobody(int id, int owner);

/// Blocks `signal`, creates the POSIX message queue `name` (4 messages of 8 bytes, O_EXCL, 0600; else 4), registers
/// for its notification by `signal` with sigev_value `value` (else 4), forks a sender that becomes uid `sender_uid`
/// and sends one byte (exit 1 if the send failed), reaps it (else 2), and takes the signal without waiting: si_code
/// SI_MESGQ, si_pid the sender's, si_value `value` (else 3). Unlinks the queue. Returns 0 when all held.
int ipc_child_mq_signal_notification(const char *name, int signal, int value, unsigned int sender_uid);

/// Locks `mutex` (a pthread_mutex_t; exits 1 if that fails), writes one byte to `ready`, and sleeps holding it
/// until killed. Never returns.
void ipc_child_hold_mutex(void *mutex, int ready) __attribute__((noreturn));

/// In a single-threaded child: a pipe whose read end's owner is this process (F_SETOWN) with O_ASYNC, signals SIGIO,
/// `realtime` and `realtime + 1` blocked; two writes queue one plain SIGIO (si_code SI_KERNEL, band 0, fd 0) and
/// nothing else. Then the read end's owner becomes this thread (F_SETOWN_EX F_OWNER_TID) with F_SETSIG
/// `realtime + 1`, the write end's this process with O_ASYNC and F_SETSIG `realtime`; a read (POLL_OUT to the
/// process) then a write (POLL_IN to the thread) are taken thread's first: `realtime + 1` POLL_IN, then `realtime`
/// POLL_OUT. Returns 1 when all held, 0 when not.
int ipc_child_async_process_and_thread_owner(int realtime);

/// fcntl(descriptor, F_SETOWN_EX, {type, id}) (a GNU command; fcntl is variadic).
int ipc_set_owner_ex(int descriptor, int type, int id);

#endif
